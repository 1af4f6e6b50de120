"""Map a ``FicheRecord`` to RDF quads under the BNC-fiches ontology (``ontology/bnc.ttl``).

Each fiche gets its own named graph ``{base}graph/fiche/{key}``. That graph also carries its
own provenance (PROV-O): the graph is a ``bnc:FicheGraph`` that ``bnc:describes`` the fiche,
with ``prov:generatedAtTime`` (build time), ``bnc:sourceFile`` (path or URL, checksum) and
``prov:wasGeneratedBy`` an activity with the parser version. Dropping or replacing a fiche's
graph so drops or replaces its provenance with it.

Every extracted link whose evidence the record knows (``record.mentions``) is also reified as a
``bnc:Citation`` (blank node): ``bnc:citedResource``, ``prov:value`` (the text), ``bnc:location``
(``footnote:2``) and its parts (``bnc:footnote``, ``bnc:section`` + ``bnc:paragraph``,
``bnc:paragraph`` alone for ``body:N``, ``bnc:field``).

>>> from kgbuild.record import FicheRecord
>>> rec = FicheRecord(title="Mededeling Apply AI-strategie", com_numbers=["COM(2025) 723"],
...                   celex=["52025DC0723"])
>>> fiche_key(rec)
'com-2025-723'
>>> quads = map_record(rec, built_at="2025-11-14T12:00:00Z")
>>> {q.graph_name.value for q in quads}
{'https://w3id.org/bnc-fiches/graph/fiche/com-2025-723'}
>>> any(q.object.value == "http://publications.europa.eu/resource/celex/52025DC0723" for q in quads)
True
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Iterable

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, parse

from . import __version__
from .errors import InputError
from .record import SECTION_KEYS, FicheRecord, KamerstukRef, TreatyArticle, Verdicts
from rdflib import URIRef

from .vocab import (BNC, CDM, CELEX, COMNAT, CORPORATE_BODY, DCTERMS, DEFAULT_BASE, ELI_DATA,
                    FOAF, ORG, PROV, RDF, RDFS, RESOURCE_TYPE, XSD)

__all__ = ["DEFAULT_BASE", "fiche_key", "fiche_iri", "graph_iri", "map_record", "map_records",
           "map_kamerstuk_metadata",
           "ontology_quads", "sector_keywords", "ONTOLOGY_FILE", "REFERENCE_FILE"]

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "bnc.ttl"
REFERENCE_FILE = ONTOLOGY_DIR / "reference.ttl"

_COM_RE = re.compile(r"^\s*(COM|JOIN|SEC|SWD)\s*\((\d{4})\)\s*0*(\d+)", re.I)
_CELEX_RE = re.compile(r"^([0-9CE])(\d{4})([A-Z]{1,2})(\d+)(.*)$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CELEX_TYPES = {"COM": ("PC", "DC"), "JOIN": ("JC",), "SEC": ("SC",), "SWD": ("SC",)}


def _kind_words(nl: str, en: str) -> re.Pattern:
    """Dutch head nouns end a compound (``Terugkeerverordening``), English ones stand alone;
    ``besluitvorming`` or ``decision-making`` are not a decision."""
    return re.compile(rf"{nl}(?:en)?(?![\w-])|\b{en}s?(?![\w-])", re.I)


# (words, class name, CELLAR resource type) of proposals (CELEX PC) and other COM documents (DC).
_PC_KINDS = ((_kind_words("verordening", "regulation"), "RegulationProposal", "PROP_REG"),
             (_kind_words("richtlijn", "directive"), "DirectiveProposal", "PROP_DIR"),
             (_kind_words("besluit", "decision"), "DecisionProposal", "PROP_DEC"),
             (_kind_words("aanbeveling", "recommendation"), "RecommendationProposal", None))
_DC_KINDS = ((_kind_words("mededeling", "communication"), "Communication", "COMMUNIC"),
             (_kind_words("verslag", "report"), "Report", "REPORT"))
# A COM document is a proposal for an act (CELEX PC) when its title names one of these.
_PROPOSAL_WORDS = tuple(words for words, _, _ in _PC_KINDS[:3])
_SECTOR_TYPES = {"PC": "CommissionProposal", "DC": "NonLegislativeDocument", "JC": "JointDocument",
                 "SC": "StaffWorkingDocument", "R": "Regulation", "L": "Directive", "D": "Decision"}
# The ontology's terms as plain strings: attribute access as fast as a dict, and a typo
# still fails (AttributeError), like ``BNC`` itself.
B = SimpleNamespace(**{name: str(BNC[name]) for name in BNC.__annotations__})
_ELI_TYPES = {"R": "reg", "L": "dir", "D": "dec"}
_TREATY_NAMES = {"tfeu": ("VWEU", "TFEU"), "teu": ("VEU", "TEU"), "tec": ("EG-Verdrag", "TEC")}
_TREATY_CELEX = {"tfeu": "E", "teu": "M"}
# Which record keys of mentions are citations (``bnc:cites`` sub-properties).
_CITING_KINDS = ("cited_kamerstukken", "cited_eu_acts", "treaty_articles", "legal_basis")


# --------------------------------------------------------------------------- keys and IRIs


@lru_cache(maxsize=1 << 14)
def slug(text: str) -> str:
    """A lower-case ASCII slug: ``D.M. van Weel`` → ``dm-van-weel``.

    >>> slug("Raad voor Vervoer, Telecom en Energie (Telecom)")
    'raad-voor-vervoer-telecom-en-energie-telecom'
    >>> slug("Atzo Nicolaï")
    'atzo-nicolai'
    """
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[.'’]", "", text.casefold())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def _com_parts(com: str) -> tuple[str, str, int] | None:
    m = _COM_RE.match(com)
    return (m.group(1).upper(), m.group(2), int(m.group(3))) if m else None


def fiche_key(record: FicheRecord) -> str:
    """The fiche's key (CONTRACTS.md): first COM number, else own Kamerstuk, else TK document
    number, else ``t-`` + 12 hex of the sha1 of the case-folded, whitespace-collapsed title.

    >>> fiche_key(FicheRecord(com_numbers=["COM(2025) 723"], tk_document_number="2025D46581"))
    'com-2025-723'
    >>> fiche_key(FicheRecord(kamerstuk=KamerstukRef("22112", "2936")))
    'kst-22112-2936'
    >>> fiche_key(FicheRecord(tk_document_number="2025D46581"))
    '2025d46581'
    >>> fiche_key(FicheRecord(title="Besluit digitale inhoud"))[:2]
    't-'
    >>> fiche_key(FicheRecord())
    Traceback (most recent call last):
    kgbuild.errors.InputError: record: no COM number, Kamerstuk, document number or title to key the fiche by
    """
    for com in record.com_numbers or ():
        parts = _com_parts(com)
        if parts:
            return f"{parts[0].lower()}-{parts[1]}-{parts[2]}"
    if record.kamerstuk:
        return "kst-" + slug(record.kamerstuk.key)  # lower case: kst-36300-d
    if record.tk_document_number and slug(record.tk_document_number):
        return slug(record.tk_document_number)
    title = " ".join((record.title or "").split()).casefold()
    if title:
        return "t-" + hashlib.sha1(title.encode("utf-8")).hexdigest()[:12]
    raise InputError(record.source or "record",
                     "no COM number, Kamerstuk, document number or title to key the fiche by")


def fiche_iri(record: FicheRecord, *, base: str = DEFAULT_BASE) -> str:
    """The fiche's IRI ``{base}id/fiche/{key}``.

    >>> fiche_iri(FicheRecord(tk_document_number="2025D46581"))
    'https://w3id.org/bnc-fiches/id/fiche/2025d46581'
    """
    return f"{base}id/fiche/{fiche_key(record)}"


def graph_iri(key: str, *, base: str = DEFAULT_BASE) -> str:
    """The named graph of the fiche with ``key``.

    >>> graph_iri("com-2025-723")
    'https://w3id.org/bnc-fiches/graph/fiche/com-2025-723'
    """
    return f"{base}graph/fiche/{key}"


@lru_cache(maxsize=1 << 12)
def treaty_path(article: TreatyArticle) -> str:
    """The IRI path of a treaty provision below ``{base}id/``.

    >>> treaty_path(TreatyArticle("TFEU", "4", paragraph="2", point="a"))
    'treaty/tfeu/art-4/par-2/point-a'
    >>> treaty_path(TreatyArticle("TFEU", "6", point="e"))
    'treaty/tfeu/art-6/point-e'
    """
    parts = [f"treaty/{slug(article.treaty)}", f"art-{slug(article.article)}"]
    if article.paragraph:
        parts.append(f"par-{slug(article.paragraph)}")
    if article.point:
        parts.append(f"point-{slug(article.point)}")
    return "/".join(parts)


def celex_for_com(com: str, kind_text: str, stated: Iterable[str] = ()) -> tuple[str, bool] | None:
    """The CELEX of a COM number and whether it was derived rather than stated.

    A stated CELEX matches by year and number; otherwise the title decides ``PC``
    (Verordening/Richtlijn/Besluit/Regulation/Directive/Decision) or ``DC``.

    >>> celex_for_com("COM(2022) 197", "", ["52022DC0196", "52022PC0197"])
    ('52022PC0197', False)
    >>> celex_for_com("COM(2020) 612", "Proposal for a regulation introducing a screening")
    ('52020PC0612', True)
    >>> celex_for_com("COM(2025) 723", "Mededeling Apply AI-strategie")
    ('52025DC0723', True)
    >>> celex_for_com("COM(2025) 101", "Voorstel Terugkeerverordening")
    ('52025PC0101', True)
    >>> celex_for_com("COM(2018) 703", "Mededeling over subsidiariteit bij de besluitvorming")
    ('52018DC0703', True)
    """
    parts = _com_parts(com)
    if not parts:
        return None
    prefix, year, number = parts
    types = _CELEX_TYPES[prefix]
    for celex in stated:
        m = _CELEX_RE.match(celex)
        if m and m.group(1) == "5" and m.group(2) == year and m.group(3) in types \
                and int(m.group(4)) == number and not m.group(5):
            return celex, False
    if prefix == "COM":
        ctype = "PC" if any(words.search(kind_text) for words in _PROPOSAL_WORDS) else "DC"
    else:
        ctype = types[0]
    return f"5{year}{ctype}{number:04d}", True


def eli_for_celex(celex: str) -> str | None:
    """The ELI of an adopted regulation, directive or decision, else ``None``.

    >>> eli_for_celex("32008R0767")
    'http://data.europa.eu/eli/reg/2008/767/oj'
    >>> eli_for_celex("52025DC0723") is None
    True
    """
    m = _CELEX_RE.match(celex)
    if m and m.group(1) == "3" and m.group(3) in _ELI_TYPES and not m.group(5):
        return f"{ELI_DATA}{_ELI_TYPES[m.group(3)]}/{m.group(2)}/{int(m.group(4))}/oj"
    return None


# --------------------------------------------------------------------------- reference data


def _read_turtle(path: Path, base: str) -> str:
    text = path.read_text(encoding="utf-8")
    return text if base == DEFAULT_BASE else text.replace(DEFAULT_BASE, base)


def ontology_quads(*, base: str = DEFAULT_BASE) -> list[Quad]:
    """The ontology in ``{base}graph/ontology`` and the reference data in ``{base}graph/reference``.

    >>> quads = ontology_quads()
    >>> sorted({q.graph_name.value.rsplit("/", 1)[1] for q in quads})
    ['ontology', 'reference']
    """
    out: list[Quad] = []
    for path, name in ((ONTOLOGY_FILE, "ontology"), (REFERENCE_FILE, "reference")):
        graph = NamedNode(f"{base}graph/{name}")
        for q in parse(input=_read_turtle(path, base), format=RdfFormat.TURTLE):
            out.append(Quad(q.subject, q.predicate, q.object, graph))
    return out


@lru_cache(maxsize=8)
def sector_keywords(base: str = DEFAULT_BASE) -> tuple[re.Pattern, dict[str, tuple[str, str]]]:
    """One regex over every sector's keywords (``skos:hiddenLabel`` in the reference data),
    case-folded, whole words, longest first, to run over case-folded text; and a map from a
    match (white space collapsed) to its sector IRI and the keyword as written.

    >>> regex, keywords = sector_keywords()
    >>> keywords[regex.search("over de elektronische  communicatie").group(0).replace("  ", " ")]
    ('https://w3id.org/bnc-fiches/id/sector/elektronische-communicatie', 'elektronische communicatie')
    """
    hidden = "http://www.w3.org/2004/02/skos/core#hiddenLabel"
    keywords: dict[str, tuple[str, str]] = {}
    for q in sorted(parse(input=_read_turtle(REFERENCE_FILE, base), format=RdfFormat.TURTLE),
                    key=lambda q: (q.subject.value, q.object.value)):
        if q.predicate.value == hidden and q.subject.value.startswith(f"{base}id/sector/"):
            keywords.setdefault(" ".join(q.object.value.casefold().split()), (q.subject.value, q.object.value))
    words = sorted(keywords, key=lambda w: (-len(w), w))
    alt = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
    return re.compile(rf"(?<!\w)(?:{alt})(?!\w)"), keywords


# --------------------------------------------------------------------------- the mapper


class _Writer:
    """Collects the quads of one fiche graph."""

    def __init__(self, base: str, graph: NamedNode):
        self.base = base
        self.graph = graph
        self.quads: list[Quad] = []
        self._terms = _terms(base)
        self._type = self._terms[str(RDF.type)]
        self._seen: set[str] = set()

    def t(self, term: str) -> NamedNode:
        return self._terms[term]

    def node(self, path: str) -> NamedNode:
        return NamedNode(self.base + path)

    def add(self, s, p, o) -> None:
        self.quads.append(Quad(s, self._terms[p], o, self.graph))

    def type(self, s, cls) -> None:
        self.quads.append(Quad(s, self._type, self._terms[cls], self.graph))

    def lit(self, s, p, value: str, *, lang: str | None = None, datatype=None) -> None:
        o = _literal(value, lang, datatype)
        self.quads.append(Quad(s, self._terms[p], o, self.graph))

    def once(self, key: str) -> bool:
        """True the first time ``key`` is seen: describe each resource once per graph."""
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


@lru_cache(maxsize=1 << 16)
def _literal(value: str, lang: str | None, datatype) -> Literal:
    """Literals repeat across fiches (identifiers, labels, footnotes): make each once."""
    if lang:
        return Literal(value, language=lang)
    if datatype is not None:
        return Literal(value, datatype=NamedNode(str(datatype)))
    return Literal(value)


@lru_cache(maxsize=8)
def _terms(base: str) -> dict[str, NamedNode]:
    """Vocabulary IRIs as pyoxigraph nodes, the ontology's moved under ``base``."""
    out: dict[str, NamedNode] = {}
    ns = str(BNC._NS)
    for name in BNC.__annotations__:
        out[ns + name] = NamedNode(ns.replace(DEFAULT_BASE, base, 1) + name)
    for term in (RDF.type, RDFS.label, DCTERMS.title, DCTERMS.identifier, DCTERMS.issued,
                 DCTERMS.alternative, DCTERMS.type, DCTERMS.creator, DCTERMS.modified,
                 PROV.Entity, PROV.Activity, PROV.wasGeneratedBy, PROV.used, PROV.value,
                 PROV.generatedAtTime, ORG.unitOf, FOAF.Person, FOAF.name, CDM.resource_legal_id_celex,
                 CDM["work_has_resource-type"], XSD.date, XSD.dateTime, XSD.integer, XSD.boolean):
        out[str(term)] = NamedNode(str(term))
    out.update({URIRef(k): v for k, v in out.items()})  # rdflib terms hash apart from str
    return out


