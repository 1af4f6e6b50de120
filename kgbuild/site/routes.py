"""The linked-data site's routes: pages, dereferencing (the 303 pattern), named graphs, the
ontology, VoID, the examples, dumps, source files and the JSON-LD context.

Each route is a function ``(Visit, **path parameters) -> (status, headers, body)`` in ``ROUTES``;
``site_route`` turns it into a Starlette route that runs it in a thread (it reads the store
through the page worker pool), renders ``NotFound`` as the 404 page and a store error as a 503.
Adding a page: write its function (and its template in ``templates/``) and add one line to
``ROUTES``.

**Negotiation policy.** No ``Accept`` header, ``*/*`` or anything a browser sends gives HTML.
Where there is RDF to give (``/doc/…``, ``/graph/…``, ``/ontology``, VoID, the examples), an
``Accept`` header naming only types we cannot give gets ``406 Not Acceptable`` with the list of
types we can; pages that exist only as HTML (``/fiches``, ``/dumps/``) ignore ``Accept``, and the
home page sends RDF clients to VoID (303). Unknown IRIs get ``404``.

>>> sorted(EXTENSIONS)[:3]
['.html', '.jsonld', '.nq']
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable
from urllib.parse import quote

from pyoxigraph import NamedNode, Quad
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response as HttpResponse
from starlette.routing import Route

from ..errors import KgbuildError
from . import pages
from .documents import (DUMP_NAME, _void_stats, about_document, dump_info, examples_quads,
                        source_file, void_quads, _catalogue)
from .formats import jsonld_context, serialize_quads
from .negotiation import EXTENSIONS, HTML, JSONLD, RDF_AND_HTML, negotiate
from .reading import (DCT, OWL, RDFS, SCHEMA, SH, NotFound, Response, Visit, _cached, _config,
                      _home_facts,
                      _ontology_iri, _store_key, _thing_iri, description_quads, exists,
                      rdf_prefixes)


def not_acceptable(offered: list[str]) -> Response:
    """406 with the list of media types this path offers."""
    text = "Not acceptable. This resource is available as: " + ", ".join(offered) + "\n"
    return 406, {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, text.encode()

def see_other(req: Visit, rest: str) -> Response:
    """``/id/P`` → 303 to ``/doc/P`` when the graph knows ``{base}id/P``, else 404."""
    if not exists(req, _thing_iri(req, rest)):
        raise NotFound
    return 303, {"Location": "/doc/" + quote(rest, safe="/-_.~:@!$&'()*+,;="),
                 "Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, \
        b"See the description at /doc/" + rest.encode("utf-8") + b"\n"


def _split_extension(rest: str) -> tuple[str, str | None]:
    for ext, media_type in EXTENSIONS.items():
        if rest.endswith(ext):
            return rest[: -len(ext)], media_type
    return rest, None


def describe(req: Visit, rest: str) -> Response:
    """``/doc/P``: the page or the RDF description of ``{base}id/P`` (with what the document
    says about itself: its primary topic, licence and dataset)."""
    rest, forced = _split_extension(rest)
    subject = _thing_iri(req, rest)
    media_type = forced or negotiate(req.accept, RDF_AND_HTML)
    if not exists(req, subject):
        raise NotFound
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        document = req.origin + "/doc/" + quote(rest, safe="/-_.~:@!$&'()*+,;=")
        quads = description_quads(req, subject) + about_document(req, document, subject)
        return rdf_response(quads, media_type, req, vary=forced is None)
    kind = rest.split("/", 1)[0]
    renderer = pages.PAGES.get(kind, pages.resource_page)
    return pages.html_response(renderer(req, subject, rest), vary=forced is None)


def rdf_response(quads: list[Quad], media_type: str, req: Visit, *, vary: bool = True) -> Response:
    body = serialize_quads(quads, media_type, inferred_graph=req.base + "graph/inferred",
                           prefixes=rdf_prefixes(req))
    headers = {"Content-Type": f"{media_type}; charset=utf-8"}
    if vary:
        headers["Vary"] = "Accept"
    return 200, headers, body


def graph_document(req: Visit, rest: str) -> Response:
    """``/graph/G``: a named graph is a document; its content as RDF, or a page about it."""
    rest, forced = _split_extension(rest)
    graph = req.base + rest
    if any(c in rest for c in '<>" \\'):
        raise NotFound
    media_type = forced or negotiate(req.accept, RDF_AND_HTML)
    count = _cached("size " + graph, req, lambda: req.sparql(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    n = int(count[0]["n"].value) if count else 0
    if n == 0 and not exists(req, graph):
        raise NotFound
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        rows = req.sparql(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
        quads = [Quad(r["s"], r["p"], r["o"], NamedNode(graph)) for r in rows]
        body = serialize_quads(quads, media_type, inferred_graph="", prefixes=rdf_prefixes(req))
        headers = {"Content-Type": f"{media_type}; charset=utf-8"}
        if forced is None:
            headers["Vary"] = "Accept"
        return 200, headers, body
    return pages.html_response(pages.graph_page(req, graph, "/" + rest, n), vary=forced is None)


# --- the ontology -------------------------------------------------------------------------------


def ontology_page(req: Visit) -> Response:
    """``/ontology``: the ontology as HTML (one anchor per term) or as RDF."""
    offered = RDF_AND_HTML
    media_type = negotiate(req.accept, offered)
    return _ontology(req, media_type, vary=True)


def _ontology(req: Visit, media_type: str | None, *, vary: bool) -> Response:
    """The ontology graph as RDF, or its documentation (rendered once per store build)."""
    graph = req.base + "graph/ontology"
    rows = _cached("ontology rows", req, lambda: req.sparql(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    if not rows:
        raise NotFound
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        quads = [Quad(r["s"], r["p"], r["o"], NamedNode(graph)) for r in rows]
        body = serialize_quads(quads, media_type, inferred_graph="", prefixes=rdf_prefixes(req))
        headers = {"Content-Type": f"{media_type}; charset=utf-8"}
        if vary:
            headers["Vary"] = "Accept"
        return 200, headers, body
    return pages.html_response(_cached("ontology page", req, lambda: pages.ontology_page(req, rows)),
                               vary=vary)


def _ontology_version(req: Visit, rest: str) -> Response:
    """The ontology's version IRI answers like the ontology while it is the current version."""
    rows = req.sparql(f"ASK {{ <{req.ontology}> <{OWL}versionIRI> <{req.base}{rest}> }}")
    if not rows:
        raise NotFound
    return ontology_page(req)



