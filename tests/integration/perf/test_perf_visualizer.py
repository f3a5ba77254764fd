"""`evalscope perf --visualizer wandb|swanlab` as a subprocess against the mock server, in the packages' own
offline modes; what they wrote is read back from their run files (no mocks, no network but loopback)."""

import json
import os
import pty
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from perf_cli_helpers import PerfRun

from evalscope.perf.mock_server import run_in_thread

MASK = "**********"
WANDB_KEY = "wbk" + "7" * 37  # wandb wants a 40-character key
SWANLAB_KEY = "slk" + "5" * 18
MODEL_KEY = "sk-model-secret-4242"
SWEEP = ("--parallel", "1", "2", "-n", "3", "4")
RUNS = [(1, 3), (2, 4)]


@pytest.fixture(scope="module")
def server():
    with run_in_thread(output_tokens=4, ttft_ms=2, itl_ms=1) as srv:
        yield srv


@pytest.fixture
def prompts(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text("".join(f'{{"question": "question number {i}"}}\n' for i in range(5)))
    return str(path)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment minus the user's wandb/swanlab settings and credentials (HOME is a fresh folder)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("WANDB_", "SWANLAB_")) and k not in ("NETRC", "XDG_CONFIG_HOME")}
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), **extra)
    return env


def _perf(tmp_path, server, prompts, *args: str, env: dict, stdin=subprocess.DEVNULL, python=()) -> PerfRun:
    cli = ["perf", "--url", server.url + "/chat/completions", "--model", "mock", "--dataset", "openqa",
           "--dataset-path", prompts, "--outputs-dir", str(tmp_path / "out"), "--no-timestamp", "--name", "run",
           "--log-every-n-query", "0", *args]
    cmd = [sys.executable, *python, *(cli if python else ["-m", "evalscope", *cli])]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path, stdin=stdin)
    return PerfRun(proc, tmp_path / "out" / "run")


