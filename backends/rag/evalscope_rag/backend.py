"""``RAGBackend``: the three steps of evalscope's ExternalBackend contract for MTEB.

- ``translate``: apply the unified model flags (``evalscope_rag.model_flags``), validate
  ``eval_config`` (``evalscope_rag.config``) into the native config:
  the normalized MTEB config plus where raw results go and the sample limit
  (``eval.limits``, else the task's integer ``limit``);
- ``run_native``: for each model and task, load the data (offline errors name the way out),
  cut it to the limit, run ``mteb.evaluate`` and save the raw result per model and task;
- ``to_reports``: raw results -> Reports (``evalscope_rag.results``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalscope.errors import RunFailed
from evalscope_rag.config import APIModel, MTEBConfig, parse_config
from evalscope_rag.results import raw_path, read_raw_reports, write_raw

if TYPE_CHECKING:
    from evalscope.config import TaskConfig
    from evalscope.report import Report
    from evalscope.run_dir import RunDir

logger = logging.getLogger(__name__)

NAME = "RAGEval"
PLAN_FILE = "plan.json"


def _native_dict(cfg: MTEBConfig) -> dict[str, Any]:
    data = cfg.model_dump(mode="json")
    for dumped, model in zip(data["models"], cfg.models):
        if isinstance(model, APIModel) and model.api_key is not None:
            dumped["api_key"] = model.api_key.get_secret_value()  # in memory only; files get it masked
    return data


class RAGBackend:
    name = NAME
    harness = "mteb"  # reports carry its version (evalscope.backend.external.harness_version)

    def translate(self, task: "TaskConfig", run_dir: "RunDir") -> dict[str, Any]:
        from evalscope.backend.model_spec import model_spec
        from evalscope_rag.model_flags import apply_model_spec

        cfg = parse_config(apply_model_spec(task.eval_config or {}, model_spec(task)))
        work_dir = run_dir.backend_dir(NAME)
        output = Path(cfg.eval.output_folder)
        output = output if output.is_absolute() else work_dir / output
        limit = cfg.eval.limits
        if limit is None and isinstance(task.limit, int):
            limit = task.limit
        elif limit is None and task.limit is not None:
            logger.warning("RAGEval: a fractional limit (%s) is not supported; use eval.limits", task.limit)
        # resuming a run (use_cache) reuses the raw results it already has, like overwrite_results: false
        reuse = task.use_cache is not None or not cfg.eval.overwrite_results
        return {"config": _native_dict(cfg), "output_folder": str(output.resolve()), "limit": limit,
                "reuse": reuse}

    def run_native(self, native_config: dict[str, Any], work_dir: Path) -> None:
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import mteb

        from evalscope_rag import encoders, tasks

        cfg = MTEBConfig.model_validate(native_config["config"])
        output = Path(native_config["output_folder"])
        limit = native_config.get("limit")
        task_objs = tasks.build_tasks(cfg.eval)
        counts: dict[str, Any] = {}
        plan = [(m.report_name, t.metadata.name) for m in cfg.models for t in task_objs]
        (work_dir / PLAN_FILE).write_text(json.dumps(plan), encoding="utf-8")
        for task in task_objs:  # load everything first: a missing dataset fails before any encoding
            tasks.load(task)
            tasks.apply_limit(task, limit)
            counts[task.metadata.name] = tasks.count_samples(task)
        for model_cfg in cfg.models:
            todo = [t for t in task_objs if not native_config.get("reuse")
                    or not raw_path(output, model_cfg.report_name, t.metadata.name).exists()]
            if not todo:
                logger.info("RAGEval: %s: every task has results in %s; nothing to run", model_cfg.report_name, output)
                continue
            encode_kwargs = {**(cfg.eval.encode_kwargs or {}), **model_cfg.encode_kwargs}
            encoder = encoders.build_encoder(model_cfg, encode_kwargs.get("batch_size"))
            for task in todo:
                name = task.metadata.name
                logger.info("RAGEval: %s on %s (%s)", model_cfg.report_name, name, counts[name])
                started = time.monotonic()
                result = mteb.evaluate(encoder, task, cache=None, encode_kwargs=_mteb_kwargs(encode_kwargs),
                                       show_progress_bar=False, raise_error=True, overwrite_strategy="always")
                task_result = result.task_results[0]
                write_raw(output, model_cfg.report_name, {
                    "task_name": name,
                    "task_type": task.metadata.type,
                    "main_score": task.metadata.main_score,
                    "mteb_version": getattr(mteb, "__version__", None),
                    "evaluation_time": round(time.monotonic() - started, 2),
                    "scores": task_result.scores,
                    "num_samples": counts[name],
                })
                score = task_result.scores[task.metadata.eval_splits[0]][0].get("main_score")
                logger.info("RAGEval: %s %s main_score=%s", model_cfg.report_name, name, score)

    def to_reports(self, native_config: dict[str, Any], work_dir: Path, model_name: str) -> list["Report"]:
        output = Path(native_config["output_folder"])
        plan_file = work_dir / PLAN_FILE
        if not plan_file.exists():
            raise RunFailed(f"RAGEval: the harness left no plan ({plan_file}); it did not run")
        plan = [tuple(p) for p in json.loads(plan_file.read_text(encoding="utf-8"))]
        reports = read_raw_reports(output, plan, NAME)
        missing = [f"{m}/{t}" for m, t in plan if not raw_path(output, m, t).exists()]
        if missing and reports:
            raise RunFailed(f"RAGEval: no results for {missing} in {output}")
        return reports


def _mteb_kwargs(encode_kwargs: dict[str, Any]) -> dict[str, Any]:
    allowed = {"batch_size", "show_progress_bar", "precision"}
    return {k: v for k, v in encode_kwargs.items() if k in allowed}