def map_record(record: FicheRecord, *, base: str = DEFAULT_BASE, source: str | None = None,
               checksum: str | None = None, parser_version: str | None = None,
               built_at: str | datetime | None = None) -> list[Quad]:
    """The quads of one fiche, all in its named graph ``{base}graph/fiche/{key}``.

    ``source`` defaults to ``record.source``, ``parser_version`` to kgbuild's version and
    ``built_at`` to now (UTC). A record with nothing to key it by raises ``InputError``.

    >>> from kgbuild.record import FicheRecord, Verdicts
    >>> rec = FicheRecord(title="T", kamerstuk=KamerstukRef("22112", "4031"),
    ...                   verdicts=Verdicts(bevoegdheid="positief"))
    >>> quads = map_record(rec, built_at="2025-01-01T00:00:00Z", source="a.docx")
    >>> fiche = "https://w3id.org/bnc-fiches/id/fiche/kst-22112-4031"
    >>> sorted({re.split("[#/]", q.predicate.value)[-1] for q in quads if q.subject.value == fiche})
    ['competenceVerdict', 'identifier', 'kamerstuk', 'title', 'type']
    """
    key = fiche_key(record)
    w = _Writer(base, NamedNode(graph_iri(key, base=base)))
    fiche = w.node(f"id/fiche/{key}")
    w.type(fiche, B.Fiche)
    w.lit(fiche, DCTERMS.identifier, key)
    _describe_fiche(w, fiche, record)
    _provenance(w, fiche, record, source=source if source is not None else record.source,
                checksum=checksum, parser_version=parser_version or f"kgbuild {__version__}",
                built_at=built_at)
    return w.quads


