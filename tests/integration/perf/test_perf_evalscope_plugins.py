"""Custom dataset plugins written against EvalScope's API (``register_dataset`` + ``DatasetPluginBase``,
as EvalScope's docs and users write them) run unchanged, in a script calling ``run_perf_benchmark``."""

import json
import subprocess
import sys
import textwrap

import pytest

from evalscope.perf.mock_server import run_in_thread

PLUGIN_SCRIPT = textwrap.dedent('''
    import json, sys
    from typing import Dict, Iterator, List

    from evalscope.perf.arguments import Arguments
    from evalscope.perf.main import run_perf_benchmark
    from evalscope.perf.plugin.datasets.base import DatasetPluginBase
    from evalscope.perf.plugin.registry import register_dataset


    @register_dataset("custom")
    class CustomDatasetPlugin(DatasetPluginBase):
        """Reads prompts separated by === lines and adds a system message."""

        def __init__(self, query_parameters: Arguments):
            super().__init__(query_parameters)

        def build_messages(self) -> Iterator[List[Dict]]:
            text = "".join(self.dataset_line_by_line(self.query_parameters.dataset_path))
            for prompt in text.split("==="):
                prompt = prompt.strip()
                is_valid, _ = self.check_prompt_length(prompt)
                if prompt and is_valid:
                    yield [{"role": "system", "content": "be brief"}, self.create_message(prompt)]


    url, data, out = sys.argv[1:4]
    results = run_perf_benchmark(Arguments(url=url, model="m", parallel=[2], number=[4], dataset="custom",
                                           dataset_path=data, max_prompt_length=40, outputs_dir=out,
                                           no_timestamp=True, name="plug"))
    print(json.dumps({k: v["metrics"]["Success Requests"] for k, v in results.items()}))
''')


@pytest.fixture(scope="module")
def server():
    with run_in_thread(output_tokens=3) as srv:
        yield srv


def test_an_evalscope_style_plugin_script_runs_unchanged(server, tmp_path):
    data = tmp_path / "prompts.txt"
    data.write_text("first prompt\nover two lines\n===\nsecond prompt\n===\n" + "x" * 100 + "\n===\nthird")
    script = tmp_path / "plugin_script.py"
    script.write_text(PLUGIN_SCRIPT)
    proc = subprocess.run([sys.executable, str(script), server.url + "/chat/completions", str(data), str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {"parallel_2_number_4": 4}
    prompts = server.stats()["prompts"]  # last user message -> count
    assert set(prompts) == {"first prompt\nover two lines", "second prompt", "third"}  # the long one filtered
    from evalscope.perf.storage import read_db

    rows = read_db(tmp_path / "out" / "plug" / "parallel_2_number_4" / "benchmark_data.db")
    assert all(json.loads(r["request"])["messages"][0] == {"role": "system", "content": "be brief"} for r in rows)


def test_custom_without_a_plugin_reads_lines_as_in_evalscope(server, tmp_path):
    from perf_cli_helpers import PerfRun

    data = tmp_path / "lines.txt"
    data.write_text("alpha\n\nbeta\n")
    cmd = [sys.executable, "-m", "evalscope", "perf", "--url", server.url, "--model", "m", "--dataset", "custom",
           "--dataset-path", str(data), "-n", "2", "--outputs-dir", str(tmp_path), "--no-timestamp", "--name", "c",
           "--no-test-connection", "--no-html"]
    run = PerfRun(subprocess.run(cmd, capture_output=True, text=True, timeout=60), tmp_path / "c")
    assert run.rc == 0, run.stderr
    assert sorted(json.loads(r["request"])["messages"][-1]["content"] for r in run.rows(1, 2)) == ["alpha", "beta"]


def test_a_plugin_yielding_junk_is_a_clear_error(tmp_path):
    from evalscope.errors import DatasetError, UsageError
    from evalscope.perf.datasets import load_items
    from evalscope.perf.main import perf_args_from
    from evalscope.perf.plugin.datasets.base import DatasetPluginBase
    from evalscope.perf.plugin.registry import register_api, register_dataset

    @register_dataset(["junk_for_test"])
    class Junk(DatasetPluginBase):
        def build_messages(self):
            yield 42

    with pytest.raises(DatasetError, match="Junk.build_messages\\(\\) item 0: expected a prompt string"):
        load_items(perf_args_from({"model": "m", "dataset": "junk_for_test"}), 1)
    with pytest.raises(UsageError, match="EvalScope-style API plugins are not supported"):
        register_api("mine")(type("Mine", (), {}))
