import pytest

from evalscope.errors import EvalscopeError
from evalscope.report import Category, Metric, Report, Subset
from evalscope.report.io import read_report, write_report
from evalscope.report.table import score_table


def _report():
    stem = Category(name="STEM", subsets=[Subset(name="a", score=1.0, num=30), Subset(name="b", score=0.0, num=10)])
    hum = Category(name=("Humanities",), subsets=[Subset(name="c", score=0.5, num=10)])
    return Report(name="m@x", model_name="m", dataset_name="x", metrics=[Metric(name="mean_acc", categories=[stem, hum])])


def test_scores_are_computed_from_subsets():
    report = _report()
    stem, hum = report.metrics[0].categories
    assert (stem.num, stem.score, stem.macro_score) == (40, 0.75, 0.5)
    assert (report.num, report.score) == (50, 0.7)
    assert report.metrics[0].macro_score == round((0.75 + 0.5) / 2, 4)


def test_no_data_is_none_not_zero():
    empty = Metric(name="mean_acc", categories=[Category(subsets=[Subset(name="a", score=None, num=0)])])
    assert empty.score is None and empty.num == 0
    assert Report(name="m@x", model_name="m", dataset_name="x").score is None


def test_round_trip_and_version_check(tmp_path):
    path = write_report(tmp_path, _report())
    assert path == tmp_path / "m" / "x.json"
    assert read_report(path) == _report()
    path.write_text(path.read_text().replace('"schema_version": 1', '"schema_version": 99'))
    with pytest.raises(EvalscopeError, match="schema_version 99 is not supported"):
        read_report(path)


def test_table_lists_subsets_and_overall():
    table = score_table([_report()])
    assert "| OVERALL | 50  | 0.7000 |" in table and "| a       | 30  | 1.0000 |" in table


def test_table_caps_the_metrics_per_report():
    subsets = [Category(subsets=[Subset(name="s", score=0.5, num=2)])]
    many = Report(name="m@x", model_name="m", dataset_name="x",
                  metrics=[Metric(name=f"metric_{i}", categories=subsets) for i in range(8)])
    table = score_table([many])
    assert "metric_4" in table and "metric_5" not in table
    assert "(+3 more metrics in the report file)" in table
