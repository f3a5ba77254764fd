"""Isolated virtual environments of external backends.

Each lives in ``<backends_dir>/<env>/`` (``backends_dir``: ``$EVALSCOPE_BACKENDS_DIR``, else
``~/.cache/evalscope/backends``). ``install`` creates it with ``python -m venv``, installs the
spec's pins first (``torch==2.13.0``), then the core and the plugin from the repository's own
files, and writes ``evalscope-backend.json`` last: an environment without it is not installed.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

from evalscope.errors import RunFailed, UsageError

if TYPE_CHECKING:
    from evalscope.backend.external import ExternalSpec

logger = logging.getLogger(__name__)

BACKENDS_DIR_ENV = "EVALSCOPE_BACKENDS_DIR"
MARKER = "evalscope-backend.json"


def backends_dir() -> Path:
    value = os.environ.get(BACKENDS_DIR_ENV)
    return Path(value).expanduser() if value else Path.home() / ".cache" / "evalscope" / "backends"


def env_dir(env: str) -> Path:
    return backends_dir() / env


def env_python(env: str) -> Path:
    return env_dir(env) / "bin" / "python"


def is_installed(env: str) -> bool:
    return env_python(env).exists() and (env_dir(env) / MARKER).exists()


def env_info(env: str) -> Optional[dict[str, Any]]:
    try:
        return json.loads((env_dir(env) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_core_version(env: str) -> None:
    """Warn when the environment was built from another version of the core than this one."""
    from evalscope.version import __version__

    info = env_info(env) or {}
    built = info.get("core_version")
    if built and built != __version__:
        logger.warning("the %s environment was built with evalscope %s, this is %s; if the job fails, "
                       "re-create it: evalscope backend install %s --force", env, built, __version__, env)


def dir_size_mb(path: Path) -> float:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total / 1e6


def _pip(python: Path, args: list[str], log: Any) -> None:
    cmd = [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]
    logger.info("running %s", " ".join(cmd))
    done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RunFailed(f"pip install failed ({' '.join(args)}); see {log.name}")


def install(
    spec: "ExternalSpec",
    source_root: Path,
    *,
    editable: bool = False,
    force: bool = False,
    python: str = sys.executable,
    extra: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Create (or re-create with ``force``) the environment of ``spec``; returns its info."""
    core_dir = source_root
    plugin_dir = source_root / spec.source
    if not (core_dir / "pyproject.toml").exists() or not (plugin_dir / "pyproject.toml").exists():
        raise UsageError(
            f"cannot find the sources of the core and of {spec.distribution} under {source_root} "
            f"(need pyproject.toml and {spec.source}/pyproject.toml); pass --source REPO_DIR"
        )
    target = env_dir(spec.env)
    if target.exists():
        if not force and is_installed(spec.env):
            raise UsageError(f"{target} already exists; add --force to re-create it")
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log_path = target.parent / f"{spec.env}-install.log"
    with open(log_path, "w", encoding="utf-8") as log:
        subprocess.run([python, "-m", "venv", str(target)], check=True, stdout=log, stderr=subprocess.STDOUT)
        py = env_python(spec.env)
        if spec.pins:
            _pip(py, list(spec.pins), log)
        e = ["-e"] if editable else []
        # the pins go in again as constraints, so that nothing replaces them
        constraints = target / "pins.txt"
        constraints.write_text("\n".join(spec.pins) + "\n", encoding="utf-8")
        _pip(py, ["-c", str(constraints), *e, str(core_dir), *e, str(plugin_dir), *extra], log)
    from evalscope.version import __version__

    info = {
        "backend": spec.name,
        "core_version": __version__,
        "env": spec.env,
        "distribution": spec.distribution,
        "path": str(target),
        "source": str(source_root),
        "editable": editable,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - started, 1),
        "size_mb": round(dir_size_mb(target), 1),
        "install_log": str(log_path),
    }
    (target / MARKER).write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info
