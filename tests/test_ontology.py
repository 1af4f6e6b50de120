"""The ontology and reference data: well formed, documented in two languages, OWL 2 RL, and
the reasoning it promises (competence through the property chain, inverses, roll-ups, part-of)."""

from __future__ import annotations

import json
from pathlib import Path

import owlrl
import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from kgbuild.mapping import ONTOLOGY_FILE, REFERENCE_FILE, map_record
from kgbuild.record import FicheRecord, TreatyArticle, record_from_json
from kgbuild.vocab import BNC as VOCAB_BNC, ONTOLOGY_IRI, ONTOLOGY_VERSION

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/bnc-fiches/"
BNC = rdflib.Namespace(BASE + "ontology#")
ID = rdflib.Namespace(BASE + "id/")
TERM_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.NamedIndividual)


@pytest.fixture(scope="module")
def ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def reference() -> rdflib.Graph:
    return rdflib.Graph().parse(REFERENCE_FILE)


def terms(g: rdflib.Graph) -> set:
    return {s for t in TERM_TYPES for s in g.subjects(RDF.type, t)}


def test_header_is_versioned_and_licensed(ontology):
    ont = rdflib.URIRef(ONTOLOGY_IRI)
    assert (ont, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ont, OWL.versionIRI) == rdflib.URIRef(f"{ONTOLOGY_IRI}/{ONTOLOGY_VERSION}")
    assert str(ontology.value(ont, OWL.versionInfo)) == ONTOLOGY_VERSION
    for prop in (DCTERMS.license, DCTERMS.created, DCTERMS.modified, RDFS.comment):
        assert ontology.value(ont, prop) is not None, prop
    assert ONTOLOGY_VERSION in str(ontology.value(ont, RDFS.comment))  # changelog names the version


def test_every_term_has_label_and_definition_in_dutch_and_english(ontology):
    missing = []
    for term in terms(ontology):
        for prop in (RDFS.label, SKOS.definition):
            langs = {o.language for o in ontology.objects(term, prop) if isinstance(o, rdflib.Literal)}
            if not {"nl", "en"} <= langs:
                missing.append(f"{term} {prop}")
    assert terms(ontology) and not missing


def test_vocab_module_and_ontology_declare_the_same_bnc_terms(ontology):
    declared = {str(t)[len(str(BNC)):] for t in terms(ontology) if str(t).startswith(str(BNC))}
    assert declared == set(VOCAB_BNC.__annotations__)


def test_sections_in_order(ontology):
    text = ONTOLOGY_FILE.read_text()
    heads = ["# Classes", "# Object properties", "# Datatype properties", "# Individuals"]
    positions = [text.index(h) for h in heads]
    assert positions == sorted(positions)


# OWL vocabulary allowed here: declarations and the axioms of the OWL 2 RL profile that we use.
RL_ALLOWED = {OWL.Ontology, OWL.versionIRI, OWL.versionInfo, OWL.Class, OWL.ObjectProperty,
              OWL.DatatypeProperty, OWL.NamedIndividual, OWL.TransitiveProperty, OWL.SymmetricProperty,
              OWL.inverseOf, OWL.propertyChainAxiom, OWL.equivalentProperty, OWL.disjointWith}
# Not in OWL 2 RL (or not in a superclass position, which is where we would put them).
RL_FORBIDDEN = {OWL.someValuesFrom, OWL.minCardinality, OWL.cardinality, OWL.unionOf, OWL.oneOf,
                OWL.ReflexiveProperty, OWL.hasSelf, OWL.minQualifiedCardinality, OWL.qualifiedCardinality}


def test_only_owl2_rl_constructs(ontology, reference):
    for g in (ontology, reference):
        used = {t for triple in g for t in triple if isinstance(t, rdflib.URIRef) and str(t).startswith(str(OWL))}
        assert used <= RL_ALLOWED, used - RL_ALLOWED
        assert not used & RL_FORBIDDEN


