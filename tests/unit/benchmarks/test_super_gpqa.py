"""SuperGPQA: record parsing of a real row (the fixture's, m-a-p/SuperGPQA uuid a8390c75...), subsets and
categories, the 0-/5-shot prompts, and the official letter extraction: every expected value below is what the
official ``eval/eval.py`` (SuperGPQA/SuperGPQA ``extract_option_labels``/``extract_option_content`` and its
zero-/five-shot rules) returns for that reply, quirks included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.super_gpqa.extract import extract
from evalscope.config import load_task
from evalscope.errors import ConfigError

ROW = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "benchmarks" / "super_gpqa" / "train.jsonl")
                 .read_text().splitlines()[0])
OPTIONS = ROW["options"]


def _bench(**args):
    return get_benchmark("super_gpqa", load_task({"datasets": ["super_gpqa"], "dataset_args": {"super_gpqa": args}}))


def test_subsets_categories_and_record():
    bench = _bench()
    assert len(bench.subsets) == 72 and bench.category_of("Mathematics") == ("Science",)
    assert bench.category_of("Psychology") == ("Education",)  # EvalScope's grouping
    assert len(set(bench.meta.subset_categories.values())) == 13
    assert bench.in_subset(ROW, "Electronic Science and Technology") and not bench.in_subset(ROW, "Philosophy")
    sample = bench.record_to_sample(ROW, 0, "Electronic Science and Technology")
    assert sample.target == "I" and sample.id == ROW["uuid"] and len(sample.choices) == 10
    assert sample.metadata["discipline"] == "Engineering" and sample.metadata["difficulty"] == "middle"
    with pytest.raises(ValueError, match="options"):
        bench.record_to_sample({**ROW, "options": ["only one"], "answer_letter": "A"}, 0, "Philosophy")


def test_prompts():
    sample = _bench().record_to_sample(ROW, 0, "Electronic Science and Technology")
    zero = _bench().build_messages(sample, [])[-1].text
    assert zero.startswith("Answer the following multiple choice question. The last line of your response should be "
                           "of the following format: 'ANSWER: [LETTER]' (without quotes) where [LETTER] is one of "
                           "A,B,C,D,E,F,G,H,I,J. Think step by step before answering.\n\nThe common-mode rejection")
    assert zero.endswith("I) The difference in the common-mode rejection ratio of A1 and A2 themselves\nJ) input "
                         "resistance")
    five = _bench(few_shot_num=5).build_messages(sample, [])[-1].text
    assert five.startswith("Here are some examples of how to answer similar questions:\n\n")
    assert five.count("\nQuestion:\n") == 5 and five.endswith(zero)
    assert "\\frac{D}{2}" in five and "\x0c" not in five  # LaTeX kept, no control characters
    with pytest.raises(ConfigError, match="0 or 5"):
        _bench(few_shot_num=3)


CASES = [  # (reply, after the five-shot prompt, the official letter)
    ("The final answer to this question is: A.", False, ""),  # the official comment's own example does not match
    ("The best option is $\\boxed{B}:", False, "B"),
    ("The correct answer is (C).", False, "C"),
    ("ANSWER: A", False, "A"),
    ("Answer: $\\boxed{B}.", False, "B"),
    ("ANSWER: (C):", False, "C"),
    ("A", False, "A"),
    ("$\\boxed{B}$", False, "B"),
    ("(C).", False, "C"),
    ("[D]:", False, "D"),
    ("**Answer:** **I**", False, ""),
    ("Answer: \\text{E}", False, "E"),
    ("Let me think.\nThe answer is I because the two amplifiers differ.", False, "I"),
    ("The answer is a good question to think about.", False, "a"),  # case ignored: 'a', which is not the key 'A'
    ("So the answer is J. Wait, no.\nANSWER: I", False, "I"),  # the last line first
    ("ANSWER: K", False, ""),
    ("I think it's about amplifiers.\nThe answer is: input resistance", False, "I"),  # the pronoun at the start
    ("Answer: all of the above", False, ""),  # option text after "Answer:" is not matched (the colon)
    ("Answer: The difference in the common-mode rejection ratio of A1 and A2 themselves", False, ""),
    ("The answer is the size of A1's common-mode rejection ratio.", False, "H"),  # by the option's text
    ("No idea at all.", False, ""),
    ("", False, ""),
    ("Step 1: reason.\nANSWER: G.\n\nQuestion:\nWhat is 2+2?\nANSWER: A.", True, "G"),  # before its own "Question:"
    ("Step 1: reason, nothing decided.\n\nQuestion:\nNext one\nANSWER: B", True, "B"),  # then the whole reply
    ("Step 1: reason.\nANSWER: G.\n\nQuestion:\nWhat is 2+2?\nANSWER: A.", False, "A"),
]


@pytest.mark.parametrize("reply,few_shot,expected", CASES)
def test_official_extraction(reply, few_shot, expected):
    assert extract(reply, OPTIONS, few_shot) == expected


def test_no_exponential_backtracking():
    # the official patterns take minutes on these (its script gives up after 5 s); the same answer, at once
    assert extract("The answer is " + "$" * 25 + "Z", OPTIONS, False) == ""
    assert extract("Answer: " + "(" * 40 + "x", OPTIONS, False) == ""
    assert extract("The answer is " + "$" * 25 + "\\boxed{B}" + "}" * 30 + ".", OPTIONS, False) == "B"


def test_acc():
    bench = _bench()
    sample = bench.record_to_sample(ROW, 0, "Electronic Science and Technology")
    (scorer,) = bench.scorers()
    for reply, value in (("ANSWER: I", 1.0), ("ANSWER: A", 0.0), ("The answer is i.", 0.0)):
        (score,) = scorer.score(sample, [Answer(text=reply, extracted=bench.extract_answer(reply, sample))])
        assert score.value == {"acc": value}, reply


@pytest.mark.parametrize("layout", ["SuperGPQA-all.jsonl", "data/train-00000-of-00001.parquet"])
def test_hub_layouts(layout, tmp_path):
    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    philosophy = {**ROW, "uuid": "u2", "field": "Philosophy", "discipline": "Philosophy"}  # a second field's row
    path = tmp_path / "SuperGPQA" / layout
    path.parent.mkdir(parents=True)
    if layout.endswith(".parquet"):
        pq = pytest.importorskip("pyarrow.parquet")
        import pyarrow as pa

        pq.write_table(pa.Table.from_pylist([ROW, philosophy]), path)
        local = path.parent.parent
    else:
        path.write_text(json.dumps(ROW) + "\n" + json.dumps(philosophy) + "\n")
        local = path  # the hub's one file, given as local_path
    task = load_task({"datasets": ["super_gpqa"], "work_dir": str(tmp_path), "dataset_args": {"super_gpqa": {
        "local_path": str(local), "subset_list": ["Electronic Science and Technology", "Philosophy"]}}})
    plans = BenchmarkRun(get_benchmark("super_gpqa", task), task, model=None, run_dir=RunDir(tmp_path / "run"),
                         display=NullDisplay()).plan()
    assert {p.name: [s.id for s in p.samples] for p in plans} == {
        "Electronic Science and Technology": [ROW["uuid"]], "Philosophy": ["u2"]}


def _official_extractors(path: str) -> dict:
    """``extract_option_labels``/``extract_option_content`` from the official eval.py, without its report-writing
    imports (pandas, openpyxl, ...): their source is executed with ``re.search`` as its ``safe_regex_search``."""
    import re
    import warnings

    source = Path(path).read_text()
    code = source[source.index("def extract_option_labels"):source.index("def calculate_accuracy")]
    namespace = {"re": re, "safe_regex_search": lambda pattern, text, flags=0: re.search(pattern, text, flags)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its patterns hold invalid escape sequences
        exec(compile(code, path, "exec"), namespace)  # noqa: S102 - the official scorer, run as a reference
    return namespace


def test_parity_with_the_official_functions_on_random_replies():
    """EVALSCOPE_SUPERGPQA_OFFICIAL=<SuperGPQA eval/eval.py>: its zero-/five-shot extraction and ours agree on random
    replies built from answer phrases, wrappers, letters and option texts (short: its patterns are exponential)."""
    import os
    import random

    path = os.environ.get("EVALSCOPE_SUPERGPQA_OFFICIAL")
    if not path or not os.path.isfile(path):
        pytest.skip("SuperGPQA's eval/eval.py absent: set EVALSCOPE_SUPERGPQA_OFFICIAL to its path")
    ns = _official_extractors(path)
    labels, content = ns["extract_option_labels"], ns["extract_option_content"]

    def official(reply: str, options: list, few_shot: bool) -> str:
        def once(text):
            found = labels(text, "ABCDEFGHIJ")
            if found is None:
                found = content(text, options)
                found = chr(options.index(found) + 65) if found else None
            return found
        found = once(reply.split("Question:")[0]) if few_shot else once(reply)
        if found is None and few_shot:
            found = once(reply)
        return found or ""

    frags = ["The answer is", "the correct answer is", "The best option is", "Answer:", "ANSWER:", "**Answer:**",
             " ", "\n", "(", ")", "[", "]", "$", "\\boxed{", "\\text{", "}", "*", ".", ":", "A", "B", "c", "J", "K",
             "a", "i", "is", "Question:", "10", "1", "apple", "x (y)", "The", "option"]
    options = ["10", "1", "apple", "Paris", "x (y)", "B", "20 W"]
    rng = random.Random(0)
    for _ in range(20000):
        reply = "".join(rng.choice(frags) for _ in range(rng.randint(1, 9)))
        few_shot = rng.random() < 0.3
        assert extract(reply, options, few_shot) == official(reply, options, few_shot), (reply, few_shot)
