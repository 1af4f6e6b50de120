"""Linked data people can follow: pages, dereferencing, VoID, example queries and dumps.

``kgbuild/serve.py`` answers SPARQL at ``/sparql`` and ``/query`` and hands every other request
to :func:`handle`, with a function that runs SPARQL on the served store. This module routes,
negotiates, reads the store (with caches kept per store build) and writes RDF; the HTML pages
are rendered by ``kgbuild/pages/``.

**URL design (the 303 pattern).** A thing's IRI is ``{base}id/P`` (``P`` = ``fiche/com-2025-723``,
``kamerstuk/26643-640`` …). On this host it answers at ``/id/P`` with ``303 See Other`` to its
description ``/doc/P``, whatever the ``Accept`` header. ``/doc/P`` is a document: HTML for
browsers, or the resource's description in Turtle, N-Triples, JSON-LD, TriG or N-Quads
(content negotiation, ``Vary: Accept``; also ``/doc/P.ttl``, ``.nt``, ``.jsonld``, ``.trig``,
``.nq``). The description holds the resource's own triples, the triples that point at it, the
labels of everything it links to, and the triples the reasoner inferred — in the named graph
``{base}graph/inferred`` in TriG, N-Quads and JSON-LD (asserted triples in a fiche graph that
states them, labels of linked resources in the default graph), and after an ``# Inferred``
comment in Turtle and N-Triples. Named graphs (``{base}graph/…``) are documents and answer 200 at their
path. The ontology uses hash IRIs (``{base}ontology#Fiche``): ``/ontology`` answers 200 with
HTML or Turtle.

**Negotiation policy.** No ``Accept`` header, ``*/*`` or anything a browser sends gives HTML.
Where there is RDF to give (``/doc/…``, ``/graph/…``, ``/ontology``, VoID, the examples), an
``Accept`` header naming only types we cannot give gets ``406 Not Acceptable`` with the list of
types we can; pages that exist only as HTML (``/fiches``, ``/dumps/``) ignore ``Accept``, and the
home page sends RDF clients to VoID (303). Unknown IRIs get ``404``. Only ``GET`` and ``HEAD``
are served (``405`` otherwise, ``204`` for ``OPTIONS``).

>>> negotiate("text/turtle;q=0.9, application/ld+json", RDF_AND_HTML)
'application/ld+json'
>>> negotiate(None, RDF_AND_HTML), negotiate("image/png", RDF_AND_HTML)
('text/html', None)
>>> local_path("https://w3id.org/bnc-fiches/id/fiche/com-2025-723", "https://w3id.org/bnc-fiches/")
'/doc/fiche/com-2025-723'
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, RdfFormat, Triple, serialize

from .errors import KgbuildError

DEFAULT_BASE = "https://w3id.org/bnc-fiches/"
PAGE_SIZE = 50

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"
PROV = "http://www.w3.org/ns/prov#"
SH = "http://www.w3.org/ns/shacl#"
SCHEMA = "https://schema.org/"
SD = "http://www.w3.org/ns/sparql-service-description#"
FOAF = "http://xmlns.com/foaf/0.1/"
CELEX = "http://publications.europa.eu/resource/celex/"
ELI = "http://data.europa.eu/eli/ontology#"
CDM = "http://publications.europa.eu/ontology/cdm#"
ORG = "http://www.w3.org/ns/org#"

Sparql = Callable[[str], Any]
Response = tuple[int, dict[str, str], bytes]

# --- configuration ----------------------------------------------------------------------------


@dataclass
class _Config:
    store_dir: Path = Path("data/store")
    base: str | None = None


_config = _Config()


def configure(*, store_dir: str | Path | None = None, base: str | None = None) -> None:
    """Set the store directory (for dumps and build facts) and the IRI base; serve.py calls this.

    >>> configure(store_dir="data/store"); _config.store_dir
    PosixPath('data/store')
    """
    if store_dir is not None:
        _config.store_dir = Path(store_dir)
    if base is not None:
        _config.base = base
    _cache.clear()


# --- content negotiation ----------------------------------------------------------------------

HTML = "text/html"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
TRIG = "application/trig"
NQUADS = "application/n-quads"
RDF_TYPES = [TURTLE, JSONLD, TRIG, NQUADS, NTRIPLES]
RDF_AND_HTML = [HTML] + RDF_TYPES
EXTENSIONS = {".ttl": TURTLE, ".nt": NTRIPLES, ".jsonld": JSONLD, ".trig": TRIG, ".nq": NQUADS,
              ".html": HTML}
RDF_FORMATS = {TURTLE: RdfFormat.TURTLE, NTRIPLES: RdfFormat.N_TRIPLES, JSONLD: RdfFormat.JSON_LD,
               TRIG: RdfFormat.TRIG, NQUADS: RdfFormat.N_QUADS}
QUAD_TYPES = {JSONLD, TRIG, NQUADS}
ALIASES = {"application/xhtml+xml": HTML, "application/x-turtle": TURTLE, "text/n3": TURTLE,
           "application/json": JSONLD, "text/x-nquads": NQUADS}


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers; the first offered on a tie.

    ``None`` when nothing offered is acceptable (the caller answers 406).

    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", RDF_AND_HTML)
    'text/html'
    >>> negotiate("application/n-triples", RDF_AND_HTML)
    'application/n-triples'
    >>> negotiate("text/*;q=0.5, application/trig", [HTML, TURTLE, TRIG])
    'application/trig'
    """
    if not accept or not accept.strip():
        return offered[0]
    best, best_q = None, 0.0
    for item in offered:
        q = _quality(accept, item)
        if q > best_q:
            best, best_q = item, q
    return best


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``, from its most specific matching range."""
    best_spec, best_q = -1, 0.0
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        rng = ALIASES.get(fields[0].lower(), fields[0].lower())
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        kind = media_type.split("/")[0]
        if rng == media_type:
            spec = 2
        elif rng == f"{kind}/*":
            spec = 1
        elif rng == "*/*":
            spec = 0
        else:
            continue
        if spec > best_spec:
            best_spec, best_q = spec, q
    return best_q


# --- IRIs and paths ---------------------------------------------------------------------------


def local_path(iri: str, base: str) -> str | None:
    """The path on this host that describes ``iri``, or ``None`` for IRIs not minted here.

    >>> B = "https://w3id.org/bnc-fiches/"
    >>> local_path(B + "ontology#Fiche", B), local_path(B + "graph/inferred", B)
    ('/ontology#Fiche', '/graph/inferred')
    >>> local_path("http://publications.europa.eu/resource/celex/52025DC0723", B) is None
    True
    """
    if not iri.startswith(base):
        return None
    rest = iri[len(base):]
    if rest.startswith("id/"):
        return "/doc/" + quote(rest[3:], safe="/-_.~:@!$&'()*+,;=#")
    return "/" + quote(rest, safe="/-_.~:@!$&'()*+,;=#")


def eurlex_url(iri: str) -> str | None:
    """EUR-Lex's page for a CELEX work IRI.

    >>> eurlex_url("http://publications.europa.eu/resource/celex/32024R1689")
    'https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32024R1689'
    """
    if iri.startswith(CELEX):
        return f"https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:{iri[len(CELEX):]}"
    return None


def official_publication(dossier: str, number: str) -> str:
    """The Kamerstuk's page on officielebekendmakingen.nl.

    >>> official_publication("26643", "640")
    'https://zoek.officielebekendmakingen.nl/kst-26643-640'
    """
    return f"https://zoek.officielebekendmakingen.nl/kst-{dossier}-{number}"


# --- the request ------------------------------------------------------------------------------


@dataclass
class Request:
    """One request as web.py sees it, with the store's query function and the IRI base."""

    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    sparql: Sparql
    base: str = DEFAULT_BASE
    ontology: str = DEFAULT_BASE + "ontology"

    @property
    def prefixes(self) -> str:
        """SPARQL prefixes for the queries web.py runs."""
        return (f"PREFIX bnc: <{self.ontology}#>\nPREFIX dcterms: <{DCT}>\nPREFIX rdfs: <{RDFS}>\n"
                f"PREFIX skos: <{SKOS}>\nPREFIX prov: <{PROV}>\nPREFIX cdm: <{CDM}>\n"
                f"PREFIX owl: <{OWL}>\nPREFIX foaf: <{FOAF}>\nPREFIX xsd: <{XSD}>\n")

    def select(self, query: str) -> list[dict[str, Any]]:
        """Run a SELECT with web.py's prefixes."""
        return self.sparql(self.prefixes + query)

    def param(self, name: str, default: str = "") -> str:
        values = self.params.get(name) or [default]
        return values[0]

    @property
    def accept(self) -> str | None:
        return self.headers.get("accept")

    @property
    def origin(self) -> str:
        """``http://host:port`` of this server, for absolute service URLs (endpoint, dumps)."""
        host = self.headers.get("host", "127.0.0.1")
        scheme = self.headers.get("x-forwarded-proto", "http")
        return f"{scheme}://{host}"

    def page_number(self) -> int:
        try:
            return max(1, int(self.param("page", "1")))
        except ValueError:
            return 1


