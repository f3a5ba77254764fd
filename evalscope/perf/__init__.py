"""``evalscope perf``: a load generator for OpenAI-compatible servers, its metrics and outputs.

Import-light on purpose: the submodules (``evalscope.perf.runner``, ``evalscope.perf.mock_server``)
are imported by whoever needs them.
"""