def map_records(records: Iterable[FicheRecord], **options) -> Iterable[Quad]:
    """All quads of several records (same options as ``map_record``).

    >>> len(list(map_records([FicheRecord(title="A"), FicheRecord(title="B")], built_at="2025-01-01T00:00:00Z"))) > 10
    True
    """
    for record in records:
        yield from map_record(record, **options)


def _date(w: _Writer, s, p, value: str | None) -> None:
    if value and _DATE_RE.match(value):
        w.lit(s, p, value, datatype=XSD.date)


def _describe_fiche(w: _Writer, fiche: NamedNode, rec: FicheRecord) -> None:
    if rec.title:
        w.lit(fiche, DCTERMS.title, rec.title, lang="nl")
    if rec.tk_document_number:
        w.lit(fiche, B.tkDocumentNumber, rec.tk_document_number)
    if rec.zaak:
        w.lit(fiche, B.zaakNumber, rec.zaak)
    _date(w, fiche, DCTERMS.issued, rec.date_sent)
    _date(w, fiche, B.dateReceived, rec.date_received)
    if rec.template:
        w.lit(fiche, B.template, rec.template)
    if rec.shape:
        w.lit(fiche, B.shape, rec.shape)

    own = _kamerstuk(w, rec.kamerstuk) if rec.kamerstuk else None
    if own is not None:
        w.add(fiche, B.kamerstuk, own)
    person = _person(w, rec.signatory) if rec.signatory else None
    if person is not None:
        w.add(fiche, B.signatory, person)
    siblings = [_kamerstuk(w, k) for k in rec.sibling_kamerstukken or ()]
    for sib in siblings:
        w.add(fiche, B.sentWith, sib)
    if person is not None or (rec.date_sent and _DATE_RE.match(rec.date_sent)):
        letter = BlankNode()
        w.type(letter, B.CoverLetter)
        w.add(fiche, B.coverLetter, letter)
        _date(w, letter, DCTERMS.issued, rec.date_sent)
        if person is not None:
            w.add(letter, B.signatory, person)
        for member in [own if own is not None else fiche, *siblings]:
            w.add(letter, B.batchMember, member)

    resolved = {}  # (mention kind, value) -> IRI node, for the citations
    for com, doc in _commission_documents(w, rec):
        w.add(fiche, B.assesses, doc)
        if com:
            resolved[("com_numbers", com)] = doc
        resolved[("celex", doc.value.rsplit("/", 1)[1])] = doc
    for ia in rec.impact_assessments or ():
        doc = _impact_assessment(w, ia)
        if doc is not None:
            w.add(fiche, B.impactAssessment, doc)
            resolved[("impact_assessments", ia)] = doc

    for name in rec.ministries or ():
        s = slug(re.sub(r"^\s*ministerie\s+van\s+", "", name, flags=re.I))
        if s:
            ministry = w.node(f"id/ministry/{s}")
            w.add(fiche, B.responsibleMinistry, ministry)
            if w.once(ministry.value):
                w.type(ministry, B.Ministry)
                w.lit(ministry, RDFS.label, name, lang="nl")
    if rec.council_formation and slug(rec.council_formation):
        council = w.node(f"id/council-formation/{slug(rec.council_formation)}")
        w.add(fiche, B.councilFormation, council)
        w.type(council, B.CouncilFormation)
        w.lit(council, RDFS.label, rec.council_formation, lang="nl")
        w.add(council, ORG.unitOf, NamedNode(str(CORPORATE_BODY.CONSIL)))

    verdicts = rec.verdicts or Verdicts()
    for prop, value in ((B.competenceVerdict, verdicts.bevoegdheid),
                        (B.subsidiarityVerdict, verdicts.subsidiariteit),
                        (B.proportionalityVerdict, verdicts.proportionaliteit)):
        v = " ".join((value or "").split()).casefold()
        if v in ("positief", "negatief", "positief met kanttekeningen"):
            w.add(fiche, prop, w.node(f"id/verdict/{v.replace(' ', '-')}"))

    cited = (("legal_basis", rec.legal_basis, _treaty_provision, B.legalBasis),
             ("treaty_articles", rec.treaty_articles, _treaty_provision, B.citesTreatyProvision),
             ("cited_kamerstukken", rec.cited_kamerstukken, _kamerstuk, B.citesKamerstuk),
             ("cited_eu_acts", rec.cited_eu_acts, _eu_document, B.citesEUAct))
    for kind, values, describe, prop in cited:
        for value in values or ():
            node = describe(w, value)
            w.add(fiche, prop, node)
            resolved[(kind, getattr(value, "key", value))] = node

    _citations(w, fiche, rec, resolved)
    _sectors(w, fiche, rec)


