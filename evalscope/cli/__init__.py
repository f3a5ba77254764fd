"""The ``evalscope`` command line."""
