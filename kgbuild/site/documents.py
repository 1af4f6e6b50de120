"""The documents about the dataset: VoID, the example queries, the dump and source files, and
what a description document says about itself.

>>> LICENCE
'https://creativecommons.org/publicdomain/zero/1.0/'
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad

from ..errors import KgbuildError
from .reading import (CELEX, DCT, FOAF, OWL, RDF, RDFS, SCHEMA, SH, VOID, XSD, Visit, _cached,
                      _config, _prefixed, build_report, exists, iri, short_name)

DUMP_NAME = "dump.nq.gz"
_digests: dict[tuple[str, float, int], str] = {}  # SHA-256 per file version


def dump_info() -> dict[str, Any] | None:
    """Size, date and sha256 of the store's ``dump.nq.gz`` (hashed once per file version)."""
    path = _config.store_dir / DUMP_NAME
    try:
        stat = path.stat()
    except OSError:
        return None
    return {"path": path, "bytes": stat.st_size, "sha256": file_hash(path),
            "modified": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stat.st_mtime))}


def file_hash(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (memory stays small whatever its size), kept per
    file version (path, modification time, size)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime, stat.st_size)
    if key not in _digests:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        if len(_digests) > 4096:
            _digests.clear()
        _digests[key] = digest.hexdigest()
    return _digests[key]


# --- source files ------------------------------------------------------------------------------

SOURCE_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
                ".html": "text/plain; charset=utf-8", ".xml": "text/plain; charset=utf-8"}


def source_files(req: Visit) -> dict[str, Path]:
    """The files the current build read (its ``report.json``), by SHA-256, that are still here."""

    def compute() -> dict[str, Path]:
        out = {}
        for path, entry in (build_report().get("sources") or {}).items():
            digest = entry.get("sha256") if isinstance(entry, dict) else None
            if digest and Path(path).is_file():
                out[digest] = Path(path)
        return out

    return _cached("sources", req, compute)


def source_file(req: Visit, digest: str) -> tuple[Path, str] | None:
    """``/sources/{sha256}``: (path, media type) of a fiche's source file, while the build
    report lists it and its content still matches; ``None`` otherwise."""
    path = source_files(req).get(digest)
    if path is None:
        return None
    try:
        if file_hash(path) != digest:
            return None
    except OSError:
        return None
    return path, SOURCE_TYPES.get(path.suffix.lower(), "application/octet-stream")


# --- VoID ---------------------------------------------------------------------------------------

CELLAR_SPARQL = "https://publications.europa.eu/webapi/rdf/sparql"
LICENCE = "https://creativecommons.org/publicdomain/zero/1.0/"
LINK_TARGETS = [  # (name, title, IRI prefix of the target dataset's resources)
    ("eurlex", "EUR-Lex / CELLAR (CELEX works)", CELEX),
    ("comnat", "CELLAR (COM numbers)", "http://publications.europa.eu/resource/comnat/"),
    ("eli", "ELI (European Legislation Identifier)", "http://data.europa.eu/eli/"),
    ("officielebekendmakingen", "officielebekendmakingen.nl", "https://zoek.officielebekendmakingen.nl/"),
]


def _void_stats(req: Visit) -> dict[str, Any]:
    """The counts of VoID, each what a user's query on the default graph (the RDF merge of all
    named graphs, each triple once) finds: ``COUNT(*)`` of its triples, ``COUNT(DISTINCT ?s)`` of
    typed subjects (IRIs and blank nodes alike) overall and per class."""
    report = build_report()
    counts = report.get("counts") or {}
    rows = req.sparql("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    triples = int(rows[0]["n"].value) if rows else 0
    quads = counts.get("quads_in_named_graphs")  # what the dump holds
    if quads is None:
        rows = req.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        quads = int(rows[0]["n"].value) if rows else 0
    classes = req.sparql("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } "
                         "GROUP BY ?c ORDER BY DESC(?n) ?c")
    entities = req.sparql("SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }")
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
    return {"triples": triples, "quads": quads, "entities": int(entities[0]["n"].value) if entities else 0,
            "graphs": int(graphs[0]["n"].value) if graphs else 0,
            "classes": [(r["c"].value, int(r["n"].value)) for r in classes],
            "links": links, "built": report.get("finished")}


def void_quads(req: Visit) -> list[Quad]:
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
    add(ds, VOID + "triples", lit(stats["triples"], XSD + "integer"))
    add(ds, RDFS + "comment", lit(
        "void:triples, void:entities and each class partition's void:entities count the default "
        "graph (the RDF merge of all named graphs, each triple once), as SELECT (COUNT(*) AS ?n) "
        "WHERE { ?s ?p ?o } and SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } find "
        "them; entities include blank nodes (citations, source files). The dump holds the "
        f"named graphs: {stats['quads']} quads.", lang="en"))
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


# --- example queries ----------------------------------------------------------------------------


def _catalogue() -> list[Any]:
    from ..query import inspect_query, load_catalogue

    out = []
    for q in load_catalogue():
        try:
            kind = inspect_query(q.text).kind
        except KgbuildError:
            kind = "SELECT"
        out.append((q, kind))
    return out


def examples_quads(req: Visit) -> list[Quad]:
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


def about_document(req: Visit, document: str, topic: str) -> list[Quad]:
    """What a description document says about itself (in the default graph): its primary topic,
    licence and dataset.

    >>> v = Visit("/doc/x", {}, {}, lambda q: [], origin="http://h")
    >>> [q.predicate.value.rsplit("/", 1)[-1] for q in about_document(v, "http://h/doc/x", "http://t")]
    ['primaryTopic', 'license', 'void#inDataset']
    """
    doc = NamedNode(document)
    return [Quad(doc, NamedNode(FOAF + "primaryTopic"), NamedNode(topic), DefaultGraph()),
            Quad(doc, NamedNode(DCT + "license"), NamedNode(LICENCE), DefaultGraph()),
            Quad(doc, NamedNode(VOID + "inDataset"),
                 NamedNode(req.origin + "/.well-known/void#dataset"), DefaultGraph())]
