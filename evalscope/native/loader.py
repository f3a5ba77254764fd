"""Where a benchmark's rows come from: a local path, ``dataset_dir``, or a hub (lazily imported).

Local directories are searched in EvalScope's layouts, first match wins:
``<subset>_<split>.<ext>``, ``<split>/<subset>_<split>.<ext>``, ``<subset>/<split>.<ext>``,
``<subset>/*-<split>.<ext>``, and for single-subset benchmarks ``<split>.<ext>``; finally
``<subset>.<ext>`` (one file per subset, any split).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional

from evalscope.data.readers import SUFFIXES, data_suffix, read_rows
from evalscope.errors import DatasetError

if TYPE_CHECKING:
    from evalscope.benchmarks.base import Benchmark
    from evalscope.config import TaskConfig

logger = logging.getLogger(__name__)

SPLIT_ALIASES = {"validation": ("val", "dev"), "val": ("validation",), "dev": ("validation",), "test": ()}


def local_root(benchmark: "Benchmark", task: "TaskConfig") -> Optional[Path]:
    """The local file or directory holding the benchmark's data, or ``None`` to use a hub."""
    args = benchmark.args
    for given, what in ((args.local_path, "local_path"), (args.dataset_id, "dataset_id")):
        if given and (Path(given).expanduser().exists() or what == "local_path"):
            path = Path(given).expanduser()
            if not path.exists():
                raise DatasetError(f"{benchmark.name}: local_path {str(path)!r} does not exist")
            return path
    if task.dataset_dir:
        base = Path(task.dataset_dir).expanduser()
        names = [benchmark.name]
        for dataset_id in (args.dataset_id, benchmark.meta.dataset_id, benchmark.meta.hf_dataset_id):
            if dataset_id:
                names += [dataset_id, dataset_id.split("/")[-1]]
        for name in names:
            if (base / name).exists():
                return base / name
        if task.dataset_hub == "local":
            raise DatasetError(
                f"{benchmark.name}: no data under dataset_dir {str(base)!r} (looked for {', '.join(sorted(set(names)))})"
            )
    return None


def _split_names(split: str) -> list[str]:
    return [split, *SPLIT_ALIASES.get(split.lower(), ())]


def _with_suffixes(base: Path, stem: str) -> list[Path]:
    return [base / f"{stem}{suffix}" for suffix in SUFFIXES]


_SHARD = re.compile(r"^(?P<split>.+)-(?P<index>\d{5})-of-(?P<count>\d{5})(?:-[0-9a-f]+)?(?P<ext>\.[a-z.]+)$")


def first_shard(folder: Path, split: str) -> list[Path]:
    """The first of a hub's shards ``<split>-00000-of-0000N.<ext>`` in ``folder`` (a list of one, or empty)."""
    return sorted(folder.glob(f"{split}-00000-of-*")) if folder.is_dir() else []


def shard_files(path: Path) -> list[Path]:
    """``path`` and, when it is a hub shard (``test-00000-of-00003.parquet``), its siblings in order."""
    m = _SHARD.match(path.name)
    if not m:
        return [path]
    count, files, missing = int(m["count"]), [], []
    for i in range(count):  # hub file names may end in a content hash: test-00001-of-00003-<hex>.parquet
        name = f"{m['split']}-{i:05d}-of-{m['count']}"
        found = sorted(path.parent.glob(f"{name}{m['ext']}")) or sorted(path.parent.glob(f"{name}-*{m['ext']}"))
        files += found[:1]
        missing += [] if found else [name + m["ext"]]
    if missing:
        raise DatasetError(f"{path.parent}: {len(missing)} of {count} shards missing ({', '.join(missing[:3])})")
    return files


def find_file(root: Path, subset: str, split: str, single_subset: bool) -> Optional[Path]:
    """The file of ``subset``/``split`` under directory ``root``, or ``None``."""
    for name in _split_names(split):
        candidates = [
            *_with_suffixes(root, f"{subset}_{name}"),
            *_with_suffixes(root / name, f"{subset}_{name}"),
            *_with_suffixes(root / subset, name),
            *first_shard(root / subset, name),  # hub layouts: <config>/<split>-0000i-of-0000n.parquet
            *(first_shard(root / "data", name) + first_shard(root, name) if single_subset else []),
        ]
        for path in candidates:
            if path.is_file():
                return path
        sub = root / subset
        if sub.is_dir():
            for path in sorted(sub.iterdir()):
                stem = path.name[: -len(data_suffix(path) or "")] if data_suffix(path) else None
                if stem and stem.lower().endswith((f"-{name}".lower(), f"_{name}".lower())):
                    return path
        if single_subset:
            for path in _with_suffixes(root, name):
                if path.is_file():
                    return path
    return None


def find_subset_file(root: Path, subset: str) -> Optional[Path]:
    for path in _with_suffixes(root, subset):
        if path.is_file():
            return path
    return None


