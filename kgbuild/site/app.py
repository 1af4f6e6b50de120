"""The ASGI application: the SPARQL endpoint and the linked-data site on Starlette.

Two worker pools keep the capacity apart: one runs the endpoint's queries (with a per-client
limit on concurrent queries and a short queue), the other the pages' reads, so runaway queries
cannot starve the pages. Every answer carries ``Access-Control-Allow-Origin: *``; CORS preflights
echo the requested headers; credentials are not supported (nothing here needs them). An
exception becomes a one-line 500 and one log line, never a traceback.

>>> checked_origin("example.org:7878", "http", ("127.0.0.1", 1))
'http://example.org:7878'
>>> checked_origin('ev"il', "http", ("127.0.0.1", 7878))
'http://127.0.0.1:7878'
"""

from __future__ import annotations

import asyncio
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

from ..errors import KgbuildError
from ..query import CELLAR_ENDPOINT, QUERIES_DIR, read_prefixes
from ..search import SEARCH_SERVICE, SearchService
from . import reading, routes, sparql
from .fastlane import FastLane, Lanes
from .workers import ClientLimit, Job, WorkerPool

ENDPOINT_PATHS = ("/sparql", "/sparql/", "/query", "/query/")
HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])"
                  r"(?::[0-9]{1,5})?$")


@dataclass
class Settings:
    """What ``kgbuild serve`` was asked for."""

    store: Path
    timeout: float = 30.0
    workers: int = 4  # query workers (per front process)
    page_workers: int = 2  # page workers (per front process)
    processes: int = 1  # front processes sharing the listening socket
    per_client: int | None = None  # concurrent queries per client; default half the workers
    queue_timeout: float = 5.0
    allow_services: tuple[str, ...] = ()
    max_result_mb: int = 256


def checked_origin(host: str | None, scheme: str, server: tuple[str, int] | None) -> str:
    """``scheme://host`` for absolute URLs: the ``Host`` header when it is a well-formed
    host[:port], else the address the server listens on."""
    if host and HOST.match(host):
        return f"{scheme}://{host}"
    name, port = server or ("127.0.0.1", 80)
    name = f"[{name}]" if ":" in name else name
    return f"{scheme}://{name}:{port}"


_origins: dict[tuple, str] = {}


def origin_of(scope) -> str:
    """The checked origin of a request (``checked_origin``), remembered per Host header."""
    host = scheme = b""
    for name, value in scope.get("headers") or ():
        if name == b"host":
            host = value
        elif name == b"x-forwarded-proto":
            scheme = value
    key = (host, scheme, scope.get("scheme"), scope.get("server"))
    found = _origins.get(key)
    if found is None:
        forwarded = scheme.decode("latin-1")
        found = checked_origin(host.decode("latin-1"), forwarded if forwarded in ("http", "https")
                               else scope.get("scheme", "http"), scope.get("server"))
        if len(_origins) > 1000:
            _origins.clear()
        _origins[key] = found
    return found


