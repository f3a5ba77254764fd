"""Run lm-eval on a native config (the only module of the plugin that imports ``lm_eval``).

The tasks are built first (a missing dataset fails here, naming the task) and their output types
checked: a chat endpoint can only answer ``generate_until`` tasks, so loglikelihood tasks are
refused before any request, with the way out. Then ``simple_evaluate`` runs and its
``EvaluationTracker`` writes ``results_<ts>.json`` and ``samples_<task>_<ts>.jsonl`` as lm-eval's CLI does.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from typing import Any, Iterator

from evalscope.errors import RunFailed, UsageError

logger = logging.getLogger(__name__)

CHAT_MODEL = "local-chat-completions"


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """``values`` set in ``os.environ`` for the run, the previous values restored after."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _leaf_tasks(task_dict: Any) -> Iterator[tuple[str, Any]]:
    for key, value in task_dict.items():
        if isinstance(value, dict):
            yield from _leaf_tasks(value)
        elif value is not None:
            yield str(getattr(key, "group_name", key)), value


def output_types(tasks: list[str], task_manager: Any) -> dict[str, str]:
    """``{leaf task: output_type}``; a task that cannot be built (unknown, data missing) is a UsageError."""
    from lm_eval.tasks import get_task_dict

    unknown = [t for t in tasks if t not in task_manager.all_tasks]
    if unknown:
        raise UsageError(f"lm-eval: unknown task(s) {', '.join(unknown)}; custom tasks need eval_config "
                         "include_path (a folder of task YAMLs)")
    try:
        task_dict = get_task_dict(tasks, task_manager)
    except Exception as exc:  # datasets raises many kinds for a missing file or hub dataset
        raise UsageError(f"lm-eval: cannot load the data of task(s) {', '.join(tasks)}: "
                         f"{type(exc).__name__}: {exc}") from exc
    out = {}
    for name, task in _leaf_tasks(task_dict):
        if isinstance(task, tuple):  # (group, task) in some versions
            task = task[-1]
        config = getattr(task, "config", None)
        out[getattr(config, "task", None) or name] = getattr(task, "OUTPUT_TYPE", None) or getattr(
            config, "output_type", "generate_until")
    return out


def check_endpoint(native: dict[str, Any], types: dict[str, str]) -> None:
    refused = sorted(t for t, kind in types.items() if kind != "generate_until")
    if native["model"] == CHAT_MODEL and refused:
        raise UsageError(
            f"lm-eval: task(s) {', '.join(refused)} score by loglikelihood, which a chat endpoint cannot give "
            "(it needs echo + logprobs and a tokenizer); run them with eval_config model: local-completions and "
            "tokenizer: <a local tokenizer folder> against a completions server with logprobs (e.g. vLLM)")


def run(native: dict[str, Any]) -> None:
    import lm_eval
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    with environment(native.get("env") or {}):
        task_manager = TaskManager(include_path=native["include_path"] or None)
        types = output_types(native["tasks"], task_manager)
        check_endpoint(native, types)
        tracker = EvaluationTracker(output_path=native["output_path"])
        logger.info("lm-eval %s: tasks %s on %s", getattr(lm_eval, "__version__", "?"), native["tasks"],
                    native["model"])
        results = lm_eval.simple_evaluate(
            model=native["model"], model_args=native["model_args"], tasks=native["tasks"],
            num_fewshot=native["num_fewshot"], batch_size=native["batch_size"], limit=native["limit"],
            gen_kwargs=native["gen_kwargs"] or None, apply_chat_template=native["apply_chat_template"],
            fewshot_as_multiturn=native["fewshot_as_multiturn"], system_instruction=native["system_instruction"],
            log_samples=native["log_samples"], task_manager=task_manager, evaluation_tracker=tracker,
            random_seed=native["seed"], numpy_random_seed=native["seed"], fewshot_random_seed=native["seed"],
            bootstrap_iters=native["bootstrap_iters"])
    if not results:
        raise RunFailed("lm-eval: simple_evaluate returned no results")
    samples = results.pop("samples", None) or {}
    tracker.save_results_aggregated(results=results, samples=samples)
    for task_name in results.get("configs", {}):
        if task_name in samples:
            tracker.save_results_samples(task_name, samples[task_name])
