"""SPARQL queries: inspection (kind, SERVICE IRIs), the catalogue in ``queries/``, parameters.

The endpoint (``kgbuild/serve.py``) inspects every query before it runs: updates are refused and
every SERVICE IRI must be on the allowlist. ``kgbuild query`` runs a catalogue query against a
store or an endpoint, binding ``--param`` values as RDF terms, never pasted into the text.

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

from .errors import KgbuildError

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"
CELLAR_ENDPOINT = "https://publications.europa.eu/webapi/rdf/sparql"
XSD = "http://www.w3.org/2001/XMLSchema#"


class QueryError(KgbuildError):
    """A query that cannot be run: bad syntax, unknown name, bad parameter, refused SERVICE."""


# --- inspection --------------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKENS = [
    ("ws", re.compile(r"\s+")),
    ("comment", re.compile(r"#[^\n\r]*")),
    ("iri", re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")),
    ("string", re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                          r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\'', re.S)),
    ("var", re.compile(r"[?$][\w\u00B7-\U000EFFFF]+")),
    ("pname", re.compile(r"(?:[^\W\d_][\w.\-\u00B7-\U000EFFFF]*)?:"
                         r"(?:[\w\-.:%\u00B7-\U000EFFFF]|\\.)*")),
    ("word", re.compile(r"[A-Za-z_][A-Za-z0-9_]*")),
    ("other", re.compile(r".", re.S)),
]
_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_UPDATES = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass
class Token:
    kind: str
    text: str
    start: int


_SCANNER = re.compile("|".join(f"(?P<{kind}>{pattern.pattern})" for kind, pattern in _TOKENS),
                      re.S)


def tokenize(query: str) -> list[Token]:
    """Split a SPARQL query into tokens (whitespace and comments dropped).

    IRIs, strings and comments are single tokens, so a keyword inside them is not a keyword.

    >>> [t.text for t in tokenize('SELECT ?x { ?x <http://a#b> "SERVICE" } # SERVICE')]
    ['SELECT', '?x', '{', '?x', '<http://a#b>', '"SERVICE"', '}']
    >>> [t.text for t in tokenize("?s a ex:C.")]
    ['?s', 'a', 'ex:C', '.']
    """
    tokens, pos, end = [], 0, len(query)
    match = _SCANNER.match
    while pos < end:
        found = match(query, pos)
        kind, text = found.lastgroup, found.group()
        if kind == "pname" and text.endswith(".") and not text.endswith("\\."):
            text = text.rstrip(".")  # a pname does not end with '.' (the triple's full stop)
        if kind not in ("ws", "comment"):
            tokens.append(Token(kind, text, pos))
        pos += len(text)
    return tokens


def unescape_codepoints(query: str) -> str:
    r"""Apply SPARQL's ``\uXXXX`` / ``\UXXXXXXXX`` escapes, which count before parsing.

    >>> unescape_codepoints(r"\u0053ERVICE")
    'SERVICE'
    """
    return _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), query)


@dataclass
class QueryInfo:
    """What the endpoint needs to know before running a query."""

    kind: str  # SELECT, ASK, CONSTRUCT, DESCRIBE, UPDATE or "" (not recognised)
    services: list[str] = field(default_factory=list)


def inspect_query(query: str, *, prefixes: dict[str, str] | None = None) -> QueryInfo:
    """Find the query form and every SERVICE IRI, resolved through the query's PREFIXes.

    ``prefixes`` are default prefixes (the endpoint's own). A SERVICE whose IRI is a variable or
    relative cannot be checked and raises ``QueryError``.

    >>> inspect_query("ASK { SERVICE SILENT <http://x.org/q> { } }").services
    ['http://x.org/q']
    >>> inspect_query("SELECT * { SERVICE ?s { } }")
    Traceback (most recent call last):
    kgbuild.query.QueryError: SERVICE with a variable is not allowed: name the endpoint's IRI
    """
    tokens = tokenize(unescape_codepoints(query))
    known = dict(prefixes or {})
    info = QueryInfo(kind="")
    for i, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            known[tokens[i + 1].text[:-1]] = tokens[i + 2].text[1:-1]
        elif not info.kind and word in _FORMS:
            info.kind = word
        elif not info.kind and word in _UPDATES:
            info.kind = "UPDATE"
        elif word == "SERVICE":
            j = i + 1
            if j < len(tokens) and tokens[j].text.upper() == "SILENT":
                j += 1
            target = tokens[j] if j < len(tokens) else Token("other", "", 0)
            info.services.append(_service_iri(target, known))
    return info


def _service_iri(tok: Token, prefixes: dict[str, str]) -> str:
    if tok.kind == "iri":
        iri = tok.text[1:-1]
    elif tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix not in prefixes:
            raise QueryError(f"SERVICE {tok.text}: prefix '{prefix}:' is not declared")
        iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    elif tok.kind == "var":
        raise QueryError("SERVICE with a variable is not allowed: name the endpoint's IRI")
    else:
        raise QueryError(f"SERVICE must be followed by an endpoint IRI, not '{tok.text}'")
    if not _ABSOLUTE.match(iri):
        raise QueryError(f"SERVICE <{iri}>: the endpoint IRI must be absolute")
    return iri


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


def fill_values_slot(query: str, var: str, terms: list) -> str | None:
    """Replace the content of the query's ``VALUES ?var { … }`` block (the federated queries keep
    one inside SERVICE, since bindings outside it are not sent); ``None`` if there is none.

    >>> fill_values_slot('SELECT ?c { VALUES ?c { "x" } }', "c", [ox.Literal("y")])
    'SELECT ?c { VALUES ?c { "y" } }'
    """
    tokens = tokenize(query)
    for i in range(len(tokens) - 2):
        if (tokens[i].text.upper() == "VALUES" and tokens[i + 1].text[1:] == var
                and tokens[i + 1].kind == "var" and tokens[i + 2].text == "{"):
            end = next(t for t in tokens[i + 3:] if t.text == "}")
            return query[:tokens[i].start] + values_block(var, terms) + query[end.start + 1:]
    return None


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

    With a ``store``, identifiers are checked against it (``make_term``), except those bound in a
    ``VALUES`` block of their own (inside SERVICE: they ask the remote endpoint, not the graph).

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
        remote = fill_values_slot(query.text, name, []) is not None
        out.setdefault(name, []).append(make_term(value, types[name],
                                                  store=None if remote else store))
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
              client_service: bool = False, log=None):
    """Run a catalogue query (or a ``.rq`` file) on a store or an endpoint.

    Returns pyoxigraph results (``QuerySolutions``, ``QueryBoolean`` or ``QueryTriples``).
    On a store, parameters are bound with ``substitutions=`` (so a parameter's variable must be
    projected); on an endpoint, by a VALUES block of serialized terms. A ``VALUES ?p {…}`` block
    already in the query (inside SERVICE) is filled with the values on both.

    SERVICE blocks are Oxigraph's to call; when that fails (or with ``client_service``), kgbuild
    calls them itself (``client_side_services``: form-encoded POST, which every SPARQL server
    takes) and runs the rest; ``log`` hears of that fallback.

    >>> res = run_query("fiches-citing-kamerstuk", store="/nonexistent")
    Traceback (most recent call last):
    kgbuild.errors.KgbuildError: no store at /nonexistent (build one with: kgbuild build)
    """
    query = find_query(name_or_file)
    text = query.text
    if eurlex_endpoint:
        text = text.replace(f"<{CELLAR_ENDPOINT}>", f"<{eurlex_endpoint}>")
    target = open_store(store) if endpoint is None else None
    bound = parse_params(params, query, store=target)
    for param in query.params:
        if param.name not in bound and param.default_from:
            bound[param.name] = _values_of(param.default_from, param.name, target, endpoint)
    substitutions = {}
    for name, terms in bound.items():
        filled = fill_values_slot(text, name, terms)
        if filled is not None:
            text = filled
        elif endpoint is not None:
            text = insert_values(text, name, terms)
        elif len(terms) > 1:
            raise QueryError(f"parameter '{name}' takes one value here")
        else:
            substitutions[ox.Variable(name)] = terms[0]
    federated = bool(inspect_query(text).services)
    if federated and client_service:
        text = client_side_services(text, timeout=timeout)
    try:
        return _run_text(text, query, target, endpoint, substitutions, timeout)
    except KgbuildError as err:
        if not federated or client_service:
            raise
        if log:
            log(f"kgbuild query: the SERVICE call failed ({err}); calling the remote endpoint "
                "from kgbuild instead")
        return _run_text(client_side_services(text, timeout=timeout), query, target, endpoint,
                         substitutions, timeout)


def _run_text(text: str, query: CatalogueQuery, target, endpoint, substitutions, timeout):
    if endpoint is not None:
        return query_endpoint(endpoint, text, timeout=timeout)
    try:
        return _materialize(target.query(text, substitutions=substitutions,
                                         use_default_graph_as_union=_union(target)))
    except SyntaxError as err:
        raise QueryError(f"{query.path}: syntax error: {_one_line(err)}") from None
    except (OSError, RuntimeError, ValueError) as err:
        raise QueryError(f"{query.name}: {_one_line(err)}") from None


def client_side_services(text: str, *, timeout: float = 60.0) -> str:
    """Call every SERVICE block from here and put its answer in its place as a VALUES block.

    The block goes to its endpoint as ``SELECT * WHERE { … }`` with the query's PREFIXes, by
    form-encoded POST (``query_endpoint``); the rows come back as serialized RDF terms. A failing
    ``SERVICE SILENT`` becomes an empty group, as SPARQL says.

    >>> client_side_services("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    """
    while True:
        tokens = tokenize(text)
        prologue = " ".join(f"PREFIX {tokens[i + 1].text} {tokens[i + 2].text}"
                            for i in range(len(tokens) - 2)
                            if tokens[i].text.upper() == "PREFIX" and tokens[i + 2].kind == "iri")
        at = next((i for i, t in enumerate(tokens)
                   if t.kind == "word" and t.text.upper() == "SERVICE"), None)
        if at is None:
            return text
        silent = tokens[at + 1].text.upper() == "SILENT"
        known = {tokens[i + 1].text[:-1]: tokens[i + 2].text[1:-1] for i in range(len(tokens) - 2)
                 if tokens[i].text.upper() == "PREFIX" and tokens[i + 2].kind == "iri"}
        url = _service_iri(tokens[at + 1 + silent], known)
        opening = at + 2 + silent
        if tokens[opening].text != "{":
            raise QueryError(f"SERVICE <{url}>: expected '{{'")
        depth, closing = 0, None
        for j in range(opening, len(tokens)):
            if tokens[j].kind == "other" and tokens[j].text in "{}":
                depth += 1 if tokens[j].text == "{" else -1
                if depth == 0:
                    closing = j
                    break
        if closing is None:
            raise QueryError(f"SERVICE <{url}>: its block is not closed")
        body = text[tokens[opening].start + 1:tokens[closing].start]
        try:
            answer = query_endpoint(url, f"{prologue}\nSELECT * WHERE {{{body}}}", timeout=timeout)
            replacement = _values_of_results(answer)
        except KgbuildError:
            if not silent:
                raise
            replacement = "{}"
        text = text[:tokens[at].start] + replacement + text[tokens[closing].start + 1:]


def _values_of_results(results) -> str:
    """SELECT results as a VALUES block (blank nodes, which VALUES cannot hold, as UNDEF).

    >>> store = ox.Store()
    >>> _values_of_results(store.query("SELECT ?a ?b { VALUES (?a ?b) { (1 UNDEF) } }"))
    'VALUES (?a ?b) { ("1"^^<http://www.w3.org/2001/XMLSchema#integer> UNDEF) }'
    """
    names = [v.value for v in results.variables]
    rows = []
    for row in results:
        cells = [row[n] for n in names]
        rows.append("(" + " ".join("UNDEF" if c is None or isinstance(c, ox.BlankNode) else str(c)
                                   for c in cells) + ")")
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ {' '.join(rows)} }}"


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
