"""The read-only web viewer: a Starlette application over one store.

Pages work without JavaScript (plain links and GET forms; the URL holds the filter); htmx
(vendored in ``static/``) only makes navigation smoother, and ``viewer.js`` shows dates in
the browser's locale and zone and runs the live tail. The Content-Security-Policy allows
scripts and styles from this server only (no inline script, no eval), and every record
string goes through Jinja2's autoescaping (or ``html.escape`` in report fragments)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from urllib.parse import parse_qsl

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seaudit.errors import SeauditError
from seaudit.query.expr import Cmp
from seaudit.query.spec import Filter
from seaudit.store import Store
from seaudit.web import views
from seaudit.web.auth import COOKIE, Token
from seaudit.web.filters import PageFilter, form_fields, read_filter
from seaudit.web.paging import by_seq, window

PAGE = 50
MAX_PAGE = 500
NEIGHBOURS = 5
LIVE_INTERVAL = 0.5  # seconds between looks at the log for the live tail
#: download name -> export format
DOWNLOADS: dict[str, tuple[str, str]] = {
    "csv": ("csv", "text/csv; charset=utf-8"),
    "jsonl": ("jsonl", "application/x-ndjson"),
    "ocsf": ("ocsf", "application/x-ndjson"),
}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
#: paths anyone may reach (the login form, its assets, the health check)
OPEN_PATHS = ("/login", "/static/", "/healthz")


def local_zone() -> tzinfo:
    """This machine's zone: what the records' times are read in unless told otherwise."""
    return datetime.now().astimezone().tzinfo or UTC


@dataclass(frozen=True, slots=True)
class Settings:
    """``zone``: the zone the records' (zone-less) times were recorded in."""

    root: Path
    token: Token | None = None
    zone: tzinfo = field(default_factory=local_zone)
    clock: Callable[[], datetime] = datetime.now


