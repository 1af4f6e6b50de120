"""The HTTP front as real clients and hostile ones use it: SPARQLWrapper and rdflib in their
default modes, the W3C SPARQL 1.1 Protocol manifest (tests/data/w3c-protocol/, see ORIGIN.md),
malformed and slow requests (status and the server's memory), and fair capacity while runaway
queries run. Everything runs against `kgbuild serve` on loopback.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from kgbuild.serve import spawn
from tests.helpers import RUNAWAY, corpus_store, start_runaway

DATA = Path(__file__).resolve().parent / "data" / "w3c-protocol"
# Comunica's command line, installed from npm by scripts/test.sh
COMUNICA = Path(__file__).resolve().parent.parent / ".cache" / "comunica" / "node_modules" / \
    ".bin" / "comunica-sparql"
BASE = "https://w3id.org/bnc-fiches/"
SEED = BASE + "id/fiche/com-2025-723"
KST = BASE + "id/kamerstuk/26643-640"
LOOKUP = f"SELECT ?fiche WHERE {{ ?fiche <{BASE}ontology#citesKamerstuk> <{KST}> }}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc, url = spawn(corpus_store(tmp_path_factory), "--timeout", "20", "--workers", "3",
                      "--per-client", "2")
    yield proc, url
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def url(server):
    return server[1]


def rss_kb(pid: int) -> int:
    """The resident memory (kB) of the server: the process and all its descendants (front
    processes and query workers), from /proc."""
    parent_of, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent_of[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                rss[int(entry.name)] = next(int(row.split()[1]) for row in (
                    entry / "status").read_text().splitlines() if row.startswith("VmRSS:"))
            except (OSError, StopIteration, ValueError):
                continue
    tree, todo = {pid}, {pid}
    while todo:
        todo = {p for p, parent in parent_of.items() if parent in todo and p not in tree}
        tree |= todo
    return sum(rss.get(p, 0) for p in tree)


# --- clients in their default modes ------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_default_mode(url, method):
    from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

    for fmt in (JSON, XML, CSV):
        client = SPARQLWrapper(url)
        client.setMethod(method)
        client.setQuery(LOOKUP)
        client.setReturnFormat(fmt)
        result = client.query().convert()
        if fmt == JSON:
            assert [b["fiche"]["value"] for b in result["results"]["bindings"]] == [SEED]
        elif fmt == XML:
            assert SEED in result.toxml()
        else:
            assert SEED in result.decode()
    client = SPARQLWrapper(url)
    client.setMethod(method)
    client.setQuery(f"CONSTRUCT {{ ?f <{BASE}ontology#citesKamerstuk> <{KST}> }} WHERE "
                    f"{{ ?f <{BASE}ontology#citesKamerstuk> <{KST}> }}")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (rdflib.URIRef(SEED), rdflib.URIRef(BASE + "ontology#citesKamerstuk"),
            rdflib.URIRef(KST)) in graph


def test_rdflib_sparqlstore_and_service(url):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(url)
    rows = list(store.query(LOOKUP))
    assert [str(r[0]) for r in rows] == [SEED]
    local = rdflib.Graph()
    rows = list(local.query(f"SELECT ?fiche WHERE {{ SERVICE <{url}> {{ ?fiche "
                            f"<{BASE}ontology#citesKamerstuk> <{KST}> }} }}"))
    assert [str(r[0]) for r in rows] == [SEED]


def test_comunica_default_mode(url):
    assert COMUNICA.exists(), f"{COMUNICA} is missing: scripts/test.sh installs it from npm"
    out = subprocess.run([str(COMUNICA), f"sparql@{url}", LOOKUP], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-800:]
    assert json.loads(out.stdout) == [{"fiche": SEED}]
    out = subprocess.run([str(COMUNICA), f"sparql@{url}", "-t", "application/n-triples",
                          f"CONSTRUCT {{ ?f <http://e.org/cites> <{KST}> }} WHERE "
                          f"{{ ?f <{BASE}ontology#citesKamerstuk> <{KST}> }}"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-800:]
    triples = list(ox.parse(out.stdout.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert [(t.subject.value, t.object.value) for t in triples] == [(SEED, KST)]


# --- the W3C SPARQL 1.1 Protocol test manifest ----------------------------------------------------


def _protocol_store(tmp_path_factory) -> Path:
    """A store with the manifest's graph data: each file in the graph its label names, and their
    merge in the default graph (as kgbuild's build writes it)."""
    store_dir = tmp_path_factory.mktemp("w3c") / "store"
    (store_dir / "oxigraph").mkdir(parents=True)
    store = ox.Store(str(store_dir / "oxigraph"))
    for name in ("data1", "data2", "data3"):
        graph = ox.NamedNode(f"http://kasei.us/2009/09/sparql/data/{name}.rdf")
        for triple in ox.parse((DATA / f"{name}.nt").read_bytes(), format=ox.RdfFormat.N_TRIPLES):
            store.add(ox.Quad(triple.subject, triple.predicate, triple.object, graph))
            store.add(ox.Quad(triple.subject, triple.predicate, triple.object, ox.DefaultGraph()))
    store.flush()
    del store
    return store_dir


def _manifest_tests() -> list[tuple[str, list[dict]]]:
    graph = rdflib.Graph().parse(DATA / "manifest.ttl", format="turtle")
    ht = rdflib.Namespace("http://www.w3.org/2011/http#")
    mf = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
    cnt = rdflib.Namespace("http://www.w3.org/2011/content#")
    out = []
    for test in graph.subjects(rdflib.RDF.type, mf.ProtocolTest):
        action = graph.value(test, mf.action)
        requests = []
        for req in rdflib.collection.Collection(graph, graph.value(action, ht.requests)):
            body = graph.value(req, ht.body)
            headers = {}
            hlist = graph.value(req, ht.headers)
            if hlist is not None:
                for h in rdflib.collection.Collection(graph, hlist):
                    headers[str(graph.value(h, ht.fieldName))] = str(graph.value(h, ht.fieldValue))
            resp = graph.value(req, ht.resp)
            statuses = {str(s).rsplit("StatusCode", 1)[-1] for s in graph.objects(resp, mf.expectedStatus)}
            boolean = graph.value(resp, mf.expectedBoolean)
            requests.append({
                "method": str(graph.value(req, ht.methodName)),
                "path": str(graph.value(req, ht.absolutePath)),
                "body": None if body is None else (str(graph.value(body, cnt.chars)),
                                                   str(graph.value(body, cnt.characterEncoding))),
                "headers": headers, "statuses": statuses,
                "boolean": None if boolean is None else boolean.toPython()})
        out.append((str(test).rsplit("#", 1)[-1], requests))
    return sorted(out)


@pytest.fixture(scope="module")
def protocol_url(tmp_path_factory):
    proc, url = spawn(_protocol_store(tmp_path_factory), "--workers", "2")
    yield url[: -len("/sparql")]
    proc.terminate()
    proc.wait(10)


@pytest.mark.parametrize("name,requests", _manifest_tests(), ids=[t[0] for t in _manifest_tests()])
def test_w3c_protocol(protocol_url, name, requests):
    """Every query-side test passes; every update test is refused (4xx)."""
    is_update = name.startswith("update_") or "update" in name
    for req in requests[:1] if is_update else requests:
        body = None
        if req["body"] is not None:
            chars, encoding = req["body"]
            body = chars.encode("utf-16" if encoding.upper() == "UTF-16" else "utf-8")
        resp = httpx.request(req["method"], protocol_url + req["path"], content=body,
                             headers={**req["headers"],
                                      "Accept": "application/sparql-results+json, "
                                                "text/turtle;q=0.9, */*;q=0.1"}, timeout=30)
        assert resp.status_code < 500, resp.text
        if is_update:
            assert resp.status_code in (400, 403, 405, 415), (name, resp.status_code, resp.text)
            continue
        family = f"{str(resp.status_code)[0]}xx"
        assert family in req["statuses"], (name, resp.status_code, resp.text)
        if req["boolean"] is not None:
            assert json.loads(resp.text)["boolean"] is req["boolean"], (name, resp.text)
        if name == "query_content_type_construct":  # <s> resolves against the endpoint URL
            triples = list(ox.parse(resp.content, format=ox.RdfFormat.TURTLE))
            assert triples[0].subject.value == protocol_url + "/sparql/s"


# --- hostile HTTP ----------------------------------------------------------------------------------


def raw(url: str, request: bytes, *, timeout: float = 10) -> bytes:
    """Send bytes on a fresh connection; what comes back until the server closes or stalls."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=timeout) as sock:
        sock.sendall(request)
        out = b""
        try:
            while chunk := sock.recv(65536):
                out += chunk
                if b"\r\n\r\n" in out and len(out) > 12:
                    head, _, rest = out.partition(b"\r\n\r\n")
                    length = [int(h.split(b":")[1]) for h in head.split(b"\r\n")
                              if h.lower().startswith(b"content-length:")]
                    if length and len(rest) >= length[0]:
                        break
        except socket.timeout:
            pass
        return out


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.mark.parametrize("length,status", [(b"-1", 400), (b"abc", 400),
                                           (b"99999999999999", 413)])
def test_bad_content_length(server, length, status):
    proc, url = server
    before = rss_kb(proc.pid)
    answer = raw(url, b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query"
                 b"\r\nContent-Length: " + length + b"\r\n\r\nASK {}" + b" " * 100_000)
    assert status_of(answer) == status, answer[:200]
    assert b"Traceback" not in answer
    assert rss_kb(proc.pid) - before < 20_000
    assert httpx.get(url, params={"query": "ASK {}"}, timeout=10).status_code == 200


def test_a_body_larger_than_the_limit_is_refused_with_bounded_memory(server):
    proc, url = server
    before = rss_kb(proc.pid)

    def chunks():
        for _ in range(300):  # 300 MiB, chunked: no Content-Length to trust
            yield b" " * (1 << 20)

    try:
        resp = httpx.post(url, content=chunks(), timeout=60,
                          headers={"Content-Type": "application/sparql-query"})
        assert resp.status_code == 413
    except httpx.HTTPError:
        pass  # the server may close the connection once it has answered
    assert rss_kb(proc.pid) - before < 50_000


@pytest.mark.parametrize("host", [b'ev"il', "h\u00e9st".encode("utf-8"), b"a b"])
def test_odd_host_headers_get_no_500(server, host):
    proc, url = server
    for path in (b"/.well-known/void", b"/doc/fiche/com-2025-723", b"/sparql"):
        answer = raw(url, b"GET " + path + b" HTTP/1.1\r\nHost: " + host +
                     b"\r\nAccept: text/turtle\r\nConnection: close\r\n\r\n")
        assert status_of(answer) < 500, answer[:300]
        assert b"Traceback" not in answer and b'ev"il' not in answer.split(b"\r\n\r\n", 1)[1]


@pytest.mark.parametrize("head,status", [
    (b"GET /sparql?query=" + b"a" * (64 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * (64 << 20) + b"\r\n\r\n", 431),
    (b"GET /sparql HTTP/1.1\r\nHost: x\r\n" + b"X: b\r\n" * 200_000 + b"\r\n", 431)],
    ids=["long-url", "long-header", "many-headers"])
def test_a_request_head_larger_than_the_limit_is_refused_with_bounded_memory(server, head, status):
    """uvicorn's parser gathers a URL or headers of any length; at 64 KiB the front answers 414
    or 431 and closes the connection."""
    proc, url = server
    before = rss_kb(proc.pid)
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        try:
            for start in range(0, len(head), 1 << 20):
                sock.sendall(head[start:start + (1 << 20)])
        except OSError:  # the server refused and closed while this was still sending
            pass
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    assert status_of(answer) == status, answer[:300]
    assert answer.split(b"\r\n\r\n", 1)[1].count(b"\n") == 1 and b"64 KiB" in answer
    assert rss_kb(proc.pid) - before < 20_000
    long_query = b"ASK%20%7B%20BIND(%22" + b"a" * 65_000 + b"%22%20AS%20?x)%7D"  # allowed
    assert status_of(raw(url, b"GET /sparql?query=" + long_query + b" HTTP/1.1\r\nHost: x\r\n"
                         b"Connection: close\r\n\r\n", timeout=30)) == 200


def test_the_query_string_is_decoded_as_utf8(server):
    """Percent-escapes are UTF-8; one that is not gives a one-line 400 (in the URL and in a form
    body), while a real U+FFFD in a literal is kept."""
    proc, url = server
    ask = 'SELECT ?x WHERE { BIND("zo\u00eb \ufffd" AS ?x) }'
    resp = httpx.get(url, params={"query": ask}, headers={"Accept": "text/csv"}, timeout=10)
    assert resp.status_code == 200 and resp.text.splitlines()[1] == "zo\u00eb \ufffd"
    for bad in (b"/sparql?query=ASK%20%7B%FF%7D", b"/sparql?query=ASK+{}&x=%C3"):
        answer = raw(url, b"GET " + bad + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert status_of(answer) == 400, answer[:300]
        assert answer.split(b"\r\n\r\n", 1)[1] == b"the query string is not valid UTF-8\n"
    resp = httpx.post(url, content=b"query=ASK%20%7B%FF%7D", timeout=10,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 400 and resp.text == "the form is not valid UTF-8\n"


def test_many_slow_connections_do_not_stop_the_server(server):
    proc, url = server
    parts = urlsplit(url)
    before = rss_kb(proc.pid)
    slow = []
    for _ in range(1500):
        sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the end of the head
        slow.append(sock)
    try:
        started = time.monotonic()
        resp = httpx.get(url, params={"query": LOOKUP}, timeout=10)
        assert resp.status_code == 200 and time.monotonic() - started < 2
        assert rss_kb(proc.pid) - before < 100_000  # kilobytes per connection, no thread each
    finally:
        for sock in slow:
            sock.close()


def test_the_dump_is_streamed(server):
    proc, url = server
    site = url[: -len("/sparql")]
    with httpx.stream("GET", site + "/dumps/dump.nq.gz", timeout=30) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/gzip"
        assert sum(len(c) for c in resp.iter_bytes()) == int(resp.headers["content-length"])
    head = httpx.head(site + "/dumps/dump.nq.gz", timeout=30)
    assert head.status_code == 200 and head.content == b""


# --- fair capacity -----------------------------------------------------------------------------------


def test_a_small_query_and_a_page_answer_while_two_runaway_queries_run(server):
    proc, url = server
    site = url[: -len("/sparql")]
    answers = []

    def runaway():
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=60) as http:
            answers.append(http.post(url, data={"query": RUNAWAY}))

    threads = [threading.Thread(target=runaway) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    try:
        # the same client may not run a third (--per-client 2)
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(transport=transport, timeout=10) as http:
            third = http.post(url, data={"query": RUNAWAY})
        assert third.status_code == 429 and "Retry-After" in third.headers
        started = time.monotonic()
        small = httpx.get(url, params={"query": LOOKUP}, timeout=10)
        small_s = time.monotonic() - started
        started = time.monotonic()
        page = httpx.get(site + "/doc/kamerstuk/26643-640", headers={"Accept": "text/html"},
                         timeout=10)
        page_s = time.monotonic() - started
        assert small.status_code == 200 and SEED in small.text
        assert page.status_code == 200
        assert small_s < 1.0, f"small query took {small_s:.2f} s"
        assert page_s < 1.0, f"page took {page_s:.2f} s"
    finally:
        for t in threads:
            t.join()
    assert [a.status_code for a in answers] == [503, 503]


def test_known_slow_queries_leave_a_worker_for_quick_ones(tmp_path_factory):
    """Once a query text is known to be slow, at most all workers but one run such queries:
    a small query answers at once while they load the server."""
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f }"
    proc, url = spawn(corpus_store(tmp_path_factory), "--processes", "1", "--workers", "2",
                      "--queue-timeout", "30")
    try:
        assert httpx.post(url, data={"query": heavy}, timeout=60).status_code == 200  # learnt
        answers = []

        def load(address):
            with httpx.Client(transport=httpx.HTTPTransport(local_address=address),
                              timeout=60) as http:
                answers.append(http.post(url, data={"query": heavy}).status_code)

        threads = [threading.Thread(target=load, args=(f"127.0.0.{i}",)) for i in range(2, 6)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        started = time.monotonic()
        small = httpx.get(url, params={"query": LOOKUP}, timeout=10)
        assert small.status_code == 200 and time.monotonic() - started < 1.0
        for t in threads:
            t.join()
        assert answers == [200] * 4
    finally:
        proc.terminate()
        proc.wait(10)


def test_the_queue_has_its_own_short_timeout(tmp_path_factory):
    """With every worker busy, a query waits --queue-timeout, then gets 503 and Retry-After."""
    proc, url = spawn(corpus_store(tmp_path_factory), "--processes", "1", "--workers", "1",
                      "--queue-timeout", "1", "--timeout", "20")
    try:
        start_runaway(url)
        time.sleep(0.5)
        started = time.monotonic()
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.9"),
                          timeout=10) as http:
            resp = http.get(url, params={"query": LOOKUP})
        waited = time.monotonic() - started
        assert resp.status_code == 503 and "Retry-After" in resp.headers, resp.text
        assert 0.9 < waited < 5
    finally:
        proc.kill()  # the runaway query's worker dies with it
        proc.wait(10)


def _learn_fast(url: str, query: str) -> None:
    """Run ``query`` until a worker has answered it fast enough for its shape to take the
    front's fast lane (a loaded machine may slow the first runs)."""
    from kgbuild.site.fastlane import FAST_SECONDS

    with httpx.Client(timeout=30) as http:
        for _ in range(50):  # the answer's round trip bounds the worker's time from above
            started = time.monotonic()
            assert http.post(url, data={"query": query}).status_code == 200
            if time.monotonic() - started < FAST_SECONDS:
                return
    pytest.fail("the query never answered fast enough to take the fast lane")


def test_a_query_of_a_known_fast_shape_answers_while_every_worker_is_busy(tmp_path_factory):
    """The Kamerstuk lookup for one Kamerstuk teaches the front its shape: the lookup for
    another then runs in the front process, answering while the only worker runs a runaway
    query (without the fast lane it would wait the 1 s queue timeout and get 503)."""
    proc, url = spawn(corpus_store(tmp_path_factory), "--processes", "1", "--workers", "1",
                      "--queue-timeout", "1", "--timeout", "20")
    try:
        _learn_fast(url, LOOKUP.replace("26643-640", "21501-20-1"))

        start_runaway(url, "127.0.0.3")  # another address: one query at once per client here
        time.sleep(0.5)
        started = time.monotonic()
        resp = httpx.get(url, params={"query": LOOKUP}, timeout=10)
        assert resp.status_code == 200 and SEED in resp.text, resp.text
        assert time.monotonic() - started < 0.9
        # a query of another shape still waits for the worker: 503 after the queue timeout
        other = httpx.get(url, params={"query": f"ASK {{ <{KST}> ?p ?o }}"}, timeout=10)
        assert other.status_code == 503 and "Retry-After" in other.headers
    finally:
        proc.kill()
        proc.wait(10)


def test_the_watchdog_kills_a_front_whose_fast_lane_query_runs_long(tmp_path_factory):
    """A query of a known-fast shape that runs long in the front (here: LIMIT 5 is fast, the
    same with a huge LIMIT is a runaway) is stopped by the supervisor's watchdog within a
    fraction of a second: it kills that front (the query's connection closes), a new front
    takes its place, and from then on that shape runs in the killable workers (503 at the
    timeout), with no CPU left burning."""
    from kgbuild.site.fastlane import BUDGET

    from tests.test_serve import _children

    shape = "SELECT (COUNT(*) AS ?n) WHERE {{ {{ SELECT * WHERE {{ ?a ?b ?c . ?d ?e ?f . " \
            "?g ?h ?i }} LIMIT {} }} }}"
    proc, url = spawn(corpus_store(tmp_path_factory), "--processes", "1", "--workers", "2",
                      "--timeout", "3")
    try:
        _learn_fast(url, shape.format(5))
        started = time.monotonic()
        with pytest.raises(httpx.TransportError):  # the front is killed under it
            httpx.post(url, data={"query": shape.format(10 ** 15)}, timeout=30)
        assert time.monotonic() - started < BUDGET + 2.0
        deadline = time.monotonic() + 120
        while True:  # the supervisor starts another front
            try:
                if httpx.get(url, params={"query": LOOKUP}, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "no front came back"
            time.sleep(0.2)
        resp = httpx.post(url, data={"query": shape.format(10 ** 15)}, timeout=30)
        assert resp.status_code == 503 and "timeout" in resp.text  # now a worker's, killed
        time.sleep(1.0)
        before = _children(proc.pid)
        time.sleep(1.5)
        after = _children(proc.pid)
        growth = sum(after.get(pid, 0) - cpu for pid, cpu in before.items())
        assert growth < 0.2, f"CPU still being used: {growth:.2f} s"
    finally:
        proc.terminate()
        proc.wait(10)
    log = proc.stderr.read()
    assert "fast lane ran past" in log and "Traceback" not in log, log[-2000:]


def test_a_connection_that_never_finishes_its_request_is_closed(server):
    from kgbuild.serve import HEADER_SECONDS

    proc, url = server
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=HEADER_SECONDS + 10) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        assert sock.recv(100) == b""  # closed by the server, without an answer
        assert HEADER_SECONDS - 1 < time.monotonic() - started < HEADER_SECONDS + 5


def test_no_traceback_in_the_log(server):
    """Last in this module: stop the server and read everything it logged."""
    proc, url = server
    proc.terminate()
    proc.wait(10)
    log = proc.stderr.read()
    assert "Traceback" not in log, log[-2000:]
    assert all(len(line) < 600 for line in log.splitlines())