def sparql_over(store: Any) -> Sparql:
    """The ``sparql`` callable of the contract over a pyoxigraph ``Store`` (union default graph),
    for running pages without the server (benchmarks, tests).

    >>> from pyoxigraph import Store
    >>> store = Store(); store.add(Quad(NamedNode("http://e.org/s"), NamedNode("http://e.org/p"),
    ...                                 Literal("o"), NamedNode("http://e.org/g")))
    >>> sparql_over(store)("SELECT ?o WHERE { ?s ?p ?o }")
    [{'o': <Literal value=o datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}]
    """
    from pyoxigraph import QueryBoolean, QuerySolutions

    def run(query: str) -> Any:
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except (SyntaxError, OSError, ValueError) as err:
            raise KgbuildError(" ".join(str(err).split())) from None
        if isinstance(result, QueryBoolean):
            return bool(result)
        if isinstance(result, QuerySolutions):
            names = [v.value for v in result.variables]
            return [{n: row[n] for n in names if row[n] is not None} for row in result]
        return list(result)

    return run


class NotFound(Exception):
    """Nothing to show at this path (becomes a 404 page)."""


def handle(method: str, path: str, query_params: dict[str, list[str]], headers: dict[str, str],
           sparql: Sparql) -> Response | None:
    """Answer one request for a page, a description, VoID, the examples or a dump.

    The signature is serve.py's contract (docs/CONTRACTS.md). Errors of the store or of a
    query become a one-line 503 page, never a traceback.

    >>> status, hdrs, body = handle("GET", "/nowhere", {}, {"accept": "text/html"},
    ...                             lambda q: [] if q.lstrip().startswith("SELECT") else False)
    >>> status, hdrs["Content-Type"]
    (404, 'text/html; charset=utf-8')
    >>> handle("DELETE", "/", {}, {}, lambda q: [])[0]
    405
    """
    if method == "OPTIONS":
        return 204, {"Allow": "GET, HEAD, OPTIONS"}, b""
    if method not in ("GET", "HEAD"):
        return 405, {"Allow": "GET, HEAD, OPTIONS", "Content-Type": "text/plain; charset=utf-8"}, \
            b"Only GET and HEAD are served here; SPARQL queries go to /sparql.\n"
    request = Request(path or "/", query_params or {}, headers or {}, sparql)
    try:
        request.ontology = _ontology_iri(request)
        request.base = _config.base or request.ontology[: -len("ontology")]
        _warm_up(request)
        return _route(request)
    except NotFound:
        return pages.not_found(request)
    except KgbuildError as err:
        message = str(err).splitlines()[0] if str(err) else "the store is not available"
        return 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "10"}, \
            pages.unavailable(message)


