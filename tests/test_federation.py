"""SERVICE federation, tested against local stand-ins for EUR-Lex on loopback: a second SPARQL
server (`oxigraph serve`) loaded with CDM-shaped data, a server that cuts its answer off and
one that never answers. Only 127.0.0.1 is contacted; CELLAR itself never is.
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest

from kgbuild.query import find_query
from kgbuild.serve import spawn
from tests.helpers import corpus_store, kgbuild, rows_of

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/bnc-fiches/"
SEED = BASE + "id/fiche/com-2025-723"
CDM = "http://publications.europa.eu/ontology/cdm#"
CELLAR = "https://publications.europa.eu/webapi/rdf/sparql"
UNRELATED = "52019DC0640"  # in the stand-in, not a proposal of any fiche


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_listening(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


def proposals(store: Path) -> list[str]:
    db = ox.Store.read_only(str(store / "oxigraph"))
    rows = db.query(find_query("fiche-proposals").text, use_default_graph_as_union=True)
    return sorted({row["celex"].value for row in rows})


def cdm_quads(celexes: list[str]) -> list[ox.Quad]:
    """CELLAR-shaped data: a cellar/{uuid} work per CELEX, its date, Dutch and English title
    expressions and EuroVoc subjects."""
    quads = []

    def add(s, p, o):
        quads.append(ox.Quad(s, ox.NamedNode(CDM + p) if ":" not in p else ox.NamedNode(p), o))

    for i, celex in enumerate(celexes):
        work = ox.NamedNode(f"http://publications.europa.eu/resource/cellar/{uuid.uuid4()}")
        add(work, "resource_legal_id_celex",
            ox.Literal(celex, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")))
        add(work, "http://www.w3.org/2002/07/owl#sameAs",
            ox.NamedNode(f"http://publications.europa.eu/resource/celex/{celex}"))
        add(work, "work_date_document", ox.Literal(
            f"20{celex[3:5]}-0{1 + i % 9}-1{i % 9}",
            datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")))
        for lang, title in (("NLD", f"Nederlandse titel van {celex}"),
                            ("ENG", f"English title of {celex}")):
            expr = ox.NamedNode(f"{work.value}.0001.{lang}")
            add(expr, "expression_belongs_to_work", work)
            add(expr, "expression_uses_language",
                ox.NamedNode(f"http://publications.europa.eu/resource/authority/language/{lang}"))
            add(expr, "expression_title", ox.Literal(title))
        for concept in (f"http://eurovoc.europa.eu/{1000 + i}", "http://eurovoc.europa.eu/4424"):
            add(work, "work_is_about_concept_eurovoc", ox.NamedNode(concept))
    return quads


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


@pytest.fixture(scope="module")
def eurlex(store, tmp_path_factory):
    """`oxigraph serve` on a free loopback port playing EUR-Lex's CELLAR endpoint."""
    location = tmp_path_factory.mktemp("eurlex") / "db"
    data = location.parent / "cdm.nq"
    data.write_bytes(ox.serialize(cdm_quads(proposals(store) + [UNRELATED]),
                                  format=ox.RdfFormat.N_QUADS))
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


