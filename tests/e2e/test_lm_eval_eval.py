"""``evalscope eval --eval-backend lm-eval`` end to end against the project's mock server.

A custom ``generate_until`` task (a YAML with ``dataset_path: json`` + ``data_files``, found with
``include_path``) on four gsm8k-format rows; the mock answers three right and one wrong, so
lm-eval's ``exact_match`` is 0.75. Needs the environment of ``evalscope backend install lm-eval``
(~0.8 GB): the test skips with the reason when it is absent. The core's CLI runs it isolated.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

KEY = "sk-lmeval-secret-3"
ROWS = [  # gsm8k's format; the mock's reply per question (the last one wrong)
    ("Tom has 3 apples and buys 4 more. How many apples does he have?", "7", "So 3 + 4 = 7.\n#### 7"),
    ("A box holds 6 eggs. How many eggs are in 5 boxes?", "30", "6 * 5 = 30\n#### 30"),
    ("Sara reads 12 pages a day for 3 days. How many pages does she read?", "36", "#### 36"),
    ("A train travels 60 km per hour for 2 hours. How far does it go?", "120", "I think\n#### 100"),
]
TASK = {
    "task": "gsm8k_local", "dataset_path": "json", "test_split": "test", "output_type": "generate_until",
    "doc_to_text": "Question: {{question}}\nAnswer:", "doc_to_target": "{{answer.split('####')[-1].strip()}}",
    "generation_kwargs": {"until": ["Question:"], "do_sample": False},
    "filter_list": [{"name": "strict-match", "filter": [
        {"function": "regex", "regex_pattern": "#### (\\-?[0-9\\.\\,]+)"}, {"function": "take_first"}]}],
    "metric_list": [{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True}],
}


def _env_installed() -> bool:
    from evalscope.backend import envs

    return envs.is_installed("lm_eval")


pytestmark = pytest.mark.skipif(not _env_installed(), reason="no lm-eval environment: run "
                                "`evalscope backend install lm-eval` (EVALSCOPE_BACKENDS_DIR to place it)")


@pytest.fixture(scope="module")
def tasks_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm_tasks")
    data = folder / "gsm8k_local.jsonl"
    data.write_text("".join(json.dumps({"question": q, "answer": f"... #### {a}"}) + "\n" for q, a, _ in ROWS))
    (folder / "gsm8k_local.yaml").write_text(yaml.safe_dump(
        {**TASK, "dataset_kwargs": {"data_files": {"test": str(data)}}}))
    missing = {**TASK, "task": "gsm8k_missing", "dataset_kwargs": {"data_files": {"test": str(folder / "no.jsonl")}}}
    (folder / "gsm8k_missing.yaml").write_text(yaml.safe_dump(missing))
    mcq = {"task": "mcq_local", "dataset_path": "json", "test_split": "test", "output_type": "multiple_choice",
           "dataset_kwargs": {"data_files": {"test": str(data)}}, "doc_to_text": "{{question}}",
           "doc_to_choice": ["a", "b"], "doc_to_target": 0, "metric_list": [{"metric": "acc"}]}
    (folder / "mcq_local.yaml").write_text(yaml.safe_dump(mcq))
    return folder


@pytest.fixture()
def server():
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread(script=[{"contains": q, "reply": r} for q, _, r in ROWS]) as s:
        yield s


def run(args: list[str], work: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "EVALSCOPE_BACKEND_RUNNER": "isolated"}
    return subprocess.run([sys.executable, "-m", "evalscope.cli.main", "eval", "--work-dir", str(work),
                           "--no-timestamp", *args], capture_output=True, text=True, timeout=timeout, env=env)


def report(work: Path, task: str) -> dict:
    (path,) = list(work.rglob(f"reports/*/{task}.json"))
    return json.loads(path.read_text())


def unified(server, tasks_dir, task="gsm8k_local", backend="lm-eval") -> list[str]:
    return ["--eval-backend", backend, "--model", "mock-model", "--api-url", f"{server.root}/v1",
            "--api-key", KEY, "--datasets", task, "--eval-batch-size", "2",
            "--generation-config", "temperature=0,max_tokens=48",
            "--eval-config", json.dumps({"include_path": str(tasks_dir)})]


def test_unified_flags_score_the_custom_task(tmp_path, server, tasks_dir):
    work = tmp_path / "out"
    done = run(unified(server, tasks_dir), work)
    assert done.returncode == 0, done.stderr[-3000:]
    rep = report(work, "gsm8k_local")
    assert rep["backend"] == "lm-eval"
    assert rep["metrics"][0]["name"] == "exact_match/strict-match"
    assert rep["metrics"][0]["score"] == pytest.approx(0.75)
    assert rep["metrics"][0]["num"] == 4
    assert rep["extra"]["lm_eval_version"] == "0.4.13"
    assert server.stats()["total_requests"] == 4
    (reviews,) = list(work.rglob("reviews/*/gsm8k_local_default.jsonl"))
    rows = [json.loads(line) for line in reviews.read_text().splitlines()]
    assert sorted(r["score"]["exact_match/strict-match"] for r in rows) == [0.0, 1.0, 1.0, 1.0]
    assert {r["extracted_prediction"] for r in rows} == {"7", "30", "36", "100"}
    (preds,) = list(work.rglob("predictions/*/gsm8k_local_default.jsonl"))
    first = json.loads(preds.read_text().splitlines()[0])
    assert first["messages"] == [{"role": "user", "content": f"Question: {ROWS[0][0]}\nAnswer:"}]
    for path in work.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".log", ".yaml", ".txt", ".jsonl", ".py"):
            assert KEY not in path.read_text(errors="replace"), path


def test_alias_and_loglikelihood_refused_before_any_request(tmp_path, server, tasks_dir):
    done = run(unified(server, tasks_dir, task="mcq_local", backend="lm_eval"), tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "mcq_local" in done.stderr and "loglikelihood" in done.stderr and "local-completions" in done.stderr
    assert server.stats()["total_requests"] == 0


def test_missing_dataset_fails_fast_naming_it(tmp_path, server, tasks_dir):
    done = run(unified(server, tasks_dir, task="gsm8k_missing"), tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "gsm8k_missing" in done.stderr
    assert server.stats()["total_requests"] == 0


def test_dead_server_is_a_failed_job_not_a_zero(tmp_path, tasks_dir):
    from evalscope.perf.mock_server import run_in_thread

    with run_in_thread() as s:
        root = s.root
    dead = type("S", (), {"root": root})()
    args = unified(dead, tasks_dir)
    args[-1] = json.dumps({"include_path": str(tasks_dir), "max_retries": 1})
    work = tmp_path / "out"
    done = run(args, work, timeout=300)
    assert done.returncode != 0
    assert not list(work.rglob("reports/*/gsm8k_local.json"))


def test_what_lm_eval_sends_model_temperature_max_tokens(tmp_path, tasks_dir):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration" / "eval"))
    from replies_server import RepliesServer, chat_body

    bodies: list[dict] = []

    def reply(question: str, body: dict) -> dict:
        bodies.append(body)
        return chat_body("#### 7")

    with RepliesServer(reply) as s:
        done = run(unified(type("S", (), {"root": s.url[: -len("/v1")]})(), tasks_dir), tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(bodies) == 4
    assert {b["model"] for b in bodies} == {"mock-model"}
    assert {b["temperature"] for b in bodies} == {0.0} and {b["max_tokens"] for b in bodies} == {48}
    assert report(tmp_path / "out", "gsm8k_local")["metrics"][0]["score"] == pytest.approx(0.25)


ARC_TEST = Path(os.environ.get("EVALSCOPE_SHARED_DATASETS", "/work/shared/datasets")) / "arc" / \
    "ARC-Challenge" / "ARC-Challenge-Test.jsonl"


def arc_rows(n: int) -> list[dict]:
    """The first ``n`` four-choice rows of the shared ARC-Challenge test file, in the hub's layout (what
    lm-eval's built-in ARC tasks read): ``question``, ``choices {text, label}``, ``answerKey``."""
    rows = []
    for line in ARC_TEST.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        choices = row["question"]["choices"]
        if len(choices) == 4:
            rows.append({"id": row["id"], "question": row["question"]["stem"], "answerKey": row["answerKey"],
                         "choices": {"text": [c["text"] for c in choices], "label": [c["label"] for c in choices]}})
        if len(rows) == n:
            return rows
    return rows


