r"""SERVICE evaluated by kgbuild itself, never by Oxigraph.

One parse of the query text (SPARQL's ``\u`` escapes applied first, then PREFIX and BASE) finds
every SERVICE block, in whatever form the grammar allows (``SERVICE:x{…}`` with the empty prefix
glued to the keyword, ``SERVICESILENT``, inside sub-queries, EXISTS, OPTIONAL, UNION…), and the
allowlist is decided on that same parse: what is checked is what is called. Each block is then
sent by kgbuild (httpx) as a SPARQL 1.1 protocol request every engine answers (GET when short,
else a form-encoded POST; Virtuoso never answers the ``application/sparql-query`` POST Oxigraph
sends), with every prefix declared and a timeout that fits in the query's own deadline, retried
with backoff on 429/5xx. Values the rest of the query already fixes for the block's variables
are sent into it as VALUES, in batches (a bind join), and the block is replaced by a VALUES
block of its answer, so the text Oxigraph finally runs holds no SERVICE.

>>> [b.iri for b in find_services("PREFIX : <http://e.org/> SELECT * { SERVICE:q { ?s ?p ?o } }")]
['http://e.org/q']
>>> find_services("SELECT * { ?s ?p 'SERVICE <http://x/>' } # SERVICE <http://y/>")
[]
>>> resolve_services("ASK {}", prefixes={}, allowed=(), run_local=None, deadline=0)
'ASK {}'
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin

import httpx
import pyoxigraph as ox

from .errors import KgbuildError, QueryError

Term = ox.NamedNode | ox.BlankNode | ox.Literal
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
BATCH_ROWS = 100  # known rows sent per remote call: CELLAR refuses queries it deems too big
MAX_GET = 2000  # longest URL sent as GET; longer requests are form-encoded POSTs
RETRIES = 3
ACCEPT = "application/sparql-results+json, application/sparql-results+xml;q=0.9"


class ServiceRefused(QueryError):
    """A SERVICE that is not called: a variable, a relative or off-allowlist IRI, unparseable."""


class ServiceFailed(KgbuildError):
    """A remote SERVICE that did not give an answer: names the endpoint and what it answered."""


# --- tokens ------------------------------------------------------------------------------------

_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKENS = [
    ("ws", r"\s+"),
    ("comment", r"#[^\n\r]*"),
    ("iri", r"<[^<>\"{}|^`\\\x00-\x20]*>"),
    ("string", r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
               r'|"(?:[^"\\\n\r]|\\.)*"|\'(?:[^\'\\\n\r]|\\.)*\''),
    ("var", r"[?$][\w\u00B7-\U000EFFFF]+"),
    ("pname", r"(?:[^\W\d_][\w.\-\u00B7-\U000EFFFF]*)?:(?:[\w\-.:%\u00B7-\U000EFFFF]|\\.)*"),
    ("word", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("other", r"."),
]
_SCANNER = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKENS), re.S)
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_GLUED = re.compile(r"(?i)^SERVICE(SILENT)?(.*)$", re.S)


@dataclass
class Token:
    kind: str
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


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


def holds_service(query: str) -> bool:
    """Whether the text may still hold a SERVICE: any keyword-like token starting with SERVICE
    (``SERVICE``, ``SERVICESILENT``, ``SERVICE:x`` …). Workers refuse such text.

    >>> holds_service("SELECT * { VALUES ?t { 'public services' } }")
    False
    >>> holds_service("ASK{SERVICE:x{}}")
    True
    """
    return any(t.kind in ("word", "pname") and t.text[:7].upper() == "SERVICE"
               for t in tokenize(unescape_codepoints(query)))


# --- finding the SERVICE blocks ------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceBlock:
    """One ``SERVICE [SILENT] iri { body }`` of a query (positions in the unescaped text)."""

    iri: str
    silent: bool
    body: str
    span: tuple[int, int]
    prefixes: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)
    base: str | None = field(default=None, compare=False, repr=False)

    def triples(self) -> list[tuple[Term, Term, Term]]:
        """The block as triple patterns when it is a basic graph pattern (prefixes expanded).

        >>> b = find_services("PREFIX e: <http://e/> ASK { SERVICE <http://s/> { ?x e:p 'v' } }")[0]
        >>> [str(term) for term in b.triples()[0]]
        ['?x', '<http://e/p>', '"v"']
        """
        if any(t.kind == "word" and t.text.upper() not in ("A", "TRUE", "FALSE")
               or t.text in "{}()" for t in tokenize(self.body)):
            raise ValueError(f"SERVICE <{self.iri}>: not a basic graph pattern")
        prologue = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in self.prefixes)
        if self.base:
            prologue = f"BASE <{self.base}>\n" + prologue
        body, at = [], 0
        for tok in tokenize(self.body):  # variables as IRIs of their own, to parse a template
            if tok.kind == "var":
                body.append(self.body[at:tok.start] + f"<urn:kgbuild:var:{tok.text[1:]}>")
                at = tok.end
        body = "".join(body) + self.body[at:]
        try:
            store = ox.Store()
            triples = store.query(f"{prologue}CONSTRUCT {{ {body} }} WHERE {{}}")
            out = []
            for t in triples:
                out.append(tuple(_unvar(x) for x in (t.subject, t.predicate, t.object)))
        except SyntaxError as err:
            raise ValueError(f"SERVICE <{self.iri}>: {_one_line(err)}") from None
        return out


def _unvar(term):
    if isinstance(term, ox.NamedNode) and term.value.startswith("urn:kgbuild:var:"):
        return ox.Variable(term.value[len("urn:kgbuild:var:"):])
    return term


@dataclass
class _Parse:
    text: str  # the query, codepoint escapes applied
    tokens: list[Token]
    prefixes: dict[str, str]
    base: str | None
    match: dict[int, int]  # token index of '{' -> of its '}'
    parent: dict[int, int | None]  # token index of '{' -> of the enclosing '{'
    blocks: list[tuple[ServiceBlock, int, int, int]]  # block, SERVICE, '{', '}' token indices


def _parse(query: str, prefixes: Mapping[str, str]) -> _Parse:
    text = unescape_codepoints(query)
    raw = tokenize(text)
    for k, tok in enumerate(raw[1:], 1):
        if raw[k - 1].text.upper() == "PREFIX" and _GLUED.match(tok.text):
            raise ServiceRefused(f"PREFIX {tok.text} cannot be told from the SERVICE keyword; "
                                 "rename the prefix")
    tokens: list[Token] = []
    for tok in raw:  # split SERVICE glued to what follows it: SERVICE:x, SERVICESILENT<…>
        glued = _GLUED.match(tok.text) if tok.kind in ("word", "pname") else None
        if glued and tok.text.upper() != "SERVICE":
            silent, rest = glued.group(1), glued.group(2)
            if tok.kind == "word" and rest:
                raise ServiceRefused(f"'{tok.text}' is not a SPARQL keyword (SERVICE?)")
            if tok.kind == "pname" and not rest.startswith(":"):
                raise ServiceRefused(f"'{tok.text}': a prefix whose name starts with 'service' "
                                     "cannot be told from SERVICE; rename the prefix")
            tokens.append(Token("word", "SERVICE", tok.start))
            if silent:
                tokens.append(Token("word", "SILENT", tok.start + 7))
            if rest:
                tokens.append(Token("pname", rest, tok.end - len(rest)))
            continue
        tokens.append(tok)
    known, base = dict(prefixes), None
    for i, tok in enumerate(tokens):
        word = tok.text.upper() if tok.kind == "word" else ""
        if word == "PREFIX" and i + 2 < len(tokens) and tokens[i + 2].kind == "iri":
            known[tokens[i + 1].text[:-1]] = _resolve(tokens[i + 2].text[1:-1], base)
        elif word == "BASE" and i + 1 < len(tokens) and tokens[i + 1].kind == "iri":
            base = _resolve(tokens[i + 1].text[1:-1], base)
    match, parent, stack = {}, {}, []
    for i, tok in enumerate(tokens):
        if tok.kind == "other" and tok.text == "{":
            parent[i] = stack[-1] if stack else None
            stack.append(i)
        elif tok.kind == "other" and tok.text == "}":
            if not stack:
                raise ServiceRefused("unbalanced '}' in the query")
            match[stack.pop()] = i
    if stack:
        raise ServiceRefused("unbalanced '{' in the query")
    parse = _Parse(text, tokens, known, base, match, parent, [])
    for i, tok in enumerate(tokens):
        if tok.kind == "word" and tok.text.upper() == "SERVICE":
            j = i + 1
            silent = j < len(tokens) and tokens[j].kind == "word" \
                and tokens[j].text.upper() == "SILENT"
            j += silent
            if j >= len(tokens):
                raise ServiceRefused("SERVICE at the end of the query")
            iri = _service_iri(tokens[j], known, base)
            if j + 1 >= len(tokens) or tokens[j + 1].text != "{" or tokens[j + 1].kind != "other":
                raise ServiceRefused(f"SERVICE <{iri}> must be followed by a group {{ … }}")
            opening, closing = j + 1, match[j + 1]
            block = ServiceBlock(iri, silent, text[tokens[opening].end:tokens[closing].start],
                                 (tok.start, tokens[closing].end), tuple(known.items()), base)
            parse.blocks.append((block, i, opening, closing))
    return parse


def _resolve(iri: str, base: str | None) -> str:
    return iri if base is None or _ABSOLUTE.match(iri) else urljoin(base, iri)


def _service_iri(tok: Token, prefixes: Mapping[str, str], base: str | None) -> str:
    if tok.kind == "iri":
        iri = _resolve(tok.text[1:-1], base)
    elif tok.kind == "pname":
        prefix, _, local = tok.text.partition(":")
        if prefix not in prefixes:
            raise ServiceRefused(f"SERVICE {tok.text}: prefix '{prefix}:' is not declared")
        iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    elif tok.kind == "var":
        raise ServiceRefused("SERVICE with a variable is not allowed: name the endpoint's IRI")
    else:
        raise ServiceRefused(f"SERVICE must be followed by an endpoint IRI, not '{tok.text}'")
    if not _ABSOLUTE.match(iri):
        raise ServiceRefused(f"SERVICE <{iri}>: the endpoint IRI must be absolute")
    return iri


def find_services(query: str, *, prefixes: Mapping[str, str] = {}) -> list[ServiceBlock]:
    """Every SERVICE block of the query, nested ones included, in text order.

    Raises ``ServiceRefused`` for a SERVICE that cannot be named (variable, relative IRI,
    undeclared prefix).

    >>> blocks = find_services(r"BASE <http://h/> ASK { SERVICE\u0053ILENT <q> {} }")
    >>> [(b.iri, b.silent) for b in blocks]
    [('http://h/q', True)]
    >>> find_services("SELECT * { SERVICE ?s { } }")
    Traceback (most recent call last):
    kgbuild.federation.ServiceRefused: SERVICE with a variable is not allowed: name the endpoint's IRI
    """
    if not holds_service(query):  # a query without SERVICE is Oxigraph's to judge
        return []
    return [block for block, *_ in _parse(query, prefixes).blocks]


def check_allowed(blocks: list[ServiceBlock], allowed: Collection[str],
                  local: Collection[str] = ()) -> None:
    """Refuse (``ServiceRefused``) any block whose IRI is neither allowed nor a local service.

    >>> check_allowed(find_services("ASK { SERVICE <http://x/> {} }"), ["http://y/"])
    Traceback (most recent call last):
    kgbuild.federation.ServiceRefused: SERVICE <http://x/> is not allowed; allowed: <http://y/>
    """
    for block in blocks:
        if block.iri not in allowed and block.iri not in local:
            raise ServiceRefused(f"SERVICE <{block.iri}> is not allowed; allowed: "
                                 + (", ".join(f"<{s}>" for s in sorted(allowed)) or "none"))


# --- the group structure (for the bind join) -----------------------------------------------------


@dataclass
class _Element:
    # triples, values, graph, group, union, optional, minus, filter, bind, service, subquery
    kind: str
    first: int  # token indices, inclusive
    last: int
    groups: list[int] = field(default_factory=list)  # its own groups' '{' token indices


def _elements(p: _Parse, opening: int) -> list[_Element] | None:
    """The elements of the group at ``opening``; None for a sub-query ``{ SELECT … }``."""
    tokens, i, end = p.tokens, opening + 1, p.match[opening]
    if i < end and tokens[i].kind == "word" and tokens[i].text.upper() == "SELECT":
        return None
    out: list[_Element] = []

    def is_brace(k: int, ch: str) -> bool:
        return tokens[k].kind == "other" and tokens[k].text == ch

    def skip_parens(k: int) -> int:  # k at '(' -> index after the matching ')'
        depth = 0
        while k < end:
            if tokens[k].kind == "other" and tokens[k].text in "()":
                depth += 1 if tokens[k].text == "(" else -1
                if depth == 0:
                    return k + 1
            elif is_brace(k, "{"):
                k = p.match[k]
            k += 1
        return k

    while i < end:
        tok, word = tokens[i], tokens[i].text.upper() if tokens[i].kind == "word" else ""
        if tok.text == "." and tok.kind == "other":
            i += 1
        elif word in ("OPTIONAL", "MINUS") and i + 1 < end and is_brace(i + 1, "{"):
            out.append(_Element(word.lower(), i, p.match[i + 1], [i + 1]))
            i = p.match[i + 1] + 1
        elif word in ("GRAPH", "SERVICE"):
            j = i + 1 + (word == "SERVICE" and tokens[i + 1].text.upper() == "SILENT")
            if j + 1 < end and is_brace(j + 1, "{"):
                out.append(_Element(word.lower(), i, p.match[j + 1], [j + 1]))
                i = p.match[j + 1] + 1
            else:
                i += 1
        elif word == "FILTER":
            j = i + 1
            while j < end and tokens[j].kind == "word" \
                    and tokens[j].text.upper() in ("NOT", "EXISTS"):
                j += 1
            if j < end and is_brace(j, "{"):
                j = p.match[j] + 1
            else:
                if j < end and tokens[j].kind in ("word", "pname", "iri"):
                    j += 1  # a function name: FILTER regex(…)
                j = skip_parens(j) if j < end and tokens[j].text == "(" else j + 1
            out.append(_Element("filter", i, j - 1))
            i = j
        elif word == "BIND":
            j = skip_parens(i + 1)
            out.append(_Element("bind", i, j - 1))
            i = j
        elif word == "VALUES":
            j = i + 1
            while j < end and not is_brace(j, "{"):
                j += 1
            out.append(_Element("values", i, p.match.get(j, j)))
            i = p.match.get(j, j) + 1
        elif is_brace(i, "{"):
            groups, j = [i], p.match[i] + 1
            while j + 1 < end and tokens[j].kind == "word" and tokens[j].text.upper() == "UNION" \
                    and is_brace(j + 1, "{"):
                groups.append(j + 1)
                j = p.match[j + 1] + 1
            kind = "union" if len(groups) > 1 else \
                "subquery" if _elements(p, i) is None else "group"
            out.append(_Element(kind, i, j - 1, groups))
            i = j
        else:  # a run of triples up to the next element
            j = i
            while j < end and not is_brace(j, "{") and not (
                    tokens[j].kind == "word" and tokens[j].text.upper() in _ELEMENT_WORDS):
                j += 1
            while j > i + 1 and tokens[j - 1].text == "." and tokens[j - 1].kind == "other":
                j -= 1
            out.append(_Element("triples", i, j - 1))
            i = max(j, i + 1)
    return out


_ELEMENT_WORDS = {"OPTIONAL", "MINUS", "GRAPH", "SERVICE", "FILTER", "BIND", "VALUES"}


def _is_basic(p: _Parse, el: _Element) -> bool:
    """Whether every variable of the element is bound in every solution of it."""
    if el.kind == "triples":
        return True
    if el.kind == "values":
        return not any(t.kind == "word" and t.text.upper() == "UNDEF"
                       for t in p.tokens[el.first:el.last + 1])
    if el.kind == "graph":
        inner = _elements(p, el.groups[0])
        return inner is not None and all(x.kind == "triples" for x in inner)
    return False


def _text(p: _Parse, el: _Element) -> str:
    return p.text[p.tokens[el.first].start:p.tokens[el.last].end]


def _variables(p: _Parse, first: int, last: int) -> set[str]:
    return {t.text[1:] for t in p.tokens[first:last + 1] if t.kind == "var"}


def _known_patterns(p: _Parse, service: int, opening: int) -> tuple[list[str], set[str]]:
    """Patterns of the query that certainly bind their variables wherever the SERVICE block's
    answer is joined (siblings of the block, and of the groups around it, up to a sub-query,
    MINUS or FILTER), with those variables."""
    pieces: list[str] = []
    variables: set[str] = set()
    child, group, first = service, p.parent.get(opening), True
    while group is not None:
        elements = _elements(p, group)
        if elements is None:
            break
        at = next(k for k, el in enumerate(elements) if el.first <= child <= el.last)
        kind = "service" if first else elements[at].kind
        if kind == "graph":
            graph = _text(p, elements[at]).split("{", 1)[0]
            pieces = [f"{graph} {{ {' '.join(pieces)} }}"] if pieces else []
        elif kind not in ("service", "group", "union", "optional"):
            break
        for k, el in enumerate(elements):
            if k == at or not _is_basic(p, el) or (kind == "optional" and k > at):
                continue
            pieces.append("{ " + _text(p, el) + " }")
            variables |= _variables(p, el.first, el.last)
        first, child, group = False, group, p.parent.get(group)
    return pieces, variables


def _certain_in_body(p: _Parse, opening: int) -> set[str]:
    elements = _elements(p, opening)
    if elements is None:
        return set()
    return set().union(*(_variables(p, el.first, el.last) for el in elements if _is_basic(p, el)))


# --- calling ------------------------------------------------------------------------------------

Rows = list[dict[str, Term]]
LocalService = Callable[[ServiceBlock, Rows], tuple[list[str], Rows]]


def resolve_services(query: str, *, prefixes: dict[str, str], allowed: Collection[str],
                     run_local: Callable[[str], list[dict[str, Term]]] | None,
                     local_services: Mapping[str, LocalService] = {},
                     deadline: float, client: httpx.Client | None = None,
                     batch_rows: int = BATCH_ROWS, log: Callable[[str], None] | None = None) -> str:
    """The query with every SERVICE block replaced by a VALUES block of its results (so the
    text Oxigraph finally runs contains no SERVICE). A query without SERVICE comes back
    unchanged at once. ``run_local(select_text)`` runs a SELECT on the local store (used to
    learn the values already known for a block's variables, sent into remote calls in batches
    of ``batch_rows``). ``log`` hears of every remote call.

    >>> resolve_services("ASK { SERVICE <http://x/> {} }", prefixes={}, allowed=[],
    ...                  run_local=None, deadline=0)
    Traceback (most recent call last):
    kgbuild.federation.ServiceRefused: SERVICE <http://x/> is not allowed; allowed: none
    """
    if not holds_service(query):
        return query
    p = _parse(query, prefixes)
    blocks = [b for b, *_ in p.blocks]
    check_allowed(blocks, allowed, local_services)
    # outermost blocks only: a SERVICE inside a SERVICE block goes to the remote with it
    outer = [entry for entry in p.blocks
             if not any(o[2] < entry[1] < o[3] for o in p.blocks if o is not entry)]
    prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in p.prefixes.items())
    if p.base:
        prologue = f"BASE <{p.base}>\n" + prologue
    # no redirects: an allowed endpoint must not send the call on to an address off the list
    own = httpx.Client(follow_redirects=False) if client is None else None
    pieces_out: list[tuple[tuple[int, int], str]] = []
    try:
        for block, service, opening, closing in outer:
            patterns, local_vars = _known_patterns(p, service, opening)
            join = sorted(local_vars & _certain_in_body(p, opening))
            known: list[dict[str, Term]] | None = None
            if join and run_local is not None:
                select = f"{prologue}SELECT DISTINCT {' '.join('?' + v for v in join)} " \
                         f"WHERE {{ {' '.join(patterns)} }}"
                known = run_local(select)
            try:
                if known is not None and not known:
                    names, rows = join, []  # nothing to join with: no call
                elif block.iri in local_services:
                    names, rows = local_services[block.iri](block, known or [])
                else:
                    names, rows = _call(block, prologue, join, known, client or own,
                                        deadline, batch_rows, log)
            except ServiceFailed:
                if not block.silent:
                    raise
                names, rows = [], [{}]  # SERVICE SILENT: one empty solution
            pieces_out.append((block.span, values_of(names, rows, block.iri)))
    finally:
        if own is not None:
            own.close()
    text = p.text
    for (start, end), replacement in sorted(pieces_out, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _call(block: ServiceBlock, prologue: str, join: list[str], known, client: httpx.Client,
          deadline: float, batch_rows: int, log) -> tuple[list[str], list[dict[str, Term]]]:
    batches = [None] if known is None else \
        [known[k:k + batch_rows] for k in range(0, len(known), batch_rows)]
    names: list[str] = []
    rows: list[dict[str, Term]] = []
    for batch in batches:
        values = ""
        if batch is not None:
            values = values_of(join, batch, block.iri) + "\n"
        text = f"{prologue}SELECT * WHERE {{\n{values}{block.body}\n}}"
        got_names, got_rows = sparql_select(block.iri, text, client=client, deadline=deadline,
                                            log=log)
        names += [n for n in got_names if n not in names]
        rows += got_rows
    return names, rows


def sparql_select(endpoint: str, text: str, *, client: httpx.Client, deadline: float,
                  log: Callable[[str], None] | None = None,
                  retries: int = RETRIES) -> tuple[list[str], list[dict[str, Term]]]:
    """Send a SELECT to a SPARQL endpoint (GET when short, else a form-encoded POST) and read
    its JSON or XML answer: ``(variable names, rows)``. Retries 429/5xx and dropped connections
    with backoff (``Retry-After`` honoured) while the deadline allows; ``ServiceFailed`` else.

    Every wait (connect, each read) is bounded by the time left, and the deadline is checked
    between the chunks of the answer, so a remote that trickles its answer is cut off too.
    """
    url = f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode({'query': text})}"
    attempt = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            raise ServiceFailed(f"SERVICE <{endpoint}>: no answer within the query's timeout")
        timeout = httpx.Timeout(remaining)
        headers = {"Accept": ACCEPT}
        wait, problem = None, ""
        try:
            if len(url) <= MAX_GET:
                request = client.build_request("GET", url, headers=headers, timeout=timeout)
            else:
                request = client.build_request("POST", endpoint, data={"query": text},
                                               headers=headers, timeout=timeout)
            if log:
                log(f"SERVICE <{endpoint}>: {request.method} ({len(text)} characters)")
            response = client.send(request, stream=True)
            try:
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if time.monotonic() > deadline:
                        raise httpx.ReadTimeout("deadline")
            finally:
                response.close()
        except httpx.TimeoutException:
            raise ServiceFailed(f"SERVICE <{endpoint}>: no answer within "
                                f"{remaining:.1f} s") from None
        except httpx.HTTPError as err:
            problem = f"cannot reach it: {_one_line(err) or type(err).__name__}"
            wait = 0.5 * 2 ** attempt
        else:
            if response.status_code == 200:
                ctype = response.headers.get("content-type", "").split(";")[0].strip()
                try:
                    return read_results(body, ctype)
                except ValueError as err:
                    raise ServiceFailed(f"SERVICE <{endpoint}>: unreadable answer ({ctype}): "
                                        f"{_one_line(err)[:200]}") from None
            snippet = _one_line(body.decode("utf-8", "replace"))[:200]
            problem = f"answered {response.status_code}: {snippet}"
            if response.status_code == 429 or response.status_code >= 500:
                wait = _retry_after(response.headers.get("retry-after")) or 0.5 * 2 ** attempt
        if wait is None or attempt >= retries or time.monotonic() + wait >= deadline:
            raise ServiceFailed(f"SERVICE <{endpoint}> {problem}")
        attempt += 1
        time.sleep(wait)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date).

    >>> _retry_after("3"), _retry_after(None)
    (3.0, None)
    """
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(parsedate_to_datetime(value).timestamp() - time.time(), 0.0)
        except (TypeError, ValueError):
            return None


