"""``execute`` stamps every external report with its backend and its harness's installed version."""

from importlib.metadata import version

from evalscope.backend.external import execute, harness_version
from evalscope.config import TaskConfig
from evalscope.report import Category, Metric, Report, Subset
from evalscope.report.io import read_report
from evalscope.run_dir import RunDir


class _Plugin:
    name = "Fake"

    def __init__(self, harness=None, stamped=None):
        if harness is not None:
            self.harness = harness
        self.stamped = stamped

    def translate(self, task, run_dir):
        return {"k": 1}

    def run_native(self, native, work_dir):
        pass

    def to_reports(self, native, work_dir, model_name):
        metric = Metric(name="acc", categories=[Category(subsets=[Subset(name="default", score=1.0, num=1)])])
        return [Report(name="m@t", model_name="m", dataset_name="t", backend="whatever",
                       backend_version=self.stamped, metrics=[metric])]


def test_version_of_the_named_distribution():
    assert harness_version(_Plugin("pydantic")) == f"pydantic {version('pydantic')}"
    assert harness_version(_Plugin()) is None
    assert harness_version(_Plugin("no-such-harness-dist")) is None


def test_execute_stamps_backend_and_version(tmp_path):
    run_dir = RunDir(tmp_path).create()
    (report,) = execute(_Plugin("pydantic"), TaskConfig(datasets=["t"]), run_dir, "Fake")
    assert (report.backend, report.backend_version) == ("Fake", f"pydantic {version('pydantic')}")
    assert read_report(run_dir.reports / "m" / "t.json").backend_version == report.backend_version


def test_a_version_the_plugin_set_itself_is_kept(tmp_path):
    run_dir = RunDir(tmp_path).create()
    (report,) = execute(_Plugin("pydantic", stamped="harness 9.9"), TaskConfig(datasets=["t"]), run_dir, "Fake")
    assert report.backend_version == "harness 9.9"
