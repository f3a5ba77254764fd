"""Task config files: every way one can be wrong is a one-line ConfigError naming the file."""

import pytest

from evalscope.config import load_task
from evalscope.errors import ConfigError


@pytest.mark.parametrize("name,content,message", [
    ("bad.yaml", b"datasets: [gsm8k\nlimit: 2\n", r"bad.yaml:\d+: invalid YAML"),
    ("bad.yml", b"a: b: c\n", r"bad.yml:1: invalid YAML"),
    ("bad.json", b'{"datasets": ["gsm8k",]}', r"bad.json:1: invalid JSON"),
    ("latin1.yaml", "datasets: [gsm8k]\nsystem_prompt: caf\xe9\n".encode("latin-1"), "is not UTF-8"),
    ("list.yaml", b"- gsm8k\n", "must hold a mapping, not list"),
])
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_task(path)


def test_a_directory_is_not_a_config(tmp_path):
    with pytest.raises(ConfigError, match="is a directory"):
        load_task(tmp_path)


def test_eval_config_file_errors_are_config_errors(tmp_path):
    path = tmp_path / "rag.yaml"
    path.write_text("eval: [1\n")
    with pytest.raises(ConfigError, match="rag.yaml:2: invalid YAML"):
        load_task({"eval_backend": "RAGEval", "eval_config": str(path)})
    with pytest.raises(ConfigError, match="eval_config: not valid JSON"):
        load_task({"eval_backend": "RAGEval", "eval_config": "{bad"})