def void_document(req: Visit) -> Response:
    media_type = negotiate(req.accept, RDF_AND_HTML)
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    quads = void_quads(req)
    if media_type != HTML:
        body = serialize_quads(quads, media_type, inferred_graph="", prefixes={
            **rdf_prefixes(req), "spdx": "http://spdx.org/rdf/terms#",
            "dcat": "http://www.w3.org/ns/dcat#"})
        return 200, {"Content-Type": f"{media_type}; charset=utf-8", "Vary": "Accept"}, body
    stats = _cached("void", req, lambda: _void_stats(req))
    return pages.html_response(pages.void_page(req, quads, stats))



def examples_document(req: Visit) -> Response:
    media_type = negotiate(req.accept, RDF_AND_HTML)
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        body = serialize_quads(examples_quads(req), media_type, inferred_graph="",
                               prefixes={"sh": SH, "rdfs": RDFS, "schema": SCHEMA, "dcterms": DCT})
        return 200, {"Content-Type": f"{media_type}; charset=utf-8", "Vary": "Accept"}, body
    return pages.html_response(pages.examples_page(_catalogue()))




# --- files, the context -----------------------------------------------------------------------


def dump_document(req: Visit, name: str) -> Response | FileResponse:
    """``/dumps/dump.nq.gz`` (streamed from disk) and its ``.sha256``."""
    info = dump_info()
    if info is None:
        raise NotFound
    if name == DUMP_NAME:
        return FileResponse(info["path"], media_type="application/gzip", filename=DUMP_NAME)
    if name == DUMP_NAME + ".sha256":
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, \
            f"{info['sha256']}  {DUMP_NAME}\n".encode()
    raise NotFound


def source_document(req: Visit, digest: str) -> FileResponse:
    """``/sources/{sha256}``: a fiche's source file, streamed, while its content matches."""
    found = source_file(req, digest)
    if found is None:
        raise NotFound
    path, media_type = found
    return FileResponse(path, media_type=media_type, filename=path.name,
                        content_disposition_type="inline")


STATIC = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".txt": "text/plain; charset=utf-8", ".md": "text/markdown; charset=utf-8"}


def static_file(req: Visit, name: str) -> FileResponse:
    """``/static/yasgui/{name}``: the vendored query editor, from the package's data (so an
    installed kgbuild serves it; nothing is fetched from elsewhere), cached for a day."""
    from importlib.resources import files

    folder = files("kgbuild") / "static" / "yasgui"
    media_type = next((t for ext, t in STATIC.items() if name.endswith(ext)), None)
    if "/" in name or name.startswith(".") or media_type is None:
        raise NotFound
    path = Path(str(folder / name))
    if not path.is_file():
        raise NotFound
    return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})


def context_document(req: Visit) -> Response:
    """``/context.jsonld``: the JSON-LD ``@context`` every JSON-LD answer is compacted with."""
    body = json.dumps({"@context": jsonld_context(rdf_prefixes(req))}, indent=1).encode()
    return 200, {"Content-Type": f"{JSONLD}"}, body


def extension_document(render: Callable[[Visit], Response]) -> Callable[..., Response]:
    """``/.well-known/void.ttl`` and the like: the document in the extension's format."""

    def answer(req: Visit, ext: str) -> Response:
        media_type = EXTENSIONS.get("." + ext)
        if media_type is None:
            raise NotFound
        req.headers = {**req.headers, "accept": media_type}
        return render(req)

    return answer


