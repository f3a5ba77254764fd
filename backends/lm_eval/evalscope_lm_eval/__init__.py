"""lm-eval backend of evalscope (distribution ``evalscope-lm-eval``).

The core knows it by its spec (``evalscope.backend.builtin.lm_eval``); this package holds the
config (``config``), the translation into lm-eval's ``simple_evaluate`` call (``translate``), the
run (``harness``, the only module importing ``lm_eval``) and the reading of its results (``results``).
"""