@lru_cache(maxsize=1 << 14)
def _part(text: str) -> str:
    """A dossier or number as an IRI segment, case kept: ``21501-30``, ``D``."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", text.strip()).strip("-")


def _kamerstuk(w: _Writer, ks: KamerstukRef) -> NamedNode:
    node = w.node(f"id/kamerstuk/{_part(ks.dossier)}-{_part(ks.number)}")
    if w.once(node.value):
        ident = f"kst-{_part(ks.dossier)}-{_part(ks.number)}"
        w.type(node, B.Kamerstuk)
        w.lit(node, DCTERMS.identifier, ident)
        w.add(node, B.onlinePublication, NamedNode(f"https://zoek.officielebekendmakingen.nl/{ident}"))
        for dossier in (ks.dossier, *ks.other_dossiers):
            d = w.node(f"id/dossier/{_part(dossier)}")
            w.add(node, B.inDossier, d)
            if w.once(d.value):
                w.type(d, B.KamerstukDossier)
                w.lit(d, DCTERMS.identifier, _part(dossier))
    return node


def _person(w: _Writer, name: str) -> NamedNode | None:
    s = slug(name)
    if not s:
        return None
    node = w.node(f"id/person/{s}")
    if not w.once(node.value):
        return node
    w.type(node, FOAF.Person)
    w.lit(node, FOAF.name, name)
    w.lit(node, RDFS.label, name)
    return node


def _celex_node(w: _Writer, celex: str) -> tuple[NamedNode, bool]:
    node = NamedNode(str(CELEX[celex]))
    first = w.once(node.value)
    if first:
        w.lit(node, CDM.resource_legal_id_celex, celex)
    return node, first


def _eu_document(w: _Writer, celex: str) -> NamedNode:
    node, first = _celex_node(w, celex)
    if first:
        m = _CELEX_RE.match(celex)
        kind = _SECTOR_TYPES.get(m.group(3)) if m and m.group(1) in "35" else None
        w.type(node, getattr(B, kind) if kind else B.EUDocument)
        if m and m.group(1) == "5":  # a Commission document cited, not assessed: CELEX as stated
            w.lit(node, B.celexDerived, "false", datatype=XSD.boolean)
        eli = eli_for_celex(celex)
        if eli:
            w.add(node, B.eli, NamedNode(eli))
    return node


def _commission_documents(w: _Writer, rec: FicheRecord) -> list[tuple[str | None, NamedNode]]:
    coms = [c for c in rec.com_numbers or () if _com_parts(c)]
    titles = rec.proposal_titles or []
    fallback = " ".join([*titles, rec.title or ""])
    out: list[tuple[str | None, NamedNode]] = []
    used: set[str] = set()
    for i, com in enumerate(coms):
        title = titles[i] if len(titles) == len(coms) else (titles[0] if len(titles) == 1 == len(coms) else None)
        celex, derived = celex_for_com(com, title or fallback, rec.celex or ())
        used.add(celex)
        out.append((com, _commission_document(w, celex, com, title, title or fallback, derived)))
    for celex in rec.celex or ():
        m = _CELEX_RE.match(celex)
        if celex in used or not m:
            continue
        com = f"COM({m.group(2)}) {int(m.group(4))}" if m.group(1) == "5" and m.group(3) in ("PC", "DC") else None
        out.append((None, _commission_document(w, celex, com, None, fallback, False)))
    return out


def _commission_document(w: _Writer, celex: str, com: str | None, title: str | None,
                         kind_text: str, derived: bool) -> NamedNode:
    node, first = _celex_node(w, celex)
    if not first:
        return node
    m = _CELEX_RE.match(celex)
    ctype = m.group(3) if m else ""
    kinds = _PC_KINDS if ctype == "PC" else _DC_KINDS if ctype == "DC" else ()
    cls, rtype = _SECTOR_TYPES.get(ctype, "CommissionDocument"), None
    best = None
    for words, name, code in kinds:
        m = words.search(kind_text)
        if m and (best is None or m.start() < best):
            best, cls, rtype = m.start(), name, code
    w.type(node, getattr(B, cls))
    w.lit(node, B.celexDerived, "true" if derived else "false", datatype=XSD.boolean)
    if rtype:
        w.add(node, CDM["work_has_resource-type"], NamedNode(str(RESOURCE_TYPE[rtype])))
    if com:
        parts = _com_parts(com)
        w.lit(node, B.comNumber, f"{parts[0]}({parts[1]}) {parts[2]}")
        if parts[0] == "COM":
            w.add(node, B.comnatWork, NamedNode(str(COMNAT[f"COM_{parts[1]}_{parts[2]:04d}_FIN"])))
    if title:
        w.lit(node, DCTERMS.title, " ".join(title.split()))
    return node


def _impact_assessment(w: _Writer, ident: str) -> NamedNode | None:
    parts = _com_parts(ident)
    if not parts or parts[0] not in ("SWD", "SEC"):
        return None
    node, first = _celex_node(w, f"5{parts[1]}SC{parts[2]:04d}")
    if first:
        w.type(node, B.StaffWorkingDocument)
        w.lit(node, B.celexDerived, "true", datatype=XSD.boolean)
        w.lit(node, DCTERMS.identifier, f"{parts[0]}({parts[1]}) {parts[2]}")
    return node


def _treaty_provision(w: _Writer, art: TreatyArticle) -> NamedNode:
    """The provision and its part-of chain up to the treaty, described once per graph."""
    treaty = slug(art.treaty)
    levels = [TreatyArticle(art.treaty, art.article)]
    if art.paragraph:
        levels.append(TreatyArticle(art.treaty, art.article, paragraph=art.paragraph))
    if art.point:
        levels.append(art)
    parent = w.node(f"id/treaty/{treaty}")
    node = parent
    for level in levels:
        node = w.node("id/" + treaty_path(level))
        if w.once(node.value):
            cls = B.TreatyPoint if level.point else B.TreatyParagraph if level.paragraph else B.TreatyArticle
            w.type(node, cls)
            w.add(node, B.partOf, parent)
            w.lit(node, DCTERMS.identifier, level.key)
            nl, en = _treaty_labels(level)
            w.lit(node, RDFS.label, nl, lang="nl")
            w.lit(node, RDFS.label, en, lang="en")
            if level is levels[0] and treaty in _TREATY_CELEX and level.article.isdigit():
                celex = f"12016{_TREATY_CELEX[treaty]}{int(level.article):03d}"
                w.lit(node, CDM.resource_legal_id_celex, celex)
                w.add(node, B.celexWork, NamedNode(str(CELEX[celex])))
                w.add(node, B.eli, NamedNode(f"{ELI_DATA}treaty/{treaty}_2016/art_{level.article}/oj"))
        parent = node
    return node


def _treaty_labels(art: TreatyArticle) -> tuple[str, str]:
    """Dutch and English labels: ``artikel 4, lid 2, onder a, VWEU`` / ``Article 4(2)(a) TFEU``.

    >>> _treaty_labels(TreatyArticle("TFEU", "6", point="b"))
    ('artikel 6, onder b, VWEU', 'Article 6(b) TFEU')
    """
    nl_name, en_name = _TREATY_NAMES.get(art.treaty.casefold(), (art.treaty, art.treaty))
    rest = "".join(f", {word} {v}" for word, v in (("lid", art.paragraph), ("onder", art.point)) if v)
    nl = f"artikel {art.article}{rest}, {nl_name}" if rest else f"artikel {art.article} {nl_name}"
    en = f"Article {art.article}" + "".join(f"({v})" for v in (art.paragraph, art.point) if v) + f" {en_name}"
    return nl, en


def _citations(w: _Writer, fiche: NamedNode, rec: FicheRecord, resolved: dict) -> None:
    for mention in rec.mentions or ():
        target = resolved.get((mention.kind, mention.value))
        if target is None:
            continue
        c = BlankNode()
        w.add(fiche, B.hasCitation, c)
        w.type(c, B.Citation)
        w.add(c, B.citedResource, target)
        w.lit(c, B.mentionKind, mention.kind)
        w.lit(c, B.location, mention.where)
        if mention.text:
            w.lit(c, PROV.value, mention.text)
        place, _, rest = mention.where.partition(":")
        if place == "footnote" and rest:
            w.lit(c, B.footnote, rest)
            if mention.kind in _CITING_KINDS:
                w.add(fiche, B.citesInFootnote, target)
        elif place == "section" and rest:
            section, _, par = rest.partition(":")
            w.lit(c, B.section, section)
            if par.isdigit():
                w.lit(c, B.paragraph, par, datatype=XSD.integer)
        elif place == "body" and rest.isdigit():
            w.lit(c, B.paragraph, rest, datatype=XSD.integer)
        elif place == "field" and rest:
            w.lit(c, B.field, rest)


def _sectors(w: _Writer, fiche: NamedNode, rec: FicheRecord) -> None:
    """Keyword tagging: for each sector, the first place (title, proposal titles, sections in
    template order) where one of its keywords occurs. One pass over the text finds every
    sector; a keyword is missed only where a longer keyword of another sector starts at the
    same letter."""
    texts = [("title", rec.title or ""), ("proposal_titles", "\n".join(rec.proposal_titles or ()))]
    sections = rec.sections or {}
    texts += [(k, sections[k]) for k in SECTION_KEYS if sections.get(k)]
    texts += [(k, v) for k, v in sorted(sections.items()) if k not in SECTION_KEYS and v]
    regex, keywords = sector_keywords(w.base)
    found: dict[str, tuple[str, str]] = {}
    every = len({sector for sector, _ in keywords.values()})
    for section, text in texts:
        for m in regex.finditer(text.casefold()):
            sector, keyword = keywords[" ".join(m.group(0).split())]
            found.setdefault(sector, (keyword, section))
            if len(found) == every:
                break
    for sector, (keyword, section) in sorted(found.items()):
        node = NamedNode(sector)
        w.add(fiche, B.inSector, node)
        tag = BlankNode()
        w.add(fiche, B.sectorTagging, tag)
        w.type(tag, B.SectorTagging)
        w.add(tag, B.sector, node)
        w.add(tag, B.taggingMethod, w.t(B.keywordMatch))
        w.lit(tag, B.matchedKeyword, keyword)
        w.lit(tag, B.section, section)


def _provenance(w: _Writer, fiche: NamedNode, rec: FicheRecord, *, source: str | None,
                checksum: str | None, parser_version: str, built_at) -> None:
    g = w.graph
    w.type(g, B.FicheGraph)
    w.add(g, B.describes, fiche)
    if built_at is None:
        built_at = datetime.now(timezone.utc)
    if isinstance(built_at, datetime):
        built_at = built_at.isoformat().replace("+00:00", "Z")
    w.lit(g, PROV.generatedAtTime, built_at, datatype=XSD.dateTime)
    activity = BlankNode()
    w.add(g, PROV.wasGeneratedBy, activity)
    w.type(activity, PROV.Activity)
    w.lit(activity, B.parserVersion, parser_version)
    if source or checksum:
        src = NamedNode(source) if source and re.match(r"^https?://\S+$", source) else BlankNode()
        w.add(g, B.sourceFile, src)
        w.add(activity, PROV.used, src)
        w.type(src, B.SourceFile)
        if source:
            w.lit(src, B.sourcePath, source)
        if checksum:
            w.lit(src, B.checksum, checksum)


# --------------------------------------------------------------------------- cited papers' metadata


def map_kamerstuk_metadata(papers: Iterable[dict], *, base: str = DEFAULT_BASE,
                           built_at: str | datetime | None = None) -> list[Quad]:
    """What the publisher's metadata records say about cited Kamerstukken and their dossiers,
    in the named graph ``{base}graph/kamerstukken`` (a ``bnc:MetadataGraph``).

    Each paper is a dict (``kgbuild.sru.cited_papers``): ``dossier``, ``number``,
    ``identifier`` and, when known, ``title``, ``official_title``, ``kind``, ``issued``,
    ``submitter``, ``dossier_title``, ``url`` (the record's address), ``checksum``,
    ``modified``. The Kamerstuk gets ``dcterms:title`` (the paper's own title),
    ``dcterms:alternative`` (the official title), ``dcterms:type`` (its kind, "Brief regering",
    "Motie" …), ``dcterms:issued``, ``dcterms:creator`` (the submitter) and
    ``bnc:metadataRecord`` (the record as a ``bnc:SourceFile``); its dossier a
    ``dcterms:title``.

    >>> quads = map_kamerstuk_metadata([{"dossier": "26643", "number": "640",
    ...     "identifier": "kst-26643-640", "title": "Strategisch Actieplan voor AI",
    ...     "kind": "Brief regering", "issued": "2019-10-08", "dossier_title": "ICT",
    ...     "url": "https://repository.overheid.nl/frbr/officielepublicaties/kst/26643/kst-26643-640/1/metadata/metadata.xml"}],
    ...     built_at="2025-01-01T00:00:00Z")
    >>> sorted({q.predicate.value.rsplit("/", 1)[-1].rsplit("#", 1)[-1] for q in quads
    ...         if q.subject.value.endswith("kamerstuk/26643-640")})
    ['identifier', 'inDossier', 'issued', 'metadataRecord', 'onlinePublication', 'title', 'type']
    >>> {q.graph_name.value for q in quads}
    {'https://w3id.org/bnc-fiches/graph/kamerstukken'}
    """
    graph = NamedNode(f"{base}graph/kamerstukken")
    w = _Writer(base, graph)
    papers = sorted(papers, key=lambda p: (p["dossier"], p["number"]))
    if not papers:
        return []
    w.type(graph, B.MetadataGraph)
    if built_at is None:
        built_at = datetime.now(timezone.utc)
    if isinstance(built_at, datetime):
        built_at = built_at.isoformat().replace("+00:00", "Z")
    w.lit(graph, PROV.generatedAtTime, built_at, datatype=XSD.dateTime)
    for paper in papers:
        ks = KamerstukRef(paper["dossier"], paper["number"], tuple(paper.get("other_dossiers") or ()))
        node = _kamerstuk(w, ks)
        if paper.get("title"):
            w.lit(node, DCTERMS.title, paper["title"], lang="nl")
        if paper.get("official_title") and paper["official_title"] != paper.get("title"):
            w.lit(node, DCTERMS.alternative, paper["official_title"], lang="nl")
        if paper.get("kind"):
            w.lit(node, DCTERMS.type, paper["kind"], lang="nl")
        if paper.get("issued") and _DATE_RE.match(paper["issued"]):
            w.lit(node, DCTERMS.issued, paper["issued"], datatype=XSD.date)
        if paper.get("submitter"):
            w.lit(node, DCTERMS.creator, paper["submitter"])
        if paper.get("dossier_title"):
            dossier = w.node(f"id/dossier/{_part(ks.dossier)}")
            if w.once("title " + dossier.value):
                w.lit(dossier, DCTERMS.title, paper["dossier_title"], lang="nl")
        if paper.get("url"):
            record = NamedNode(paper["url"])
            w.add(node, B.metadataRecord, record)
            if w.once("record " + record.value):
                w.type(record, B.SourceFile)
                w.lit(record, B.sourcePath, paper["url"])
                if paper.get("checksum"):
                    w.lit(record, B.checksum, paper["checksum"])
                if paper.get("modified"):
                    w.lit(record, DCTERMS.modified, paper["modified"])
    return w.quads
