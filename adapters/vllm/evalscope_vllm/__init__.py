"""evalscope-vllm: model type ``vllm``, a managed ``vllm serve`` (entry point ``evalscope_vllm.plugin``)."""
