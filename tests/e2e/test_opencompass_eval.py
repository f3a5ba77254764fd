"""``evalscope eval --eval-backend OpenCompass`` end to end, offline, against real servers on loopback.

OpenCompass's own ARC-c and gsm8k configs read the shared ARC-Challenge Dev file and gsm8k files
through a data folder in OpenCompass's layout, made here of symlinks; custom QA and MCQ files are
written here in OpenCompass's custom format. The servers answer by script, so the scores are known:

- the project's mock server, unified flags: ARC_c 6/8 right -> 0.75, gsm8k 4/8 -> 0.5;
- a server that keeps every request body, EvalScope's eval_config form: ARC_c, a custom QA set (3/4)
  and a custom MCQ set (2/4), and what OpenCompass sent (model, temperature, max_tokens);
- a dead server, a server answering 500 (OpenCompass exits 0 with no results: the job must fail),
  a dataset file missing (fails before any request, naming the dataset and the path).

Needs the environment of ``evalscope backend install opencompass`` (~1.9 GB): skips with the reason
when it is absent. Each OpenCompass run starts a subprocess per task (~10 s of imports each, more on a
loaded machine), so these tests take minutes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ARC = Path("/work/shared/datasets/arc/ARC-Challenge/ARC-Challenge-Dev.jsonl")
GSM8K = Path("/work/shared/datasets/gsm8k")
MMLU = Path("/work/shared/datasets/mmlu")
CEVAL = Path("/work/shared/datasets/ceval")
KEY = "sk-oc-e2e-secret-7"
N = 8


def _env_installed() -> bool:
    from evalscope.backend import envs

    return envs.is_installed("opencompass")


pytestmark = [
    pytest.mark.timeout(1500),  # a loaded 2-core machine: ~3.5 min per OpenCompass run, 10 at worst
    pytest.mark.skipif(not _env_installed(), reason="no OpenCompass environment: run `evalscope backend install "
                       "opencompass` (EVALSCOPE_BACKENDS_DIR to place it)"),
    pytest.mark.skipif(not ARC.exists() or not (GSM8K / "test.jsonl").exists(),
                       reason=f"shared datasets absent ({ARC}, {GSM8K})"),
]


def arc_rows(n: int = N) -> list[dict]:
    """The first ``n`` rows OpenCompass's ARCDataset keeps (exactly four choices), as (stem, key letter)."""
    rows = []
    for line in ARC.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        choices = item["question"]["choices"]
        if len(choices) == 4:
            letter = "ABCD"[[c["label"] for c in choices].index(item["answerKey"])]
            rows.append({"stem": item["question"]["stem"], "key": letter})
        if len(rows) == n:
            return rows
    return rows


def gsm8k_rows(n: int = N) -> list[dict]:
    rows = [json.loads(line) for line in (GSM8K / "test.jsonl").read_text(encoding="utf-8").splitlines()[:n]]
    return [{"question": r["question"], "answer": r["answer"].split("#### ")[-1].replace(",", "")} for r in rows]


def wrong(letter: str) -> str:
    return "B" if letter == "A" else "A"


ARC_REPLIES = [r["key"] if i not in (2, 5) else wrong(r["key"]) for i, r in enumerate(arc_rows())]  # 6/8
GSM_REPLIES = [f"So it is.\nThe answer is {r['answer'] if i % 2 == 0 else int(r['answer']) + 1}"
               for i, r in enumerate(gsm8k_rows())]  # 4/8
QA = [("What is the capital of France?", "Paris", "Paris"), ("2 + 2 = ?", "4", "4"),
      ("The colour of the sky on a clear day?", "blue", "blue"), ("Largest planet?", "Jupiter", "Saturn")]
MCQ = [("Which is a fruit?", ["apple", "car", "rock", "pen"], "A", "A"),
       ("Which is a colour?", ["dog", "red", "cup", "sun"], "B", "B"),
       ("Which is a number?", ["cat", "tree", "seven", "road"], "C", "A"),
       ("Which animal barks?", ["cow", "cat", "fish", "dog"], "D", "B")]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    """OpenCompass's data layout, of symlinks to the shared files (nothing copied)."""
    root = tmp_path_factory.mktemp("oc_data")
    (root / "data" / "ARC" / "ARC-c").mkdir(parents=True)
    (root / "data" / "ARC" / "ARC-c" / ARC.name).symlink_to(ARC)
    (root / "data" / "gsm8k").symlink_to(GSM8K, target_is_directory=True)
    return root


