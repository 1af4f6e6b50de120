"""The SPARQL endpoint through real HTTP: `kgbuild serve` on a free loopback port, serving a store
built by `kgbuild build` from data/fiches. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import csv
import io
import json
import os
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pyoxigraph as ox
import pytest

from kgbuild.build import build
from kgbuild.serve import spawn
from tests.helpers import RUNAWAY, corpus_store, start_runaway

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/bnc-fiches/"
SEED = BASE + "id/fiche/com-2025-723"
KST = BASE + "id/kamerstuk/26643-640"
LOOKUP = f"SELECT ?fiche WHERE {{ ?fiche <{BASE}ontology#citesKamerstuk> <{KST}> }}"
CONSTRUCT = f"CONSTRUCT {{ ?fiche <{BASE}ontology#citesKamerstuk> <{KST}> }} WHERE " \
            f"{{ ?fiche <{BASE}ontology#citesKamerstuk> <{KST}> }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, url = spawn(corpus_store(tmp_path_factory), "--timeout", "3", "--workers", "2")
    yield proc, url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def url(server):
    return server[1]


def get(url, query, **kw):
    return httpx.get(url, params={"query": query, **kw.pop("params", {})}, timeout=30, **kw)


# --- protocol and formats ----------------------------------------------------------------------

def test_get_post_form_and_direct_post_answer_alike(url):
    answers = [
        get(url, LOOKUP),
        httpx.post(url, data={"query": LOOKUP}, timeout=30),
        httpx.post(url, content=LOOKUP.encode(), timeout=30,
                   headers={"Content-Type": "application/sparql-query"}),
        httpx.get(url.replace("/sparql", "/query"), params={"query": LOOKUP}, timeout=30),
    ]
    for resp in answers:
        assert resp.status_code == 200, resp.text
        rows = json.loads(resp.text)["results"]["bindings"]
        assert [r["fiche"]["value"] for r in rows] == [SEED]


@pytest.mark.parametrize("accept,fmt", [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
])
def test_select_result_formats_parse(url, accept, fmt):
    by_accept = get(url, LOOKUP, headers={"Accept": accept})
    by_param = get(url, LOOKUP, params={"format": fmt})
    for resp in (by_accept, by_param):
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith(accept)
        if fmt == "csv":  # lossy: pyoxigraph does not parse it; the csv module does
            assert list(csv.reader(io.StringIO(resp.text))) == [["fiche"], [SEED]]
            continue
        fmt_obj = ox.QueryResultsFormat.from_media_type(accept)
        parsed = ox.parse_query_results(resp.content, format=fmt_obj)
        assert [row["fiche"].value for row in parsed] == [SEED]
    if fmt == "xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert ET.fromstring(by_accept.content).find(f".//{ns}uri").text == SEED


@pytest.mark.parametrize("accept,fmt,rdf_format", [
    ("text/turtle", "turtle", ox.RdfFormat.TURTLE),
    ("application/n-triples", "ntriples", ox.RdfFormat.N_TRIPLES),
    ("application/ld+json", "jsonld", ox.RdfFormat.JSON_LD),
    ("application/rdf+xml", "rdfxml", ox.RdfFormat.RDF_XML),
    ("application/trig", "trig", ox.RdfFormat.TRIG),
    ("application/n-quads", "nquads", ox.RdfFormat.N_QUADS),
])
def test_construct_formats_parse(url, accept, fmt, rdf_format):
    for resp in (get(url, CONSTRUCT, headers={"Accept": accept}),
                 get(url, CONSTRUCT, params={"format": fmt})):
        assert resp.status_code == 200, resp.text
        assert resp.headers["content-type"].startswith(accept)
        triples = list(ox.parse(resp.content, format=rdf_format))
        assert [(t.subject.value, t.object.value) for t in triples] == [(SEED, KST)]
    if fmt == "jsonld":  # compacted with the project's context
        doc = json.loads(get(url, CONSTRUCT, params={"format": fmt}).text)
        assert doc["@context"]["bnc"] == BASE + "ontology#" and doc["@id"] == "fiche:com-2025-723"
    described = get(url, f"DESCRIBE <{SEED}>", headers={"Accept": accept})
    assert described.status_code == 200, described.text
    triples = list(ox.parse(described.content, format=rdf_format))
    assert any(t.subject.value == SEED and t.object.value == KST for t in triples)


def test_relative_iris_resolve_against_the_endpoint(url):
    resp = httpx.post(url, content=b"CONSTRUCT { <s> <p> 1 } WHERE {}", timeout=30,
                      headers={"Content-Type": "application/sparql-query",
                               "Accept": "application/n-triples"})
    assert resp.status_code == 200, resp.text
    triple = next(iter(ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES)))
    # RFC 3986: <s> against http://host/sparql is http://host/s
    assert triple.subject.value == urljoin(url, "s") and triple.predicate.value == urljoin(url, "p")


def test_accept_q_values_choose_the_format(url):
    accept = "text/csv;q=0.4, application/sparql-results+xml;q=0.9"
    resp = get(url, LOOKUP, headers={"Accept": accept})
    assert resp.headers["content-type"].startswith("application/sparql-results+xml")
    resp = get(url, CONSTRUCT, headers={"Accept": "text/turtle;q=0.2, application/n-triples"})
    assert resp.headers["content-type"].startswith("application/n-triples")
    resp = get(url, LOOKUP, headers={"Accept": "text/turtle"})  # SELECT cannot be Turtle
    assert resp.status_code == 406 and "available" in resp.text


def test_ask_and_default_graph_policy(url):
    inferred = BASE + "graph/inferred"
    # without GRAPH: asserted and inferred triples are both visible (union default graph)
    q = f"ASK {{ <{SEED}> <{BASE}ontology#underCompetence> <{BASE}id/competence/shared> }}"
    assert json.loads(get(url, q).text)["boolean"] is True
    # the inferred triple is in the inferred graph, not the fiche's own graph
    q_graph = ("SELECT DISTINCT ?g WHERE { GRAPH ?g { <%s> <%sontology#underCompetence> ?c } }"
               % (SEED, BASE))
    graphs = {r["g"]["value"] for r in json.loads(get(url, q_graph).text)["results"]["bindings"]}
    assert graphs == {inferred}
    # default-graph-uri narrows the default graph
    narrowed = get(url, LOOKUP, params={"default-graph-uri": inferred})
    assert json.loads(narrowed.text)["results"]["bindings"] == []
    own = get(url, LOOKUP, params={"default-graph-uri": BASE + "graph/fiche/com-2025-723"})
    assert len(json.loads(own.text)["results"]["bindings"]) == 1


# --- refusals and errors -----------------------------------------------------------------------

@pytest.mark.parametrize("send", [
    lambda url: httpx.post(url, data={"update": "INSERT DATA { <a:s> <a:p> <a:o> }"}, timeout=30),
    lambda url: httpx.post(url, data={"query": "INSERT DATA { <a:s> <a:p> <a:o> }"}, timeout=30),
    lambda url: httpx.post(url, content=b"DROP ALL", timeout=30,
                           headers={"Content-Type": "application/sparql-update"}),
    lambda url: get(url, "PREFIX a: <a:> DELETE WHERE { ?s ?p ?o }"),
])
def test_updates_are_refused(url, send):
    resp = send(url)
    assert resp.status_code == 403
    assert "read-only" in resp.text and len(resp.text.strip().splitlines()) == 1
    assert json.loads(get(url, "ASK { <a:s> <a:p> <a:o> }").text)["boolean"] is False


def test_bad_requests_get_one_line_errors(url):
    cases = [
        (get(url, "SELECT * WHERE { ?s ?p "), 400, "syntax error"),
        (get(url, "ASK {}", params={"default-graph-uri": "\x00"}), 400, "default-graph-uri"),
        (get(url, "ASK {}", params={"named-graph-uri": "not an iri"}), 400, "named-graph-uri"),
        (httpx.get(url, timeout=30, headers={"Accept": "application/sparql-results+json"}), 400,
         "missing 'query'"),
        (httpx.post(url, content=b"x", headers={"Content-Type": "text/plain"}, timeout=30), 415,
         "unsupported Content-Type"),
        (httpx.put(url, content=b"x", timeout=30), 405, "use GET or POST"),
    ]
    for resp, status, message in cases:
        assert resp.status_code == status, resp.text
        assert message in resp.text
        assert "Traceback" not in resp.text and len(resp.text.strip().splitlines()) == 1


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "PREFIX x: <http://127.0.0.1:9/> SELECT * WHERE { service x:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?a ?b ?c FILTER(?a<?b)SERVICE<http://127.0.0.1:9/sparql>{ ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE # a comment\n <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "ASK { FILTER EXISTS { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } }",
    "SELECT * WHERE { { SELECT ?s WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } } } }",
    "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "BASE <http://127.0.0.1:9/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }",
])
def test_service_off_the_allowlist_is_refused(url, query):
    resp = get(url, query)
    assert resp.status_code == 403, resp.text
    assert "SERVICE" in resp.text


def test_unknown_parameters_are_ignored_and_format_aliases_honoured(url):
    resp = get(url, LOOKUP, params={"timeout": "5", "format": "yaml", "callback": "x"})
    assert resp.status_code == 200 and SEED in resp.text
    for name in ("format", "output", "results"):
        resp = get(url, LOOKUP, params={name: "xml"})
        assert resp.headers["content-type"].startswith("application/sparql-results+xml"), name


def test_cors(url):
    resp = get(url, LOOKUP, headers={"Origin": "http://example.org"})
    assert resp.headers["access-control-allow-origin"] == "*"
    pre = httpx.options(url, timeout=30, headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, authorization, x-requested-with"})
    assert pre.status_code == 200
    assert "POST" in pre.headers["access-control-allow-methods"]
    allowed = pre.headers["access-control-allow-headers"].lower()
    for name in ("content-type", "authorization", "x-requested-with"):  # echoed
        assert name in allowed
    assert "access-control-allow-credentials" not in pre.headers


def test_query_ui_and_service_description(url):
    browser_accept = "text/html,application/xhtml+xml,*/*;q=0.8"
    page = httpx.get(url, timeout=30, headers={"Accept": browser_accept})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "fiches-citing-kamerstuk" in page.text and "PREFIX bnc:" in page.text
    for marker in ('src="http', "src='http", 'href="http', "@import", "//cdn"):
        assert marker not in page.text  # no CDN: works offline
    sd = httpx.get(url, timeout=30, headers={"Accept": "text/turtle"})
    assert sd.status_code == 200
    graph = list(ox.parse(sd.content, format=ox.RdfFormat.TURTLE))
    features = {t.object.value for t in graph if t.predicate.value.endswith("#feature")}
    assert "http://www.w3.org/ns/sparql-service-description#UnionDefaultGraph" in features


def test_other_paths_are_not_the_endpoint(url):
    resp = httpx.get(url.replace("/sparql", "/no/such/page"), timeout=30)
    assert resp.status_code == 404


# --- timeouts really stop queries --------------------------------------------------------------

def _children(pid: int) -> dict[int, float]:
    """Descendant processes of ``pid`` (front processes and their query workers) with their
    CPU seconds (user + system), from /proc."""
    tick, stats = os.sysconf("SC_CLK_TCK"), {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                stats[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    out, parents = {}, {pid}
    while parents:
        found = {p: cpu for p, (ppid, cpu) in stats.items() if ppid in parents and p not in out}
        out.update(found)
        parents = set(found)
    return out


def test_runaway_queries_are_killed_and_cpu_freed(server):
    proc, url = server
    before = _children(proc.pid)
    answers: list[httpx.Response] = []

    def run(client):  # three clients (one query each is within the per-client limit)
        transport = httpx.HTTPTransport(local_address=client)
        with httpx.Client(transport=transport, timeout=60) as http:
            answers.append(http.post(url, data={"query": RUNAWAY}))

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(f"127.0.0.{i}",)) for i in (2, 3, 4)]
    for t in threads:
        t.start()
    time.sleep(1.5)
    # idle workers use no CPU at all; these are running the cross joins (on a loaded machine
    # they may get little of it, hence the low bar)
    busy = {pid for pid, cpu in _children(proc.pid).items() if cpu > before.get(pid, 0) + 0.05}
    assert busy, "the runaway queries should be burning CPU in worker processes"
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    assert [a.status_code for a in answers] == [503] * 3
    assert all("timeout" in a.text for a in answers)
    assert elapsed < 2 * 3 + 10  # two run to the 3 s deadline, the third waited, then ran
    # the workers that ran them are gone (killed and reaped) ...
    assert not busy & set(_children(proc.pid)), "killed workers must be gone"
    # ... the endpoint answers again, on fresh workers ...
    resp = get(url, LOOKUP)
    assert resp.status_code == 200 and SEED in resp.text
    # ... and no process of the server keeps burning CPU
    time.sleep(1.0)
    after = _children(proc.pid)
    time.sleep(1.5)
    later = _children(proc.pid)
    growth = sum(later.get(pid, 0) - cpu for pid, cpu in after.items())
    assert growth < 0.2, f"CPU still being used after the timeout: {growth:.2f} s"


def test_workers_die_with_the_server(tmp_path_factory):
    proc, url = spawn(corpus_store(tmp_path_factory), "--timeout", "30", "--workers", "1")
    start_runaway(url)
    time.sleep(1.0)
    workers = set(_children(proc.pid))
    assert workers
    proc.kill()  # SIGKILL: no clean-up code runs in the server
    proc.wait(10)
    time.sleep(0.5)
    alive = {pid for pid in workers if Path(f"/proc/{pid}").exists()
             and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"}
    assert not alive, "a worker outlived the killed server"


def _up(fiches: Path, store: Path) -> tuple[str, str]:
    """Run `kgbuild up` on a free port until it serves; returns (its stderr, a query's answer)."""
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "from kgbuild.cli import main; main()", "up",
                             "--fiches", str(fiches), "--store", str(store), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stdout.readline()
        assert line.startswith("SPARQL endpoint: http://127.0.0.1:"), line
        ui = proc.stdout.readline()
        assert "Query UI" in ui
        answer = get(line.split()[-1], LOOKUP).text
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    return err, answer


def test_up_builds_when_needed_then_serves(tmp_path):
    fiches = tmp_path / "fiches"
    fiches.mkdir()
    for name in ("2025D46581.docx", "2020D39910.txt"):
        (fiches / name).write_bytes((ROOT / "data" / "fiches" / name).read_bytes())
    store = tmp_path / "store"
    err, answer = _up(fiches, store)
    assert "building the graph: there is no store" in err and SEED in answer
    err, answer = _up(fiches, store)  # nothing changed: no build
    assert "building" not in err and SEED in answer
    (fiches / "2020D39910.txt").unlink()
    err, answer = _up(fiches, store)  # the sources changed: rebuilt
    assert "changed since the last build" in err and SEED in answer


def test_the_default_graph_has_set_semantics(url):
    """A triple stated in several graphs is seen once by a query without GRAPH (the build writes
    the merge of all graphs into the store's default graph; Oxigraph 0.5's union default graph
    would repeat it once per graph), and once per graph with GRAPH ?g."""
    pattern = ("<%sid/treaty/tfeu/art-4> <http://www.w3.org/2000/01/rdf-schema#label> ?l "
               "FILTER(LANG(?l) = 'nl')" % BASE)
    count = "SELECT (COUNT(*) AS ?n) WHERE { %s }"
    in_default = json.loads(get(url, count % pattern).text)["results"]["bindings"][0]["n"]["value"]
    per_graph = json.loads(get(url, count % f"GRAPH ?g {{ {pattern} }}").text)["results"]["bindings"]
    assert in_default == "1"
    assert int(per_graph[0]["n"]["value"]) > 1  # in the reference data and each fiche graph citing it
    resp = get(url, LOOKUP)
    assert [r["fiche"]["value"] for r in json.loads(resp.text)["results"]["bindings"]] == [SEED]


def test_a_result_too_large_is_refused_not_built(tmp_path_factory):
    proc, url = spawn(corpus_store(tmp_path_factory), "--max-result-mb", "1")
    try:
        resp = get(url, "SELECT * WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 200000")
        assert resp.status_code == 413 and "larger than 1 MiB" in resp.text
        resp = get(url, "CONSTRUCT { ?s ?p ?z } WHERE { ?s ?p ?o . ?x ?y ?z } LIMIT 200000",
                   headers={"Accept": "text/turtle"})
        assert resp.status_code == 413
        assert get(url, LOOKUP).status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_rebuilt_store_is_served_without_restart(tmp_path):
    store = tmp_path / "store"
    build([ROOT / "data" / "fiches" / "2020D39910.txt"], store, progress=False)
    proc, url = spawn(store)
    try:
        assert get(url, LOOKUP).json()["results"]["bindings"] == []
        build([ROOT / "data" / "fiches" / "2020D39910.txt",
               ROOT / "data" / "fiches" / "2025D46581.docx"], store, progress=False)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            rows = get(url, LOOKUP).json()["results"]["bindings"]
            if rows:
                break
            time.sleep(0.2)
        assert [r["fiche"]["value"] for r in rows] == [SEED]
    finally:
        proc.terminate()
        proc.wait(10)
