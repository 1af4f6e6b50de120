"""SPARQL queries: inspection (kind, SERVICE IRIs), the catalogue in ``queries/``, parameters.

The endpoint (``kgbuild/serve.py``) inspects every query before it runs: updates are refused and
every SERVICE IRI must be on the allowlist (``kgbuild.federation`` finds them). ``kgbuild query``
runs a catalogue query against a store or an endpoint, binding ``--param`` values as RDF terms,
never pasted into the text; on a store, its SERVICE blocks are evaluated by
``federation.resolve_services``.

>>> info = inspect_query("PREFIX e: <http://e.org/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }")
>>> info.kind, info.services
('SELECT', ['http://e.org/sparql'])
>>> inspect_query("INSERT DATA { <a:b> <a:c> <a:d> }").kind
'UPDATE'
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import KgbuildError, QueryError
from .federation import (ServiceRefused, find_services, holds_service, resolve_services,
                         tokenize, unescape_codepoints)

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
CELLAR_ENDPOINT = "https://publications.europa.eu/webapi/rdf/sparql"
XSD = "http://www.w3.org/2001/XMLSchema#"


_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass
class QueryInfo:
    """What the endpoint needs to know before running a query."""

    kind: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE or "" (not recognised)
    services: list[str] = field(default_factory=list)


def inspect_query(query: str, *, prefixes: dict[str, str] | None = None) -> QueryInfo:
    """Find the query form and every SERVICE IRI (``federation.find_services``: through the
    query's PREFIXes, BASE and ``\\u`` escapes, in any form the grammar allows).

    ``prefixes`` are default prefixes (the endpoint's own). A SERVICE whose IRI is a variable or
    relative cannot be checked and raises ``ServiceRefused`` (a ``QueryError``).

    >>> inspect_query("ASK { SERVICE SILENT <http://x.org/q> { } }").services
    ['http://x.org/q']
    >>> inspect_query("SELECT * { SERVICE ?s { } }")
    Traceback (most recent call last):
    kgbuild.federation.ServiceRefused: SERVICE with a variable is not allowed: name the endpoint's IRI
    """
    info = QueryInfo(kind="", services=[b.iri for b in find_services(query, prefixes=prefixes or {})])
    for tok in tokenize(unescape_codepoints(query)):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word in _FORMS:
            info.kind = word
            break
        if word in _UPDATES:
            info.kind = "UPDATE"
            break
    return info


# --- prefixes and the catalogue ----------------------------------------------------------------


def read_prefixes(path: Path | None = None) -> dict[str, str]:
    """The project's prefixes, from ``queries/prefixes.rq`` (``PREFIX p: <iri>`` lines).

    >>> read_prefixes()["cdm"]
    'http://publications.europa.eu/ontology/cdm#'
    """
    text = (path or QUERIES_DIR / "prefixes.rq").read_text(encoding="utf-8")
    tokens = tokenize(text)
    return {tokens[i + 1].text[:-1]: tokens[i + 2].text[1:-1]
            for i in range(len(tokens) - 2)
            if tokens[i].text.upper() == "PREFIX" and tokens[i + 2].kind == "iri"}


@dataclass
class Param:
    """A catalogue query's parameter: the variable ``?name`` it binds, and how to make a term."""

    name: str
    type: str = "string"  # string | iri | integer | date | gYear, or an IRI template with {}
    description: str = ""
    default_from: str | None = None  # a catalogue query whose ?name values are the default


@dataclass
class CatalogueQuery:
    """One ``.rq`` file of the catalogue with its comment header."""

    name: str
    path: Path
    text: str
    summary: str = ""
    description: str = ""
    params: list[Param] = field(default_factory=list)
    endpoint: str | None = None  # the endpoint it federates with, if any


_HEADER = re.compile(r"^#\s*([A-Za-z-]+):\s*(.*)$")
_PARAM = re.compile(r"^\??(\w+)\s*(?:\((.+?)\))?\s*(?:[—-]+\s*(.*))?$")


def parse_header(name: str, path: Path, text: str) -> CatalogueQuery:
    """Read the comment header: ``# Summary:``, ``# Description:``, ``# Param:``, ``# Endpoint:``.

    A ``# Param:`` line reads ``name (type) — description``; a line
    ``# Default-from: name query`` says the default values come from another catalogue query.

    >>> q = parse_header("x", Path("x.rq"), "# Summary: S\\n# Param: ks (string) — a key\\nSELECT")
    >>> q.summary, q.params[0].name, q.params[0].type
    ('S', 'ks', 'string')
    """
    query = CatalogueQuery(name=name, path=path, text=text)
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            cont = line.lstrip("#").strip()
            if last == "description" and cont:
                query.description = f"{query.description} {cont}".strip()
            continue
        key, value = match.group(1).lower(), match.group(2).strip()
        last = key
        if key == "summary":
            query.summary = value
        elif key == "description":
            query.description = value
        elif key == "endpoint":
            query.endpoint = value
        elif key == "param":
            pm = _PARAM.match(value)
            if not pm:
                raise QueryError(f"{path}: bad '# Param:' line: {value}")
            query.params.append(Param(pm.group(1), pm.group(2) or "string", pm.group(3) or ""))
        elif key == "default-from" and query.params:
            pname, _, source = value.partition(" ")
            for p in query.params:
                if p.name == pname.lstrip("?"):
                    p.default_from = source.strip()
    return query


def load_catalogue(directory: Path | None = None) -> list[CatalogueQuery]:
    """Every catalogue query, sorted by name (``prefixes.rq`` is not a query).

    >>> any(q.name == "fiches-citing-kamerstuk" for q in load_catalogue())
    True
    """
    directory = directory or QUERIES_DIR
    return [parse_header(p.stem, p, p.read_text(encoding="utf-8"))
            for p in sorted(directory.glob("*.rq")) if p.stem != "prefixes"]


def find_query(name_or_file: str) -> CatalogueQuery:
    """A catalogue query by name (``fiches-citing-kamerstuk``) or any ``.rq`` file by path."""
    path = Path(name_or_file)
    if not path.is_file():
        path = QUERIES_DIR / f"{name_or_file.removesuffix('.rq')}.rq"
    if not path.is_file():
        names = ", ".join(q.name for q in load_catalogue())
        raise QueryError(f"no query named '{name_or_file}' (catalogue: {names})")
    return parse_header(path.stem, path, path.read_text(encoding="utf-8"))


# --- parameters --------------------------------------------------------------------------------


def make_term(value: str, type_: str = "string", *, store: ox.Store | None = None) -> ox.NamedNode | ox.Literal:
    """Turn a ``--param`` value into an RDF term of the parameter's type.

    ``<iri>`` is always an IRI. A type with ``{}`` is an IRI template, filled through
    ``kgbuild.lookup`` so any notation of the identifier works (``kst-26643-640``,
    ``26 643, nr. 640``, the publisher's URL); the types ``celex`` and ``treaty-article`` turn any
    notation of an act, COM document or treaty article into its CELEX or key string. With a
    ``store``, a reading the graph does not hold is refused, saying so, and of several readings
    the one it holds is taken.

    >>> make_term("26643-640")
    <Literal value=26643-640 datatype=<NamedNode value=http://www.w3.org/2001/XMLSchema#string>>
    >>> make_term("26 643, nr. 640", "https://w3id.org/bnc-fiches/id/kamerstuk/{}").value
    'https://w3id.org/bnc-fiches/id/kamerstuk/26643-640'
    >>> make_term("Regulation (EC) No 767/2008", "celex").value, make_term("Art. 114 TFEU", "treaty-article").value
    ('32008R0767', 'TFEU-114')
    >>> make_term("12x", "integer")
    Traceback (most recent call last):
    kgbuild.query.QueryError: parameter value '12x' is not an integer
    """
    try:
        if value.startswith("<") and value.endswith(">"):
            return ox.NamedNode(value[1:-1])
        if "{}" in type_:
            return ox.NamedNode(_looked_up(value, type_, store))
        if type_ == "iri":
            if not _ABSOLUTE.match(value):
                raise QueryError(f"parameter value '{value}' is not an absolute IRI")
            return ox.NamedNode(value)
    except ValueError as err:
        raise QueryError(f"parameter value '{value}' is not a valid IRI: {err}") from None
    if type_ in _LOOKUP_TYPES:
        return ox.Literal(_looked_up(value, type_, store))
    checks = {"integer": r"[+-]?\d+", "date": r"\d{4}-\d{2}-\d{2}", "gYear": r"\d{4}"}
    if type_ in checks:
        if not re.fullmatch(checks[type_], value):
            article = "an" if type_[0] in "ai" else "a"
            raise QueryError(f"parameter value '{value}' is not {article} {type_}")
        return ox.Literal(value, datatype=ox.NamedNode(XSD + type_))
    if type_ != "string":
        raise QueryError(f"unknown parameter type '{type_}'")
    return ox.Literal(value)


# Parameter types filled with a lookup candidate's identifier: the kinds they take, what they are.
_LOOKUP_TYPES = {"celex": (("eu-act", "commission-document", "eu-document"), "a CELEX number"),
                 "treaty-article": (("treaty-provision",), "a treaty article")}
_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _looked_up(value: str, type_: str, store: ox.Store | None) -> str:
    """The IRI (template types) or identifier (``celex``, ``treaty-article``) ``value`` names."""
    from .lookup import Candidate, holders, resolve

    if "{}" in type_:
        head, _, tail = type_.partition("{}")
        base = head[:head.index("id/")] if "id/" in head else head
        resolution = resolve(value, base=base)
        fits = [c for c in resolution.candidates
                if c.iri and c.iri.startswith(head) and c.iri.endswith(tail)
                and "/" not in c.iri[len(head):len(c.iri) - len(tail)]]
        what, pick = f"an identifier for {type_}", (lambda c: c.iri)
    else:
        kinds, what = _LOOKUP_TYPES[type_]
        resolution = resolve(value)
        fits, pick = resolution.of_kind(*kinds), (lambda c: c.identifier)
    if resolution.error:
        raise QueryError(f"parameter value {resolution.error}")
    if not fits and "{}" in type_ and not resolution.candidates and _SEGMENT.fullmatch(value):
        fits = [Candidate("", value, f"<{type_.replace('{}', value)}>", type_.replace("{}", value))]
    if not fits:  # a key the lookup does not know is taken as given (above)
        raise QueryError(f"parameter value '{value}' is not {what}")
    if store is not None:
        held = [c for c in fits if holders(store, c)]
        if not held:
            names = " or ".join(c.label for c in fits)
            raise QueryError(f"parameter value '{value}': the graph holds no {names}")
        fits = held
    if len({pick(c) for c in fits}) > 1:
        raise QueryError(f"parameter value '{value}' is ambiguous: "
                         + "; ".join(f"{c.label} = {pick(c)}" for c in fits))
    return pick(fits[0])


def values_block(var: str, terms: list) -> str:
    """A one-variable VALUES block from RDF terms, each serialized by pyoxigraph.

    >>> values_block("k", [ox.Literal('a"b'), ox.NamedNode("http://x.org/")])
    'VALUES ?k { "a\\\\"b" <http://x.org/> }'
    """
    return f"VALUES ?{var} {{ {' '.join(str(t) for t in terms)} }}"


def insert_values(query: str, var: str, terms: list) -> str:
    """Bind ``?var`` for an endpoint: a VALUES block at the start of the top-level WHERE group.

    >>> insert_values("SELECT ?k WHERE { ?s ?p ?k }", "k", [ox.Literal("v")])
    'SELECT ?k WHERE { VALUES ?k { "v" } ?s ?p ?k }'
    """
    depth = 0
    tokens = tokenize(query)
    for i, tok in enumerate(tokens):
        if tok.text in "{}" and tok.kind == "other":
            depth += 1 if tok.text == "{" else -1
        elif depth == 0 and tok.text.upper() == "WHERE" and i + 1 < len(tokens):
            brace = tokens[i + 1].start + 1
            return f"{query[:brace]} {values_block(var, terms)}{query[brace:]}"
    return f"{query}\n{values_block(var, terms)}"


def parse_params(pairs: tuple[str, ...] | list[str], query: CatalogueQuery, *,
                 store: ox.Store | None = None) -> dict[str, list]:
    """``k=v`` strings → ``{name: [term, …]}`` (a repeated name gives several values).

    With a ``store``, identifiers are checked against it (``make_term``): a catalogue query binds
    its parameters in the local part, which sends them on into any SERVICE block.

    >>> q = parse_header("x", Path("x.rq"), "# Param: year (gYear)\\nSELECT ?year {}")
    >>> parse_params(["year=2025"], q)["year"][0].value
    '2025'
    >>> parse_params(["month=5"], q)
    Traceback (most recent call last):
    kgbuild.query.QueryError: unknown parameter 'month' for x (parameters: year)
    """
    types = {p.name: p.type for p in query.params}
    out: dict[str, list] = {}
    for pair in pairs:
        name, eq, value = pair.partition("=")
        name = name.strip().lstrip("?")
        if not eq or not name:
            raise QueryError(f"parameter '{pair}' is not of the form name=value")
        if name not in types:
            known = ", ".join(types) or "none"
            raise QueryError(f"unknown parameter '{name}' for {query.name} (parameters: {known})")
        out.setdefault(name, []).append(make_term(value, types[name], store=store))
    return out


# --- running -----------------------------------------------------------------------------------


def open_store(store_dir: Path | str) -> ox.Store:
    """Open a built store directory (``DIR/oxigraph``) read-only, as a snapshot."""
    location = Path(store_dir) / "oxigraph"
    if not location.is_dir():
        raise KgbuildError(f"no store at {store_dir} (build one with: kgbuild build)")
    try:
        return ox.Store.read_only(str(location))
    except OSError as err:
        raise KgbuildError(f"cannot open the store at {store_dir}: {err}") from None


def run_query(name_or_file: str, *, params: tuple[str, ...] | list[str] = (),
              store: Path | str | None = None, endpoint: str | None = None,
              eurlex_endpoint: str | None = None, timeout: float = 60.0,
              allow_services: tuple[str, ...] | list[str] = (), local_services=None, log=None):
    """Run a catalogue query (or a ``.rq`` file) on a store or an endpoint.

    Returns pyoxigraph results (``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples``).
    On a store, parameters are bound with ``substitutions=`` (so a parameter's variable must be
    projected); on an endpoint, and in a federated query, by a VALUES block of serialized terms
    at the start of the WHERE group.

    On a store, kgbuild evaluates the SERVICE blocks itself (``federation.resolve_services``:
    CELLAR, ``eurlex_endpoint`` and ``allow_services`` are allowed, the values the local part
    fixes are sent into the block, all within ``timeout``; ``local_services`` answer their own
    IRIs, by default the store's full-text search, see ``federation.LocalService``), then runs what is left, which holds no SERVICE. On an
    endpoint, the endpoint does that. ``log`` hears of every remote call.

    >>> res = run_query("fiches-citing-kamerstuk", store="/nonexistent")
    Traceback (most recent call last):
    kgbuild.errors.KgbuildError: no store at /nonexistent (build one with: kgbuild build)
    """
    import time

    deadline = time.monotonic() + timeout
    query = find_query(name_or_file)
    text = query.text
    if eurlex_endpoint:
        text = text.replace(f"<{CELLAR_ENDPOINT}>", f"<{eurlex_endpoint}>")
    target = open_store(store) if endpoint is None else None
    bound = parse_params(params, query, store=target)
    for param in query.params:
        if param.name not in bound and param.default_from:
            bound[param.name] = _values_of(param.default_from, param.name, target, endpoint)
    try:
        federated = bool(inspect_query(text).services)
    except QueryError as err:
        raise QueryError(f"{query.path}: {err}") from None
    substitutions = {}
    for name, terms in bound.items():
        if endpoint is not None or federated:
            text = insert_values(text, name, terms)
        elif len(terms) > 1:
            raise QueryError(f"parameter '{name}' takes one value here")
        else:
            substitutions[ox.Variable(name)] = terms[0]
    if endpoint is not None:
        return query_endpoint(endpoint, text, timeout=timeout)
    if federated:
        union = _union(target)
        allowed = {CELLAR_ENDPOINT, *allow_services, *([eurlex_endpoint] if eurlex_endpoint else [])}
        try:
            text = resolve_services(
                text, prefixes={}, allowed=allowed, deadline=deadline, log=log,
                local_services=_local_services(store) if local_services is None else local_services,
                run_local=lambda select: _rows(target.query(select, use_default_graph_as_union=union)))
        except ValueError as err:  # a block a local service cannot answer
            raise QueryError(f"{query.name}: {_one_line(err)}") from None
    if holds_service(text):  # never run by Oxigraph, whatever the query says
        raise ServiceRefused(f"{query.path}: a SERVICE is left that kgbuild cannot evaluate")
    return _run_text(text, query, target, substitutions)


def _local_services(store_dir: Path | str) -> dict:
    """The services a store answers itself: the full-text search over its index."""
    from .search import SEARCH_SERVICE, SearchService

    return {SEARCH_SERVICE: SearchService(store_dir)}


def _run_text(text: str, query: CatalogueQuery, target, substitutions):
    try:
        return _materialize(target.query(text, substitutions=substitutions,
                                         use_default_graph_as_union=_union(target)))
    except SyntaxError as err:
        raise QueryError(f"{query.path}: syntax error: {_one_line(err)}") from None
    except (OSError, RuntimeError, ValueError) as err:
        raise QueryError(f"{query.name}: {_one_line(err)}") from None


def _rows(results) -> list[dict]:
    names = [v.value for v in results.variables]
    return [{n: row[n] for n in names if row[n] is not None} for row in results]


def _union(store) -> bool:
    """The endpoint's default-graph policy on a store: the union of all graphs, unless the store's
    own default graph holds their merge (``kgbuild.serve.merged_default_graph``)."""
    return not store.query("ASK { ?s ?p ?o }")


def _materialize(results):
    """Evaluate lazy results now (errors surface here, not while printing): serialize, reparse."""
    if isinstance(results, ox.QueryTriples):
        return ox.parse(ox.serialize(results, format=ox.RdfFormat.N_TRIPLES),
                        format=ox.RdfFormat.N_TRIPLES)
    fmt = ox.QueryResultsFormat.JSON
    return ox.parse_query_results(results.serialize(format=fmt), format=fmt)


def _values_of(source: str, var: str, store, endpoint) -> list:
    """Every value of ``?var`` in the answer of catalogue query ``source`` (a default)."""
    text = find_query(source).text
    results = query_endpoint(endpoint, text) if endpoint is not None \
        else store.query(text, use_default_graph_as_union=_union(store))
    return [row[var] for row in results if row[var] is not None]


def query_endpoint(endpoint: str, text: str, *, timeout: float = 60.0):
    """POST a query (form-encoded) to a SPARQL endpoint; parse the JSON or N-Triples answer."""
    import httpx

    try:
        resp = httpx.post(endpoint, data={"query": text}, timeout=timeout, headers={
            "Accept": "application/sparql-results+json, application/n-triples;q=0.9"})
    except httpx.HTTPError as err:
        raise KgbuildError(f"{endpoint}: {_one_line(err) or type(err).__name__}") from None
    if resp.status_code != 200:
        raise QueryError(f"{endpoint} answered {resp.status_code}: {_one_line(resp.text)[:300]}")
    ctype = resp.headers.get("content-type", "").split(";")[0].strip()
    try:
        if ctype == "application/n-triples":
            return ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES)
        return ox.parse_query_results(resp.content, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as err:
        raise QueryError(f"{endpoint}: unreadable answer ({ctype}): {_one_line(err)}") from None


def _one_line(err) -> str:
    return " ".join(str(err).split())


# --- output ------------------------------------------------------------------------------------


def short(term, prefixes: dict[str, str]) -> str:
    """A term for a table cell: IRIs as prefixed names where possible, literals as their value.

    >>> short(ox.NamedNode("http://publications.europa.eu/ontology/cdm#work"), {"cdm": "http://publications.europa.eu/ontology/cdm#"})
    'cdm:work'
    >>> short(ox.Literal("7", datatype=ox.NamedNode(XSD + "integer")), {})
    '7'
    """
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in prefixes.items():
            if term.value.startswith(ns) and re.fullmatch(r"[\w\-.]*", term.value[len(ns):]):
                return f"{prefix}:{term.value[len(ns):]}"
        return f"<{term.value}>"
    if isinstance(term, ox.Literal):
        return term.value
    return str(term)


def format_results(results, fmt: str = "table", *, prefixes: dict[str, str] | None = None) -> str:
    """Render results as ``table``, ``json`` (SPARQL 1.1 JSON results) or ``csv``.

    CONSTRUCT/DESCRIBE results come out as Turtle whatever the format.

    >>> store = ox.Store()
    >>> print(format_results(store.query("SELECT ?a ?b { VALUES (?a ?b) { (1 'x') } }"), "table"))
    a | b
    --+--
    1 | x
    (1 row)
    """
    prefixes = read_prefixes() if prefixes is None else prefixes
    if isinstance(results, ox.QueryBoolean):
        return json.dumps({"head": {}, "boolean": bool(results)}) if fmt == "json" \
            else str(bool(results)).lower()
    if not isinstance(results, ox.QuerySolutions):  # triples
        return ox.serialize(results, format=ox.RdfFormat.TURTLE, prefixes=prefixes).decode()
    names = [v.value for v in results.variables]
    rows = [[row[n] for n in names] for row in results]
    if fmt == "json":
        return json.dumps({"head": {"vars": names}, "results": {"bindings": [
            {n: _json_term(t) for n, t in zip(names, row) if t is not None} for row in rows]}},
            ensure_ascii=False, indent=1)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows([["" if t is None else t.value for t in row] for row in rows])
        return out.getvalue().rstrip("\n")
    cells = [[short(t, prefixes) for t in row] for row in rows]
    widths = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths)).rstrip(),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in cells]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines)


def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != XSD + "string":
        out["datatype"] = term.datatype.value
    return out
