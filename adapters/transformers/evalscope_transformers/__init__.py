"""evalscope-transformers: local checkpoints (model type ``llm_ckpt``) run in-process with transformers.

The ``evalscope.plugins`` entry point is ``evalscope_transformers.plugin`` (importing this package
registers nothing, so its pure parts can be imported without side effects).
"""
