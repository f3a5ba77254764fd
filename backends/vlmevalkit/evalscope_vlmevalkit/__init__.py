"""VLMEvalKit backend of evalscope (distribution ``evalscope-vlmevalkit``).

The core knows it by its spec (``evalscope.backend.builtin.vlmevalkit``); this package holds the
config (``config``), the translation into VLMEvalKit's call (``translate``), the run (``harness``,
the only module importing ``vlmeval``) and the reading of its results (``results``).
"""
