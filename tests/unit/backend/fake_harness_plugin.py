"""A scripted harness plugin for the runner tests: ``mode`` in its config says how it behaves."""

import json
import os
import time

from evalscope.report.schema import Category, Metric, Report, Subset


class FakeBackend:
    name = "Fake"

    def translate(self, task, run_dir):
        return {"mode": task.eval_config["mode"], "api_key": task.eval_config.get("api_key"),
                "task_key": task.api_key.get_secret_value() if task.api_key else None}

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
            extra={"secret_ok": native["api_key"] == "sk-inner" and native["task_key"] == "sk-outer"},
        )]