def _route(req: Request) -> Response:
    path = req.path
    if path == "/":
        return pages.home(req)
    if path == "/fiches":
        return pages.fiches_page(req)
    if path in ("/ontology", "/ontology/"):
        return ontology_page(req)
    if path.startswith("/ontology.") and path[len("/ontology"):] in EXTENSIONS:
        return _ontology(req, EXTENSIONS[path[len("/ontology"):]], vary=False)
    if path.startswith("/ontology/"):  # the version IRI, e.g. /ontology/0.1.0
        return _ontology_version(req, path[1:])
    for name, render in (("void", void_document), ("sparql-examples", examples_document)):
        doc = "/.well-known/" + name
        if path in (doc, doc + "/"):
            return render(req)
        if path.startswith(doc + ".") and path[len(doc):] in EXTENSIONS:
            req.headers = {**req.headers, "accept": EXTENSIONS[path[len(doc):]]}
            return render(req)
    if path in ("/dumps", "/dumps/"):
        return pages.dumps_page(req)
    if path.startswith("/dumps/"):
        return dump_file(req, path[len("/dumps/"):])
    if path.startswith("/sources/"):
        return source_file(req, path[len("/sources/"):])
    if path.startswith("/id/"):
        return see_other(req, path[len("/id/"):])
    if path.startswith("/doc/"):
        return describe(req, path[len("/doc/"):])
    if path.startswith("/graph/"):
        return graph_document(req, path[1:])
    raise NotFound


# --- small caches, keyed by the store directory's current target -----------------------------

_cache: dict[Any, Any] = {}
_locks: dict[Any, threading.Lock] = {}
CACHE_SIZE = 4096
CORE_CACHES = {"ontology", "fiches", "labels", "home", "void", "sources", "ontology rows", "ontology page"}


def _store_key() -> tuple[str, float]:
    """Changes when the store is rebuilt (the symlink is swapped) or its report rewritten."""
    store = _config.store_dir
    try:
        target = str(store.resolve())
        stamp = (store / "report.json").stat().st_mtime
    except OSError:
        target, stamp = str(store), 0.0
    return target, stamp


