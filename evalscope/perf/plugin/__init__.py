"""EvalScope's plugin import paths, for custom dataset plugins written against EvalScope.

``from evalscope.perf.plugin.registry import register_dataset`` and
``from evalscope.perf.plugin.datasets.base import DatasetPluginBase`` work as in EvalScope: a class
with ``build_messages()`` registered under a name becomes a ``perf_dataset`` of this project's one
registry (``evalscope.perf.plugin.datasets.base`` adapts it). New plugins should subclass
``evalscope.perf.datasets.DatasetPlugin`` instead.
"""
