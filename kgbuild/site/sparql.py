"""The SPARQL 1.1 Protocol at ``/sparql`` and ``/query``: reading a request, preparing its query,
running it on the worker pool, the query UI and the service description.

Unknown parameters are ignored, as other engines do; ``format``, ``output`` and ``results``
choose the format where they name one (SPARQLWrapper and rdflib send all three). Relative IRIs
in a query resolve against the endpoint's URL. Updates are refused (403).

>>> read_charset("application/sparql-query; charset=UTF-16")
'utf-16'
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from yarl import query_to_pairs

from ..federation import (ServiceFailed, ServiceRefused, check_allowed, find_services,
                          read_results, resolve_services)
from ..query import QueryError, inspect_query, load_catalogue
from .fastlane import FastLane, shape_of
from .negotiation import HTML, RESULTS_JSON, endpoint_formats, quality
from .pages import render
from .workers import Busy, ClientLimit, Job, WorkerPool, line, may_hold_service

UPDATE_PARAMS = ("update", "using-graph-uri", "using-named-graph-uri")
FORMAT_PARAMS = ("format", "output", "results")
MAX_BODY = 1 << 20  # a query larger than 1 MiB is refused
MAX_PARAMS = 1000  # a query string or form with more parameters is refused
BODY_SECONDS = 30.0  # a body that takes longer to arrive is refused (408)


class HttpError(Exception):
    """An answer with a status, a one-line message and maybe headers."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


Answer = tuple[int, list[tuple[bytes, bytes]], bytes]  # status, raw headers, body


