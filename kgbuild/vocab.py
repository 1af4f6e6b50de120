"""Namespaces of the BNC-fiches graph: the ontology's terms as rdflib ``DefinedNamespace``s.

A typo in a term name fails at import or first use, not silently in the data:

>>> str(BNC.Fiche)
'https://w3id.org/bnc-fiches/ontology#Fiche'
>>> BNC.Fishe
Traceback (most recent call last):
AttributeError: term 'Fishe' not in namespace 'https://w3id.org/bnc-fiches/ontology#'
>>> iri(base="https://example.org/kg/", path="id/sector/robotica")
'https://example.org/kg/id/sector/robotica'
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, DefinedNamespace, Namespace

DEFAULT_BASE = "https://w3id.org/bnc-fiches/"
ONTOLOGY_IRI = DEFAULT_BASE + "ontology"
ONTOLOGY_VERSION = "0.1.0"

CELEX = Namespace("http://publications.europa.eu/resource/celex/")
COMNAT = Namespace("http://publications.europa.eu/resource/comnat/")
RESOURCE_TYPE = Namespace("http://publications.europa.eu/resource/authority/resource-type/")
CORPORATE_BODY = Namespace("http://publications.europa.eu/resource/authority/corporate-body/")
ELI_DATA = "http://data.europa.eu/eli/"

__all__ = [
    "BNC", "CDM", "ELI", "DCTERMS", "FOAF", "ORG", "OWL", "PROV", "RDF", "RDFS", "SKOS", "XSD",
    "CELEX", "COMNAT", "RESOURCE_TYPE", "CORPORATE_BODY", "ELI_DATA", "DEFAULT_BASE",
    "ONTOLOGY_IRI", "ONTOLOGY_VERSION", "PREFIXES", "iri",
]


def iri(*, base: str = DEFAULT_BASE, path: str) -> str:
    """The IRI of ``path`` under ``base`` (which ends in ``/``)."""
    return base + path


class BNC(DefinedNamespace):
    """The BNC-fiches ontology (``ontology/bnc.ttl``), under the default base."""

    _fail = True
    _NS = Namespace(DEFAULT_BASE + "ontology#")

    # classes
    Fiche: URIRef
    CoverLetter: URIRef
    Kamerstuk: URIRef
    KamerstukDossier: URIRef
    EUDocument: URIRef
    CommissionDocument: URIRef
    CommissionProposal: URIRef
    RegulationProposal: URIRef
    DirectiveProposal: URIRef
    DecisionProposal: URIRef
    RecommendationProposal: URIRef
    NonLegislativeDocument: URIRef
    Communication: URIRef
    Report: URIRef
    JointDocument: URIRef
    StaffWorkingDocument: URIRef
    EUAct: URIRef
    Regulation: URIRef
    Directive: URIRef
    Decision: URIRef
    Treaty: URIRef
    TreatyProvision: URIRef
    TreatyArticle: URIRef
    TreatyParagraph: URIRef
    TreatyPoint: URIRef
    CompetenceCategory: URIRef
    VerdictValue: URIRef
    Sector: URIRef
    TaggingMethod: URIRef
    SectorTagging: URIRef
    Citation: URIRef
    Ministry: URIRef
    CouncilFormation: URIRef
    FicheGraph: URIRef
    MetadataGraph: URIRef
    SourceFile: URIRef
    # object properties
    cites: URIRef
    citedBy: URIRef
    citesKamerstuk: URIRef
    citesEUAct: URIRef
    citesTreatyProvision: URIRef
    legalBasis: URIRef
    citesInFootnote: URIRef
    assesses: URIRef
    assessedBy: URIRef
    impactAssessment: URIRef
    kamerstuk: URIRef
    inDossier: URIRef
    metadataRecord: URIRef
    coverLetter: URIRef
    batchMember: URIRef
    sentWith: URIRef
    signatory: URIRef
    responsibleMinistry: URIRef
    councilFormation: URIRef
    partOf: URIRef
    hasPart: URIRef
    grantsCompetence: URIRef
    underCompetence: URIRef
    verdict: URIRef
    competenceVerdict: URIRef
    subsidiarityVerdict: URIRef
    proportionalityVerdict: URIRef
    inSector: URIRef
    sectorTagging: URIRef
    sector: URIRef
    taggingMethod: URIRef
    hasCitation: URIRef
    citedResource: URIRef
    comnatWork: URIRef
    celexWork: URIRef
    eli: URIRef
    onlinePublication: URIRef
    sourceFile: URIRef
    describes: URIRef
    # datatype properties
    tkDocumentNumber: URIRef
    zaakNumber: URIRef
    dateReceived: URIRef
    comNumber: URIRef
    celexDerived: URIRef
    template: URIRef
    shape: URIRef
    location: URIRef
    footnote: URIRef
    section: URIRef
    paragraph: URIRef
    field: URIRef
    mentionKind: URIRef
    matchedKeyword: URIRef
    checksum: URIRef
    sourcePath: URIRef
    parserVersion: URIRef
    keywordSection: URIRef
    # the search service's properties (kgbuild.search)
    matches: URIRef
    score: URIRef
    snippet: URIRef
    anchor: URIRef
    searchLimit: URIRef
    # individuals
    keywordMatch: URIRef


class CDM(DefinedNamespace):
    """The few terms of the EU Publications Office's CDM this graph writes (joins with CELLAR)."""

    _fail = True
    _NS = Namespace("http://publications.europa.eu/ontology/cdm#")
    _extras = ["work_has_resource-type"]

    work: URIRef
    resource_legal_id_celex: URIRef


class ELI(DefinedNamespace):
    """The terms of the ELI ontology this graph reuses."""

    _fail = True
    _NS = Namespace("http://data.europa.eu/eli/ontology#")

    Work: URIRef
    LegalResource: URIRef
    LegalResourceSubdivision: URIRef


PREFIXES = {
    "bnc": str(BNC._NS), "cdm": str(CDM._NS), "eli": str(ELI._NS), "dcterms": str(DCTERMS),
    "foaf": str(FOAF), "org": str(ORG), "owl": str(OWL), "prov": str(PROV), "rdf": str(RDF),
    "rdfs": str(RDFS), "skos": str(SKOS), "xsd": str(XSD),
}
