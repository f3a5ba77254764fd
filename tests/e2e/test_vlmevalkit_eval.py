"""``evalscope eval --eval-backend VLMEvalKit`` end to end against the project's mock server.

Tiny DocVQA_VAL / RealWorldQA TSVs with real PNGs (``vlmevalkit_data``); the mock answers each
question by a ``contains`` rule, so the scores are known: some exact, some near misses (ANLS in
(0, 1)), some wrong. Needs the environment of ``evalscope backend install vlmevalkit`` (~6.9 GB):
the test skips with the reason when it is absent. The core's CLI runs it isolated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vlmevalkit_data as data  # noqa: E402

KEY = "sk-vlm-secret-7"


def _env_installed() -> bool:
    from evalscope.backend import envs

    return envs.is_installed("vlmevalkit")


pytestmark = pytest.mark.skipif(not _env_installed(), reason="no VLMEvalKit environment: run "
                                "`evalscope backend install vlmevalkit` (EVALSCOPE_BACKENDS_DIR to place it)")


@pytest.fixture(scope="module")
def tsv_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lmu")
    data.write_docvqa(folder)
    data.write_realworldqa(folder)
    return folder


@pytest.fixture()
def server():
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(script=data.script(), ) as s:
        yield s


def run(args: list[str], work: Path, timeout: float = 900, python: str = sys.executable,
        runner: str = "isolated") -> subprocess.CompletedProcess:
    env = {**os.environ, "http_proxy": "http://127.0.0.1:9", "EVALSCOPE_BACKEND_RUNNER": runner}
    return subprocess.run([python, "-m", "evalscope.cli.main", "eval", "--eval-backend", "VLMEvalKit",
                           "--work-dir", str(work), "--no-timestamp", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


def report(work: Path, dataset: str) -> dict:
    (path,) = list(work.rglob(f"reports/*/{dataset}.json"))
    return json.loads(path.read_text())


def config(tmp_path, server, tsv_dir, **extra) -> Path:
    cfg = {"data": ["DocVQA_VAL", "RealWorldQA"], "data_dir": str(tsv_dir), "nproc": 4, "judge": "exact_matching",
           "model": [{"name": "CustomAPIModel", "type": "mock-vl", "api_base": f"{server.root}/v1/chat/completions",
                      "key": KEY, "temperature": 0, "max_tokens": 32}], **extra}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def check_scores(work: Path) -> None:
    doc = report(work, "DocVQA_VAL")["metrics"][0]
    assert doc["name"] == "anls"
    assert doc["score"] == pytest.approx(data.expected_docvqa(), abs=1e-3)
    assert 0 < doc["score"] < 1
    rwq = report(work, "RealWorldQA")["metrics"][0]
    expected = data.expected_realworldqa()
    assert rwq["score"] == pytest.approx(expected["Overall"], abs=1e-3)
    cats = {s["name"]: s["score"] for s in rwq["categories"][0]["subsets"]}
    assert cats == {c: pytest.approx(v, abs=1e-3) for c, v in expected.items() if c != "Overall"}
    (reviews,) = list(work.rglob("reviews/*/DocVQA_VAL_default.jsonl"))
    scores = [json.loads(line)["score"]["anls"] for line in reviews.read_text().splitlines()]
    assert len(scores) == len(data.DOCVQA)
    assert sum(scores) / len(scores) == pytest.approx(doc["score"], abs=1e-3)
    assert sorted(scores) == pytest.approx(sorted(data.vlmeval_anls(r, refs) for _, refs, r in data.DOCVQA), abs=1e-6)
    assert list(work.rglob("predictions/*/RealWorldQA_driving.jsonl"))


def test_eval_config_form_scores_both_datasets(tmp_path, server, tsv_dir):
    work = tmp_path / "out"
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir))], work)
    assert done.returncode == 0, done.stderr[-3000:]
    check_scores(work)
    requests = server.stats(requests=True)["requests"]
    assert len(requests) == len(data.DOCVQA) + len(data.REALWORLDQA)
    assert all(r.get("images") for r in requests), "every request carries its image as an image_url part"
    for path in work.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".log", ".yaml", ".txt", ".csv", ".tsv", ".jsonl"):
            assert KEY not in path.read_text(errors="replace"), path


def test_in_process_in_the_backend_environment(tmp_path, server, tsv_dir):
    """The environment's own CLI imports the plugin: the harness runs in-process there."""
    from evalscope.backend import envs

    work = tmp_path / "out"
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir))], work,
               python=str(envs.env_python("vlmevalkit")), runner="inprocess")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "running inprocess" in done.stderr
    check_scores(work)


