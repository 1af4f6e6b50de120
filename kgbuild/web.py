"""Linked data people can follow: pages, dereferencing, VoID, example queries and dumps.

``kgbuild/serve.py`` answers SPARQL at ``/sparql`` and ``/query`` and hands every other request
to :func:`handle`, with a function that runs SPARQL on the served store.

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
import html
import json
import math
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
        return _not_found(request)
    except KgbuildError as err:
        message = str(err).splitlines()[0] if str(err) else "the store is not available"
        return 503, {"Content-Type": "text/html; charset=utf-8", "Retry-After": "10"}, page(
            "Service unavailable", f"<h1>Service unavailable</h1><p>{esc(message)}</p>")


def _route(req: Request) -> Response:
    path = req.path
    if path == "/":
        return home(req)
    if path == "/fiches":
        return fiches_page(req)
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
        return dumps_page(req)
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
        if len(_cache) > 4096:
            _cache.clear()
            _locks.clear()
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


# --- HTML -------------------------------------------------------------------------------------


def esc(text: Any) -> str:
    """HTML-escape text.

    >>> esc('<a href="x">')
    '&lt;a href=&quot;x&quot;&gt;'
    """
    return html.escape(str(text), quote=True)


CSS = """
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fff;--muted:#5b5b5b;--line:#d9d9d9;--accent:#0b57a4;--tag:#eef3f9}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--bg:#151515;--muted:#a8a8a8;--line:#3a3a3a;--accent:#7db4f0;--tag:#23303d}}
*{box-sizing:border-box}
body{margin:0;overflow-wrap:anywhere;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{border-bottom:1px solid var(--line)}
nav{max-width:60rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.3rem 1.2rem}
nav a:first-child{font-weight:600;margin-right:auto}
main{max-width:60rem;margin:0 auto;padding:1rem}
footer{max-width:60rem;margin:2rem auto;padding:1rem;color:var(--muted);font-size:.9rem;border-top:1px solid var(--line)}
a{color:var(--accent)}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0 .75rem}
h2{font-size:1.2rem;margin:1.75rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
.iri,code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;overflow-wrap:anywhere}
.muted,.kind{color:var(--muted)}
.kind{font-size:.9rem;text-transform:uppercase;letter-spacing:.04em;margin:0}
.tag{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:.6rem;background:var(--tag);color:var(--muted);vertical-align:middle;white-space:nowrap}
dl.facts{display:grid;grid-template-columns:minmax(8rem,14rem) 1fr;gap:.35rem 1rem;margin:0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;min-width:0}
ul.values{margin:0;padding-left:1.1rem}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain>li{padding:.45rem 0;border-bottom:1px solid var(--line)}
blockquote{margin:.25rem 0 .25rem 0;padding:.1rem .7rem;border-left:3px solid var(--line);color:var(--muted);font-size:.92rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
.scroll{overflow-x:auto}
.verdicts{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0}
.verdict{border:1px solid var(--line);border-radius:.4rem;padding:.35rem .6rem}
.verdict b{display:block;font-size:.8rem;color:var(--muted);font-weight:500}
mark{background:#fff3b0;color:inherit;padding:0 .1em}
@media (prefers-color-scheme:dark){mark{background:#5a4a00}}
.pager{display:flex;gap:1rem;margin:1rem 0}
pre{overflow-x:auto;background:var(--tag);padding:.6rem;border-radius:.3rem;font-size:.85rem}
@media (max-width:40rem){dl.facts{grid-template-columns:1fr;gap:0}dl.facts dt{font-size:.85rem}dl.facts dd{margin-bottom:.6rem}h1{font-size:1.35rem}nav{gap:.3rem .9rem}}
"""


def page(title: str, body: str, *, alternates: Iterable[tuple[str, str]] = (),
         lang: str = "en") -> bytes:
    """A complete HTML5 page: viewport meta, the site's navigation and inline CSS.

    >>> b"<meta name=\\"viewport\\"" in page("T", "<p>x</p>")
    True
    """
    links = "".join(f'<link rel="alternate" type="{esc(t)}" href="{esc(h)}">' for t, h in alternates)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)} · BNC-fiches</title>{links}<style>{CSS}</style></head><body>"
        '<header><nav><a href="/">BNC-fiches</a><a href="/sparql">Query</a>'
        '<a href="/ontology">Ontology</a><a href="/.well-known/void">VoID</a>'
        '<a href="/dumps/">Dumps</a></nav></header>'
        f"<main>{body}</main>"
        '<footer>The knowledge graph of Dutch BNC-fiches (Kamerstukken in dossier 22 112). '
        'Data: <a href="/dumps/">dumps</a> · <a href="/sparql">SPARQL endpoint</a> · '
        '<a href="/.well-known/void">VoID</a> · <a href="/.well-known/sparql-examples">example '
        'queries</a>.</footer></body></html>\n'
    ).encode("utf-8")


def html_response(body: bytes, status: int = 200, *, vary: bool = True) -> Response:
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if vary:
        headers["Vary"] = "Accept"
    return status, headers, body


def _not_found(req: Request) -> Response:
    body = page("Not found", f"<h1>Not found</h1><p>Nothing is known here: <code>{esc(req.path)}"
                "</code>.</p><p>Start from the <a href=\"/\">home page</a> or ask the "
                "<a href=\"/sparql\">SPARQL endpoint</a>.</p>")
    if negotiate(req.accept, [HTML, "text/plain"]) == "text/plain":
        return 404, {"Content-Type": "text/plain; charset=utf-8"}, f"Not found: {req.path}\n".encode()
    return html_response(body, 404)


def not_acceptable(offered: list[str]) -> Response:
    """406 with the list of media types this path offers."""
    text = "Not acceptable. This resource is available as: " + ", ".join(offered) + "\n"
    return 406, {"Content-Type": "text/plain; charset=utf-8", "Vary": "Accept"}, text.encode()


# --- terms, labels --------------------------------------------------------------------------


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


def link(req: Request, iri_: str, text: str | None = None) -> str:
    """An ``<a>`` to the page describing ``iri_`` here, or to the IRI itself elsewhere."""
    href = local_path(iri_, req.base) or eurlex_url(iri_) or iri_
    return f'<a href="{esc(href)}">{esc(text or short_name(iri_))}</a>'


def render_term(req: Request, term: Any, labels: dict[str, str]) -> str:
    """A value for HTML: a link with its label, or a literal (with its language)."""
    if isinstance(term, NamedNode):
        text = labels.get(term.value)
        return link(req, term.value, text or _display_iri(term.value, req.base))
    if isinstance(term, Literal):
        lang = getattr(term, "language", None)
        value = esc(term.value)
        if term.datatype and term.datatype.value == XSD + "anyURI":
            return f'<a href="{value}">{value}</a>'
        if "\n" in term.value or len(term.value) > 300:
            value = "<br>".join(esc(p) for p in term.value.splitlines())
        return f'<span lang="{esc(lang)}">{value}</span>' if lang else value
    return f"<span class=\"muted\">{esc(term)}</span>"


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
    renderer = PAGES.get(kind, resource_page)
    return html_response(renderer(req, subject, rest), vary=forced is None)


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
    count = req.sparql(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
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
    about = req.select(f"SELECT ?p ?o WHERE {{ <{graph}> ?p ?o }}")
    labels = label_of(req, [iri(r["o"]) for r in about] + [iri(r["p"]) for r in about])
    body = (f'<p class="kind">Named graph</p><h1>{esc(_display_iri(graph, req.base))}</h1>'
            f'<p class="iri">{esc(graph)}</p><p>{n} triples. Download: {_format_links("/" + rest)}</p>'
            + facts_table(req, [(r["p"], r["o"], False) for r in about], labels))
    return html_response(page(short_name(graph), body), vary=forced is None)


def _format_links(path: str) -> str:
    names = [(".ttl", "Turtle"), (".jsonld", "JSON-LD"), (".trig", "TriG"), (".nq", "N-Quads"),
             (".nt", "N-Triples")]
    return " · ".join(f'<a href="{esc(path + ext)}">{name}</a>' for ext, name in names)


def _alternates(path: str) -> list[tuple[str, str]]:
    return [(TURTLE, path + ".ttl"), (JSONLD, path + ".jsonld"), (TRIG, path + ".trig")]


# --- generic pages ----------------------------------------------------------------------------


def facts_table(req: Request, rows: list[tuple[Any, Any, bool]], labels: dict[str, str]) -> str:
    """A definition list of (predicate, value, inferred) rows, grouped by predicate; two
    predicates with the same label (``bnc:hasPart``, ``dcterms:hasPart``) show their names."""
    if not rows:
        return ""
    grouped: dict[str, list[tuple[Any, bool]]] = {}
    for p, o, inferred in rows:
        grouped.setdefault(p.value, []).append((o, inferred))
    # An inferred group repeating another (dcterms:hasPart beside bnc:hasPart) is only named.
    def rank(p: str) -> tuple[bool, bool, str]:  # keep asserted, then the ontology's own terms
        return (all(inf for _, inf in grouped[p]), not p.startswith(req.ontology), p)

    repeats = [p for p, values in grouped.items() if all(inf for _, inf in values) and any(
        q != p and rank(q) < rank(p) and {o for o, _ in values} <= {o for o, _ in grouped[q]}
        for q in grouped)]
    for p in repeats:
        del grouped[p]
    names = {p: labels.get(p) or short_name(p) for p in grouped}
    clashes = {n for n in names.values() if list(names.values()).count(n) > 1}
    names = {p: f"{n} ({_prefixed(req, p)})" if n in clashes else n for p, n in names.items()}
    parts = ['<dl class="facts">']
    for p, values in sorted(grouped.items(), key=lambda kv: names[kv[0]].lower()):
        items = []
        for o, inferred in sorted(dict.fromkeys(values), key=lambda v: _natural(labels.get(iri(v[0])) or str(v[0]))):
            tag = ' <span class="tag">inferred</span>' if inferred else ""
            items.append(render_term(req, o, labels) + tag)
        value = items[0] if len(items) == 1 else \
            '<ul class="values">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>"
        parts.append(f"<dt>{link(req, p, names[p])}</dt><dd>{value}</dd>")
    parts.append("</dl>")
    if repeats:
        parts.append('<p class="muted">Also inferred through broader properties: '
                     + ", ".join(link(req, p, _prefixed(req, p)) for p in sorted(repeats)) + ".</p>")
    return "".join(parts)


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


def heading(req: Request, subject: str, kind: str, title: str, path: str) -> str:
    return (f'<p class="kind">{esc(kind)}</p><h1>{esc(title)}</h1>'
            f'<p class="iri muted">{esc(subject)}</p>'
            f'<p class="muted">This description as {_format_links(path)}</p>')


def _kind_of(req: Request, triples: list[tuple[Any, Any, bool]], labels: dict[str, str]) -> str:
    for p, o, inferred in triples:
        if p.value == RDF + "type" and not inferred and isinstance(o, NamedNode):
            return labels.get(o.value) or short_name(o.value)
    return "Resource"


def resource_page(req: Request, subject: str, rest: str) -> bytes:
    """Any resource: its statements (inferred ones marked) and the fiches that link to it."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    title = labels.get(subject) or short_name(subject)
    body = heading(req, subject, _kind_of(req, triples, labels), title, "/doc/" + rest)
    body += "<h2>Statements</h2>" + facts_table(req, triples, labels)
    body += fiche_list_section(req, fiches_linking_to(req, subject), "/doc/" + rest)
    body += incoming_section(req, subject, labels, shown=[iri(o) for _, o, _ in triples])
    return page(title, body, alternates=_alternates("/doc/" + rest))


INCOMING = ("bnc:partOf", "skos:broader", "bnc:grantsCompetence")


def incoming_section(req: Request, subject: str, labels: dict[str, str], limit: int = 200,
                     shown: Iterable[str] = ()) -> str:
    """What points here besides fiches: parts of a treaty provision, narrower competence
    areas, the treaty provisions that grant a competence — unless ``shown`` already."""
    rows = req.select(
        f"SELECT DISTINCT ?s ?p WHERE {{ VALUES ?p {{ {' '.join(INCOMING)} }} ?s ?p <{subject}> "
        f"FILTER(isIRI(?s)) }} LIMIT {limit + 1}")
    more = len(rows) > limit
    shown = set(shown)
    rows = sorted((r for r in rows[:limit] if r["s"].value not in shown),
                  key=lambda r: (r["p"].value, _natural(r["s"].value)))
    if not rows:
        return ""
    names = label_of(req, [r["s"].value for r in rows] + [r["p"].value for r in rows])
    items = "".join(
        f"<li>{link(req, r['s'].value, names.get(r['s'].value) or _display_iri(r['s'].value, req.base))}"
        f' <span class="muted">({esc(names.get(r["p"].value) or short_name(r["p"].value))})</span></li>'
        for r in rows)
    note = f'<p class="muted">The first {limit} are shown; ask the SPARQL endpoint for all.</p>' if more else ""
    return f'<h2>Linked from</h2><ul class="values">{items}</ul>{note}'


# --- lists of fiches --------------------------------------------------------------------------


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


def fiche_items(req: Request, fiches: list[str], extra: dict[str, str] | None = None) -> str:
    """A list of fiches: title (linked), date sent, own Kamerstuk; ``extra`` HTML per fiche."""
    index = fiche_index(req)
    out = ['<ul class="plain fiches">']
    for f in fiches:
        info = index.get(f, FicheInfo())
        meta = [esc(info.date)] if info.date else []
        if info.kamerstuk:
            meta.append(esc(_display_iri(info.kamerstuk, req.base)))
        meta_html = f'<br><span class="muted">{" · ".join(meta)}</span>' if meta else ""
        out.append(f'<li lang="nl">{link(req, f, info.title or short_name(f))}{meta_html}'
                   f'{(extra or {}).get(f, "")}</li>')
    out.append("</ul>")
    return "".join(out)


def pager(path: str, page_no: int, total: int, page_size: int = PAGE_SIZE) -> str:
    """Links to the newer and older pages of a list.

    >>> pager("/fiches", 2, 120)
    '<nav class="pager" aria-label="pages"><a rel="prev" href="/fiches?page=1">← newer</a><span>page 2 of 3</span><a rel="next" href="/fiches?page=3">older →</a></nav>'
    """
    pages = max(1, math.ceil(total / page_size))
    if pages == 1:
        return ""
    parts = []
    if page_no > 1:
        parts.append(f'<a rel="prev" href="{esc(path)}?page={page_no - 1}">← newer</a>')
    parts.append(f"<span>page {page_no} of {pages}</span>")
    if page_no < pages:
        parts.append(f'<a rel="next" href="{esc(path)}?page={page_no + 1}">older →</a>')
    return f'<nav class="pager" aria-label="pages">{"".join(parts)}</nav>'


def page_of(req: Request, items: list[Any], page_size: int = PAGE_SIZE) -> tuple[int, list[Any]]:
    """(page number, the items on it) for ``?page=N``; past the last page is a 404."""
    page_no = req.page_number()
    chunk = items[(page_no - 1) * page_size: page_no * page_size]
    if items and not chunk:
        raise NotFound
    return page_no, chunk


def fiche_list_section(req: Request, fiches: list[str], path: str, *, heading_text: str = "Fiches",
                       extra: dict[str, str] | Callable[[list[str]], dict[str, str]] | None = None) -> str:
    """A paginated list of fiches (already newest first) under a heading with their number."""
    if not fiches:
        return ""
    page_no, chunk = page_of(req, fiches)
    total = len(fiches)
    first = (page_no - 1) * PAGE_SIZE + 1
    if callable(extra):
        extra = extra(chunk)
    return (f"<h2>{esc(heading_text)} <span class=\"muted\">({total})</span></h2>"
            f'<p class="muted">Newest first; {first}–{first + len(chunk) - 1} of {total}.</p>'
            + fiche_items(req, chunk, extra) + pager(path, page_no, total))


def fiches_page(req: Request) -> Response:
    """``/fiches``: every fiche, newest first, paginated."""
    body = "<h1>All fiches</h1>" + fiche_list_section(req, list(fiche_index(req)), "/fiches")
    return html_response(page("All fiches", body), vary=False)


# --- the fiche page ---------------------------------------------------------------------------

SECTION_NAMES = {
    "essence": "Essentie voorstel", "dutch_policy": "Essentie Nederlands beleid",
    "assessment": "Beoordeling + inzet", "balance_of_forces": "Krachtenveld",
    "competence": "Bevoegdheid", "subsidiarity": "Subsidiariteit",
    "proportionality": "Proportionaliteit", "financial_consequences": "Financiële gevolgen",
}


def where_stated(location: str) -> str:
    """A citation's place in words (paragraph indexes count from 0 in the data, from 1 here).

    >>> where_stated("footnote:2"), where_stated("section:competence:0")
    ('footnote 2', 'Bevoegdheid, paragraph 1')
    >>> where_stated("field:legal_basis"), where_stated("body:4")
    ('field legal basis', 'body text, paragraph 5')
    """
    kind, _, rest = location.partition(":")
    if kind == "footnote":
        return f"footnote {rest}"
    if kind == "section":
        key, _, number = rest.partition(":")
        name = SECTION_NAMES.get(key, key.replace("_", " "))
        return f"{name}, paragraph {int(number) + 1}" if number.isdigit() else name
    if kind == "body" and rest.isdigit():
        return f"body text, paragraph {int(rest) + 1}"
    if kind == "field":
        return f"field {rest.replace('_', ' ')}"
    return location


def evidence(citations: list[tuple[str, str]], cited: str = "") -> str:
    """The footnotes and paragraphs that state a link to ``cited``, as quotes. A long one shows
    the words around the citation and folds open to the whole text.

    >>> print(evidence([("footnote:2", "Kamerstuk 26 643, nr. 640")]))
    <blockquote lang="nl"><b lang="en">footnote 2:</b> Kamerstuk 26 643, nr. 640</blockquote>
    """
    out = []
    for location, text in sorted(set(citations), key=lambda c: _location_order(c[0])):
        place = f'<b lang="en">{esc(where_stated(location)) if location else "stated"}:</b>'
        if len(text) > 320:
            out.append(f'<blockquote lang="nl"><details><summary>{place} {_mark(snippet(text, cited), cited)}'
                       f"</summary>{_mark(text, cited)}</details></blockquote>")
        else:
            out.append(f'<blockquote lang="nl">{place} {_mark(text, cited)}</blockquote>')
    return "".join(out)


def _mark(text: str, cited: str) -> str:
    """HTML of ``text`` with the first words naming ``cited`` in ``<mark>``.

    >>> _mark("zie Kamerstuk 26 643, nr. 640.", "https://w3id.org/bnc-fiches/id/kamerstuk/26643-640")
    'zie Kamerstuk 26 643, <mark>nr. 640</mark>.'
    """
    found = _find(text, cited)
    if not found:
        return esc(text)
    at, end = found
    return f"{esc(text[:at])}<mark>{esc(text[at:end])}</mark>{esc(text[end:])}"


def _find(text: str, cited: str) -> tuple[int, int] | None:
    """Where ``text`` first names ``cited`` (a whole number: ``nr. 64`` is not ``nr. 640``)."""
    hits = [m.span() for n in _needles(cited)
            for m in [re.search(re.escape(n) + r"(?![\d/])", text, re.IGNORECASE)] if m]
    return min(hits) if hits else None


def _needles(cited: str) -> list[str]:
    """Words that name ``cited`` in a fiche's Dutch text."""
    key = kamerstuk_key(cited)
    if key:
        return [f"nr. {key[1]}"]
    match = re.search(r"/id/treaty/(?:tfeu|teu)/art-(\w+)", cited)
    if match:
        return [f"artikel {match.group(1)}", f"art. {match.group(1)}", f"article {match.group(1)}"]
    match = re.search(r"/celex/3(\d{4})[A-Z](\d{4})$", cited)
    if match:
        return [f"{match.group(1)}/{int(match.group(2))}", f"{int(match.group(2))}/{match.group(1)}"]
    return []


def snippet(text: str, cited: str = "", width: int = 220) -> str:
    """About ``width`` characters of ``text`` around where it names ``cited``.

    >>> snippet("a " * 200 + "Kamerstuk 26 643, nr. 640; " + "b " * 200,
    ...         "https://w3id.org/bnc-fiches/id/kamerstuk/26643-640", 40)
    '… Kamerstuk 26 643, nr. 640; b b b b b …'
    """
    found = _find(text, cited)
    at = found[0] if found else 0
    start = max(0, at - width // 2)
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    if start > 0:
        start = text.find(" ", start) + 1 or start
    if end < len(text):
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    return ("… " if start > 0 else "") + text[start:end].strip() + (" …" if end < len(text) else "")


def _location_order(location: str) -> tuple:
    parts = location.split(":")
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts)


def kamerstuk_key(iri_: str) -> tuple[str, str] | None:
    """(dossier, number) from a Kamerstuk IRI.

    >>> kamerstuk_key("https://w3id.org/bnc-fiches/id/kamerstuk/21501-30-612")
    ('21501-30', '612')
    """
    match = re.search(r"/id/kamerstuk/(.+)-([^-/]+)$", iri_)
    return (match.group(1), match.group(2)) if match else None


class Facts:
    """A resource's statements by predicate, for pages that place each one."""

    def __init__(self, triples: list[tuple[Any, Any, bool]]):
        self.triples = triples
        self.by_predicate: dict[str, list[tuple[Any, bool]]] = {}
        for p, o, inferred in triples:
            self.by_predicate.setdefault(p.value, []).append((o, inferred))

    def all(self, predicate: str) -> list[tuple[Any, bool]]:
        return self.by_predicate.get(predicate, [])

    def first(self, predicate: str) -> Any:
        values = self.all(predicate)
        return values[0][0] if values else None

    def iris(self) -> list[str]:
        return [iri(o) for _, o, _ in self.triples] + [p.value for p, _, _ in self.triples]


def fiche_page(req: Request, subject: str, rest: str) -> bytes:
    """A fiche: dates, Commission documents, verdicts, treaty articles, competences, what it
    cites with the footnote or paragraph that states each link, and where it comes from."""
    B = req.ontology + "#"
    facts = Facts(own_triples(req, subject))
    cites = _citations(req, subject)
    docs = req.select(
        f"SELECT DISTINCT ?d ?p ?o WHERE {{ GRAPH ?g {{ <{subject}> bnc:assesses|bnc:impactAssessment ?d . "
        f"?d ?p ?o }} FILTER(?p IN (bnc:comNumber, cdm:resource_legal_id_celex, dcterms:title, dcterms:identifier)) }}")
    provenance = req.select(
        f"SELECT ?g ?path ?sum ?time WHERE {{ ?g bnc:describes <{subject}> . "
        f"OPTIONAL {{ ?g bnc:sourceFile ?sf . OPTIONAL {{ ?sf bnc:sourcePath ?path }} "
        f"OPTIONAL {{ ?sf bnc:checksum ?sum }} }} OPTIONAL {{ ?g prov:generatedAtTime ?time }} }}")
    labels = label_of(req, [subject] + facts.iris() + [iri(r["d"]) for r in docs])
    title = str(facts.first(DCT + "title").value) if facts.first(DCT + "title") else short_name(subject)
    path = "/doc/" + rest

    def values(pred: str, *, with_evidence: bool = False, extra=None) -> str:
        items = []
        for o, inferred in sorted(dict.fromkeys(facts.all(pred)), key=lambda v: _natural(labels.get(iri(v[0])) or str(v[0]))):
            text = render_term(req, o, labels)
            if extra:
                text += extra(o)
            if inferred:
                text += ' <span class="tag">inferred</span>'
            if with_evidence and iri(o) in cites:
                text += evidence(cites[iri(o)], iri(o))
            items.append(f"<li>{text}</li>")
        return f'<ul class="plain">{"".join(items)}</ul>' if items else '<p class="muted">None stated.</p>'

    def inline(pred: str) -> str:
        vals = dict.fromkeys(facts.all(pred))
        return ", ".join(render_term(req, o, labels) + (' <span class="tag">inferred</span>' if inf else "")
                         for o, inf in vals) or '<span class="muted">not stated</span>'

    def official(o: Any) -> str:
        key = kamerstuk_key(iri(o))
        return f' · <a href="{esc(official_publication(*key))}">official publication</a>' if key else ""

    own = facts.first(B + "kamerstuk")
    own_key = kamerstuk_key(iri(own)) if own is not None else None
    dl = [("Sent to parliament", inline(DCT + "issued")),
          ("Commission document received", inline(B + "dateReceived")),
          ("Kamerstuk", inline(B + "kamerstuk") + (official(own) if own_key else "")),
          ("TK document number", inline(B + "tkDocumentNumber")),
          ("Zaak", inline(B + "zaakNumber")),
          ("Signed by", inline(B + "signatory")),
          ("Council formation", inline(B + "councilFormation")),
          ("Responsible ministry", inline(B + "responsibleMinistry")),
          ("Sectors", inline(B + "inSector"))]
    body = [f'<p class="kind">BNC-fiche</p><h1 lang="nl">{esc(title)}</h1>',
            f'<p class="iri muted">{esc(subject)}</p>',
            '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in dl) + "</dl>"]

    # Commission documents
    by_doc: dict[str, dict[str, list[str]]] = {}
    for r in docs:
        by_doc.setdefault(r["d"].value, {}).setdefault(r["p"].value, []).append(str(r["o"].value))
    items = []
    for d in [iri(o) for o, _ in facts.all(B + "assesses")] + [iri(o) for o, _ in facts.all(B + "impactAssessment")]:
        info = by_doc.get(d, {})
        names = info.get(B + "comNumber") or info.get(DCT + "identifier") or []
        celex = info.get(CDM + "resource_legal_id_celex") or ([d[len(CELEX):]] if d.startswith(CELEX) else [])
        head = " / ".join(names) or labels.get(d) or _display_iri(d, req.base)
        parts = [f"<b>{esc(head)}</b>"]
        for t in info.get(DCT + "title", []):
            parts.append(f'<br><span lang="en">{esc(t)}</span>')
        for c in celex:
            parts.append(f'<br>CELEX {esc(c)} · <a href="{esc(eurlex_url(CELEX + c))}">EUR-Lex</a>')
        if not celex and eurlex_url(d):
            parts.append(f' · <a href="{esc(eurlex_url(d))}">EUR-Lex</a>')
        if d in [iri(o) for o, _ in facts.all(B + "impactAssessment")]:
            parts.append(' <span class="tag">impact assessment</span>')
        items.append("<li>" + "".join(parts) + "</li>")
    body.append("<h2>Commission documents</h2>" + (f'<ul class="plain">{"".join(dict.fromkeys(items))}</ul>'
                                                   if items else '<p class="muted">None stated.</p>'))

    # Verdicts
    verdicts = [("Competence", B + "competenceVerdict"), ("Subsidiarity", B + "subsidiarityVerdict"),
                ("Proportionality", B + "proportionalityVerdict")]
    boxes = "".join(f'<div class="verdict"><b>{name}</b>{inline(pred)}</div>' for name, pred in verdicts)
    body.append(f'<h2>Verdicts</h2><div class="verdicts">{boxes}</div>')

    body.append("<h2>Legal basis</h2>" + values(B + "legalBasis", with_evidence=True))
    treaty_only = [(o, i) for o, i in facts.all(B + "citesTreatyProvision")
                   if (o, False) not in facts.all(B + "legalBasis")]
    facts.by_predicate["treaty-only"] = treaty_only
    body.append("<h2>Treaty articles cited</h2>" + values("treaty-only", with_evidence=True))
    body.append("<h2>Competence categories</h2>"
                '<p class="muted">Inferred from the treaty articles the fiche cites.</p>'
                + values(B + "underCompetence"))
    body.append("<h2>Kamerstukken cited</h2>" + values(B + "citesKamerstuk", with_evidence=True, extra=official))
    body.append("<h2>EU acts cited</h2>" + values(B + "citesEUAct", with_evidence=True))
    if facts.all(B + "sentWith"):
        body.append("<h2>Sent together with</h2>" + values(B + "sentWith"))

    # Sources
    src = []
    if own_key:
        src.append(f'<li>Official publication: <a href="{esc(official_publication(*own_key))}">'
                   f"kst-{esc(own_key[0])}-{esc(own_key[1])}</a></li>")
    for r in provenance:
        if r.get("path") is not None:
            p = str(r["path"].value)
            digest = str(r["sum"].value).removeprefix("sha256:") if r.get("sum") is not None else ""
            if p.startswith(("http://", "https://")):
                shown = f'<a href="{esc(p)}">{esc(p)}</a>'
            elif digest in source_files(req):
                shown = f'<a href="/sources/{esc(digest)}"><code>{esc(p)}</code></a>'
            else:
                shown = f"<code>{esc(p)}</code>"
            checksum = f' <span class="muted iri">(sha256:{esc(digest)})</span>' if digest else ""
            src.append(f"<li>Source file: {shown}{checksum}</li>")
        src.append(f"<li>Named graph: {link(req, r['g'].value, _display_iri(r['g'].value, req.base))}"
                   + (f' <span class="muted">built {esc(r["time"].value)}</span>' if r.get("time") is not None else "")
                   + "</li>")
    src.append(f"<li>This description as {_format_links(path)}</li>")
    body.append(f'<h2>Sources</h2><ul class="values">{"".join(dict.fromkeys(src))}</ul>')
    body.append("<details><summary>All statements about this fiche</summary>"
                + facts_table(req, facts.triples, labels) + "</details>")
    return page(title, "".join(body), alternates=_alternates(path))


def _natural(text: str) -> list:
    return [(0, int(t), "") if t.isdigit() else (1, 0, t.lower()) for t in re.split(r"(\d+)", text)]


def _citations(req: Request, subject: str) -> dict[str, list[tuple[str, str]]]:
    """For each resource the fiche cites: (location, text) of the mentions that state it."""
    rows = req.select(
        f"SELECT ?res ?loc ?text WHERE {{ <{subject}> bnc:hasCitation ?c . ?c bnc:citedResource ?res . "
        f"OPTIONAL {{ ?c bnc:location ?loc }} OPTIONAL {{ ?c prov:value ?text }} }}")
    out: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        loc = str(r["loc"].value) if r.get("loc") is not None else ""
        text = str(r["text"].value) if r.get("text") is not None else ""
        out.setdefault(iri(r["res"]), []).append((loc, text))
    return out


# --- Kamerstuk, dossier and the other hubs ------------------------------------------------------


def kamerstuk_page(req: Request, subject: str, rest: str) -> bytes:
    """A Kamerstuk: its official publication and every fiche that cites it, with the words."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    key = kamerstuk_key(subject)
    title = labels.get(subject) or _display_iri(subject, req.base)
    path = "/doc/" + rest
    body = [heading(req, subject, "Kamerstuk", title, path)]
    if key:
        body.append(f'<p>Official publication: <a href="{esc(official_publication(*key))}">'
                    f"kst-{esc(key[0])}-{esc(key[1])}</a> on officielebekendmakingen.nl</p>")
    own = req.select(f"SELECT ?f ?t WHERE {{ ?f bnc:kamerstuk <{subject}> OPTIONAL {{ ?f dcterms:title ?t }} }}")
    for r in own:
        title_f = str(r["t"].value) if r.get("t") is not None else short_name(r["f"].value)
        body.append(f"<p>This Kamerstuk is the fiche {link(req, r['f'].value, title_f)}.</p>")
    body.append("<h2>Statements</h2>" + facts_table(req, triples, labels))
    citing = newest_first(req, (iri(r["f"]) for r in req.select(
        f"SELECT DISTINCT ?f WHERE {{ ?f bnc:citesKamerstuk <{subject}> }}")))

    def quotes(fiches: list[str]) -> dict[str, str]:
        values = " ".join(f"<{f}>" for f in fiches)
        rows = req.select(
            f"SELECT DISTINCT ?f ?loc ?text WHERE {{ VALUES ?f {{ {values} }} ?f bnc:hasCitation ?c . "
            f"?c bnc:citedResource <{subject}> . OPTIONAL {{ ?c bnc:location ?loc }} "
            f"OPTIONAL {{ ?c prov:value ?text }} }}")
        per_fiche: dict[str, list[tuple[str, str]]] = {}
        for q in rows:
            per_fiche.setdefault(q["f"].value, []).append(
                (str(q["loc"].value) if q.get("loc") is not None else "",
                 str(q["text"].value) if q.get("text") is not None else ""))
        return {f: evidence(c, subject) for f, c in per_fiche.items()}

    n = len(citing)
    body.append(fiche_list_section(req, citing, path, heading_text=f"Cited by {n} fiche{'s' if n != 1 else ''}",
                                   extra=quotes)
                or '<h2>Cited by</h2><p class="muted">No fiche cites this Kamerstuk.</p>')
    return page(title, "".join(body), alternates=_alternates(path))


def dossier_page(req: Request, subject: str, rest: str) -> bytes:
    """A Kamerstuk dossier: its Kamerstukken (paginated), each with its fiche if it is one."""
    triples = own_triples(req, subject, fiches=False)
    labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
    title = labels.get(subject) or _display_iri(subject, req.base).capitalize()
    path = "/doc/" + rest
    members = _cached("dossier " + subject, req, lambda: sorted(
        (iri(r["k"]) for r in req.select(f"SELECT DISTINCT ?k WHERE {{ ?k bnc:inDossier <{subject}> }}")),
        key=_natural, reverse=True))  # highest number first
    total = len(members)
    page_no, chunk = page_of(req, members)
    values = " ".join(f"<{k}>" for k in chunk)
    own = {iri(r["k"]): iri(r["f"]) for r in req.select(
        f"SELECT DISTINCT ?k ?f WHERE {{ VALUES ?k {{ {values} }} ?f bnc:kamerstuk ?k }}")} if chunk else {}
    cited = {iri(r["k"]): int(r["n"].value) for r in req.select(
        f"SELECT ?k (COUNT(DISTINCT ?f) AS ?n) WHERE {{ VALUES ?k {{ {values} }} ?f bnc:citesKamerstuk ?k }} "
        f"GROUP BY ?k")} if chunk else {}
    index = fiche_index(req)
    items = []
    for k in chunk:
        key = kamerstuk_key(k)
        line = link(req, k, f"nr. {key[1]}" if key else short_name(k))
        if k in own:
            line += " — fiche " + f'<span lang="nl">{link(req, own[k], index.get(own[k], FicheInfo()).title or short_name(own[k]))}</span>'
        if cited.get(k):
            line += f' <span class="muted">cited by {cited[k]} fiche{"s" if cited[k] != 1 else ""}</span>'
        items.append(f"<li>{line}</li>")
    body = (heading(req, subject, "Kamerstuk dossier", title, path)
            + "<h2>Statements</h2>" + facts_table(req, triples, labels)
            + f'<h2>Kamerstukken <span class="muted">({total})</span></h2>'
            + f'<ul class="plain">{"".join(items)}</ul>' + pager(path, page_no, total))
    return page(title, body, alternates=_alternates(path))


PAGES: dict[str, Callable[[Request, str, str], bytes]] = {
    "fiche": fiche_page,
    "kamerstuk": kamerstuk_page,
    "dossier": dossier_page,
}


def hub_page(kind: str) -> Callable[[Request, str, str], bytes]:
    """Pages for treaty provisions, competence categories, sectors, ministries, Council
    formations, verdict values and people: their statements and their fiches, newest first."""

    def render(req: Request, subject: str, rest: str) -> bytes:
        triples = own_triples(req, subject, fiches=False)
        labels = label_of(req, [subject] + [iri(o) for _, o, _ in triples] + [p.value for p, _, _ in triples])
        title = labels.get(subject) or short_name(subject)
        path = "/doc/" + rest
        note = {"treaty": "Fiches citing this provision or any of its parts.",
                "competence": "Fiches under this competence (inferred from the treaty articles "
                              "they cite, including narrower areas)."}.get(rest.split("/")[0], "")
        body = heading(req, subject, kind, title, path)
        body += "<h2>Statements</h2>" + facts_table(req, triples, labels)
        body += incoming_section(req, subject, labels, shown=[iri(o) for _, o, _ in triples])
        fiches = fiche_list_section(req, fiches_linking_to(req, subject), path)
        body += (f'<p class="muted">{esc(note)}</p>' if note and fiches else "") + \
            (fiches or '<h2>Fiches</h2><p class="muted">No fiche links here.</p>')
        return page(title, body, alternates=_alternates(path))

    return render


PAGES.update({
    "treaty": hub_page("Treaty provision"),
    "competence": hub_page("Competence category"),
    "sector": hub_page("Sector"),
    "ministry": hub_page("Ministry"),
    "council-formation": hub_page("Council formation"),
    "verdict": hub_page("Verdict"),
    "person": hub_page("Person"),
})


# --- build facts: report.json, the dump ---------------------------------------------------------


def build_report() -> dict[str, Any]:
    """The current build's ``report.json`` (``{}`` when there is none)."""
    try:
        return json.loads((_config.store_dir / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


DUMP_NAME = "dump.nq.gz"


def dump_info() -> dict[str, Any] | None:
    """Size, date and sha256 of the store's ``dump.nq.gz`` (hashed once per file version)."""
    path = _config.store_dir / DUMP_NAME
    try:
        stat = path.stat()
    except OSError:
        return None
    key = ("sha256", str(path.resolve()), stat.st_mtime, stat.st_size)
    if key not in _cache:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        _cache[key] = digest.hexdigest()
    return {"path": path, "bytes": stat.st_size, "sha256": _cache[key],
            "modified": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stat.st_mtime))}


def dumps_page(req: Request) -> Response:
    info = dump_info()
    if info is None:
        body = "<h1>Dumps</h1><p>No dump is available: the store has not been built here.</p>"
        return html_response(page("Dumps", body), vary=False)
    size = f"{info['bytes'] / 1e6:.1f} MB" if info["bytes"] > 1e5 else f"{info['bytes']} bytes"
    body = (
        "<h1>Dumps</h1><p>The whole graph — every fiche's named graph, the ontology, the reference "
        "data and the inferred triples — as one gzip-compressed N-Quads file, written by the build.</p>"
        '<div class="scroll"><table><thead><tr><th>File</th><th>Size</th><th>Built</th><th>SHA-256</th>'
        f'</tr></thead><tbody><tr><td><a href="/dumps/{DUMP_NAME}">{DUMP_NAME}</a></td><td>{size}</td>'
        f'<td>{esc(info["modified"])}</td><td><code>{esc(info["sha256"])}</code> '
        f'(<a href="/dumps/{DUMP_NAME}.sha256">{DUMP_NAME}.sha256</a>)</td></tr></tbody></table></div>'
        f"<p>Check a download with <code>sha256sum -c {DUMP_NAME}.sha256</code>. Load it with "
        f"<code>oxigraph load --location DIR --file {DUMP_NAME}</code>.</p>")
    return html_response(page("Dumps", body), vary=False)


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


# --- the home page ----------------------------------------------------------------------------


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
        "quads": (report.get("counts") or {}).get("quads_in_store"),
        "built": report.get("finished"),
        "browse": [
            ("Competence categories", _browse(req, "bnc:underCompetence")),
            ("Sectors", _browse(req, "bnc:inSector")),
            ("Ministries", _browse(req, "bnc:responsibleMinistry")),
            ("Council formations", _browse(req, "bnc:councilFormation")),
        ],
    }


def home(req: Request) -> Response:
    """What the dataset is, counts, newest fiches, the endpoint, examples, dumps, ontology."""
    if negotiate(req.accept, [HTML] + RDF_TYPES) not in (HTML, None):
        return 303, {"Location": "/.well-known/void", "Vary": "Accept"}, b""
    facts = _cached("home", req, lambda: _home_facts(req))
    newest = list(fiche_index(req))[:10]
    try:
        from .query import load_catalogue
        examples = load_catalogue()
    except (OSError, KgbuildError):
        examples = []
    counts = [("fiches", facts["fiches"]), ("Commission documents assessed", facts["documents"]),
              ("Kamerstukken cited", facts["kamerstukken"]), ("EU acts cited", facts["acts"]),
              ("treaty provisions cited", facts["provisions"])]
    if facts["quads"]:
        counts.append(("quads in the store", facts["quads"]))
    body = [
        "<h1>BNC-fiches as linked data</h1>",
        "<p>Every new European Commission proposal gets a <i>BNC-fiche</i>: the Dutch government's "
        "first assessment, sent to the Tweede Kamer as a Kamerstuk in dossier 22 112. This site "
        "serves those fiches as a knowledge graph: what each fiche assesses, its verdicts on "
        "competence, subsidiarity and proportionality, the treaty articles and competences, and "
        "the Kamerstukken and EU acts it cites — each with the footnote or paragraph that says so.</p>",
        '<ul class="values">' + "".join(f"<li><b>{n:,}</b> {esc(what)}</li>" for what, n in counts)
        + "</ul>",
        f'<p class="muted">Last build: {esc(facts["built"])}.</p>' if facts["built"] else "",
        "<h2>Newest fiches</h2>" + fiche_items(req, newest) + '<p><a href="/fiches">All fiches →</a></p>',
        "<h2>Query</h2><p>SPARQL 1.1 endpoint: <code>" + esc(req.origin) + "/sparql</code> — "
        '<a href="/sparql">open the query UI</a>. '
        'Example queries: <a href="/.well-known/sparql-examples">as a list and as RDF</a>.</p>',
    ]
    if examples:
        body.append('<ul class="values">' + "".join(
            f'<li><a href="/.well-known/sparql-examples#{esc(q.name)}">{esc(q.summary or q.name)}</a></li>'
            for q in examples) + "</ul>")
    body.append(
        "<h2>Data and vocabulary</h2><ul class=\"values\">"
        '<li><a href="/dumps/">Dumps</a>: the whole graph as gzip-compressed N-Quads, with its checksum</li>'
        '<li><a href="/ontology">The ontology</a> (<code>bnc:</code>), also as '
        '<a href="/ontology.ttl">Turtle</a></li>'
        '<li><a href="/.well-known/void">VoID description</a> of the dataset</li>'
        "<li>Every IRI answers here: <code>/id/…</code> redirects (303) to its description "
        "<code>/doc/…</code>, as HTML, Turtle, N-Triples, JSON-LD, TriG or N-Quads.</li></ul>")
    for title, items in facts["browse"]:
        if items:
            body.append(f"<h2>{esc(title)}</h2><ul class=\"values\">" + "".join(
                f'<li>{link(req, x, name)} <span class="muted">({n})</span></li>' for x, name, n in items)
                + "</ul>")
    return html_response(page("Home", "".join(body)))


# --- the ontology -------------------------------------------------------------------------------

TERM_SECTIONS = [
    ("Classes", {OWL + "Class"}),
    ("Object properties", {OWL + "ObjectProperty"}),
    ("Datatype properties", {OWL + "DatatypeProperty"}),
    ("Individuals", {OWL + "NamedIndividual"}),
]
TERM_LINKS = [("Subclass of", RDFS + "subClassOf"), ("Subproperty of", RDFS + "subPropertyOf"),
              ("Inverse of", OWL + "inverseOf"), ("Domain", RDFS + "domain"), ("Range", RDFS + "range"),
              ("Type", RDF + "type"), ("Defined by", RDFS + "isDefinedBy")]


def ontology_page(req: Request) -> Response:
    """``/ontology``: the ontology as HTML (one anchor per term) or as RDF."""
    offered = [HTML, TURTLE, NTRIPLES, JSONLD, TRIG, NQUADS]
    media_type = negotiate(req.accept, offered)
    return _ontology(req, media_type, vary=True)


def _ontology(req: Request, media_type: str | None, *, vary: bool) -> Response:
    graph = req.base + "graph/ontology"
    rows = req.sparql(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
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
    about: dict[Any, list[tuple[str, Any]]] = {}
    for r in rows:
        about.setdefault(r["s"], []).append((r["p"].value, r["o"]))
    onto = about.get(NamedNode(req.ontology), [])
    ns = req.ontology + "#"
    labels: dict[str, str] = {}
    for s, pairs in about.items():
        if isinstance(s, NamedNode):
            names = {getattr(o, "language", "") or "": o.value for p, o in pairs if p == RDFS + "label"}
            if names:
                labels[s.value] = names.get("en") or names.get("nl") or next(iter(names.values()))

    def texts(pairs, pred) -> str:
        out = []
        for p, o in pairs:
            if p == pred and isinstance(o, Literal):
                lang = getattr(o, "language", None)
                attr = f' lang="{esc(lang)}"' if lang else ""
                tag = f' <span class="tag">{esc(lang)}</span>' if lang else ""
                out.append(f"<p{attr}>{esc(o.value)}{tag}</p>")
        return "".join(out)

    def term_link(o) -> str:
        if isinstance(o, NamedNode):
            if o.value.startswith(ns):
                return f'<a href="#{esc(o.value[len(ns):])}">bnc:{esc(o.value[len(ns):])}</a>'
            return link(req, o.value, _prefixed(req, o.value))
        if isinstance(o, BlankNode):
            return _class_expression(req, o, about, term_link)
        return esc(o.value)

    titles = {getattr(o, "language", None) or "": o.value for p, o in onto
              if p == DCT + "title" and isinstance(o, Literal)}
    title = titles.get("en") or titles.get("nl") or next(iter(titles.values()), req.ontology)
    body = [f'<p class="kind">Ontology</p><h1>{esc(title)}</h1>', texts(onto, DCT + "title"),
            f'<p class="iri muted">{esc(req.ontology)} — prefix <code>bnc:</code> = '
            f"<code>{esc(ns)}</code></p>",
            '<p class="muted">Also as <a href="/ontology.ttl">Turtle</a> · '
            '<a href="/ontology.jsonld">JSON-LD</a> · <a href="/ontology.nt">N-Triples</a></p>',
            texts(onto, DCT + "description")]
    meta = [("Version", OWL + "versionInfo"), ("Version IRI", OWL + "versionIRI"),
            ("Licence", DCT + "license"), ("Created", DCT + "created"), ("Modified", DCT + "modified"),
            ("Changelog", RDFS + "comment")]
    body.append('<dl class="facts">' + "".join(
        f"<dt>{name}</dt><dd>{', '.join(render_term(req, o, {}) for p, o in onto if p == pred)}</dd>"
        for name, pred in meta if any(p == pred for p, _ in onto)) + "</dl>")
    terms = [s for s in about if isinstance(s, NamedNode) and s.value != req.ontology]
    toc, sections = [], []
    placed: set[str] = set()
    for title, types in TERM_SECTIONS + [("Reused terms", None)]:
        if types is None:
            chosen = [s for s in terms if s.value not in placed and not s.value.startswith(ns)]
        else:
            chosen = [s for s in terms if s.value not in placed and s.value.startswith(ns)
                      and any(p == RDF + "type" and iri(o) in types for p, o in about[s])]
        if title == "Individuals":
            chosen += [s for s in terms if s.value not in placed and s.value.startswith(ns)
                       and s not in chosen]
        if not chosen:
            continue
        chosen.sort(key=lambda s: s.value.lower())
        placed.update(s.value for s in chosen)
        anchor = title.lower().replace(" ", "-")
        toc.append(f'<a href="#{anchor}">{title}</a> ({len(chosen)})')
        blocks = []
        for s in chosen:
            local = s.value[len(ns):] if s.value.startswith(ns) else None
            name = f"bnc:{local}" if local else _prefixed(req, s.value)
            ident = f' id="{esc(local)}"' if local else ""
            rel = "".join(
                f"<dt>{label}</dt><dd>{', '.join(term_link(o) for p, o in about[s] if p == pred)}</dd>"
                for label, pred in TERM_LINKS if any(p == pred for p, _ in about[s]))
            chain = [o for p, o in about[s] if p == OWL + "propertyChainAxiom"]
            if chain:
                rel += "<dt>Property chain</dt><dd>" + "<br>".join(
                    _class_expression(req, c, about, term_link) for c in chain) + "</dd>"
            blocks.append(
                f"<section{ident}><h3>{esc(labels.get(s.value, name))} <code>{esc(name)}</code></h3>"
                f'<p class="iri muted">{esc(s.value)}</p>'
                f"{texts(about[s], SKOS + 'definition')}"
                f'{"<dl class=facts>" + rel + "</dl>" if rel else ""}</section>')
        sections.append(f'<h2 id="{anchor}">{title}</h2>' + "".join(blocks))
    body.append("<p>" + " · ".join(toc) + "</p>")
    body.extend(sections)
    return html_response(page("Ontology", "".join(body), alternates=_alternates("/ontology")), vary=vary)


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


def _class_expression(req: Request, node: Any, about: dict, term_link: Callable[[Any], str]) -> str:
    """An RDF list or a restriction in readable form (``bnc:a / bnc:b``)."""
    items, seen = [], 0
    while isinstance(node, BlankNode) and seen < 50:
        pairs = dict(about.get(node, []))
        if RDF + "first" not in pairs:
            on = pairs.get(OWL + "onProperty")
            if on is not None:
                return "restriction on " + term_link(on)
            return "(class expression)"
        items.append(term_link(pairs[RDF + "first"]))
        node = pairs.get(RDF + "rest")
        seen += 1
    return " / ".join(items)


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
    quads = counts.get("quads_in_store")
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
    ds = req.origin + "/.well-known/void#dataset"
    values = {q.predicate.value: q.object for q in quads if iri(q.subject) == ds}
    stats = _cached("void", req, lambda: _void_stats(req))
    labels = label_of(req, [c for c, _ in stats["classes"]] + [p for *_, p, _ in stats["links"]])
    classes = "".join(f"<tr><td>{link(req, c, labels.get(c) or _prefixed(req, c))}</td><td>{n:,}</td></tr>"
                      for c, n in stats["classes"])
    links = "".join(f"<tr><td>{esc(title)}</td><td>{link(req, p, _prefixed(req, p))}</td><td>{n:,}</td></tr>"
                    for _, title, _, p, n in stats["links"])
    dump = dump_info()
    body = (
        "<h1>VoID description</h1><p>The dataset described in the "
        '<a href="https://www.w3.org/TR/void/">VoID</a> vocabulary. Machines: ask this URL for '
        "<code>text/turtle</code>, <code>application/ld+json</code> or another RDF type "
        '(or see <a href="/.well-known/void.ttl">Turtle</a>).</p><dl class="facts">'
        f"<dt>Triples (quads)</dt><dd>{stats['quads']:,}</dd>"
        f"<dt>Entities</dt><dd>{stats['entities']:,}</dd>"
        f"<dt>Named graphs</dt><dd>{stats['graphs']:,}</dd>"
        f"<dt>SPARQL endpoint</dt><dd><a href=\"/sparql\">{esc(req.origin)}/sparql</a></dd>"
        + (f"<dt>Dump</dt><dd><a href=\"/dumps/{DUMP_NAME}\">{DUMP_NAME}</a> · sha256 <code>"
           f"{esc(dump['sha256'])}</code></dd>" if dump else "")
        + f"<dt>Licence</dt><dd><a href=\"{LICENCE}\">CC0 1.0</a></dd>"
        + (f"<dt>Last build</dt><dd>{esc(values[DCT + 'modified'].value)}</dd>" if DCT + "modified" in values else "")
        + f"<dt>Vocabulary</dt><dd><a href=\"/ontology\">{esc(req.ontology)}#</a></dd></dl>"
        '<h2>Linksets</h2><div class="scroll"><table><thead><tr><th>Target</th><th>Predicate</th>'
        f"<th>Links</th></tr></thead><tbody>{links}</tbody></table></div>"
        '<h2>Classes</h2><div class="scroll"><table><thead><tr><th>Class</th><th>Entities</th></tr>'
        f"</thead><tbody>{classes}</tbody></table></div>")
    return html_response(page("VoID", body))


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
    blocks = []
    for q, kind in _catalogue():
        params = "".join(f"<li><code>?{esc(p.name)}</code> ({esc(p.type)}) {esc(p.description)}</li>"
                         for p in q.params)
        blocks.append(
            f'<section id="{esc(q.name)}"><h2>{esc(q.summary or q.name)}</h2>'
            f"<p>{esc(q.description)}</p>"
            + (f"<p>Parameters:</p><ul class=\"values\">{params}</ul>" if params else "")
            + (f'<p class="muted">Federates with <code>{esc(q.endpoint)}</code>.</p>' if q.endpoint else "")
            + f"<pre><code>{esc(q.text)}</code></pre>"
            f'<form action="/sparql" method="get"><input type="hidden" name="query" value="{esc(q.text)}">'
            f'<button type="submit">Run on this endpoint</button> <span class="muted">{esc(kind)} · '
            f"<code>{esc(q.path.name)}</code></span></form></section>")
    body = ("<h1>Example queries</h1><p>The queries of <code>queries/</code>, also as RDF "
            '(<a href="/.well-known/sparql-examples.ttl">Turtle</a>, SIB sparql-examples style: '
            "<code>sh:SPARQLExecutable</code>, <code>sh:select</code>, <code>rdfs:comment</code>). "
            'Open them in the <a href="/sparql">query UI</a>.</p>' + "".join(blocks))
    return html_response(page("Example queries", body))