def _cached(name: str, req: Request, compute: Callable[[], Any], ttl: float = 3600.0) -> Any:
    """``compute()`` once per store build (and at most every ``ttl`` seconds); a second caller
    waits for the first instead of computing it again."""
    owner = getattr(req.sparql, "__self__", req.sparql)  # a bound method is new on each access
    key = (name, _store_key(), id(owner))
    hit = _cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    with _locks.setdefault(key, threading.Lock()):
        hit = _cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < ttl:
            return hit[1]
        value = compute()
        if len(_cache) > CACHE_SIZE:  # forget the oldest per-resource entries, keep the indexes
            for old in sorted((k for k in _cache if k[0] not in CORE_CACHES), key=lambda k: _cache[k][0])[
                    : CACHE_SIZE // 2]:
                del _cache[old]
                _locks.pop(old, None)
        _cache[key] = (time.monotonic(), value)
    return value


_warming: set[Any] = set()


def _warm_up(req: Request) -> None:
    """Once per store build, fill the caches that lists, the home page and VoID read (fiche
    index, labels, counts) in a background thread, so that later visitors do not wait for them."""
    key = (_store_key(), id(getattr(req.sparql, "__self__", req.sparql)))
    if key in _warming:
        return
    _warming.add(key)
    quiet = Request("/", {}, {}, req.sparql, req.base, req.ontology)

    def run() -> None:
        try:
            _cached("home", quiet, lambda: _home_facts(quiet))
            _cached("void", quiet, lambda: _void_stats(quiet))
        except Exception:  # noqa: BLE001 - a page computes what it needs itself, and reports it
            pass

    threading.Thread(target=run, name="kgbuild-web-warm-up", daemon=True).start()


def _ontology_iri(req: Request) -> str:
    """The ontology's IRI as the store states it (its terms are ``{that}#Term``)."""

    def find() -> str:
        rows = req.sparql(f"SELECT ?o WHERE {{ ?o a <{OWL}Ontology> . "
                          f"FILTER(STRENDS(STR(?o), \"/ontology\")) }} LIMIT 1")
        if rows:
            return str(rows[0]["o"].value)
        return (_config.base or DEFAULT_BASE) + "ontology"

    return _cached("ontology", req, find)


# --- answers that are not documents ---------------------------------------------------------


def not_acceptable(offered: list[str]) -> Response:
    """406 with the list of media types this path offers."""
    text = "Not acceptable. This resource is available as: " + ", ".join(offered) + "\n"
    return 406, {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, text.encode()


# --- what the store says: labels, the fiche index -------------------------------------------


def iri(term: Any) -> str:
    return str(term.value) if isinstance(term, NamedNode) else ""


def label_of(req: Request, iris: Iterable[str], *, langs: tuple[str, ...] = ("en", "nl", "")
             ) -> dict[str, str]:
    """Labels for IRIs in the preferred language: rdfs:label and skos:prefLabel (read once per
    store build), fiche titles (from the fiche index), else dcterms:title."""
    table = _cached("labels", req, lambda: _all_labels(req))
    index = fiche_index(req)
    out: dict[str, str] = {}
    missing = []
    for i in {i for i in iris if i}:
        if i in table:
            names = table[i]
            out[i] = next((names[lang] for lang in langs if lang in names), next(iter(names.values())))
        elif i in index and index[i].title:
            out[i] = index[i].title
        else:
            missing.append(i)
    for chunk in range(0, len(missing), 200):
        values = " ".join(f"<{i}>" for i in missing[chunk: chunk + 200])
        for row in req.sparql(f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x <{DCT}title> ?l }}"):
            out.setdefault(iri(row["x"]), str(row["l"].value))
    return out


def _all_labels(req: Request) -> dict[str, dict[str, str]]:
    """Every rdfs:label and skos:prefLabel: IRI → {language: label}."""
    rows = req.sparql(f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?p {{ <{RDFS}label> <{SKOS}prefLabel> }} "
                      f"?x ?p ?l FILTER(isIRI(?x)) }}")
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        lit = row["l"]
        out.setdefault(iri(row["x"]), {}).setdefault(getattr(lit, "language", None) or "", str(lit.value))
    return out


@dataclass(frozen=True)
class FicheInfo:
    """What lists of fiches show: date sent, title, own Kamerstuk (IRI)."""

    date: str = ""
    title: str = ""
    kamerstuk: str = ""
    title_lang: str = ""


def fiche_index(req: Request) -> dict[str, FicheInfo]:
    """Every fiche, newest first (then by IRI), read once per store build.

    Lists of fiches (hubs, Kamerstukken, all fiches) sort and page through this index instead
    of asking the store to sort thousands of rows for every page.
    """

    def compute() -> dict[str, FicheInfo]:
        fiches = {iri(r["f"]) for r in req.select("SELECT DISTINCT ?f WHERE { ?f a bnc:Fiche }")}
        found: dict[str, dict[str, str]] = {f: {} for f in fiches}
        for name, pred in (("date", "dcterms:issued"), ("title", "dcterms:title"), ("kamerstuk", "bnc:kamerstuk")):
            for r in req.select(f"SELECT DISTINCT ?f ?v WHERE {{ ?f {pred} ?v }}"):
                f = iri(r["f"])
                if f in found:
                    value = iri(r["v"]) or str(r["v"].value)
                    if value >= found[f].get(name, ""):
                        found[f][name] = value
                        if name == "title":
                            found[f]["title_lang"] = getattr(r["v"], "language", None) or ""
        order = sorted(fiches, key=lambda f: (found[f].get("date", ""), f), reverse=True)
        return {f: FicheInfo(**found[f]) for f in order}

    return _cached("fiches", req, compute)

def short_name(iri_: str) -> str:
    """A readable fallback name: the IRI's fragment or last path segment.

    >>> short_name("https://w3id.org/bnc-fiches/ontology#citesKamerstuk")
    'citesKamerstuk'
    """
    tail = re.split(r"[#/]", iri_.rstrip("/#"))[-1]
    return tail or iri_


def _display_iri(iri_: str, base: str) -> str:
    """A name for an IRI without a label.

    >>> B = "https://w3id.org/bnc-fiches/"
    >>> _display_iri(B + "id/kamerstuk/26643-640", B), _display_iri(B + "id/dossier/26643", B)
    ('Kamerstuk 26643, nr. 640', 'dossier 26643')
    """
    if iri_.startswith(CELEX):
        return "CELEX " + iri_[len(CELEX):]
    key = kamerstuk_key(iri_) if iri_.startswith(base) else None
    if key:
        return f"Kamerstuk {key[0]}, nr. {key[1]}"
    if iri_.startswith(base + "id/dossier/"):
        return "dossier " + iri_[len(base + "id/dossier/"):]
    if iri_.startswith(base):
        return short_name(iri_)
    return iri_


# --- dereferencing ----------------------------------------------------------------------------


def exists(req: Request, iri_: str) -> bool:
    """Whether the store says anything about ``iri_`` (as subject, object or graph name)."""
    answer = req.sparql(f"ASK {{ {{ <{iri_}> ?p ?o }} UNION {{ ?s ?p <{iri_}> }} "
                        f"UNION {{ GRAPH <{iri_}> {{ ?s ?p ?o }} }} }}")
    return bool(answer)


def _thing_iri(req: Request, rest: str) -> str:
    if not rest or "<" in rest or ">" in rest or '"' in rest or " " in rest or "\\" in rest:
        raise NotFound
    return req.base + "id/" + quote(rest, safe="/-_.~:@!$&'()*+,;=")


def see_other(req: Request, rest: str) -> Response:
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


def describe(req: Request, rest: str) -> Response:
    """``/doc/P``: the page or the RDF description of ``{base}id/P``."""
    rest, forced = _split_extension(rest)
    subject = _thing_iri(req, rest)
    media_type = forced or negotiate(req.accept, RDF_AND_HTML)
    if not exists(req, subject):
        raise NotFound
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        return rdf_response(description_quads(req, subject), media_type, req, vary=forced is None)
    kind = rest.split("/", 1)[0]
    renderer = pages.PAGES.get(kind, pages.resource_page)
    return pages.html_response(renderer(req, subject, rest), vary=forced is None)


def description_quads(req: Request, subject: str, *, incoming_limit: int = 1000) -> list[Quad]:
    """The resource's own triples (with the blank nodes they lead to) and up to
    ``incoming_limit`` triples pointing at it, each in a named graph that states it (the first
    one, for a triple that many fiche graphs repeat; inferred ones in ``graph/inferred``), and
    the labels of everything linked, in the default graph."""
    s = f"<{subject}>"
    inferred = req.base + "graph/inferred"
    quads: dict[tuple[Any, Any, Any, bool], Quad] = {}

    def add(s_, p, o, g) -> None:
        key = (s_, p, o, iri(g) == inferred)
        if key not in quads:
            quads[key] = Quad(s_, p, o, g)

    linked = set()
    for r in req.sparql(
            f"SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{ {{ {s} ?p ?o BIND({s} AS ?s) }} UNION "
            f"{{ {s} ?q ?s FILTER(isBlank(?s)) ?s ?p ?o }} }} }}"):
        add(r["s"], r["p"], r["o"], r["g"])
        if isinstance(r["o"], NamedNode):
            linked.add(r["o"].value)
    for r in req.sparql(f"SELECT ?g ?s ?p WHERE {{ GRAPH ?g {{ ?s ?p {s} FILTER(!isBlank(?s)) }} }} "
                        f"LIMIT {incoming_limit}"):
        add(r["s"], r["p"], NamedNode(subject), r["g"])
        linked.add(r["s"].value)
    linked.discard(subject)
    for triple in linked_labels(req, linked):
        add(triple.subject, triple.predicate, triple.object, DefaultGraph())
    return list(quads.values())


def linked_labels(req: Request, iris: Iterable[str]) -> list[Triple]:
    """Label triples of linked resources: rdfs:label (for skos:prefLabel too) from the label
    table, dcterms:title of fiches from the index, else dcterms:title from the store."""
    table = _cached("labels", req, lambda: _all_labels(req))
    index = fiche_index(req)
    label, title = NamedNode(RDFS + "label"), NamedNode(DCT + "title")
    out, missing = [], []
    for i in sorted(set(iris)):
        if i in table:
            out += [Triple(NamedNode(i), label, Literal(text, language=lang) if lang else Literal(text))
                    for lang, text in table[i].items()]
        elif i in index and index[i].title:
            info = index[i]
            out.append(Triple(NamedNode(i), title, Literal(info.title, language=info.title_lang)
                              if info.title_lang else Literal(info.title)))
        else:
            missing.append(i)
    for chunk in range(0, len(missing), 200):
        values = " ".join(f"<{i}>" for i in missing[chunk: chunk + 200])
        out += [Triple(r["x"], title, r["l"]) for r in req.sparql(
            f"SELECT DISTINCT ?x ?l WHERE {{ VALUES ?x {{ {values} }} ?x <{DCT}title> ?l }}")]
    return out


def rdf_prefixes(req: Request) -> dict[str, str]:
    return {"bnc": req.ontology + "#", "fiche": req.base + "id/fiche/",
            "kst": req.base + "id/kamerstuk/", "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
            "skos": SKOS, "dcterms": DCT, "prov": PROV, "cdm": CDM, "eli": ELI, "foaf": FOAF,
            "org": ORG, "celex": CELEX, "void": VOID, "sh": SH, "schema": SCHEMA}


def serialize_quads(quads: list[Quad], media_type: str, *, inferred_graph: str,
                    prefixes: dict[str, str]) -> bytes:
    """Quads in ``media_type``. Triple formats put the inferred triples after an
    ``# Inferred`` comment, so that a reader can still tell them apart.

    >>> g = NamedNode("http://e.org/graph/inferred")
    >>> q = [Quad(NamedNode("http://e.org/a"), NamedNode("http://e.org/p"), Literal("x"), g)]
    >>> print(serialize_quads(q, TURTLE, inferred_graph=g.value, prefixes={}).decode().strip())
    # Inferred by the reasoner (named graph <http://e.org/graph/inferred>):
    <http://e.org/a> <http://e.org/p> "x" .
    """
    fmt = RDF_FORMATS[media_type]
    if media_type in QUAD_TYPES:
        return serialize(quads, format=fmt, prefixes=prefixes if fmt != RdfFormat.N_QUADS else None)
    asserted = [Triple(q.subject, q.predicate, q.object) for q in quads
                if not (isinstance(q.graph_name, NamedNode) and q.graph_name.value == inferred_graph)]
    inferred = [Triple(q.subject, q.predicate, q.object) for q in quads
                if isinstance(q.graph_name, NamedNode) and q.graph_name.value == inferred_graph]
    seen = set(asserted)
    inferred = [t for t in dict.fromkeys(inferred) if t not in seen]
    asserted = list(dict.fromkeys(asserted))
    use = prefixes if fmt == RdfFormat.TURTLE else None
    out = serialize(asserted, format=fmt, prefixes=use) if asserted else b""
    if inferred:
        out += f"\n# Inferred by the reasoner (named graph <{inferred_graph}>):\n".encode()
        out += serialize(inferred, format=fmt, prefixes=use)
    return out.lstrip(b"\n")


def rdf_response(quads: list[Quad], media_type: str, req: Request, *, vary: bool = True) -> Response:
    body = serialize_quads(quads, media_type, inferred_graph=req.base + "graph/inferred",
                           prefixes=rdf_prefixes(req))
    headers = {"Content-Type": f"{media_type}; charset=utf-8"}
    if vary:
        headers["Vary"] = "Accept"
    return 200, headers, body


def graph_document(req: Request, rest: str) -> Response:
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


# --- reads for the pages --------------------------------------------------------------------


def own_triples(req: Request, subject: str, *, fiches: bool = True) -> list[tuple[Any, Any, bool]]:
    """(predicate, object, inferred) for every triple about ``subject``, asserted first. A
    triple stated in many fiche graphs (a ministry's label) comes once. ``fiches=False`` leaves
    out the triples pointing at fiches (``citedBy``): pages list those fiches on their own."""
    inferred_graph = req.base + "graph/inferred"
    skip = "" if fiches else (  # the inverses that point at every citing fiche
        f"FILTER(?p NOT IN (<{req.ontology}#citedBy>, <{DCT}isReferencedBy>, <{req.ontology}#assessedBy>))")
    rows = req.sparql(f"SELECT DISTINCT ?p ?o ?inferred WHERE {{ GRAPH ?g {{ <{subject}> ?p ?o }} {skip} "
                      f"BIND(?g = <{inferred_graph}> AS ?inferred) }}")
    asserted = {(r["p"], r["o"]) for r in rows if r["inferred"].value != "true"}
    out = [(p, o, False) for p, o in asserted]
    out += [(r["p"], r["o"], True) for r in rows
            if r["inferred"].value == "true" and (r["p"], r["o"]) not in asserted]
    if not fiches:
        index = fiche_index(req)
        out = [t for t in out if iri(t[1]) not in index]
    return sorted(out, key=lambda t: (t[0].value, str(t[1])))


def fiches_linking_to(req: Request, subject: str) -> list[str]:
    """The fiches with any statement pointing at ``subject`` or at one of its parts (treaty
    paragraphs and points), newest first."""
    parts = [iri(r["x"]) for r in req.select(f"SELECT DISTINCT ?x WHERE {{ ?x bnc:partOf <{subject}> }}")]
    found: set[str] = set()
    targets = [subject] + parts
    for chunk in range(0, len(targets), 100):
        values = " ".join(f"<{t}>" for t in targets[chunk: chunk + 100])
        found.update(iri(r["f"]) for r in req.sparql(
            f"SELECT DISTINCT ?f WHERE {{ VALUES ?x {{ {values} }} ?f ?p ?x FILTER(isIRI(?f)) }}"))
    return newest_first(req, found)


def newest_first(req: Request, fiches: Iterable[str]) -> list[str]:
    """The fiches among ``fiches``, in the index's order (newest first)."""
    wanted = set(fiches)
    return [f for f in fiche_index(req) if f in wanted]


def page_of(req: Request, items: list[Any], page_size: int = PAGE_SIZE) -> tuple[int, list[Any]]:
    """(page number, the items on it) for ``?page=N``; past the last page is a 404."""
    page_no = req.page_number()
    chunk = items[(page_no - 1) * page_size: page_no * page_size]
    if items and not chunk:
        raise NotFound
    return page_no, chunk


def kamerstuk_key(iri_: str) -> tuple[str, str] | None:
    """(dossier, number) from a Kamerstuk IRI.

    >>> kamerstuk_key("https://w3id.org/bnc-fiches/id/kamerstuk/21501-30-612")
    ('21501-30', '612')
    """
    match = re.search(r"/id/kamerstuk/(.+)-([^-/]+)$", iri_)
    return (match.group(1), match.group(2)) if match else None


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text)]


