"""Bad input to ``evalscope eval`` is one line on stderr and exit code 2, never a traceback
(issue 8: the traceback list, defect 13)."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli


def _fails(result, *messages: str) -> None:
    assert result.returncode == 2, (result.returncode, result.stderr[-3000:])
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    for message in messages:
        assert message in result.stderr, result.stderr[-3000:]


def _no_run_dir(work) -> None:
    assert not work.exists() or not any(work.iterdir()), list(work.iterdir())


def test_config_files(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("datasets: [demo_arith\nlimit: 2\n")
    _fails(run_cli("eval", "--config", str(bad)), "bad.yaml:2: invalid YAML")
    _fails(run_cli("eval", "--config", str(tmp_path)), "is a directory, not a YAML/JSON file")
    _fails(run_cli("eval", "--datasets", "demo_arith", "--eval-config", str(bad)), "eval_config", "invalid YAML")
    _fails(run_cli("eval", "--config", str(tmp_path / "missing.yaml")), "file not found")


def test_work_dir_that_is_a_file(tmp_path):
    path = tmp_path / "afile"
    path.write_text("keep me")
    _fails(run_cli("eval", "--datasets", "demo_arith", "--work-dir", str(path)), "is a file, not a directory")
    _fails(run_cli("eval", "--datasets", "demo_arith", "--work-dir", str(path / "sub")), "cannot create")
    assert path.read_text() == "keep me"


@pytest.mark.parametrize("template,message", [
    ("{foo}", "unknown placeholder {foo}"),
    ("{", "unclosed '{'"),
    ("}", "single '}'"),
    ("{0}", "positional placeholder {0}"),
    ("{query!x}", "{query!x}"),
    ("{query}\n{choices}", "unknown placeholder {choices}"),  # gsm8k is not multiple choice
])
def test_prompt_templates(tmp_path, template, message):
    args = json.dumps({"gsm8k": {"prompt_template": template}})
    _fails(run_cli("eval", "--datasets", "gsm8k", "--dataset-args", args, "--work-dir", str(tmp_path)),
           "prompt_template", message)
    _no_run_dir(tmp_path)


def test_a_multiple_choice_template_may_use_choices(tmp_path):
    from evalscope.config import load_task
    from evalscope.run import check_task

    check_task(load_task({"datasets": ["mmlu"],
                          "dataset_args": {"mmlu": {"prompt_template": "{query}\n{choices}\nOne of {letters}"}}}))


def test_model_args(tmp_path):
    _fails(run_cli("eval", "--datasets", "demo_arith", "--model-args", "replyy=x", "--work-dir", str(tmp_path)),
           "unknown key in model_args of mock_llm: 'replyy'. Did you mean 'reply'", "Valid:")
    _fails(run_cli("eval", "--model", "m", "--api-url", "http://127.0.0.1:9/v1", "--datasets", "demo_arith",
                   "--model-args", "temperature=0", "--work-dir", str(tmp_path)),
           "the openai_api model takes none (got 'temperature')", "--generation-config")
    _fails(run_cli("eval", "--datasets", "demo_arith", "--model-args", f"script={tmp_path / 'rules.json'}",
                   "--work-dir", str(tmp_path)), "script file", "does not exist")
    _no_run_dir(tmp_path)


def test_custom_models(tmp_path):
    work = tmp_path / "out"
    _fails(run_cli("eval", "--model", "no_such_module_x:Model", "--eval-type", "custom", "--datasets", "demo_arith",
                   "--work-dir", str(work)), "cannot import module 'no_such_module_x'")
    _fails(run_cli("eval", "--model", f"{tmp_path / 'nofile.py'}:Model", "--eval-type", "custom",
                   "--datasets", "demo_arith", "--work-dir", str(work)), "nofile.py does not exist")
    (tmp_path / "mymodel.py").write_text("class Model:\n    def generate(self, messages, config):\n        return 'x'\n")
    _fails(run_cli("eval", "--model", f"{tmp_path / 'mymodel.py'}:Model", "--eval-type", "custom",
                   "--model-args", "size=3", "--datasets", "demo_arith", "--work-dir", str(work)),
           "cannot be built with model_args ['size']")


def _local(benchmark: str, data) -> list[str]:
    return ["eval", "--datasets", benchmark, "--dataset-args", json.dumps({benchmark: {"local_path": str(data)}})]


LATIN1 = "caf\xe9".encode("latin-1")


@pytest.mark.parametrize("benchmark,name,content,where", [
    ("gsm8k", "test.jsonl", b'{"question": "1+1?", "answer": "#### 2"}\n{"question": "' + LATIN1 + b'"}\n',
     "test.jsonl:2: not UTF-8 text (byte 0xe9 at byte offset 58)"),
    ("general_qa", "example.jsonl", b'{"query": "' + LATIN1 + b'", "response": "x"}\n',
     "example.jsonl:1: not UTF-8 text (byte 0xe9 at byte offset 14)"),
    ("general_mcq", "example_val.csv", b"id,question,A,B,answer\n1," + LATIN1 + b",x,y,A\n",
     "example_val.csv:2: not UTF-8 text (byte 0xe9 at byte offset 28)"),
])
def test_data_files_that_are_not_utf8(tmp_path, benchmark, name, content, where):
    data = tmp_path / "data"
    data.mkdir()
    (data / name).write_bytes(content)
    _fails(run_cli(*_local(benchmark, data), "--work-dir", str(tmp_path / "out")), where)


@pytest.mark.parametrize("benchmark,name,content", [
    ("gsm8k", "test.jsonl", ""),
    ("gsm8k", "test.jsonl", "\n  \n\n"),
    ("general_qa", "example.jsonl", ""),
    ("general_mcq", "example_val.csv", "id,question,A,B,answer\n"),
])
def test_empty_data_files(tmp_path, benchmark, name, content):
    data = tmp_path / "data"
    data.mkdir()
    (data / name).write_text(content)
    _fails(run_cli(*_local(benchmark, data), "--work-dir", str(tmp_path / "out")), str(data / name),
           "holds no rows")
