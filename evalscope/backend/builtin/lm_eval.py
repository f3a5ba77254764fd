"""``lm-eval``: EleutherAI's lm-evaluation-harness (plugin distribution ``evalscope-lm-eval``).

Only the spec lives in the core; the harness code (``backends/lm_eval``, package
``evalscope_lm_eval``) is imported in-process when installed here, else run in its isolated
environment (``evalscope backend install lm-eval``: ``lm-eval[api]``, no torch, ~0.8 GB).
``--eval-backend lm_eval`` (the harness's import name) is accepted as the same backend.
"""

from evalscope.backend.external import ExternalBackendFactory, ExternalRunner, ExternalSpec
from evalscope.registry import registry

SPEC = ExternalSpec(
    name="lm-eval",
    env="lm_eval",
    distribution="evalscope-lm-eval",
    entry="evalscope_lm_eval.backend:LMEvalBackend",
    source="backends/lm_eval",
    config_required=False,
    description="lm-evaluation-harness tasks (generate_until on chat APIs; loglikelihood on completions "
                "endpoints with a tokenizer)",
)


class _Alias:
    """``lm_eval``: the same backend under the harness's import name (not listed twice)."""

    def __call__(self) -> ExternalRunner:
        return ExternalRunner(SPEC)

    def __repr__(self) -> str:
        return f"alias of backend {SPEC.name!r}"


registry.register("backend", SPEC.name, ExternalBackendFactory(SPEC))
registry.register("backend", "lm_eval", _Alias())
