"""CELLAR-shaped test data, built from the structure of the real notices in ``../shared/eurlex``.

``notice_work(path)`` reads a real CELLAR branch notice (the Publications Office's sample of
COM(2018) 340) into a ``Work``; ``corpus_work(celex, …)`` makes a work of the same shape for a
CELEX the corpus needs. ``quads(works)`` writes them as CELLAR does: a ``cellar/{uuid}`` work
with ``owl:sameAs`` aliases (``celex/``, ``comnat/``, ``immc/``, ``eli/``), the CELEX as an
``xsd:string`` literal, the document date, the resource type, EuroVoc concepts with
``skos:prefLabel``, language expressions with their titles, the legal basis (treaty articles are
works too: ``celex/12016E114``), the procedure dossier with its interinstitutional code and the
act that adopted the proposal.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
NOTICES = ROOT.parent / "shared" / "eurlex"
RES = "http://publications.europa.eu/resource/"
CDM = "http://publications.europa.eu/ontology/cdm#"
OWL_SAMEAS = "http://www.w3.org/2002/07/owl#sameAs"
SKOS_PREFLABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
LANGUAGES = {"en": "ENG", "nl": "NLD", "de": "DEU", "fr": "FRA"}


@dataclass
class Dossier:
    cellar: str
    aliases: list[str]
    code: str  # cdm:procedure_code_interinstitutional_reference_procedure, e.g. 2018/0172/COD


@dataclass
class Work:
    cellar: str
    celex: str
    aliases: list[str]
    resource_type: str | None = None
    date: str | None = None
    titles: dict[str, str] = field(default_factory=dict)  # language code -> title
    eurovoc: dict[str, str] = field(default_factory=dict)  # concept IRI -> English label
    based_on: list["Work"] = field(default_factory=list)
    adopted_by: "Work | None" = None
    dossier: Dossier | None = None


def _link(node) -> tuple[str, list[str]]:
    return node.findtext("URI/VALUE"), [v.text for v in node.findall("SAMEAS/URI/VALUE")]


def _celex_of(aliases: list[str]) -> str:
    return next(a.rsplit("/", 1)[1] for a in aliases if a.startswith(RES + "celex/"))


def notice_work(path: Path = NOTICES / "52018PC0340_branch_notice.xml") -> Work:
    """The work of a real CELLAR branch notice, with what it links to."""
    root = ET.parse(path).getroot()
    node = root.find("WORK")
    cellar, aliases = _link(node)
    work = Work(cellar, _celex_of(aliases), aliases,
                resource_type=node.findtext("WORK_HAS_RESOURCE-TYPE/URI/VALUE"),
                date=node.findtext("WORK_DATE_DOCUMENT/VALUE"))
    for concept in node.findall("IS_ABOUT"):
        if concept.findtext("URI/TYPE") == "EUROVOC":
            work.eurovoc[concept.findtext("URI/VALUE")] = concept.findtext("PREFLABEL")
    for title in node.iter("EXPRESSION_TITLE"):
        work.titles[title.findtext("LANG")] = title.findtext("VALUE")
    for basis in node.findall("RESOURCE_LEGAL_BASED_ON_RESOURCE_LEGAL"):
        b_cellar, b_aliases = _link(basis)
        work.based_on.append(Work(b_cellar, _celex_of(b_aliases), b_aliases))
    adopted = node.find("RESOURCE_LEGAL_ADOPTED_BY_RESOURCE_LEGAL")
    if adopted is not None:
        a_cellar, a_aliases = _link(adopted)
        work.adopted_by = Work(a_cellar, _celex_of(a_aliases), a_aliases,
                               date=adopted.findtext("START_OF_VALIDITY"))
    dossier = node.find("WORK_PART_OF_DOSSIER")
    if dossier is not None:
        d_cellar, d_aliases = _link(dossier)
        work.dossier = Dossier(d_cellar, d_aliases, dossier.findtext(
            "DOSSIER/PROCEDURE_CODE_INTERINSTITUTIONAL_REFERENCE_PROCEDURE/VALUE"))
    return work


def _cellar_iri(name: str) -> str:
    return f"{RES}cellar/{uuid.uuid5(uuid.NAMESPACE_URL, name)}"


def treaty_work(celex: str) -> Work:
    """A treaty article as CELLAR has it: ``celex/12016E114`` and its ELI alias."""
    treaty = {"E": "tfeu", "M": "teu"}[celex[5]]
    article = int(celex[6:])
    return Work(_cellar_iri(celex), celex, [f"{RES}celex/{celex}",
                                            f"{RES}eli/treaty/{treaty}_2016/art_{article}/oj"])


def corpus_work(celex: str, *, eurovoc: dict[str, str], based_on: list[str] = (),
                adopted: tuple[str, str] | None = None, procedure: str | None = None) -> Work:
    """A work shaped like the notice's, for a CELEX of the corpus (titles made up, labelled
    as such; dates from the CELEX year)."""
    year, number = celex[1:5], int(celex[7:]) if celex[5:7].isalpha() else int(celex[6:])
    aliases = [f"{RES}celex/{celex}"]
    kind = celex[5:7]
    if celex[0] == "5" and kind in ("PC", "DC"):
        aliases.append(f"{RES}comnat/COM_{year}_{number:04d}_FIN")
    rtype = {"PC": "PROP_REG", "DC": "COMMUNIC"}.get(kind, "REG")
    work = Work(_cellar_iri(celex), celex, aliases, f"{RES}authority/resource-type/{rtype}",
                f"{year}-0{1 + number % 9}-1{number % 9}",
                {"en": f"English title of {celex}", "nl": f"Nederlandse titel van {celex}"},
                dict(eurovoc), [treaty_work(b) for b in based_on])
    if adopted:
        act, date = adopted
        work.adopted_by = Work(_cellar_iri(act), act, [f"{RES}celex/{act}"], date=date)
    if procedure:
        work.dossier = Dossier(_cellar_iri(procedure), [], procedure)
    return work


def quads(works: list[Work]) -> list[ox.Quad]:
    """The works as CELLAR's triples (in the default graph)."""
    out: list[ox.Quad] = []
    seen: set[str] = set()

    def add(s: str, p: str, o) -> None:
        out.append(ox.Quad(ox.NamedNode(s), ox.NamedNode(p),
                           o if not isinstance(o, str) else ox.NamedNode(o)))

    def string(value: str) -> ox.Literal:
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "string"))

    def describe(work: Work) -> None:
        if work.cellar in seen:
            return
        seen.add(work.cellar)
        add(work.cellar, RDF_TYPE, CDM + "work")
        add(work.cellar, CDM + "resource_legal_id_celex", string(work.celex))
        for alias in work.aliases:
            add(work.cellar, OWL_SAMEAS, alias)
        if work.resource_type:
            add(work.cellar, CDM + "work_has_resource-type", work.resource_type)
        if work.date:
            add(work.cellar, CDM + "work_date_document",
                ox.Literal(work.date, datatype=ox.NamedNode(XSD + "date")))
        for lang, title in work.titles.items():
            expression = f"{work.cellar}.{LANGUAGES[lang]}"
            add(expression, CDM + "expression_belongs_to_work", work.cellar)
            add(expression, CDM + "expression_uses_language",
                f"{RES}authority/language/{LANGUAGES[lang]}")
            add(expression, CDM + "expression_title", string(title))
        for concept, label in work.eurovoc.items():
            add(work.cellar, CDM + "work_is_about_concept_eurovoc", concept)
            if concept not in seen:
                seen.add(concept)
                add(concept, SKOS_PREFLABEL, ox.Literal(label, language="en"))
        for basis in work.based_on:
            describe(basis)
            add(work.cellar, CDM + "resource_legal_based_on_resource_legal", basis.cellar)
        if work.adopted_by:
            describe(work.adopted_by)
            add(work.cellar, CDM + "resource_legal_adopted_by_resource_legal",
                work.adopted_by.cellar)
        if work.dossier:
            add(work.cellar, CDM + "work_part_of_dossier", work.dossier.cellar)
            add(work.dossier.cellar, RDF_TYPE, CDM + "dossier")
            for alias in work.dossier.aliases:
                add(work.dossier.cellar, OWL_SAMEAS, alias)
            add(work.dossier.cellar, CDM + "procedure_code_interinstitutional_reference_procedure",
                string(work.dossier.code))

    for work in works:
        describe(work)
    return out


def ntriples(quads_: list[ox.Quad]) -> bytes:
    """N-Triples with every ``xsd:string`` datatype written out, as CELLAR's own dumps have it
    (pyoxigraph, following RDF 1.1, would write them as plain literals, and Virtuoso then
    stores a plain literal, hiding the mismatch the tests are about)."""
    lines = []
    for q in quads_:
        obj = q.object
        text = str(obj)
        if isinstance(obj, ox.Literal) and not obj.language and obj.datatype.value == XSD + "string":
            text += f"^^<{XSD}string>"
        lines.append(f"{q.subject} {q.predicate} {text} .")
    return ("\n".join(lines) + "\n").encode()