def iter_split(benchmark: "Benchmark", task: "TaskConfig", subset: str, split: str,
               required: bool = True) -> Iterator[dict[str, Any]]:
    """Rows of one subset and split. ``required=False`` yields nothing when the split is absent;
    a required split without a single row is a ``DatasetError`` (not a run that scores nothing)."""
    rows = _split_rows(benchmark, task, subset, split, required)
    if not required:
        yield from rows
        return
    empty = True
    for row in rows:
        empty = False
        yield row
    if empty:
        raise DatasetError(
            f"{benchmark.name}: {source_of(benchmark, task, subset, split)} holds no rows for subset {subset!r} "
            f"split {split!r} (an empty or blank file?); give a file with at least one record"
        )


def _split_rows(benchmark: "Benchmark", task: "TaskConfig", subset: str, split: str,
                required: bool) -> Iterator[dict[str, Any]]:
    root = local_root(benchmark, task)
    builtin = benchmark.builtin_rows(subset, split) if root is None else None
    if builtin is not None:
        yield from builtin
        return
    if root is not None:
        own = benchmark.local_files(root, subset, split) if root.is_dir() else None
        path = None if own else _local_file(benchmark, root, subset, split, required)
        if path is None and not own:
            return
        logger.debug("%s/%s/%s: reading %s", benchmark.name, subset, split, own or path)
        for shard in own or shard_files(path):
            rows = benchmark.read_local_file(shard)
            rows = read_rows(shard, benchmark.meta.csv_fieldnames) if rows is None else rows
            yield from (r for r in rows if benchmark.in_subset(r, subset))
        return
    yield from _hub_rows(benchmark, task, subset, split, required)


def source_of(benchmark: "Benchmark", task: "TaskConfig", subset: str, split: str) -> str:
    """Where the rows of ``subset``/``split`` come from, for messages (a file path or a hub id)."""
    root = local_root(benchmark, task)
    if root is None:
        if benchmark.builtin_rows(subset, split) is not None:
            return f"built-in {subset}/{split}"
        return f"{task.dataset_hub} {benchmark.args.dataset_id or benchmark.meta.dataset_id} {subset}/{split}"
    try:
        path = _local_file(benchmark, root, subset, split, required=False)
    except DatasetError:
        path = None
    return str(path or root)


def _local_file(benchmark: "Benchmark", root: Path, subset: str, split: str, required: bool) -> Optional[Path]:
    if root.is_file():
        return root if split == benchmark.eval_split else None
    single = benchmark.meta.single_subset_files or len(benchmark.meta.subsets) == 1
    path = find_file(root, subset, split, single) or (
        find_subset_file(root, subset) if split == benchmark.eval_split else None
    )
    if path is None and required:
        raise DatasetError(
            f"{benchmark.name}: no data file for subset {subset!r} split {split!r} under {root} "
            f"(looked for {subset}_{split}.jsonl|csv|..., {split}/{subset}_{split}.*, {subset}/{split}.*"
            + (f", {split}.*" if single else "") + ")"
        )
    return path


def _offline_hint(benchmark: "Benchmark") -> str:
    return (
        f"point at local files instead: --dataset-args '{{\"{benchmark.name}\": {{\"local_path\": \"/path/to/data\"}}}}' "
        f"or --dataset-dir /path/to/mirror (with a {benchmark.name}/ folder)"
    )


def _hub_rows(benchmark: "Benchmark", task: "TaskConfig", subset: str, split: str,
              required: bool) -> Iterator[dict[str, Any]]:
    hub = task.dataset_hub
    if hub == "local":
        raise DatasetError(f"{benchmark.name}: dataset_hub is 'local' but no local data was given; "
                           + _offline_hint(benchmark))
    config = benchmark.hub_config(subset)
    try:
        if hub == "huggingface":
            dataset_id = benchmark.args.dataset_id or benchmark.meta.hf_dataset_id or benchmark.meta.dataset_id
            try:
                import datasets
            except ImportError:
                raise DatasetError("loading from Hugging Face needs `pip install 'evalscope[hub]'`; "
                                   + _offline_hint(benchmark)) from None
            data = datasets.load_dataset(dataset_id, config, split=split, revision=benchmark.meta.dataset_revision)
        else:
            dataset_id = benchmark.args.dataset_id or benchmark.meta.dataset_id
            try:
                from modelscope.msdatasets import MsDataset
            except ImportError:
                raise DatasetError("loading from ModelScope needs `pip install 'evalscope[hub]'`; "
                                   + _offline_hint(benchmark)) from None
            data = MsDataset.load(dataset_id, subset_name=config or "default", split=split)
    except DatasetError:
        raise
    except Exception as exc:  # network failures of the hub clients have many types
        raise DatasetError(
            f"{benchmark.name}: could not load {dataset_id!r} ({subset}/{split}) from {hub}: "
            f"{type(exc).__name__}: {exc}. The hub may be unreachable; " + _offline_hint(benchmark)
        ) from None
    for row in data:
        row = dict(row)
        if benchmark.in_subset(row, subset):
            yield row