def letter(row: dict) -> str:
    key = row["answerKey"]
    return "ABCD"[int(key) - 1] if key in "1234" else key


@pytest.mark.skipif(not ARC_TEST.exists(), reason=f"no shared ARC data at {ARC_TEST}")
def test_builtin_task_repointed_at_a_local_copy(tmp_path):
    from evalscope.perf.mock_server import run_in_thread

    rows = arc_rows(4)
    data = tmp_path / "arc_c_test.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    wrong = {"A": "B", "B": "C", "C": "D", "D": "A"}
    replies = [letter(r) for r in rows[:3]] + [wrong[letter(rows[3])]]
    script = [{"contains": r["question"], "reply": f" {a}"} for r, a in zip(rows, replies)]
    override = {"arc_challenge_chat": {  # the task's prompt, filter and metric; the data local, test split only
        "dataset_path": "json", "dataset_name": None, "dataset_kwargs": {"data_files": {"test": str(data)}},
        "training_split": None, "validation_split": None, "fewshot_split": None}}
    with run_in_thread(script=script) as s:
        args = ["--eval-backend", "lm-eval", "--model", "mock-model", "--api-url", f"{s.root}/v1",
                "--datasets", "arc_challenge_chat", "--dataset-hub", "local", "--eval-batch-size", "2",
                "--eval-config", json.dumps({"task_overrides": override})]
        done = run(args, tmp_path / "out")
        sent = s.stats()["total_requests"]
    assert done.returncode == 0, done.stderr[-3000:]
    rep = report(tmp_path / "out", "arc_challenge_chat")
    assert rep["metrics"][0]["name"] == "exact_match/remove_whitespace"
    assert rep["metrics"][0]["score"] == pytest.approx(0.75) and rep["metrics"][0]["num"] == 4
    assert "exact_match/remove_whitespace" in rep["extra"]["stderr"]["arc_challenge_chat"]  # stderr kept
    assert rep["backend_version"] == "lm-eval 0.4.13"
    assert sent == 4
    (results,) = list((tmp_path / "out").rglob("backends/lm-eval/outputs/*/results_*.json"))
    assert "exact_match_stderr,remove_whitespace" in json.loads(results.read_text())["results"]["arc_challenge_chat"]


