"""A stand-in ``vllm`` executable for the tests (no GPU): ``vllm serve MODEL --port P ...``.

It records its argv (JSON, to ``$FAKE_VLLM_ARGV``), then behaves as ``$FAKE_VLLM_MODE`` says:
- ``ok``: serves the project's mock server on the port, with the ``--served-model-name`` as its model;
- ``never_healthy``: listens nowhere and sleeps;
- ``die``: prints a CUDA out-of-memory error and exits 1 (``$FAKE_VLLM_LOG`` replaces the message);
- ``die_later``: serves, then exits after ``$FAKE_VLLM_LIFETIME`` seconds;
- ``ignore_term``: serves and ignores SIGTERM (only SIGKILL ends it).
With ``$FAKE_VLLM_SCRIPT`` (a mock-server script file) it answers by that script instead of echoing.
With ``$FAKE_VLLM_CHILD`` set it also starts a grandchild (a sleeper) whose pid it writes to that file, like
vLLM's worker processes, so tests can check that the whole process group is stopped.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time


def main() -> None:
    argv = sys.argv[1:]
    if os.environ.get("FAKE_VLLM_ARGV"):
        with open(os.environ["FAKE_VLLM_ARGV"], "w") as f:
            json.dump(argv, f)
    assert argv[0] == "serve", argv
    port = int(argv[argv.index("--port") + 1])
    name = argv[argv.index("--served-model-name") + 1]
    mode = os.environ.get("FAKE_VLLM_MODE", "ok")
    print(f"INFO fake vllm serve {argv[1]} on port {port} mode {mode}", flush=True)
    if os.environ.get("FAKE_VLLM_CHILD"):
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        with open(os.environ["FAKE_VLLM_CHILD"], "w") as f:
            f.write(str(child.pid))
    if mode == "die":
        print(os.environ.get("FAKE_VLLM_LOG", "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate"),
              flush=True)
        sys.exit(1)
    if mode == "never_healthy":
        time.sleep(600)
        return
    if mode == "ignore_term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if mode == "die_later":
        lifetime = float(os.environ.get("FAKE_VLLM_LIFETIME", "2"))
        threading.Timer(lifetime, lambda: os._exit(3)).start()
    from evalscope.perf.mock_server import MockServerConfig
    from evalscope.perf.mock_server.runner import serve

    latency = float(os.environ.get("FAKE_VLLM_LATENCY_MS", "0"))
    script = os.environ.get("FAKE_VLLM_SCRIPT")
    serve(MockServerConfig(port=port, models=[name], strict_model=True, latency_ms=latency,
                           **({"script": script, "mode": "generate"} if script else {"mode": "echo"})))


if __name__ == "__main__":
    main()
