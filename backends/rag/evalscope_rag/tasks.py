"""MTEB tasks from names, from local files, and from your own data (imports mteb when called).

- a standard task by name: MTEB's own class, its data from the hub or the local HF cache;
- a standard task from local files (``local_data``): MTEB's own class (metadata, evaluator,
  main score) with ``load_data`` reading the files - the way ``../shared/testkit`` runs
  STSBenchmark offline;
- a custom task: a Retrieval task over a BEIR folder, or an STS task over scored pairs.
Offline, a standard task whose data is absent is a ``DatasetError`` saying what is missing and
how to point at local data.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path
from typing import Any, Optional

from evalscope.errors import ConfigError, DatasetError
from evalscope_rag.config import CustomTask, EvalSection

logger = logging.getLogger(__name__)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        raise DatasetError(f"{path}: file not found")
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise DatasetError(f"{path}:{n}: not valid JSON ({exc.msg})") from None
    return rows


def read_sts_pairs(path: Path) -> dict[str, list]:
    """Scored pairs from ``.jsonl`` (sentence1, sentence2, score) or the STS Benchmark TSV."""
    rows: dict[str, list] = {"sentence1": [], "sentence2": [], "score": []}
    if path.suffix == ".jsonl":
        for n, r in enumerate(_read_jsonl(path), 1):
            try:
                rows["sentence1"].append(str(r["sentence1"]))
                rows["sentence2"].append(str(r["sentence2"]))
                rows["score"].append(float(r["score"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{n}: need sentence1, sentence2 and a numeric score ({exc})") from None
    else:  # STS Benchmark: genre, file, year, id, score, sentence1, sentence2[, ...]; split on tabs only
        if not path.exists():
            raise DatasetError(f"{path}: file not found")
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.rstrip("\n").split("\t")
                if len(parts) < 7:
                    raise DatasetError(f"{path}:{n}: expected 7 tab-separated columns (STS Benchmark), got {len(parts)}")
                try:
                    rows["score"].append(float(parts[4]))
                except ValueError:
                    raise DatasetError(f"{path}:{n}: column 5 must be the score, got {parts[4]!r}") from None
                rows["sentence1"].append(parts[5])
                rows["sentence2"].append(parts[6])
    if not rows["score"]:
        raise DatasetError(f"{path}: no sentence pairs")
    return rows


def read_beir(folder: Path, split: str) -> tuple[list[dict], list[dict], dict[str, dict[str, int]]]:
    """corpus, queries (those with judgements) and qrels of one split of a BEIR folder."""
    corpus = [{"id": str(r["_id"]), "text": r.get("text", ""), "title": r.get("title", "")}
              for r in _read_jsonl(folder / "corpus.jsonl")]
    queries = [{"id": str(r["_id"]), "text": r["text"]} for r in _read_jsonl(folder / "queries.jsonl")]
    tsv = folder / "qrels" / f"{split}.tsv"
    if (folder / "qrels.jsonl").exists():
        triples = [(r["query-id"], r["corpus-id"], r["score"]) for r in _read_jsonl(folder / "qrels.jsonl")]
    elif tsv.exists():
        with open(tsv, encoding="utf-8") as f:
            reader = csv.reader(f, delimiter="\t")
            next(reader, None)
            triples = [(q, c, s) for q, c, s, *_ in reader]
    else:
        raise DatasetError(f"{folder}: need qrels.jsonl or qrels/{split}.tsv")
    qrels: dict[str, dict[str, int]] = {}
    for q, c, s in triples:
        qrels.setdefault(str(q), {})[str(c)] = int(s)
    queries = [q for q in queries if q["id"] in qrels]
    if not queries:
        raise DatasetError(f"{folder}: no query of queries.jsonl has a judgement in the qrels")
    return corpus, queries, qrels


def _retrieval_split(corpus: list, queries: list, qrels: dict) -> Any:
    from datasets import Dataset
    from mteb.abstasks.retrieval_dataset_loaders import RetrievalSplitData

    return RetrievalSplitData(queries=Dataset.from_list(queries), corpus=Dataset.from_list(corpus),
                              relevant_docs=qrels, top_ranked=None)


def _local_loader(kind: str, path: Path, splits: list[str]):
    """A ``load_data`` that reads ``path`` (STS file or BEIR folder) into MTEB's structures."""

    def load_data(self, num_proc: Optional[int] = None, **kwargs: Any) -> None:
        if self.data_loaded:
            return
        if kind == "STS":
            from datasets import Dataset, DatasetDict

            self.dataset = DatasetDict({splits[0]: Dataset.from_dict(read_sts_pairs(path))})
            self.dataset_transform()
        else:
            self.dataset = {"default": {s: _retrieval_split(*read_beir(path, s)) for s in splits}}
        self.data_loaded = True

    return load_data


