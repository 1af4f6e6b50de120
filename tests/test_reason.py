"""The fast reasoner: each inference kind, and equality with owlrl's OWL 2 RL closure."""

from __future__ import annotations

import owlrl
import rdflib
from pyoxigraph import Literal, RdfFormat, Triple, parse

from kgbuild.reason import OWL, RDF, RDFS, XSD, compile_rules, infer

EX = "http://example.org/onto#"
D = "http://example.org/id/"

# A small ontology using every axiom kind the compiler knows.
SCRATCH = f"""
@prefix : <{EX}> . @prefix owl: <{OWL}> . @prefix rdfs: <{RDFS}> . @prefix xsd: <{XSD}> .
:refersTo a owl:ObjectProperty .
:cites rdfs:subPropertyOf :refersTo ; rdfs:domain :Document ; rdfs:range :Document .
:citesKamerstuk rdfs:subPropertyOf :cites ; rdfs:range :Kamerstuk .
:citedBy owl:inverseOf :cites .
:partOf a owl:TransitiveProperty .
:related a owl:SymmetricProperty .
:citesArticle rdfs:subPropertyOf :refersTo .
:assignsCompetence a owl:ObjectProperty .
:concernsCompetence owl:propertyChainAxiom ( :citesArticle :assignsCompetence ) .
:Fiche rdfs:subClassOf :Assessment . :Assessment rdfs:subClassOf :Document .
:Kamerstuk owl:equivalentClass :ParliamentaryPaper .
:Communication owl:equivalentClass [ a owl:Restriction ; owl:onProperty :shape ;
                                     owl:hasValue :communication ] .
:Citing owl:equivalentClass [ a owl:Restriction ; owl:onProperty :cites ;
                              owl:someValuesFrom :Kamerstuk ] .
:Dated owl:equivalentClass [ a owl:Restriction ; owl:onProperty :date ;
                             owl:someValuesFrom xsd:date ] .
:Both owl:intersectionOf ( :Fiche :Citing ) .
:Either owl:unionOf ( :Kamerstuk :Fiche ) .
:hasSignatory a owl:FunctionalProperty .
:Fiche rdfs:subClassOf [ a owl:Restriction ; owl:onProperty :signedBy ; owl:allValuesFrom :Person ] .
:sharesArticleWith owl:propertyChainAxiom ( :citesArticle [ owl:inverseOf :citesArticle ] ) .
"""


def ttl(text: str) -> list[Triple]:
    return [q.triple for q in parse(text, format=RdfFormat.TURTLE)]


def data(*lines: str) -> list[Triple]:
    return ttl(f"@prefix : <{EX}> . @prefix d: <{D}> . @prefix xsd: <{XSD}> .\n"
               + "\n".join(lines))


def inferred(*lines: str) -> set[str]:
    return {str(t) for t in infer(ttl(SCRATCH) + data(*lines))}


def t(s: str, p: str, o: str) -> str:
    return f"<{D}{s}> <{EX}{p}> <{o if ':' in o else D + o}>"


def a(s: str, cls: str) -> str:
    return f"<{D}{s}> <{RDF}type> <{EX}{cls}>"


def test_inverse_cited_by():
    assert t("k1", "citedBy", "f1") in inferred("d:f1 :cites d:k1 .")


def test_sub_properties_roll_specific_citations_up():
    out = inferred("d:f1 :citesKamerstuk d:k1 .")
    assert {t("f1", "cites", "k1"), t("f1", "refersTo", "k1"), t("k1", "citedBy", "f1")} <= out


def test_transitive_part_of():
    out = inferred("d:point-a :partOf d:par-2 . d:par-2 :partOf d:art-4 . d:art-4 :partOf d:tfeu .")
    assert {t("point-a", "partOf", "art-4"), t("point-a", "partOf", "tfeu"),
            t("par-2", "partOf", "tfeu")} <= out


def test_competence_through_property_chain():
    out = inferred("d:f1 :citesArticle d:art-4-2-a . d:art-4-2-a :assignsCompetence d:shared .")
    assert t("f1", "concernsCompetence", "shared") in out


def test_class_hierarchy_domain_range_and_equivalence():
    out = inferred("d:f1 a :Fiche ; :citesKamerstuk d:k1 .")
    assert {a("f1", "Assessment"), a("f1", "Document"), a("k1", "Kamerstuk"),
            a("k1", "ParliamentaryPaper"), a("k1", "Document"), a("f1", "Citing"),
            a("f1", "Both"), a("f1", "Either")} <= out


def test_all_values_from_and_chain_with_inverse_step():
    out = inferred("d:f1 a :Fiche ; :signedBy d:m ; :citesArticle d:a1 . d:f2 :citesArticle d:a1 .")
    assert {a("m", "Person"), t("f1", "sharesArticleWith", "f2"),
            t("f2", "sharesArticleWith", "f1")} <= out


def test_restrictions_symmetry_and_functional_same_as():
    out = inferred('d:f1 :shape :communication ; :related d:f2 ; :date "2025-01-01"^^xsd:date .',
                   "d:f3 :hasSignatory d:p1, d:p2 .")
    assert {a("f1", "Communication"), t("f2", "related", "f1"), a("f1", "Dated"),
            f"<{D}p1> <{OWL}sameAs> <{D}p2>", f"<{D}p2> <{OWL}sameAs> <{D}p1>"} <= out


