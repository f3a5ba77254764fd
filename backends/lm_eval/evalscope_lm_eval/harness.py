"""Run lm-eval on a native config (the only module of the plugin that imports ``lm_eval``).

The tasks are built first, each alone (a missing dataset fails here, naming the task; a task of
``task_overrides`` is its own YAML with those keys replaced) and their output types checked: a chat
endpoint can only answer ``generate_until`` tasks, so loglikelihood tasks are refused before any
request, with the way out (``local-completions`` with a tokenizer folder, checked here too). Then ``simple_evaluate`` runs and its
``EvaluationTracker`` writes ``results_<ts>.json`` and ``samples_<task>_<ts>.jsonl`` as lm-eval's CLI does.
"""

from __future__ import annotations

import logging
from typing import Any

from evalscope.backend.environ import environment
from evalscope.errors import RunFailed, UsageError

logger = logging.getLogger(__name__)

CHAT_MODEL = "local-chat-completions"


def task_specs(tasks: list[str], overrides: dict[str, dict[str, Any]], task_manager: Any) -> list[Any]:
    """The names to load, a task with ``task_overrides`` as its full YAML config with those keys replaced."""
    from lm_eval.tasks._yaml_loader import load_yaml

    unknown = [t for t in tasks if t not in task_manager.all_tasks]
    if unknown:
        raise UsageError(f"lm-eval: unknown task(s) {', '.join(unknown)}; custom tasks need eval_config "
                         "include_path (a folder of task YAMLs)")
    specs: list[Any] = []
    for name in tasks:
        if name not in overrides:
            specs.append(name)
            continue
        entry = task_manager.task_index.get(name)
        if entry is None or entry.yaml_path is None or name in task_manager.all_groups:
            raise UsageError(f"lm-eval: task_overrides.{name}: only a task defined by a YAML file can be "
                             "re-pointed (not a group, a tag or a Python task)")
        config = load_yaml(entry.yaml_path, resolve_func=True)
        for key in ("tag", "group"):
            config.pop(key, None)
        specs.append({**config, **overrides[name], "task": name})
    return specs


def load_tasks(specs: list[Any], task_manager: Any) -> dict[str, Any]:
    """``{leaf task: Task}``, each requested task built alone so that one whose data cannot be loaded (a
    missing file, a hub dataset offline) is a UsageError naming it, before any request."""
    out: dict[str, Any] = {}
    for spec in specs:
        name = spec["task"] if isinstance(spec, dict) else spec
        try:
            out.update(task_manager.load([spec])["tasks"])
        except Exception as exc:  # datasets raises many kinds for a missing file or hub dataset
            raise UsageError(f"lm-eval: cannot load the data of task {name}: {type(exc).__name__}: {exc}") from exc
    return out


def output_types(tasks: dict[str, Any]) -> dict[str, str]:
    """``{leaf task: output_type}``."""
    return {name: getattr(task, "OUTPUT_TYPE", None) or getattr(getattr(task, "config", None), "output_type",
                                                                     "generate_until")
            for name, task in tasks.items()}


def check_endpoint(native: dict[str, Any], types: dict[str, str]) -> None:
    """Loglikelihood tasks need a completions endpoint with echo + logprobs and a local tokenizer."""
    refused = sorted(t for t, kind in types.items() if kind != "generate_until")
    if not refused:
        return
    if native["model"] == CHAT_MODEL:
        raise UsageError(
            f"lm-eval: task(s) {', '.join(refused)} score by loglikelihood, which a chat endpoint cannot give "
            "(it needs echo + logprobs and a tokenizer); run them with eval_config model: local-completions and "
            "tokenizer: <a local tokenizer folder> against a completions server with logprobs (e.g. vLLM)")
    args = native["model_args"]
    if args.get("tokenizer_backend") == "remote":  # the server tokenizes (vLLM's /tokenize)
        return
    if not args.get("tokenizer"):
        raise UsageError(
            f"lm-eval: task(s) {', '.join(refused)} score by loglikelihood: local-completions needs eval_config "
            "tokenizer: <a local tokenizer folder> (the model's own) to split the prompt from the continuation")
    try:
        import transformers  # noqa: F401
    except ImportError:
        raise UsageError("lm-eval: a tokenizer folder needs transformers in the lm-eval environment: "
                         "evalscope backend install lm-eval --force --extra transformers") from None


def run(native: dict[str, Any]) -> None:
    import lm_eval
    from lm_eval.loggers import EvaluationTracker
    from lm_eval.tasks import TaskManager

    with environment(native.get("env") or {}):
        task_manager = TaskManager(include_path=native["include_path"] or None)
        specs = task_specs(native["tasks"], native.get("task_overrides") or {}, task_manager)
        check_endpoint(native, output_types(load_tasks(specs, task_manager)))
        tracker = EvaluationTracker(output_path=native["output_path"])
        logger.info("lm-eval %s: tasks %s on %s", getattr(lm_eval, "__version__", "?"), native["tasks"],
                    native["model"])
        results = lm_eval.simple_evaluate(
            model=native["model"], model_args=native["model_args"], tasks=specs,
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