# --- build facts: report.json, the dump ---------------------------------------------------------


def build_report() -> dict[str, Any]:
    """The current build's ``report.json`` (``{}`` when there is none)."""
    try:
        return json.loads((_config.store_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


DUMP_NAME = "dump.nq.gz"
_digests: dict[tuple[str, float, int], str] = {}  # the current dump's SHA-256


def dump_info() -> dict[str, Any] | None:
    """Size, date and sha256 of the store's ``dump.nq.gz`` (hashed once per file version)."""
    path = _config.store_dir / DUMP_NAME
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path.resolve()), stat.st_mtime, stat.st_size)
    if key not in _digests:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _digests.clear()
        _digests[key] = digest.hexdigest()
    return {"path": path, "bytes": stat.st_size, "sha256": _digests[key],
            "modified": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stat.st_mtime))}


def dump_file(req: Request, name: str) -> Response:
    info = dump_info()
    if info is None:
        raise NotFound
    if name == DUMP_NAME:
        data = info["path"].read_bytes()
        return 200, {"Content-Type": "application/gzip",
                     "Content-Disposition": f'attachment; filename="{DUMP_NAME}"'}, data
    if name == DUMP_NAME + ".sha256":
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, \
            f"{info['sha256']}  {DUMP_NAME}\n".encode()
    raise NotFound


