"""Defect 1, RAG half: no file the external-backend machinery writes holds a secret in clear.

The task goes through ``run_task`` as a user's would (task_config.yaml, job.json, native_config.json,
logs, reports), with secrets where RAGEval configs put them: ``models[].headers`` (any header
name), ``api_base`` credentials and query values, ``api_key``; and the unified flags' key, URL
credentials and extra headers. The harness must still receive every one of them in clear.
"""

from __future__ import annotations

import hashlib

import pytest
from test_backend_runner import SPEC, all_text

from evalscope.backend.external import ExternalBackendFactory
from evalscope.config import TaskConfig
from evalscope.registry import registry
from evalscope.run import run_task

CONFIG_SECRETS = ["tenant-s3cret-1", "sess-s3cret-2", "url-s3cret-3", "query-s3cret-4", "sk-s3cret-5"]
FLAG_SECRETS = ["sk-s3cret-6", "flagurl-s3cret-7", "hdr-s3cret-8"]


@pytest.fixture
def fake_backend(plugin_env):
    registry.register("backend", SPEC.name, ExternalBackendFactory(SPEC), replace=True)
    yield plugin_env
    registry._items["backend"].pop(SPEC.name, None)


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_no_secret_in_any_written_file(fake_backend, runner):
    work = fake_backend / "out"
    eval_config = {
        "mode": "ok", "runner": runner, "api_key": "sk-inner",
        "expect_sha256": [hashlib.sha256(s.encode()).hexdigest() for s in CONFIG_SECRETS + FLAG_SECRETS],
        "models": [{"model_name": "emb", "api_key": "sk-s3cret-5",
                    "api_base": "http://user:url-s3cret-3@127.0.0.1:9/v1?api-key=query-s3cret-4",
                    "headers": {"X-Tenant-Id": "tenant-s3cret-1", "Cookie": "sess-s3cret-2"}}],
    }
    task = TaskConfig(eval_backend="fake", eval_config=eval_config, work_dir=str(work),
                      model="emb", api_url="http://u:flagurl-s3cret-7@127.0.0.1:9/v1/embeddings", api_key="sk-s3cret-6",
                      generation_config={"extra_headers": {"X-Session": "hdr-s3cret-8"}})
    reports = run_task(task)
    (report,) = reports.values()
    # the harness got every secret in clear (through stdin when isolated) ...
    assert len(report.extra["received"]) == len(CONFIG_SECRETS + FLAG_SECRETS)
    (run_dir,) = list(work.iterdir())
    written = sorted(str(p.relative_to(run_dir)) for p in run_dir.rglob("*") if p.is_file())
    assert "backends/Fake/native_config.json" in written and "configs/task_config.yaml" in written
    if runner == "isolated":
        assert "backends/Fake/job.json" in written
    # ... and no file of the run directory holds one
    text = all_text(run_dir)
    assert [s for s in CONFIG_SECRETS + FLAG_SECRETS if s in text] == []
