"""A scripted harness plugin for the runner tests: ``mode`` in its config says how it behaves."""

import hashlib
import json
import os
import time

from evalscope.report.schema import Category, Metric, Report, Subset


def received(native):
    """Which of the ``expect_sha256`` digests (of secrets the test gave) the harness was handed in clear."""
    text = json.dumps(native)
    found = set()
    for token in text.replace('"', " ").replace("@", " ").replace(":", " ").replace("=", " ").split():
        found.add(hashlib.sha256(token.encode()).hexdigest())
    return sorted(d for d in native.get("expect_sha256") or [] if d in found)


class FakeBackend:
    name = "Fake"

    def translate(self, task, run_dir):
        from evalscope.backend.model_spec import model_spec

        spec = model_spec(task)
        return {"mode": task.eval_config["mode"], "api_key": task.eval_config.get("api_key"),
                "task_key": task.api_key.get_secret_value() if task.api_key else None,
                "models": task.eval_config.get("models"), "expect_sha256": task.eval_config.get("expect_sha256"),
                "spec": spec and {"base_url": spec.base_url, "headers": spec.generation.extra_headers,
                                  "key": spec.api_key and spec.api_key.get_secret_value()}}

    def run_native(self, native, work_dir):
        mode = native["mode"]
        print(f"fake harness starting in mode {mode}", flush=True)
        if mode == "crash":
            os.abort()
        if mode == "oom":
            os.kill(os.getpid(), 9)
        if mode == "hang":
            time.sleep(3600)
        if mode == "raise":
            raise RuntimeError("boom in the harness")
        if mode == "exit":
            os._exit(3)
        (work_dir / "raw.json").write_text(json.dumps({"score": 0.5}))

    def to_reports(self, native, work_dir, model_name):
        if native["mode"] == "empty":
            return []
        score = json.loads((work_dir / "raw.json").read_text())["score"]
        return [Report(
            name=f"{model_name}@fake", model_name=model_name, dataset_name="fake",
            metrics=[Metric(name="main_score", categories=[Category(subsets=[Subset(name="test", score=score, num=3)])])],
            extra={"secret_ok": native["api_key"] == "sk-inner" and native["task_key"] == "sk-outer",
                   "received": received(native)},
        )]