# --- source files ------------------------------------------------------------------------------

SOURCE_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
                ".html": "text/plain; charset=utf-8", ".xml": "text/plain; charset=utf-8"}


def source_files(req: Request) -> dict[str, Path]:
    """The files the current build read (its ``report.json``), by SHA-256, that are still here."""

    def compute() -> dict[str, Path]:
        out = {}
        for path, entry in (build_report().get("sources") or {}).items():
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if digest and Path(path).is_file():
                out[digest] = Path(path)
        return out

    return _cached("sources", req, compute)


def source_file(req: Request, digest: str) -> Response:
    """``/sources/{sha256}``: a fiche's source file, served only if its content still matches."""
    path = source_files(req).get(digest)
    if path is None:
        raise NotFound
    try:
        data = path.read_bytes()
    except OSError:
        raise NotFound from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise NotFound
    media_type = SOURCE_TYPES.get(path.suffix.lower(), "application/octet-stream")
    return 200, {"Content-Type": media_type,
                 "Content-Disposition": f'inline; filename="{path.name}"'}, data


# --- counts for the home page ---------------------------------------------------------------


def _count(req: Request, where: str, var: str = "x") -> int:
    rows = req.select(f"SELECT (COUNT(DISTINCT ?{var}) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"].value) if rows else 0


def _browse(req: Request, link_pred: str) -> list[tuple[str, str, int]]:
    """What fiches point at with ``link_pred``, with their number of fiches: (iri, label, count)."""
    rows = req.select(f"SELECT ?x (COUNT(DISTINCT ?f) AS ?n) WHERE {{ ?f {link_pred} ?x FILTER(isIRI(?x)) }} "
                      f"GROUP BY ?x")
    labels = label_of(req, [r["x"].value for r in rows], langs=("nl", "en", ""))
    out = [(r["x"].value, labels.get(r["x"].value) or short_name(r["x"].value), int(r["n"].value))
           for r in rows]
    return sorted(out, key=lambda t: _natural(t[1]))


def _home_facts(req: Request) -> dict[str, Any]:
    report = build_report()
    return {
        "fiches": _count(req, "?x a bnc:Fiche"),
        "kamerstukken": _count(req, "?f bnc:citesKamerstuk ?x"),
        "acts": _count(req, "?f bnc:citesEUAct ?x"),
        "documents": _count(req, "?f bnc:assesses ?x"),
        "provisions": _count(req, "?f bnc:citesTreatyProvision ?x"),
        "quads": (report.get("counts") or {}).get("quads_in_named_graphs"),
        "built": report.get("finished"),
        "browse": [
            ("Competence categories", _browse(req, "bnc:underCompetence")),
            ("Sectors", _browse(req, "bnc:inSector")),
            ("Ministries", _browse(req, "bnc:responsibleMinistry")),
            ("Council formations", _browse(req, "bnc:councilFormation")),
        ],
    }


# --- the ontology -------------------------------------------------------------------------------


def ontology_page(req: Request) -> Response:
    """``/ontology``: the ontology as HTML (one anchor per term) or as RDF."""
    offered = [HTML, TURTLE, NTRIPLES, JSONLD, TRIG, NQUADS]
    media_type = negotiate(req.accept, offered)
    return _ontology(req, media_type, vary=True)


