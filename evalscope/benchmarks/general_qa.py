"""general_qa: the user's own question-answer data, EvalScope's format.

JSONL rows ``{"query"|"question": ..., "response"|"answer": ..., "system": optional}`` (or
``messages``: a chat history whose last turn is the user's), one file per subset
(``<subset>.jsonl``, or ``<subset>_test.jsonl``). Default metrics: BLEU and ROUGE (``bleu-1``..``bleu-4``,
``Rouge-1-R`` .. ``Rouge-L-F``; sacrebleu and rouge-score, the extra ``text``: ``evalscope.metrics.text_overlap``).
"""

from __future__ import annotations

from typing import Any

from evalscope.api import ChatMessage, Sample, Scorer
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.benchmarks.general_mcq import LocalSubsetsMixin, discover_subsets
from evalscope.registry import register


@register("benchmark", "general_qa")
class GeneralQA(LocalSubsetsMixin, Benchmark):
    meta = BenchmarkMeta(
        name="general_qa",
        pretty_name="General QA",
        tags=("Custom", "QA"),
        subsets=("default",),
        eval_split="test",
        few_shot_num=0,
        metric_list=("BLEU", "Rouge"),
        prompt_template="请回答问题\n{query}",
    )

    def _discovered(self) -> list[str]:
        from pathlib import Path

        root = self.args.local_path or self.args.dataset_id
        if root and Path(root).exists():
            path = Path(root)
            found = discover_subsets(path, self.eval_split)
            if not found and path.is_dir():
                from evalscope.data.readers import data_suffix

                found = [p.name[: -len(data_suffix(p))] for p in sorted(path.iterdir()) if data_suffix(p)]
            if found:
                return found
        return list(self.meta.subsets)

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        messages = record.get("messages")
        query = record.get("query") or record.get("question")
        target = record.get("response") or record.get("answer") or ""
        if messages:
            history = [ChatMessage.model_validate(m) for m in messages]
            return Sample(id=str(record.get("id", index)), input=history, target=str(target))
        if not query:
            raise ValueError(f"general_qa row {index}: needs 'query' (or 'question', or 'messages')")
        return Sample(id=str(record.get("id", index)), input=str(query), target=str(target),
                      metadata={"system": record.get("system")})

    def scorers(self) -> list[Scorer]:
        if {"BLEU", "Rouge"} & set(self.metric_list):
            from evalscope.metrics.text_overlap import require

            require()  # the 'text' extra, checked before any request
        return super().scorers()

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        if isinstance(sample.input, list):  # a chat history is sent as the user wrote it
            return list(sample.input)
        system = sample.metadata.get("system") or self.system_prompt
        messages = [ChatMessage(role="system", content=system)] if system else []
        messages.append(ChatMessage(role="user", content=self.format_query(sample)))
        return messages
