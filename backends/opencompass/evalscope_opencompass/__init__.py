"""OpenCompass backend of evalscope (distribution ``evalscope-opencompass``).

The core knows it by its spec (``evalscope.backend.builtin.opencompass``); this package holds EvalScope's
``eval_config`` (``config``), the dataset names (``datasets``), the translation into the native config
(``translate``), the run (``harness``, and ``oc_model`` which OpenCompass's subprocesses import: the only
modules importing ``opencompass``) and the reading of its outputs (``results``, ``records``).
"""
