"""Pages, dereferencing, VoID, example queries and dumps (kgbuild/site/), through real HTTP.

The store is a real build of ``data/fiches`` (``kgbuild.build.build``); the server is
``kgbuild serve`` on a free loopback port. A few tests answer paths in-process with
``routes.dispatch`` on the same store, for what HTTP cannot provoke (an unavailable store).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urljoin

import html5lib
import httpx
import pytest
import rdflib
from pyoxigraph import RdfFormat, parse
from rdflib.namespace import RDF, RDFS, VOID

from kgbuild import serve
from kgbuild.site import reading, routes
from kgbuild.build import build
from kgbuild.errors import KgbuildError
from kgbuild.query import load_catalogue
from kgbuild.store import open_read_only

BASE = "https://w3id.org/bnc-fiches/"
BNC = rdflib.Namespace(BASE + "ontology#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
SEED = "fiche/com-2025-723"  # Mededeling Apply AI-strategie, cites Kamerstuk 26643-640 in footnote 2
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("web") / "store"
    report = build(["data/fiches"], store)
    assert report.counts["fiches"] >= 14
    reading.configure(store_dir=store)
    yield store
    reading.configure(store_dir="data/store")


@pytest.fixture(scope="module")
def site(store_dir) -> str:
    """The real server on a free loopback port; its root URL."""
    proc, endpoint = serve.spawn(store_dir, "--workers", "2", "--page-workers", "1")
    yield endpoint[: -len("/sparql")]
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def http(site):
    with httpx.Client(base_url=site, follow_redirects=False, timeout=30) as client:
        yield client


def site_get(path, params, headers, sparql):
    """A GET answered by the site's routes in-process, without HTTP: (status, headers, body)."""
    visit = reading.Visit(path, params, headers, sparql, origin="http://127.0.0.1")
    resp = routes.dispatch(visit)
    return resp.status_code, {k.title(): v for k, v in resp.headers.items()}, resp.body


PHRASING_ONLY = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "span", "a", "b", "i", "code", "em", "strong",
                 "label", "button", "small", "mark", "th")
BLOCKS = ("p", "div", "ul", "ol", "dl", "table", "section", "blockquote", "pre", "h1", "h2", "h3", "h4",
          "h5", "h6", "nav", "header", "footer", "main", "details", "form")


def assert_valid_html(body: bytes, where: str) -> html5lib.html5parser.etree.Element:
    """Parse as HTML5 with a strict parser (any parse error fails) and check the page basics."""
    assert body.startswith(b"<!DOCTYPE html>"), where
    try:
        doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(body)
    except html5lib.html5parser.ParseError as err:
        pytest.fail(f"{where}: invalid HTML: {err}")
    assert doc.get("lang"), where
    assert (doc.findtext("head/title") or "").strip(), where
    assert doc.find("head/meta[@name='viewport']") is not None, where
    ids = [e.get("id") for e in doc.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), f"{where}: duplicate ids"
    # content model: no block inside an element that takes only phrasing content
    for parent in (e for e in doc.iter() if e.tag in PHRASING_ONLY):
        for child in parent.iter():
            assert child is parent or child.tag not in BLOCKS, f"{where}: <{child.tag}> inside <{parent.tag}>"
    return doc


# --- dereferencing and content negotiation --------------------------------------------------------


@pytest.mark.parametrize("accept", [BROWSER, "text/turtle", "application/ld+json", None])
def test_thing_iri_answers_303_to_its_description(http, accept):
    headers = {"Accept": accept} if accept else {}
    resp = http.get(f"/id/{SEED}", headers=headers)
    assert resp.status_code == 303
    assert resp.headers["location"] == f"/doc/{SEED}"


@pytest.mark.parametrize("path", ["/id/fiche/com-1999-1", "/doc/fiche/com-1999-1", "/id/kamerstuk/1-2",
                                  "/graph/fiche/none", "/id/", "/doc/", "/nothing-here",
                                  "/doc/fiche/com-2025-723.pdf", "/ontology/9.9.9", "/dumps/other.gz",
                                  "/sources/" + "0" * 64, "/sources/../pyproject.toml"])
def test_unknown_iris_and_paths_are_404(http, path):
    resp = http.get(path, headers={"Accept": BROWSER})
    assert resp.status_code == 404
    assert_valid_html(resp.content, path)
    assert http.get(path, headers={"Accept": "text/plain"}).status_code == 404


@pytest.mark.parametrize("accept", [BROWSER, None, "*/*", "text/html"])
def test_browsers_and_clients_without_preference_get_html(http, accept):
    headers = {"Accept": accept} if accept else {}
    resp = http.get(f"/doc/{SEED}", headers=headers)
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/html")
    assert "Accept" in resp.headers["vary"]


@pytest.mark.parametrize("path", [f"/doc/{SEED}", f"/graph/{SEED}", "/ontology", "/.well-known/void",
                                  "/.well-known/sparql-examples"])
def test_unacceptable_types_get_406_listing_what_there_is(http, path):
    resp = http.get(path, headers={"Accept": "image/png"})
    assert resp.status_code == 406
    assert "text/turtle" in resp.text and "text/html" in resp.text