def reply(status: int, media_type: str, body: bytes,
          headers: dict[str, str] | None = None) -> Answer:
    """An answer with its Content-Type, Content-Length and ``headers``, as ASGI sends them.

    >>> reply(200, "text/csv", b"a", {"Vary": "Accept"})
    (200, [(b'content-type', b'text/csv'), (b'content-length', b'1'), (b'vary', b'Accept')], b'a')
    """
    raw = [(b"content-type", media_type.encode("latin-1")), (b"content-length", b"%d" % len(body))]
    if headers:
        raw += [(name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers.items()]
    return status, raw, body


def text(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    """A one-line plain-text answer."""
    return reply(status, "text/plain; charset=utf-8", line(message), headers)


@dataclass
class Endpoint:
    """The served endpoint: its pools, settings and what it remembers of accepted queries."""

    queries: WorkerPool
    allowed_services: frozenset[str]
    prefixes: dict[str, str]
    client_limit: ClientLimit
    ui_data: dict = field(default_factory=dict)
    max_bytes: int = 256 << 20
    local_services: dict = field(default_factory=dict)  # IRI -> federation.LocalService
    lane: FastLane | None = None  # this front's fast lane (only under the supervisor's watchdog)
    _prepared: dict[str, bool] = field(default_factory=dict)
    _client: object = None  # the httpx.Client of remote SERVICE calls, made when first needed
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def prepare_query(self, query: str, *, base_iri: str | None = None,
                      default_graphs: list[str] = (), named_graphs: list[str] = (),
                      deadline: float | None = None, shape: int | None = None
                      ) -> tuple[str, bool]:
        """THE step every query takes before it reaches a worker: refuse updates (403); find
        its SERVICE blocks on one parse and refuse those off the allowlist (403); evaluate them
        here (``federation.resolve_services``: remote calls from this process, the values the
        local part fixes learned through the worker pool on the request's dataset, the search
        service answered from the store's index). Answers the text to run, which holds no
        SERVICE, and whether it federated. 502 for a remote that failed, 400 for a block the
        search service cannot answer. A query whose text mentions SERVICE is prepared in a
        thread, so this may block; others on the event loop.

        Accepted queries without SERVICE are remembered (applications repeat theirs), by their
        ``shape`` (``fastlane.shape_of``) when given: a text that has one
        holds no SERVICE, and one of an accepted query's shape is a query too (were it an
        update in disguise, the read-only store's query parser still refuses it).
        """
        key = query if shape is None else shape
        if self._prepared.get(key) is False:
            return query, False
        try:
            info = inspect_query(query, prefixes=self.prefixes)
            if info.kind == "UPDATE":
                raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
            blocks = find_services(query, prefixes=self.prefixes)
            check_allowed(blocks, self.allowed_services, self.local_services)
        except QueryError as err:  # ServiceRefused among them
            raise HttpError(403, str(err)) from None
        if not blocks:
            if len(query) <= 8192:  # small queries only: at most ~80 MB remembered
                if len(self._prepared) > 10_000:
                    self._prepared.clear()
                self._prepared[key] = False
            return query, False
        deadline = deadline or time.monotonic() + self.queries.timeout
        try:
            text = resolve_services(
                query, prefixes=self.prefixes, allowed=self.allowed_services,
                local_services=self.local_services, deadline=deadline, client=self._http(),
                run_local=lambda select: self.select(select, default_graphs, named_graphs,
                                                     base_iri, deadline))
        except ServiceRefused as err:
            raise HttpError(403, str(err)) from None
        except ServiceFailed as err:
            raise HttpError(502, str(err)) from None
        except ValueError as err:  # a block the search service cannot answer
            raise HttpError(400, str(err)) from None
        return text, True

    def select(self, query: str, default_graphs: list[str], named_graphs: list[str],
               base_iri: str | None, deadline: float) -> list[dict]:
        """The rows of a SELECT run by the worker pool on the request's dataset (from a thread
        other than the event loop's); ``HttpError`` with the worker's status when it fails."""
        status, ctype, body = self.queries.run_sync(Job(
            query, RESULTS_JSON, None, list(default_graphs), list(named_graphs),
            max_bytes=self.max_bytes, base_iri=base_iri, deadline=deadline))
        if status != 200:
            raise HttpError(status, body.decode("utf-8", "replace").strip())
        return read_results(body, ctype.split(";")[0])[1]

    def _http(self):
        """The HTTP client of remote SERVICE calls (connections kept alive between queries)."""
        import httpx

        with self._lock:
            if self._client is None:
                self._client = httpx.Client(follow_redirects=False)
            return self._client


def read_charset(content_type: str) -> str:
    """The charset a Content-Type names (``utf-8`` when it names none)."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return "utf-8"


async def read_body(request: Request) -> bytes:
    """The request body, at most ``MAX_BODY`` bytes whatever the headers say (413), arriving
    within ``BODY_SECONDS`` (408)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY:
        raise HttpError(413, f"request body too large (over {MAX_BODY} bytes)",
                        {"Connection": "close"})

    async def collect() -> bytes:
        parts, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                raise HttpError(413, f"request body too large (over {MAX_BODY} bytes)",
                                {"Connection": "close"})
            parts.append(chunk)
        return b"".join(parts)

    try:
        return await asyncio.wait_for(collect(), BODY_SECONDS)
    except asyncio.TimeoutError:
        raise HttpError(408, f"the request body did not arrive within {BODY_SECONDS:g} s",
                        {"Connection": "close"}) from None


def _decode(data: bytes, charset: str, what: str) -> str:
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, f"{what} must be UTF-8 (got charset={charset})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, f"{what} is not valid UTF-8") from None


def decode_params(encoded: str, what: str) -> dict[str, list[str]]:
    """The parameters of a URL-encoded text (``yarl.query_to_pairs``, which decodes in C); 400
    when a percent-escape is not UTF-8 or there are more than ``MAX_PARAMS``.

    >>> decode_params("query=ASK+%7B%7D&format=json&format=xml&x", "the query string")
    {'query': ['ASK {}'], 'format': ['json', 'xml'], 'x': ['']}
    >>> decode_params("query=%FF", "the form")
    Traceback (most recent call last):
    kgbuild.site.sparql.HttpError: the form is not valid UTF-8
    >>> decode_params("a&" * MAX_PARAMS, "the form")
    Traceback (most recent call last):
    kgbuild.site.sparql.HttpError: the form has more than 1000 parameters
    """
    try:
        pairs = query_to_pairs(encoded, max_fields=MAX_PARAMS)
    except ValueError:
        raise HttpError(400, f"{what} has more than {MAX_PARAMS} parameters") from None
    params: dict[str, list[str]] = {}
    replaced = False
    for name, value in pairs:
        params.setdefault(name, []).append(value)
        replaced = replaced or "\ufffd" in value or "\ufffd" in name
    if replaced:
        try:  # an escape that is not UTF-8 was replaced, or the text holds a real U+FFFD
            return parse_qs(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise HttpError(400, f"{what} is not valid UTF-8") from None
    return params


def header(scope, name: bytes) -> str | None:
    """The value of a request header (``name`` in lower case, as the server gives it), or None.

    >>> header({"headers": [(b"accept", b"text/csv")]}, b"accept")
    'text/csv'
    """
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


async def read_params(scope, receive) -> dict[str, list[str]]:
    """The protocol parameters of the URL and, for POST, of the body."""
    params = decode_params(scope["query_string"].decode("latin-1"), "the query string")  # ASCII
    if scope["method"] != "POST":
        return params
    body = await read_body(Request(scope, receive))
    ctype = header(scope, b"content-type") or ""
    media = ctype.split(";")[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        form = _decode(body, read_charset(ctype), "the form")
        for key, values in decode_params(form, "the form").items():
            params.setdefault(key, []).extend(values)
    elif media == "application/sparql-query":
        params.setdefault("query", []).append(_decode(body, read_charset(ctype), "the query"))
    elif media == "application/sparql-update":
        raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
    else:
        raise HttpError(415, f"unsupported Content-Type '{media or 'none'}': send "
                        "application/sparql-query or application/x-www-form-urlencoded")
    return params


async def answer(endpoint: Endpoint, scope, receive, origin: str) -> Answer:
    """Answer one request to the endpoint (an ASGI HTTP ``scope``; ``origin`` is the checked
    ``scheme://host`` of absolute URLs)."""
    method = scope["method"]
    if method == "OPTIONS":  # not a CORS preflight (the CORS middleware answers those)
        return 204, [(b"allow", b"GET, HEAD, POST, OPTIONS")], b""
    if method not in ("GET", "HEAD", "POST"):
        return text(405, f"{method} is not supported here: use GET or POST",
                    {"Allow": "GET, HEAD, POST, OPTIONS"})
    try:
        params = await read_params(scope, receive)
        for key in UPDATE_PARAMS:
            if key in params:
                raise HttpError(403, "this endpoint is read-only: SPARQL Update is not accepted")
        queries = params.get("query", ())
        if len(queries) > 1:
            raise HttpError(400, "give one 'query' parameter")
        formats = tuple(v for key in FORMAT_PARAMS if key in params for v in params[key])
        accept = header(scope, b"accept")
        endpoint_url = origin + scope["path"]
        if not queries:
            if method == "POST":
                raise HttpError(400, "missing 'query' parameter (a SPARQL query)")
            return describe_endpoint(endpoint, accept, formats, endpoint_url)
        deadline = time.monotonic() + endpoint.queries.timeout  # SERVICE calls included
        default_graphs = params.get("default-graph-uri", [])
        named_graphs = params.get("named-graph-uri", [])
        shape = shape_of(queries[0])  # None: it may hold a SERVICE, or is long
        if shape is None and may_hold_service(queries[0]):  # remotes, the pool: a thread
            query, federated = await run_in_threadpool(
                endpoint.prepare_query, queries[0], base_iri=endpoint_url, deadline=deadline,
                default_graphs=default_graphs, named_graphs=named_graphs)
        else:
            query, federated = endpoint.prepare_query(queries[0], base_iri=endpoint_url,
                                                      shape=shape)
    except HttpError as err:
        return text(err.status, str(err), err.headers)
    results_type, graph_type = formats_for(accept, formats)
    client = scope["client"][0] if scope.get("client") else "unknown"
    job = Job(query, results_type, graph_type, default_graphs, named_graphs, federated,
              endpoint.max_bytes, endpoint_url, deadline if federated else None)
    lane = endpoint.lane if shape is not None and not federated else None
    result = None
    if lane is not None and lane.knows_fast(shape):  # here, at once (the watchdog watches)
        if endpoint.client_limit.full(client):
            return too_many(endpoint, client)
        result = lane.run(job, shape)  # None: too big for the lane after all
    if result is None:
        if not endpoint.client_limit.enter(client):
            return too_many(endpoint, client)
        try:
            started = time.monotonic()
            result = await endpoint.queries.run(job)
            if lane is not None:
                lane.learn(shape, time.monotonic() - started, result)
        except Busy as err:
            return text(503, f"query not run: {err}; try again later", {"Retry-After": "2"})
        finally:
            endpoint.client_limit.leave(client)
    status, ctype, body = result
    return reply(status, ctype, body, None if formats else VARY_ACCEPT)


def too_many(endpoint: Endpoint, client: str) -> Answer:
    return text(429, f"too many queries at once from {client} (at most "
                f"{endpoint.client_limit.limit}); wait for one to finish", {"Retry-After": "1"})


VARY_ACCEPT = {"Vary": "Accept"}
_formats: dict[tuple, tuple[str | None, str | None]] = {}


def formats_for(accept: str | None, formats: tuple[str, ...]) -> tuple[str | None, str | None]:
    """``negotiation.endpoint_formats``, remembered (clients send the same few headers).

    >>> formats_for("text/csv", ())
    ('text/csv', None)
    """
    key = (accept, formats)
    found = _formats.get(key)
    if found is None:
        if len(_formats) > 1000:
            _formats.clear()
        found = _formats[key] = endpoint_formats(accept, formats or None)
    return found


def describe_endpoint(endpoint: Endpoint, accept: str | None, formats: tuple[str, ...],
                      endpoint_url: str) -> Answer:
    """``GET /sparql`` without a query: the query UI for browsers, the service description
    for RDF clients."""
    graph_type = endpoint_formats(accept, formats or None)[1]
    html_q = quality(accept, HTML) if accept and "html" in accept else 0.0
    graph_q = quality(accept, graph_type) if graph_type else 0.0
    if html_q > 0 and html_q >= graph_q:
        body = render("query.html", title="SPARQL — BNC-fiches", data=endpoint.ui_data)
        return reply(200, "text/html; charset=utf-8", body, VARY_ACCEPT)
    if graph_type:
        return reply(200, graph_type, service_description(endpoint_url, graph_type), VARY_ACCEPT)
    return text(400, "missing 'query' parameter (a SPARQL query); open this address in a "
                "browser for the query UI")


def service_description(endpoint_url: str, media_type: str) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint, in ``media_type``.

    >>> b"sd:UnionDefaultGraph" in service_description("http://h/sparql", "text/turtle")
    True
    """
    import pyoxigraph as ox

    from .formats import serialize_triples

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
                 "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML", "TriG",
                 "N-Quads"):
        triples.append((me, ox.NamedNode(sd + "resultFormat"), ox.NamedNode(fmt + name)))
    return serialize_triples([ox.Triple(*t) for t in triples], media_type, prefixes={"sd": sd})


def ui_data(prefixes_text: str, endpoint_path: str = "/sparql") -> dict:
    """What the query editor (``templates/query.html``, YASGUI) is configured with: the
    endpoint, the prefixes (declared in its first tab and offered for completion) and the
    catalogue's examples (each opened in a tab), inlined in the page: it asks nothing elsewhere.

    >>> "fiches-citing-kamerstuk" in [e["name"] for e in ui_data("PREFIX x: <http://x/>")["examples"]]
    True
    """
    examples = [{"name": q.name, "summary": q.summary, "description": q.description,
                 "params": [p.name for p in q.params], "endpoint": q.endpoint, "query": q.text}
                for q in load_catalogue()]
    return {"prefixes": prefixes_text, "examples": examples, "endpoint": endpoint_path}
