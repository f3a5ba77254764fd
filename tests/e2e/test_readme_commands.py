"""The README's first command (the main job on the built-in default) works as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_demo_command_runs(tmp_path):
    block = README.read_text().split("```bash", 1)[1].split("```", 1)[0]
    first = block.strip().splitlines()[0]
    eval_part = first.split("&&")[-1].strip()
    argv = shlex.split(eval_part)
    assert argv[0].endswith("evalscope") and argv[1] == "eval"
    result = subprocess.run([sys.executable, "-m", "evalscope", *argv[1:], "--work-dir", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"\| demo_arith \| mean_acc \| default \| 50 +\|", result.stdout), result.stdout


def test_help_is_fast_and_imports_nothing_heavy():
    code = ("import sys, evalscope.cli.main as m; m.build_parser(); "
            "heavy = [x for x in ('aiohttp', 'torch', 'datasets', 'modelscope', 'numpy', 'mteb') if x in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
