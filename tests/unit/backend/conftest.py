import os
import sys
from pathlib import Path

import pytest

from evalscope.backend import envs

HERE = Path(__file__).parent


@pytest.fixture
def plugin_env(tmp_path, monkeypatch):
    """The fake plugin importable here and in children; a fake isolated env using this Python."""
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    monkeypatch.setenv(envs.BACKENDS_DIR_ENV, str(tmp_path / "envs"))
    bindir = tmp_path / "envs" / "fake" / "bin"
    bindir.mkdir(parents=True)
    wrapper = bindir / "python"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    (tmp_path / "envs" / "fake" / envs.MARKER).write_text("{}")
    return tmp_path
