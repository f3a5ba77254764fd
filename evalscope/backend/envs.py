"""Isolated virtual environments of external backends.

Each lives in ``<backends_dir>/<env>/`` (``backends_dir``: ``$EVALSCOPE_BACKENDS_DIR``, else
``~/.cache/evalscope/backends``). ``install`` creates it with ``python -m venv``, installs the
spec's pins first (``torch==2.13.0``), then the core and the plugin from the repository's own
files, and writes ``evalscope-backend.json`` last: an environment without it is not installed.

A non-editable install builds the two wheels from a copy of the sources in a temporary folder of its
own (``stage_sources``, ``build_wheels``): setuptools writes ``build/`` and ``*.egg-info`` next to the
sources it builds, so two installs from one checkout at once would collide there ("File exists:
build/bdist.linux-x86_64/wheel/...") and leave both behind in the checkout. ``--editable`` installs
point at the checkout by design and build there, as pip does.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from fnmatch import fnmatch
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


def _pip(python: Path, args: list[str], log: Any, verb: str = "install") -> None:
    cmd = [str(python), "-m", "pip", verb, "--disable-pip-version-check", *args]
    logger.info("running %s", " ".join(cmd))
    log.flush()
    done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise RunFailed(f"pip {verb} failed ({' '.join(args)}); see {log.name}")


# never part of a package: caches, the output of earlier builds
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def _read_pyproject(project: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib
        except ImportError:
            return {}
    with open(project / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _package_roots(project: Path) -> list[Path]:
    """The top-level folders of ``project`` that setuptools builds its packages from.

    Read from pyproject.toml's ``[tool.setuptools]``: ``packages`` (their first part),
    ``packages.find`` (its ``where`` folders; in ``.``, the folders matching ``include`` and not
    ``exclude``), else the folders holding an ``__init__.py`` and ``src/``. Hidden folders (.venv,
    .git, .cache), ``build``, ``dist`` and ``*.egg-info`` are never taken.
    """
    tool = _read_pyproject(project).get("tool", {}).get("setuptools", {})
    packages = tool.get("packages")
    names: set[str] = set()
    if isinstance(packages, list):
        package_dir = tool.get("package-dir", {})
        for package in packages:
            top = str(package).split(".")[0]
            where = package_dir.get(top, package_dir[""] + "/" + top if "" in package_dir else top)
            names.add(str(where).strip("./").split("/")[0] or top)
    elif isinstance(packages, dict) and "find" in packages:
        find = packages["find"]
        for where in find.get("where", ["."]):
            if where not in (".", ""):
                names.add(str(where).split("/")[0])
                continue
            include, exclude = find.get("include", ["*"]), find.get("exclude", [])
            for child in project.iterdir():
                if child.is_dir() and any(fnmatch(child.name, pat) for pat in include) \
                        and not any(fnmatch(child.name, pat) for pat in exclude):
                    names.add(child.name)
    else:
        names = {c.name for c in project.iterdir() if c.is_dir() and (c / "__init__.py").exists()}
        if (project / "src").is_dir():
            names.add("src")
    return sorted(project / n for n in names
                  if n and not n.startswith(".") and n not in ("build", "dist", "__pycache__")
                  and not n.endswith(".egg-info") and (project / n).is_dir())


# files at a project's top that a wheel build may read (besides the readme and licence pyproject names)
_TOP_FILES = ("pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "LICEN[CS]E*", "COPYING*", "NOTICE*",
              "AUTHORS*", "*.py")


def stage_sources(project: Path, dest: Path) -> Path:
    """Copy what setuptools needs to build ``project``'s wheel into ``dest`` (made here); returns it.

    That is pyproject.toml, setup.py/cfg, MANIFEST.in, licences, the readme, single modules and the
    package folders (``_package_roots``), without caches and old build output: never the rest of a
    checkout (.venv, .git, .cache, tests, outputs).
    """
    meta = _read_pyproject(project).get("project", {})
    named = [meta.get("readme"), meta.get("license")]
    wanted = {str(n.get("file", "")) if isinstance(n, dict) else str(n or "") for n in named} - {""}
    dest.mkdir(parents=True)
    for child in project.iterdir():
        if child.is_file() and (child.name in wanted or any(fnmatch(child.name, pat) for pat in _TOP_FILES)):
            shutil.copy2(child, dest / child.name)
    for root in _package_roots(project):
        shutil.copytree(root, dest / root.name, ignore=_JUNK)
    for name in wanted:  # a readme in a sub-folder (docs/README.md)
        if "/" in name and (project / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(project / name, dest / name)
    return dest


def build_wheels(python: Path | str, projects: list[Path], workdir: Path, log: Any,
                 *, isolation: bool = True) -> list[Path]:
    """Build the wheel of each project (no dependencies) with ``python``'s pip; returns their paths.

    Each project is first copied into ``workdir`` (``stage_sources``), so setuptools' ``build/`` and
    ``*.egg-info`` land there and never in the projects' folders; the wheels go to ``workdir/wheels``.
    ``workdir`` must be this build's own (an empty or missing folder).
    """
    staged = [stage_sources(p, workdir / "src" / f"{i}-{p.name}") for i, p in enumerate(projects)]
    out = workdir / "wheels"
    out.mkdir(parents=True)
    args = ["--no-deps", "-w", str(out), *([] if isolation else ["--no-build-isolation"])]
    _pip(Path(python), [*args, *map(str, staged)], log, verb="wheel")
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != len(projects):
        raise RunFailed(f"pip wheel built {len(wheels)} wheels for {len(projects)} projects; see {log.name}")
    return wheels


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
        # the pins go in again as constraints, so that nothing replaces them
        constraints = target / "pins.txt"
        constraints.write_text("\n".join(spec.pins) + "\n", encoding="utf-8")
        if editable:
            _pip(py, ["-c", str(constraints), "-e", str(core_dir), "-e", str(plugin_dir), *extra], log)
        else:
            with tempfile.TemporaryDirectory(prefix=f".{spec.env}-build-", dir=target.parent) as work:
                wheels = build_wheels(py, [core_dir, plugin_dir], Path(work), log)
                _pip(py, ["-c", str(constraints), *map(str, wheels), *extra], log)
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
