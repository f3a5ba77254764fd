"""``RAGEval``: embedding-model evaluation on MTEB/CMTEB (plugin distribution ``evalscope-rag``).

Only the spec lives in the core; the harness code (``backends/rag``, package ``evalscope_rag``)
is imported in-process when installed here, else run in its isolated environment
(``evalscope backend install rag``).
"""

from evalscope.backend.external import ExternalBackendFactory, ExternalSpec
from evalscope.registry import registry

SPEC = ExternalSpec(
    name="RAGEval",
    env="rag",
    distribution="evalscope-rag",
    entry="evalscope_rag.backend:RAGBackend",
    source="backends/rag",
    pins=("torch==2.13.0",),
    description="MTEB/CMTEB embedding evaluation (sentence-transformers and OpenAI-compatible embedding APIs)",
)

registry.register("backend", SPEC.name, ExternalBackendFactory(SPEC))
