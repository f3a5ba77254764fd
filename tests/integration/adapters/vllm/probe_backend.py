"""A test-only external backend ``VllmProbe`` that does what a harness handed an API model does: it reads
the typed model spec, asks the server each question over HTTP (chat completions) and reports the share
of answers that came back. ``eval_config.mode``: ``ok``, ``raise`` (the harness fails), ``hang`` (it
blocks after writing ``started`` in its work dir, so a test can signal evalscope mid-run)."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path

from evalscope.report.schema import Category, Metric, Report, Subset

NAME = "VllmProbe"


def register() -> None:
    from evalscope.backend.external import ExternalBackendFactory, ExternalSpec
    from evalscope.registry import registry

    spec = ExternalSpec(name=NAME, env="vllmprobe", distribution="vllm-probe", entry="probe_backend:ProbeBackend",
                        source="tests/integration/adapters/vllm", config_required=False)
    registry.register("backend", NAME, ExternalBackendFactory(spec), replace=True)


class ProbeBackend:
    name = NAME

    def translate(self, task, run_dir):
        from evalscope.backend.model_spec import model_spec

        spec = model_spec(task)
        return {"kind": spec.kind, "base_url": getattr(spec, "base_url", None), "model": getattr(spec, "model", None),
                "name": spec.name, "eval_type": task.eval_type, "mode": (task.eval_config or {}).get("mode", "ok"),
                "questions": (task.eval_config or {}).get("questions", ["What is 2 + 3?"])}

    def run_native(self, native, work_dir: Path):
        if native["mode"] == "raise":
            raise RuntimeError("the probe harness failed")
        if native["mode"] == "hang":
            (work_dir / "started").write_text("1")
            time.sleep(600)
        answers = []
        for question in native["questions"]:
            body = json.dumps({"model": native["model"], "max_tokens": 16,
                               "messages": [{"role": "user", "content": question}]}).encode()
            request = urllib.request.Request(native["base_url"] + "/chat/completions", data=body,
                                             headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as resp:
                answers.append(json.loads(resp.read())["choices"][0]["message"]["content"])
        (work_dir / "answers.json").write_text(json.dumps(answers))

    def to_reports(self, native, work_dir: Path, model_name: str):
        answers = json.loads((work_dir / "answers.json").read_text())
        score = sum(bool(a) for a in answers) / len(native["questions"])
        return [Report(name=f"{model_name}@probe", model_name=model_name, dataset_name="probe",
                       metrics=[Metric(name="answered", categories=[Category(
                           subsets=[Subset(name="default", score=score, num=len(answers))])])],
                       extra={"answers": answers})]
