"""evalscope's RAGEval backend: MTEB/CMTEB evaluation of embedding models.

The core knows this plugin by its spec (``evalscope.backend.builtin.rag``) and imports
``evalscope_rag.backend:RAGBackend`` only when it runs it. ``config`` and ``results`` are pure
(pydantic only); ``runner``, ``tasks`` and ``encoders`` import mteb, torch and
sentence-transformers when called.
"""

__version__ = "0.1.0"