def ontology_in(req: Visit, ext: str) -> Response:
    media_type = EXTENSIONS.get("." + ext)
    if media_type is None:
        raise NotFound
    return _ontology(req, media_type, vary=False)


# --- the route table and what runs every route ----------------------------------------------

_warming: set[Any] = set()


def _warm_up(req: Visit) -> None:
    """Once per store build, fill the caches that lists, the home page and VoID read (fiche
    index, labels, counts) in a background thread, so that later visitors do not wait for them."""
    key = (_store_key(), id(getattr(req.sparql, "__self__", req.sparql)))
    if key in _warming:
        return
    _warming.add(key)
    quiet = Visit("/", {}, {}, req.sparql, req.base, req.ontology, req.origin)

    def run() -> None:
        try:
            _cached("home", quiet, lambda: _home_facts(quiet))
            _cached("void", quiet, lambda: _void_stats(quiet))
        except Exception:  # noqa: BLE001 - a page computes what it needs itself, and reports it
            pass

    threading.Thread(target=run, name="kgbuild-web-warm-up", daemon=True).start()


def visit_of(request: Request) -> Visit:
    """The ``Visit`` of a Starlette request (the app's state holds the page query function
    and the checked origin)."""
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    return Visit(request.url.path, params, {k.lower(): v for k, v in request.headers.items()},
                 request.app.state.page_sparql, origin=request.state.origin)


def answer(visit: Visit, handler: Callable[..., Any], kwargs: dict[str, str]) -> HttpResponse:
    """Run a route's function; ``NotFound`` → the 404 page, a store error → a 503 page."""
    try:
        visit.ontology = _ontology_iri(visit)
        visit.base = _config.base or visit.ontology[: -len("ontology")]
        _warm_up(visit)
        result = handler(visit, **kwargs)
    except NotFound:
        result = pages.not_found(visit)
    except KgbuildError as err:
        message = str(err).splitlines()[0] if str(err) else "the store is not available"
        result = 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "10"}, \
            pages.unavailable(message)
    if isinstance(result, HttpResponse):
        return result
    status, headers, body = result
    return HttpResponse(body, status, headers=headers)


def site_route(path: str, handler: Callable[..., Any]) -> Route:
    """A GET/HEAD route running ``handler(visit, **path parameters)`` in a thread."""

    async def endpoint(request: Request) -> HttpResponse:
        return await run_in_threadpool(answer, visit_of(request), handler,
                                       dict(request.path_params))

    route = Route(path, endpoint, methods=["GET", "HEAD"])
    route.site_handler = handler  # for dispatch()
    return route


async def not_found_page(request: Request, exc: Exception) -> HttpResponse:
    """Starlette's 404 (no route matched) as the site's 404 page; 405 as one line."""
    status = getattr(exc, "status_code", 404)
    if status != 404:
        return HttpResponse(f"{request.method} is not served here: use GET or HEAD (SPARQL "
                            "queries go to /sparql)\n", status,
                            headers={"Allow": "GET, HEAD, OPTIONS"}, media_type="text/plain")
    visit = visit_of(request)
    status, headers, body = pages.not_found(visit)
    return HttpResponse(body, status, headers=headers)


ROUTES = [
    site_route("/", pages.home),
    site_route("/fiches", pages.fiches_page),
    site_route("/lookup", pages.lookup),
    site_route("/search", pages.search_page),
    site_route("/report", pages.report_page),
    site_route("/static/yasgui/{name}", static_file),
    site_route("/ontology", ontology_page),
    site_route("/ontology/", ontology_page),
    site_route("/ontology.{ext}", ontology_in),
    site_route("/ontology/{rest:path}", lambda req, rest: _ontology_version(req, "ontology/" + rest)),
    site_route("/.well-known/void", void_document),
    site_route("/.well-known/void/", void_document),
    site_route("/.well-known/void.{ext}", extension_document(void_document)),
    site_route("/.well-known/sparql-examples", examples_document),
    site_route("/.well-known/sparql-examples/", examples_document),
    site_route("/.well-known/sparql-examples.{ext}", extension_document(examples_document)),
    site_route("/context.jsonld", context_document),
    site_route("/dumps", pages.dumps_page),
    site_route("/dumps/", pages.dumps_page),
    site_route("/dumps/{name}", dump_document),
    site_route("/sources/{digest}", source_document),
    site_route("/id/{rest:path}", see_other),
    site_route("/doc/{rest:path}", describe),
    site_route("/graph/{rest:path}", lambda req, rest: graph_document(req, "graph/" + rest)),
]


def dispatch(visit: Visit) -> HttpResponse:
    """Answer a GET for ``visit.path`` without HTTP (benchmarks of the handlers alone, tests):
    the route that matches it, else the 404 page."""
    from starlette.routing import Match

    scope = {"type": "http", "path": visit.path, "method": "GET"}
    for route in ROUTES:
        match, child = route.matches(scope)
        if match == Match.FULL:
            return answer(visit, route.site_handler, dict(child["path_params"]))
    status, headers, body = pages.not_found(visit)
    return HttpResponse(body, status, headers=headers)
