"""BLEU and ROUGE through sacrebleu and rouge-score, tokenized as EvalScope does (jieba for Chinese); BLEU-n equals
NLTK's sentence_bleu with EvalScope's per-order weights."""

import math

import pytest

from evalscope.metrics import parse_number

pytest.importorskip("sacrebleu", reason="BLEU/ROUGE need the 'text' extra")
pytest.importorskip("rouge_score", reason="BLEU/ROUGE need the 'text' extra")
pytest.importorskip("jieba", reason="BLEU/ROUGE need the 'text' extra")

from evalscope.metrics.text_overlap import ROUGE_KEYS, bleu, bleu_tokens, chinese_words, rouge  # noqa: E402

PAIRS = [
    ("the cat sat on the mat today", "the cat sat on the mat"),
    ("the quick brown fox jumps over the lazy dog", "a quick brown fox jumped over the lazy dog"),
    ("今天天气很好，我们去公园散步吧", "今天天气不错，我们去公园散步"),
]


def test_chinese_is_cut_into_words():
    assert chinese_words("我们去公园散步") == ["我们", "去", "公园", "散步"]
    assert bleu_tokens("Hello, world!") == ["Hello", ",", "world", "!"]


def test_identical_texts_score_one():
    for text in ("the cat sat on the mat", "今天天气很好，我们去公园散步"):
        assert all(v == pytest.approx(1.0) for v in bleu(text, text).values())
        assert rouge(text, text) == {k: pytest.approx(1.0) for k in ROUGE_KEYS}


def test_rouge_by_hand():
    r = rouge("the cat sat", "the cat sat on the mat")
    assert r["Rouge-1-P"] == 1.0 and r["Rouge-1-R"] == 0.5
    assert r["Rouge-2-R"] == pytest.approx(2 / 5)
    assert r["Rouge-L-R"] == 0.5
    zh = rouge("我们去公园", "我们去公园散步")  # jieba: 我们/去/公园 against 我们/去/公园/散步
    assert zh["Rouge-1-R"] == pytest.approx(3 / 4) and zh["Rouge-1-P"] == 1.0


def test_bleu_by_hand_brevity_and_no_match():
    b = bleu("the cat", "the cat sat on the mat")
    assert b["bleu-1"] == pytest.approx(math.exp(1 - 6 / 2))
    assert b["bleu-3"] == 0.0  # no trigram in the answer
    assert bleu("", "x") == {f"bleu-{n}": 0.0 for n in range(1, 5)}
    assert bleu("zzz", "the cat")["bleu-1"] == 0.0


@pytest.mark.parametrize("hyp,ref", PAIRS)
def test_bleu_equals_nltk_with_evalscope_weights(hyp, ref):
    nltk_bleu = pytest.importorskip("nltk.translate.bleu_score")
    h, r = bleu_tokens(hyp), bleu_tokens(ref)
    expected = [nltk_bleu.sentence_bleu([r], h, weights=w)
                for w in ((1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1))]
    assert list(bleu(hyp, ref).values()) == pytest.approx(expected)


@pytest.mark.parametrize("text,value", [("1,234", 1234), ("$5", 5), ("7%", 7), ("1/4", 0.25), ("x", None)])
def test_parse_number(text, value):
    assert parse_number(text) == value
