"""The transformers adapter in-process on the tiny Llama (CPU): generation settings, usage, batching.

Runs where torch, transformers and the adapter import (``.ci/run`` runs this file with the RAG
environment's python); skipped elsewhere.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ckptkit import build_tiny_llm, in_process  # noqa: E402

if not in_process():
    pytest.skip("torch, transformers and evalscope_transformers are not importable in this interpreter "
                "(.ci/run runs this file with the RAG environment's python)", allow_module_level=True)

from evalscope.api import ChatMessage, ModelError  # noqa: E402
from evalscope.config import GenerationConfig, TaskConfig  # noqa: E402
from evalscope.models.factory import build_model  # noqa: E402

PROMPTS = ["What is 2 + 3?", "Name a prime number.", "How many apples are left?", "Solve x + 1 = 4.",
           "Total cost of 3 books?", "Is 7 prime?"]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    return build_tiny_llm(sys.executable, tmp_path_factory.mktemp("ckpt") / "tiny-llm")


def make(checkpoint: Path, **model_args):
    return build_model(TaskConfig(model=str(checkpoint), eval_type="llm_ckpt", model_args=model_args))


def ask(model, prompt: str, **gen):
    return model.generate([ChatMessage(role="user", content=prompt)], GenerationConfig(**gen))


def run(coro):
    return asyncio.run(coro)


def test_the_entry_point_registers_llm_ckpt(checkpoint):
    model = make(checkpoint)
    assert type(model).__name__ == "TransformersModel" and model.model_name == "tiny-llm"


def test_greedy_usage_and_length(checkpoint):
    model = make(checkpoint)
    out = run(ask(model, PROMPTS[0], temperature=0, max_tokens=10))
    template = model.tokenizer.apply_chat_template([{"role": "user", "content": PROMPTS[0]}], tokenize=False,
                                                   add_generation_prompt=True)
    assert out.usage.prompt_tokens == len(model.tokenizer(template, add_special_tokens=False)["input_ids"])
    assert out.usage.completion_tokens == 10 and out.finish_reason == "length" and out.content
    assert run(ask(model, PROMPTS[0], temperature=0, max_tokens=10)).content == out.content


def test_a_stop_string_cuts_the_answer_before_it(checkpoint):
    model = make(checkpoint)
    full = run(ask(model, PROMPTS[1], temperature=0, max_tokens=24)).content
    words = [w for w in full.split()[1:] if w.isascii() and w.isalnum()]  # a whole word, after the first
    assert words, full
    stop = " " + words[len(words) // 2]
    out = run(ask(model, PROMPTS[1], temperature=0, max_tokens=24, stop=[stop]))
    assert out.content == full[: full.find(stop)] and stop not in out.content
    assert out.finish_reason == "stop" and out.usage.completion_tokens < 24


def test_n_answers_greedy_copies_and_seeded_samples(checkpoint):
    model = make(checkpoint)
    greedy = run(ask(model, PROMPTS[2], temperature=0, max_tokens=6, n=2))
    assert len(greedy.choices) == 2 and greedy.choices[0] == greedy.choices[1] == greedy.content
    a = run(ask(model, PROMPTS[2], temperature=1.0, max_tokens=8, n=3, seed=11))
    b = run(ask(model, PROMPTS[2], temperature=1.0, max_tokens=8, n=3, seed=11))
    c = run(ask(model, PROMPTS[2], temperature=1.0, max_tokens=8, n=3, seed=12))
    assert len(a.choices) == 3 and a.choices == b.choices and a.choices != c.choices
    assert 3 <= a.usage.completion_tokens <= 3 * 8  # the tokens of all three answers


def test_concurrent_requests_share_generate_calls_and_answer_as_alone(checkpoint):
    model = make(checkpoint, batch_size=6, batch_window_ms=100)
    alone = [run(ask(model, p, temperature=0, max_tokens=8)).content for p in PROMPTS]
    assert model.batcher.batch_sizes == [1] * 6

    async def together():
        return await asyncio.gather(*(ask(model, p, temperature=0, max_tokens=8) for p in PROMPTS))

    outs = run(together())
    assert [o.content for o in outs] == alone
    assert max(model.batcher.batch_sizes[6:]) > 1


def test_max_length_shortens_the_answer_and_refuses_a_longer_prompt(checkpoint):
    model = make(checkpoint)
    prompt_tokens = run(ask(model, PROMPTS[3], temperature=0, max_tokens=1)).usage.prompt_tokens
    short = make(checkpoint, max_length=prompt_tokens + 3)
    out = run(ask(short, PROMPTS[3], temperature=0, max_tokens=20))
    assert out.usage.completion_tokens <= 3 and out.finish_reason in ("length", "stop")
    tiny = make(checkpoint, max_length=prompt_tokens)
    with pytest.raises(ModelError, match=f"the prompt has {prompt_tokens} tokens; max_length is {prompt_tokens}"):
        run(ask(tiny, PROMPTS[3], temperature=0, max_tokens=5))


def test_plain_prompts_without_the_chat_template(checkpoint):
    model = make(checkpoint, chat_template=False)
    out = run(ask(model, PROMPTS[4], temperature=0, max_tokens=5))
    assert out.usage.prompt_tokens == len(model.tokenizer(PROMPTS[4])["input_ids"])
    assert not model.use_chat_template and out.usage.completion_tokens <= 5


def test_image_parts_on_a_text_only_checkpoint_are_the_samples_error(checkpoint, tmp_path):
    from evalscope.api.messages import ContentImage, ContentText

    model = make(checkpoint)
    image = tmp_path / "x.png"
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    message = ChatMessage(role="user", content=[ContentText(text="what is it?"), ContentImage(image=str(image))])
    with pytest.raises(ModelError, match="text-only checkpoint"):
        run(model.generate([message], GenerationConfig(temperature=0, max_tokens=3)))


@pytest.fixture(scope="module")
def vlm(checkpoint, tmp_path_factory) -> Path:
    import subprocess

    out = tmp_path_factory.mktemp("vlm") / "tiny-vlm"
    script = Path(__file__).resolve().parent / "make_tiny_vlm.py"
    done = subprocess.run([sys.executable, str(script), str(checkpoint), str(out)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return out


def _png(path: Path, color: tuple[int, int, int], size=(40, 50)) -> Path:
    from PIL import Image

    Image.new("RGB", size, color).save(path)
    return path


def _ask_image(model, image: Path, text: str = "What is in the picture?"):
    from evalscope.api.messages import ContentImage, ContentText

    message = ChatMessage(role="user", content=[ContentImage(image=str(image)), ContentText(text=text)])
    return model.generate([message], GenerationConfig(temperature=0, max_tokens=8))


def test_a_vision_language_checkpoint_answers_through_its_processor(vlm, tmp_path):
    model = make(vlm, batch_size=4, batch_window_ms=100)
    assert model.processor is not None and type(model.model).__name__ == "LlavaForConditionalGeneration"
    images = [_png(tmp_path / f"{i}.png", c) for i, c in enumerate([(255, 0, 0), (0, 0, 255), (0, 255, 0)])]
    alone = [run(_ask_image(model, p)) for p in images]
    assert len({o.content for o in alone}) > 1  # the answer depends on the image (a random model, varied)
    assert alone[0].usage.prompt_tokens > 16  # the image's tokens are in the prompt

    async def together():
        return await asyncio.gather(*(_ask_image(model, p) for p in images))

    assert [o.content for o in run(together())] == [o.content for o in alone]
    assert max(model.batcher.batch_sizes) > 1
    text_only = run(ask(model, "Hello", temperature=0, max_tokens=4))  # a turn without images works too
    assert text_only.usage.completion_tokens <= 4
