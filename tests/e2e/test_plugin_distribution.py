"""A third-party distribution adds a model type and a benchmark through ``evalscope.plugins``.

The test writes the distribution (pyproject + a package) in tmp, installs it with pip into a fresh
virtual environment that sees the core through a ``.pth`` (the core's own venv is not touched),
and runs ``evalscope eval`` of that environment with the plugin's model type on the plugin's
benchmark. Both entry-point forms are used: a plain module whose import registers the model type,
and a hook (``__evalscope_plugin_hook__``) that registers the benchmark; a third entry point that
clashes with a built-in benchmark is refused without harming the others.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "evalscope-toy-plugin"
version = "0.0.1"
dependencies = []

[project.entry-points."evalscope.plugins"]
toy_model = "evalscope_toy.model"
toy_bench = "evalscope_toy.bench:plugin"
toy_clash = "evalscope_toy.clash"

[tool.setuptools]
packages = ["evalscope_toy"]
"""

MODEL = '''\
"""Model type ``toy_calc``: does additions and products right, every other operation wrong."""

import re

from evalscope.api import ModelOutput
from evalscope.registry import register


class ToyCalc:
    def __init__(self, model_name):
        self.model_name = model_name

    async def generate(self, messages, config):
        a, op, b = re.search(r"(\\d+) ([-+*]) (\\d+)", messages[-1].text).groups()
        value = {"+": int(a) + int(b), "*": int(a) * int(b)}.get(op, -1)
        return ModelOutput(content=f"The answer is {value}", model=self.model_name)


@register("model", "toy_calc")
def build(task):
    return ToyCalc(task.model_id or "toy")
'''

BENCH = '''\
"""Benchmark ``toy_arith``: five rows that ship with it, scored by the built-in ``exact_match``."""

from evalscope.api import Sample
from evalscope.benchmarks.base import Benchmark, BenchmarkMeta
from evalscope.registry import plugin_hook

ROWS = [("2 + 3", "5"), ("7 + 1", "8"), ("4 * 2", "8"), ("9 - 3", "6"), ("5 - 1", "4")]


class ToyArith(Benchmark):
    meta = BenchmarkMeta(name="toy_arith", pretty_name="Toy arithmetic", metric_list=("exact_match",),
                         prompt_template="What is {query}?")

    def builtin_rows(self, subset, split):
        return iter([{"id": f"q{i}", "q": q, "a": a} for i, (q, a) in enumerate(ROWS)]) if split == "test" else iter(())

    def record_to_sample(self, record, index, subset):
        return Sample(id=record["id"], input=record["q"], target=record["a"])

    def extract_answer(self, prediction, sample):
        return prediction.rsplit(" ", 1)[-1]


@plugin_hook
def plugin(registry):
    registry.register("benchmark", "toy_arith", ToyArith)
'''


CLASH = '''\
"""Registers a name a built-in has (in another case): this entry point fails, the others work."""

from evalscope.registry import register

from evalscope_toy.bench import ToyArith


class Clash(ToyArith):
    meta = ToyArith.meta.model_copy(update={"name": "GSM8K"})


register("benchmark", "GSM8K")(Clash)
'''


@pytest.fixture(scope="module")
def plugin_venv(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plugin")
    dist = root / "dist"
    (dist / "evalscope_toy").mkdir(parents=True)
    (dist / "pyproject.toml").write_text(PYPROJECT)
    (dist / "evalscope_toy" / "__init__.py").write_text("")
    (dist / "evalscope_toy" / "model.py").write_text(MODEL)
    (dist / "evalscope_toy" / "bench.py").write_text(BENCH)
    (dist / "evalscope_toy" / "clash.py").write_text(CLASH)
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    core_site = sysconfig.get_paths()["purelib"]  # the core (editable) and its dependencies, read-only
    (Path(site) / "evalscope_core.pth").write_text(f"import site; site.addsitedir({core_site!r})\n")
    # pip builds it as any distribution (setuptools from the package index into an isolated build env)
    done = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--disable-pip-version-check",
                           str(dist)], capture_output=True, text=True, timeout=300)
    if done.returncode != 0 and "No matching distribution found for setuptools" in done.stderr:
        pytest.skip("pip could not fetch setuptools to build the test's distribution (no package index)")
    assert done.returncode == 0, done.stdout + done.stderr
    return py


def evalscope(py: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(py), "-m", "evalscope", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_the_plugin_is_not_in_the_core_environment():
    from evalscope.registry import registry

    assert not registry.contains("model", "toy_calc") and not registry.contains("benchmark", "toy_arith")


def test_plugin_model_type_and_benchmark_run_with_the_cli(plugin_venv, tmp_path):
    listed = evalscope(plugin_venv, "list", "models", cwd=tmp_path)
    assert listed.returncode == 0 and "toy_calc" in listed.stdout.split()
    done = evalscope(plugin_venv, "eval", "--model", "toy", "--eval-type", "toy_calc", "--datasets", "Toy_Arith",
                     "--work-dir", str(tmp_path / "out"), "--no-timestamp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "out" / "reports" / "toy" / "toy_arith.json").read_text())
    assert report["dataset_name"] == "toy_arith" and report["model_name"] == "toy"
    (metric,) = report["metrics"]
    assert metric["name"] in ("exact_match", "mean_exact_match")  # the aggregator may prefix it (EvalScope 1.x)
    (category,) = metric["categories"]
    (subset,) = category["subsets"]
    assert subset["num"] == 5 and subset["score"] == pytest.approx(3 / 5)  # 2 additions + 1 product right
    records = (tmp_path / "out" / "predictions" / "toy").glob("toy_arith*.jsonl")
    assert sum(len(p.read_text().splitlines()) for p in records) == 5
    # the clashing entry point is refused with a warning naming both sides; the built-in is intact
    assert "could not load plugin toy_clash" in done.stderr and "benchmark:GSM8K is already registered" in done.stderr
    assert "evalscope.benchmarks.gsm8k" in done.stderr


def test_a_typo_in_the_plugin_type_says_did_you_mean(plugin_venv, tmp_path):
    done = evalscope(plugin_venv, "eval", "--model", "toy", "--eval-type", "toy_calk", "--datasets", "toy_arith",
                     "--work-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert done.returncode == 2 and "Did you mean 'toy_calc'" in done.stderr
