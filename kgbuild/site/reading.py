"""Reading the served store for the site: labels, the fiche index, descriptions, with caches
kept per store build.

Every read goes through ``Visit.sparql`` (the page worker pool in the server, a store opened
in-process in benchmarks and tests); nothing here knows about HTTP. A rebuilt store (the
``report.json`` of the store directory changes) starts fresh caches.

>>> local_path("https://w3id.org/bnc-fiches/id/fiche/com-2025-723", "https://w3id.org/bnc-fiches/")
'/doc/fiche/com-2025-723'
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import quote

from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Triple

from ..errors import KgbuildError

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
Response = tuple[int, dict[str, str], bytes]  # status, headers, body

# --- configuration ----------------------------------------------------------------------------


@dataclass
class _Config:
    store_dir: Path = Path("data/store")
    base: str | None = None


_config = _Config()


def configure(*, store_dir: str | Path | None = None, base: str | None = None) -> None:
    """Set the store directory (for dumps and build facts) and the IRI base; the app calls this.

    >>> configure(store_dir="data/store"); _config.store_dir
    PosixPath('data/store')
    """
    if store_dir is not None:
        _config.store_dir = Path(store_dir)
    if base is not None:
        _config.base = base
    _cache.clear()

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
class Visit:
    """One request as the site reads it: path, parameters, lower-case headers, the store's
    query function, the IRI base and this server's origin (for absolute service URLs)."""

    path: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    sparql: Sparql
    base: str = DEFAULT_BASE
    ontology: str = DEFAULT_BASE + "ontology"
    origin: str = "http://127.0.0.1"  # scheme://host[:port] of this server (a checked Host)

    @property
    def prefixes(self) -> str:
        """SPARQL prefixes for the queries the pages run."""
        return (f"PREFIX bnc: <{self.ontology}#>\nPREFIX dcterms: <{DCT}>\nPREFIX rdfs: <{RDFS}>\n"
                f"PREFIX skos: <{SKOS}>\nPREFIX prov: <{PROV}>\nPREFIX cdm: <{CDM}>\n"
                f"PREFIX owl: <{OWL}>\nPREFIX foaf: <{FOAF}>\nPREFIX xsd: <{XSD}>\n")

    def select(self, query: str) -> list[dict[str, Any]]:
        """Run a SELECT with the pages' prefixes."""
        return self.sparql(self.prefixes + query)

    def param(self, name: str, default: str = "") -> str:
        values = self.params.get(name) or [default]
        return values[0]

    @property
    def accept(self) -> str | None:
        return self.headers.get("accept")


    def page_number(self) -> int:
        try:
            return max(1, int(self.param("page", "1")))
        except ValueError:
            return 1


def sparql_over(store: Any) -> Sparql:
    """The ``sparql`` callable of the contract over a pyoxigraph ``Store``, for running pages
    without the server (benchmarks, tests): the default graph is the store's own when the build
    wrote the merge of all graphs there, else the union of the graphs (as the endpoint does).

    >>> from pyoxigraph import Store
    >>> store = Store(); store.add(Quad(NamedNode("http://e.org/s"), NamedNode("http://e.org/p"),
    ...                                 Literal("o"), NamedNode("http://e.org/g")))
    >>> sparql_over(store)("SELECT ?o WHERE { ?s ?p ?o }")
    [{'o': <Literal value=o datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>}]
    """
    from pyoxigraph import QueryBoolean, QuerySolutions

    union = not store.query("ASK { ?s ?p ?o }")  # the endpoint's policy: the merge if built

    def run(query: str) -> Any:
        try:
            result = store.query(query, use_default_graph_as_union=union)
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


def _cached(name: str, req: Visit, compute: Callable[[], Any], ttl: float = 3600.0) -> Any:
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



def _ontology_iri(req: Visit) -> str:
    """The ontology's IRI as the store states it (its terms are ``{that}#Term``)."""

    def find() -> str:
        rows = req.sparql(f"SELECT ?o WHERE {{ ?o a <{OWL}Ontology> . "
                          f"FILTER(STRENDS(STR(?o), \"/ontology\")) }} LIMIT 1")
        if rows:
            return str(rows[0]["o"].value)
        return (_config.base or DEFAULT_BASE) + "ontology"

    return _cached("ontology", req, find)

# --- what the store says: labels, the fiche index -------------------------------------------


def iri(term: Any) -> str:
    return str(term.value) if isinstance(term, NamedNode) else ""


