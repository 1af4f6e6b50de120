"""The query catalogue (queries/*.rq) and `kgbuild query`: every query parses and returns the
expected rows on the real corpus, run on the store and through a real endpoint on loopback.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from rdflib.plugins.sparql import prepareQuery

from kgbuild.query import QUERIES_DIR, load_catalogue, read_prefixes
from kgbuild.serve import spawn
from tests.helpers import corpus_store, kgbuild, rows_of

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/bnc-fiches/"
SEED = BASE + "id/fiche/com-2025-723"
CATALOGUE = load_catalogue()
REQUIRED = ["fiches-citing-kamerstuk", "fiches-citing-eu-act", "fiches-by-treaty-article",
            "fiches-by-competence", "verdicts-per-year", "fiches-per-sector",
            "fiches-per-ministry", "fiches-per-council-formation", "most-cited-kamerstukken",
            "most-cited-eu-acts", "eurlex-proposals"]

# name -> (parameters, a row that must be in the answer: {variable: value})
EXPECTED = {
    "fiches-citing-kamerstuk": (["kamerstuk=26643-640"],
                                {"kamerstuk": BASE + "id/kamerstuk/26643-640", "fiche": SEED,
                                 "title": "Mededeling Apply AI-strategie"}),
    "fiches-citing-eu-act": (["celex=32024R1689"],
                             {"fiche": SEED, "eli": "http://data.europa.eu/eli/reg/2024/1689/oj"}),
    # article 4 as a whole: the fiche cites only sub-provisions (4(2)(a), 4(3))
    "fiches-by-treaty-article": (["article=TFEU-4"],
                                 {"fiche": SEED,
                                  "provision": BASE + "id/treaty/tfeu/art-4/par-2/point-a"}),
    # inferred: TFEU art. 4(2)(a) grants shared competence in the internal market
    "fiches-by-competence": (["competence=shared"],
                             {"fiche": SEED, "category": BASE + "id/competence/shared"}),
    "verdicts-per-year": ([], {"year": "2025", "aspect": "subsidiariteit", "verdict": "positief"}),
    "fiches-per-sector": ([], {"sector": BASE + "id/sector/robotica"}),
    "fiches-per-ministry": ([], {"ministry": BASE + "id/ministry/economische-zaken",
                                 "fiches": "1"}),
    "fiches-per-council-formation": ([], {"formation": BASE + "id/council-formation/"
                                          "raad-voor-vervoer-telecom-en-energie-telecom"}),
    "most-cited-kamerstukken": ([], {"kamerstuk": BASE + "id/kamerstuk/26643-640",
                                     "identifier": "kst-26643-640"}),
    "most-cited-eu-acts": ([], {"act": "http://publications.europa.eu/resource/celex/32024R1689",
                                "celex": "32024R1689"}),
    "fiche-proposals": ([], {"fiche": SEED, "celex": "52025DC0723", "com": "COM(2025) 723"}),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


@pytest.fixture(scope="module")
def endpoint(store):
    proc, url = spawn(store)
    yield url
    proc.terminate()
    proc.wait(10)


def test_the_catalogue_has_every_required_question():
    names = {q.name for q in CATALOGUE}
    assert set(REQUIRED) <= names
    federated = {"eurlex-proposals", "eurlex-outcomes", "eurlex-legal-basis",
                 "eurlex-shared-subjects"}  # tested against Virtuoso in test_federation.py
    # those asking the search service are tested in tests/test_search.py
    searching = {q.name for q in CATALOGUE if q.endpoint == "https://w3id.org/bnc-fiches/search"}
    assert searching and set(EXPECTED) | federated | searching == names  # every query is tested


@pytest.mark.parametrize("query", CATALOGUE, ids=lambda q: q.name)
def test_every_query_has_a_header_and_parses(query):
    assert query.summary and query.description, f"{query.path}: needs Summary and Description"
    prepareQuery(query.text)  # rdflib's parser: parse only, nothing is run (no SERVICE call)
    for line in query.text.splitlines():
        if line.upper().startswith("PREFIX"):  # the project's prefixes are the same everywhere
            name, iri = line.split()[1].rstrip(":"), line.split()[2].strip("<>")
            assert read_prefixes().get(name, iri) == iri, f"{query.name}: prefix {name}:"


@pytest.mark.parametrize("query", [q for q in CATALOGUE if q.endpoint
                                   and q.endpoint != "https://w3id.org/bnc-fiches/search"],
                         ids=lambda q: q.name)
def test_federated_queries_name_their_endpoint_and_join_on_alias_iris(query):
    from kgbuild.federation import find_services

    assert query.endpoint == "https://publications.europa.eu/webapi/rdf/sparql"
    blocks = find_services(query.text)
    assert [b.iri for b in blocks] == [query.endpoint]
    # CELLAR's CELEX literals are xsd:string, which Virtuoso does not match with a plain
    # literal: the block joins on the alias IRI (owl:sameAs celex:…) instead
    assert "owl:sameAs ?" in blocks[0].body


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_query_returns_expected_rows_on_store_and_endpoint(name, store, endpoint):
    params, expected = EXPECTED[name]
    args = [x for p in params for x in ("--param", p)]
    on_store = kgbuild("query", name, *args, "--format", "json", "--store", str(store))
    on_endpoint = kgbuild("query", name, *args, "--format", "json", "--endpoint", endpoint)
    for result in (on_store, on_endpoint):
        assert result.returncode == 0, result.stderr
        rows = rows_of(result.stdout)
        assert any(all(row.get(k) == v for k, v in expected.items()) for row in rows), rows
    same = sorted(map(str, rows_of(on_store.stdout))), sorted(map(str, rows_of(on_endpoint.stdout)))
    assert same[0] == same[1]


def test_parameter_narrows_the_answer(store):
    everything = rows_of(kgbuild("query", "fiches-citing-kamerstuk", "--format", "json",
                                 "--store", str(store)).stdout)
    one = rows_of(kgbuild("query", "fiches-citing-kamerstuk", "-p", "kamerstuk=26643-640",
                          "--format", "json", "--store", str(store)).stdout)
    assert len(everything) > len(one) >= 1
    assert {r["kamerstuk"] for r in one} == {BASE + "id/kamerstuk/26643-640"}


def test_parameter_values_are_terms_not_query_text(store, endpoint):
    hostile = 'x" } ?s ?p ?o { "'
    for target in (["--store", str(store)], ["--endpoint", endpoint]):
        result = kgbuild("query", "fiches-by-competence", "-p", f"competence={hostile}",
                         "--format", "json", *target)
        assert result.returncode == 0, result.stderr
        assert rows_of(result.stdout) == []
        # a typed parameter (CELEX, resolved by kgbuild.lookup) refuses it in one line
        refused = kgbuild("query", "fiches-citing-eu-act", "-p", f"celex={hostile}", *target)
        assert refused.returncode == 2 and "is not a CELEX number" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1


def test_table_and_csv_output(store):
    table = kgbuild("query", "fiches-citing-kamerstuk", "-p", "kamerstuk=26643-640",
                    "--store", str(store))
    assert table.returncode == 0
    assert "fiche:com-2025-723" in table.stdout and "(1 row)" in table.stdout
    out = kgbuild("query", "fiches-citing-kamerstuk", "-p", "kamerstuk=26643-640",
                  "--format", "csv", "--store", str(store))
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert [r["fiche"] for r in rows] == [SEED]


def test_a_query_file_by_path(store, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text("# Summary: count fiches\n"
                    "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?f a <%sontology#Fiche> }" % BASE)
    result = kgbuild("query", str(path), "--format", "json", "--store", str(store))
    assert result.returncode == 0, result.stderr
    assert int(rows_of(result.stdout)[0]["n"]) >= 14


@pytest.mark.parametrize("args,message", [
    (["no-such-query"], "no query named 'no-such-query'"),
    (["fiches-citing-kamerstuk", "-p", "year=2020"], "unknown parameter 'year'"),
    (["fiches-citing-kamerstuk", "-p", "kamerstuk"], "not of the form name=value"),
    (["fiches-citing-kamerstuk", "--format", "yaml"], "Invalid value for '--format'"),
])
def test_bad_input_is_one_line_and_non_zero(args, message, store):
    result = kgbuild("query", *args, "--store", str(store))
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_query_file_and_missing_store(tmp_path, store):
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT * WHERE { ?s ?p ")
    result = kgbuild("query", str(bad), "--store", str(store))
    assert result.returncode == 2 and "syntax error" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = kgbuild("query", "fiches-per-sector", "--store", str(tmp_path / "nothing"))
    assert result.returncode == 2 and "no store at" in result.stderr


def test_prefixes_file_is_the_shared_prefixes():
    prefixes = read_prefixes(QUERIES_DIR / "prefixes.rq")
    assert prefixes["bnc"] == BASE + "ontology#"
    assert prefixes["cdm"] == "http://publications.europa.eu/ontology/cdm#"