# --- results ------------------------------------------------------------------------------------


def read_results(body: bytes, content_type: str) -> tuple[list[str], list[dict[str, Term]]]:
    """SPARQL 1.1 JSON or XML results as ``(names, rows)``.

    Read here rather than by ``pyoxigraph.parse_query_results``, which refuses what Virtuoso
    sends (blank nodes as ``nodeID://b123``; ``typed-literal``, the SPARQL 1.0 JSON form).

    >>> names, rows = read_results(
    ...     b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"typed-literal",'
    ...     b'"datatype":"http://www.w3.org/2001/XMLSchema#integer","value":"1"}}]}}', "")
    >>> names, str(rows[0]["x"])
    (['x'], '"1"^^<http://www.w3.org/2001/XMLSchema#integer>')
    """
    if content_type.endswith("xml") or body.lstrip()[:1] == b"<":
        return _read_xml(body)
    try:
        data = json.loads(body)
        names = list(data["head"].get("vars", []))
        rows = [{name: _json_term(value) for name, value in binding.items()}
                for binding in data["results"]["bindings"]]
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"not SPARQL JSON results: {err}") from None
    return names, rows


def _json_term(value: dict) -> Term:
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":
        return _bnode(text)
    if value.get("xml:lang"):
        return ox.Literal(text, language=value["xml:lang"])
    if value.get("datatype"):
        return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
    return ox.Literal(text)


