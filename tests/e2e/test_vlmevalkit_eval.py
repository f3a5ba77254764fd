"""``evalscope eval --eval-backend VLMEvalKit`` end to end against the project's mock server.

Tiny DocVQA_VAL / RealWorldQA TSVs with real PNGs (``vlmevalkit_data``); the mock answers each
question by a ``contains`` rule, so the scores are known: some exact, some near misses (ANLS in
(0, 1)), some wrong. Needs the environment of ``evalscope backend install vlmevalkit`` (~6.9 GB):
the test skips with the reason when it is absent. The core's CLI runs it isolated.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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


def secret_in_files(root: Path, secret: str) -> list[Path]:
    """Every file under ``root`` (binary ones too: xlsx, pkl) whose bytes hold ``secret``."""
    return [p for p in root.rglob("*") if p.is_file() and not p.is_symlink() and secret.encode() in p.read_bytes()]


def check_realworldqa(work: Path, judge: bool = False) -> None:
    rwq = report(work, "RealWorldQA")["metrics"][0]
    expected = data.expected_realworldqa(judge)
    assert rwq["score"] == pytest.approx(expected["Overall"], abs=1e-3)
    cats = {s["name"]: s["score"] for s in rwq["categories"][0]["subsets"]}
    assert cats == {c: pytest.approx(v, abs=1e-3) for c, v in expected.items() if c != "Overall"}


def check_scores(work: Path) -> None:
    doc = report(work, "DocVQA_VAL")["metrics"][0]
    assert doc["name"] == "anls"
    assert doc["score"] == pytest.approx(data.expected_docvqa(), abs=1e-3)
    assert 0 < doc["score"] < 1
    check_realworldqa(work)
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
    assert secret_in_files(work, KEY) == []
    assert report(work, "DocVQA_VAL")["backend_version"] == "ms-vlmeval 0.0.20"
    check_sent(requests)


def check_sent(requests: list[dict]) -> None:
    """The model name, temperature and max_tokens every request carried are the configured ones."""
    assert {r["model"] for r in requests} == {"mock-vl"}
    assert {(r["params"].get("temperature"), r["params"].get("max_tokens")) for r in requests} == {(0, 32)}


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
    check_sent(server.stats(requests=True)["requests"])


def test_missing_tsv_fails_fast_naming_it(tmp_path, server, tsv_dir):
    """Named: the dataset, the path looked for, and where VLMEvalKit would download it from (read from
    its own tables); within seconds (before ``import vlmeval``), no request sent."""
    work = tmp_path / "out"
    started = time.monotonic()
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir, data=["DocVQA_VAL", "ChartQA_TEST"]))],
               work, timeout=120)
    elapsed = time.monotonic() - started
    assert done.returncode != 0
    assert f"ChartQA_TEST (looked for {tsv_dir / 'ChartQA_TEST.tsv'}; VLMEvalKit downloads it from http" in done.stderr
    assert "ChartQA_TEST.tsv)" in done.stderr  # the URL of the file itself
    assert "Traceback" not in done.stderr
    assert elapsed < 30, elapsed
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


def test_infer_mode_writes_predictions_and_unscored_reports(tmp_path, server, tsv_dir):
    """``mode: infer``: every sample asked, predictions written, a Report per dataset without metrics
    whose execution counts the answers; exit 0, the table says "(not scored)"."""
    work = tmp_path / "out"
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir, mode="infer"))], work)
    assert done.returncode == 0, done.stderr[-3000:]
    assert server.stats()["total_requests"] == len(data.DOCVQA) + len(data.REALWORLDQA)
    for dataset, n in (("DocVQA_VAL", len(data.DOCVQA)), ("RealWorldQA", len(data.REALWORLDQA))):
        rep = report(work, dataset)
        assert rep["metrics"] == [] and rep["extra"]["mode"] == "infer"
        assert (rep["execution"]["requested"], rep["execution"]["succeeded"], rep["execution"]["errored"]) == (n, n, 0)
    (preds,) = list(work.rglob("predictions/*/DocVQA_VAL_default.jsonl"))
    replies = sorted(json.loads(line)["output"]["content"] for line in preds.read_text().splitlines())
    assert replies == sorted(r for _, _, r in data.DOCVQA)
    assert not list(work.rglob("reviews/*/*.jsonl"))
    assert not list(work.rglob("*_acc.csv")), "nothing scored"
    assert "(not scored)" in done.stdout and "RealWorldQA" in done.stdout


@pytest.fixture()
def judge_server():
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(script=data.judge_script(), api_key=JUDGE_KEY) as s:
        s.api_key = JUDGE_KEY
        yield s


JUDGE_KEY = "sk-judge-secret-3"


@pytest.mark.parametrize("form", ["judge_model_args", "evalscope_keys"])
def test_openai_compatible_judge(tmp_path, server, judge_server, tsv_dir, form):
    """A judge model on another OpenAI-compatible server (it needs the key: the mock checks the bearer
    token): the free-text RealWorldQA reply that exact matching scores 0 is judged right. The judge's key
    is in no file of the run (binary files included)."""
    judge = {"model": "judge-m", "api_url": judge_server.url, "api_key": JUDGE_KEY}
    if form == "judge_model_args":
        cfg, extra = config(tmp_path, server, tsv_dir, data=["RealWorldQA"], judge=None), [
            "--judge-model-args", json.dumps(judge)]
    else:
        cfg, extra = config(tmp_path, server, tsv_dir, data=["RealWorldQA"], judge=None,
                            OPENAI_API_KEY=JUDGE_KEY, OPENAI_API_BASE=judge_server.url + "/chat/completions",
                            LOCAL_LLM="judge-m"), []
    work = tmp_path / "out"
    done = run(["--eval-config", str(cfg), *extra], work)
    assert done.returncode == 0, (judge_server.stats(requests=True)["requests"], done.stderr[-3000:])
    check_realworldqa(work, judge=True)
    asked = judge_server.stats(requests=True)
    assert asked["by_status"].get("200", asked["by_status"].get(200, 0)) >= 1
    assert any(data.FREE_TEXT in p for p in asked["prompts"]), "the judge was asked about the free-text reply"
    assert secret_in_files(work, JUDGE_KEY) == []
    assert JUDGE_KEY not in done.stderr + done.stdout


def test_exact_matching_judge_scores_the_free_text_reply_zero(tmp_path, server, tsv_dir):
    work = tmp_path / "out"
    done = run(["--eval-config", str(config(tmp_path, server, tsv_dir, data=["RealWorldQA"]))], work)
    assert done.returncode == 0, done.stderr[-3000:]
    check_realworldqa(work, judge=False)


def test_judge_that_does_not_answer_fails_the_dataset(tmp_path, server, tsv_dir):
    """VLMEvalKit would fall back to exact matching in silence; here the dataset fails, saying why."""
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread() as s:
        dead = s.url
    cfg = config(tmp_path, server, tsv_dir, data=["RealWorldQA"], judge=None,
                 OPENAI_API_KEY=JUDGE_KEY, OPENAI_API_BASE=dead + "/chat/completions", LOCAL_LLM="judge-m")
    done = run(["--eval-config", str(cfg)], tmp_path / "out")
    assert done.returncode != 0
    assert "RealWorldQA" in done.stderr and "the judge" in done.stderr and "did not answer" in done.stderr
    assert JUDGE_KEY not in done.stderr


def test_killed_run_resumes_without_asking_answered_samples(tmp_path, tsv_dir):
    """kill -9 of the job mid-run (after 3 of 6 answers, one request at a time): a failed job naming the
    kill; then --use-cache asks only what was not answered (at most the one in flight at the kill is
    asked again) and scores all 6."""
    from evalscope.perf.mock_server import run_in_thread

    work = tmp_path / "out"
    flags = ["--datasets", "DocVQA_VAL", "--dataset-dir", str(tsv_dir), "--eval-config", '{"nproc": 1}']
    with run_in_thread(script=data.script(), latency_ms=700) as s:
        args = ["--model", "mock-vl", "--api-url", s.url, "--api-key", KEY, *flags]
        env = {**os.environ, "EVALSCOPE_BACKEND_RUNNER": "isolated"}
        proc = subprocess.Popen([sys.executable, "-m", "evalscope.cli.main", "eval", "--eval-backend", "VLMEvalKit",
                                 "--work-dir", str(work), "--no-timestamp", *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        deadline = time.monotonic() + 600
        while s.stats()["total_requests"] < 4 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the run ended before the kill"
        job_pid = int(next(work.rglob("backends/VLMEvalKit/job.pid")).read_text())
        os.kill(job_pid, signal.SIGKILL)  # the 4th request is in flight: 3 answers are in
        _, stderr = proc.communicate(timeout=120)
        assert proc.returncode != 0
        assert "killed" in stderr or "-9" in stderr or "signal" in stderr, stderr[-2000:]
        first = s.stats(requests=True)["prompts"]
        assert sum(first.values()) == 4 and max(first.values()) == 1
        s.reset()
        again = subprocess.run([sys.executable, "-m", "evalscope.cli.main", "eval", "--eval-backend", "VLMEvalKit",
                                "--work-dir", str(work), "--no-timestamp", *args, "--use-cache", str(work)],
                               capture_output=True, text=True, env=env, timeout=900)
        assert again.returncode == 0, again.stderr[-3000:]
        second = s.stats(requests=True)["prompts"]
    assert sum(second.values()) <= len(data.DOCVQA) - 3, second
    assert len(set(first) & set(second)) <= 1, "only the request in flight at the kill is asked again"
    doc = report(work, "DocVQA_VAL")["metrics"][0]
    assert doc["num"] == len(data.DOCVQA) and doc["score"] == pytest.approx(data.expected_docvqa(), abs=1e-3)


def test_local_model_form_is_validated_before_loading(tmp_path, server, tsv_dir):
    """The local form ``{name: <supported_VLM key>, model_path}``: an unknown key names the nearest ones, a
    missing model folder is named; both before any model is loaded. (A real local VLM cannot run here:
    no GPU, no weights; loading one is not tested.)"""
    cfg = config(tmp_path, server, tsv_dir, data=["RealWorldQA"],
                 model=[{"name": "Qwen2-VL-2B-Instructt", "model_path": "/nowhere/qwen2vl"},
                        {"name": "Qwen2-VL-2B-Instruct", "model_path": str(tmp_path / "no_such_model")}])
    started = time.monotonic()
    done = run(["--eval-config", str(cfg)], tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "unknown model 'Qwen2-VL-2B-Instructt'" in done.stderr and "did you mean Qwen2-VL-2B-Instruct" in done.stderr
    assert f"Qwen2-VL-2B-Instruct: model_path {tmp_path / 'no_such_model'} does not exist" in done.stderr
    assert time.monotonic() - started < 120
    assert server.stats()["total_requests"] == 0
