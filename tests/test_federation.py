"""SERVICE federation against a real Virtuoso (Debian's virtuoso-t, the engine behind EUR-Lex
CELLAR) and against `oxigraph serve`, both loaded with CELLAR-shaped data built from the real
notices (tests/cellar.py); plus remotes that cut their answer off, never answer or are absent.
Only 127.0.0.1 is contacted; CELLAR itself never is.
"""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyoxigraph as ox
import pytest

from kgbuild import federation
from kgbuild.federation import ServiceRefused, find_services, resolve_services
from kgbuild.query import find_query
from kgbuild.network_isolation import network_namespace
from kgbuild.serve import spawn
from tests import cellar
from tests.helpers import corpus_store, kgbuild, rows_of
from tests.virtuoso import Virtuoso, free_port, wait_listening

BASE = "https://w3id.org/bnc-fiches/"
CELEX = "http://publications.europa.eu/resource/celex/"
CELLAR = "https://publications.europa.eu/webapi/rdf/sparql"
SERVE_TIMEOUT = 8  # seconds: kgbuild serve's --timeout in these tests
EHDS = "52022PC0197"  # a proposal of the corpus whose fiche gives TFEU 16 and 114 as legal basis


def local_rows(store, name: str) -> list[dict]:
    db = ox.Store.read_only(str(store / "oxigraph"))
    rows = db.query(find_query(name).text)
    names = [v.value for v in rows.variables]
    return [{n: r[n].value for n in names if r[n] is not None} for r in rows]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


@pytest.fixture(scope="module")
def works(store) -> dict[str, cellar.Work]:
    """CELLAR works for every document the corpus assesses or cites, and the real notice's."""
    proposals = sorted({r["celex"] for r in local_rows(store, "fiche-proposals")})
    cited = sorted({r["act"].rsplit("/", 1)[1] for r in local_rows(store, "most-cited-eu-acts")
                    if "act" in r} - set(proposals))
    real = cellar.notice_work()
    subjects = list(real.eurovoc.items())
    out = {real.celex: real}
    for i, celex in enumerate(proposals + cited):
        kwargs = {}
        if celex == EHDS:  # as EUR-Lex records it: TFEU 16 and 114, adopted as 2025/327
            kwargs = {"based_on": ["12016E016", "12016E114"], "adopted": ("32025R0327", "2025-02-11"),
                      "procedure": "2022/0140/COD"}
        elif celex[5:7] == "PC":
            kwargs = {"based_on": ["12016E192"], "procedure": f"{celex[1:5]}/{celex[7:]}/COD"}
        out[celex] = cellar.corpus_work(celex, eurovoc=dict(subjects[i % 4:i % 4 + 2]), **kwargs)
    return out