class _Misbehaving(BaseHTTPRequestHandler):
    """A SPARQL endpoint that promises a JSON answer and cuts it off."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"head":{"vars":["work","celex"]},"results":{"bindings":[{"work":{"type":"uri",'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body) + 500))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST

    def log_message(self, *args):
        pass


def picky_server(target: str) -> ThreadingHTTPServer:
    """A stand-in that, like a Virtuoso reported to, takes form-encoded POSTs only (it relays
    them to ``target``) and refuses ``application/sparql-query`` bodies."""

    class Picky(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                resp = httpx.post(target, content=body, timeout=30, headers={
                    "Content-Type": self.headers["Content-Type"],
                    "Accept": self.headers.get("Accept", "*/*")})
                status, ctype, out = resp.status_code, resp.headers["content-type"], resp.content
            else:
                status, ctype, out = 415, "text/plain", b"form-encoded queries only"
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Picky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def broken():
    """Three bad remotes: one cutting its answer off, one never answering, one not there."""
    cut = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    threading.Thread(target=cut.serve_forever, daemon=True).start()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)  # accepts connections (kernel backlog), never answers
    absent = free_port()
    yield {"cut": f"http://127.0.0.1:{cut.server_address[1]}/sparql",
           "silent": f"http://127.0.0.1:{silent.getsockname()[1]}/sparql",
           "absent": f"http://127.0.0.1:{absent}/sparql"}
    cut.shutdown()
    silent.close()


@pytest.fixture(scope="module")
def endpoint(store, eurlex, broken):
    allow = [x for url in (eurlex, *broken.values()) for x in ("--allow-service", url)]
    proc, url = spawn(store, "--timeout", "4", *allow)
    yield url
    proc.terminate()
    proc.wait(10)


def check_eurlex_rows(rows: list[dict[str, str]], expected_celex: list[str]) -> None:
    assert sorted({r["celex"] for r in rows}) == expected_celex
    for row in rows:
        celex = row["celex"]
        assert row["title"] == f"Nederlandse titel van {celex}"  # the Dutch expression
        assert row["work"].startswith("http://publications.europa.eu/resource/cellar/")
        assert row["date"].startswith(f"20{celex[3:5]}-")
        assert "http://eurovoc.europa.eu/4424" in row["eurovoc"].split()
        assert "fiche" in row, f"{celex}: joined with no fiche"
    seed = [r for r in rows if r["celex"] == "52025DC0723"]
    assert [r["fiche"] for r in seed] == [SEED]


def test_federated_query_through_the_endpoint(store, eurlex, endpoint):
    result = kgbuild("query", "eurlex-proposals", "--format", "json", "--endpoint", endpoint,
                     "--eurlex-endpoint", eurlex)
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    check_eurlex_rows(rows, proposals(store))
    assert UNRELATED not in {r["celex"] for r in rows}  # only the VALUES inside SERVICE


def test_federated_query_on_the_store(store, eurlex):
    result = kgbuild("query", "eurlex-proposals", "--format", "json", "--store", str(store),
                     "--eurlex-endpoint", eurlex)
    assert result.returncode == 0, result.stderr
    check_eurlex_rows(rows_of(result.stdout), proposals(store))


def test_celex_parameter_goes_inside_the_service_block(store, eurlex, endpoint):
    for target in (["--store", str(store)], ["--endpoint", endpoint]):
        result = kgbuild("query", "eurlex-proposals", "-p", "celex=52025DC0723",
                         "-p", f"celex={UNRELATED}", "--format", "json",
                         "--eurlex-endpoint", eurlex, *target)
        assert result.returncode == 0, result.stderr
        rows = rows_of(result.stdout)
        assert sorted(r["celex"] for r in rows) == sorted(["52025DC0723", UNRELATED])
        assert "fiche" not in next(r for r in rows if r["celex"] == UNRELATED)


def test_service_allowed_only_for_listed_endpoints(store, eurlex):
    federated = find_query("eurlex-proposals").text.replace(CELLAR, eurlex)
    proc, url = spawn(store)  # no --allow-service: CELLAR only
    try:
        resp = httpx.post(url, data={"query": federated}, timeout=30)
        assert resp.status_code == 403
        assert f"SERVICE <{eurlex}> is not allowed" in resp.text
        assert CELLAR in resp.text  # says what is allowed
    finally:
        proc.terminate()
        proc.wait(10)


def test_allowed_service_answers_through_http(eurlex, endpoint):
    query = ("SELECT ?work WHERE { SERVICE <%s> { ?work <%sresource_legal_id_celex> "
             "\"52025DC0723\" } }" % (eurlex, CDM))
    resp = httpx.post(endpoint, data={"query": query}, timeout=30)
    assert resp.status_code == 200, resp.text
    rows = json.loads(resp.text)["results"]["bindings"]
    assert len(rows) == 1 and "/resource/cellar/" in rows[0]["work"]["value"]


@pytest.mark.parametrize("which,status,message", [
    ("cut", 502, "SERVICE call failed"),
    ("absent", 502, "SERVICE call failed"),
    ("silent", 503, "timeout"),
])
def test_a_failing_service_is_a_clear_error(broken, endpoint, which, status, message):
    query = "SELECT * WHERE { SERVICE <%s> { ?s ?p ?o } }" % broken[which]
    started = time.monotonic()
    resp = httpx.post(endpoint, data={"query": query}, timeout=60)
    assert resp.status_code == status, resp.text
    assert message in resp.text and len(resp.text.strip().splitlines()) == 1
    assert time.monotonic() - started < 4 + 5
    # the endpoint still answers
    ok = httpx.get(endpoint, params={"query": "ASK { ?s ?p ?o }"}, timeout=30)
    assert ok.status_code == 200


def test_client_side_service_calls(store, eurlex, endpoint):
    for target in (["--store", str(store)], ["--endpoint", endpoint]):
        result = kgbuild("query", "eurlex-proposals", "--client-service", "--format", "json",
                         "--eurlex-endpoint", eurlex, *target)
        assert result.returncode == 0, result.stderr
        check_eurlex_rows(rows_of(result.stdout), proposals(store))


def test_falls_back_to_form_encoded_calls_when_oxigraph_s_call_fails(store, eurlex):
    picky = picky_server(eurlex)
    url = f"http://127.0.0.1:{picky.server_address[1]}/sparql"
    try:
        refused = httpx.post(url, content=b"ASK {}", timeout=30,
                             headers={"Content-Type": "application/sparql-query"})
        assert refused.status_code == 415
        result = kgbuild("query", "eurlex-proposals", "--format", "json", "--store", str(store),
                         "--eurlex-endpoint", url)
        assert result.returncode == 0, result.stderr
        assert "calling the remote endpoint from kgbuild instead" in result.stderr
        check_eurlex_rows(rows_of(result.stdout), proposals(store))
    finally:
        picky.shutdown()
