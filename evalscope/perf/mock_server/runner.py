"""Start the mock server: in a background thread (tests), a subprocess (benches), or the foreground (CLI)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
import threading
import urllib.request
from pathlib import Path
from typing import Any, Optional, Sequence

from evalscope.perf.mock_server.config import MockServerConfig


def make_runner(app):
    """An ``AppRunner`` whose connections stamp when request bytes arrive (``protocol.evalscope_arrival``),
    so the applied TTFT counts from the request's arrival, the server's own queueing included: the
    kernel's receive time on a ``StampedTransport`` (see ``stamped.py``), else the read time."""
    from time import perf_counter

    from aiohttp import web
    from aiohttp.web_protocol import RequestHandler
    from aiohttp.web_server import Server

    class StampingHandler(RequestHandler):
        __slots__ = ("evalscope_arrival",)

        def data_received(self, data: bytes) -> None:
            self.evalscope_arrival = getattr(self.transport, "last_arrival", None) or perf_counter()
            super().data_received(data)

    class StampingServer(Server):
        def __call__(self) -> RequestHandler:
            return StampingHandler(self, loop=self._loop, **self._kwargs)

    class StampingRunner(web.AppRunner):
        async def _make_server(self) -> Server:
            server = await super()._make_server()
            if type(server) is Server:
                server.__class__ = StampingServer
            return server

    return StampingRunner(app, access_log=None, handler_cancellation=True)


async def start_site(runner, host: str, port: int):
    """Listen on ``host:port`` for ``runner`` (set up); returns (site, port). Kernel-stamped on Linux."""
    from aiohttp import web

    from evalscope.perf.mock_server.stamped import StampedServer, kernel_stamps_supported

    if kernel_stamps_supported():
        site = StampedServer(runner.server, host, port)
        site.start()
        return site, site.port
    site = web.TCPSite(runner, host, port, backlog=4096)
    await site.start()
    return site, runner.addresses[0][1]


def _make_config(config: Optional[MockServerConfig], overrides: dict[str, Any]) -> MockServerConfig:
    base = config.model_dump() if config is not None else {}
    return MockServerConfig.model_validate({**base, **overrides})


class _HttpControl:
    """Stats/reset/config over HTTP; shared by both handles."""

    root: str
    api_key: Optional[str] = None
    """Sent as the bearer token of the control routes (they need it when the server has one)."""

    @property
    def url(self) -> str:
        """Base URL of the OpenAI API, e.g. ``http://127.0.0.1:PORT/v1``."""
        return self.root + "/v1"

    def _call(self, path: str, body: Optional[dict] = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.root + path, data=data, method="GET" if body is None else "POST")
        req.add_header("Content-Type", "application/json")
        if self.api_key is not None:
            req.add_header("Authorization", f"Bearer {self.api_key}")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read())

    def stats(self, requests: bool = False) -> dict[str, Any]:
        """``GET /mock/stats``: totals, per-endpoint, per-prompt counts, applied timings."""
        return self._call("/mock/stats" + ("?requests=1" if requests else ""))

    def reset(self) -> None:
        """``POST /mock/reset``: clear every counter."""
        self._call("/mock/reset", {})

    def update_config(self, **changes: Any) -> dict[str, Any]:
        """``POST /mock/config``: change settings (e.g. ``ttft_ms=50``, ``script=[...]``) at runtime."""
        out = self._call("/mock/config", changes)
        self.api_key = out.get("api_key")
        return out

    def __enter__(self):
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()  # type: ignore[attr-defined]


class ThreadServer(_HttpControl):
    """A mock server running its own event loop in a daemon thread."""

    def __init__(self, config: MockServerConfig) -> None:
        self.config = config
        self.api_key = config.api_key
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None
        self._runner = None
        self._site = None
        self.port: int = 0
        self._thread = threading.Thread(target=self._run, name="mock-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(30) or self._error is not None:
            raise RuntimeError(f"mock server did not start: {self._error}")
        self.root = f"http://{_netloc(config.host)}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        _close_site(self._site)
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    async def _start(self) -> None:

        from evalscope.perf.mock_server.app import build_app

        self.app = build_app(self.config)
        self._runner = make_runner(self.app)
        await self._runner.setup()
        self._site, self.port = await start_site(self._runner, self.config.host, self.config.port)

    def stats(self, requests: bool = False) -> dict[str, Any]:
        from evalscope.perf.mock_server.app import STATE_KEY

        async def snap() -> dict[str, Any]:
            return json.loads(json.dumps(self.app[STATE_KEY].snapshot(requests)))

        return asyncio.run_coroutine_threadsafe(snap(), self._loop).result(30)

    def stop(self) -> None:
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)


class SubprocessServer(_HttpControl):
    """A mock server in a child process (``python -m evalscope mock-server``), optionally CPU-pinned."""

    def __init__(self, config: MockServerConfig, cpus: Optional[Sequence[int]] = None, python: str = sys.executable) -> None:
        self.api_key = config.api_key
        self._tmp = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(config.model_dump(), self._tmp)
        self._tmp.close()
        cmd = [python, "-m", "evalscope", "mock-server", "--config", self._tmp.name, "--port", str(config.port)]
        if cpus:
            cmd = ["taskset", "-c", ",".join(str(c) for c in cpus)] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.proc.stdout.readline().strip() if self.proc.stdout else ""
        if not line.startswith("http"):
            self.proc.kill()
            raise RuntimeError(f"mock server did not start (printed {line!r})")
        self.root = line[: -len("/v1")] if line.endswith("/v1") else line
        self.port = int(self.root.rsplit(":", 1)[1])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        Path(self._tmp.name).unlink(missing_ok=True)


def _netloc(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address goes in brackets in a URL


def _close_site(site) -> None:
    from evalscope.perf.mock_server.stamped import StampedServer

    if isinstance(site, StampedServer):
        site.close()  # a TCPSite is closed by runner.cleanup()


def run_in_thread(config: Optional[MockServerConfig] = None, **overrides: Any) -> ThreadServer:
    """Start a mock server on 127.0.0.1 (a free port unless ``port`` is given) in a background thread.

    ``with run_in_thread(ttft_ms=50, script=[{"contains": "2+2", "reply": "4"}]) as server: ...``
    """
    return ThreadServer(_make_config(config, overrides))


def run_in_subprocess(
    config: Optional[MockServerConfig] = None, cpus: Optional[Sequence[int]] = None, **overrides: Any
) -> SubprocessServer:
    """Start a mock server in a child process (pinned to ``cpus`` with ``taskset`` when given)."""
    return SubprocessServer(_make_config(config, overrides), cpus=cpus)


def serve(config: MockServerConfig, announce=None) -> None:
    """Run in the foreground until interrupted; ``announce(url)`` is called once listening."""

    from evalscope.errors import UsageError
    from evalscope.perf.mock_server.app import build_app

    async def main() -> None:
        runner = make_runner(build_app(config))
        await runner.setup()
        try:
            site, port = await start_site(runner, config.host, config.port)
        except OSError as exc:  # an unresolvable host, a port in use or not ours
            await runner.cleanup()
            raise UsageError(f"mock-server: cannot listen on {config.host}:{config.port}: "
                             f"{exc.strerror or exc}") from None
        if announce is not None:
            announce(f"http://{_netloc(config.host)}:{port}/v1")
        try:
            await asyncio.Event().wait()
        finally:
            _close_site(site)
            await runner.cleanup()

    from evalscope.perf import event_loop

    try:
        event_loop.run(main())  # uvloop when installed: less of the server's own overhead in its timings
    except KeyboardInterrupt:
        pass
