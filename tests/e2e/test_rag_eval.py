"""``evalscope eval --eval-backend RAGEval --eval-config ...`` end to end, as a user runs it.

In-process: the CLI of the RAG environment (the plugin imports there). Isolated: the CLI of the
core's test venv, which drives the RAG environment as a subprocess. The same all-MiniLM-L6-v2
loaded locally and served by the testkit embeddings server must give the same scores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from evalscope.secrets import MASK

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "rag"))
from ragkit import OFFLINE, REPO, SHARED, EmbeddingsServer, model_path, rag_env_python  # noqa: E402

CONFIGS = REPO / "configs"
MTEB_STS_PUBLISHED = 0.8203  # see docs/rag.md: MTEB's figure for all-MiniLM-L6-v2 on STSBenchmark (test)


@pytest.fixture(scope="module")
def rag_python():
    return rag_env_python()


@pytest.fixture(scope="module")
def server(rag_python, tmp_path_factory):
    s = EmbeddingsServer(rag_python, tmp_path_factory.mktemp("emb") / "server.log")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def local_env(rag_python):
    """For runs of the local model only (no embeddings server needed)."""
    return {**os.environ, **OFFLINE, "EVALSCOPE_RAG_MODEL": model_path(rag_python), "EVALSCOPE_SHARED": str(SHARED)}


@pytest.fixture(scope="module")
def env(local_env, server):
    return {**local_env, "EMBEDDINGS_API_BASE": server.base_url, "EMBEDDINGS_API_KEY": "sk-test-secret"}


def evalscope(python, config: Path, work: Path, env: dict, runner: str, timeout: float = 600):
    cmd = [str(python), "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval",
           "--eval-config", str(config), "--work-dir", str(work), "--no-timestamp"]
    started = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          env={**env, "EVALSCOPE_BACKEND_RUNNER": runner})
    done.wall = time.monotonic() - started
    return done


def scores(work: Path) -> dict[tuple[str, str], dict[str, float]]:
    out = {}
    for path in (work / "reports").rglob("*.json"):
        data = json.loads(path.read_text())
        out[(data["model_name"], data["dataset_name"])] = {m["name"]: m["score"] for m in data["metrics"]}
    return out


def write_config(tmp_path: Path, base: str, **changes) -> Path:
    data = yaml.safe_load((CONFIGS / base).read_text())
    for key, value in changes.items():
        node = data
        *parents, last = key.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[last] = value
    path = tmp_path / f"cfg_{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def assert_same(a: dict[str, float], b: dict[str, float]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k] == pytest.approx(b[k], abs=2e-4), k


@pytest.fixture(scope="module")
def inprocess_run(rag_python, env, tmp_path_factory):
    work = tmp_path_factory.mktemp("inproc")
    done = evalscope(rag_python, CONFIGS / "rag_mteb_local_vs_api.yaml", work, env, "inprocess")
    assert done.returncode == 0, done.stderr[-3000:]
    return work, done


def test_local_and_api_give_the_same_scores_inprocess(inprocess_run):
    work, done = inprocess_run
    got = scores(work)
    for task in ("STSBenchmark", "EvalscopeCustomRetrieval"):
        assert_same(got[("all-MiniLM-L6-v2-local", task)], got[("all-MiniLM-L6-v2-api", task)])
    sts = got[("all-MiniLM-L6-v2-local", "STSBenchmark")]
    assert sts["main_score"] == sts["cosine_spearman"] == pytest.approx(MTEB_STS_PUBLISHED, abs=1e-3)
    assert got[("all-MiniLM-L6-v2-api", "EvalscopeCustomRetrieval")]["main_score"] > 0.8
    assert "STSBenchmark" in done.stdout  # the score table
    assert "running inprocess" in done.stderr
    text = "\n".join(p.read_text(errors="replace") for p in work.rglob("*") if p.is_file())
    assert "sk-test-secret" not in text and "sk-test-secret" not in done.stderr + done.stdout


def test_isolated_run_gives_the_same_scores(inprocess_run, env, tmp_path):
    work = tmp_path / "iso"
    done = evalscope(sys.executable, CONFIGS / "rag_mteb_local_vs_api.yaml", work, env, "isolated")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "running isolated" in done.stderr
    assert (work / "logs" / "rag_backend.log").stat().st_size > 0
    job = json.loads((work / "backends" / "RAGEval" / "job.json").read_text())
    assert job["task"]["eval_config"]["models"][1]["api_key"] == MASK
    iso, inproc = scores(work), scores(inprocess_run[0])
    assert iso.keys() == inproc.keys() and len(iso) == 4
    for key in iso:
        assert_same(iso[key], inproc[key])
    text = "\n".join(p.read_text(errors="replace") for p in work.rglob("*") if p.is_file())
    assert "sk-test-secret" not in text


def test_single_model_configs_run(rag_python, env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_api.yaml", **{"eval.limits": 100})
    done = evalscope(rag_python, cfg, tmp_path / "api", env, "inprocess")
    assert done.returncode == 0, done.stderr[-3000:]
    assert {k[1] for k in scores(tmp_path / "api")} == {"STSBenchmark", "EvalscopeCustomRetrieval"}


def test_dimensions_set_is_honoured(rag_python, env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_api.yaml", **{"models.0.dimensions": 128, "eval.limits": 300})
    done = evalscope(rag_python, cfg, tmp_path / "w", env, "inprocess")
    assert done.returncode == 0, done.stderr[-3000:]
    full = write_config(tmp_path, "rag_mteb_api.yaml", **{"eval.limits": 300})
    assert evalscope(rag_python, full, tmp_path / "w384", env, "inprocess").returncode == 0
    cut, whole = scores(tmp_path / "w"), scores(tmp_path / "w384")
    key = ("all-MiniLM-L6-v2", "STSBenchmark")
    assert 0.5 < cut[key]["main_score"] != whole[key]["main_score"]


def test_dimensions_rejected_tells_the_user_to_unset_it(env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_api.yaml", **{"models.0.dimensions": 1024, "eval.limits": 20})
    done = evalscope(sys.executable, cfg, tmp_path / "w", env, "isolated")
    assert done.returncode == 1
    assert "rejected dimensions=1024" in done.stderr and "unset it" in done.stderr
    assert "rag_backend.log" in done.stderr
    assert not list((tmp_path / "w" / "reports").rglob("*.json"))


def test_hung_harness_is_a_failed_job_with_its_log(local_env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_local.yaml", timeout=3)
    done = evalscope(sys.executable, cfg, tmp_path / "w", local_env, "isolated")
    assert done.returncode == 1
    assert "timed out after 3s and was killed" in done.stderr
    log = tmp_path / "w" / "logs" / "rag_backend.log"
    assert str(log) in done.stderr and log.exists()


def test_offline_standard_task_without_data_says_how_to_point_at_local_data(rag_python, local_env, tmp_path):
    cfg = tmp_path / "hub.yaml"
    cfg.write_text(yaml.safe_dump({"tool": "MTEB", "models": [{"model_name_or_path": local_env["EVALSCOPE_RAG_MODEL"]}],
                                   "eval": {"task_names": ["STSBenchmark"]}}))
    done = evalscope(rag_python, cfg, tmp_path / "w", local_env, "inprocess")
    assert done.returncode == 2, done.stderr[-2000:]
    assert "mteb/stsbenchmark-sts" in done.stderr and "eval.local_data" in done.stderr


def test_unknown_key_is_a_usage_error_before_anything_runs(env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_api.yaml", **{"models.0.dimension": 3})
    done = evalscope(sys.executable, cfg, tmp_path / "w", env, "isolated")
    assert done.returncode == 2 and "Did you mean 'dimensions'" in done.stderr


def test_run_task_with_a_dict_eval_config(env, tmp_path, monkeypatch):
    from evalscope import TaskConfig, run_task

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    eval_config = yaml.safe_load((CONFIGS / "rag_mteb_api.yaml").read_text())
    eval_config["eval"]["limits"] = 50
    eval_config["runner"] = "isolated"
    reports = run_task(TaskConfig(eval_backend="RAGEval", eval_config=eval_config, work_dir=str(tmp_path)))
    assert set(reports) == {"STSBenchmark", "EvalscopeCustomRetrieval"}
    assert reports["STSBenchmark"].backend == "RAGEval" and reports["STSBenchmark"].num == 50


def test_backend_list_shows_the_environment(local_env):
    done = subprocess.run([sys.executable, "-m", "evalscope.cli.main", "backend", "list"], capture_output=True,
                          text=True, env=local_env, check=True)
    assert "RAGEval" in done.stdout and "MB" in done.stdout


def test_use_cache_reuses_the_raw_results(rag_python, env, tmp_path):
    cfg = write_config(tmp_path, "rag_mteb_api.yaml", **{"eval.limits": 50})
    work = tmp_path / "w"
    assert evalscope(rag_python, cfg, work, env, "inprocess").returncode == 0
    first = scores(work)
    cmd = [str(rag_python), "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval", "--eval-config", str(cfg),
           "--use-cache", str(work)]
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**env, "EVALSCOPE_BACKEND_RUNNER": "inprocess"})
    assert again.returncode == 0, again.stderr[-3000:]
    assert "every task has results" in again.stderr
    assert scores(work) == first


def test_killed_harness_is_a_failed_job_with_its_log(local_env, tmp_path):
    """The OOM killer's way: SIGKILL to the harness mid-run."""
    import signal

    work = tmp_path / "w"
    cmd = [sys.executable, "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval", "--eval-config",
           str(CONFIGS / "rag_mteb_local.yaml"), "--work-dir", str(work), "--no-timestamp"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**local_env, "EVALSCOPE_BACKEND_RUNNER": "isolated"})
    pid_file, log = work / "backends" / "RAGEval" / "job.pid", work / "logs" / "rag_backend.log"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (log.exists() and "running the harness" in log.read_text()):
        assert proc.poll() is None, proc.communicate()[1][-2000:]
        time.sleep(0.2)
    os.kill(int(pid_file.read_text()), signal.SIGKILL)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err[-2000:]
    assert "died from signal SIGKILL (killed: out of memory?)" in err and str(log) in err
    assert "running the harness" in err  # the log's last lines are quoted


