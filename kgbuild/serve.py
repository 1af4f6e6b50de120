"""The SPARQL endpoint: a threaded Python front server and a pool of Oxigraph worker processes.

The front server (stdlib ``http.server``, TCP_NODELAY, HTTP/1.1 keep-alive) speaks the SPARQL 1.1
Protocol at ``/sparql`` and ``/query``, inspects every query (updates refused, every SERVICE IRI
checked against the allowlist), evaluates its SERVICE blocks itself (``kgbuild.federation``: the
front makes the remote calls) and hands what is left to a worker process that holds a read-only
pyoxigraph store. Workers are network-isolated (``kgbuild.sandbox``) and refuse any text that
still holds a SERVICE. A query that outlives the timeout gets its worker KILLED and replaced, so its
CPU is really freed, whatever it was doing (a cross join, a hanging SERVICE). Every other path
goes to ``kgbuild/web.py`` (``web.handle``, see docs/CONTRACTS.md "HTTP server").

Default-graph policy: a query without GRAPH sees the union of all graphs (asserted per-fiche
graphs, the inferred graph, ontology and reference data); ``default-graph-uri`` narrows it.

>>> negotiate("text/csv, application/json;q=0.5", None)
('csv', 'jsonld')
>>> negotiate(None, "turtle")
(None, 'turtle')
"""

from __future__ import annotations

import functools
import html
import json
import multiprocessing
import os
import queue
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from .errors import KgbuildError
from .federation import ServiceFailed, ServiceRefused, holds_service, read_results, resolve_services
from .query import (CELLAR_ENDPOINT, QueryError, inspect_query, load_catalogue, read_prefixes,
                    QUERIES_DIR)

STATIC_DIR = Path(__file__).resolve().parent / "static"
SPARQL_PATHS = ("/sparql", "/query")
MAX_BODY = 1 << 20  # a query larger than 1 MiB is refused

# name -> (media type, pyoxigraph format name); first of each is the default
RESULT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "ntriples": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# further media types clients send for the same formats
_ALIASES = {
    "application/json": ("json", "jsonld"),
    "application/xml": ("xml", "rdfxml"),
    "text/xml": ("xml", "rdfxml"),
    "text/plain": (None, "ntriples"),
    "application/x-turtle": (None, "turtle"),
}
_FORMAT_PARAM = {
    "json": ("json", "jsonld"), "xml": ("xml", "rdfxml"), "csv": ("csv", None),
    "tsv": ("tsv", None), "turtle": (None, "turtle"), "ttl": (None, "turtle"),
    "ntriples": (None, "ntriples"), "nt": (None, "ntriples"), "jsonld": (None, "jsonld"),
    "json-ld": (None, "jsonld"), "rdfxml": (None, "rdfxml"),
}
KNOWN_PARAMS = ("query", "default-graph-uri", "named-graph-uri", "format")
UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")


