"""The transformers adapter's pure parts (no torch): model_args, generation mapping, stop cutting, batcher."""

from __future__ import annotations

import asyncio
import sys
import threading
from pathlib import Path

import pytest

ADAPTER = Path(__file__).resolve().parents[4] / "adapters" / "transformers"
if str(ADAPTER) not in sys.path:
    sys.path.insert(0, str(ADAPTER))

from evalscope_transformers.args import parse_args  # noqa: E402
from evalscope_transformers.batcher import Batcher  # noqa: E402
from evalscope_transformers.sampling import (  # noqa: E402
    completion_length,
    cut_at_stop,
    finish_reason,
    to_params,
)

from evalscope.api import ModelError  # noqa: E402
from evalscope.config import GenerationConfig  # noqa: E402
from evalscope.errors import ConfigError  # noqa: E402


@pytest.mark.parametrize("given,dtype", [("torch.float16", "float16"), ("bf16", "bfloat16"), ("auto", "auto"),
                                         ("FP32", "float32")])
def test_precision_spellings(given, dtype):
    assert parse_args({"precision": given}).precision == dtype
    assert parse_args({"torch_dtype": given}).precision == dtype


def test_unknown_model_arg_is_named_with_the_closest_key():
    with pytest.raises(ConfigError, match=r"unknown key 'device_mep' for llm_ckpt. Did you mean 'device_map'\?"):
        parse_args({"device_mep": "auto"})


def test_precision_and_a_different_torch_dtype_conflict():
    with pytest.raises(ConfigError, match="give precision or torch_dtype, not both"):
        parse_args({"precision": "float16", "torch_dtype": "bfloat16"})


def test_temperature_zero_is_greedy_without_the_checkpoints_sampling_defaults():
    p = to_params(GenerationConfig(temperature=0, top_p=0.5, top_k=3, max_tokens=7, seed=1, n=2), 32)
    kwargs = p.generate_kwargs()
    assert kwargs == {"max_new_tokens": 7, "do_sample": False, "temperature": None, "top_p": None, "top_k": None}
    assert p.n == 2 and p.seed is None and p.alone == -1  # greedy: n copies, nothing to seed


def test_sampling_maps_every_field():
    config = GenerationConfig(temperature=0.7, top_p=0.9, top_k=-1, max_tokens=5, n=3, stop=["\n\n", "Q:"],
                              extra_body={"repetition_penalty": 1.1, "chat_template_kwargs": {"enable_thinking": False}})
    p = to_params(config, 32)
    assert p.generate_kwargs() == {"max_new_tokens": 5, "do_sample": True, "temperature": 0.7, "top_p": 0.9,
                                   "top_k": 0, "num_return_sequences": 3, "stop_strings": ["\n\n", "Q:"],
                                   "repetition_penalty": 1.1}
    assert p.template_kwargs == '{"enable_thinking": false}'


def test_unset_settings_leave_the_checkpoint_defaults():
    p = to_params(GenerationConfig(), 32)
    assert p.generate_kwargs() == {"max_new_tokens": 32}
    assert to_params(GenerationConfig(), None).max_new_tokens == 2048


def test_seeded_sampling_runs_alone_and_the_rest_share_batches():
    seeded = [to_params(GenerationConfig(temperature=1, seed=3), 8) for _ in range(2)]
    assert seeded[0].batch_key() != seeded[1].batch_key()
    plain = [to_params(GenerationConfig(temperature=1), 8) for _ in range(2)]
    assert plain[0].batch_key() == plain[1].batch_key()


@pytest.mark.parametrize("field", ["presence_penalty", "frequency_penalty"])
def test_penalties_without_an_equivalent_are_refused(field):
    with pytest.raises(ModelError, match=f"{field} has no transformers equivalent"):
        to_params(GenerationConfig(**{field: 0.5}), 8)


@pytest.mark.parametrize("text,stop,expected", [
    ("12 apples\n\nQ: next", ("\n\n",), ("12 apples", True)),
    ("a Q: b\n\nc", ("\n\n", "Q:"), ("a ", True)),  # the earliest stop wins, whatever its order in the list
    ("no stop here", ("###",), ("no stop here", False)),
    ("###", ("###",), ("", True)),
])
def test_stop_strings_are_cut_as_a_server_cuts_them(text, stop, expected):
    assert cut_at_stop(text, stop) == expected


def test_completion_length_counts_up_to_eos_or_padding():
    assert completion_length([5, 6, 2, 3, 3], {2}, 3) == (3, True)  # eos counted, padding not
    assert completion_length([5, 6, 3, 3], {2}, 3) == (2, False)    # a stop string ended the row
    assert completion_length([5, 6, 7], {2}, 3) == (3, False)
    assert finish_reason(3, 3, False, False) == "length" and finish_reason(3, 3, True, False) == "stop"
    assert finish_reason(2, 3, False, True) == "stop"


def test_batcher_gathers_concurrent_requests_and_keeps_their_order():
    threads = set()

    def run(key, items):
        threads.add(threading.get_ident())
        return [f"{key}:{i}" for i in items]

    async def main():
        b = Batcher(run, max_batch_size=4, window=0.05)
        results = await asyncio.gather(*(b.submit("k" if i % 3 else "other", i) for i in range(10)))
        b.close()
        return b, results

    b, results = asyncio.run(main())
    assert results == [f"{'k' if i % 3 else 'other'}:{i}" for i in range(10)]
    # the oldest request's key goes first: the 4 "other", then the 6 "k" in batches of at most 4
    assert b.batch_sizes == [4, 4, 2]
    assert threading.get_ident() not in threads  # generate runs off the event loop


def test_batcher_failure_reaches_every_request_of_the_batch():
    def run(key, items):
        raise RuntimeError("CUDA out of memory")

    async def main():
        b = Batcher(run, max_batch_size=8, window=0.01)
        out = await asyncio.gather(*(b.submit("k", i) for i in range(3)), return_exceptions=True)
        ok = await Batcher(lambda k, items: items, 8, 0).submit("k", 1)  # a fresh batcher still works
        b.close()
        return out, ok

    out, ok = asyncio.run(main())
    assert [str(e) for e in out] == ["CUDA out of memory"] * 3 and ok == 1
