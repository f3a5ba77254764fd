"""The Report's ``backend``/``backend_version`` and the score table's Backend column."""

import json

from evalscope.report import Category, Metric, Report, Subset
from evalscope.report.io import read_report, write_report
from evalscope.report.table import backend_label, score_table


def _report(backend="Native", version=None, dataset="arc"):
    metric = Metric(name="acc", categories=[Category(subsets=[Subset(name="ARC-Challenge", score=0.5, num=4)])])
    return Report(name=f"m@{dataset}", model_name="m", dataset_name=dataset, backend=backend,
                  backend_version=version, metrics=[metric])


def test_labels_name_the_harness_and_its_version():
    assert backend_label(_report("lm-eval", "lm-eval 0.4.13")) == "lm-eval 0.4.13"
    assert backend_label(_report("OpenCompass", "ms-opencompass 0.1.6")) == "OpenCompass (ms-opencompass 0.1.6)"
    assert backend_label(_report("Native", "evalscope 0.1.0")) == "Native (evalscope 0.1.0)"
    assert backend_label(_report("RAGEval")) == "RAGEval"  # an old report: no version known


def test_one_table_a_row_per_harness():
    table = score_table([_report("Native", "evalscope 0.1.0"),
                         _report("lm-eval", "lm-eval 0.4.13", dataset="arc_challenge_local")])
    lines = table.splitlines()
    assert lines[1].split("|")[1].strip() == "Backend"
    assert "| Native (evalscope 0.1.0) | m     | arc                 | acc    | ARC-Challenge | 4   | 0.5000 |" in table
    assert "| lm-eval 0.4.13           | m     | arc_challenge_local | acc    | ARC-Challenge | 4   | 0.5000 |" in table


def test_a_native_only_table_keeps_evalscope_columns():
    table = score_table([_report("Native", "evalscope 0.1.0")])
    assert "Backend" not in table
    assert table.splitlines()[1].split("|")[1].strip() == "Model"


def test_reports_written_before_the_field_still_read(tmp_path):
    path = write_report(tmp_path, _report("lm-eval", "lm-eval 0.4.13"))
    data = json.loads(path.read_text())
    assert data["backend_version"] == "lm-eval 0.4.13"
    del data["backend_version"]
    path.write_text(json.dumps(data))
    old = read_report(path)
    assert old.backend == "lm-eval" and old.backend_version is None


def test_native_reports_carry_evalscope_s_version(tmp_path):
    from evalscope import run_task
    from evalscope.report.io import read_report
    from evalscope.version import __version__

    (report,) = run_task({"datasets": ["demo_arith"], "work_dir": str(tmp_path), "limit": 2}).values()
    assert (report.backend, report.backend_version) == ("Native", f"evalscope {__version__}")
    (path,) = list(tmp_path.rglob("reports/*/demo_arith.json"))
    assert read_report(path).backend_version == f"evalscope {__version__}"
