"""evalscope: evaluate models and load-test the servers that host them.

The public names are imported lazily so that ``import evalscope`` and
``evalscope --help`` stay fast.
"""

from evalscope.version import __version__

__all__ = ["__version__", "TaskConfig", "run_task"]


def __getattr__(name: str):
    if name == "TaskConfig":
        from evalscope.config import TaskConfig

        return TaskConfig
    if name == "run_task":
        from evalscope.run import run_task

        return run_task
    raise AttributeError(f"module 'evalscope' has no attribute {name!r}")
