#!/usr/bin/env bash
# Creates the lm-eval backend's isolated environment from this repository's own files (lm-eval[api],
# no torch), plus transformers for the tokenizer folder of `local-completions` loglikelihood tasks
# (the e2e test of that way out loads a tiny tokenizer it writes). The core's test venv stays light:
# the e2e tests run `evalscope eval --eval-backend lm-eval` from it, isolated.
#
#   backends/lm_eval/ci_setup.sh [PYTHON]      # PYTHON: the core venv's python (default .venv/bin/python)
#
# Environment: EVALSCOPE_BACKENDS_DIR (default ~/.cache/evalscope/backends) - where it goes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m evalscope.cli.main backend install lm-eval --force --extra transformers
echo "lm-eval backend environment ready in $(( $(date +%s) - start ))s" >&2
