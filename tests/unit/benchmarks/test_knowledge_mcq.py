"""hellaswag, winogrande and mmlu_pro: record parsing, prompt and answer extraction on rows in the hubs' formats
(no shared copy of these datasets exists; the rows are the fixtures' and real HellaSwag/WinoGrande rows)."""

from __future__ import annotations

import pytest

from evalscope.api import Answer
from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task


def _bench(name: str, **args):
    return get_benchmark(name, load_task({"datasets": [name], "dataset_args": {name: args}}))


def _acc(bench, sample, text: str) -> float:
    (scorer,) = bench.scorers()
    (score,) = scorer.score(sample, [Answer(text=text, extracted=bench.extract_answer(text, sample))])
    return score.value["acc"]


def test_hellaswag_record():
    bench = _bench("hellaswag")
    row = {"ind": 4, "activity_label": "Removing ice from car",
           "ctx_a": "Then, the man writes over the snow covering the window of a car, and a woman wearing winter "
                    "clothes smiles.", "ctx_b": "then", "label": "3",
           "endings": [", the man adds wax to the windshield and cuts it.",
                       ", a person board a ski lift, while two men supporting the head of the person wearing winter "
                       "clothes snow as the we girls sled.",
                       ", the man puts on a christmas coat, knitted with netting.",
                       ", the man continues removing the snow on his car."]}
    sample = bench.record_to_sample(row, 0, "default")
    assert sample.input_text.endswith("smiles. Then") and sample.target == "D" and sample.id == "4"
    prompt = bench.build_messages(sample, [])[-1].text
    assert "The entire content of your response" in prompt and "D) , the man continues removing" in prompt
    assert _acc(bench, sample, "ANSWER: D") == 1.0 and _acc(bench, sample, "ANSWER: A") == 0.0
    assert _acc(bench, sample, "D") == 1.0  # a bare letter is an answer too
    titled = bench.record_to_sample({**row, "ctx_a": "[header] How to x [title] Do y.", "ctx_b": ""}, 1, "default")
    assert titled.input_text == "How to x. Do y."


def test_winogrande_record():
    bench = _bench("winogrande")
    row = {"sentence": "Sarah was a much better surgeon than Maria so _ always got the harder cases.",
           "option1": "Sarah", "option2": "Maria", "answer": "1"}
    sample = bench.record_to_sample(row, 0, "default")
    assert sample.choices == ["Sarah", "Maria"] and sample.target == "A"
    assert _acc(bench, sample, "ANSWER: A") == 1.0 and _acc(bench, sample, "ANSWER: B") == 0.0
    with pytest.raises(ValueError, match="not 1 or 2"):
        bench.record_to_sample({**row, "answer": ""}, 0, "default")  # the unlabeled test split


def test_mmlu_pro_record_and_few_shot():
    bench = _bench("mmlu_pro")
    row = {"question_id": 70, "question": "What is 1 + 1?", "options": [str(i) for i in range(1, 11)],
           "answer": "B", "answer_index": 1, "category": "math",
           "cot_content": "A: Let's think step by step. One plus one is two. The answer is (B)."}
    sample = bench.record_to_sample(row, 0, "math")
    assert sample.target == "B" and len(sample.choices) == 10 and sample.id == "70"
    assert bench.in_subset(row, "math") and not bench.in_subset(row, "law")
    text = "\n".join(m.text for m in bench.build_messages(sample, [sample]))
    assert text.startswith("The following are multiple choice questions (with answers) about math.")
    assert "A 1\nB 2" in text and "One plus one is two. ANSWER: B" in text and "J) 10" in text
    assert _acc(bench, sample, "so...\nANSWER: B") == 1.0 and _acc(bench, sample, "ANSWER: J") == 0.0
    with pytest.raises(Exception, match="5 examples"):
        _bench("mmlu_pro", few_shot_num=6)


def test_race_record():
    bench = _bench("race")
    row = {"example_id": "high19432.txt", "article": "The rain had continued for a week...",
           "question": "What did Nancy try to do before she fell over?",
           "options": ["Measure the depth of the river", "Look for a fallen tree trunk", "Protect her cows",
                       "Run away from the flood"], "answer": "C"}
    sample = bench.record_to_sample(row, 0, "high")
    assert sample.input_text.startswith("Article:\nThe rain") and "\nQuestion:\nWhat did Nancy" in sample.input_text
    assert sample.target == "C" and sample.id == "high19432.txt"
    assert _acc(bench, sample, "The article says...\nANSWER: C") == 1.0 and _acc(bench, sample, "ANSWER: B") == 0.0
    with pytest.raises(Exception, match="3 examples"):
        _bench("race", few_shot_num=4)


