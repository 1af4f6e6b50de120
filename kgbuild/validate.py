"""Validate the graph against the SHACL shapes in ``ontology/shapes.ttl`` with pySHACL.

The data is every asserted graph (the inferred graph ``{base}graph/inferred`` is left out)
of a store, or the RDF files given; the ontology and reference data are added as pySHACL's
ontology graph, so ``sh:class`` follows ``rdfs:subClassOf``. ``kgbuild validate`` exits 0
when the data conforms, 1 on violations (with a readable report), 2 on errors.

>>> from kgbuild.record import FicheRecord
>>> from kgbuild.mapping import map_record
>>> result = validate_quads(map_record(FicheRecord(title="T"), built_at="2025-01-01T00:00:00Z"))
>>> result.conforms, result.violations
(True, [])
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyoxigraph as ox
import rdflib
from rdflib.namespace import SH

from .errors import InputError
from .mapping import ONTOLOGY_DIR, ontology_quads
from .vocab import DEFAULT_BASE, PREFIXES

__all__ = ["SHAPES_FILE", "ValidationResult", "validate_quads", "validate_files", "validate_store"]

SHAPES_FILE = ONTOLOGY_DIR / "shapes.ttl"
_FORMATS = {".ttl": ox.RdfFormat.TURTLE, ".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS,
            ".nt": ox.RdfFormat.N_TRIPLES, ".jsonld": ox.RdfFormat.JSON_LD, ".rdf": ox.RdfFormat.RDF_XML,
            ".owl": ox.RdfFormat.RDF_XML}


@dataclass
class ValidationResult:
    """Whether the data conforms, and one line per violation (``focus | path | message``)."""

    conforms: bool
    violations: list[str] = field(default_factory=list)
    triples: int = 0

    def report(self, *, limit: int = 50) -> str:
        """A readable report: a summary line, then at most ``limit`` violations.

        >>> print(ValidationResult(False, ["<a> | p | bad"], 3).report())
        1 violation in 3 triples:
          <a> | p | bad
        """
        if self.conforms:
            return f"conforms: {self.triples} triples, no violations"
        n = len(self.violations)
        lines = [f"{n} violation{'s' if n != 1 else ''} in {self.triples} triples:"]
        lines += [f"  {v}" for v in self.violations[:limit]]
        if n > limit:
            lines.append(f"  … and {n - limit} more")
        return "\n".join(lines)


def _to_rdflib(quads: Iterable[ox.Quad], *, skip_graph: str | None = None) -> rdflib.Graph:
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads
               if skip_graph is None or not isinstance(q.graph_name, ox.NamedNode)
               or q.graph_name.value != skip_graph)
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def _shapes() -> rdflib.Graph:
    return rdflib.Graph().parse(SHAPES_FILE, format="turtle")


def validate_quads(quads: Iterable[ox.Quad], *, base: str = DEFAULT_BASE) -> ValidationResult:
    """Validate quads (all graphs merged, the inferred graph left out) against the shapes."""
    import pyshacl

    data = _to_rdflib(quads, skip_graph=f"{base}graph/inferred")
    for prefix, ns in PREFIXES.items():
        data.bind(prefix, ns)
    ontology = _to_rdflib(ontology_quads(base=base))
    conforms, results, _ = pyshacl.validate(data, shacl_graph=_shapes(), ont_graph=ontology,
                                            inference="none", allow_warnings=True)
    return ValidationResult(bool(conforms), _violations(results, data), len(data))


def _name(node, data: rdflib.Graph) -> str:
    """An IRI as itself; a blank node by what points at it: ``[bnc:hasCitation of <fiche>]``."""
    if not isinstance(node, rdflib.BNode):
        return node.n3()
    for s, p in data.subject_predicates(node):
        if not isinstance(s, rdflib.BNode):
            return f"[{data.namespace_manager.normalizeUri(p)} of {s.n3()}]"
    return "[blank node]"


def _violations(results: rdflib.Graph, data: rdflib.Graph) -> list[str]:
    out = []
    for r in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        if results.value(r, SH.resultSeverity) != SH.Violation:
            continue
        focus = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        message = results.value(r, SH.resultMessage)
        value = results.value(r, SH.value)
        focus_text = _name(focus, data)
        path_text = results.namespace_manager.normalizeUri(path) if isinstance(path, rdflib.URIRef) else "-"
        line = f"{focus_text} | {path_text} | {message}"
        if value is not None and str(value) not in str(message):
            line += f" (value: {str(value)[:80]})"
        out.append(line)
    return sorted(out)


def read_quads(path: Path) -> list[ox.Quad]:
    """The quads of an RDF file (.ttl, .trig, .nq, .nt, .jsonld, .rdf; optionally .gz).

    >>> read_quads(Path("missing.ttl"))
    Traceback (most recent call last):
    kgbuild.errors.InputError: missing.ttl: no such file
    """
    if not path.is_file():
        raise InputError(str(path), "no such file")
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    fmt = _FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise InputError(str(path), f"unknown RDF format (use one of {', '.join(sorted(_FORMATS))})")
    try:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        return list(ox.parse(input=data, format=fmt))
    except (SyntaxError, ValueError, OSError, EOFError) as err:
        raise InputError(str(path), f"not valid RDF: {str(err).splitlines()[0] if str(err) else err}") from None


def validate_files(paths: Iterable[Path], *, base: str = DEFAULT_BASE) -> ValidationResult:
    """Validate RDF files together (their graphs merged)."""
    quads: list[ox.Quad] = []
    for path in paths:
        quads.extend(read_quads(Path(path)))
    return validate_quads(quads, base=base)


def validate_store(store: Path, *, base: str = DEFAULT_BASE) -> ValidationResult:
    """Validate the graphs of a built store directory (``DIR/oxigraph``, see CONTRACTS.md)."""
    location = Path(store) / "oxigraph"
    if not location.is_dir():
        raise InputError(str(store), "no Oxigraph store here (expected an oxigraph/ folder; run kgbuild build)")
    try:
        db = ox.Store.read_only(str(location))
    except OSError as err:
        raise InputError(str(store), f"cannot open the store: {err}") from None
    named = (q for q in db if not isinstance(q.graph_name, ox.DefaultGraph))  # not the merge
    return validate_quads(named, base=base)
