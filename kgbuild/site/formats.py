"""Writing RDF in every format the site offers: Turtle, N-Triples, RDF/XML, TriG, N-Quads and
JSON-LD compacted with the project's ``@context`` (the same object ``/context.jsonld`` serves).

Oxigraph writes everything but compacted JSON-LD, which rdflib's JSON-LD serializer does.

>>> from pyoxigraph import Literal, NamedNode, Triple
>>> t = Triple(NamedNode("http://e.org/a"), NamedNode("http://e.org/p"), Literal("x"))
>>> print(serialize_triples([t], NTRIPLES).decode().strip())
<http://e.org/a> <http://e.org/p> "x" .
>>> import json; json.loads(serialize_triples([t], JSONLD, prefixes={"e": "http://e.org/"}))["e:p"]
'x'
"""

from __future__ import annotations

import json
from typing import Iterable

from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Triple, serialize

from .negotiation import JSONLD, NQUADS, NTRIPLES, QUAD_TYPES, RDFXML, TRIG, TURTLE

RDF_FORMATS = {TURTLE: RdfFormat.TURTLE, NTRIPLES: RdfFormat.N_TRIPLES, JSONLD: RdfFormat.JSON_LD,
               TRIG: RdfFormat.TRIG, NQUADS: RdfFormat.N_QUADS, RDFXML: RdfFormat.RDF_XML}
WITH_PREFIXES = {TURTLE, TRIG, RDFXML}


def jsonld_context(prefixes: dict[str, str]) -> dict[str, str]:
    """The JSON-LD ``@context`` of the project: its prefixes, sorted.

    >>> jsonld_context({"b": "http://b/", "a": "http://a/"})
    {'a': 'http://a/', 'b': 'http://b/'}
    """
    return dict(sorted(prefixes.items()))


def compact_jsonld(quads: Iterable[Quad], prefixes: dict[str, str]) -> bytes:
    """Quads as JSON-LD compacted with the context of ``prefixes`` (named graphs as
    ``@graph`` objects)."""
    import rdflib

    data = serialize(list(quads), format=RdfFormat.N_QUADS)
    dataset = rdflib.Dataset()
    if data:
        dataset.parse(data=data.decode("utf-8"), format="nquads")
    context = jsonld_context(prefixes)
    if not data:
        return json.dumps({"@context": context, "@graph": []}).encode()
    return dataset.serialize(format="json-ld", context=context, auto_compact=True,
                             encoding="utf-8")


def serialize_triples(triples: Iterable[Triple], media_type: str, *,
                      prefixes: dict[str, str] | None = None) -> bytes:
    """Triples in ``media_type``; in TriG and N-Quads they sit in the default graph."""
    if media_type == JSONLD:
        return compact_jsonld((Quad(t.subject, t.predicate, t.object, DefaultGraph())
                               for t in triples), prefixes or {})
    use = prefixes if media_type in WITH_PREFIXES else None
    if media_type in QUAD_TYPES:
        return serialize([Quad(t.subject, t.predicate, t.object, DefaultGraph()) for t in triples],
                         format=RDF_FORMATS[media_type], prefixes=use)
    return serialize(list(triples), format=RDF_FORMATS[media_type], prefixes=use)


def serialize_quads(quads: list[Quad], media_type: str, *, inferred_graph: str,
                    prefixes: dict[str, str]) -> bytes:
    """Quads in ``media_type``. Turtle and N-Triples put the inferred triples after an
    ``# Inferred`` comment, so that a reader can still tell them apart; RDF/XML, which has no
    graphs and no place for such a comment, merges them.

    >>> g = NamedNode("http://e.org/graph/inferred")
    >>> from pyoxigraph import Literal
    >>> q = [Quad(NamedNode("http://e.org/a"), NamedNode("http://e.org/p"), Literal("x"), g)]
    >>> print(serialize_quads(q, TURTLE, inferred_graph=g.value, prefixes={}).decode().strip())
    # Inferred by the reasoner (named graph <http://e.org/graph/inferred>):
    <http://e.org/a> <http://e.org/p> "x" .
    """
    if media_type == JSONLD:
        return compact_jsonld(quads, prefixes)
    fmt = RDF_FORMATS[media_type]
    if media_type in QUAD_TYPES:
        return serialize(quads, format=fmt, prefixes=prefixes if media_type == TRIG else None)
    is_inferred = [isinstance(q.graph_name, NamedNode) and q.graph_name.value == inferred_graph
                   for q in quads]
    asserted = list(dict.fromkeys(Triple(q.subject, q.predicate, q.object)
                                  for q, inf in zip(quads, is_inferred) if not inf))
    seen = set(asserted)
    inferred = [t for t in dict.fromkeys(Triple(q.subject, q.predicate, q.object)
                                         for q, inf in zip(quads, is_inferred) if inf)
                if t not in seen]
    use = prefixes if media_type in WITH_PREFIXES else None
    if media_type == RDFXML:
        return serialize(asserted + inferred, format=fmt, prefixes=use)
    out = serialize(asserted, format=fmt, prefixes=use) if asserted else b""
    if inferred:
        out += f"\n# Inferred by the reasoner (named graph <{inferred_graph}>):\n".encode()
        out += serialize(inferred, format=fmt, prefixes=use)
    return out.lstrip(b"\n")