def test_unified_flags_give_the_same_scores(tmp_path, server, tsv_dir):
    work = tmp_path / "out"
    done = run(["--model", "mock-vl", "--api-url", f"{server.root}/v1", "--api-key", KEY,
                "--datasets", "DocVQA_VAL", "RealWorldQA", "--dataset-dir", str(tsv_dir), "--eval-batch-size", "4",
                "--generation-config", "temperature=0,max_tokens=32"], work)
    assert done.returncode == 0, done.stderr[-3000:]
    check_scores(work)


def test_missing_tsv_fails_fast_naming_it(tmp_path, server, tsv_dir):
    work = tmp_path / "out"
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir, data=["DocVQA_VAL", "ChartQA_TEST"]))],
               work, timeout=120)
    assert done.returncode != 0
    assert "ChartQA_TEST" in done.stderr and "ChartQA_TEST.tsv" in done.stderr
    assert server.stats()["total_requests"] == 0


def test_dead_server_is_a_failed_job_not_a_zero(tmp_path, tsv_dir):
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(script=data.script()) as s:
        root = s.root
    cfg = config(tmp_path, type("S", (), {"root": root})(), tsv_dir, data=["RealWorldQA"])
    raw = yaml.safe_load(cfg.read_text())
    raw["model"][0]["retry"] = 0
    raw["model"][0]["timeout"] = 5
    cfg.write_text(yaml.safe_dump(raw))
    work = tmp_path / "out"
    done = run(["--eval-config", str(cfg)], work)
    assert done.returncode != 0
    assert "RealWorldQA" in done.stderr and "failed" in done.stderr
    assert not list(work.rglob("reports/*/RealWorldQA.json"))


def test_resume_asks_only_the_unanswered(tmp_path, server, tsv_dir):
    """A run cut short (here: after 3 of 6 samples, by a limit) continues with --use-cache: the 3
    answered samples are not asked again."""
    work = tmp_path / "out"
    flags = ["--model", "mock-vl", "--api-url", f"{server.root}/v1", "--api-key", KEY, "--datasets", "DocVQA_VAL",
             "--dataset-dir", str(tsv_dir)]
    first = run([*flags, "--limit", "3"], work)
    assert first.returncode == 0, first.stderr[-3000:]
    assert server.stats()["total_requests"] == 3
    again = run([*flags, "--use-cache", str(work)], work)
    assert again.returncode == 0, again.stderr[-3000:]
    assert server.stats()["total_requests"] == len(data.DOCVQA)
    doc = report(work, "DocVQA_VAL")["metrics"][0]
    assert doc["num"] == len(data.DOCVQA) and doc["score"] == pytest.approx(data.expected_docvqa(), abs=1e-3)


def test_tls_verification_restored_after_import():
    """``import vlmeval`` turns TLS verification off process-wide; in-process runs restore it."""
    from evalscope.backend import envs

    code = ("import ssl; from evalscope_vlmevalkit.harness import import_vlmeval; import_vlmeval(); "
            "assert ssl._create_default_https_context is ssl.create_default_context, "
            "ssl._create_default_https_context; import vlmeval; print('ok')")
    done = subprocess.run([str(envs.env_python("vlmevalkit")), "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and "ok" in done.stdout, done.stderr[-2000:]
