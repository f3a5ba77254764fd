import pytest

from evalscope.metrics import parse_number
from evalscope.metrics.text_overlap import bleu, rouge, tokenize


def test_tokenize_splits_cjk_by_character():
    assert tokenize("Hello, World! 你好") == ["hello", "world", "你", "好"]


def test_identical_texts_score_one():
    tokens = tokenize("the cat sat on the mat")
    assert bleu(tokens, tokens)["bleu-4"] == pytest.approx(1.0)
    assert rouge(tokens, tokens)["Rouge-L-F"] == 1.0


def test_rouge_by_hand():
    r = rouge(tokenize("the cat sat"), tokenize("the cat sat on the mat"))
    assert r["Rouge-1-P"] == 1.0 and r["Rouge-1-R"] == 0.5
    assert r["Rouge-2-R"] == pytest.approx(2 / 5)
    assert r["Rouge-L-R"] == 0.5


def test_bleu_brevity_penalty():
    b = bleu(tokenize("the cat"), tokenize("the cat sat on the mat"))
    assert b["bleu-1"] == pytest.approx(pytest.approx(2.718281828 ** (1 - 3)))
    assert bleu([], tokenize("x"))["bleu-1"] == 0.0


@pytest.mark.parametrize("text,value", [("1,234", 1234), ("$5", 5), ("7%", 7), ("1/4", 0.25), ("x", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value