def test_cmmlu_record_as_evalscopes_sample():
    bench = _bench("cmmlu")
    assert len(bench.subsets) == 67 and bench.category_of("anatomy") == ("STEM",)
    row = {"question": "在农业生产中被当作极其重要的劳动对象发挥作用，最主要的不可替代的基本生产资料是",
           "choices": ["(A) 农业生产工具", "(B) 土地", "(C) 劳动力", "(D) 资金"], "answer": "(B)", "category": "agronomy"}
    sample = bench.record_to_sample(row, 0, "agronomy")
    assert sample.choices == ["农业生产工具", "土地", "劳动力", "资金"] and sample.target == "B"
    assert bench.in_subset(row, "agronomy") and not bench.in_subset(row, "anatomy")
    prompt = bench.build_messages(sample, [])[-1].text  # EvalScope's published prompt for this row
    assert prompt == ("回答下面的单项选择题，请选出其中的正确答案。你的回答的最后一行应该是这样的格式：\"答案：[LETTER]\"（不带引号），"
                      "其中 [LETTER] 是 A,B,C,D 中的一个。请在回答前进行一步步思考。\n\n问题：" + row["question"]
                      + "\n选项：\nA) 农业生产工具\nB) 土地\nC) 劳动力\nD) 资金")
    assert _acc(bench, sample, "因此答案：B") == 1.0 and _acc(bench, sample, "答案：A") == 0.0


def test_trivia_qa_record_and_official_normalization():
    from evalscope.metrics.qa import normalize_answer, token_f1

    assert normalize_answer("The  Beatles!") == "beatles" and normalize_answer("an Apple, a day") == "apple day"
    assert token_f1("Sunset Boulevard musical", "Sunset Boulevard") == pytest.approx(0.8)
    bench = _bench("trivia_qa")
    row = {"question_id": "tc_33", "question": "Which Lloyd Webber musical premiered in the US on 10th December 1993?",
           "answer": {"aliases": ["Sunset Blvd", "Sunset Boulevard"], "normalized_aliases": ["sunset blvd"],
                      "value": "Sunset Boulevard"},
           "entity_pages": {"wiki_context": ["Sunset Boulevard is a musical.", "It opened in 1993."]}}
    sample = bench.record_to_sample(row, 0, "rc.wikipedia")
    assert sample.target == ["Sunset Blvd", "Sunset Boulevard", "sunset blvd"]
    assert "Content: Sunset Boulevard is a musical.\nIt opened in 1993." in bench.build_messages(sample, [])[-1].text
    (scorer,) = bench.scorers()
    texts = ["I think...\nANSWER: sunset boulevard.", "ANSWER: Cats", "ANSWER: Sunset Boulevard musical"]
    scores = scorer.score(sample, [Answer(text=t, extracted=bench.extract_answer(t, sample)) for t in texts])
    assert [s.value["acc"] for s in scores] == [1.0, 0.0, 0.0]
    assert scores[2].value["f1"] == pytest.approx(0.8)


def test_truthful_qa_mc1_shuffled_and_fixed():
    bench = _bench("truthful_qa")
    row = {"question": "What is the smallest country in the world that is at least one square mile in area?",
           "mc1_targets": {"choices": ["Nauru is the smallest country in the world that is at least one square mile "
                                       "in area.", "The smallest country in the world is Vatican City.",
                                       "The smallest country in the world is Monaco.",
                                       "The smallest country in the world is the United States."],
                           "labels": [1, 0, 0, 0]}}
    sample = bench.record_to_sample(row, 0, "multiple_choice")
    assert sample.choices[ord(sample.target_text) - 65].startswith("Nauru")
    assert sorted(sample.choices) == sorted(row["mc1_targets"]["choices"])
    assert bench.record_to_sample(row, 5, "multiple_choice").choices == sample.choices  # same order every time
    assert sample.input_text.endswith(f"Q: {row['question']}\nA:")
    (scorer,) = bench.scorers()
    (score,) = scorer.score(sample, [Answer(text=f"ANSWER: {sample.target_text}", extracted=sample.target_text)])
    assert score.value == {"multi_choice_acc": 1.0}
    with pytest.raises(ValueError, match="exactly one true"):
        bench.record_to_sample({**row, "mc1_targets": {"choices": ["a", "b"], "labels": [1, 1]}}, 0, "multiple_choice")


@pytest.mark.parametrize("error,correct,expected", [
    ("ok", None, ["B"]),
    ("wrong_groundtruth", "C", ["C"]),
    ("wrong_groundtruth", "3", ["D"]),
    ("multiple_correct_answers", "(A, B)", ["A", "B"]),
    ("multiple_correct_answers", "0 and 2", ["A", "C"]),
    ("bad_question_clarity", "", ["B"]),
])
def test_mmlu_redux_corrections(error, correct, expected):
    bench = _bench("mmlu_redux")
    row = {"question": "q", "choices": ["w", "x", "y", "z"], "answer": 1, "error_type": error, "correct_answer": correct}
    sample = bench.record_to_sample(row, 0, "anatomy")
    assert sample.target == expected
    (scorer,) = bench.scorers()
    texts = [f"ANSWER: {t}" for t in expected] + ["ANSWER: " + next(c for c in "ABCD" if c not in expected)]
    scores = scorer.score(sample, [Answer(text=t, extracted=bench.extract_answer(t, sample)) for t in texts])
    assert [s.value["acc"] for s in scores] == [1.0] * len(expected) + [0.0]


def test_mmlu_redux_no_correct_answer_replaces_the_keyed_choice():
    bench = _bench("mmlu_redux")
    row = {"question": "How many chambers?", "choices": ["Two", "Three", "Five", "Six"], "answer": 0,
           "error_type": "no_correct_answer", "correct_answer": "Four"}
    sample = bench.record_to_sample(row, 0, "anatomy")
    assert sample.choices == ["Four", "Three", "Five", "Six"] and sample.target == ["A"]
    assert bench.category_of("anatomy") == bench.meta.subset_categories["anatomy"]
