"""evalscope.backend.envs: the wheels of an install are built from its own copy of the sources, so two installs
from one checkout at once neither collide in the checkout's build/ folder nor leave build/ or *.egg-info in it."""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from evalscope.backend import envs
from evalscope.backend.external import ExternalSpec

REPO = Path(__file__).resolve().parents[3]
NO_INDEX = ("Could not find a version that satisfies", "No matching distribution found")


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def offline_wheel_builds() -> bool:
    """True when this Python's setuptools can build a wheel without fetching anything (bdist_wheel present)."""
    code = ("try:\n from setuptools.command.bdist_wheel import bdist_wheel\n"
            "except ImportError:\n import wheel.bdist_wheel\n wheel.bdist_wheel.bdist_wheel")
    return subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0


def skip_without_index(log: Path) -> None:
    text = log.read_text(errors="replace")
    if any(s in text for s in NO_INDEX):
        pytest.skip("building a wheel needs setuptools>=68 and wheel, which this Python lacks (no bdist_wheel) "
                    "and no package index offers here")


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def project(root: Path, name: str, package: str, deps: str = "") -> None:
    write(root / "pyproject.toml",
          '[build-system]\nrequires = ["setuptools>=68", "wheel"]\nbuild-backend = "setuptools.build_meta"\n'
          f'[project]\nname = "{name}"\nversion = "0.1.0"\nreadme = "README.md"\ndependencies = [{deps}]\n'
          f'[tool.setuptools.packages.find]\ninclude = ["{package}*"]\n'
          f'[tool.setuptools.package-data]\n{package} = ["*.json"]\n')
    write(root / "README.md", f"# {name}\n")
    write(root / package / "__init__.py", f"NAME = {name!r}\n")
    write(root / package / "data.json", "{}\n")


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A checkout as a user has it: a core, two plugins, and what no wheel needs (.venv, .git, tests, outputs)."""
    root = tmp_path / "checkout"
    project(root, "fakecore", "fakecore")
    write(root / "fakecore" / "__pycache__" / "x.cpython-311.pyc", "stale")
    for name in ("one", "two"):
        project(root / "backends" / name, f"fakecore-{name}", f"fakecore_{name}", deps='"fakecore"')
    for junk in (".venv/bin/python", ".git/HEAD", ".cache/big.bin", "tests/test_x.py", "outputs/run/report.json",
                 "build/lib/old.py", "fakecore.egg-info/PKG-INFO", ".secret"):
        write(root / junk, "not for a wheel\n")
    return root


def test_stage_sources_copies_the_package_and_nothing_else(checkout, tmp_path):
    staged = envs.stage_sources(checkout, tmp_path / "stage")
    assert tree(staged) == {"pyproject.toml", "README.md", "fakecore", "fakecore/__init__.py", "fakecore/data.json"}
    plugin = envs.stage_sources(checkout / "backends" / "one", tmp_path / "stage-one")
    assert tree(plugin) == {"pyproject.toml", "README.md", "fakecore_one", "fakecore_one/__init__.py",
                            "fakecore_one/data.json"}


def test_stage_sources_of_this_repository_takes_the_packages_only(tmp_path):
    core = envs.stage_sources(REPO, tmp_path / "core")
    assert {p.name for p in core.iterdir()} == {"pyproject.toml", "README.md", "evalscope"}
    assert (core / "evalscope" / "app" / "static").is_dir()
    assert not list(core.rglob("__pycache__")) and not list(core.rglob("*.egg-info"))
    plugin = envs.stage_sources(REPO / "backends" / "lm_eval", tmp_path / "lm_eval")
    assert {p.name for p in plugin.iterdir()} == {"pyproject.toml", "evalscope_lm_eval"}


def test_package_roots_follow_pyproject(tmp_path):
    write(tmp_path / "a" / "pyproject.toml", '[tool.setuptools]\npackages = ["pkg", "pkg.sub"]\n')
    for d in ("pkg", "other", "src"):
        (tmp_path / "a" / d).mkdir()
    assert [p.name for p in envs._package_roots(tmp_path / "a")] == ["pkg"]
    write(tmp_path / "b" / "pyproject.toml", '[tool.setuptools.packages.find]\nwhere = ["src"]\n')
    (tmp_path / "b" / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "b" / "tests").mkdir()
    assert [p.name for p in envs._package_roots(tmp_path / "b")] == ["src"]
    write(tmp_path / "c" / "pyproject.toml", "[project]\nname = 'c'\n")
    write(tmp_path / "c" / "cpkg" / "__init__.py", "")
    (tmp_path / "c" / "docs").mkdir()
    assert [p.name for p in envs._package_roots(tmp_path / "c")] == ["cpkg"]


@pytest.mark.slow
def test_two_builds_from_this_checkout_at_once_both_succeed_and_leave_it_as_it_was(tmp_path):
    """The core and a plugin for two backends at the same time, as two `evalscope backend install` runs do."""
    isolation = not offline_wheel_builds()
    watched = [REPO, REPO / "backends" / "lm_eval", REPO / "backends" / "opencompass"]
    before = {d: sorted(p.name for p in d.iterdir()) for d in watched}
    results: dict[str, object] = {}

    def build(name: str) -> None:
        with open(tmp_path / f"{name}.log", "w") as log:
            try:
                results[name] = envs.build_wheels(sys.executable, [REPO, REPO / "backends" / name],
                                                  tmp_path / f"work-{name}", log, isolation=isolation)
            except Exception as exc:  # reported below, with the log
                results[name] = exc

    threads = [threading.Thread(target=build, args=(n,)) for n in ("lm_eval", "opencompass")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    for name in ("lm_eval", "opencompass"):
        if isinstance(results.get(name), Exception):
            skip_without_index(tmp_path / f"{name}.log")
        assert isinstance(results.get(name), list), (results.get(name), (tmp_path / f"{name}.log").read_text())
        core, plugin = sorted(results[name], key=lambda p: p.name)
        assert core.name == "evalscope-0.1.0-py3-none-any.whl"
        assert plugin.name == f"evalscope_{name}-0.1.0-py3-none-any.whl"
        names = zipfile.ZipFile(core).namelist()
        assert "evalscope/version.py" in names and any(n.startswith("evalscope/app/static/") for n in names)
        assert f"evalscope_{name}/__init__.py" in zipfile.ZipFile(plugin).namelist()
    # nothing written next to the sources: no new build/ or *.egg-info (the folders already there are untouched)
    assert {d: sorted(p.name for p in d.iterdir()) for d in watched} == before


@pytest.mark.slow
def test_two_installs_from_one_checkout_at_once(checkout, tmp_path, monkeypatch):
    """Two real `install`s (venv, wheels, pip install) of two backends from one checkout, at the same time."""
    monkeypatch.setenv(envs.BACKENDS_DIR_ENV, str(tmp_path / "envs"))
    specs = [ExternalSpec(name=n.title(), env=n, distribution=f"fakecore-{n}", entry=f"fakecore_{n}:X",
                          source=f"backends/{n}") for n in ("one", "two")]
    clean = tree(checkout)
    results: dict[str, object] = {}

    def run(spec: ExternalSpec) -> None:
        try:
            results[spec.env] = envs.install(spec, checkout)
        except Exception as exc:  # reported below, with the log
            results[spec.env] = exc

    threads = [threading.Thread(target=run, args=(s,)) for s in specs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180)
    for spec in specs:
        log = tmp_path / "envs" / f"{spec.env}-install.log"
        if isinstance(results.get(spec.env), Exception):
            skip_without_index(log)
        assert isinstance(results.get(spec.env), dict), (results.get(spec.env), log.read_text())
        assert envs.is_installed(spec.env)
        code = f"import fakecore, fakecore_{spec.env}, pathlib; print(pathlib.Path(fakecore.__file__).parent.parent)"
        where = subprocess.run([str(envs.env_python(spec.env)), "-c", code], capture_output=True, text=True,
                               check=True).stdout.strip()
        assert Path(where) != checkout  # installed, not pointing at the checkout
    assert tree(checkout) == clean
    assert [p.name for p in (tmp_path / "envs").iterdir() if p.name.startswith(".")] == []  # build folders gone


@pytest.mark.slow
def test_editable_install_points_at_the_checkout(checkout, tmp_path, monkeypatch):
    monkeypatch.setenv(envs.BACKENDS_DIR_ENV, str(tmp_path / "envs"))
    spec = ExternalSpec(name="One", env="one", distribution="fakecore-one", entry="fakecore_one:X",
                        source="backends/one")
    try:
        info = envs.install(spec, checkout, editable=True)
    except Exception:
        skip_without_index(tmp_path / "envs" / "one-install.log")
        raise
    assert info["editable"] is True
    code = "import fakecore, fakecore_one; print(fakecore.__file__); print(fakecore_one.__file__)"
    out = subprocess.run([str(envs.env_python("one")), "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(checkout / "fakecore" / "__init__.py"), str(checkout / "backends/one/fakecore_one/__init__.py")]
