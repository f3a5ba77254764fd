"""What a native benchmark is: metadata + record-to-sample + prompt + answer extraction + the scorers it names.

The loop (loading, concurrency, caching, scoring off the event loop, aggregation) lives once in
``evalscope.native``. A benchmark module defines a ``Benchmark`` subclass with a ``meta`` and registers it with
``@register("benchmark", name)``. Scoring: ``meta.metric_list`` holds the names the report shows, and
``meta.metric_map`` says which registered metric computes each (``{"acc": "numeric_match"}``); a benchmark that
needs more (a judge, a sandbox) returns its own ``Scorer`` from ``scorers()``. Repeats are reduced by the
aggregators ``dataset_args.<b>.aggregation`` names (``mean`` by default).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Optional

from pydantic import BaseModel, ConfigDict, Field

from evalscope.api import ChatMessage, Sample, Scorer

if TYPE_CHECKING:
    from pathlib import Path

    from evalscope.config import DatasetArgs


class BenchmarkMeta(BaseModel):
    """Static facts about a benchmark."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    """Registry name (``gsm8k``)."""
    pretty_name: str
    """Display name (``GSM8K``)."""
    tags: tuple[str, ...] = ()
    """EvalScope's tags, the first being the category ``evalscope list`` shows (``Math``, ``Knowledge``, ...)."""
    version: str = "1"
    """Bumped whenever data or scoring changes, so cached runs are never silently mixed."""
    dataset_id: Optional[str] = None
    """ModelScope dataset id."""
    hf_dataset_id: Optional[str] = None
    """Hugging Face dataset id."""
    dataset_revision: Optional[str] = None
    """Pinned hub revision, when known."""
    subsets: tuple[str, ...] = ("default",)
    """All subsets (hub configs, or per-subject files)."""
    subset_categories: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    """Subset -> category path (e.g. MMLU's STEM/Humanities); absent subsets are ``default``."""
    eval_split: str = "test"
    """Split evaluated by default."""
    train_split: Optional[str] = None
    """Split few-shot examples come from."""
    few_shot_num: int = 0
    """Default number of few-shot examples."""
    max_few_shot_num: Optional[int] = None
    """Upper bound of few_shot_num (e.g. 5 for MMLU's dev split)."""
    metric_list: tuple[str, ...] = ("acc",)
    """Default metrics, by the names the report shows; the first is the primary one."""
    metric_map: dict[str, str] = Field(default_factory=lambda: {"acc": "normalized_match"})
    """Display name -> the registered metric that computes it; names not here are registered metrics' own."""
    aggregation: str = "mean"
    """Default aggregation of repeats (``mean``, ``mean_and_pass_at_k``, ...; see ``evalscope.metrics.aggregators``)."""
    prompt_template: str = "{query}"
    """Default prompt template."""
    system_prompt: Optional[str] = None
    """Default system prompt."""
    csv_fieldnames: Optional[tuple[str, ...]] = None
    """Column names of header-less CSV files (MMLU's original files)."""
    single_subset_files: bool = False
    """Local data has one file per split for the only subset (``test.jsonl``), not per subset."""
    subsets_from_column: bool = False
    """The subsets are the values of a column of one dataset (MATH-500's levels, MMLU-Pro's categories;
    EvalScope's ``reformat_subset``), not hub configs: the hub's default config is read and ``in_subset``
    keeps each subset's rows."""
    extra_params: dict[str, Any] = Field(default_factory=dict)
    """Benchmark-specific settings (``dataset_args.<b>.extra_params``, EvalScope's name) and their defaults;
    a key not here is an error."""