def test_html_only_pages_ignore_accept(http):
    resp = http.get("/fiches", headers={"Accept": "image/png"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("accept,fmt", [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                                        ("text/turtle;q=0.5, application/ld+json", "json-ld")])
def test_description_in_triple_formats(http, accept, fmt):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": accept})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith(accept.split(",")[-1].strip())
    ds = rdflib.Dataset()
    ds.parse(data=resp.content, format=fmt)

    def has(s, p, o) -> bool:  # in any graph
        return any(True for _ in ds.quads((s, p, o, None)))

    fiche = rdflib.URIRef(BASE + "id/" + SEED)
    assert has(fiche, rdflib.DCTERMS.title, rdflib.Literal("Mededeling Apply AI-strategie", lang="nl"))
    assert has(fiche, BNC.citesKamerstuk, rdflib.URIRef(BASE + "id/kamerstuk/26643-640"))
    ministry = rdflib.URIRef(BASE + "id/ministry/economische-zaken")
    assert has(ministry, RDFS.label, rdflib.Literal("Ministerie van Economische Zaken", lang="nl"))
    assert has(fiche, BNC.underCompetence, None)  # inferred triples are included ...
    if fmt != "json-ld":  # ... after a comment that says so
        asserted, _, inferred = resp.text.partition("# Inferred by the reasoner")
        assert "underCompetence" in inferred and inferred


@pytest.mark.parametrize("accept,fmt", [("application/rdf+xml", "xml"), ("text/plain", "nt"),
                                        ("application/n-quads", "nquads")])
def test_older_and_plain_clients_get_a_description(http, accept, fmt):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": accept})
    assert resp.status_code == 200, resp.text
    ds = rdflib.Dataset()
    ds.parse(data=resp.content, format=fmt)
    fiche = rdflib.URIRef(BASE + "id/" + SEED)
    assert any(True for _ in ds.quads((fiche, BNC.citesKamerstuk, None, None)))


def test_a_description_says_what_it_is(http, site):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=resp.content, format="turtle")
    doc = rdflib.URIRef(site + f"/doc/{SEED}")
    assert g.value(doc, rdflib.FOAF.primaryTopic) == rdflib.URIRef(BASE + "id/" + SEED)
    assert g.value(doc, rdflib.DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/publicdomain/zero/1.0/")
    assert g.value(doc, VOID.inDataset) == rdflib.URIRef(site + "/.well-known/void#dataset")


def test_jsonld_is_compacted_with_the_context_served_at_a_stable_url(http):
    context = http.get("/context.jsonld")
    assert context.status_code == 200
    assert context.headers["content-type"].startswith("application/ld+json")
    served = context.json()["@context"]
    assert served["bnc"] == BASE + "ontology#"
    doc = http.get(f"/doc/{SEED}", headers={"Accept": "application/ld+json"}).json()
    assert doc["@context"] == served
    assert "bnc:citesKamerstuk" in json.dumps(doc)  # compact IRIs, not full ones


def test_description_in_trig_separates_inferred_triples(http):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": "application/trig"})
    assert resp.status_code == 200
    ds = rdflib.Dataset()
    ds.parse(data=resp.content, format="trig")
    fiche = rdflib.URIRef(BASE + "id/" + SEED)
    asserted = ds.graph(rdflib.URIRef(BASE + "graph/" + SEED))
    inferred = ds.graph(rdflib.URIRef(BASE + "graph/inferred"))
    assert (fiche, RDF.type, BNC.Fiche) in asserted
    assert (fiche, BNC.underCompetence, rdflib.URIRef(BASE + "id/competence/shared")) in inferred
    assert (fiche, BNC.underCompetence, None) not in asserted


def test_description_extensions_need_no_accept_header(http):
    for ext, media_type in [(".ttl", "text/turtle"), (".nq", "application/n-quads"),
                            (".jsonld", "application/ld+json"), (".trig", "application/trig")]:
        resp = http.get(f"/doc/kamerstuk/26643-640{ext}")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(media_type)
        quads = list(parse(resp.content, format=RdfFormat.from_media_type(media_type)))
        assert any(str(q.subject.value).endswith("com-2025-723") for q in quads)  # who cites it


def test_head_answers_like_get_without_a_body(http):
    resp = http.head(f"/doc/{SEED}")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert resp.content == b""


def test_only_get_and_head(http):
    assert http.post(f"/doc/{SEED}", content=b"x").status_code == 405
    assert http.delete(f"/doc/{SEED}").status_code == 405


def test_home_redirects_rdf_clients_to_void(http):
    resp = http.get("/", headers={"Accept": "text/turtle"})
    assert resp.status_code == 303 and resp.headers["location"] == "/.well-known/void"


# --- pages ----------------------------------------------------------------------------------------


def text_of(doc) -> str:
    return " ".join(" ".join(doc.itertext()).split())


def links_of(doc) -> dict[str, str]:
    return {" ".join("".join(a.itertext()).split()): a.get("href") for a in doc.iter("a")}


def test_fiche_page_shows_what_the_fiche_says(http):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": BROWSER})
    doc = assert_valid_html(resp.content, SEED)
    text = text_of(doc)
    assert doc.findtext(".//h1") == "Mededeling Apply AI-strategie"
    for expected in ["2025-11-14", "2025-10-08", "COM(2025) 723", "CELEX 52025DC0723", "D.M. van Weel",
                     "Raad voor Vervoer, Telecom en Energie (Telecom)", "Ministerie van Economische Zaken"]:
        assert expected in text, expected
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:52025DC0723" in hrefs
    assert "https://zoek.officielebekendmakingen.nl/kst-26643-640" in hrefs
    assert "/doc/kamerstuk/26643-640" in hrefs and "/doc/treaty/tfeu/art-4/par-2/point-a" in hrefs
    assert "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32024R1689" in hrefs
    verdicts = doc.find(".//div[@class='verdicts']")
    assert text_of(verdicts).count("positive") + text_of(verdicts).count("positief") == 3
    # the Kamerstuk link comes with the footnote that states it
    item = next(li for li in doc.iter("li") if any(a.get("href") == "/doc/kamerstuk/26643-640" for a in li.iter("a")))
    assert "footnote 2:" in text_of(item) and "26 643 en 32 761, nr. 640" in text_of(item)
    # competence categories are inferred, and marked so
    competences = next(h for h in doc.iter("h2") if h.text == "Competence categories")
    section = list(doc.iter())[list(doc.iter()).index(competences):]
    shared = next(li for li in section if li.tag == "li" and any(a.get("href") == "/doc/competence/shared" for a in li.iter("a")))
    assert "inferred" in text_of(shared)
    assert "Source file" in text and "data/fiches/2025D46581" in text


def test_fiche_with_own_kamerstuk_links_its_official_publication(http, store_dir):
    resp = http.get("/doc/fiche/kst-22112-3620", headers={"Accept": BROWSER})
    if resp.status_code == 404:  # the key is the COM number when the fiche names one
        rows = reading.sparql_over(open_read_only(store_dir))(
            f"SELECT ?f WHERE {{ ?f <{BNC}kamerstuk> <{BASE}id/kamerstuk/22112-3620> }}")
        resp = http.get(reading.local_path(rows[0]["f"].value, BASE), headers={"Accept": BROWSER})
    doc = assert_valid_html(resp.content, "own kamerstuk")
    assert "https://zoek.officielebekendmakingen.nl/kst-22112-3620" in [a.get("href") for a in doc.iter("a")]


def test_kamerstuk_page_answers_the_tracing_question(http):
    resp = http.get("/doc/kamerstuk/26643-640", headers={"Accept": BROWSER})
    doc = assert_valid_html(resp.content, "kamerstuk")
    text = text_of(doc)
    assert "Cited by 1 fiche" in text
    assert links_of(doc)["Mededeling Apply AI-strategie"] == f"/doc/{SEED}"
    assert "footnote 2:" in text
    assert "https://zoek.officielebekendmakingen.nl/kst-26643-640" in [a.get("href") for a in doc.iter("a")]


@pytest.mark.parametrize("path,expected", [
    ("/doc/treaty/tfeu/art-4", "Fiches citing this provision or any of its parts"),
    ("/doc/competence/shared", "Fiches under this competence"),
    ("/doc/ministry/economische-zaken", "Fiches"),
    ("/doc/council-formation/raad-voor-vervoer-telecom-en-energie-telecom", "Fiches"),
    ("/doc/verdict/positief", "Fiches"),
    ("/doc/dossier/26643", "Kamerstukken"),
])
def test_hub_pages_list_their_fiches_newest_first(http, path, expected):
    doc = assert_valid_html(http.get(path, headers={"Accept": BROWSER}).content, path)
    assert expected in text_of(doc)
    hrefs = [a.get("href") for a in doc.iter("a")]
    assert f"/doc/{SEED}" in hrefs or "/doc/kamerstuk/26643-640" in hrefs
    dates = re.findall(r"<br><span class=\"muted\">(\d{4}-\d\d-\d\d)", http.get(path).text)
    assert dates or path.startswith("/doc/dossier/")
    assert dates == sorted(dates, reverse=True)


def test_sector_pages_exist_for_the_seed_fiche(http, store_dir):
    rows = reading.sparql_over(open_read_only(store_dir))(
        f"SELECT ?s WHERE {{ <{BASE}id/{SEED}> <{BNC}inSector> ?s }}")
    assert rows
    for row in rows:
        doc = assert_valid_html(http.get(reading.local_path(row["s"].value, BASE)).content, "sector")
        assert f"/doc/{SEED}" in [a.get("href") for a in doc.iter("a")]


def test_page_numbers_past_the_end_are_404(http):
    assert http.get("/doc/competence/shared?page=2").status_code == 404
    assert http.get("/fiches?page=999").status_code == 404
    assert http.get("/doc/competence/shared?page=x").status_code == 200  # read as page 1


def test_home_page(http, store_dir):
    resp = http.get("/", headers={"Accept": BROWSER})
    doc = assert_valid_html(resp.content, "/")
    text = text_of(doc)
    assert "14 fiches" in text or re.search(r"\b1[4-9] fiches\b", text)
    hrefs = [a.get("href") for a in doc.iter("a")]
    for target in ["/sparql", "/dumps/", "/ontology", "/.well-known/void", "/.well-known/sparql-examples",
                   f"/doc/{SEED}"]:
        assert target in hrefs, target
    for query in load_catalogue():
        assert f"/.well-known/sparql-examples#{query.name}" in hrefs


def test_ontology_as_html_with_an_anchor_per_term_and_as_turtle(http, store_dir):
    doc = assert_valid_html(http.get("/ontology", headers={"Accept": BROWSER}).content, "/ontology")
    ids = {e.get("id") for e in doc.iter() if e.get("id")}
    onto = rdflib.Graph().parse("ontology/bnc.ttl")
    terms = {str(s)[len(BNC):] for s in onto.subjects() if str(s).startswith(str(BNC))}
    assert terms and terms <= ids
    resp = http.get("/ontology", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/turtle")
    served = rdflib.Graph().parse(data=resp.content, format="turtle")
    assert set(served.subjects(RDF.type, rdflib.OWL.ObjectProperty)) == \
        set(onto.subjects(RDF.type, rdflib.OWL.ObjectProperty))
    version = next(onto.objects(rdflib.URIRef(BASE + "ontology"), rdflib.OWL.versionIRI))
    assert http.get("/" + str(version)[len(BASE):]).status_code == 200


def test_ontology_terms_link_to_their_anchors(http):
    resp = http.get(f"/doc/{SEED}", headers={"Accept": BROWSER})
    assert 'href="/ontology#citesKamerstuk"' in resp.text


# --- VoID, examples, dumps --------------------------------------------------------------------------


def test_void_description(http, store_dir, site):
    resp = http.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert resp.status_code == 200
    g = rdflib.Graph().parse(data=resp.content, format="turtle")
    ds = rdflib.URIRef(site + "/.well-known/void#dataset")
    assert (ds, RDF.type, VOID.Dataset) in g
    quads = list(parse(gzip.decompress((store_dir / "dump.nq.gz").read_bytes()), format=RdfFormat.N_QUADS))
    # the counts are what a user's COUNT on the default graph finds
    store = open_read_only(store_dir)

    def count(query):
        return int(next(iter(store.query(query)))["n"].value)

    assert int(g.value(ds, VOID.triples)) == count("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(g.value(ds, VOID.triples)) < len(quads)  # the merge holds each triple once
    assert int(g.value(ds, VOID.entities)) == count(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c }")
    entity = rdflib.URIRef("http://www.w3.org/ns/prov#Entity")
    part = next(p for p in g.objects(ds, VOID.classPartition) if g.value(p, VOID["class"]) == entity)
    assert int(g.value(part, VOID.entities)) == count(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <http://www.w3.org/ns/prov#Entity> }")
    assert g.value(ds, VOID.sparqlEndpoint) == rdflib.URIRef(site + "/sparql")
    assert g.value(ds, rdflib.DCTERMS.license) is not None
    assert g.value(ds, rdflib.DCTERMS.modified) is not None
    dump = g.value(ds, VOID.dataDump)
    assert str(dump) == site + "/dumps/dump.nq.gz"
    spdx = rdflib.Namespace("http://spdx.org/rdf/terms#")
    checksum = g.value(g.value(dump, spdx.checksum), spdx.checksumValue)
    assert str(checksum) == hashlib.sha256((store_dir / "dump.nq.gz").read_bytes()).hexdigest()
    # linksets to EUR-Lex, with the number of links each predicate makes
    celex = "http://publications.europa.eu/resource/celex/"
    expected = {}
    for q in quads:
        if str(q.object.value).startswith(celex) and type(q.object).__name__ == "NamedNode":
            expected.setdefault(q.predicate.value, set()).add((q.subject, q.object))
    linksets = {str(g.value(ls, VOID.linkPredicate)): int(g.value(ls, VOID.triples))
                for ls in g.subjects(RDF.type, VOID.Linkset)
                if str(g.value(g.value(ls, VOID.objectsTarget), VOID.uriSpace)) == celex}
    assert linksets == {p: len(links) for p, links in expected.items()}
    assert str(BNC.assesses) in linksets and str(BNC.citesEUAct) in linksets
    classes = {g.value(p, VOID["class"]): int(g.value(p, VOID.entities)) for p in g.objects(ds, VOID.classPartition)}
    assert classes[BNC.Fiche] == 14
    doc = assert_valid_html(http.get("/.well-known/void", headers={"Accept": BROWSER}).content, "void")
    assert "Linksets" in text_of(doc)


def test_example_queries_as_sparql_examples(http, site):
    resp = http.get("/.well-known/sparql-examples", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=resp.content, format="turtle")
    catalogue = load_catalogue()
    assert len(catalogue) >= 5
    for query in catalogue:
        node = rdflib.URIRef(f"{site}/.well-known/sparql-examples#{query.name}")
        assert (node, RDF.type, SH.SPARQLExecutable) in g
        assert str(g.value(node, SH.select) or g.value(node, SH.ask) or g.value(node, SH.construct)) == query.text
        assert g.value(node, RDFS.comment) is not None
        assert (node, rdflib.URIRef("https://schema.org/target"), rdflib.URIRef(site + "/sparql")) in g
    doc = assert_valid_html(http.get("/.well-known/sparql-examples", headers={"Accept": BROWSER}).content, "ex")
    assert {q.name for q in catalogue} <= {e.get("id") for e in doc.iter("section")}


def test_example_queries_run_and_return_rows(http):
    """The catalogue's example for the seed question answers through the endpoint."""
    query = next(q for q in load_catalogue() if q.name == "fiches-citing-kamerstuk")
    resp = http.post("/sparql", data={"query": query.text},
                     headers={"Accept": "application/sparql-results+json"})
    rows = resp.json()["results"]["bindings"]
    assert any(r["kamerstuk"]["value"].endswith("/26643-640") and r["fiche"]["value"].endswith("com-2025-723")
               for r in rows)


def test_dump_and_its_checksum(http, store_dir):
    resp = http.get("/dumps/dump.nq.gz")
    assert resp.status_code == 200 and resp.headers["content-type"] == "application/gzip"
    data = (store_dir / "dump.nq.gz").read_bytes()
    assert resp.content == data
    line = http.get("/dumps/dump.nq.gz.sha256").text
    assert line == f"{hashlib.sha256(data).hexdigest()}  dump.nq.gz\n"
    doc = assert_valid_html(http.get("/dumps/").content, "dumps")
    assert hashlib.sha256(data).hexdigest() in text_of(doc)


def test_fiche_page_links_its_source_files(http):
    doc = assert_valid_html(http.get(f"/doc/{SEED}", headers={"Accept": BROWSER}).content, SEED)
    links = {" ".join("".join(a.itertext()).split()): a.get("href") for a in doc.iter("a")
             if (a.get("href") or "").startswith("/sources/")}
    docx = Path("data/fiches/2025D46581.docx").read_bytes()
    assert links["data/fiches/2025D46581.docx"] == "/sources/" + hashlib.sha256(docx).hexdigest()
    resp = http.get(links["data/fiches/2025D46581.docx"])
    assert resp.status_code == 200 and resp.content == docx
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")


def test_named_graphs_are_documents(http):
    resp = http.get(f"/graph/{SEED}", headers={"Accept": "application/n-quads"})
    assert resp.status_code == 200
    quads = list(parse(resp.content, format=RdfFormat.N_QUADS))
    assert quads and {q.graph_name.value for q in quads} == {BASE + "graph/" + SEED}
    assert_valid_html(http.get(f"/graph/{SEED}").content, "graph")


def test_service_description_is_linked(http):
    """serve.py answers GET /sparql with RDF Accept with the service description (CONTRACTS.md)."""
    resp = http.get("/sparql", headers={"Accept": "text/turtle"})
    g = rdflib.Graph().parse(data=resp.content, format="turtle")
    assert (None, RDF.type, rdflib.URIRef("http://www.w3.org/ns/sparql-service-description#Service")) in g


# --- the whole site -------------------------------------------------------------------------------------


def test_every_page_is_valid_html_and_no_internal_link_is_broken(http, site):
    """Crawl from the home page: every internal link answers 200 (or a 303 to a page that
    does), every HTML page parses strictly, and every #fragment exists on its page."""
    seen: dict[str, set[str]] = {}
    # and from searches whose results link into sections, footnotes and titles of every fiche
    searches = ["/search?q=commissie", "/search?q=Kamerstuk", "/search?q=voorstel&page=2",
                "/search?q=artikel", "/search?q=AI-strategie", "/search?q=strategi*",
                "/lookup?q=COM(2025)+723", "/lookup?q=21501-30", "/lookup?q=52025DC0723"]
    queue, checked, fragments = deque(["/", *searches]), set(), []
    while queue:
        path = queue.popleft()
        if path in checked:
            continue
        checked.add(path)
        resp = http.get(path, headers={"Accept": BROWSER})
        if resp.status_code == 303:
            target = resp.headers["location"]
            assert target.startswith("/"), path
            queue.append(target)
            continue
        assert resp.status_code == 200 or path.startswith("/lookup"), f"{path}: {resp.status_code}"
        if path.startswith("/sparql") or not resp.headers["content-type"].startswith("text/html"):
            continue
        doc = assert_valid_html(resp.content, path)
        seen[path] = {e.get("id") for e in doc.iter() if e.get("id")}
        for a in doc.iter("a"):
            href = a.get("href") or ""
            url, fragment = urldefrag(urljoin(site + path, href))
            if not url.startswith(site):
                continue
            local = url[len(site):] or "/"
            if fragment:
                fragments.append((path, local, fragment))
            if local not in checked:
                queue.append(local)
        assert len(checked) < 5000
    for source, target, fragment in fragments:
        if target in seen:
            assert fragment in seen[target], f"{source} links to a missing anchor {target}#{fragment}"
    searched = [(s, f) for s, t, f in fragments if s.startswith("/search")]
    kinds = {re.sub(r"-.*", "", f) for _, f in searched}
    assert {"section", "footnote", "title"} <= kinds, kinds
    assert len(seen) > 100  # fiches, Kamerstukken, dossiers, treaty, competences, sectors, …


def test_kgbuild_serve_command_serves_the_site_of_its_store(store_dir):
    """`kgbuild serve --store DIR` (a child process) serves the site of its store: dumps and pages work."""
    proc, endpoint = serve.spawn(store_dir, "--workers", "1")
    try:
        root = endpoint.rsplit("/sparql", 1)[0]
        assert httpx.get(root + "/dumps/dump.nq.gz.sha256").text.split()[0] == \
            hashlib.sha256((store_dir / "dump.nq.gz").read_bytes()).hexdigest()
        resp = httpx.get(root + f"/id/{SEED}", follow_redirects=True)
        assert resp.status_code == 200 and "Mededeling Apply AI-strategie" in resp.text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_long_lists_are_paginated_newest_first(tmp_path):
    """300 generated fiches (bench/corpus.py): /fiches and a busy hub run over several pages."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus", Path("bench/corpus.py"))
    corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(corpus)
    corpus.make_corpus(300, tmp_path / "fiches")
    build([tmp_path / "fiches"], tmp_path / "store")
    sparql = reading.sparql_over(open_read_only(tmp_path / "store"))

    def get(path: str, page_no: int):
        status, _, body = site_get(path, {"page": [str(page_no)]}, {"accept": BROWSER}, sparql)
        assert status == 200, (path, page_no)
        return assert_valid_html(body, f"{path}?page={page_no}")

    for path in ["/fiches", "/doc/treaty/tfeu"]:  # every fiche; those citing any part of the TFEU
        seen, dates = [], []
        for page_no in range(1, 7):
            doc = get(path, page_no)
            pager = {a.get("rel"): a.get("href") for a in doc.iter("a") if a.get("rel")}
            assert ("prev" in pager) == (page_no > 1) and pager.get("prev", f"{path}?page={page_no - 1}") == \
                f"{path}?page={page_no - 1}"
            fiches = [li for li in doc.iter("li")
                      if li.find("a") is not None and li.find("a").get("href", "").startswith("/doc/fiche/")]
            seen += [li.find("a").get("href") for li in fiches]
            dates += re.findall(r"\d{4}-\d\d-\d\d", " ".join(text_of(li) for li in fiches))
            if "next" not in pager:
                break
        assert len(seen) == len(set(seen)) > reading.PAGE_SIZE
        assert dates == sorted(dates, reverse=True)
    status, _, _ = site_get("/fiches", {"page": ["7"]}, {"accept": BROWSER}, sparql)
    assert status == 404


# --- the handler itself ---------------------------------------------------------------------------------


def test_an_unavailable_store_is_a_503_page_not_a_traceback(store_dir):
    def broken(query):
        raise KgbuildError("the store is being rebuilt")

    status, headers, body = site_get(f"/doc/{SEED}", {}, {"accept": BROWSER}, broken)
    assert status == 503 and b"the store is being rebuilt" in body and b"Traceback" not in body


def test_handler_on_a_store_opened_directly(store_dir):
    sparql = reading.sparql_over(open_read_only(store_dir))
    status, headers, body = site_get(f"/id/{SEED}", {}, {}, sparql)
    assert status == 303
    status, headers, body = site_get(f"/doc/{SEED}.nt", {}, {}, sparql)
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    assert f"<{BASE}id/{SEED}>".encode() in body


# --- finding: /lookup and /search (issue 13), the harvest report (issue 12) --------------------


@pytest.mark.parametrize("text, target", [
    ("kst-26643-640", "/doc/kamerstuk/26643-640"),
    ("26 643, nr. 640", "/doc/kamerstuk/26643-640"),
    ("Kamerstukken II 2019/20, 26 643, nr. 640", "/doc/kamerstuk/26643-640"),
    ("https://zoek.officielebekendmakingen.nl/kst-26643-640.html", "/doc/kamerstuk/26643-640"),
    ("Art. 114 TFEU", "/doc/treaty/tfeu/art-114"),
    ("2025D46581", "/doc/fiche/com-2025-723"),  # TK document number
    ("2025Z19883", "/doc/fiche/com-2025-723"),  # zaak number
    ("com-2025-723", "/doc/fiche/com-2025-723"),
    ("22112", "/doc/dossier/22112"),
])
def test_lookup_sends_an_identifier_the_graph_holds_to_its_page(http, text, target):
    resp = http.get("/lookup", params={"q": text}, headers={"Accept": BROWSER})
    assert resp.status_code == 303, resp.text[:300]
    assert resp.headers["location"] == target
    assert http.get(target, headers={"Accept": BROWSER}).status_code == 200


def test_lookup_of_a_document_described_elsewhere_lists_the_fiches_pointing_at_it(http):
    resp = http.get("/lookup", params={"q": "COM(2025) 723"}, headers={"Accept": BROWSER})
    assert resp.status_code == 200
    doc = assert_valid_html(resp.content, "/lookup")
    links = links_of(doc)
    assert links.get("Mededeling Apply AI-strategie") == "/doc/fiche/com-2025-723"
    assert any(h.startswith("https://eur-lex.europa.eu/") for h in links.values())


def test_lookup_says_what_it_understood_when_the_graph_does_not_hold_it(http):
    resp = http.get("/lookup", params={"q": "kst-36999-7"}, headers={"Accept": BROWSER})
    assert resp.status_code == 404
    text = text_of(assert_valid_html(resp.content, "/lookup"))
    assert "does not hold" in text and "36999" in text and "kamerstuk" in text.lower()


def test_lookup_of_a_malformed_identifier_is_a_400_with_the_reason(http):
    resp = http.get("/lookup", params={"q": "COM(2025)"}, headers={"Accept": BROWSER})
    assert resp.status_code == 400
    doc = assert_valid_html(resp.content, "/lookup")
    [error] = [e for e in doc.iter() if e.get("id") == "lookup-error"]
    assert "COM number needs a year and a number" in "".join(error.itertext())


def test_lookup_of_words_goes_on_to_the_search(http):
    resp = http.get("/lookup", params={"q": "  kritieke   grondstoffen "}, headers={"Accept": BROWSER})
    assert resp.status_code == 303
    assert resp.headers["location"] == "/search?q=kritieke+grondstoffen"


def test_lookup_and_search_without_text_show_their_form(http):
    for path in ("/lookup", "/search"):
        resp = http.get(path, headers={"Accept": BROWSER})
        assert resp.status_code == 200
        doc = assert_valid_html(resp.content, path)
        assert any(f.get("action") in ("/lookup", "/search") for f in doc.iter("form"))


def test_every_page_has_the_find_box(http):
    for path in ("/", "/fiches", "/doc/" + SEED, "/ontology", "/report", "/search?q=x"):
        doc = assert_valid_html(http.get(path, headers={"Accept": BROWSER}).content, path)
        forms = [f for f in doc.iter("form") if f.get("action") == "/lookup" and f.get("method") == "get"]
        assert forms and any(i.get("name") == "q" for i in forms[0].iter("input")), path
    assert b'action="/lookup"' in http.get("/sparql", headers={"Accept": BROWSER}).content


def search_json(http, **params):
    resp = http.get("/search", params=params, headers={"Accept": "application/json"})
    assert resp.headers["content-type"].startswith("application/json"), resp.text
    return resp.status_code, resp.json()


def test_search_ranks_fiches_and_links_each_to_its_quoted_passage(http):
    status, data = search_json(http, q="vlaggenschipinitiatieven")
    assert status == 200 and data["query"] == "vlaggenschipinitiatieven"
    [first, *_] = data["results"]
    assert first["key"] == "com-2025-723" and first["url"] == f"/doc/{SEED}#{first['anchor']}"
    assert first["anchor"].startswith("section-essence-")
    # the anchor is on the fiche page and holds the passage
    doc = assert_valid_html(http.get("/doc/" + SEED, headers={"Accept": BROWSER}).content, SEED)
    [element] = [e for e in doc.iter() if e.get("id") == first["anchor"]]
    assert "vlaggenschipinitiatieven" in "".join(element.itertext())
    # and the HTML page quotes it with the match marked
    page = http.get("/search", params={"q": "vlaggenschipinitiatieven"}, headers={"Accept": BROWSER})
    assert "Accept" in page.headers["vary"]
    doc = assert_valid_html(page.content, "/search")
    assert first["url"] in links_of(doc).values()
    marks = ["".join(m.itertext()) for m in doc.iter("mark")]
    assert any("vlaggenschipinitiatieven" in m.lower() for m in marks)


def test_search_results_are_escaped(http):
    """The quoted passage is text: markup a query or a fiche could carry is never HTML."""
    page = http.get("/search", params={"q": '<script>alert(1)</script> strategie'},
                    headers={"Accept": BROWSER})
    assert b"<script>alert" not in page.content
    doc = assert_valid_html(page.content, "/search")
    tags = {e.tag.split("}")[-1] for q in doc.iter() if q.tag.endswith("blockquote") for e in q.iter()}
    assert tags <= {"blockquote", "b", "mark"}, tags


BROAD = "voorstel OR EU OR de OR een"  # most fiches of the corpus


def test_search_filters_and_pages(http):
    status, every = search_json(http, q=BROAD)
    assert status == 200 and len(every["results"]) > 10
    years = {r["year"] for r in every["results"]}
    status, in_2025 = search_json(http, q=BROAD, year="2025")
    assert in_2025["results"] and {r["year"] for r in in_2025["results"]} == {2025} != years
    status, ranged = search_json(http, q=BROAD, year="2018-2022")
    assert {r["year"] for r in ranged["results"]} == {y for y in years if y and 2018 <= y <= 2022}
    assert ranged["filters"] == {"year": "2018-2022"}
    status, positive = search_json(http, q=BROAD, verdict="subsidiariteit:positief")
    assert 0 < len(positive["results"]) < len(every["results"])
    status, negative = search_json(http, q=BROAD, verdict="negatief")
    assert status == 200 and negative["results"] == []
    # ministry: the values the page offers are filters that work
    doc = assert_valid_html(http.get("/search", params={"q": BROAD}, headers={"Accept": BROWSER}).content, "s")
    offered = [o.get("value") for s in doc.iter() if s.get("name") == "ministry" for o in s.iter()
               if o.tag.endswith("option") and o.get("value")]
    assert "economische-zaken-en-klimaat" in offered
    for value in offered:
        status, found = search_json(http, q=BROAD, ministry=value)
        assert 0 < len(found["results"]) < len(every["results"]), value
    # paging: 20 a page, so one page here; page 2 is empty and links back
    assert 'rel="next"' not in http.get("/search", params={"q": BROAD}, headers={"Accept": BROWSER}).text
    status, second = search_json(http, q=BROAD, page="2")
    assert status == 200 and second["results"] == [] and second["previous"].endswith("page=1")


def test_search_pages_past_twenty_results(http, monkeypatch):
    from kgbuild.site import pages

    status, every = search_json(http, q=BROAD)
    keys = [r["key"] for r in every["results"]]
    # 20 a page over HTTP; the in-process handler with 5 a page gives the same order in pages
    store = open_read_only(reading._config.store_dir)
    monkeypatch.setattr(pages, "RESULTS_PER_PAGE", 5)
    paged, page_no = [], 1
    while True:
        status, headers, body = site_get("/search", {"q": [BROAD], "page": [str(page_no)]},
                                         {"accept": "application/json"}, reading.sparql_over(store))
        data = json.loads(body)
        paged += [r["key"] for r in data["results"]]
        if not data["next"]:
            break
        assert data["next"].endswith(f"&page={page_no + 1}")
        page_no += 1
    assert paged == keys and page_no == -(-len(keys) // 5)


@pytest.mark.parametrize("params, reason", [
    ({"q": '"unclosed'}, "tantivy cannot read it"),
    ({"q": "EU", "year": "twenty"}, "give a year"),
    ({"q": "EU", "verdict": "maybe"}, "give positief, negatief"),
    ({"q": "EU", "page": "0"}, "give a page number"),
])
def test_search_bad_input_is_a_400_with_one_line(http, params, reason):
    status, data = search_json(http, **params)
    assert status == 400 and reason in data["error"] and "\n" not in data["error"]
    page = http.get("/search", params=params, headers={"Accept": BROWSER})
    assert page.status_code == 400 and reason.encode() in page.content.replace(b"&#39;", b"'")


def test_search_negotiates_in_the_one_negotiation(http):
    assert http.get("/search", params={"q": "x"}, headers={"Accept": "image/png"}).status_code == 406
    resp = http.get("/search", params={"q": "x"}, headers={"Accept": "application/json;q=0.9, text/html;q=0.1"})
    assert resp.headers["content-type"].startswith("application/json")


def test_report_page_renders_the_harvest_report_of_the_served_store(http, store_dir):
    from kgbuild.report import harvest_report

    expected = harvest_report(store_dir)
    resp = http.get("/report", headers={"Accept": "application/json"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/json")
    data = resp.json()
    assert "store" not in data  # no server path
    assert data["years"] == expected["years"] and data["totals"] == expected["totals"]
    page = http.get("/report", headers={"Accept": BROWSER})
    doc = assert_valid_html(page.content, "/report")
    text = text_of(doc)
    for year in expected["years"]:
        [section] = [e for e in doc.iter() if e.get("id") == f"year-{year['year']}"]
        body = "".join(section.itertext())
        assert f"{year['fiches']} fiche" in body
        share = year["fields"]["title"]
        assert f"{share * 100:.0f}%" in body
        for warning in year["warnings"]:
            assert warning["warning"] in body
    # the 2013 summary form states no verdict
    [y2013] = [e for e in doc.iter() if e.get("id") == "year-2013"]
    rows = {"".join(tr[0].itertext()): "".join(tr[1].itertext()) for tr in y2013.iter()
            if tr.tag.endswith("tr") and len(tr) == 2 and tr[0].tag.endswith("td")}
    assert rows["verdicts.subsidiariteit"] == "0%" and rows["title"] == "100%"
    assert "Harvest report" in text
    home = assert_valid_html(http.get("/", headers={"Accept": BROWSER}).content, "/")
    assert "/report" in links_of(home).values()


def test_the_query_editor_is_served_from_this_server(http):
    page = http.get("/sparql", headers={"Accept": BROWSER})
    assert page.status_code == 200
    srcs = re.findall(rb'(?:src|href)="([^"]+)"', page.content)
    assert b"/static/yasgui/yasgui.min.js" in srcs and b"/static/yasgui/yasgui.min.css" in srcs
    assert not [s for s in srcs if s.startswith((b"http:", b"https:", b"//"))]
    for name, kind in (("yasgui.min.js", "text/javascript"), ("yasgui.min.css", "text/css")):
        resp = http.get(f"/static/yasgui/{name}")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith(kind)
        assert hashlib.sha256(resp.content).hexdigest() in (Path("kgbuild/static/yasgui/SHA256SUMS")).read_text()
    for bad in ("/static/yasgui/../__init__.py", "/static/yasgui/missing.js", "/static/yasgui/.hidden.js"):
        assert http.get(bad).status_code == 404
    # the catalogue examples and the project's prefixes are in the page for the editor
    assert b"fiches-citing-kamerstuk" in page.content
    assert b"PREFIX competence: &lt;https://w3id.org/bnc-fiches/id/competence/&gt;" in page.content


def test_lookup_lists_the_candidates_when_the_graph_holds_several_readings():
    """COM(2025) 723 reads as the proposal 52025PC0723 or the communication 52025DC0723: a
    store (a real Oxigraph) where fiches assess both gets the two, each with its fiche."""
    from pyoxigraph import Literal, NamedNode, Quad, Store

    store = Store()
    celex = "http://publications.europa.eu/resource/celex/"
    for key, work in (("com-2025-723", "52025PC0723"), ("com-2025-723-b", "52025DC0723")):
        fiche, graph = NamedNode(f"{BASE}id/fiche/{key}"), NamedNode(f"{BASE}graph/fiche/{key}")
        store.add(Quad(fiche, NamedNode(str(RDF.type)), NamedNode(f"{BASE}ontology#Fiche"), graph))
        store.add(Quad(fiche, NamedNode(f"{BASE}ontology#assesses"), NamedNode(celex + work), graph))
        store.add(Quad(fiche, NamedNode("http://purl.org/dc/terms/title"), Literal(f"Fiche {work}"), graph))
    status, headers, body = site_get("/lookup", {"q": ["COM(2025) 723"]}, {"accept": BROWSER},
                                     reading.sparql_over(store))
    assert status == 200
    doc = assert_valid_html(body, "/lookup")
    assert any(e.get("id") == "lookup-ambiguous" for e in doc.iter())
    links = links_of(doc)
    assert links["Fiche 52025PC0723"] == "/doc/fiche/com-2025-723"
    assert links["Fiche 52025DC0723"] == "/doc/fiche/com-2025-723-b"
    assert sum(h.startswith("https://eur-lex.europa.eu/") for h in links.values()) == 2


def test_search_on_a_store_without_an_index_is_a_503_not_a_400(store_dir, tmp_path):
    """A store built before the index existed: the site says so, without its path."""
    reading.configure(store_dir=tmp_path)  # a directory without search/
    try:
        status, headers, body = site_get("/search", {"q": ["EU"]}, {"accept": BROWSER},
                                         reading.sparql_over(open_read_only(store_dir)))
    finally:
        reading.configure(store_dir=store_dir)
    assert status == 503 and b"no search index" in body and str(tmp_path).encode() not in body
