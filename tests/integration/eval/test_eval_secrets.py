"""No secret of the task reaches any file of the run directory, nor the terminal (issue 8, defect 1)."""

from __future__ import annotations

import json

import pytest
from conftest import only_run_dir, read_report, run_cli

from evalscope.perf.mock_server import run_in_thread

SECRETS = {
    "password": "PASSW0RD-in-url",
    "query": "QUERY-key-value",
    "api_key": "sk-API-KEY-value",
    "cookie": "COOKIE-value",
    "tenant": "TENANT-id-value",
    "body": "BODY-secret-value",
}


def _secret_args(url: str, work_dir, key: str = "api_key") -> list[str]:
    """URL credentials and --api-key cannot go together (one Authorization header): ``key`` says which."""
    host = url.split("://", 1)[1]
    userinfo = f"user:{SECRETS['password']}@" if key == "url" else ""
    api_url = f"http://{userinfo}{host}?api-key={SECRETS['query']}&api-version=2024-01"
    generation = {"temperature": 0, "max_tokens": 16,
                  "extra_headers": {"Cookie": f"session={SECRETS['cookie']}", "X-Tenant-Id": SECRETS["tenant"]},
                  "extra_body": {"user_token_like": SECRETS["body"]}}
    auth = ["--api-key", SECRETS["api_key"]] if key == "api_key" else []
    return ["eval", "--model", "mock-model", "--api-url", api_url, *auth,
            "--datasets", "demo_arith", "--limit", "3", "--generation-config", json.dumps(generation),
            "--work-dir", str(work_dir), "--debug"]


def _every_file(root) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(errors="replace") for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("key", ["api_key", "url"])
def test_no_secret_in_any_file_the_run_writes(tmp_path, key):
    with run_in_thread() as server:
        result = run_cli(*_secret_args(server.url, tmp_path, key))
        requests = server.stats(requests=True)
    assert result.returncode == 0, result.stderr[-3000:]
    run_dir = only_run_dir(tmp_path)
    files = _every_file(run_dir)
    assert {"configs/task_config.yaml", "logs/eval_log.log", "reports/mock-model/demo_arith.json"} <= set(files)
    assert any(name.startswith("predictions/") for name in files)
    for name, text in {**files, "<stdout>": result.stdout, "<stderr>": result.stderr}.items():
        for what, secret in SECRETS.items():
            assert secret not in text, f"the {what} is in {name}"
    saved = files["configs/task_config.yaml"]
    assert "api-version=2024-01" in saved and "user_token_like" in saved and "X-Tenant-Id" in saved
    assert read_report(run_dir, "mock-model", "demo_arith")["metrics"][0]["num"] == 3
    assert requests["by_status"] == {"200": 3}  # the query kept after the path: the server found the route


def test_resume_compares_masked_values_without_writing_them(tmp_path):
    with run_in_thread() as server:
        first = run_cli(*_secret_args(server.url, tmp_path))
        assert first.returncode == 0, first.stderr[-3000:]
        run_dir = only_run_dir(tmp_path)
        same = run_cli(*_secret_args(server.url, tmp_path), "--use-cache", str(run_dir))
        assert same.returncode == 0, same.stderr[-3000:]  # masked values do not make every resume "different"
        changed = _secret_args(server.url, tmp_path)
        i = changed.index("--generation-config") + 1
        changed[i] = changed[i].replace(SECRETS["body"], "ANOTHER-body-value")
        other = run_cli(*changed, "--use-cache", str(run_dir))
    assert other.returncode == 2, other.stderr[-3000:]
    assert "a masked value" in other.stderr and "different config" in other.stderr
    assert "ANOTHER-body-value" not in other.stderr and SECRETS["body"] not in other.stderr


def test_url_credentials_and_an_api_key_together_are_one_config_error(tmp_path):
    result = run_cli("eval", "--model", "m", "--api-url", f"http://u:{SECRETS['password']}@127.0.0.1:1/v1",
                     "--api-key", "sk-x", "--datasets", "demo_arith", "--work-dir", str(tmp_path))
    assert result.returncode == 2 and "one Authorization header" in result.stderr, result.stderr
    assert SECRETS["password"] not in result.stderr and not any(tmp_path.iterdir())


def test_running_a_saved_config_again_says_which_values_are_masks(tmp_path):
    with run_in_thread() as server:
        first = run_cli(*_secret_args(server.url, tmp_path / "a", "url"))
        assert first.returncode == 0, first.stderr[-3000:]
        saved = only_run_dir(tmp_path / "a") / "configs" / "task_config.yaml"
        again = run_cli("eval", "--config", str(saved), "--work-dir", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr[-3000:]
    assert "api_url, generation_config.extra_headers.Cookie" in again.stderr and "a masked value" in again.stderr