class Benchmark:
    """Base class; subclasses set ``meta`` and override the record and answer hooks."""

    meta: ClassVar[BenchmarkMeta]

    def __init__(self, args: "DatasetArgs", seed: Optional[int] = 42) -> None:
        self.args = args
        self.seed = seed
        unknown = sorted(set(getattr(args, "extra_params", None) or {}) - set(self.meta.extra_params))
        if unknown:
            known = ", ".join(sorted(self.meta.extra_params)) or "none"
            raise ValueError(f"extra_params: unknown key(s) {', '.join(unknown)} (this benchmark takes: {known})")

    # -- settings, with the user's dataset_args over the benchmark's defaults
    @property
    def name(self) -> str:
        return self.meta.name

    @property
    def subsets(self) -> list[str]:
        return list(self.args.subset_list or self.meta.subsets)

    @property
    def eval_split(self) -> str:
        return self.args.eval_split or self.meta.eval_split

    @property
    def train_split(self) -> Optional[str]:
        return self.args.train_split or self.meta.train_split

    @property
    def few_shot_num(self) -> int:
        n = self.meta.few_shot_num if self.args.few_shot_num is None else self.args.few_shot_num
        if self.meta.max_few_shot_num is not None and n > self.meta.max_few_shot_num:
            raise ValueError(
                f"{self.name}: few_shot_num {n} is more than the {self.meta.max_few_shot_num} examples it has"
            )
        return n

    @property
    def metric_list(self) -> list[str]:
        return list(self.args.metric_list or self.meta.metric_list)

    @property
    def aggregation(self) -> Any:
        return getattr(self.args, "aggregation", None) or self.meta.aggregation

    @property
    def prompt_template(self) -> str:
        return self.args.prompt_template or self.meta.prompt_template

    @property
    def system_prompt(self) -> Optional[str]:
        return self.args.system_prompt if self.args.system_prompt is not None else self.meta.system_prompt

    def extra(self, name: str) -> Any:
        """An ``extra_params`` setting: the user's value, else the benchmark's default."""
        given = getattr(self.args, "extra_params", None) or {}
        return given[name] if name in given else self.meta.extra_params[name]

    def category_of(self, subset: str) -> tuple[str, ...]:
        return self.meta.subset_categories.get(subset, ("default",))

    # -- hooks
    def builtin_rows(self, subset: str, split: str) -> Optional[Iterator[dict[str, Any]]]:
        """Rows that ship with the benchmark itself (``None``: load from files or a hub)."""
        return None

    def local_files(self, root: "Path", subset: str, split: str) -> Optional[list["Path"]]:
        """The local files of ``subset``/``split`` under directory ``root`` when the benchmark has a layout of its
        own (LiveCodeBench's release files); ``None``: the loader's usual layouts."""
        return None

    def hub_config(self, subset: str) -> Optional[str]:
        """The hub config that holds ``subset``'s rows (``None``: the dataset's default config)."""
        return None if subset == "default" or self.meta.subsets_from_column else subset

    def read_local_file(self, path: "Path") -> Optional[Iterator[dict[str, Any]]]:
        """Rows of a local file in a format of the benchmark's own (GPQA's password-protected zip); ``None``:
        the loader's readers (jsonl, json, csv, tsv, parquet)."""
        return None

    def in_subset(self, record: dict[str, Any], subset: str) -> bool:
        """Whether a row read for ``subset`` belongs to it: subsets given by a field of one file (MATH-500's
        ``level``, EvalScope's ``reformat_subset``) keep only their own rows; by default every row does."""
        return True

    def record_to_sample(self, record: dict[str, Any], index: int, subset: str) -> Sample:
        raise NotImplementedError

    def format_query(self, sample: Sample) -> str:
        """The question as shown to the model (template applied)."""
        return self.prompt_template.format(query=sample.input_text)

    def format_few_shot(self, sample: Sample) -> str:
        """One solved example for the few-shot prefix."""
        return f"{self.format_query(sample)}\n{sample.target_text}"

    def few_shot_prefix(self, examples: list[Sample]) -> str:
        return "".join(self.format_few_shot(e) + "\n\n" for e in examples)

    def build_messages(self, sample: Sample, few_shots: list[Sample]) -> list[ChatMessage]:
        """The conversation sent: system prompt, then the few-shot prefix and the templated question.

        A sample whose ``input`` is a conversation is sent as it is, with the template and few-shot prefix
        applied to the text of its last user turn (its image parts kept, in place).
        """
        messages = []
        if self.system_prompt and not (isinstance(sample.input, list) and sample.input[:1]
                                       and sample.input[0].role == "system"):
            messages.append(ChatMessage(role="system", content=self.system_prompt))
        text = self.few_shot_prefix(few_shots) + self.format_query(sample)
        if isinstance(sample.input, str):
            messages.append(ChatMessage(role="user", content=text))
            return messages
        last_user = max((i for i, m in enumerate(sample.input) if m.role == "user"), default=None)
        for i, message in enumerate(sample.input):
            messages.append(_with_text(message, text) if i == last_user else message)
        return messages

    def select_few_shots(self, pool: list[Sample]) -> list[Sample]:
        n = self.few_shot_num
        if n <= 0 or not pool:
            return []
        if self.args.few_shot_random:
            return random.Random(self.seed).sample(pool, min(n, len(pool)))
        return pool[:n]

    def extract_answer(self, prediction: str, sample: Sample) -> str:
        """The answer inside the model's text (after filters)."""
        return prediction.strip()

    def subset_metrics(self, totals: dict[str, float]) -> dict[str, float]:
        """Metrics of a whole subset computed from its totals (each per-sample value summed over the scored
        answers) instead of averaged per sample, shown first in the report (Arena-Hard's Bradley-Terry win rate);
        by default none."""
        return {}

    def scorers(self) -> list[Scorer]:
        """The scorers of this benchmark; by default the rule metrics of ``metric_list``."""
        from evalscope.metrics.scorer import MetricScorer

        return [MetricScorer(self.metric_list, self.meta.metric_map)]


def _with_text(message: ChatMessage, text: str) -> ChatMessage:
    """``message`` with its text replaced by ``text``: media parts kept where they were, text parts merged."""
    if isinstance(message.content, str):
        return message.model_copy(update={"content": text})
    from evalscope.api import ContentText

    parts, placed = [], False
    for part in message.content:
        if part.type != "text":
            parts.append(part)
        elif not placed:
            parts.append(ContentText(text=text))
            placed = True
    if not placed:
        parts.append(ContentText(text=text))
    return message.model_copy(update={"content": parts})
