"""Aggregators over repeats, against values worked out by hand from their definitions."""

from math import comb

import pytest

from evalscope.errors import ConfigError
from evalscope.metrics.aggregators import aggregate, pass_at_k, pass_hat_k, resolve


def test_pass_at_k_is_the_unbiased_estimator():
    # n=5 repeats, c=2 correct: pass@1 = c/n, pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)
    assert pass_at_k(5, 2, 4) == 1.0  # n - c < k: any 4 draws include a correct one
    assert pass_at_k(5, 0, 3) == 0.0


def test_pass_hat_k_needs_every_draw_correct():
    assert pass_hat_k(4, 3, 2) == pytest.approx(comb(3, 2) / comb(4, 2))
    assert pass_hat_k(4, 4, 4) == 1.0 and pass_hat_k(4, 3, 4) == 0.0


def test_evalscope_compositions_name_metrics_as_its_reports():
    chain = resolve("mean_and_pass_at_k")
    values = aggregate(chain, [{"acc": 1.0}, {"acc": 0.0}, {"acc": 0.0}], ["7", "8", "8"])
    assert values == pytest.approx({"mean_acc": 1 / 3, "mean_acc_pass@1": 1 / 3, "mean_acc_pass@2": 2 / 3,
                                    "mean_acc_pass@3": 1.0})
    hat = aggregate(resolve("mean_and_pass_hat_k"), [{"acc": 1.0}, {"acc": 1.0}, {"acc": 0.0}], ["a", "a", "b"])
    assert hat["mean_acc_pass^2"] == pytest.approx(1 / 3) and hat["mean_acc_pass^3"] == 0.0


def test_majority_vote_takes_the_most_frequent_answer_of_the_first_k():
    # repeat answers: right "7", then wrong "8" twice: vote@1 right, vote@2 tie -> first seen ("7"), vote@3 "8"
    values = aggregate(resolve(["maj@k"]), [{"acc": 1.0}, {"acc": 0.0}, {"acc": 0.0}], ["7", "8", "8"])
    assert values == {"mean_acc_vote@1": 1.0, "mean_acc_vote@2": 1.0, "mean_acc_vote@3": 0.0}


def test_several_metrics_and_unknown_names():
    values = aggregate(resolve("mean"), [{"acc": 1.0, "f1": 0.5}, {"acc": 0.0, "f1": 0.25}], ["x", "y"])
    assert values == {"mean_acc": 0.5, "mean_f1": 0.375}
    with pytest.raises(ConfigError, match="pass@k"):
        resolve("pass_at_k")
