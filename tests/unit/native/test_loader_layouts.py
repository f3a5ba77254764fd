"""Local data layouts, readers, and their error messages (tmp files, real benchmark classes)."""

import json

import pytest

from evalscope.benchmarks import get_benchmark
from evalscope.config import load_task
from evalscope.data.readers import read_rows
from evalscope.errors import DatasetError
from evalscope.native.loader import find_file, iter_split


def _touch(path, text="{}\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize("rel", [
    "abc_test.jsonl", "test/abc_test.csv", "abc/test.parquet", "abc/ABC-Test.jsonl", "abc/abc_test.tsv",
])
def test_find_file_layouts(tmp_path, rel):
    expected = _touch(tmp_path / rel)
    assert find_file(tmp_path, "abc", "test", single_subset=False) == expected


def test_single_subset_split_files_and_aliases(tmp_path):
    test = _touch(tmp_path / "test.jsonl")
    assert find_file(tmp_path, "main", "test", single_subset=True) == test
    assert find_file(tmp_path, "main", "test", single_subset=False) is None
    val = _touch(tmp_path / "main_val.jsonl")
    assert find_file(tmp_path, "main", "validation", single_subset=False) == val


def test_malformed_jsonl_names_file_and_line(tmp_path):
    path = _touch(tmp_path / "d.jsonl", '{"a": 1}\n{"a": \n')
    with pytest.raises(DatasetError, match=r"d.jsonl:2: malformed JSON line"):
        list(read_rows(path))
    path = _touch(tmp_path / "e.jsonl", '{"a": 1}\n[1, 2]\n')
    with pytest.raises(DatasetError, match=r"e.jsonl:2: expected a JSON object"):
        list(read_rows(path))


def test_csv_rows_with_missing_columns(tmp_path):
    path = _touch(tmp_path / "x.csv", "question,A,B,answer\nq1,a,b,A\nq2,a\n")
    rows = read_rows(path)
    assert next(rows) == {"question": "q1", "A": "a", "B": "b", "answer": "A"}
    with pytest.raises(DatasetError, match=r"x.csv:3: row has 2 of 4 columns"):
        next(rows)


def test_headerless_csv_and_json_list(tmp_path):
    path = _touch(tmp_path / "m.csv", '"What, is it?",a,b,c,d,B\n')
    assert list(read_rows(path, ("question", "A", "B", "C", "D", "answer")))[0]["question"] == "What, is it?"
    path = _touch(tmp_path / "j.json", json.dumps({"data": [{"q": 1}, {"q": 2}]}))
    assert [r["q"] for r in read_rows(path)] == [1, 2]


def test_missing_files_and_local_hub_give_a_hint(tmp_path):
    task = load_task({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"local_path": str(tmp_path)}}})
    bench = get_benchmark("gsm8k", task)
    with pytest.raises(DatasetError, match="no data file for subset 'main' split 'test'"):
        list(iter_split(bench, task, "main", "test"))
    task = load_task({"datasets": ["gsm8k"], "dataset_hub": "local"})
    with pytest.raises(DatasetError, match="local_path"):
        list(iter_split(get_benchmark("gsm8k", task), task, "main", "test"))
    task = load_task({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"local_path": str(tmp_path / "nope")}}})
    with pytest.raises(DatasetError, match="does not exist"):
        list(iter_split(get_benchmark("gsm8k", task), task, "main", "test"))


def test_hub_without_client_says_how_to_use_local_files():
    # the hub clients are optional; without them the error must say what to do
    try:
        import modelscope  # noqa: F401
        pytest.skip("modelscope is installed; this checks the message without it")
    except ImportError:
        pass
    task = load_task({"datasets": ["gsm8k"]})
    with pytest.raises(DatasetError, match=r"evalscope\[hub\].*local_path"):
        list(iter_split(get_benchmark("gsm8k", task), task, "main", "test"))


def test_dataset_dir_mirror(tmp_path):
    _touch(tmp_path / "gsm8k" / "test.jsonl", json.dumps({"question": "1+1?", "answer": "x #### 2"}) + "\n")
    task = load_task({"datasets": ["gsm8k"], "dataset_dir": str(tmp_path), "dataset_hub": "local"})
    rows = list(iter_split(get_benchmark("gsm8k", task), task, "main", "test"))
    assert rows == [{"question": "1+1?", "answer": "x #### 2"}]


