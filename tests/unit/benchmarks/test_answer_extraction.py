import json
from pathlib import Path

import pytest

from evalscope.benchmarks import get_benchmark
from evalscope.benchmarks.gsm8k import extract_number
from evalscope.benchmarks.multiple_choice import extract_choice, normalize_label
from evalscope.config import load_task
from evalscope.errors import ConfigError
from evalscope.filters import apply_filters, build_filters


@pytest.mark.parametrize("text,expected", [
    ("so she has \\boxed{18} eggs", "18"),
    ("\\boxed{\\frac{1}{2}} no, \\boxed{1,234}", "1234"),
    ("The answer is $1,000.", "1000"),
    ("Reasoning... #### 72", "72"),
    ("I get 3 then 5 then 7.5", "7.5"),
    ("it is -4.0", "-4"),
    ("no numbers", None),
])
def test_gsm8k_extraction(text, expected):
    assert extract_number(text) == expected


@pytest.mark.parametrize("text,n,expected", [
    ("Thinking... ANSWER: C", 4, "C"),
    ("ANSWER: A\nwait, ANSWER: (B)", 4, "B"),
    ("所以答案：D", 4, "D"),
    ("The answer is (b)", 4, "B"),
    ("B.", 4, "B"),
    ("ANSWER: E", 4, ""),
    ("I am not sure", 4, ""),
    ("\\boxed{E}", 5, "E"),
])
def test_choice_extraction(text, n, expected):
    assert extract_choice(text, n) == expected


def test_label_normalisation():
    assert normalize_label("2", 4) == "B" and normalize_label(0, 4) == "A" and normalize_label("c", 4) == "C"
    with pytest.raises(ValueError):
        normalize_label("7", 4)


def test_arc_numeric_labels_from_real_rows():
    path = Path("/work/shared/datasets/arc/ARC-Easy/ARC-Easy-Test.jsonl")
    if not path.exists():
        pytest.skip("shared ARC data absent")
    bench = get_benchmark("arc", load_task({"datasets": ["arc"]}))
    numeric = None
    for line in path.open():
        row = json.loads(line)
        if row["question"]["choices"][0]["label"] == "1":
            numeric = row
            break
    assert numeric is not None, "ARC-Easy test has rows labelled 1-4"
    sample = bench.record_to_sample(numeric, 0, "ARC-Easy")
    assert sample.target == "ABCDE"[int(numeric["answerKey"]) - 1]
    assert sample.id == numeric["id"]


def test_gsm8k_sample_and_few_shot_format():
    bench = get_benchmark("gsm8k", load_task({"datasets": ["gsm8k"]}))
    s = bench.record_to_sample({"question": "Q?", "answer": "Step <<2*3=6>>6.\n#### 1,200"}, 0, "main")
    assert s.target == "1200" and s.metadata["reasoning"] == "Step 6."
    assert bench.format_few_shot(s).endswith("ANSWER: \\boxed{1200}")
    (scorer,) = bench.scorers()
    assert scorer.score_one(s, "1200.0") == {"acc": 1.0}  # acc is gsm8k's name for numeric_match
    assert scorer.score_one(s, "1201") == {"acc": 0.0}


def test_filters():
    chain = build_filters({"remove_until": "</think>", "regex": r"ANSWER:\s*(\w)"})
    assert apply_filters("<think>ANSWER: A</think>ANSWER: B", chain) == "B"
    assert apply_filters("no think ANSWER: C", chain) == "C"
    with pytest.raises(ConfigError, match="does not compile"):
        build_filters({"regex": "("})


def test_few_shot_bounds_and_unknown_metrics():
    with pytest.raises(ConfigError, match="few_shot_num 6"):
        get_benchmark("mmlu", load_task({"datasets": ["mmlu"], "dataset_args": {"mmlu": {"few_shot_num": 6}}}))
    with pytest.raises(ConfigError, match="unknown metric 'accc'. Did you mean 'acc'"):
        get_benchmark("arc", load_task({"datasets": ["arc"], "dataset_args": {"arc": {"metric_list": ["accc"]}}}))