def test_builtin_task_without_local_data_fails_fast_naming_it(tmp_path, server):
    args = ["--eval-backend", "lm-eval", "--model", "mock-model", "--api-url", f"{server.root}/v1",
            "--datasets", "arc_challenge_chat", "--dataset-hub", "local"]
    done = run(args, tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "cannot load the data of task arc_challenge_chat" in done.stderr
    assert "allenai/ai2_arc" in done.stderr
    assert server.stats()["total_requests"] == 0


MCQ = [  # (question, choices, target index, the choice the server likes)
    ("Which number is the largest of these", ["seven", "two"], 0, "seven"),
    ("Which animal says meow", ["dog", "cat"], 1, "cat"),
    ("Which colour is the sky on a clear day", ["blue", "green"], 0, "blue"),
    ("Which is a fruit", ["stone", "apple"], 1, "stone"),  # liked: the wrong one
]

TOKENIZER = """
import json, sys
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast
vocab = json.loads(sys.argv[2])
tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]").save_pretrained(sys.argv[1])
"""


def _has_transformers() -> bool:
    from evalscope.backend import envs

    if not _env_installed():
        return False
    probe = subprocess.run([str(envs.env_python("lm_eval")), "-c", "import transformers, tokenizers"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _has_transformers(), reason="the lm-eval environment has no transformers: "
                    "evalscope backend install lm-eval --force --extra transformers (backends/lm_eval/ci_setup.sh)")
def test_loglikelihood_way_out_local_completions_with_a_tokenizer_folder(tmp_path):
    """A multiple_choice task scored by loglikelihood through ``local-completions`` + a local tokenizer
    folder against a server giving echo + logprobs: the liked choice wins, so acc is 3/4."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from lm_eval_logprobs_server import LogprobsServer

    from evalscope.backend import envs

    words = sorted({w for q, cs, _, _ in MCQ for w in q.split() + cs})
    vocab = {"[UNK]": 0, "[PAD]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    subprocess.run([str(envs.env_python("lm_eval")), "-c", TOKENIZER, str(tmp_path / "tok"), json.dumps(vocab)],
                   check=True, capture_output=True)
    folder = tmp_path / "tasks"
    folder.mkdir()
    data = folder / "mcq.jsonl"
    data.write_text("".join(json.dumps({"question": q, "choices": cs, "label": t}) + "\n" for q, cs, t, _ in MCQ))
    (folder / "mcq_ll.yaml").write_text(yaml.safe_dump({
        "task": "mcq_ll", "dataset_path": "json", "dataset_kwargs": {"data_files": {"test": str(data)}},
        "test_split": "test", "output_type": "multiple_choice", "doc_to_text": "{{question}}",
        "doc_to_choice": "{{choices}}", "doc_to_target": "{{label}}",
        "metric_list": [{"metric": "acc", "aggregation": "mean", "higher_is_better": True}]}))
    with LogprobsServer(vocab, {liked for *_, liked in MCQ}) as s:
        args = ["--eval-backend", "lm-eval", "--model", "base-model", "--api-url", s.url, "--datasets", "mcq_ll",
                "--eval-config", json.dumps({"model": "local-completions", "tokenizer": str(tmp_path / "tok"),
                                             "include_path": str(folder)})]
        done = run(args, tmp_path / "out")
    assert done.returncode == 0, done.stderr[-3000:]
    rep = report(tmp_path / "out", "mcq_ll")
    assert rep["metrics"][0]["name"] == "acc" and rep["metrics"][0]["score"] == pytest.approx(0.75)
    assert len(s.bodies) >= 1
    assert all(b["echo"] is True and b["logprobs"] == 1 and b["max_tokens"] == 1 and b["model"] == "base-model"
               for b in s.bodies)
    sent = [p for b in s.bodies for p in (b["prompt"] if isinstance(b["prompt"][0], list) else [b["prompt"]])]
    assert len(sent) == 8 and all(isinstance(i, int) for p in sent for i in p)  # 4 docs x 2 choices, token ids


def test_loglikelihood_on_completions_without_a_tokenizer_is_refused(tmp_path, server, tasks_dir):
    args = unified(server, tasks_dir, task="mcq_local")
    args[-1] = json.dumps({"include_path": str(tasks_dir), "model": "local-completions"})
    done = run(args, tmp_path / "out", timeout=300)
    assert done.returncode != 0
    assert "mcq_local" in done.stderr and "tokenizer" in done.stderr
    assert server.stats()["total_requests"] == 0