async def internal_error(scope, send, err: Exception, started: bool) -> None:
    """An exception as one log line and, if no answer was started, a one-line 500."""
    what = " ".join(str(err).split()) or type(err).__name__
    print(f"kgbuild serve: {scope.get('method')} {scope.get('path')!r}: "
          f"{type(err).__name__}: {what}"[:500], file=sys.stderr, flush=True)
    if not started:
        body = f"internal error: {what}\n"[:300].encode()
        await send({"type": "http.response.start", "status": 500, "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()), ANY_ORIGIN]})
        await send({"type": "http.response.body", "body": body})


ANY_ORIGIN = (b"access-control-allow-origin", b"*")


class Guard:
    """Outermost middleware: the checked origin, ``Access-Control-Allow-Origin: *`` on every
    answer, and any exception turned into a one-line 500 (logged as one line)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope.setdefault("state", {})["origin"] = origin_of(scope)
        started = False

        async def sending(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {name.lower() for name, _ in message.get("headers", [])}
                if b"access-control-allow-origin" not in names:
                    message["headers"] = [*message.get("headers", []), ANY_ORIGIN]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as err:  # noqa: BLE001 - one line, never a traceback
            await internal_error(scope, send, err, started)


def page_sparql(pool: WorkerPool, prefixes: dict[str, str]):
    """The pages' query function: rows (dicts of terms), a bool or triples, through the page
    pool; raises ``KgbuildError`` (one line). SERVICE is refused there."""
    import pyoxigraph as ox

    from ..query import QueryError, inspect_query

    def run(query: str):
        try:
            if inspect_query(query, prefixes=prefixes).services:
                raise KgbuildError("SERVICE is not available to pages")
        except QueryError as err:
            raise KgbuildError(str(err)) from None
        try:
            status, ctype, body = pool.run_sync(Job(query, "application/sparql-results+json",
                                                    "application/n-triples"))
        except Exception as err:  # noqa: BLE001 - Busy, or the pool is closing
            raise KgbuildError(f"the store is busy: {err}") from None
        if status != 200:
            raise KgbuildError(body.decode(errors="replace").strip())
        if ctype.startswith("application/n-triples"):
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return bool(results)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    return run


def create_app(settings: Settings, client_limit: ClientLimit | None = None,
               lanes: Lanes | None = None, index: int = 0) -> Starlette:
    """The application; its lifespan starts the worker pools and kills them at shutdown.

    ``client_limit`` is shared by the front processes (made before they fork); by default
    one client may run half the server's query workers at once. ``lanes`` (shared too, with a
    watchdog in the supervising process) gives this front, number ``index``, its fast lane
    (``fastlane``); without it every query runs in the worker pool."""
    prefixes_path = QUERIES_DIR / "prefixes.rq"
    prefixes = read_prefixes(prefixes_path)
    prefix_text = "\n".join(line for line in prefixes_path.read_text(encoding="utf-8").splitlines()
                            if line.upper().startswith("PREFIX"))
    queries = WorkerPool(settings.store, size=settings.workers, timeout=settings.timeout,
                         queue_timeout=settings.queue_timeout, prefixes=prefixes,
                         name="kgbuild-sparql")
    page_pool = WorkerPool(settings.store, size=settings.page_workers, timeout=settings.timeout,
                           queue_timeout=max(settings.queue_timeout, 10.0), prefixes=prefixes,
                           name="kgbuild-pages")
    endpoint = sparql.Endpoint(
        queries, frozenset((CELLAR_ENDPOINT, *settings.allow_services)), prefixes,
        client_limit or ClientLimit(settings.per_client or
                                    max(1, settings.workers * settings.processes // 2)),
        sparql.ui_data(prefix_text), max_bytes=settings.max_result_mb << 20,
        local_services={SEARCH_SERVICE: SearchService(settings.store)},
        lane=FastLane(lanes, index, settings.store, prefixes) if lanes else None)
    reading.configure(store_dir=settings.store)

    app = Starlette(
        routes=routes.ROUTES,
        middleware=[Middleware(Guard),
                    Middleware(CORSMiddleware, allow_origins=["*"], allow_headers=["*"],
                               allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
                               allow_credentials=False, max_age=86400)],
        exception_handlers={404: routes.not_found_page, 405: routes.not_found_page})
    app.state.page_sparql = page_sparql(page_pool, prefixes)
    app.state.endpoint = endpoint
    app.state.pools = (queries, page_pool)
    return Front(app, endpoint, (queries, page_pool))


def is_preflight(scope) -> bool:
    """Whether a request is a CORS preflight (what Starlette's CORS middleware answers).

    >>> is_preflight({"method": "OPTIONS", "headers": [(b"origin", b"https://a"),
    ...               (b"access-control-request-method", b"POST")]})
    True
    >>> is_preflight({"method": "OPTIONS",
    ...               "headers": [(b"access-control-request-method", b"POST")]})
    False
    """
    if scope["method"] != "OPTIONS":
        return False
    names = {name for name, _ in scope["headers"]}
    return b"origin" in names and b"access-control-request-method" in names


class Front:
    """The ASGI callable uvicorn runs: requests to the endpoint's paths (the hot path) go
    straight to ``sparql.answer``, answered as ``Guard`` would; everything else, CORS
    preflights included, to the Starlette application. Its lifespan starts the worker pools
    (a failure is one line in the log, no traceback) and kills them at shutdown."""

    def __init__(self, app: Starlette, endpoint: sparql.Endpoint, pools: tuple[WorkerPool, ...]):
        self.app, self.endpoint, self.pools = app, endpoint, pools

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] in ENDPOINT_PATHS and \
                not is_preflight(scope):
            return await self._queries(scope, receive, send)
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        return await self.app(scope, receive, send)

    async def _lifespan(self, receive, send) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for pool in self.pools:
                        pool.bind(loop)
                        await loop.run_in_executor(None, pool.start)
                except KgbuildError as err:
                    for pool in self.pools:
                        pool.close()
                    await send({"type": "lifespan.startup.failed",
                                "message": " ".join(str(err).split())})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for pool in self.pools:
                    pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _queries(self, scope, receive, send):
        """A query, answered as ``Guard`` would (the origin, CORS, one-line 500s) in fewer
        steps: this is the hot path."""
        started = False
        try:
            status, headers, body = await sparql.answer(self.endpoint, scope, receive,
                                                        origin_of(scope))
            headers.append(ANY_ORIGIN)
            started = True
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        except Exception as err:  # noqa: BLE001 - one line, never a traceback
            await internal_error(scope, send, err, started)
