"""``OpenCompass``: OpenCompass datasets against API models (plugin distribution ``evalscope-opencompass``).

Only the spec lives in the core; the harness code (``backends/opencompass``, package
``evalscope_opencompass``) is imported in-process when installed here, else run in its isolated
environment (``evalscope backend install opencompass``: torch CPU and ``ms-opencompass``).
"""

from evalscope.backend.external import ExternalBackendFactory, ExternalSpec
from evalscope.registry import registry

SPEC = ExternalSpec(
    name="OpenCompass",
    env="opencompass",
    distribution="evalscope-opencompass",
    entry="evalscope_opencompass.backend:OpenCompassBackend",
    source="backends/opencompass",
    pins=("torch==2.13.0",),
    config_required=False,
    description="OpenCompass (ms-opencompass) datasets (ARC_c, gsm8k, mmlu, ceval, custom QA/MCQ) on API models",
)

registry.register("backend", SPEC.name, ExternalBackendFactory(SPEC))