def label_of(req: Visit, iris: Iterable[str], *, langs: tuple[str, ...] = ("en", "nl", "")
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


def _all_labels(req: Visit) -> dict[str, dict[str, str]]:
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


def fiche_index(req: Visit) -> dict[str, FicheInfo]:
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


def exists(req: Visit, iri_: str) -> bool:
    """Whether the store says anything about ``iri_`` (as subject, object or graph name)."""
    answer = req.sparql(f"ASK {{ {{ <{iri_}> ?p ?o }} UNION {{ ?s ?p <{iri_}> }} "
                        f"UNION {{ GRAPH <{iri_}> {{ ?s ?p ?o }} }} }}")
    return bool(answer)


def _thing_iri(req: Visit, rest: str) -> str:
    if not rest or "<" in rest or ">" in rest or '"' in rest or " " in rest or "\\" in rest:
        raise NotFound
    return req.base + "id/" + quote(rest, safe="/-_.~:@!$&'()*+,;=")

def description_quads(req: Visit, subject: str, *, incoming_limit: int = 1000) -> list[Quad]:
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


def linked_labels(req: Visit, iris: Iterable[str]) -> list[Triple]:
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


def rdf_prefixes(req: Visit) -> dict[str, str]:
    return {"bnc": req.ontology + "#", "fiche": req.base + "id/fiche/",
            "kst": req.base + "id/kamerstuk/", "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
            "skos": SKOS, "dcterms": DCT, "prov": PROV, "cdm": CDM, "eli": ELI, "foaf": FOAF,
            "org": ORG, "celex": CELEX, "void": VOID, "sh": SH, "schema": SCHEMA}

# --- reads for the pages --------------------------------------------------------------------


def own_triples(req: Visit, subject: str, *, fiches: bool = True) -> list[tuple[Any, Any, bool]]:
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


def fiches_linking_to(req: Visit, subject: str) -> list[str]:
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


def newest_first(req: Visit, fiches: Iterable[str]) -> list[str]:
    """The fiches among ``fiches``, in the index's order (newest first)."""
    wanted = set(fiches)
    return [f for f in fiche_index(req) if f in wanted]


def page_of(req: Visit, items: list[Any], page_size: int = PAGE_SIZE) -> tuple[int, list[Any]]:
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

# --- counts for the home page ---------------------------------------------------------------


def _count(req: Visit, where: str, var: str = "x") -> int:
    rows = req.select(f"SELECT (COUNT(DISTINCT ?{var}) AS ?n) WHERE {{ {where} }}")
    return int(rows[0]["n"].value) if rows else 0


def _browse(req: Visit, link_pred: str) -> list[tuple[str, str, int]]:
    """What fiches point at with ``link_pred``, with their number of fiches: (iri, label, count)."""
    rows = req.select(f"SELECT ?x (COUNT(DISTINCT ?f) AS ?n) WHERE {{ ?f {link_pred} ?x FILTER(isIRI(?x)) }} "
                      f"GROUP BY ?x")
    labels = label_of(req, [r["x"].value for r in rows], langs=("nl", "en", ""))
    out = [(r["x"].value, labels.get(r["x"].value) or short_name(r["x"].value), int(r["n"].value))
           for r in rows]
    return sorted(out, key=lambda t: _natural(t[1]))


def _home_facts(req: Visit) -> dict[str, Any]:
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

def _prefixed(req: Visit, value: str) -> str:
    for prefix, ns in rdf_prefixes(req).items():
        if value.startswith(ns) and re.fullmatch(r"[\w.\-]+", value[len(ns):]):
            return f"{prefix}:{value[len(ns):]}"
    return value



# --- the search index, lookup, cited papers' metadata -----------------------------------------


def search_index() -> Path:
    """The full-text index of the served build (``kgbuild.search``), swapped with the store."""
    from ..search import INDEX_DIR

    return _config.store_dir / INDEX_DIR


def fiche_text(req: Visit, fiche: str) -> list[tuple[str, str, str]]:
    """``(section, anchor, text)`` of a fiche's passages in page order, as the search index
    holds them (so every anchor a hit carries is on the page); none without an index."""
    from ..search import SearchError, fiche_passages

    def read() -> list[tuple[str, str, str]]:
        try:
            return fiche_passages(search_index(), fiche)
        except SearchError:
            return []

    return _cached("text " + fiche, req, read)


class _Row(dict):
    """A solution whose unbound variables read as ``None`` (as pyoxigraph's do)."""

    def __missing__(self, key: str) -> None:
        return None


class StoreView:
    """What ``kgbuild.lookup`` reads a store through (``.query``), over a visit's ``sparql``,
    so that the site's lookups go through the page worker pool like every other read."""

    def __init__(self, req: Visit):
        self.req = req

    def query(self, query: str) -> Any:
        result = self.req.sparql(query)
        return [_Row(r) for r in result] if isinstance(result, list) else result


def kamerstuk_metadata(req: Visit, subject: str) -> dict[str, str]:
    """What the harvested metadata record says of a Kamerstuk (``graph/kamerstukken``):
    ``title``, ``kind``, ``issued``, ``submitter``, ``dossier`` (IRI), ``dossier_title`` —
    only the keys that are stated."""
    rows = req.select(
        f"SELECT ?title ?kind ?issued ?submitter ?dossier ?dossier_title WHERE {{ "
        f"GRAPH <{req.base}graph/kamerstukken> {{ "
        f"OPTIONAL {{ <{subject}> dcterms:title ?title }} OPTIONAL {{ <{subject}> dcterms:type ?kind }} "
        f"OPTIONAL {{ <{subject}> dcterms:issued ?issued }} "
        f"OPTIONAL {{ <{subject}> dcterms:creator ?submitter }} "
        f"OPTIONAL {{ <{subject}> bnc:inDossier ?dossier OPTIONAL {{ ?dossier dcterms:title ?dossier_title }} }} "
        f"}} }} LIMIT 1")
    return {k: str(v.value) for k, v in (rows[0] if rows else {}).items() if str(v.value).strip()}


def dossier_title(req: Visit, subject: str) -> str | None:
    """A dossier's title from the harvested metadata records, if any."""
    rows = req.select(f"SELECT ?t WHERE {{ GRAPH <{req.base}graph/kamerstukken> "
                      f"{{ <{subject}> dcterms:title ?t }} }} LIMIT 1")
    return str(rows[0]["t"].value) if rows else None


def store_dir() -> Path:
    """The served store's directory."""
    return _config.store_dir