def test_nothing_asserted_and_no_noise_comes_back():
    asserted = data("d:f1 a :Fiche ; :cites d:k1 . d:k1 :citedBy d:f1 .")
    out = infer(ttl(SCRATCH) + asserted)
    assert not set(asserted) & set(out)
    assert all(not isinstance(x.subject, Literal) for x in out)
    assert all(not (x.predicate.value == OWL + "sameAs" and x.subject == x.object) for x in out)


def test_has_key_is_reported_as_unsupported():
    rules = compile_rules(ttl(f"@prefix owl: <{OWL}> . <{EX}C> owl:hasKey ( <{EX}p> ) ."))
    assert rules.unsupported == ["owl:hasKey (prp-key)"]


# --- equality with owlrl ---------------------------------------------------------------------

AXIOMATIC = {RDF, RDFS, OWL, XSD}


def data_level(triples, ontology_terms) -> set[tuple]:
    """ABox triples: subject not an ontology or built-in term, no literal subject, no noise."""
    out = set()
    for s, p, o in triples:
        if isinstance(s, rdflib.Literal) or s in ontology_terms:
            continue
        if any(str(s).startswith(ns) for ns in AXIOMATIC):
            continue
        if p == rdflib.OWL.sameAs and s == o:
            continue
        if p == rdflib.RDF.type and o in (rdflib.OWL.Thing, rdflib.RDFS.Resource):
            continue
        out.add((s, p, o))
    return out


def to_rdflib(triples, bnodes: dict) -> rdflib.Graph:
    """An rdflib graph; ``bnodes`` keeps blank node labels the same across calls."""
    g = rdflib.Graph()
    g.parse(data="\n".join(f"{x} ." for x in triples), format="nt", bnode_context=bnodes)
    return g


def owlrl_matches(tbox: list, abox: list) -> tuple[set, set]:
    """Data-level closure by owlrl and by us: (only owlrl's, only ours)."""
    bnodes: dict = {}
    terms = set(to_rdflib(tbox, bnodes).all_nodes())
    reference = to_rdflib(tbox + abox, bnodes)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(reference)
    ours = to_rdflib(tbox + abox + infer(tbox + abox), bnodes)
    theirs, mine = data_level(reference, terms), data_level(ours, terms)
    assert data_level(to_rdflib(abox, bnodes), terms) <= mine
    return theirs - mine, mine - theirs


def test_scratch_closure_equals_owlrl():
    abox = data("d:f1 a :Fiche ; :citesKamerstuk d:k1 ; :citesArticle d:a1 ; :shape :communication ;",
                '  :related d:f2 ; :date "2025-01-01"^^xsd:date ; :hasSignatory d:p1, d:p2 .',
                "d:a1 :assignsCompetence d:shared ; :partOf d:art . d:art :partOf d:tfeu .",
                "d:k2 a :ParliamentaryPaper . d:f2 :cites d:k2 ; :citesArticle d:a1 .",
                "d:f1 :signedBy d:minister .")
    only_owlrl, only_ours = owlrl_matches(ttl(SCRATCH), abox)
    assert only_owlrl == set() and only_ours == set()


# --- the real ontology, reference data and corpus ------------------------------------------

B = "https://w3id.org/bnc-fiches/"
FICHE = B + "id/fiche/com-2025-723"  # 2025D46581, Apply AI strategy
TFEU = B + "id/treaty/tfeu"


def corpus():
    """(ontology, reference, fiche triples) of the real fiches in data/fiches, as built."""
    from pathlib import Path

    from kgbuild.build import iter_sources
    from kgbuild.mapping import map_record, ontology_quads
    from kgbuild.parse import parse_file

    fiches = list(iter_sources([Path(__file__).resolve().parent.parent / "data" / "fiches"]))
    assert len(fiches) >= 15
    data = [q.triple for p in fiches
            for q in map_record(parse_file(p), built_at="2025-01-01T00:00:00Z")]
    background = ontology_quads()
    onto = [q.triple for q in background if q.graph_name.value == B + "graph/ontology"]
    ref = [q.triple for q in background if q.graph_name.value == B + "graph/reference"]
    return onto, ref, data


def test_real_ontology_earns_its_reasoning():
    onto, ref, data = corpus()
    out = {str(x) for x in infer(onto + ref + data)}
    o = B + "ontology#"

    def has(s, p, obj):
        return f"<{s}> <{p}> <{obj}>" in out

    kst = B + "id/kamerstuk/26643-640"
    assert has(kst, o + "citedBy", FICHE)  # inverse
    assert has(FICHE, o + "cites", kst)  # citesKamerstuk rolled up to cites
    assert has(FICHE, "http://purl.org/dc/terms/references", kst)  # and on to dcterms
    assert has(f"{TFEU}/art-4/par-2/point-a", o + "partOf", TFEU)  # transitive part-of
    assert has(TFEU, o + "hasPart", f"{TFEU}/art-4/par-2/point-a")  # and its inverse
    assert has(FICHE, o + "underCompetence", B + "id/competence/shared/internal-market")  # chain
    assert has(FICHE, o + "underCompetence", B + "id/competence/shared")  # chain via broader
    com = "http://publications.europa.eu/resource/celex/52025DC0723"
    rdf_type = RDF + "type"
    assert has(com, rdf_type, o + "NonLegislativeDocument")  # document kind superclasses
    assert has(com, rdf_type, o + "CommissionDocument") and has(com, rdf_type, o + "EUDocument")


def test_corpus_closure_equals_owlrl():
    onto, ref, data = corpus()
    only_owlrl, only_ours = owlrl_matches(onto, ref + data)
    assert only_owlrl == set() and only_ours == set()
    assert len(infer(onto + ref + data)) > 1000  # the comparison is not about nothing