class HttpError(Exception):
    """An answer with a status and a one-line message."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


# --- content negotiation -----------------------------------------------------------------------


def parse_accept(accept: str | None) -> list[tuple[str, float]]:
    """``Accept`` → ``[(media type, q), …]``.

    >>> parse_accept("text/csv;q=0.5, application/json")
    [('text/csv', 0.5), ('application/json', 1.0)]
    """
    out = []
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for p in params:
            if p.lower().startswith("q="):
                try:
                    q = float(p[2:])
                except ValueError:
                    q = 0.0
        out.append((media.lower(), q))
    return out


def _quality(media: str, accepted: list[tuple[str, float]]) -> float:
    best, best_rank = 0.0, -1
    for pattern, q in accepted:
        rank = 2 if pattern == media else 1 if pattern == media.split("/")[0] + "/*" \
            else 0 if pattern == "*/*" else -1
        if rank > best_rank:
            best, best_rank = q, rank
    return best if best_rank >= 0 else 0.0


@functools.lru_cache(maxsize=512)
def negotiate(accept: str | None, fmt: str | None) -> tuple[str | None, str | None]:
    """The (results format, graph format) to answer in: from ``format=`` or the Accept header
    (q-values honoured; ``None`` = nothing acceptable for that kind of query).

    >>> negotiate("*/*", None)
    ('json', 'turtle')
    >>> negotiate("application/sparql-results+xml", None)
    ('xml', None)
    """
    if fmt:
        key = fmt.lower()
        if key in _FORMAT_PARAM:
            return _FORMAT_PARAM[key]
        media = {**{v: (k, None) for k, v in RESULT_FORMATS.items()},
                 **{v: (None, k) for k, v in GRAPH_FORMATS.items()}, **_ALIASES}
        if key in media:
            return media[key]
        raise HttpError(400, f"unknown format '{fmt}' (use one of: {', '.join(_FORMAT_PARAM)})")
    accepted = parse_accept(accept) or [("*/*", 1.0)]

    def pick(formats: dict[str, str], slot: int) -> str | None:
        offers = [(name, media) for name, media in formats.items()]
        offers += [(names[slot], media) for media, names in _ALIASES.items() if names[slot]]
        scored = [(_quality(media, accepted), -i, name) for i, (name, media) in enumerate(offers)]
        q, _, name = max(scored)
        return name if q > 0 else None

    return pick(RESULT_FORMATS, 0), pick(GRAPH_FORMATS, 1)


# --- worker processes --------------------------------------------------------------------------


@dataclass
class Request:
    """What a worker runs: a query, the formats to answer in and the dataset."""

    query: str
    results_format: str | None = "json"
    graph_format: str | None = "turtle"
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_bytes: int = 256 << 20


class _Capped:
    """A write target that refuses to grow past ``limit`` bytes (a result too large to send)."""

    def __init__(self, limit: int):
        self.limit, self.size, self.parts = limit, 0, []

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError(f"the result is larger than {self.limit >> 20} MiB; "
                                "narrow the query or use LIMIT")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def merged_default_graph(store) -> bool:
    """Whether the store's default graph holds triples: the build may write the RDF merge of all
    graphs there (a set: each triple once), which then is the default graph of queries. Else the
    default graph is the union of the named graphs, where Oxigraph 0.5 repeats a triple once per
    graph that states it (oxigraph/oxigraph#1919).

    >>> import pyoxigraph as ox
    >>> merged_default_graph(ox.Store())
    False
    """
    return bool(store.query("ASK { ?s ?p ?o }"))


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so a worker busy with
    a runaway query never outlives a killed server; exit at once if the parent is gone already."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pipe closing still ends an idle worker
    if os.getppid() != parent_pid:
        os._exit(0)


def _worker_main(conn, store_dir: str, prefixes: dict[str, str], parent_pid: int) -> None:
    """A worker process: open the store read-only, answer requests until the pipe closes.

    The store directory is a symlink swapped by each build: when it points elsewhere, the worker
    reopens it, so a rebuild is served without a restart.
    """
    from .query import open_store
    from .network_isolation import isolate_network

    _die_with_parent(parent_pid)
    try:
        isolation = ""
        isolate_network()  # first, before the store starts threads
    except OSError as err:
        isolation = f"query workers are not network-isolated ({err}); SERVICE text is still refused"
    opened, store = None, None
    try:
        opened, store = os.path.realpath(store_dir), open_store(store_dir)
        merged = merged_default_graph(store)
        conn.send(("ready", isolation))
    except Exception as err:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", " ".join(str(err).split())))
        return
    checked = time.monotonic()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if time.monotonic() - checked > 1.0:  # has a build swapped the store link?
                checked, now = time.monotonic(), os.path.realpath(store_dir)
                if now != opened:
                    store, opened = open_store(store_dir), now
                    merged = merged_default_graph(store)
            answer = execute(store, request, prefixes, merged_default=merged)
        except Exception as err:  # noqa: BLE001 - one line to the client, never a traceback
            answer = (500, "text/plain; charset=utf-8", _line(f"query failed: {err}"))
        try:
            conn.send(answer)
        except OSError:  # the server is gone
            return


def execute(store, request: Request, prefixes: dict[str, str], *,
            merged_default: bool = False) -> tuple[int, str, bytes]:
    """Run one request on a pyoxigraph store: ``(status, content type, body)``.

    The default graph is the union of all graphs, or, with ``merged_default``, the store's own
    default graph, which then holds the RDF merge of all graphs (see ``merged_default_graph``).

    >>> import pyoxigraph as ox
    >>> execute(ox.Store(), Request("ASK {}"), {})
    (200, 'application/sparql-results+json', b'{"head":{},"boolean":true}')
    >>> execute(ox.Store(), Request("ASK {"), {})[0]
    400
    """
    import pyoxigraph as ox

    if holds_service(request.query):  # SERVICE is the front's to evaluate, never a worker's
        return 403, "text/plain; charset=utf-8", _line(
            "a query worker runs no SERVICE: it must be evaluated before the query reaches it")
    kwargs: dict = {"prefixes": prefixes}
    if request.default_graphs:
        kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs]
    elif not merged_default:
        kwargs["use_default_graph_as_union"] = True
    if request.named_graphs:
        kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs]
    try:
        results = store.query(request.query, **kwargs)
    except SyntaxError as err:
        return 400, "text/plain; charset=utf-8", _line(f"syntax error: {err}")
    except ValueError as err:
        return 400, "text/plain; charset=utf-8", _line(f"bad request: {err}")
    try:
        if isinstance(results, ox.QueryTriples):
            name = request.graph_format
            if name is None:
                return _not_acceptable("CONSTRUCT/DESCRIBE", GRAPH_FORMATS)
            fmt = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                   "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[name]
            out = _Capped(request.max_bytes)
            ox.serialize(results, out, format=fmt, prefixes=prefixes if name == "turtle" else None)
            return 200, GRAPH_FORMATS[name], out.getvalue()
        name = request.results_format
        if name is None:
            return _not_acceptable("SELECT/ASK", RESULT_FORMATS)
        fmt = {"json": ox.QueryResultsFormat.JSON, "xml": ox.QueryResultsFormat.XML,
               "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}[name]
        media = RESULT_FORMATS[name] + ("; charset=utf-8" if name in ("csv", "tsv") else "")
        out = _Capped(request.max_bytes)
        results.serialize(out, format=fmt)
        return 200, media, out.getvalue()
    except OverflowError as err:
        return 413, "text/plain; charset=utf-8", _line(str(err))
    except (OSError, RuntimeError, ValueError) as err:
        return 500, "text/plain; charset=utf-8", _line(f"query failed: {err}")


def _not_acceptable(kind: str, formats: dict[str, str]) -> tuple[int, str, bytes]:
    return 406, "text/plain; charset=utf-8", _line(
        f"{kind} results cannot be given in the requested format; available: "
        + ", ".join(formats.values()))


def _line(message: str) -> bytes:
    return (" ".join(str(message).split()) + "\n").encode()


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    conn: object


class WorkerPool:
    """Worker processes, each with its own read-only store; a timed-out one is killed.

    ``run`` waits for a free worker and its answer within ``timeout`` seconds in all; past that
    the worker is killed (SIGKILL: its CPU is freed at once) and a fresh one started.
    """

    def __init__(self, store_dir: Path | str, *, size: int = 2, timeout: float = 30.0,
                 prefixes: dict[str, str] | None = None):
        self.store_dir, self.timeout = str(store_dir), timeout
        self.prefixes = prefixes or {}
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._dead: queue.Queue[_Worker] = queue.Queue()
        for _ in range(size):
            self._idle.put(self._start())
        # One long-lived thread starts the replacements: a worker's parent-death signal fires
        # when the thread that started it ends, so that thread must live as long as the server.
        threading.Thread(target=self._respawner, daemon=True, name="kgbuild-respawn").start()

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, daemon=True, name="kgbuild-sparql",
                                    args=(child, self.store_dir, self.prefixes, os.getpid()))
        process.start()
        child.close()
        if not parent.poll(120):
            process.kill()
            raise KgbuildError("a query worker did not start within 120 s")
        status, message = parent.recv()
        if status != "ready":
            process.join()
            raise KgbuildError(message)
        if message and not getattr(self, "_warned", False):
            self._warned = True
            print(f"kgbuild serve: {message}", file=sys.stderr)
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def pids(self) -> list[int]:
        """The worker processes' ids (tests watch their CPU time)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def run(self, request: Request, deadline: float | None = None) -> tuple[int, str, bytes]:
        """Run a request on a free worker: ``(status, content type, body)``, by ``deadline``
        (``time.monotonic()``; default: the pool's timeout from now)."""
        deadline = time.monotonic() + self.timeout if deadline is None else deadline
        try:
            worker = self._idle.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            return 503, "text/plain; charset=utf-8", _line(
                f"query not run: every query worker stayed busy until the {self.timeout:g} s "
                "timeout; try again later")
        try:
            worker.conn.send(request)
            if worker.conn.poll(max(deadline - time.monotonic(), 0.001)):
                answer = worker.conn.recv()
                self._idle.put(worker)
                return answer
            message = f"query stopped: it ran past the {self.timeout:g} s timeout"
        except (EOFError, OSError):
            message = "the query worker died while running the query (out of memory?)"
        self._replace(worker)
        return 503, "text/plain; charset=utf-8", _line(message)

    def _replace(self, worker: _Worker) -> None:
        """Kill a worker and wait until it is gone (so the client hears of the timeout only when
        the CPU is free), then have the respawner start a fresh one."""
        worker.process.kill()
        worker.process.join(10)
        with self._lock:
            self._all.discard(worker)
        self._dead.put(worker)

    def _respawner(self) -> None:
        while not self._closed:
            old = self._dead.get()
            old.process.join()
            old.conn.close()
            while not self._closed:
                try:
                    self._idle.put(self._start())
                    break
                except KgbuildError as err:  # the store vanished mid-swap: try again shortly
                    print(f"kgbuild serve: restarting a worker: {err}", file=sys.stderr)
                    time.sleep(1)

    def close(self) -> None:
        """Kill every worker."""
        self._closed = True
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.process.kill()
            worker.process.join()


# --- the HTTP server ---------------------------------------------------------------------------


@dataclass
class Endpoint:
    """The served endpoint's settings and its worker pool."""

    pool: WorkerPool
    allowed_services: frozenset[str]
    prefixes: dict[str, str]
    ui_page: bytes = b""
    max_bytes: int = 256 << 20
    _accepted: dict[str, bool] = field(default_factory=dict)
    _client: object = None  # the httpx.Client of remote SERVICE calls, made when first needed

    def check(self, query: str) -> bool:
        """Refuse updates and SERVICE calls off the allowlist; True if the query federates.

        Accepted queries are remembered (applications repeat theirs), refused ones are not.
        """
        known = self._accepted.get(query)
        if known is not None:
            return known
        federated = self._check(query)
        if len(query) <= 8192:  # small queries only: at most ~80 MB remembered
            if len(self._accepted) > 10_000:
                self._accepted.clear()
            self._accepted[query] = federated
        return federated

    def _check(self, query: str) -> bool:
        try:
            info = inspect_query(query, prefixes=self.prefixes)
        except QueryError as err:
            raise HttpError(403, str(err)) from None
        if info.kind == "UPDATE":
            raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        for iri in info.services:
            if iri not in self.allowed_services:
                raise HttpError(403, f"SERVICE <{iri}> is not allowed; allowed: "
                                + ", ".join(f"<{s}>" for s in sorted(self.allowed_services)))
        return bool(info.services)

    def resolve(self, query: str, deadline: float, default_graphs: list[str] = (),
                named_graphs: list[str] = ()) -> str:
        """The query with its SERVICE blocks evaluated here (``federation.resolve_services``),
        values the local part fixes first learned through the worker pool; HttpError 403 for a
        refused SERVICE, 502 for a failed one, 400 for a block a local service cannot answer."""
        import httpx

        if self._client is None:
            self._client = httpx.Client(follow_redirects=True)
        try:
            return resolve_services(query, prefixes=self.prefixes, allowed=self.allowed_services,
                                    run_local=lambda text: self.select(
                                        text, deadline, default_graphs, named_graphs),
                                    deadline=deadline, client=self._client)
        except ServiceRefused as err:
            raise HttpError(403, str(err)) from None
        except ServiceFailed as err:
            raise HttpError(502, str(err)) from None
        except ValueError as err:
            raise HttpError(400, str(err)) from None

    def select(self, query: str, deadline: float | None = None, default_graphs: list[str] = (),
               named_graphs: list[str] = ()) -> list[dict]:
        """Rows of a SELECT run by the worker pool (``HttpError`` with its status if it fails),
        on the request's dataset."""
        status, ctype, body = self.pool.run(Request(query, "json", None, list(default_graphs),
                                                    list(named_graphs)), deadline)
        if status != 200:
            raise HttpError(status, body.decode(errors="replace").strip())
        return read_results(body, ctype.split(";")[0])[1]

    def sparql(self, query: str):
        """Run a query for ``web.handle``: rows (dicts of terms), a bool, or a list of triples."""
        import pyoxigraph as ox

        try:
            if inspect_query(query, prefixes=self.prefixes).services:
                raise KgbuildError("SERVICE is not available to pages")
        except QueryError as err:
            raise KgbuildError(str(err)) from None
        status, ctype, body = self.pool.run(Request(query, "json", "ntriples"))
        if status != 200:
            raise KgbuildError(body.decode(errors="replace").strip())
        if ctype.startswith("application/n-triples"):
            return list(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QueryBoolean):
            return bool(results)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]


