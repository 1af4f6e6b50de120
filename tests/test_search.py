"""Full-text search (kgbuild/search.py): the index the build writes, queries (stemming, phrase,
prefix, exclusion), ranking, filters, snippets with anchors, errors, and the SPARQL search
service joined with graph patterns on the built corpus store."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kgbuild.build import build
from kgbuild.federation import ServiceBlock, find_services
from kgbuild.query import find_query, load_catalogue, read_prefixes, run_query
from kgbuild.record import FicheRecord, Footnote, Verdicts
from kgbuild.search import (INDEX_DIR, SEARCH_SERVICE, SearchError, SearchService, build_index,
                            search)
from tests.helpers import corpus_store, kgbuild

BASE = "https://w3id.org/bnc-fiches/"
FICHE = BASE + "id/fiche/"
SEED = FICHE + "com-2025-723"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    """A small index of constructed fiches, each with a known text, year, ministry, verdicts."""
    records = [
        ("com-2021-804", FicheRecord(
            title="Verordening waterstofnetten", date_sent="2022-01-14",
            ministries=["Ministerie van Economische Zaken en Klimaat"],
            verdicts=Verdicts("positief", "negatief", "negatief"),
            sections={"essence": "De Commissie stelt regels voor netten.\n\nDe markt voor groene "
                                 "waterstof groeit snel; waterstof wordt vervoerd.",
                      "subsidiarity": "Het kabinet is negatief over de subsidiariteit."},
            footnotes=[Footnote("1", "Kamerstuk 32 813, nr. 1.")])),
        ("com-2020-299", FicheRecord(
            title="Mededeling waterstofstrategie", date_sent="2020-09-04",
            ministries=["Ministerie van Economische Zaken en Klimaat"],
            verdicts=Verdicts(subsidiariteit="positief"),
            sections={"essence": "Een aanpak voor waterstof in Europa; financiële steun."})),
        ("com-2020-301", FicheRecord(
            title="Mededeling windenergie op zee", date_sent="2020-12-11",
            ministries=["Ministerie van Infrastructuur en Waterstaat"],
            sections={"essence": "Windparken op zee; geen groene waterstof genoemd hier niet."},
            proposal_titles=["Strategie voor offshore hernieuwbare energie"])),
    ]
    path = tmp_path_factory.mktemp("search") / INDEX_DIR
    stats = build_index([(FICHE + key, rec) for key, rec in records], path)
    assert (stats.fiches, stats.passages) == (3, 10)
    return path


def keys(hits):
    return [h.key for h in hits]


def test_dutch_stemming_finds_other_forms(index):
    assert set(keys(search(index, "waterstofnet"))) == {"com-2021-804"}  # waterstofnetten
    assert set(keys(search(index, "net"))) == {"com-2021-804"}  # netten
    assert set(keys(search(index, "strategie"))) == {"com-2020-301"}  # not waterstofstrategie
    assert set(keys(search(index, "Financiëel"))) == {"com-2020-299"}  # financiële


def test_phrase_prefix_exclusion_and_or(index):
    assert set(keys(search(index, '"groene waterstof"'))) == {"com-2021-804", "com-2020-301"}
    assert keys(search(index, '"waterstof groene"')) == []
    assert set(keys(search(index, "waterstof*"))) == {"com-2021-804", "com-2020-299", "com-2020-301"}
    assert set(keys(search(index, "waterstof -wind*"))) == {"com-2021-804", "com-2020-299"}
    assert set(keys(search(index, "offshore OR windparken"))) == {"com-2020-301"}
    # every word must occur in the fiche, not in one passage; the passage with most is quoted
    hit, = search(index, "waterstof offshore")
    assert hit.key == "com-2020-301" and hit.anchor in ("proposal-titles", "section-essence-1")


def test_ranked_one_hit_per_fiche_with_its_best_passage_quoted(index):
    hits = search(index, "waterstof")
    assert len(hits) == len({h.fiche for h in hits}) == 3
    assert hits == sorted(hits, key=lambda h: -h.score)
    best = {h.key: h for h in hits}["com-2021-804"]
    assert best.matches == 1 and best.anchor == "section-essence-2" and best.section == "essence"
    assert {h.key: h for h in search(index, "waterstof*")}["com-2021-804"].matches == 2
    assert "<b>waterstof</b>" in best.snippet_html and "waterstof" in best.snippet
    assert best.snippet in best.passage and best.year == 2022
    assert search(index, "Kamerstuk")[0].anchor == "footnote-1"
    assert search(index, "offshore")[0].anchor == "proposal-titles"


def test_a_word_in_the_title_ranks_first(tmp_path):
    records = [
        (FICHE + "com-2020-1", FicheRecord(title="Mededeling energie", sections={
            "essence": "Over batterijen en netten. " * 3 + "Ook batterijen voor opslag."})),
        (FICHE + "com-2020-2", FicheRecord(title="Verordening batterijen", sections={
            "essence": "Regels voor de markt en voor recycling van afval."})),
    ]
    build_index(records, tmp_path / INDEX_DIR)
    assert keys(search(tmp_path / INDEX_DIR, "batterijen")) == ["com-2020-2", "com-2020-1"]


def test_paging(index):
    every = keys(search(index, "waterstof"))
    assert keys(search(index, "waterstof", limit=1, offset=1)) == every[1:2]
    assert search(index, "waterstof", offset=5) == []


@pytest.mark.parametrize("filters, found", [
    ({"year": 2020}, {"com-2020-299", "com-2020-301"}),
    ({"year": "2021-2022"}, {"com-2021-804"}),
    ({"ministry": "Infrastructuur en Waterstaat"}, {"com-2020-301"}),
    ({"ministry": "Ministerie van Economische Zaken en Klimaat"}, {"com-2021-804", "com-2020-299"}),
    ({"verdict": "negatief"}, {"com-2021-804"}),
    ({"verdict": "subsidiariteit:positief"}, {"com-2020-299"}),
    ({"verdict": "subsidiarity:negative", "year": 2022}, {"com-2021-804"}),
    ({"verdict": "bevoegdheid:negatief"}, set()),
])
def test_filters(index, filters, found):
    assert set(keys(search(index, "waterstof*", **filters))) == found


@pytest.mark.parametrize("q, filters, message", [
    ("", {}, "empty search"),
    ("waterstof AND (", {}, "tantivy cannot read it"),
    ("waterstof", {"year": "twintig"}, "give a year"),
    ("waterstof", {"verdict": "misschien"}, "give positief, negatief"),
    ("waterstof", {"limit": 0}, "limit must be 1 or more"),
])
def test_bad_searches_get_one_line(index, q, filters, message):
    with pytest.raises(SearchError) as err:
        search(index, q, **filters)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_no_index_is_said(tmp_path):
    with pytest.raises(SearchError, match="no search index at"):
        search(tmp_path / INDEX_DIR, "waterstof")


# --- the index the build writes ------------------------------------------------------------------


def test_the_build_writes_the_index_into_the_build_directory(store):
    report = json.loads((store / "report.json").read_text())
    assert "index" in report["timings_s"] and report["counts"]["search_passages"] > 50
    assert (store.resolve() / INDEX_DIR / "meta.json").is_file()
    hits = search(store / INDEX_DIR, "kritieke grondstoffen")
    assert set(keys(hits)) == {"kst-22112-2936", "com-2025-945"}
    ai = search(store / INDEX_DIR, '"Frontier AI"')
    assert keys(ai) == ["com-2025-723"] and ai[0].anchor.startswith("section-essence-")
    assert "<b>Frontier</b> <b>AI</b>" in ai[0].snippet_html


def test_the_index_is_swapped_with_the_store(tmp_path):
    store = tmp_path / "store"
    build(["data/fiches/2020D39910.txt"], store, progress=False)
    first = store.resolve()
    assert keys(search(store / INDEX_DIR, "grondstoffen")) == ["kst-22112-2936"]
    build(["data/fiches/2025D46581.docx"], store, progress=False)
    assert store.resolve() != first
    assert search(store / INDEX_DIR, "grondstoffen") == []
    assert keys(search(store / INDEX_DIR, "AI-strategie")) == ["com-2025-723"]
    assert keys(search(first / INDEX_DIR, "grondstoffen")) == ["kst-22112-2936"]  # old build kept


def test_kgbuild_search_command(store):
    result = kgbuild("search", "grondstoffen", "--store", str(store), "--year", "2020",
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [h["key"] for h in json.loads(result.stdout)["hits"]] == ["kst-22112-2936"]
    none = kgbuild("search", "zzqqx", "--store", str(store))
    assert none.returncode == 1 and "no fiche" in none.stderr
    bad = kgbuild("search", "AI", "--verdict", "bla", "--store", str(store))
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1


# --- the SPARQL search service -------------------------------------------------------------------


def block(body: str, iri: str = SEARCH_SERVICE) -> ServiceBlock:
    """The SERVICE block of ``body`` as kgbuild.federation finds it in a query."""
    prologue = "".join(f"PREFIX {p}: <{i}>\n" for p, i in read_prefixes().items())
    [found] = find_services(f"{prologue}SELECT * WHERE {{ SERVICE <{iri}> {{ {body} }} }}")
    return found


def run_with_search(store, text: str):
    """Run a query on the store the way `kgbuild query` does: kgbuild evaluates the search
    SERVICE block (federation.resolve_services with the store's SearchService), Oxigraph the rest."""
    results = run_query(str(_write(store, text)), store=store)
    projected = [v.value for v in results.variables]
    return [{n: row[n].value for n in projected if row[n] is not None} for row in results]


def _write(store, text: str):
    path = store.parent / "search-query.rq"
    path.write_text(text, encoding="utf-8")
    return path


def test_service_joined_with_graph_patterns(store):
    text = """PREFIX bnc: <https://w3id.org/bnc-fiches/ontology#>
    PREFIX competence: <https://w3id.org/bnc-fiches/id/competence/>
    SELECT ?fiche ?score ?anchor WHERE {
      SERVICE <https://w3id.org/bnc-fiches/search> {
        ?fiche bnc:matches "grondstoffen OR AI" ; bnc:score ?score ; bnc:anchor ?anchor }
      ?fiche bnc:underCompetence competence:shared ;
             bnc:subsidiarityVerdict <https://w3id.org/bnc-fiches/id/verdict/positief> .
    }"""
    [found] = find_services(text)
    names, rows = SearchService(store)(found, [])
    assert {r["fiche"].value for r in rows} == {SEED, FICHE + "kst-22112-2936", FICHE + "com-2025-945"}
    joined = run_with_search(store, text)
    assert [r["fiche"] for r in joined] == [SEED]  # the only one under shared competence, positief
    assert float(joined[0]["score"]) > 0 and joined[0]["anchor"]


def test_catalogue_search_queries_run_through_the_service(store):
    searching = [q for q in load_catalogue() if q.endpoint == SEARCH_SERVICE]
    assert {q.name for q in searching} == {"search-fiches", "search-with-competence-and-verdict"}
    rows = run_with_search(store, find_query("search-fiches").text)  # via kgbuild query, below too
    assert {r["fiche"] for r in rows} == {FICHE + "kst-22112-2936", FICHE + "com-2025-945"}
    assert all(r["title"] and r["snippet"] and r["anchor"] for r in rows)
    # no fiche of the corpus gave a negative subsidiarity verdict: an empty answer, no error
    assert run_with_search(store, find_query("search-with-competence-and-verdict").text) == []


def test_service_with_a_fiche_iri_subject_and_known_bindings(store):
    service = SearchService(store)
    names, rows = service(block(f'<{SEED}> bnc:matches "AI" ; bnc:score ?s'), [])
    assert names == ["s"] and len(rows) == 1
    names, rows = service(block(f'<{SEED}> bnc:matches "grondstoffen" ; bnc:score ?s'), [])
    assert rows == []
    names, rows = service(block('?f bnc:matches "grondstoffen" ; bnc:searchLimit 1'), [])
    assert len(rows) == 1
    known = [{"f": ox.NamedNode(FICHE + "com-2025-945")}]  # ranked second: the limit is not in the way
    names, rows = service(block('?f bnc:matches "grondstoffen" ; bnc:searchLimit 1'), known)
    assert [r["f"].value for r in rows] == [FICHE + "com-2025-945"]
    names, rows = service(block('?f bnc:matches "grondstoffen"'), [{"f": ox.Literal("x")}])
    assert rows == []


@pytest.mark.parametrize("body, message", [
    ("?f bnc:score ?s", "needs ?fiche bnc:matches"),
    ('?f bnc:matches ?words', "cannot answer"),
    ('?f bnc:matches "AI" ; bnc:title ?t', "cannot answer"),
    ('?f bnc:matches "AI" . ?g bnc:score ?s', "one subject only"),
    ('?f bnc:matches "AI" ; bnc:searchLimit 0', "cannot answer"),
    ('?f bnc:matches "AI AND ("', "tantivy cannot read it"),
    ('?f bnc:matches "AI" OPTIONAL { ?f bnc:score ?s }', "not a basic graph pattern"),
])
def test_service_refuses_what_it_cannot_answer_in_one_line(store, body, message):
    with pytest.raises(ValueError) as err:
        SearchService(store)(block(body), [])
    assert message in str(err.value) and str(err.value).startswith(f"SERVICE <{SEARCH_SERVICE}>")
