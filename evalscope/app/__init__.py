"""``evalscope app``: a local, read-only web viewer of eval runs, RAG runs and perf sweeps.

Pages are rendered on the server from the run store (``evalscope.report.store``); charts use plotly's bundled
JavaScript served from the installed package (nothing from a CDN). Starlette and uvicorn come with the ``app``
extra: ``pip install 'evalscope[app]'``.
"""
