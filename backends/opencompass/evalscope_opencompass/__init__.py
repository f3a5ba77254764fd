"""OpenCompass backend of evalscope (distribution ``evalscope-opencompass``), in progress.

Present: EvalScope's ``eval_config`` (``config``), its translation into OpenCompass's model and run
arguments (``translate``) and the reading of OpenCompass's result files (``results``), all pure.
Not yet: the harness run (``opencompass.cli.main.run_task``), the spec in the core and the packaging.
"""