def test_unreachable_hugging_face_hub_says_how_to_use_local_files(monkeypatch, tmp_path):
    # set before the client is imported: it reads these once
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "hf" / "datasets"))
    pytest.importorskip("datasets", reason="the Hugging Face datasets client is not installed")
    task = load_task({"datasets": ["gsm8k"], "dataset_hub": "huggingface"})
    with pytest.raises(DatasetError, match=r"could not load 'openai/gsm8k' \(main/test\) from huggingface.*local_path"):
        list(iter_split(get_benchmark("gsm8k", task), task, "main", "test"))


def test_a_row_without_the_benchmark_fields_names_the_file_and_row(tmp_path):
    from evalscope.display import NullDisplay
    from evalscope.native.engine import BenchmarkRun
    from evalscope.run_dir import RunDir

    _touch(tmp_path / "test.jsonl", json.dumps({"question": "q", "answer": "a #### 1"}) + "\n"
           + json.dumps({"query": "q2"}) + "\n")
    task = load_task({"datasets": ["gsm8k"], "dataset_args": {"gsm8k": {"local_path": str(tmp_path),
                                                                        "few_shot_num": 0}}})
    run = BenchmarkRun(get_benchmark("gsm8k", task), task, None, RunDir(tmp_path / "run"), NullDisplay())
    with pytest.raises(DatasetError, match=r"test.jsonl: row 2 is not a valid gsm8k record \(missing field '(question|answer)'\); its fields: query"):
        run.plan()


@pytest.mark.parametrize("hub", ["huggingface", "modelscope"])
def test_subsets_from_a_column_read_the_hubs_default_config_and_keep_their_own_rows(monkeypatch, hub):
    """MATH-500's levels are a column of one hub dataset, not hub configs: asking the hub for a config
    named "Level 1" fails there; the default config is read and each level keeps its own rows."""
    import sys
    import types

    rows = [{"problem": "1+1", "answer": "2", "level": 1, "unique_id": "a"},
            {"problem": "2+2", "answer": "4", "level": 2, "unique_id": "b"},
            {"problem": "3+3", "answer": "6", "level": 1, "unique_id": "c"}]
    calls = []

    def load_dataset(dataset_id, config=None, split=None, revision=None):
        calls.append((dataset_id, config, split))
        return iter(rows)

    def ms_load(dataset_id, subset_name=None, split=None):
        calls.append((dataset_id, subset_name, split))
        return iter(rows)

    if hub == "huggingface":
        monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    else:
        msdatasets = types.ModuleType("modelscope.msdatasets")
        msdatasets.MsDataset = types.SimpleNamespace(load=ms_load)
        monkeypatch.setitem(sys.modules, "modelscope", types.ModuleType("modelscope"))
        monkeypatch.setitem(sys.modules, "modelscope.msdatasets", msdatasets)
    task = load_task({"datasets": ["math_500"], "dataset_hub": hub})
    got = [r["unique_id"] for r in iter_split(get_benchmark("math_500", task), task, "Level 1", "test")]
    assert got == ["a", "c"]
    default = None if hub == "huggingface" else "default"
    assert [c[1] for c in calls] == [default]


def test_subsets_that_are_hub_configs_are_asked_by_name(monkeypatch):
    import sys
    import types

    calls = []

    def load_dataset(dataset_id, config=None, split=None, revision=None):
        calls.append((dataset_id, config, split))
        return iter([{"Question": "q", "A": "1", "B": "2", "C": "3", "D": "4", "Answer": "A"}])

    monkeypatch.setitem(sys.modules, "datasets", types.SimpleNamespace(load_dataset=load_dataset))
    task = load_task({"datasets": ["cmmlu"], "dataset_hub": "huggingface"})
    rows = list(iter_split(get_benchmark("cmmlu", task), task, "anatomy", "test"))
    assert len(rows) == 1 and calls == [("haonan-li/cmmlu", "anatomy", "test")]