_RES = "{http://www.w3.org/2005/sparql-results#}"


def _read_xml(body: bytes) -> tuple[list[str], list[dict[str, Term]]]:
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise ValueError(f"not SPARQL XML results: {err}") from None
    names = [v.get("name") for v in root.iter(_RES + "variable")]
    rows = []
    for result in root.iter(_RES + "result"):
        row = {}
        for binding in result.findall(_RES + "binding"):
            node = next(iter(binding), None)
            if node is None:
                continue
            tag, text = node.tag[len(_RES):], node.text or ""
            if tag == "uri":
                row[binding.get("name")] = ox.NamedNode(text)
            elif tag == "bnode":
                row[binding.get("name")] = _bnode(text)
            elif node.get("{http://www.w3.org/XML/1998/namespace}lang"):
                row[binding.get("name")] = ox.Literal(
                    text, language=node.get("{http://www.w3.org/XML/1998/namespace}lang"))
            elif node.get("datatype"):
                row[binding.get("name")] = ox.Literal(
                    text, datatype=ox.NamedNode(node.get("datatype")))
            else:
                row[binding.get("name")] = ox.Literal(text)
        rows.append(row)
    return names, rows


def _bnode(label: str) -> ox.BlankNode:
    return ox.BlankNode("b" + hashlib.sha1(label.encode()).hexdigest()[:16])


def values_of(names: list[str], rows: list[dict[str, Term]], source: str = "") -> str:
    """Rows as a VALUES block. A blank node (which VALUES cannot hold) becomes an IRI of its
    own, ``urn:kgbuild:bnode:…``, so two cells with the same remote blank node still join.

    >>> values_of(["a", "b"], [{"a": ox.Literal("1")}])
    'VALUES (?a ?b) { ("1" UNDEF) }'
    >>> values_of([], [{}])
    'VALUES () { () }'
    """
    cells = []
    for row in rows:
        terms = []
        for name in names:
            term = row.get(name)
            if term is None:
                terms.append("UNDEF")
            elif isinstance(term, ox.BlankNode):
                key = hashlib.sha1(f"{source} {term.value}".encode()).hexdigest()[:20]
                terms.append(f"<urn:kgbuild:bnode:{key}>")
            else:
                terms.append(str(term))
        cells.append("(" + " ".join(terms) + ")")
    return f"VALUES ({' '.join('?' + n for n in names)}) {{ {' '.join(cells)} }}"


def _one_line(err) -> str:
    return " ".join(str(err).split())
