"""`kgbuild publish --to URL` against a real Virtuoso (its Graph Store endpoint with Digest auth)
and `oxigraph serve` (/store): counts per graph equal on the target and our store; a second
publish sends nothing; a failure halfway is reported and recorded."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pyoxigraph as ox
import pytest

from tests.helpers import corpus_store, kgbuild
from tests.virtuoso import DBA_PASSWORD, Virtuoso, free_port, wait_listening

COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return corpus_store(tmp_path_factory)


def our_counts(store) -> dict[str, int]:
    db = ox.Store.read_only(str(store / "oxigraph"))
    return {r["g"].value: int(r["n"].value) for r in db.query(COUNTS)}


def target_counts(sparql: str, graphs) -> dict[str, int]:
    resp = httpx.post(sparql, data={"query": COUNTS}, timeout=60,
                      headers={"Accept": "application/sparql-results+json"})
    resp.raise_for_status()
    got = {b["g"]["value"]: int(b["n"]["value"]) for b in resp.json()["results"]["bindings"]}
    return {g: n for g, n in got.items() if g in graphs}


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso-publish")).start()
    yield server
    server.stop()


@pytest.fixture
def oxigraph_target(tmp_path):
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve", "--location", str(tmp_path / "db"), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_listening(port)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(10)


def run_publish(store, target, state, **env):
    return kgbuild("publish", "--to", target, "--store", str(store), "--state", str(state),
                   env={**os.environ, **env})


def test_publish_round_trips_into_virtuoso(store, virtuoso, tmp_path):
    state = tmp_path / "state.json"
    creds = {"KGBUILD_PUBLISH_USER": "dba", "KGBUILD_PUBLISH_PASSWORD": DBA_PASSWORD}
    refused = run_publish(store, virtuoso.graph_crud, state)  # no credentials: 401
    assert refused.returncode == 2 and "401" in refused.stderr
    assert "STOPPED" in refused.stderr and len(refused.stderr.strip().splitlines()) >= 1
    first = run_publish(store, virtuoso.graph_crud, state, **creds)
    assert first.returncode == 0, first.stderr
    ours = our_counts(store)
    assert target_counts(virtuoso.sparql, ours) == ours
    assert f"{len(ours)} graphs replaced" in first.stderr
    second = run_publish(store, virtuoso.graph_crud, state, **creds)
    assert second.returncode == 0, second.stderr
    assert "0 graphs replaced (0 triples), 0 deleted" in second.stderr
    assert " PUT " not in second.stderr


def test_publish_into_oxigraph_only_sends_what_changed(store, oxigraph_target, tmp_path):
    state = tmp_path / "state.json"
    target = oxigraph_target + "/store"
    first = run_publish(store, target, state)
    assert first.returncode == 0, first.stderr
    ours = our_counts(store)
    assert target_counts(oxigraph_target + "/query", ours) == ours
    # the target's copy of one graph is stale in our state: only that graph is sent again,
    # and a graph the last publish sent that the build no longer has is deleted
    recorded = json.loads(state.read_text())
    one = sorted(ours)[0]
    recorded["graphs"][one] = "0" * 64
    recorded["graphs"]["https://w3id.org/bnc-fiches/graph/fiche/gone"] = "1" * 64
    httpx.put(target, params={"graph": "https://w3id.org/bnc-fiches/graph/fiche/gone"},
              content=b"<urn:a> <urn:b> <urn:c> .", headers={"Content-Type": "text/turtle"})
    state.write_text(json.dumps(recorded))
    again = run_publish(store, target, state)
    assert again.returncode == 0, again.stderr
    assert "1 graphs replaced" in again.stderr and "1 deleted" in again.stderr
    gone = "https://w3id.org/bnc-fiches/graph/fiche/gone"
    assert target_counts(oxigraph_target + "/query", [*ours, gone]) == ours


def relay_failing_after(target: str, accepted: int) -> ThreadingHTTPServer:
    """A front for ``target`` that relays the first ``accepted`` requests, then answers 507
    (a store that ran out of space halfway)."""
    seen = []

    class Relay(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_PUT(self):  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            seen.append(self.path)
            if len(seen) <= accepted:
                resp = httpx.put(target + self.path[self.path.index("?"):], content=body,
                                 headers={"Content-Type": self.headers["Content-Type"]})
                status, out = resp.status_code, resp.content
            else:
                status, out = 507, b"Insufficient Storage: disk full"
            self.send_response(status)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Relay)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_failure_halfway_is_reported_and_recorded(store, oxigraph_target, tmp_path):
    state = tmp_path / "state.json"
    relay = relay_failing_after(oxigraph_target + "/store", 3)
    url = f"http://127.0.0.1:{relay.server_address[1]}/store"
    try:
        result = run_publish(store, url, state)
    finally:
        relay.shutdown()
    graphs = sorted(our_counts(store))
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "3 graphs replaced" in last and f"STOPPED at <{graphs[3]}>" in last
    assert "507" in last and f"{len(graphs) - 4} changed graphs not sent" in last
    recorded = json.loads(state.read_text())["graphs"]
    assert sorted(recorded) == graphs[:3]  # exactly what the target accepted
    done = run_publish(store, oxigraph_target + "/store", tmp_path / "other.json")
    assert done.returncode == 0