@pytest.fixture(scope="module")
def virtuoso(works, tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    data = server.dir / "cellar.nt"
    data.write_bytes(cellar.ntriples(cellar.quads(list(works.values()))))
    server.load(data, "http://publications.europa.eu/resource/cellar")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def oxigraph_remote(works, tmp_path_factory):
    location = tmp_path_factory.mktemp("oxigraph-remote") / "db"
    data = location.parent / "cellar.nq"
    data.write_bytes(ox.serialize(cellar.quads(list(works.values())), format=ox.RdfFormat.N_QUADS))
    subprocess.run(["oxigraph", "load", "--location", str(location), "--file", str(data)],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_listening(port)
    yield f"http://127.0.0.1:{port}/query"
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def remote(request, virtuoso, oxigraph_remote) -> str:
    return virtuoso.sparql if request.param == "virtuoso" else oxigraph_remote


class _Cut(BaseHTTPRequestHandler):
    """Promises a JSON answer and cuts it off."""

    protocol_version = "HTTP/1.1"

    def do_GET(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"head":{"vars":["work"]},"results":{"bindings":[{"work":{"type":"uri",'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body) + 500))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    do_POST = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def broken():
    """Bad remotes: one cutting its answer off, one never answering, one not there."""
    cut = ThreadingHTTPServer(("127.0.0.1", 0), _Cut)
    threading.Thread(target=cut.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections (kernel backlog), never answers
    yield {"cut": f"http://127.0.0.1:{cut.server_address[1]}/sparql",
           "silent": f"http://127.0.0.1:{silent.getsockname()[1]}/sparql",
           "absent": f"http://127.0.0.1:{free_port()}/sparql"}
    cut.shutdown()
    silent.close()


@pytest.fixture(scope="module")
def endpoint(store, virtuoso, oxigraph_remote, broken):
    allow = [x for url in (virtuoso.sparql, oxigraph_remote, *broken.values())
             for x in ("--allow-service", url)]
    # the timeout bounds the whole federated query: room for a loaded CI machine
    proc, url = spawn(store, "--timeout", str(SERVE_TIMEOUT), "--workers", "2", *allow)
    yield url, proc
    proc.terminate()
    proc.wait(10)


# --- the remote engines themselves ------------------------------------------------------------


def test_virtuoso_is_cellar_shaped(virtuoso, works):
    """What the issue found: Virtuoso does not match a plain literal against CELLAR's
    xsd:string CELEX, and never answers an application/sparql-query POST; the alias join works."""
    assert virtuoso.start_seconds < 60
    plain = 'SELECT ?w { ?w <http://publications.europa.eu/ontology/cdm#resource_legal_id_celex> "%s" }'
    resp = httpx.get(virtuoso.sparql, params={"query": plain % EHDS}, timeout=10,
                     headers={"Accept": "application/sparql-results+json"})
    assert resp.json()["results"]["bindings"] == []
    alias = "SELECT ?w { ?w <http://www.w3.org/2002/07/owl#sameAs> <%s%s> }" % (CELEX, EHDS)
    resp = httpx.post(virtuoso.sparql, data={"query": alias}, timeout=10,
                      headers={"Accept": "application/sparql-results+json"})
    assert [b["w"]["value"] for b in resp.json()["results"]["bindings"]] == [works[EHDS].cellar]
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(virtuoso.sparql, content=alias.encode(), timeout=3,
                   headers={"Content-Type": "application/sparql-query"})


# --- finding SERVICE blocks -----------------------------------------------------------------------


@pytest.mark.parametrize("text,iri", [
    ("PREFIX : <http://r.example/> SELECT * { SERVICE:q { ?s ?p ?o } }", "http://r.example/q"),
    ("SELECT * { SERVICESILENT<http://r.example/q>{ ?s ?p ?o } }", "http://r.example/q"),
    (r"SELECT * { \u0053ERVICE <http://r.example/q> { ?s ?p ?o } }", "http://r.example/q"),
    ("SELECT * { SERVICE <http://r.example/\\u0071> { ?s ?p ?o } }", "http://r.example/q"),
    ("BASE <http://r.example/> SELECT * { SERVICE <q> { ?s ?p ?o } }", "http://r.example/q"),
    ("PREFIX e: <http://r.example/> SELECT * { { SELECT ?s { SERVICE e:q { ?s ?p ?o } } } }",
     "http://r.example/q"),
    ("SELECT * { ?s ?p ?o FILTER NOT EXISTS { SERVICE <http://r.example/q> { ?s ?p ?x } } }",
     "http://r.example/q"),
    ("SELECT * { # SERVICE <http://no/>\n ?s ?p 'SERVICE <http://no/> {}' "
     "OPTIONAL { SERVICE <http://r.example/q> { SERVICE <http://r.example/q> {} } } }",
     "http://r.example/q"),
])
def test_service_found_in_every_form(text, iri):
    blocks = find_services(text)
    assert blocks and {b.iri for b in blocks} == {iri}
    assert federation.holds_service(text)
    with pytest.raises(ServiceRefused, match="is not allowed"):
        resolve_services(text, prefixes={}, allowed=["http://other/"], run_local=None,
                         deadline=time.monotonic() + 5)


@pytest.mark.parametrize("text,message", [
    ("SELECT * { SERVICE ?x { } }", "variable"),
    ("SELECT * { SERVICE <relative> { } }", "absolute"),
    ("SELECT * { SERVICE e:q { } }", "not declared"),
    ("PREFIX service: <http://x/> SELECT * { ?s service:p ?o }", "rename the prefix"),
])
def test_unnameable_service_is_refused(text, message):
    with pytest.raises(ServiceRefused, match=message):
        find_services(text)


def test_bind_join_sends_only_known_values_in_batches(remote, works):
    sent = []
    known = [{"document": ox.NamedNode(CELEX + c)} for c in sorted(works)]
    query = """PREFIX owl: <http://www.w3.org/2002/07/owl#>
      SELECT ?document ?work WHERE {
        ?fiche <urn:x:assesses> ?document .
        SERVICE <%s> { ?work owl:sameAs ?document } }""" % remote
    text = resolve_services(query, prefixes={}, allowed=[remote], deadline=time.monotonic() + 30,
                            run_local=lambda select: sent.append(select) or known, batch_rows=3,
                            log=lambda line: sent.append(line))
    assert "SELECT DISTINCT ?document WHERE" in sent[0]
    calls = [s for s in sent if s.startswith("SERVICE <")]
    assert len(calls) == -(-len(known) // 3)  # one call per batch of three
    assert "SERVICE" not in text.upper().replace("SERVICES", "")
    answer = ox.Store().query(text.replace("?fiche <urn:x:assesses> ?document .", ""))
    assert sorted(r["work"].value for r in answer) == sorted(w.cellar for w in works.values())


# --- the catalogue, through `kgbuild query` and `kgbuild serve` --------------------------------


def check_proposal_rows(rows, store, works):
    expected = {r["celex"] for r in local_rows(store, "fiche-proposals")}
    assert {r["celex"] for r in rows} == expected
    for row in rows:
        work = works[row["celex"]]
        assert row["work"] == work.cellar
        assert row["title"] == work.titles["nl"] and row["title_en"] == work.titles["en"]
        assert row["date"] == work.date and row["type"] == work.resource_type
        assert set(row["eurovoc"].split()) == set(work.eurovoc)
        assert set(row["subjects"].split("; ")) == set(work.eurovoc.values())
    assert [r["fiche"] for r in rows if r["celex"] == "52025DC0723"] == [BASE + "id/fiche/com-2025-723"]


def test_eurlex_proposals_on_the_store(store, remote, works):
    started = time.monotonic()
    result = kgbuild("query", "eurlex-proposals", "--format", "json", "--store", str(store),
                     "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    check_proposal_rows(rows_of(result.stdout), store, works)
    assert time.monotonic() - started < 20


def test_eurlex_proposals_through_serve(store, remote, works, endpoint):
    result = kgbuild("query", "eurlex-proposals", "--format", "json", "--endpoint", endpoint[0],
                     "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    check_proposal_rows(rows_of(result.stdout), store, works)


def test_parameter_narrows_the_remote_call(store, remote, works):
    result = kgbuild("query", "eurlex-proposals", "-p", "document=52025DC0723", "--format",
                     "json", "--store", str(store), "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    assert [r["celex"] for r in rows_of(result.stdout)] == ["52025DC0723"]


def test_outcomes_give_procedure_and_adopting_act(store, remote, works):
    result = kgbuild("query", "eurlex-outcomes", "--format", "json", "--store", str(store),
                     "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    by_doc = {r["document"].rsplit("/", 1)[1]: r for r in rows}
    proposals = {c for c, w in works.items() if c[5:7] == "PC" and c in by_doc}
    assert EHDS in proposals and set(by_doc) == proposals
    ehds = by_doc[EHDS]
    assert ehds["procedure"] == "2022/0140(COD)"
    assert ehds["act"] == CELEX + "32025R0327" and ehds["act_date"] == "2025-02-11"
    db = ox.Store.read_only(str(store / "oxigraph"))
    for row in rows:  # the cabinet's verdicts beside, as the graph has them
        for aspect in ("competence", "subsidiarity", "proportionality"):
            stated = {r["n"].value for r in db.query(
                "SELECT ?n { <%s> <%sontology#%sVerdict>/<http://www.w3.org/2004/02/skos/core#notation> ?n }"
                % (row["fiche"], BASE, aspect))}
            assert stated == ({row[aspect]} if aspect in row else set())
    others = [r for c, r in by_doc.items() if c != EHDS]
    assert others and all("act" not in r and r["procedure"].endswith("(COD)") for r in others)


def test_legal_basis_joins_on_the_treaty_iri(store, remote):
    result = kgbuild("query", "eurlex-legal-basis", "-p", f"document={EHDS}", "--format", "json",
                     "--store", str(store), "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    assert {(r["eurlex"], r["agrees"]) for r in rows} == {
        (CELEX + "12016E016", "true"), (CELEX + "12016E114", "true")}
    assert {r["article"] for r in rows} == {"TFEU-16", "TFEU-114"}
    screening = kgbuild("query", "eurlex-legal-basis", "-p", "document=52020PC0612", "--format",
                        "json", "--store", str(store), "--eurlex-endpoint", remote)
    rows = rows_of(screening.stdout)  # EUR-Lex (here) says 192, the fiche does not
    assert [(r["eurlex"], r["agrees"]) for r in rows] == [(CELEX + "12016E192", "false")]


def test_fiches_sharing_an_eurovoc_subject(store, remote, works):
    result = kgbuild("query", "eurlex-shared-subjects", "-p", f"proposal={EHDS}", "--format",
                     "json", "--store", str(store), "--eurlex-endpoint", remote)
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    mine = set(works[EHDS].eurovoc)
    expected = set()
    db = ox.Store.read_only(str(store / "oxigraph"))
    for r in db.query("SELECT DISTINCT ?f ?a { ?f <%sontology#citesEUAct> ?a }" % BASE):
        act = r["a"].value.rsplit("/", 1)[1]
        for subject in set(works[act].eurovoc) & mine if act in works else ():
            expected.add((r["f"].value, r["a"].value, subject))
    assert expected
    assert {(r["fiche"], r["act"], r["subject"]) for r in rows} == expected
    assert all(r["label"] == works[EHDS].eurovoc[r["subject"]] for r in rows)


# --- allowlist, failures, timeouts, isolation ----------------------------------------------------


def test_service_allowed_only_for_listed_endpoints(store, virtuoso):
    federated = find_query("eurlex-proposals").text.replace(CELLAR, virtuoso.sparql)
    proc, url = spawn(store, "--workers", "1")  # no --allow-service: CELLAR only
    try:
        for form in (federated, federated.replace("SERVICE <", "SERVICE<"),
                     federated.replace("SERVICE", r"\u0053ERVICE")):
            resp = httpx.post(url, data={"query": form}, timeout=30)
            assert resp.status_code == 403, resp.text
            assert f"SERVICE <{virtuoso.sparql}> is not allowed" in resp.text
            assert CELLAR in resp.text
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.parametrize("which", ["cut", "absent", "silent"])
def test_a_failing_service_is_a_one_line_502(broken, endpoint, which):
    query = "SELECT * WHERE { SERVICE <%s> { ?s ?p ?o } }" % broken[which]
    started = time.monotonic()
    resp = httpx.post(endpoint[0], data={"query": query}, timeout=60)
    assert resp.status_code == 502, resp.text
    assert broken[which] in resp.text and len(resp.text.strip().splitlines()) == 1
    assert time.monotonic() - started < SERVE_TIMEOUT + 2
    ok = httpx.get(endpoint[0], params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200  # the workers are free


def test_silent_service_that_fails_is_one_empty_solution(broken, endpoint):
    query = "SELECT (COUNT(*) AS ?n) WHERE { SERVICE SILENT <%s> { ?s ?p ?o } }" % broken["absent"]
    resp = httpx.post(endpoint[0], data={"query": query}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"]["bindings"][0]["n"]["value"] == "1"


def test_query_command_ends_at_its_timeout_when_the_remote_never_answers(store, broken):
    started = time.monotonic()
    result = kgbuild("query", "eurlex-proposals", "--store", str(store), "--timeout", "3",
                     "--eurlex-endpoint", broken["silent"])
    assert result.returncode == 2
    assert "no answer within" in result.stderr and broken["silent"] in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - started < 3 + 5


def _descendants(pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    found = [int(c) for c in children.stdout.split()]
    return found + [d for c in found for d in _descendants(c)]


def test_workers_are_off_the_network_and_refuse_service(endpoint):
    url, proc = endpoint
    workers = [pid for pid in _descendants(proc.pid)  # the pools' processes, not their trackers
               if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
    assert len(workers) >= 2  # query and page workers of every front process
    assert all(network_namespace(pid) != network_namespace() for pid in workers)
    from kgbuild.site.workers import Job, execute

    status, _, body = execute(ox.Store(), Job("ASK { SERVICE:x { } }"), {"": "http://a/"})
    assert status == 403 and b"SERVICE" in body


@pytest.mark.parametrize("form", [
    "PREFIX r: <{remote}> SELECT ?w WHERE {{ SERVICE r: {{ ?w owl:sameAs <{doc}> }} }}",
    "PREFIX : <{remote}> SELECT ?w WHERE {{ SERVICE:{{ ?w owl:sameAs <{doc}> }} }}",
    r"SELECT ?w WHERE {{ \u0053ERVICE <{remote}> {{ ?w owl:sameAs <{doc}> }} }}",
    "SELECT ?w WHERE {{ {{ SELECT ?w WHERE {{ SERVICE <{remote}> {{ ?w owl:sameAs <{doc}> }} }} }} }}",
    "SELECT ?w WHERE {{ VALUES ?w {{ <{work}> <urn:x> }} FILTER EXISTS {{ "
    "SERVICE <{remote}> {{ ?w owl:sameAs <{doc}> }} }} }}",
])
def test_allowed_service_in_any_form_is_evaluated(form, remote, works):
    text = "PREFIX owl: <http://www.w3.org/2002/07/owl#>\n" + form.format(
        remote=remote, doc=CELEX + EHDS, work=works[EHDS].cellar)
    resolved = resolve_services(text, prefixes={}, allowed=[remote], run_local=lambda q: [],
                                deadline=time.monotonic() + 20)
    assert not federation.holds_service(resolved)
    assert [r["w"].value for r in ox.Store().query(resolved)] == [works[EHDS].cellar]


def test_virtuoso_json_and_xml_results_read_the_same(virtuoso, works):
    query = ("SELECT ?w ?t ?d WHERE { ?w <http://www.w3.org/2002/07/owl#sameAs> <%s%s> . "
             "?e <%sexpression_belongs_to_work> ?w ; <%sexpression_title> ?t . "
             "?w <%swork_date_document> ?d }" % (CELEX, EHDS, *[cellar.CDM] * 3))
    answers = []
    for media in ("application/sparql-results+json", "application/sparql-results+xml"):
        resp = httpx.get(virtuoso.sparql, params={"query": query}, headers={"Accept": media},
                         timeout=10)
        assert resp.headers["content-type"].startswith(media)
        names, rows = federation.read_results(resp.content, media)
        answers.append((sorted(names), sorted(" ".join(f"{k}={v}" for k, v in sorted(r.items()))
                                              for r in rows)))
    assert answers[0] == answers[1] and len(answers[0][1]) == 2  # nl and en titles
    assert f't="{works[EHDS].titles["en"]}"' in " ".join(answers[0][1])  # (xsd:string)


def flaky_relay(target: str, failures: list[tuple[int, dict]]) -> ThreadingHTTPServer:
    """A front for ``target`` that first answers the given (status, headers), then relays."""

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if failures:
                status, headers = failures.pop(0)
                out, ctype = b"busy", "text/plain"
            else:
                resp = httpx.request(self.command, target + self.path[self.path.find("?"):],
                                     content=body, headers={k: v for k, v in self.headers.items()
                                                            if k.lower() != "host"})
                status, headers = resp.status_code, {}
                out, ctype = resp.content, resp.headers["content-type"]
            self.send_response(status)
            for name, value in {**headers, "Content-Type": ctype}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_429_and_503_are_retried_with_backoff(virtuoso, works):
    relay = flaky_relay(virtuoso.sparql, [(429, {"Retry-After": "1"}), (503, {})])
    url = f"http://127.0.0.1:{relay.server_address[1]}/sparql"
    query = ("PREFIX owl: <http://www.w3.org/2002/07/owl#> SELECT ?w WHERE { SERVICE <%s> "
             "{ ?w owl:sameAs <%s%s> } }" % (url, CELEX, EHDS))
    calls = []
    try:
        started = time.monotonic()
        resolved = resolve_services(query, prefixes={}, allowed=[url], run_local=lambda q: [],
                                    deadline=time.monotonic() + 20, log=calls.append)
        waited = time.monotonic() - started
        assert len(calls) == 3 and waited >= 1.0 + 1.0  # Retry-After, then the backoff
        assert [r["w"].value for r in ox.Store().query(resolved)] == [works[EHDS].cellar]
        relay_busy = flaky_relay(virtuoso.sparql, [(503, {})] * 10)
        busy = f"http://127.0.0.1:{relay_busy.server_address[1]}/sparql"
        with pytest.raises(federation.ServiceFailed, match=r"answered 503: busy"):
            resolve_services(query.replace(url, busy), prefixes={}, allowed=[busy],
                             run_local=lambda q: [], deadline=time.monotonic() + 3)
        relay_busy.shutdown()
    finally:
        relay.shutdown()


def test_escaped_service_over_http_is_evaluated(endpoint, oxigraph_remote, works):
    r"""A `\u0053ERVICE` reaches the same evaluation as a plain one (not the event loop's fast path)."""
    query = ("PREFIX owl: <http://www.w3.org/2002/07/owl#>\n"
             r"SELECT ?w WHERE { \u0053ERVICE <%s> { ?w owl:sameAs <%s%s> } }"
             % (oxigraph_remote, CELEX, EHDS))
    resp = httpx.post(endpoint[0], data={"query": query}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.text
    assert [b["w"]["value"] for b in resp.json()["results"]["bindings"]] == [works[EHDS].cellar]


def test_search_service_through_serve_joins_with_graph_patterns(endpoint):
    """The full-text search is a SERVICE the endpoint answers itself, joined with the graph."""
    query = """PREFIX bnc: <https://w3id.org/bnc-fiches/ontology#>
    SELECT ?fiche ?score ?anchor WHERE {
      SERVICE <https://w3id.org/bnc-fiches/search> {
        ?fiche bnc:matches "grondstoffen OR AI" ; bnc:score ?score ; bnc:anchor ?anchor }
      ?fiche bnc:underCompetence <https://w3id.org/bnc-fiches/id/competence/shared> ;
             bnc:subsidiarityVerdict <https://w3id.org/bnc-fiches/id/verdict/positief> .
    }"""
    resp = httpx.post(endpoint[0], data={"query": query}, timeout=30,
                      headers={"Accept": "application/sparql-results+json"})
    assert resp.status_code == 200, resp.text
    rows = resp.json()["results"]["bindings"]
    assert [r["fiche"]["value"] for r in rows] == [BASE + "id/fiche/com-2025-723"]
    assert float(rows[0]["score"]["value"]) > 0 and rows[0]["anchor"]["value"]
    bad = httpx.post(endpoint[0], timeout=30, data={"query": query.replace(
        'bnc:matches "grondstoffen OR AI"', "bnc:matches ?words")})
    assert bad.status_code == 400 and bad.text.startswith("SERVICE <https://w3id.org/bnc-fiches/search>")
