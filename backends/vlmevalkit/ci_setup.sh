#!/usr/bin/env bash
# Creates the VLMEvalKit backend's isolated environment from this repository's own files with the
# project's own installer: torch==2.14.1 + torchvision==0.29.1 first (the pins, kept as constraints),
# then the core, the plugin and ms-vlmeval==0.0.20 with its dependencies. Nothing test-only is added:
# the e2e tests (tests/e2e/test_vlmevalkit_eval.py) run `evalscope eval` from the core's venv (isolated
# runner) and from this environment's python (in-process), against the project's mock server.
#
#   backends/vlmevalkit/ci_setup.sh [PYTHON]   # PYTHON: the core venv's python (default .venv/bin/python)
#
# Environment: EVALSCOPE_BACKENDS_DIR (default ~/.cache/evalscope/backends) - where it goes.
# Measured on the 2-core build machine, cold pip cache, packages from the local mirror: 578 s, 7160 MB
# (torch's CUDA wheels: nvidia-* 3.3 GB, triton 0.9 GB, torch 1.2 GB); with a warm pip cache 232 s, same size.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m evalscope.cli.main backend install vlmevalkit --force
"${EVALSCOPE_BACKENDS_DIR:-$HOME/.cache/evalscope/backends}/vlmevalkit/bin/python" -m pip check >&2
echo "vlmevalkit backend environment ready in $(( $(date +%s) - start ))s" >&2
