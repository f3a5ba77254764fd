"""evalscope's embeddings client against the real testkit server (all-MiniLM-L6-v2)."""

from __future__ import annotations

import math

import pytest

from evalscope.models.embeddings import DimensionsRejected, EmbeddingsClient, EmbeddingsConfig

TEXTS = ["A man is playing a guitar.", "A woman is slicing an onion.", "Two dogs run on the beach."] * 7


def client(server, **kw) -> EmbeddingsClient:
    return EmbeddingsClient(EmbeddingsConfig(model="all-MiniLM-L6-v2", base_url=server.base_url, batch_size=4, **kw))


def test_dimensions_unset_gives_the_native_size(embeddings_server):
    vectors = client(embeddings_server).embed_sync(TEXTS)
    assert len(vectors) == len(TEXTS) and {len(v) for v in vectors} == {384}
    assert math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-4)
    assert vectors[0] == vectors[3]  # same text, same vector, whatever the batch


def test_dimensions_set_is_sent_and_checked(embeddings_server):
    vectors = client(embeddings_server, dimensions=128).embed_sync(TEXTS[:5])
    assert {len(v) for v in vectors} == {128}


def test_dimensions_rejected_tells_the_user_to_unset_it(embeddings_server):
    with pytest.raises(DimensionsRejected, match=r"dimensions=1024.*unset it"):
        client(embeddings_server, dimensions=1024).embed_sync(TEXTS[:2])


def test_base64_encoding(embeddings_server):
    plain = client(embeddings_server).embed_sync(TEXTS[:2])
    b64 = client(embeddings_server, encoding_format="base64").embed_sync(TEXTS[:2])
    assert len(plain) == len(b64) == 2 and len(plain[0]) == len(b64[0]) > 0  # zip over nothing proves nothing
    assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(plain[0], b64[0]))
