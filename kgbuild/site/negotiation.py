"""Content negotiation: one implementation for the SPARQL endpoint and the pages.

A client names what it wants with the ``Accept`` header (q-values honoured, the most specific
matching range decides a type's q) or, on the endpoint, with a ``format``/``output``/``results``
parameter. Media types some clients send for the same formats (``application/json``,
``text/plain``, ``application/xml`` …) count as those formats. On a tie the first offered type
wins, so the order of ``offered`` is the server's preference.

>>> negotiate("text/turtle;q=0.9, application/ld+json", RDF_AND_HTML)
'application/ld+json'
>>> negotiate(None, RDF_AND_HTML), negotiate("image/png", RDF_AND_HTML)
('text/html', None)
>>> negotiate("text/plain", RDF_AND_HTML)
'application/n-triples'
>>> endpoint_formats("text/csv, application/json;q=0.5", None)
('text/csv', 'application/ld+json')
"""

from __future__ import annotations

import functools

HTML = "text/html"
TEXT = "text/plain"
TURTLE = "text/turtle"
NTRIPLES = "application/n-triples"
JSONLD = "application/ld+json"
TRIG = "application/trig"
NQUADS = "application/n-quads"
RDFXML = "application/rdf+xml"
RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"

RDF_TYPES = [TURTLE, JSONLD, TRIG, NQUADS, NTRIPLES, RDFXML]
RDF_AND_HTML = [HTML] + RDF_TYPES
RESULT_TYPES = [RESULTS_JSON, RESULTS_XML, CSV, TSV]  # SELECT and ASK
GRAPH_TYPES = [TURTLE, NTRIPLES, JSONLD, RDFXML, TRIG, NQUADS]  # CONSTRUCT and DESCRIBE
QUAD_TYPES = {JSONLD, TRIG, NQUADS}

EXTENSIONS = {".ttl": TURTLE, ".nt": NTRIPLES, ".jsonld": JSONLD, ".trig": TRIG, ".nq": NQUADS,
              ".rdf": RDFXML, ".html": HTML}
# media types that clients send for a format offered under another name
ALIASES = {
    "application/xhtml+xml": (HTML,),
    "application/x-turtle": (TURTLE,),
    "text/n3": (TURTLE,),
    "text/plain": (NTRIPLES,),
    "text/x-nquads": (NQUADS,),
    "application/json": (RESULTS_JSON, JSONLD),
    "application/xml": (RESULTS_XML, RDFXML),
    "text/xml": (RESULTS_XML, RDFXML),
}
# names a ``format``/``output``/``results`` parameter may give: (results type, graph type)
FORMAT_NAMES = {
    "json": (RESULTS_JSON, JSONLD), "srj": (RESULTS_JSON, None), "xml": (RESULTS_XML, RDFXML),
    "srx": (RESULTS_XML, None), "csv": (CSV, None), "tsv": (TSV, None),
    "turtle": (None, TURTLE), "ttl": (None, TURTLE), "n3": (None, TURTLE), "ntriples": (None, NTRIPLES),
    "n-triples": (None, NTRIPLES), "nt": (None, NTRIPLES), "jsonld": (None, JSONLD),
    "json-ld": (None, JSONLD), "rdfxml": (None, RDFXML), "rdf+xml": (None, RDFXML),
    "rdf": (None, RDFXML), "trig": (None, TRIG), "nquads": (None, NQUADS),
    "n-quads": (None, NQUADS), "nq": (None, NQUADS),
}


@functools.lru_cache(maxsize=1024)
def parse_accept(accept: str | None) -> tuple[tuple[str, float], ...]:
    """``Accept`` → ``((media range, q), …)``; an unreadable q counts as 0.

    >>> parse_accept("text/csv;q=0.5, application/json")
    (('text/csv', 0.5), ('application/json', 1.0))
    """
    out = []
    for part in (accept or "").split(","):
        media, *params = [p.strip() for p in part.split(";")]
        if not media:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        out.append((media.lower(), q))
    return tuple(out)


def quality(accept: str | None, media_type: str) -> float:
    """The q-value ``accept`` gives ``media_type``, from its most specific matching range
    (no header at all accepts everything).

    >>> quality("text/*;q=0.3, */*;q=0.1", "text/turtle"), quality("", "text/html")
    (0.3, 1.0)
    """
    ranges = parse_accept(accept)
    if not ranges:
        return 1.0
    kind = media_type.split("/")[0]
    best_spec, best_q = -1, 0.0
    for rng, q in ranges:
        if rng == media_type or media_type in ALIASES.get(rng, ()):
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


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers; the first offered on a tie;
    ``None`` when nothing offered is acceptable (the caller answers 406).

    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", RDF_AND_HTML)
    'text/html'
    >>> negotiate("application/rdf+xml, text/turtle;q=0.5", RDF_AND_HTML)
    'application/rdf+xml'
    >>> negotiate("text/*;q=0.5, application/trig", [HTML, TURTLE, TRIG])
    'application/trig'
    """
    return _negotiate(accept, tuple(offered))


@functools.lru_cache(maxsize=2048)
def _negotiate(accept: str | None, offered: tuple[str, ...]) -> str | None:
    best, best_q = None, 0.0
    for item in offered:
        q = quality(accept, item)
        if q > best_q:
            best, best_q = item, q
    return best


def format_param(values: list[str]) -> tuple[str | None, str | None] | None:
    """The (results type, graph type) the first of the ``format``/``output``/``results``
    values that names a format asks for; ``None`` when none does (those are then ignored, as
    other engines do).

    >>> format_param(["json"]), format_param(["text/turtle"]), format_param(["html"])
    (('application/sparql-results+json', 'application/ld+json'), (None, 'text/turtle'), None)
    """
    for value in values:
        key = value.strip().lower()
        if key in FORMAT_NAMES:
            return FORMAT_NAMES[key]
        media = key.split(";")[0].strip()
        if media in RESULT_TYPES or media in GRAPH_TYPES:
            return (media if media in RESULT_TYPES else None,
                    media if media in GRAPH_TYPES else None)
        if media in ALIASES:
            targets = ALIASES[media]
            return (next((t for t in targets if t in RESULT_TYPES), None),
                    next((t for t in targets if t in GRAPH_TYPES), None))
    return None


@functools.lru_cache(maxsize=1024)
def endpoint_formats(accept: str | None, fmt: tuple[str, ...] | str | None
                     ) -> tuple[str | None, str | None]:
    """The (results type, graph type) a query is answered in, from the format parameters when
    one names a format, else from ``Accept`` (``None``: nothing acceptable for that kind).

    >>> endpoint_formats("*/*", None)
    ('application/sparql-results+json', 'text/turtle')
    >>> endpoint_formats("application/sparql-results+xml", None)
    ('application/sparql-results+xml', None)
    >>> endpoint_formats("text/csv", ("json",))
    ('application/sparql-results+json', 'application/ld+json')
    """
    values = [fmt] if isinstance(fmt, str) else list(fmt or ())
    named = format_param(values)
    if named is not None:
        return named
    return negotiate(accept, RESULT_TYPES), negotiate(accept, GRAPH_TYPES)