def custom_task(spec: CustomTask) -> Any:
    from mteb.abstasks.retrieval import AbsTaskRetrieval
    from mteb.abstasks.sts import AbsTaskSTS
    from mteb.abstasks.task_metadata import TaskMetadata

    path = Path(spec.data_path).expanduser()
    if not path.exists():
        raise DatasetError(f"custom task {spec.name!r}: data_path {path} does not exist")
    main = spec.main_score or ("ndcg_at_10" if spec.type == "Retrieval" else "cosine_spearman")
    metadata = TaskMetadata(
        name=spec.name, description=f"Custom {spec.type} task {spec.name} from {path}", reference=None,
        dataset={"path": str(path.resolve()), "revision": "local"}, type=spec.type, category="t2t",
        modalities=["text"], eval_splits=spec.eval_splits, eval_langs=spec.languages, main_score=main,
        date=None, domains=None, task_subtypes=None, license=None, annotations_creators=None,
        dialect=None, sample_creation=None, bibtex_citation="",
    )
    base = AbsTaskRetrieval if spec.type == "Retrieval" else AbsTaskSTS
    attrs: dict[str, Any] = {"metadata": metadata, "load_data": _local_loader(spec.type, path, spec.eval_splits)}
    if spec.type == "STS":
        attrs.update(min_score=spec.min_score, max_score=spec.max_score)
    return type(f"Custom{spec.type}_{spec.name}", (base,), attrs)()


def standard_task(name: str, local_path: Optional[str]) -> Any:
    import mteb

    try:
        task = mteb.get_task(name)
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"eval.task_names: unknown MTEB task {name!r}: {exc}") from None
    if local_path is None:
        return task
    kind = task.metadata.type
    if kind not in ("STS", "Retrieval"):
        raise ConfigError(f"eval.local_data.{name}: local files are supported for STS and Retrieval tasks, "
                          f"not {kind}")
    path = Path(local_path).expanduser()
    if not path.exists():
        raise DatasetError(f"eval.local_data.{name}: {path} does not exist")
    cls = type(task)
    local_cls = type(f"Local{cls.__name__}", (cls,), {"load_data": _local_loader(kind, path, task.metadata.eval_splits)})
    return local_cls()


def build_tasks(section: EvalSection) -> list[Any]:
    import mteb

    names = list(section.task_names)
    names += [n for n in section.local_data if n not in names]
    tasks = [standard_task(n, section.local_data.get(n)) for n in names]
    if section.task_types or section.languages:
        keep = {t.metadata.name for t in mteb.filter_tasks(tasks, task_types=section.task_types,
                                                           languages=section.languages)} if hasattr(mteb, "filter_tasks") else None
        if keep is not None:
            tasks = [t for t in tasks if t.metadata.name in keep]
    tasks += [custom_task(c) for c in section.custom_tasks]
    seen = [t.metadata.name for t in tasks]
    dupes = sorted({n for n in seen if seen.count(n) > 1})
    if dupes:
        raise ConfigError(f"eval: task names {dupes} appear twice (task_names/local_data/custom_tasks)")
    return tasks


def load(task: Any) -> None:
    """Load a task's data; an absent dataset offline is a DatasetError with the way out."""
    try:
        task.load_data()
    except DatasetError:
        raise
    except Exception as exc:
        meta = task.metadata
        offline = os.environ.get("HF_DATASETS_OFFLINE") == "1" or os.environ.get("HF_HUB_OFFLINE") == "1"
        where = "the hub is unreachable (offline mode)" if offline else "it could not be downloaded"
        hint = (f" Point at local files with eval.local_data: {{{meta.name}: /path/to/data}}"
                if meta.type in ("STS", "Retrieval") else "")
        raise DatasetError(
            f"MTEB task {meta.name!r} needs dataset {meta.dataset.get('path')!r} (revision "
            f"{meta.dataset.get('revision')}), which is not in the local Hugging Face cache and {where} "
            f"({type(exc).__name__}: {str(exc)[:300]}).{hint} Or set HF_HOME/HF_DATASETS_CACHE to a "
            "cache that holds it, or use custom_tasks with your own files."
        ) from exc


def _walk(node: Any, path: tuple[str, ...], visit: Any) -> Any:
    if isinstance(node, dict) and "queries" in node and "corpus" in node:
        return visit(node, path)
    if hasattr(node, "select") and hasattr(node, "__len__") and not isinstance(node, dict):
        return visit(node, path)
    if isinstance(node, dict) or hasattr(node, "keys"):
        for key in list(node.keys()):
            node[key] = _walk(node[key], path + (str(key),), visit)
    return node


def apply_limit(task: Any, limit: Optional[int]) -> None:
    """Keep the first ``limit`` pairs (STS) or queries (Retrieval, corpus cut to their documents)."""
    if not limit:
        return

    def cut(node: Any, path: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            queries = node["queries"].select(range(min(limit, len(node["queries"]))))
            ids = set(queries["id"])
            qrels = {q: d for q, d in node["relevant_docs"].items() if q in ids}
            wanted = {doc for docs in qrels.values() for doc in docs}
            corpus = node["corpus"].filter(lambda r: r["id"] in wanted)
            return {**node, "queries": queries, "corpus": corpus, "relevant_docs": qrels}
        return node.select(range(min(limit, len(node))))

    task.dataset = _walk(task.dataset, (), cut)


def count_samples(task: Any) -> dict[str, dict[str, int]]:
    """Samples per split and hf_subset: STS pairs, retrieval queries."""
    splits = set(task.metadata.eval_splits)
    counts: dict[str, dict[str, int]] = {}

    def count(node: Any, path: tuple[str, ...]) -> Any:
        split = next((p for p in reversed(path) if p in splits), path[-1] if path else "test")
        subset = next((p for p in path if p != split), "default")
        n = len(node["queries"]) if isinstance(node, dict) else len(node)
        counts.setdefault(split, {})[subset] = n
        return node

    _walk(task.dataset, (), count)
    return counts