def _numbers(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


def _assert_no_secret(*folders: Path) -> None:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                for secret in (WANDB_KEY, SWANLAB_KEY, MODEL_KEY):
                    assert secret.encode() not in data, f"{secret} written to {path}"


def _log_records(path: Path) -> list[bytes]:
    """The records of a wandb ``.wandb`` / swanlab ``.swanlab`` file: both are LevelDB-style logs (7-byte file
    header, 32 KiB blocks, records of checksum u32 + length u16 + type u8: 1 full, 2 first, 3 middle, 4 last)."""
    data, block, pos, parts, out = path.read_bytes(), 32 * 1024, 7, b"", []
    while pos + 7 <= len(data):
        if block - pos % block < 7:
            pos += block - pos % block
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        parts += data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        if kind in (1, 4):
            out.append(parts)
            parts = b""
    return out


def test_wandb_offline_one_run_with_masked_config_and_each_summary(server, tmp_path, prompts):
    pytest.importorskip("wandb", reason="wandb is not installed (pip install 'evalscope[visualizer]')")
    from wandb.proto.wandb_internal_pb2 import Record

    env = _env(tmp_path, WANDB_MODE="offline", WANDB_DIR=str(tmp_path / "wb"))
    run = _perf(tmp_path, server, prompts, *SWEEP, "--visualizer", "wandb", "--wandb-api-key", WANDB_KEY,
                "--api-key", MODEL_KEY, env=env)
    assert run.rc == 0, run.stderr
    (offline,) = (tmp_path / "wb" / "wandb").glob("offline-run-*")  # one run for the whole sweep
    (path,) = offline.glob("run-*.wandb")
    records = [Record.FromString(b) for b in _log_records(path)]
    (start,) = [r.run for r in records if r.WhichOneof("record_type") == "run"]
    assert (start.project, start.display_name) == ("perf_benchmark", "run")
    config = {i.key: json.loads(i.value_json) for i in start.config.update}
    assert config["model"] == "mock" and config["parallel"] == [1, 2] and config["number"] == [3, 4]
    assert config["wandb_api_key"] == MASK and config["api_key"] == MASK
    steps = [{i.key or "/".join(i.nested_key): json.loads(i.value_json) for i in r.history.item}
             for r in records if r.WhichOneof("record_type") == "history"]
    assert [s["_step"] for s in steps] == [0, 1]
    for step, (parallel, number) in zip(steps, RUNS):
        summary = run.summary(parallel, number)
        assert summary["Request Rate (req/s)"] is None  # closed loop: left out, never logged as 0
        logged = {k: v for k, v in step.items() if not k.startswith("_")}
        assert logged == pytest.approx(_numbers(summary))
        assert logged["Concurrency"] == parallel and logged["Total Requests"] == number
    _assert_no_secret(tmp_path / "wb", tmp_path / "out")


def test_swanlab_offline_one_run_with_masked_config_and_each_summary(server, tmp_path, prompts):
    pytest.importorskip("swanlab", reason="swanlab is not installed (pip install 'evalscope[visualizer]')")
    from swanlab.proto.swanlab.record.v1.record_pb2 import Record

    env = _env(tmp_path, SWANLAB_MODE="offline", SWANLAB_LOG_DIR=str(tmp_path / "sl"))
    run = _perf(tmp_path, server, prompts, *SWEEP, "--visualizer", "swanlab", "--swanlab-api-key", SWANLAB_KEY,
                "--api-key", MODEL_KEY, env=env)
    assert run.rc == 0, run.stderr
    (folder,) = (tmp_path / "sl").glob("run-*")
    (path,) = folder.glob("run-*.swanlab")
    records = [Record.FromString(b) for b in _log_records(path)]
    (start,) = [r.start for r in records if r.WhichOneof("record_type") == "start"]
    assert (start.project, start.name) == ("perf_benchmark", "run")
    config = {k: v["value"] for k, v in yaml.safe_load((folder / "files" / "config.yaml").read_text()).items()}
    assert config["model"] == "mock" and config["parallel"] == [1, 2]
    assert config["swanlab_api_key"] == MASK and config["api_key"] == MASK
    steps: dict[int, dict] = {}
    for r in records:
        if r.WhichOneof("record_type") == "scalar":
            steps.setdefault(r.scalar.step, {})[r.scalar.key] = r.scalar.value.number
    assert sorted(steps) == [0, 1]
    for step, (parallel, number) in enumerate(RUNS):
        summary = run.summary(parallel, number)
        assert "Request Rate (req/s)" not in steps[step]
        assert steps[step] == pytest.approx(_numbers(summary))
    _assert_no_secret(tmp_path / "sl", tmp_path / "out")


def test_swanlab_api_key_local_is_a_local_run(server, tmp_path, prompts):
    """EvalScope's convention: ``--swanlab-api-key local`` is local mode, not a key to log in with."""
    pytest.importorskip("swanlab", reason="swanlab is not installed (pip install 'evalscope[visualizer]')")
    env = _env(tmp_path, SWANLAB_LOG_DIR=str(tmp_path / "sl"))
    run = _perf(tmp_path, server, prompts, "-n", "2", "--visualizer", "swanlab", "--swanlab-api-key", "local", env=env)
    assert run.rc == 0, run.stderr
    (folder,) = (tmp_path / "sl").glob("run-*")
    assert (folder / "logs").is_dir() and list(folder.glob("logs/*/_summary.json"))  # what only local mode writes


@pytest.mark.parametrize("name", ["wandb", "swanlab"])
def test_online_without_a_key_is_a_usage_error_not_a_prompt(server, tmp_path, prompts, name):
    """stdin is a terminal, where either package would ask for a key: the run must stop with a usage error."""
    pytest.importorskip(name, reason=f"{name} is not installed (pip install 'evalscope[visualizer]')")
    leader, follower = pty.openpty()
    try:
        run = _perf(tmp_path, server, prompts, "-n", "2", "--visualizer", name, env=_env(tmp_path), stdin=follower)
    finally:
        os.close(leader)
        os.close(follower)
    assert run.rc == 2, run.stderr
    assert f"--visualizer {name} logs online and found no API key" in run.stderr
    assert f"{name.upper()}_MODE=offline" in run.stderr
    assert not (tmp_path / "out" / "run" / "parallel_1_number_2").exists()  # stopped before any load was sent


def test_unreachable_wandb_server_is_a_warning_and_the_sweep_completes(server, tmp_path, prompts):
    pytest.importorskip("wandb", reason="wandb is not installed (pip install 'evalscope[visualizer]')")
    with socket.socket() as sock:  # a loopback port with nothing listening
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = _env(tmp_path, WANDB_BASE_URL=f"http://127.0.0.1:{port}", WANDB_INIT_TIMEOUT="3",
               WANDB_DIR=str(tmp_path / "wb"))
    run = _perf(tmp_path, server, prompts, *SWEEP, "--visualizer", "wandb", "--wandb-api-key", WANDB_KEY, env=env)
    assert run.rc == 0, run.stderr
    assert "wandb could not start a run" in run.stderr and "results are on disk" in run.stderr
    assert [run.summary(p, n)["Success Requests"] for p, n in RUNS] == [3, 4]
    assert (run.root / "perf_report.html").is_file()
    _assert_no_secret(tmp_path / "wb", tmp_path / "out")


@pytest.mark.parametrize("name", ["wandb", "swanlab"])
def test_missing_package_is_a_usage_error_with_the_install_line(server, tmp_path, prompts, name):
    hide = f"import sys; sys.modules[{name!r}] = None; from evalscope.cli.main import main; sys.exit(main(sys.argv[1:]))"
    run = _perf(tmp_path, server, prompts, "-n", "2", "--visualizer", name, env=_env(tmp_path), python=("-c", hide))
    assert run.rc == 2, run.stderr
    assert f"--visualizer {name} needs the {name!r} package: pip install {name}" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_cli_does_not_import_the_visualizers():
    code = ("import sys\nfrom evalscope.cli.main import main\n"
            "try:\n    main(['perf', '--help'])\nexcept SystemExit:\n    pass\n"
            "import evalscope.perf.main\nprint(sorted({'wandb', 'swanlab'} & set(sys.modules)))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "--visualizer" in proc.stdout and proc.stdout.strip().endswith("[]")
