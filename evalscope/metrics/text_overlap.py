"""BLEU and ROUGE of free-form answers (general_qa), computed with the field's libraries: sacrebleu and rouge-score.

Tokens as EvalScope makes them: a text with a CJK character (U+4E00..U+9FA5) is cut into words by jieba; any other
text is tokenized by sacrebleu's ``13a`` tokenizer for BLEU and by rouge-score's own (lower-cased alphanumeric
words) for ROUGE.

- ``BLEU`` -> ``bleu-1`` .. ``bleu-4``: EvalScope's per-order sentence BLEU (NLTK's ``sentence_bleu`` with weights
  ``(1,0,0,0)``, ``(0,1,0,0)``, ...), i.e. brevity penalty x the modified n-gram precision of that order, from
  sacrebleu's n-gram statistics (no smoothing: an order with no match is 0).
- ``Rouge`` -> ``Rouge-1-R``/``-P``/``-F``, ``Rouge-2-*``, ``Rouge-L-*``: rouge-score's ROUGE-1, ROUGE-2 and
  ROUGE-L recall, precision and F1; the names are those EvalScope's general_qa reports.

Both libraries are the optional extra ``text`` (``pip install 'evalscope[text]'``).
"""

from __future__ import annotations

import functools
import math
import re
from typing import TYPE_CHECKING, Any

from evalscope.errors import ConfigError
from evalscope.registry import register

if TYPE_CHECKING:
    from evalscope.api import Sample

INSTALL_HINT = "BLEU and ROUGE need sacrebleu, rouge-score and jieba: pip install 'evalscope[text]'"
_CJK = re.compile(r"[\u4e00-\u9fa5]")
ROUGE_KEYS = tuple(f"Rouge-{n}-{k}" for n in ("1", "2", "L") for k in ("R", "P", "F"))


def require() -> None:
    """Fail now, with the install hint, when the extra is missing (a benchmark calls it at setup)."""
    for module in ("sacrebleu", "rouge_score.rouge_scorer", "jieba"):
        _need(module)


def has_chinese(text: str) -> bool:
    return bool(_CJK.search(text))


def _need(module: str) -> Any:
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None


@functools.lru_cache(maxsize=1)
def _jieba() -> Any:
    jieba = _need("jieba")
    import logging

    logging.getLogger("jieba").setLevel(logging.WARNING)  # it logs its dictionary loading at INFO
    return jieba


def chinese_words(text: str) -> list[str]:
    """jieba's words of a Chinese text, whitespace dropped."""
    return [w for w in _jieba().lcut(text) if w.strip()]


@functools.lru_cache(maxsize=1)
def _bleu() -> Any:
    sacrebleu = _need("sacrebleu")
    return sacrebleu.metrics.BLEU(tokenize="none", effective_order=True, max_ngram_order=4)


@functools.lru_cache(maxsize=1)
def _13a() -> Any:
    _need("sacrebleu")
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    return Tokenizer13a()


def bleu_tokens(text: str) -> list[str]:
    return chinese_words(text) if has_chinese(text) else _13a()(text.strip()).split()


def bleu(candidate: str, reference: str) -> dict[str, float]:
    """``bleu-1`` .. ``bleu-4`` of one answer against one reference (module docstring)."""
    hyp, ref = bleu_tokens(candidate), bleu_tokens(reference)
    if not hyp or not ref:
        return {f"bleu-{n}": 0.0 for n in range(1, 5)}
    score = _bleu().sentence_score(" ".join(hyp), [" ".join(ref)])
    bp = 1.0 if score.sys_len > score.ref_len else math.exp(1 - score.ref_len / score.sys_len)
    correct, total = score.counts, score.totals
    return {f"bleu-{n + 1}": (bp * correct[n] / total[n] if total[n] and correct[n] else 0.0) for n in range(4)}


class _Words:
    """A rouge-score tokenizer for pre-cut Chinese words."""

    def tokenize(self, text: str) -> list[str]:
        return chinese_words(text)


@functools.lru_cache(maxsize=2)
def _rouge_scorer(chinese: bool) -> Any:
    rouge_scorer = _need("rouge_score.rouge_scorer")
    return rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=_Words() if chinese else None)


def rouge(candidate: str, reference: str) -> dict[str, float]:
    """ROUGE-1, ROUGE-2, ROUGE-L recall, precision and F1 of one answer against one reference."""
    scorer = _rouge_scorer(has_chinese(candidate) or has_chinese(reference))
    scores = scorer.score(reference, candidate)  # rouge-score takes (target, prediction)
    out: dict[str, float] = {}
    for n, key in (("1", "rouge1"), ("2", "rouge2"), ("L", "rougeL")):
        s = scores[key]
        out.update({f"Rouge-{n}-R": s.recall, f"Rouge-{n}-P": s.precision, f"Rouge-{n}-F": s.fmeasure})
    return out


@register("metric", "BLEU")
def bleu_metric(answer: str, sample: "Sample") -> dict[str, float]:
    return bleu(answer, sample.target_text)


@register("metric", "Rouge")
def rouge_metric(answer: str, sample: "Sample") -> dict[str, float]:
    return rouge(answer, sample.target_text)
