"""`evalscope app`'s checks before it serves anything: the install hint, loopback and the token."""

from __future__ import annotations

import sys

import pytest

from evalscope.cli.app import INSTALL_HINT, is_loopback, resolve_token
from evalscope.cli.main import main
from evalscope.errors import UsageError


def test_without_the_extra_a_one_line_hint_and_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import fails as when not installed
    assert main(["app", "--outputs", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"evalscope: error: {INSTALL_HINT}"


@pytest.mark.parametrize("host,loop", [("127.0.0.1", True), ("127.5.0.1", True), ("localhost", True),
                                       ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("::", False),
                                       ("192.168.1.4", False), ("example.org", False)])
def test_loopback(host, loop):
    assert is_loopback(host) is loop


def test_token_rules(monkeypatch):
    monkeypatch.delenv("EVALSCOPE_APP_TOKEN", raising=False)
    assert resolve_token("127.0.0.1", None) is None
    with pytest.raises(UsageError, match="--token"):
        resolve_token("0.0.0.0", None)
    assert len(resolve_token("0.0.0.0", "auto")) >= 24
    with pytest.raises(UsageError, match="at least 8"):
        resolve_token("0.0.0.0", "short")
    monkeypatch.setenv("EVALSCOPE_APP_TOKEN", "from-the-env-123")
    assert resolve_token("0.0.0.0", None) == "from-the-env-123"