@pytest.fixture(scope="module")
def custom_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("oc_custom")
    qa = folder / "my_qa.jsonl"
    qa.write_text("".join(json.dumps({"question": q, "answer": a}) + "\n" for q, a, _ in QA))
    mcq = folder / "my_mcq.jsonl"
    mcq.write_text("".join(json.dumps({"question": q, **dict(zip("ABCD", opts)), "answer": a}) + "\n"
                           for q, opts, a, _ in MCQ))
    return qa, mcq


def reply_for(text: str) -> str:
    """The scripted answer to a prompt (the last user message) of any of the datasets here."""
    for row, answer in zip(arc_rows(), ARC_REPLIES):
        if row["stem"] in text:
            return answer
    for row, answer in zip(gsm8k_rows(), GSM_REPLIES):
        if row["question"] in text:
            return answer
    for q, _, answer in QA:
        if text.strip() == q:
            return answer
    for q, _, _, answer in MCQ:
        if q in text:
            return answer
    return "no idea"


def run(args: list[str], work: Path, timeout: float = 1200) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVALSCOPE_BACKEND_RUNNER": "isolated"}
    return subprocess.run([sys.executable, "-m", "evalscope.cli.main", "eval", "--work-dir", str(work),
                           "--no-timestamp", *args], capture_output=True, text=True, timeout=timeout, env=env)


def report(work: Path, name: str) -> dict:
    (path,) = list(work.rglob(f"reports/*/{name}.json"))
    return json.loads(path.read_text())


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def no_key_anywhere(work: Path) -> None:
    for path in work.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.suffix in (".json", ".log", ".py", ".txt", ".jsonl",
                                                                         ".out", ".csv", ".md"):
            assert KEY not in path.read_text(errors="replace"), path


def unified(url: str, data_dir: Path, datasets: tuple[str, ...] = ("ARC_c", "gsm8k")) -> list[str]:
    return ["--eval-backend", "OpenCompass", "--model", "mock-model", "--api-url", url, "--api-key", KEY,
            "--datasets", *datasets, "--limit", str(N), "--eval-batch-size", "8", "--dataset-dir", str(data_dir),
            "--generation-config", "temperature=0,max_tokens=16"]


