#!/usr/bin/env bash
# Creates the OpenCompass backend's isolated environment from this repository's own files: torch 2.13.0
# (the CPU build) first, then ms-opencompass 0.1.6 with the pins it needs to run (pyarrow<25: numpy stays
# below 2; httpx; setuptools>=77.0.3,<81: mmengine imports pkg_resources), the core and the plugin.
# Measured here: 414 s, 1.9 GB. The e2e tests (tests/e2e/test_opencompass_eval.py) skip without it.
#
#   backends/opencompass/ci_setup.sh [PYTHON]      # PYTHON: the core venv's python (default .venv/bin/python)
#
# Environment: EVALSCOPE_BACKENDS_DIR (default ~/.cache/evalscope/backends) - where it goes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m evalscope.cli.main backend install opencompass --force
echo "opencompass backend environment ready in $(( $(date +%s) - start ))s" >&2