class Handler(BaseHTTPRequestHandler):
    """One HTTP request: the SPARQL protocol here, anything else to ``web.handle``."""

    protocol_version = "HTTP/1.1"
    server_version = "kgbuild"
    timeout = 120  # seconds a connection may sit idle (or trickle a request) before it is closed
    endpoint: Endpoint  # set on the subclass made by make_server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib's name
        pass  # quiet: one line per query would cost more than the query

    def do_GET(self) -> None:  # noqa: N802 - stdlib's names
        self._dispatch()

    do_POST = do_HEAD = do_OPTIONS = do_PUT = do_DELETE = do_PATCH = do_GET

    def _dispatch(self) -> None:
        try:
            url = urlsplit(self.path)
            path = unquote(url.path)
            if path in SPARQL_PATHS or path.rstrip("/") in SPARQL_PATHS:
                status, headers, body = self._sparql(url.query)
            else:
                status, headers, body = self._web(path, url.query)
        except HttpError as err:
            status, headers, body = err.status, {"Content-Type": "text/plain; charset=utf-8"}, \
                _line(str(err))
        except Exception as err:  # noqa: BLE001 - one line, never a traceback
            print(f"kgbuild serve: {self.command} {self.path}: {err!r}", file=sys.stderr)
            status, headers, body = 500, {"Content-Type": "text/plain; charset=utf-8"}, \
                _line(f"internal error: {err}")
        self._send(status, headers, body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Write the whole response at once (one packet for a small answer)."""
        reason = self.responses.get(status, ("",))[0]
        lines = [f"{self.protocol_version} {status} {reason}", f"Server: {self.server_version}",
                 f"Date: {self.date_time_string()}"]
        headers = {"Access-Control-Allow-Origin": "*", **headers}
        lines += [f"{name}: {value}" for name, value in headers.items()
                  if name.lower() not in ("content-length", "connection", "date", "server")]
        lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + body)

    # -- everything that is not /sparql

    def _web(self, path: str, query_string: str) -> tuple[int, dict[str, str], bytes]:
        self._read_body()  # keep the connection in step; pages take no bodies
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = None
        try:
            from . import web
        except ImportError:
            web = None
        if web is not None:
            answer = web.handle(self.command, path, parse_qs(query_string), headers,
                                self.endpoint.sparql)
        if answer is None and path == "/":
            return 303, {"Location": "/sparql"}, b""
        if answer is None:
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, _line(f"not found: {path}")
        return answer

    # -- the SPARQL protocol

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            raise HttpError(413, f"request body too large (over {MAX_BODY} bytes)")
        return self.rfile.read(length) if length else b""

    def _sparql(self, query_string: str) -> tuple[int, dict[str, str], bytes]:
        if self.command == "OPTIONS":  # CORS preflight
            self._read_body()
            return 204, {"Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                         "Access-Control-Allow-Headers": "Content-Type, Accept",
                         "Access-Control-Max-Age": "86400"}, b""
        if self.command not in ("GET", "POST", "HEAD"):
            self._read_body()
            raise HttpError(405, f"{self.command} is not supported here: use GET or POST")
        params = parse_qs(query_string, keep_blank_values=True)
        body = self._read_body()
        if self.command == "POST":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                for key, values in parse_qs(body.decode("utf-8", "replace"),
                                            keep_blank_values=True).items():
                    params.setdefault(key, []).extend(values)
            elif ctype == "application/sparql-query":
                params.setdefault("query", []).append(body.decode("utf-8", "replace"))
            elif ctype == "application/sparql-update":
                raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            else:
                raise HttpError(415, f"unsupported Content-Type '{ctype}': send "
                                "application/sparql-query or application/x-www-form-urlencoded")
        for key in params:
            if key in UPDATE_PARAMS:
                raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            if key not in KNOWN_PARAMS:
                known = ", ".join(KNOWN_PARAMS)
                raise HttpError(400, f"unknown parameter '{key}' (known: {known})")
        queries, formats = params.get("query", []), params.get("format", [])
        if len(queries) > 1 or len(formats) > 1:
            raise HttpError(400, "give one 'query' and at most one 'format'")
        accept = self.headers.get("Accept")
        if not queries:
            if self.command != "POST":
                accepted = parse_accept(accept) or [("*/*", 1.0)]
                graph_format = negotiate(accept, formats[0] if formats else None)[1]
                html_q = _quality("text/html", accepted) if "html" in (accept or "") else 0.0
                graph_q = _quality(GRAPH_FORMATS[graph_format], accepted) if graph_format else 0
                if html_q > 0 and html_q >= graph_q:
                    return 200, {"Content-Type": "text/html; charset=utf-8", "Vary": "Accept"}, \
                        self.endpoint.ui_page
                if graph_format:
                    host = self.headers.get("Host") or "%s:%s" % self.server.server_address[:2]
                    return 200, {"Content-Type": GRAPH_FORMATS[graph_format], "Vary": "Accept"}, \
                        service_description(f"http://{host}{urlsplit(self.path).path}",
                                            graph_format, self.endpoint.allowed_services)
            raise HttpError(400, "missing 'query' parameter (a SPARQL query); "
                            "open this address in a browser for the query UI")
        query = queries[0]
        deadline = time.monotonic() + self.endpoint.pool.timeout
        if self.endpoint.check(query):
            query = self.endpoint.resolve(query, deadline, params.get("default-graph-uri", []),
                                          params.get("named-graph-uri", []))
        results_format, graph_format = negotiate(accept, formats[0] if formats else None)
        status, ctype, out = self.endpoint.pool.run(Request(
            query, results_format, graph_format, params.get("default-graph-uri", []),
            params.get("named-graph-uri", []), max_bytes=self.endpoint.max_bytes), deadline)
        headers = {"Content-Type": ctype}
        if not formats:
            headers["Vary"] = "Accept"
        return status, headers, out


def service_description(endpoint_url: str, graph_format: str, services) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint, in ``graph_format``.

    >>> b"sd:UnionDefaultGraph" in service_description("http://h/sparql", "turtle", [])
    True
    """
    import pyoxigraph as ox

    sd = "http://www.w3.org/ns/sparql-service-description#"
    fmt = "http://www.w3.org/ns/formats/"
    me, dataset = ox.NamedNode(endpoint_url), ox.BlankNode()
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    triples = [(me, a, ox.NamedNode(sd + "Service")), (me, ox.NamedNode(sd + "endpoint"), me),
               (me, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")),
               (me, ox.NamedNode(sd + "defaultDataset"), dataset),
               (dataset, a, ox.NamedNode(sd + "Dataset")),
               (dataset, ox.NamedNode("http://purl.org/dc/terms/description"), ox.Literal(
                   "The default graph is the RDF merge of all graphs, each triple once: asserted "
                   "(one named graph per fiche), inferred, ontology and reference data. Use GRAPH "
                   "to tell them apart or default-graph-uri to narrow it.", language="en"))]
    for feature in ("UnionDefaultGraph", "BasicFederatedQuery"):
        triples.append((me, ox.NamedNode(sd + "feature"), ox.NamedNode(sd + feature)))
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        triples.append((me, ox.NamedNode(sd + "resultFormat"), ox.NamedNode(fmt + name)))
    fmt_obj = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
               "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[graph_format]
    return ox.serialize([ox.Triple(*t) for t in triples], format=fmt_obj,
                        prefixes={"sd": sd} if graph_format == "turtle" else None)


def ui_page(prefixes_text: str, endpoint_path: str = "/sparql") -> bytes:
    """The query UI: ``static/ui.html`` with the prefixes and the catalogue's examples inlined
    (no CDN: it works offline).

    >>> b"fiches-citing-kamerstuk" in ui_page("PREFIX x: <http://x/>")
    True
    """
    examples = [{"name": q.name, "summary": q.summary, "description": q.description,
                 "params": [p.name for p in q.params], "endpoint": q.endpoint, "query": q.text}
                for q in load_catalogue()]
    data = json.dumps({"prefixes": prefixes_text, "examples": examples,
                       "endpoint": endpoint_path}, ensure_ascii=False).replace("</", "<\\/")
    page = (STATIC_DIR / "ui.html").read_text(encoding="utf-8")
    return page.replace("/*DATA*/null", data).replace("{{title}}", html.escape(
        "SPARQL — BNC-fiches")).encode()


def make_server(store: Path | str, *, host: str = "127.0.0.1", port: int = 7878,
                timeout: float = 30.0, workers: int | None = None,
                allow_services: tuple[str, ...] | list[str] = (),
                max_result_mb: int = 256) -> ThreadingHTTPServer:
    """Start the worker pool and bind the HTTP server (``serve_forever`` runs it).

    CELLAR's endpoint is always allowed for SERVICE; ``allow_services`` adds others. A result
    larger than ``max_result_mb`` is refused (413) rather than built up in memory.
    """
    prefixes_path = QUERIES_DIR / "prefixes.rq"
    prefixes = read_prefixes(prefixes_path)
    pool = WorkerPool(store, size=workers or os.cpu_count() or 2, timeout=timeout,
                      prefixes=prefixes)
    prefix_text = "\n".join(line for line in prefixes_path.read_text(encoding="utf-8").splitlines()
                            if line.upper().startswith("PREFIX"))
    endpoint = Endpoint(pool, frozenset((CELLAR_ENDPOINT, *allow_services)), prefixes,
                        ui_page(prefix_text), max_bytes=max_result_mb << 20)
    handler = type("BoundHandler", (Handler,), {"endpoint": endpoint})
    try:
        from . import web
    except ImportError:
        web = None
    if web is not None and hasattr(web, "configure"):
        web.configure(store_dir=Path(store))

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = 128

        def server_close(self) -> None:
            super().server_close()
            pool.close()

    try:
        server = Server((host, port), handler)
    except OSError as err:
        pool.close()
        raise KgbuildError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    server.pool = pool  # type: ignore[attr-defined]
    return server


def serve(store: Path | str = "data/store", *, host: str = "127.0.0.1", port: int = 7878,
          timeout: float = 30.0, workers: int | None = None,
          allow_services: tuple[str, ...] | list[str] = (), max_result_mb: int = 256) -> None:
    """Serve the store until interrupted, printing the endpoint's and the UI's URL first."""
    server = make_server(store, host=host, port=port, timeout=timeout, workers=workers,
                         allow_services=allow_services, max_result_mb=max_result_mb)
    bound_host, bound_port = server.server_address[:2]
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    print(f"SPARQL endpoint: http://{shown}:{bound_port}/sparql", flush=True)
    print(f"Query UI:        http://{shown}:{bound_port}/sparql (in a browser)", flush=True)
    def stop(signum, frame):
        raise SystemExit(0)  # runs the finally below: the workers are killed too

    import signal

    signal.signal(signal.SIGTERM, stop)  # a SIGTERM also kills the workers (server_close)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def needs_build(fiches: Path | str, store_dir: Path | str) -> str | None:
    """Why the store must be (re)built from ``fiches``, or ``None`` when it is up to date.

    Compares the SHA-256 of every fiche file with those in the store's ``report.json``.

    >>> needs_build("data/fiches", "/nonexistent/store")
    'there is no store at /nonexistent/store yet'
    """
    import hashlib

    from .build import iter_sources

    report_path = Path(store_dir) / "report.json"
    if not (Path(store_dir) / "oxigraph").is_dir() or not report_path.is_file():
        return f"there is no store at {store_dir} yet"
    try:
        recorded = sorted(e.get("sha256", "") for e in
                          json.loads(report_path.read_text(encoding="utf-8"))["sources"].values())
    except (ValueError, KeyError, AttributeError):
        return f"{report_path} is unreadable"
    current = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in iter_sources([fiches]))
    if current != recorded:
        return f"the fiches in {fiches} changed since the last build"
    return None


def up(fiches: Path | str = "data/fiches", store_dir: Path | str = "data/store", *,
       log=print, **serve_options) -> None:
    """Build the store when there is none or the fiches changed (``kgbuild.build``), then serve."""
    from .build import build

    reason = needs_build(fiches, store_dir)
    if reason:
        log(f"kgbuild up: building the graph: {reason}")
        report = build([fiches], store_dir, log=log)
        log(f"kgbuild up: {report.counts.get('fiches', 0)} fiches, "
            f"{len(report.failures)} files skipped")
    serve(store_dir, **serve_options)


def spawn(store: Path | str, *args: str, timeout: float = 60.0):
    """Start ``kgbuild serve --store STORE --port 0 ARGS…`` as a child process on loopback and
    wait for its URL (for tests and benchmarks): ``(process, endpoint URL)``.

    The caller stops it (``process.terminate()``); its workers exit with it.
    """
    import subprocess

    cmd = [sys.executable, "-c", "from kgbuild.cli import main; main()", "serve",
           "--store", str(store), "--host", "127.0.0.1", "--port", "0", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = result[0] if result else ""
    if not line.startswith("SPARQL endpoint:"):
        proc.kill()
        err = proc.stderr.read() if proc.poll() is not None else ""
        raise KgbuildError(f"kgbuild serve did not start: {line.strip() or err.strip()}")
    return proc, line.split()[-1]