@pytest.mark.parametrize("runner", ["inprocess", "isolated"])
def test_unified_model_flags_give_the_api_model(rag_python, env, tmp_path, runner):
    """--model/--api-url/--api-key instead of eval_config.models: the same scores as the config's API model."""
    data = yaml.safe_load((CONFIGS / "rag_mteb_api.yaml").read_text())
    del data["models"]
    data["eval"]["limits"] = 100
    cfg = tmp_path / "no_models.yaml"
    cfg.write_text(yaml.safe_dump(data))
    python = rag_python if runner == "inprocess" else sys.executable
    flags = ["--model", "all-MiniLM-L6-v2", "--api-url", env["EMBEDDINGS_API_BASE"] + "/embeddings",
             "--api-key", "sk-test-secret", "--generation-config", "timeout=60"]
    cmd = [str(python), "-m", "evalscope.cli.main", "eval", "--eval-backend", "RAGEval", "--eval-config", str(cfg),
           "--work-dir", str(tmp_path / "flags"), "--no-timestamp", *flags]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600,
                          env={**env, "EVALSCOPE_BACKEND_RUNNER": runner})
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"running {runner}" in done.stderr
    reference = write_config(tmp_path, "rag_mteb_api.yaml", **{"eval.limits": 100})
    assert evalscope(rag_python, reference, tmp_path / "ref", env, "inprocess").returncode == 0
    got, ref = scores(tmp_path / "flags"), scores(tmp_path / "ref")
    assert got.keys() == ref.keys() and len(got) == 2
    for key in got:
        assert_same(got[key], ref[key])
    text = "\n".join(p.read_text(errors="replace") for p in (tmp_path / "flags").rglob("*") if p.is_file())
    assert "sk-test-secret" not in text and "sk-test-secret" not in done.stderr + done.stdout