def test_unified_flags_on_opencompass_arc_c_and_gsm8k_configs(tmp_path, data_dir):
    from evalscope.perf.mock_server import run_in_thread

    script = [{"contains": r["stem"], "reply": a} for r, a in zip(arc_rows(), ARC_REPLIES)]
    script += [{"contains": r["question"], "reply": a} for r, a in zip(gsm8k_rows(), GSM_REPLIES)]
    work = tmp_path / "out"
    with run_in_thread(script=script, models=["mock-model"], strict_model=True, api_key=KEY) as server:
        done = run(unified(server.url, data_dir), work)
        stats = server.stats()
    assert done.returncode == 0, done.stderr[-4000:]
    arc, gsm = report(work, "ARC_c"), report(work, "gsm8k")
    assert arc["backend"] == gsm["backend"] == "OpenCompass"
    assert arc["metrics"][0]["name"] == "accuracy" and arc["metrics"][0]["score"] == pytest.approx(0.75)
    assert arc["metrics"][0]["num"] == N and arc["extra"]["scores_0_100"] == {"accuracy": 75.0}
    assert arc["dataset_pretty_name"] == "ARC-c" and arc["extra"]["config"] == "ARC_c/ARC_c_gen_1e0de5"
    assert gsm["metrics"][0]["score"] == pytest.approx(0.5) and gsm["metrics"][0]["num"] == N
    assert arc.get("backend_version") in (None, "ms-opencompass 0.1.6")
    # strict_model and the key: every request named mock-model and carried the key, or it would have failed
    assert stats["total_requests"] == 2 * N and stats["by_status"] == {"200": 2 * N}

    (reviews,) = list(work.rglob("reviews/*/ARC_c_default.jsonl"))
    rows = jsonl(reviews)
    assert [r["score"]["accuracy"] for r in rows] == [0.0 if i in (2, 5) else 1.0 for i in range(N)]
    assert [r["extracted_prediction"] for r in rows] == ARC_REPLIES
    (preds,) = list(work.rglob("predictions/*/ARC_c_default.jsonl"))
    first = jsonl(preds)[0]
    assert first["messages"][0]["role"] == "user"
    assert first["messages"][0]["content"].startswith(f"Question: {arc_rows()[0]['stem']}\nA. ")
    assert first["target"] == arc_rows()[0]["key"] and first["output"]["content"] == ARC_REPLIES[0]
    (gsm_reviews,) = list(work.rglob("reviews/*/gsm8k_default.jsonl"))
    assert [r["score"]["accuracy"] for r in jsonl(gsm_reviews)] == [1.0, 0.0] * (N // 2)
    assert {r["score_metadata"]["correct_from"] for r in jsonl(gsm_reviews)} == {"evaluator"}
    no_key_anywhere(work)


def test_eval_config_form_custom_qa_and_mcq_and_what_was_sent(tmp_path, data_dir, custom_files):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "eval"))
    from replies_server import RepliesServer, chat_body

    bodies: list[dict] = []

    def reply(question: str, body: dict) -> dict:
        bodies.append(body)
        return chat_body(reply_for(body["messages"][-1]["content"]))

    qa, mcq = custom_files
    with RepliesServer(reply) as server:
        config = {
            "datasets": ["ARC_c"], "limit": f"[0:{N}]", "dataset_dir": str(data_dir), "max_num_workers": 3,
            "custom_datasets": [{"path": str(qa), "data_type": "qa"}, {"path": str(mcq), "data_type": "mcq"}],
            "models": [{"path": "served-qwen", "openai_api_base": server.url + "/chat/completions", "key": KEY,
                        "is_chat": True, "batch_size": 4, "temperature": 0.3, "max_out_len": 20}],
        }
        work = tmp_path / "out"
        done = run(["--eval-backend", "OpenCompass", "--eval-config", json.dumps(config)], work)
    assert done.returncode == 0, done.stderr[-4000:]
    assert report(work, "ARC_c")["metrics"][0]["score"] == pytest.approx(0.75)
    assert report(work, "my_qa")["metrics"][0]["score"] == pytest.approx(0.75)
    assert report(work, "my_mcq")["metrics"][0]["score"] == pytest.approx(0.5)
    assert report(work, "my_qa")["model_name"] == "served-qwen"
    assert len(bodies) == N + len(QA) + len(MCQ)
    assert {b["model"] for b in bodies} == {"served-qwen"}
    assert {b["temperature"] for b in bodies} == {0.3} and {b["max_tokens"] for b in bodies} == {20}
    (qa_reviews,) = list(work.rglob("reviews/*/my_qa_default.jsonl"))
    assert [r["score"]["accuracy"] for r in jsonl(qa_reviews)] == [1.0, 1.0, 1.0, 0.0]
    (mcq_preds,) = list(work.rglob("predictions/*/my_mcq_default.jsonl"))
    assert [p["output"]["content"] for p in jsonl(mcq_preds)] == [m[3] for m in MCQ]
    no_key_anywhere(work)


def test_dead_server_is_a_failed_job_not_a_zero(tmp_path, data_dir):
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread() as s:
        url = s.url
    work = tmp_path / "out"
    done = run(unified(url, data_dir, ("ARC_c",)), work)
    assert done.returncode != 0
    assert "ARC_c" in done.stderr and "no score" in done.stderr
    assert not list(work.rglob("reports/*/*.json"))


def test_a_run_that_produces_nothing_fails(tmp_path, data_dir):
    """Every request answered 500: OpenCompass itself exits 0 with an empty results folder."""
    from evalscope.perf.mock_server import run_in_thread

    work = tmp_path / "out"
    with run_in_thread(faults=[{"kind": "http_500", "rate": 1.0}]) as server:
        done = run(unified(server.url, data_dir, ("ARC_c",)), work)
        assert server.stats()["total_requests"] > 0
    assert done.returncode != 0
    assert "ARC-c" in done.stderr and "no score" in done.stderr and "infer log" in done.stderr
    assert not list(work.rglob("reports/*/*.json"))


