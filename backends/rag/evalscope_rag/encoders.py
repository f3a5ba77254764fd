"""MTEB encoders for the two kinds of model (imports torch/mteb/sentence-transformers when called).

- ``LocalModel``: a sentence-transformers model on CPU (or the available device), wrapped in
  MTEB's own ``SentenceTransformerEncoderWrapper``;
- ``APIModel``: ``APIEncoder``, which sends the texts through evalscope's embeddings client
  (``evalscope.models.embeddings``: batching, concurrency, retries, timeouts, dimension checks).
Both score with cosine similarity, so the same model served both ways gives the same scores.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from evalscope.errors import ConfigError
from evalscope_rag.config import APIModel, LocalModel

logger = logging.getLogger(__name__)


def _query_prompts(prompt: Optional[str], prompts: Optional[dict[str, str]]) -> Optional[dict[str, str]]:
    if prompt:
        return {"query": prompt}
    return dict(prompts) if prompts else None


def local_encoder(cfg: LocalModel) -> Any:
    from mteb.models.sentence_transformer_wrapper import SentenceTransformerEncoderWrapper
    from sentence_transformers import SentenceTransformer, models

    kwargs = dict(cfg.model_kwargs)
    if "torch_dtype" in kwargs:  # EvalScope spelling; sentence-transformers takes it in model_kwargs
        kwargs.setdefault("dtype", kwargs.pop("torch_dtype"))
    try:
        if cfg.pooling_mode:
            word = models.Transformer(cfg.model_name_or_path, max_seq_length=cfg.max_seq_length,
                                      model_args=kwargs, config_args=cfg.config_kwargs)
            pooling = models.Pooling(word.get_word_embedding_dimension(), pooling_mode=cfg.pooling_mode)
            model = SentenceTransformer(modules=[word, pooling], device=None)
        else:
            model = SentenceTransformer(cfg.model_name_or_path, model_kwargs=kwargs or None,
                                        config_kwargs=cfg.config_kwargs or None)
    except OSError as exc:
        raise ConfigError(
            f"models.model_name_or_path: cannot load {cfg.model_name_or_path!r} ({exc}); give a local "
            "sentence-transformers directory (the hubs are not reachable offline)"
        ) from None
    if cfg.max_seq_length:
        model.max_seq_length = cfg.max_seq_length
    return SentenceTransformerEncoderWrapper(model, model_prompts=_query_prompts(cfg.prompt, cfg.prompts))


def _encoder_base() -> type:
    from mteb.models.abs_encoder import AbsEncoder

    return AbsEncoder


def api_encoder(cfg: APIModel, batch_size: Optional[int] = None) -> Any:
    from evalscope.models.embeddings import EmbeddingsClient, EmbeddingsConfig

    client = EmbeddingsClient(EmbeddingsConfig(
        model=cfg.model_name, base_url=cfg.api_base, api_key=cfg.api_key, dimensions=cfg.dimensions,
        batch_size=batch_size or int(cfg.encode_kwargs.get("batch_size", 10)), concurrency=cfg.concurrency,
        timeout=cfg.timeout, retries=cfg.retries, headers=cfg.headers,
    ))

    class APIEncoder(_encoder_base()):
        """MTEB encoder over an OpenAI-compatible embeddings endpoint."""

        mteb_model_meta = None

        def __init__(self) -> None:
            self.client = client
            self.query_prompt = cfg.prompt

        def encode(self, inputs: Any, *, task_metadata: Any, hf_split: str, hf_subset: str,
                   prompt_type: Any = None, **kwargs: Any) -> Any:
            import numpy as np

            texts = [t for batch in inputs for t in batch["text"]]
            if self.query_prompt and prompt_type is not None and getattr(prompt_type, "value", prompt_type) == "query":
                texts = [self.query_prompt + t for t in texts]
            # MTEB runs encode in a worker-free synchronous loop: one event loop per call is fine
            vectors = self.client.embed_sync([t if t else " " for t in texts])
            return np.asarray(vectors, dtype=np.float32)

    return APIEncoder()


def build_encoder(cfg: Any, batch_size: Optional[int] = None) -> Any:
    if isinstance(cfg, APIModel):
        return api_encoder(cfg, batch_size)
    return local_encoder(cfg)
