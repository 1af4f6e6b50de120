"""The mapper: the seed fiche's reviewed graph, keys, IRIs, COM/CELEX pairing, evidence, speed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from kgbuild.errors import InputError
from kgbuild.mapping import ONTOLOGY_FILE, fiche_key, map_record, ontology_quads
from kgbuild.record import FicheRecord, KamerstukRef, Mention, TreatyArticle, record_from_json

ROOT = Path(__file__).resolve().parent.parent
GOLD = sorted((ROOT / "tests" / "gold").glob("*.json"))
SEED_RECORD = ROOT / "tests" / "expected" / "seed-record.json"
SEED_GRAPH = ROOT / "tests" / "expected" / "seed-fiche.trig"
BASE = "https://w3id.org/bnc-fiches/"
BNC = rdflib.Namespace(BASE + "ontology#")
CELEX = "http://publications.europa.eu/resource/celex/"
FIXED = dict(built_at="2025-11-14T17:45:00Z", checksum="sha256:SEED", parser_version="kgbuild 0.1.0")


def gold(name: str) -> FicheRecord:
    return record_from_json(json.loads((ROOT / "tests" / "gold" / f"{name}.json").read_text()))


def seed() -> FicheRecord:
    return record_from_json(json.loads(SEED_RECORD.read_text()))


def to_graph(quads) -> rdflib.Graph:
    data = ox.serialize([ox.Triple(q.subject, q.predicate, q.object) for q in quads],
                        format=ox.RdfFormat.N_TRIPLES)
    return rdflib.Graph().parse(data=data.decode(), format="nt")


def fiche(record: FicheRecord) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}id/fiche/{fiche_key(record)}")


# --- the reviewed graph of the seed fiche ----------------------------------------------------


def test_seed_fiche_graph_is_the_reviewed_graph():
    quads = map_record(seed(), **FIXED)
    assert {q.graph_name.value for q in quads} == {BASE + "graph/fiche/com-2025-723"}
    expected = rdflib.Dataset()
    expected.parse(SEED_GRAPH, format="trig")
    want = expected.graph(rdflib.URIRef(BASE + "graph/fiche/com-2025-723"))
    got = to_graph(quads)
    if not isomorphic(got, want):
        def plain(g):  # triples without blank nodes, readable in a diff
            return {t for t in g if not any(isinstance(x, rdflib.BNode) for x in t)}
        only_got = sorted(plain(got) - plain(want))
        only_want = sorted(plain(want) - plain(got))
        pytest.fail(f"mapped graph ({len(got)} triples) differs from tests/expected/seed-fiche.trig "
                    f"({len(want)}); without blank nodes, only mapped: {only_got}, only expected: "
                    f"{only_want}; otherwise the difference is in citations, taggings or provenance")


def test_seed_fiche_from_the_parser_matches_the_reviewed_record_where_both_know():
    """The frozen seed record is what the parser makes of the .docx (plus the open-data fields)."""
    from kgbuild.parse import parse_file

    parsed = parse_file(ROOT / "data" / "fiches" / "2025D46581.docx")
    frozen = seed()
    for name in ("title", "com_numbers", "council_formation"):
        assert getattr(parsed, name) == getattr(frozen, name), name
    for name in ("celex", "ministries", "cited_eu_acts", "treaty_articles"):  # lists compare as sets
        assert set(getattr(parsed, name)) == set(getattr(frozen, name)), name
    assert {k.key for k in parsed.cited_kamerstukken} == {k.key for k in frozen.cited_kamerstukken}


# --- keys and IRIs ---------------------------------------------------------------------------


def test_fiche_key_follows_the_contract():
    assert fiche_key(gold("2025D46581")) == "com-2025-723"
    assert fiche_key(gold("2020D39910")) == "kst-22112-2936"  # no COM number in the cut-off text
    assert fiche_key(FicheRecord(tk_document_number="2025D46581", title="x")) == "2025d46581"
    a = fiche_key(FicheRecord(title="Besluit  ter verbetering"))
    assert a == fiche_key(FicheRecord(title="besluit ter verbetering")) and re.fullmatch(r"t-[0-9a-f]{12}", a)
    assert fiche_key(FicheRecord(com_numbers=["COM(2013) 534"], kamerstuk=KamerstukRef("22112", "1"))) \
        == "com-2013-534"


def test_record_without_any_key_is_an_input_error():
    with pytest.raises(InputError, match="no COM number"):
        map_record(FicheRecord(source="x.docx"))


# IRI patterns of docs/CONTRACTS.md, for every IRI the mapper mints under the base.
CONTRACT_PATTERNS = [
    r"id/fiche/((com|join)-\d{4}-\d+|kst-[0-9a-z-]+|\d{4}d\d+|t-[0-9a-f]{12})",
    r"graph/fiche/[0-9a-z-]+",
    r"id/kamerstuk/\d+(-\d+)?-[0-9A-Za-z]+",
    r"id/dossier/\d+(-\d+)?",
    r"id/treaty/(tfeu|teu)(/art-[0-9a-z]+(/par-[0-9a-z]+)?(/point-[0-9a-z]+)?)?",
    r"id/competence/(exclusive|shared|supporting|coordinating)(/[a-z0-9-]+)?",
    r"id/sector/[a-z0-9-]+",
    r"id/ministry/[a-z0-9-]+",
    r"id/council-formation/[a-z0-9-]+",
    r"id/verdict/(positief|negatief|positief-met-kanttekeningen)",
    r"id/person/[a-z0-9-]+",
    r"ontology#\w+",
]


@pytest.mark.parametrize("path", GOLD + [SEED_RECORD], ids=lambda p: p.stem)
def test_minted_iris_follow_contracts(path):
    quads = map_record(record_from_json(json.loads(path.read_text())), **FIXED)
    minted = {t.value for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)
              if isinstance(t, ox.NamedNode) and t.value.startswith(BASE)}
    bad = [i for i in minted if not any(re.fullmatch(p, i[len(BASE):]) for p in CONTRACT_PATTERNS)]
    assert minted and not bad
    eu = {t.value for q in quads for t in (q.subject, q.object)
          if isinstance(t, ox.NamedNode) and "publications.europa.eu/resource/celex/" in t.value}
    assert all(re.fullmatch(r"http://publications\.europa\.eu/resource/celex/"
                            r"([0-9]{5}[A-Z]{1,2}[0-9]{4}|1[0-9]{4}[EM][0-9]{3})", i)  # acts, treaty articles
               for i in eu)


def test_every_mapped_predicate_and_class_is_declared_in_the_ontology():
    ontology = rdflib.Graph().parse(ONTOLOGY_FILE)
    declared = set(ontology.subjects(rdflib.RDF.type, None))
    builtin = {str(rdflib.RDF.type), str(rdflib.RDFS.label)}
    used = set()
    for path in GOLD + [SEED_RECORD]:
        for q in map_record(record_from_json(json.loads(path.read_text())), **FIXED):
            used.add(q.predicate.value)
            if q.predicate.value == str(rdflib.RDF.type):
                used.add(q.object.value)
    undeclared = sorted(u for u in used - builtin if rdflib.URIRef(u) not in declared)
    assert not undeclared


def test_other_base_moves_every_minted_iri():
    quads = map_record(seed(), base="https://example.org/kg/", **FIXED)
    values = {t.value for q in quads for t in (q.subject, q.predicate, q.object, q.graph_name)
              if isinstance(t, ox.NamedNode)}
    assert "https://example.org/kg/id/fiche/com-2025-723" in values
    assert "https://example.org/kg/ontology#Fiche" in values
    assert "https://example.org/kg/id/sector/robotica" in values
    assert not [v for v in values if v.startswith(BASE)]


# --- Commission documents: COM <-> CELEX ------------------------------------------------------


def test_com_numbers_pair_with_stated_celex_by_year_and_number():
    rec = gold("kst-22112-3458")  # COM(2022) 197 and 196; CELEX listed the other way round
    g = to_graph(map_record(rec, **FIXED))
    reg, com = rdflib.URIRef(CELEX + "52022PC0197"), rdflib.URIRef(CELEX + "52022DC0196")
    assert set(g.objects(fiche(rec), BNC.assesses)) == {reg, com}
    assert g.value(reg, BNC.comNumber) == rdflib.Literal("COM(2022) 197")
    assert (reg, rdflib.RDF.type, BNC.RegulationProposal) in g  # "Mededeling en verordening …"
    assert (com, rdflib.RDF.type, BNC.Communication) in g
    assert g.value(reg, BNC.celexDerived).toPython() is False
    assert g.value(com, BNC.comnatWork) == rdflib.URIRef(
        "http://publications.europa.eu/resource/comnat/COM_2022_0196_FIN")


def test_com_without_celex_is_derived_from_the_title_and_marked():
    rec = gold("kst-22112-2958")  # "Proposal for a regulation …", no EUR-Lex field
    g = to_graph(map_record(rec, **FIXED))
    doc = rdflib.URIRef(CELEX + "52020PC0612")
    assert set(g.objects(fiche(rec), BNC.assesses)) == {doc}
    assert g.value(doc, BNC.celexDerived).toPython() is True
    assert (doc, rdflib.RDF.type, BNC.RegulationProposal) in g
    assert g.value(doc, rdflib.URIRef("http://publications.europa.eu/ontology/cdm#resource_legal_id_celex")) \
        == rdflib.Literal("52020PC0612")

    comm = FicheRecord(title="Mededeling over iets", com_numbers=["COM(2024) 5"])
    g = to_graph(map_record(comm, **FIXED))
    assert g.value(rdflib.URIRef(CELEX + "52024DC0005"), BNC.celexDerived).toPython() is True


def test_cited_acts_get_their_kind_and_eli():
    g = to_graph(map_record(gold("2025D17740"), **FIXED))
    assert (rdflib.URIRef(CELEX + "32008L0115"), rdflib.RDF.type, BNC.Directive) in g
    assert g.value(rdflib.URIRef(CELEX + "32004D0191"), BNC.eli) == \
        rdflib.URIRef("http://data.europa.eu/eli/dec/2004/191/oj")
    g = to_graph(map_record(gold("kst-22112-2958"), **FIXED))
    assert g.value(rdflib.URIRef(CELEX + "32008R0767"), BNC.eli) == \
        rdflib.URIRef("http://data.europa.eu/eli/reg/2008/767/oj")


# --- fiche, letter, Kamerstukken ---------------------------------------------------------------


def test_own_kamerstuk_siblings_and_cover_letter():
    rec = gold("2025D17740")
    g = to_graph(map_record(rec, **FIXED))
    own = rdflib.URIRef(BASE + "id/kamerstuk/22112-4031")
    sibling = rdflib.URIRef(BASE + "id/kamerstuk/22112-4030")
    assert g.value(fiche(rec), BNC.kamerstuk) == own
    assert (own, BNC.inDossier, rdflib.URIRef(BASE + "id/dossier/22112")) in g
    assert (fiche(rec), BNC.sentWith, sibling) in g
    letter = g.value(fiche(rec), BNC.coverLetter)
    assert set(g.objects(letter, BNC.batchMember)) == {own, sibling}
    assert g.value(letter, BNC.signatory) == rdflib.URIRef(BASE + "id/person/ccj-veldkamp")


def test_eerste_kamer_letters_and_dossier_suffixes_keep_their_shape():
    rec = FicheRecord(title="T", cited_kamerstukken=[KamerstukRef("21501-30", "612"), KamerstukRef("36300", "D")])
    g = to_graph(map_record(rec, **FIXED))
    cited = set(g.objects(fiche(rec), BNC.citesKamerstuk))
    assert cited == {rdflib.URIRef(BASE + "id/kamerstuk/21501-30-612"), rdflib.URIRef(BASE + "id/kamerstuk/36300-D")}
    assert (rdflib.URIRef(BASE + "id/kamerstuk/21501-30-612"), BNC.inDossier,
            rdflib.URIRef(BASE + "id/dossier/21501-30")) in g


def test_sparse_record_maps_without_error():
    rec = FicheRecord(title="T", verdicts=None, sections=None, mentions=None)
    g = to_graph(map_record(rec, **FIXED))
    assert (fiche(rec), rdflib.RDF.type, BNC.Fiche) in g


def test_unknown_verdict_text_and_bad_dates_are_left_out():
    rec = FicheRecord(title="T", date_sent="14 november 2025")
    rec.verdicts.bevoegdheid = "onduidelijk"
    g = to_graph(map_record(rec, **FIXED))
    assert g.value(fiche(rec), BNC.competenceVerdict) is None
    assert g.value(fiche(rec), rdflib.DCTERMS.issued) is None


# --- evidence and sectors ------------------------------------------------------------------------


def test_each_citation_is_traced_to_its_footnote_paragraph_or_field():
    rec = FicheRecord(title="T", legal_basis=[TreatyArticle("TFEU", "114")],
                      cited_kamerstukken=[KamerstukRef("22112", "3457")],
                      mentions=[Mention("legal_basis", "TFEU-114", "field:legal_basis", "artikel 114 VWEU"),
                                Mention("cited_kamerstukken", "22112-3457", "footnote:4", "(Kamerstuk 22 112, nr. 3457)"),
                                Mention("cited_kamerstukken", "22112-3457", "body:7", "zie Kamerstuk 22 112, nr. 3457"),
                                Mention("cited_eu_acts", "32099R9999", "footnote:5", "not in the record: skipped")])
    g = to_graph(map_record(rec, **FIXED))
    citations = list(g.objects(fiche(rec), BNC.hasCitation))
    assert len(citations) == 3
    body = [c for c in citations if str(g.value(c, BNC.location)) == "body:7"]
    assert len(body) == 1 and g.value(body[0], BNC.paragraph).toPython() == 7
    by_target = {g.value(c, BNC.citedResource): c for c in citations if c not in body}
    art = by_target[rdflib.URIRef(BASE + "id/treaty/tfeu/art-114")]
    assert g.value(art, BNC.field) == rdflib.Literal("legal_basis")
    kst = by_target[rdflib.URIRef(BASE + "id/kamerstuk/22112-3457")]
    assert g.value(kst, BNC.footnote) == rdflib.Literal("4")
    assert str(g.value(kst, rdflib.URIRef("http://www.w3.org/ns/prov#value"))) == "(Kamerstuk 22 112, nr. 3457)"
    assert set(g.objects(fiche(rec), BNC.citesInFootnote)) == {rdflib.URIRef(BASE + "id/kamerstuk/22112-3457")}
    assert (fiche(rec), BNC.legalBasis, rdflib.URIRef(BASE + "id/treaty/tfeu/art-114")) in g


def test_sector_tagging_records_method_keyword_and_place():
    rec = FicheRecord(title="Verordening inzake robotica", sections={"essence": "Over de landbouw."})
    g = to_graph(map_record(rec, **FIXED))
    assert set(g.objects(fiche(rec), BNC.inSector)) == {rdflib.URIRef(BASE + "id/sector/robotica"),
                                                        rdflib.URIRef(BASE + "id/sector/agrifood")}
    tags = {g.value(t, BNC.sector).rsplit("/", 1)[1]: t for t in g.objects(fiche(rec), BNC.sectorTagging)}
    assert g.value(tags["robotica"], BNC.section) == rdflib.Literal("title")
    assert g.value(tags["agrifood"], BNC.matchedKeyword) == rdflib.Literal("landbouw")
    assert g.value(tags["agrifood"], BNC.taggingMethod) == BNC.keywordMatch
    # whole words only: "bouwen" is not "bouw", "energiek" is not "energie"
    g = to_graph(map_record(FicheRecord(title="Samen bouwen, energiek"), **FIXED))
    assert not list(g.objects(None, BNC.inSector))


def test_provenance_of_the_graph_is_in_the_graph():
    quads = map_record(gold("2025D46581"), source="https://example.org/f.docx", **FIXED)
    g = to_graph(quads)
    graph = rdflib.URIRef(BASE + "graph/fiche/com-2025-723")
    src = g.value(graph, BNC.sourceFile)
    assert src == rdflib.URIRef("https://example.org/f.docx")
    assert g.value(src, BNC.checksum) == rdflib.Literal("sha256:SEED")
    assert g.value(graph, rdflib.URIRef("http://www.w3.org/ns/prov#generatedAtTime")).toPython().year == 2025
    activity = g.value(graph, rdflib.URIRef("http://www.w3.org/ns/prov#wasGeneratedBy"))
    assert g.value(activity, BNC.parserVersion) == rdflib.Literal("kgbuild 0.1.0")


# --- reference data and speed ----------------------------------------------------------------------


def test_ontology_quads_go_to_their_own_graphs():
    graphs = {q.graph_name.value for q in ontology_quads()}
    assert graphs == {BASE + "graph/ontology", BASE + "graph/reference"}