def test_missing_dataset_file_fails_before_any_request(tmp_path, data_dir):
    from evalscope.perf.mock_server import run_in_thread

    partial = tmp_path / "only_arc"
    (partial / "data" / "ARC" / "ARC-c").mkdir(parents=True)
    (partial / "data" / "ARC" / "ARC-c" / ARC.name).symlink_to(ARC)
    with run_in_thread() as server:
        done = run(unified(server.url, partial), tmp_path / "out", timeout=600)
        assert server.stats()["total_requests"] == 0
    assert done.returncode != 0
    assert "dataset gsm8k" in done.stderr and str(partial / "data" / "gsm8k") in done.stderr


@pytest.mark.skipif(not (MMLU / "test").is_dir() or not (CEVAL / "ceval.zip").exists(),
                    reason=f"shared MMLU/C-Eval absent ({MMLU}, {CEVAL})")
def test_mmlu_and_ceval_subjects_become_subsets(tmp_path):
    """mmlu (57 subjects) and ceval (52), the first sample of each, the server always answering "A"."""
    import csv
    import zipfile

    from evalscope.perf.mock_server import run_in_thread

    root = tmp_path / "oc_data" / "data"
    root.mkdir(parents=True)
    (root / "mmlu").symlink_to(MMLU, target_is_directory=True)
    formal = root / "ceval" / "formal_ceval"
    formal.mkdir(parents=True)
    for split in ("dev", "val"):
        (formal / split).symlink_to(CEVAL / split, target_is_directory=True)
    with zipfile.ZipFile(CEVAL / "ceval.zip") as z:  # C-Eval's test split is only in the zip; OpenCompass reads it
        z.extractall(formal, [n for n in z.namelist() if n.startswith("test/")])
    mmlu_a = [next(csv.reader(f.open(encoding="utf-8")))[-1] == "A" for f in sorted((MMLU / "test").glob("*.csv"))]
    ceval_a = [list(csv.DictReader(f.open(encoding="utf-8")))[0]["answer"] == "A"
               for f in sorted((CEVAL / "val").glob("*_val.csv"))]
    work = tmp_path / "out"
    with run_in_thread(default_reply="A") as server:
        args = unified(server.url, tmp_path / "oc_data", ("mmlu", "ceval"))
        done = run([*args[:args.index("--limit") + 1], "1", *args[args.index("--limit") + 2:]], work)
        assert server.stats()["total_requests"] == len(mmlu_a) + len(ceval_a) == 57 + 52
    assert done.returncode == 0, done.stderr[-4000:]
    mmlu, ceval = report(work, "mmlu"), report(work, "ceval")
    subsets = mmlu["metrics"][0]["categories"][0]["subsets"]
    assert len(subsets) == 57 and all(s["name"].startswith("lukaemon_mmlu_") and s["num"] == 1 for s in subsets)
    assert mmlu["metrics"][0]["score"] == pytest.approx(sum(mmlu_a) / 57, abs=1e-4)
    assert len(ceval["metrics"][0]["categories"][0]["subsets"]) == 52
    assert ceval["metrics"][0]["score"] == pytest.approx(sum(ceval_a) / 52, abs=1e-4)
    assert len(list(work.rglob("reviews/*/mmlu_lukaemon_mmlu_*.jsonl"))) == 57


def test_use_cache_reuses_opencompass_outputs_without_asking_again(tmp_path, data_dir):
    from evalscope.perf.mock_server import run_in_thread

    script = [{"contains": r["stem"], "reply": a} for r, a in zip(arc_rows(), ARC_REPLIES)]
    work = tmp_path / "out"
    with run_in_thread(script=script) as server:
        args = unified(server.url, data_dir, ("ARC_c",))
        first = run(args, work)
        assert first.returncode == 0, first.stderr[-4000:]
        assert server.stats()["total_requests"] == N
        again = run([*args, "--use-cache", str(work)], work)
        assert again.returncode == 0, again.stderr[-4000:]
        assert server.stats()["total_requests"] == N  # OpenCompass's reuse: predictions and results kept
    assert report(work, "ARC_c")["metrics"][0]["score"] == pytest.approx(0.75)
    assert len(list((work / "backends" / "OpenCompass" / "outputs").iterdir())) == 1