def create_app(settings: Settings) -> Starlette:
    store = Store(settings.root)
    env = Environment(
        loader=PackageLoader("seaudit.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )

    def page(request: Request, template: str, code: int = 200, **context: object) -> HTMLResponse:
        authed = settings.token is not None
        html = env.get_template(template).render(authed=authed, **context)
        return HTMLResponse(html, status_code=code)

    def filter_of(request: Request) -> PageFilter:
        return read_filter(request.query_params.multi_items(), settings.clock)

    async def records(request: Request) -> Response:
        q = request.query_params
        try:
            flt = filter_of(request)
            size = _int(q.get("size"), PAGE, 1, MAX_PAGE)
            before, after = _seq(q.get("before")), _seq(q.get("after"))
        except (SeauditError, ValueError) as exc:
            return page(
                request,
                "records.html",
                400,
                form=form_fields(request.query_params.multi_items()),
                error=str(exc),
                rows=[],
                newest=True,
                query="",
                live_query="",
                newer=None,
                older=None,
            )
        newest = q.get("order", "newest") != "log"
        if before is not None:
            down, bound = True, before
        elif after is not None:
            down, bound = False, after
        else:  # the first page: the end of the log, or its start
            down, bound = newest, None
        mark = await run_in_threadpool(store.last_seq)
        win = await run_in_threadpool(
            window, store, flt.filter, bound, down=down, limit=size, light=True
        )
        entries = list(win.entries)  # nearest the bound first
        if newest != down:
            entries.reverse()
        rows = [views.row(s, r, settings.zone) for s, r in entries]
        more_above = win.more if not down else bound is not None
        more_below = win.more if down else bound is not None
        newer = older = None
        if rows:
            hi, lo = max(r.seq for r in rows), min(r.seq for r in rows)
            keep = {"order": None if newest else "log", "size": None if size == PAGE else size}
            up = flt.query(**keep, after=hi) if more_above else None
            below = flt.query(**keep, before=lo) if more_below else None
            newer, older = (up, below) if newest else (below, up)
        return page(
            request,
            "records.html",
            form=form_fields(flt.params),
            error=None,
            rows=rows,
            newest=newest,
            query=flt.query(),
            live_query=flt.query(after=mark),
            newer=newer,
            older=older,
        )

    async def record(request: Request) -> Response:
        seq = int(request.path_params["seq"])
        found = await run_in_threadpool(by_seq, store, seq)
        if found is None:
            return page(request, "error.html", 404, heading="404", message=f"no record {seq}")
        detail = views.detail(seq, found[1], settings.zone)
        session = found[1].session_id
        neighbours: list[views.Row] = []
        if session:
            same = Filter(Cmp("session_id", "=", session))
            below = await run_in_threadpool(window, store, same, seq, down=True, limit=NEIGHBOURS)
            above = await run_in_threadpool(window, store, same, seq, down=False, limit=NEIGHBOURS)
            entries = [*reversed(below.entries), (seq, found[1]), *above.entries]
            neighbours = [views.row(s, r, settings.zone) for s, r in entries]
        return page(
            request,
            "record.html",
            d=detail,
            session=views.text(session) if session else "",
            neighbours=neighbours,
        )

    async def live(request: Request) -> Response:
        try:
            flt = filter_of(request)
            after = _seq(request.query_params.get("after"))
        except (SeauditError, ValueError) as exc:
            return PlainTextResponse(str(exc), 400)
        start = after if after is not None else await run_in_threadpool(store.last_seq)
        pred = flt.filter.predicate()

        def fresh(last: int) -> tuple[int, list[str]]:
            out = []
            for seq, rec in store.tail(last):
                last = seq
                if pred(rec):
                    data = json.dumps(views.as_json(views.row(seq, rec, settings.zone)))
                    out.append(f"id: {seq}\nevent: record\ndata: {data}\n\n")
            return last, out

        async def events() -> AsyncIterator[str]:
            last = start
            yield ": live tail\n\n"
            while not await request.is_disconnected():
                last, out = await run_in_threadpool(fresh, last)
                for item in out:
                    yield item
                await asyncio.sleep(LIVE_INTERVAL)

        return StreamingResponse(
            events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
        )

    async def download(request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in DOWNLOADS:
            return page(request, "error.html", 404, heading="404", message="no such download")
        try:
            flt = filter_of(request)
        except SeauditError as exc:
            return PlainTextResponse(str(exc), 400)
        from seaudit.export import get_format
        from seaudit.web.stream import stream

        name, media = DOWNLOADS[kind]
        fmt = get_format(name)

        def write(sink: object) -> None:
            fmt.write((r for _, r in store.select(flt.filter)), sink)  # type: ignore[arg-type]

        return StreamingResponse(
            iterate_in_threadpool(stream(write)),
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="seaudit.{kind}"'},
        )

    async def report_list(request: Request) -> Response:
        from seaudit.report import reports

        try:
            flt = filter_of(request)
        except SeauditError:
            flt = read_filter([], settings.clock)
        return page(request, "reports.html", reports=reports(), query=flt.query())

    async def report_page(request: Request) -> Response:
        from seaudit.query.text import to_text
        from seaudit.report import REPORTS, get_report, run_report
        from seaudit.report.html import render_fragment

        name = request.path_params["name"]
        if name not in REPORTS:
            return page(request, "error.html", 404, heading="404", message="no such report")
        report = get_report(name)
        try:
            flt = filter_of(request)
        except SeauditError as exc:
            return page(
                request,
                "report.html",
                400,
                name=name,
                title=report.title,
                form=form_fields(request.query_params.multi_items()),
                error=str(exc),
                body="",
            )
        result = await run_in_threadpool(
            run_report, store, name, flt.filter, filter_text=to_text(flt.filter.expr)
        )
        return page(
            request,
            "report.html",
            name=name,
            title=report.title,
            form=form_fields(flt.params),
            error=None,
            body=Markup(render_fragment(result)),  # every value escaped by it
        )

    async def healthz(request: Request) -> Response:
        def readable() -> int:
            return store.last_seq()

        try:
            last = await run_in_threadpool(readable)
        except Exception as exc:  # any failure to read the store is "unhealthy"
            return PlainTextResponse(f"store not readable: {type(exc).__name__}", 503)
        return PlainTextResponse(f"ok {last}\n")

    async def login_form(request: Request) -> Response:
        return page(request, "login.html", refused=False)

    async def login(request: Request) -> Response:
        body = (await request.body())[:4096].decode("utf-8", "replace")
        token = dict(parse_qsl(body)).get("token", "")
        if settings.token is None or not settings.token.matches(token):
            return page(request, "login.html", 401, refused=True)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(COOKIE, token, httponly=True, samesite="strict")
        return response

    async def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    routes = [
        Route("/", records),
        Route("/record/{seq:int}", record),
        Route("/live", live),
        Route("/download.{kind}", download),
        Route("/reports", report_list),
        Route("/reports/{name}", report_page),
        Route("/healthz", healthz),
        Route("/login", login_form, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout),
        Mount("/static", StaticFiles(packages=[("seaudit.web", "static")]), name="static"),
    ]

    def refuse(request: Request) -> Response:
        response = page(request, "login.html", 401, refused=False)
        response.headers["WWW-Authenticate"] = 'Bearer realm="seaudit"'
        return response

    return Starlette(
        routes=routes, middleware=[Middleware(Guard, token=settings.token, refuse=refuse)]
    )


class Guard:
    """Every response gets the security headers and a ``Server-Timing`` header (the time to
    its first byte, which ``bench/bench_web.py`` reads); every request but ``OPEN_PATHS``
    needs the token when there is one. Plain ASGI (not ``BaseHTTPMiddleware``), so streamed
    responses (downloads, the live tail) stream and see their client go away."""

    def __init__(
        self, app: ASGIApp, token: Token | None, refuse: Callable[[Request], Response]
    ) -> None:
        self.app = app
        self.token = token
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = time.perf_counter()

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                spent = (time.perf_counter() - started) * 1000
                headers["Server-Timing"] = f"app;dur={spent:.1f}"
            await send(message)

        request = Request(scope)
        token = self.token
        if (
            token is not None
            and not request.url.path.startswith(OPEN_PATHS)
            and not token.admits(request.headers.get("authorization"), request.cookies.get(COOKIE))
        ):
            await self.refuse(request)(scope, receive, send_secured)
            return
        await self.app(scope, receive, send_secured)


def _int(text: str | None, default: int, low: int, high: int) -> int:
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or not low <= int(text[:9]) <= high:
        raise ValueError(f"size takes a number from {low} to {high}, not {text[:40]!r}")
    return int(text)


def _seq(text: str | None) -> int | None:
    """A ``before``/``after`` parameter: a log sequence number."""
    if text is None or text == "":
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        raise ValueError(f"before and after take a record's seq number, not {text[:40]!r}")
    return int(text)