def test_reference_concepts_are_labelled_in_both_languages(reference):
    concepts = set(reference.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 40
    for c in concepts:
        assert {o.language for o in reference.objects(c, SKOS.prefLabel)} >= {"nl", "en"}, c
        assert {o.language for o in reference.objects(c, SKOS.definition)} >= {"nl", "en"}, c


def test_the_eleven_apply_ai_sectors_with_keywords(reference):
    sectors = set(reference.subjects(SKOS.inScheme, ID.sector))
    assert len(sectors) == 11
    for slug in ("gezondheidszorg", "robotica", "maakindustrie-en-bouw", "defensie-veiligheid-en-ruimte",
                 "mobiliteit-en-transport", "elektronische-communicatie", "energie", "klimaat-en-milieu",
                 "agrifood", "cultuur-en-creatieve-sector", "publieke-sector"):
        assert ID[f"sector/{slug}"] in sectors
        assert list(reference.objects(ID[f"sector/{slug}"], SKOS.hiddenLabel)), slug


def test_competence_areas_sit_under_the_four_categories(reference):
    top = {ID[f"competence/{c}"] for c in ("exclusive", "shared", "supporting", "coordinating")}
    assert set(reference.objects(ID.competence, SKOS.hasTopConcept)) == top
    granted = set(reference.objects(None, BNC.grantsCompetence))
    for area in granted - top:
        assert reference.value(area, SKOS.broader) in top, area
    assert (ID["treaty/tfeu/art-4/par-2/point-a"], BNC.grantsCompetence, ID["competence/shared/internal-market"]) in reference
    assert (ID["treaty/tfeu/art-6/point-b"], BNC.grantsCompetence, ID["competence/supporting/industry"]) in reference
    assert set(reference.subjects(SKOS.inScheme, ID.verdict)) == {
        ID["verdict/positief"], ID["verdict/negatief"], ID["verdict/positief-met-kanttekeningen"]}


# --- reasoning -----------------------------------------------------------------------------------


def closure(record: FicheRecord) -> rdflib.Graph:
    """Ontology + reference + the record's graph, closed under OWL 2 RL by owlrl."""
    g = rdflib.Graph().parse(ONTOLOGY_FILE).parse(REFERENCE_FILE)
    quads = map_record(record, built_at="2025-01-01T00:00:00Z")
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads], format=ox.RdfFormat.N_TRIPLES)
    g.parse(data=data.decode(), format="nt")
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(g)
    return g


@pytest.fixture(scope="module")
def seed_closure() -> rdflib.Graph:
    return closure(record_from_json(json.loads((ROOT / "tests" / "expected" / "seed-record.json").read_text())))


SEED = ID["fiche/com-2025-723"]


def test_citing_article_4_2_a_places_the_fiche_under_shared_competence_internal_market(seed_closure):
    under = set(seed_closure.objects(SEED, BNC.underCompetence))
    assert ID["competence/shared/internal-market"] in under
    assert ID["competence/shared"] in under
    assert ID["competence/supporting/industry"] in under
    assert ID["competence/supporting"] in under
    assert ID["competence/exclusive"] not in under


def test_inverse_and_roll_up_of_citations(seed_closure):
    kst = ID["kamerstuk/26643-640"]
    assert (SEED, BNC.cites, kst) in seed_closure
    assert (SEED, DCTERMS.references, kst) in seed_closure
    assert (kst, BNC.citedBy, SEED) in seed_closure
    assert (rdflib.URIRef("http://publications.europa.eu/resource/celex/52025DC0723"), BNC.assessedBy, SEED) in seed_closure


def test_part_of_is_transitive_and_a_dcterms_part(seed_closure):
    point = ID["treaty/tfeu/art-4/par-2/point-a"]
    assert (point, BNC.partOf, ID["treaty/tfeu"]) in seed_closure
    assert (point, DCTERMS.isPartOf, ID["treaty/tfeu/art-4"]) in seed_closure
    assert (ID["treaty/tfeu"], BNC.hasPart, point) in seed_closure


def test_document_kinds_form_a_class_hierarchy(seed_closure):
    doc = rdflib.URIRef("http://publications.europa.eu/resource/celex/52025DC0723")
    for cls in (BNC.Communication, BNC.NonLegislativeDocument, BNC.CommissionDocument, BNC.EUDocument,
                rdflib.URIRef("http://publications.europa.eu/ontology/cdm#work")):
        assert (doc, RDF.type, cls) in seed_closure, cls


def test_legal_basis_is_a_treaty_citation_and_grants_competence():
    g = closure(FicheRecord(title="T", legal_basis=[TreatyArticle("TFEU", "3", paragraph="1", point="e")]))
    fiche = ID["fiche/" + "t-" + __import__("hashlib").sha1(b"t").hexdigest()[:12]]
    assert (fiche, BNC.citesTreatyProvision, ID["treaty/tfeu/art-3/par-1/point-e"]) in g
    assert (fiche, BNC.underCompetence, ID["competence/exclusive"]) in g


def test_reasoning_finds_no_inconsistency(seed_closure):
    assert not list(seed_closure.subjects(RDF.type, OWL.Nothing))