def _ontology(req: Request, media_type: str | None, *, vary: bool) -> Response:
    """The ontology graph as RDF, or its documentation (rendered once per store build)."""
    graph = req.base + "graph/ontology"
    rows = _cached("ontology rows", req, lambda: req.sparql(
        f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"))
    if not rows:
        raise NotFound
    if media_type is None:
        return not_acceptable([HTML, TURTLE, NTRIPLES, JSONLD, TRIG, NQUADS])
    if media_type != HTML:
        quads = [Quad(r["s"], r["p"], r["o"], NamedNode(graph)) for r in rows]
        body = serialize_quads(quads, media_type, inferred_graph="", prefixes=rdf_prefixes(req))
        headers = {"Content-Type": f"{media_type}; charset=utf-8"}
        if vary:
            headers["Vary"] = "Accept"
        return 200, headers, body
    return pages.html_response(_cached("ontology page", req, lambda: pages.ontology_page(req, rows)),
                               vary=vary)


def _ontology_version(req: Request, rest: str) -> Response:
    """The ontology's version IRI answers like the ontology while it is the current version."""
    rows = req.sparql(f"ASK {{ <{req.ontology}> <{OWL}versionIRI> <{req.base}{rest}> }}")
    if not rows:
        raise NotFound
    return ontology_page(req)


def _prefixed(req: Request, value: str) -> str:
    for prefix, ns in rdf_prefixes(req).items():
        if value.startswith(ns) and re.fullmatch(r"[\w.\-]+", value[len(ns):]):
            return f"{prefix}:{value[len(ns):]}"
    return value


# --- VoID ---------------------------------------------------------------------------------------

CELLAR_SPARQL = "https://publications.europa.eu/webapi/rdf/sparql"
LICENCE = "https://creativecommons.org/publicdomain/zero/1.0/"
LINK_TARGETS = [  # (name, title, IRI prefix of the target dataset's resources)
    ("eurlex", "EUR-Lex / CELLAR (CELEX works)", CELEX),
    ("comnat", "CELLAR (COM numbers)", "http://publications.europa.eu/resource/comnat/"),
    ("eli", "ELI (European Legislation Identifier)", "http://data.europa.eu/eli/"),
    ("officielebekendmakingen", "officielebekendmakingen.nl", "https://zoek.officielebekendmakingen.nl/"),
]


def _void_stats(req: Request) -> dict[str, Any]:
    report = build_report()
    counts = report.get("counts") or {}
    quads = counts.get("quads_in_named_graphs")  # what the dump holds; the default graph merges them
    if quads is None:
        rows = req.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        quads = int(rows[0]["n"].value) if rows else 0
    classes = req.sparql("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) } "
                         "GROUP BY ?c ORDER BY DESC(?n)")
    entities = req.sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?s)) }")
    graphs = req.sparql("SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { } }")
    # Link predicates: the ontology's object properties and the usual cross-dataset ones.
    predicates = [iri(r["p"]) for r in req.sparql(
        f"SELECT DISTINCT ?p WHERE {{ GRAPH <{req.base}graph/ontology> {{ ?p a <{OWL}ObjectProperty> }} }}")]
    predicates += [OWL + "sameAs", RDFS + "seeAlso", FOAF + "page", DCT + "references", DCT + "source"]
    target_of = "".join(f'IF(STRSTARTS(STR(?o), "{prefix}"), "{name}", ' for name, _, prefix in LINK_TARGETS)
    target_of += '""' + ")" * len(LINK_TARGETS)
    titles = {name: (title, prefix) for name, title, prefix in LINK_TARGETS}
    links = []
    for predicate in dict.fromkeys(predicates):  # one predicate at a time: an index lookup each
        rows = req.sparql(
            f"SELECT ?t (COUNT(*) AS ?n) WHERE {{ {{ SELECT DISTINCT ?s ?o ?t WHERE {{ ?s <{predicate}> ?o "
            f"FILTER(isIRI(?o)) BIND({target_of} AS ?t) FILTER(?t != \"\") }} }} }} GROUP BY ?t")
        for r in rows:
            name = str(r["t"].value)
            links.append((name, *titles[name], predicate, int(r["n"].value)))
    links.sort(key=lambda link: (link[0], link[3]))
    return {"quads": quads, "entities": int(entities[0]["n"].value) if entities else 0,
            "graphs": int(graphs[0]["n"].value) if graphs else 0,
            "classes": [(r["c"].value, int(r["n"].value)) for r in classes],
            "links": links, "built": report.get("finished")}


