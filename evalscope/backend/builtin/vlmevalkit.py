"""``VLMEvalKit``: vision-language evaluation through VLMEvalKit (plugin distribution ``evalscope-vlmevalkit``).

Only the spec lives in the core; the harness code (``backends/vlmevalkit``, package
``evalscope_vlmevalkit``) is imported in-process when installed here, else run in its isolated
environment (``evalscope backend install vlmevalkit``: torch, torchvision and ``ms-vlmeval``, ~6.9 GB).
"""

from evalscope.backend.external import ExternalBackendFactory, ExternalSpec
from evalscope.registry import registry

SPEC = ExternalSpec(
    name="VLMEvalKit",
    env="vlmevalkit",
    distribution="evalscope-vlmevalkit",
    entry="evalscope_vlmevalkit.backend:VLMEvalKitBackend",
    source="backends/vlmevalkit",
    pins=("torch==2.14.1", "torchvision==0.29.1"),
    config_required=False,
    description="VLMEvalKit (ms-vlmeval) vision-language benchmarks: DocVQA, RealWorldQA, ... on API or local models",
)

registry.register("backend", SPEC.name, ExternalBackendFactory(SPEC))
