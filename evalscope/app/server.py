"""The viewer's ASGI app (Starlette): GET-only routes over the run store, scoped file serving, optional token.

Routes are plain functions: Starlette runs them in its thread pool, so a page that reads files never blocks the
event loop (nor the other requests).

Security: every response forbids framing and inline script (CSP ``script-src 'self'``); a ``Host`` header that
is not the bound loopback name is refused (no DNS rebinding); with a token, every request needs it (the
``token`` query parameter once, then a cookie, or ``Authorization: Bearer``); nothing writes.
"""

from __future__ import annotations

import contextlib
import hmac
import mimetypes
from pathlib import Path
from typing import Optional

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from evalscope.app.compare_page import compare_page
from evalscope.app.pages import filter_runs, run_page, runs_page
from evalscope.app.perf_page import perf_page
from evalscope.app.samples_page import samples_page
from evalscope.report.store import OutsideRoots, RunStore, SampleQuery, UnknownRun

STATIC = Path(__file__).parent / "static"
OWN_ASSETS = {"app.js": "text/javascript", "app.css": "text/css"}
COOKIE = "evalscope_app_token"
HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                                      "script-src 'self' 'unsafe-eval'; frame-ancestors 'none'",
           "X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}


def plotly_js() -> Optional[Path]:
    try:
        import plotly
    except ImportError:
        return None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    return path if path.is_file() else None


def _query(request: Request) -> SampleQuery:
    p = request.query_params
    model, bench = p.get("model"), p.get("benchmark")
    if p.get("pick") and "|" in p["pick"]:
        model, bench = p["pick"].split("|", 1)
    try:
        return SampleQuery(model=model, benchmark=bench, subset=p.get("subset") or None,
                           status=p.get("status") or "all", q=p.get("q") or "",
                           offset=int(p.get("offset") or 0), limit=int(p.get("limit") or 50))
    except ValueError as exc:
        raise BadRequest(str(exc).splitlines()[0]) from None


class BadRequest(ValueError):
    pass


def create_app(store: RunStore, token: Optional[str] = None, allowed_hosts: Optional[list[str]] = None) -> Starlette:
    """The viewer over ``store``. ``allowed_hosts``: accepted ``Host`` names (``None``: any)."""

    def runs(request: Request) -> Response:
        p = request.query_params
        return HTMLResponse(runs_page(store, p.get("q", ""), p.get("kind", ""), p.get("status", "")))

    def run(request: Request) -> Response:
        run_id = request.query_params.get("id", "")
        if store.run(run_id).kind == "perf":
            return RedirectResponse(f"/perf?id={run_id}", status_code=302)
        return HTMLResponse(run_page(store, run_id))

    def samples(request: Request) -> Response:
        return HTMLResponse(samples_page(store, request.query_params.get("id", ""), _query(request)))

    def perf(request: Request) -> Response:
        p = request.query_params
        return HTMLResponse(perf_page(store, p.get("id", ""), p.get("point")))

    def compare(request: Request) -> Response:
        p = request.query_params
        return HTMLResponse(compare_page(store, p.getlist("run"), p.get("benchmark")))

    def media(request: Request) -> Response:
        p = request.query_params
        try:
            path = store.media_file(p.get("id", ""), p.get("src", ""))
        except OutsideRoots:  # the reason stays on the samples page: here it would tell what exists outside
            return PlainTextResponse("forbidden: not an image, audio or video file inside the served roots",
                                     status_code=403)
        return FileResponse(path, media_type=mimetypes.guess_type(path.name)[0])

    own = {name: (STATIC / name).read_bytes() for name in OWN_ASSETS}  # small: served from memory

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name in own:  # no thread hop: these come first on every page, also while an index is being built
            return Response(own[name], media_type=OWN_ASSETS[name], headers={"Cache-Control": "max-age=3600"})
        path = plotly_js() if name == "plotly.min.js" else None
        if path is None:
            return PlainTextResponse("not found", status_code=404)
        return FileResponse(path, headers={"Cache-Control": "max-age=3600"})

    def api_runs(request: Request) -> Response:
        p = request.query_params
        shown = filter_runs(store.runs(), p.get("q", ""), p.get("kind", ""), p.get("status", ""))
        return JSONResponse([r.model_dump(mode="json") for r in shown])

    def api_samples(request: Request) -> Response:
        wait = 0.0 if request.query_params.get("nowait") else None
        page = store.samples(request.query_params.get("id", ""), _query(request), wait=wait)
        return JSONResponse(page.model_dump(mode="json"))

    routes = [Route("/", runs), Route("/run", run), Route("/samples", samples), Route("/perf", perf),
              Route("/compare", compare), Route("/media", media), Route("/static/{name}", static),
              Route("/api/runs", api_runs), Route("/api/samples", api_samples)]
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        store.warm_up()  # the runs list is read while the browser opens
        yield

    app = Starlette(routes=routes, exception_handlers={UnknownRun: _not_found, BadRequest: _bad_request},
                    lifespan=lifespan)
    app.add_middleware(_Guard, token=token, allowed_hosts=allowed_hosts)
    return app


def _hostname(header: str) -> str:
    """``Host`` header without its port (``[::1]:7860`` -> ``[::1]``)."""
    if header.startswith("["):
        return header.split("]")[0] + "]"
    return header.rsplit(":", 1)[0]


async def _not_found(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"not found: {exc}", status_code=404)


async def _bad_request(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"bad request: {exc}", status_code=400)


class _Guard:
    """Host check, token check, read-only methods and the security headers, before any route runs."""

    def __init__(self, app, token: Optional[str], allowed_hosts: Optional[list[str]]) -> None:
        self.app, self.token, self.allowed = app, token, allowed_hosts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        response = self._refuse(request)
        if response is None and self.token and request.query_params.get("token"):
            # a valid token in the URL: set the cookie and drop the token from the address bar
            clean = request.url.remove_query_params("token")
            response = RedirectResponse(clean.path + (f"?{clean.query}" if clean.query else ""), 303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
        if response is not None:
            response.headers.update(HEADERS)
            return await response(scope, receive, send)

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k.lower().encode(), v.encode()) for k, v in HEADERS.items() if k.lower().encode() not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refuse(self, request: Request) -> Optional[Response]:
        if request.method not in ("GET", "HEAD"):
            return PlainTextResponse("read-only viewer: only GET and HEAD", status_code=405, headers={"Allow": "GET, HEAD"})
        host = _hostname(request.headers.get("host") or "")
        if self.allowed is not None and host not in self.allowed:
            return PlainTextResponse(f"forbidden host {host!r}", status_code=403)
        if self.token:
            given = request.query_params.get("token") or request.cookies.get(COOKIE) or ""
            auth = request.headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                given = auth[7:]
            if not hmac.compare_digest(given.encode(), self.token.encode()):
                return PlainTextResponse("unauthorized: open the URL printed at start-up (it carries ?token=...)",
                                         status_code=401)
        return None