def void_quads(req: Request) -> list[Quad]:
    """The VoID description: size, classes, linksets to EUR-Lex and others, dump, endpoint."""
    stats = _cached("void", req, lambda: _void_stats(req))
    doc = req.origin + "/.well-known/void"
    ds = NamedNode(doc + "#dataset")
    g = NamedNode(doc)
    out: list[Quad] = []

    def add(s, p, o):
        out.append(Quad(s, NamedNode(p), o, g))

    def lit(value, datatype=None, lang=None):
        if lang:
            return Literal(str(value), language=lang)
        return Literal(str(value), datatype=NamedNode(datatype)) if datatype else Literal(str(value))

    add(ds, RDF + "type", NamedNode(VOID + "Dataset"))
    add(ds, DCT + "title", lit("BNC-fiches knowledge graph", lang="en"))
    add(ds, DCT + "title", lit("Kennisgraaf van BNC-fiches", lang="nl"))
    add(ds, DCT + "description", lit(
        "The Dutch government's first assessments of new European Commission proposals (BNC-fiches, "
        "Kamerstukken in dossier 22 112) as linked data: what each assesses, its verdicts, treaty "
        "articles and competences, and the Kamerstukken and EU acts it cites.", lang="en"))
    add(ds, DCT + "license", NamedNode(LICENCE))
    add(ds, DCT + "source", NamedNode("https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"))
    if stats["built"]:
        add(ds, DCT + "modified", lit(stats["built"], XSD + "dateTime"))
    add(ds, VOID + "triples", lit(stats["quads"], XSD + "integer"))
    add(ds, VOID + "entities", lit(stats["entities"], XSD + "integer"))
    add(ds, VOID + "classes", lit(len(stats["classes"]), XSD + "integer"))
    add(ds, VOID + "uriSpace", lit(req.base + "id/"))
    add(ds, VOID + "vocabulary", NamedNode(req.ontology + "#"))
    add(ds, VOID + "sparqlEndpoint", NamedNode(req.origin + "/sparql"))
    add(ds, VOID + "rootResource", NamedNode(req.origin + "/"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/N-Quads"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/Turtle"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/JSON-LD"))
    add(ds, VOID + "feature", NamedNode("http://www.w3.org/ns/formats/TriG"))
    add(ds, SCHEMA + "subjectOf", NamedNode(req.origin + "/.well-known/sparql-examples"))
    seed = req.base + "id/fiche/com-2025-723"
    if exists(req, seed):
        add(ds, VOID + "exampleResource", NamedNode(seed))
    info = dump_info()
    if info is not None:
        dump = NamedNode(req.origin + "/dumps/" + DUMP_NAME)
        add(ds, VOID + "dataDump", dump)
        add(dump, DCT + "format", lit("application/n-quads"))
        add(dump, "http://www.w3.org/ns/dcat#compressFormat", NamedNode("http://www.iana.org/assignments/media-types/application/gzip"))
        add(dump, "http://www.w3.org/ns/dcat#byteSize", lit(info["bytes"], XSD + "integer"))
        add(dump, DCT + "modified", lit(info["modified"], XSD + "dateTime"))
        checksum = BlankNode()
        add(dump, "http://spdx.org/rdf/terms#checksum", checksum)
        add(checksum, "http://spdx.org/rdf/terms#algorithm",
            NamedNode("http://spdx.org/rdf/terms#checksumAlgorithm_sha256"))
        add(checksum, "http://spdx.org/rdf/terms#checksumValue", lit(info["sha256"], XSD + "hexBinary"))
    for c, n in stats["classes"]:
        part = NamedNode(f"{doc}#class-{_prefixed(req, c).replace(':', '-').replace('/', '_')}")
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", NamedNode(c))
        add(part, VOID + "entities", lit(n, XSD + "integer"))
    targets = set()
    for name, title, prefix, predicate, n in stats["links"]:
        target = NamedNode(f"{doc}#{name}")
        if name not in targets:
            targets.add(name)
            add(target, RDF + "type", NamedNode(VOID + "Dataset"))
            add(target, DCT + "title", lit(title))
            add(target, VOID + "uriSpace", lit(prefix))
            if name in ("eurlex", "comnat"):
                add(target, VOID + "sparqlEndpoint", NamedNode(CELLAR_SPARQL))
        ls = NamedNode(f"{doc}#links-{name}-{short_name(predicate)}")
        add(ds, VOID + "subset", ls)
        add(ls, RDF + "type", NamedNode(VOID + "Linkset"))
        add(ls, VOID + "subjectsTarget", ds)
        add(ls, VOID + "objectsTarget", target)
        add(ls, VOID + "linkPredicate", NamedNode(predicate))
        add(ls, VOID + "triples", lit(n, XSD + "integer"))
    return out


def void_document(req: Request) -> Response:
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


# --- example queries ----------------------------------------------------------------------------


def _catalogue() -> list[Any]:
    from .query import inspect_query, load_catalogue

    out = []
    for q in load_catalogue():
        try:
            kind = inspect_query(q.text).kind
        except KgbuildError:
            kind = "SELECT"
        out.append((q, kind))
    return out


def examples_quads(req: Request) -> list[Quad]:
    """The catalogue queries (``queries/*.rq``) in the SIB sparql-examples style."""
    doc = req.origin + "/.well-known/sparql-examples"
    g = NamedNode(doc)
    out = []
    for q, kind in _catalogue():
        s = NamedNode(f"{doc}#{q.name}")
        forms = {"SELECT": "select", "ASK": "ask", "CONSTRUCT": "construct", "DESCRIBE": "describe"}
        form = forms.get(kind, "select")
        out.append(Quad(s, NamedNode(RDF + "type"), NamedNode(SH + "SPARQLExecutable"), g))
        out.append(Quad(s, NamedNode(RDF + "type"),
                        NamedNode(SH + f"SPARQL{form.capitalize()}Executable"), g))
        out.append(Quad(s, NamedNode(RDFS + "label"), Literal(q.summary or q.name, language="en"), g))
        comment = q.description or q.summary or q.name
        out.append(Quad(s, NamedNode(RDFS + "comment"), Literal(comment, language="en"), g))
        out.append(Quad(s, NamedNode(SH + form), Literal(q.text), g))
        out.append(Quad(s, NamedNode(SCHEMA + "target"), NamedNode(req.origin + "/sparql"), g))
        if q.endpoint:
            out.append(Quad(s, NamedNode(SCHEMA + "target"), NamedNode(q.endpoint), g))
        out.append(Quad(s, NamedNode(DCT + "identifier"), Literal(q.name), g))
    return out


def examples_document(req: Request) -> Response:
    media_type = negotiate(req.accept, RDF_AND_HTML)
    if media_type is None:
        return not_acceptable(RDF_AND_HTML)
    if media_type != HTML:
        body = serialize_quads(examples_quads(req), media_type, inferred_graph="",
                               prefixes={"sh": SH, "rdfs": RDFS, "schema": SCHEMA, "dcterms": DCT})
        return 200, {"Content-Type": f"{media_type}; charset=utf-8", "Vary": "Accept"}, body
    return pages.html_response(pages.examples_page(_catalogue()))


# The HTML pages (kgbuild/pages/) use the functions above; imported last because they import them.
from . import pages  # noqa: E402
