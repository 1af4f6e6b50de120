"""The federated query ``eurlex-proposals`` for a large corpus against a real Virtuoso.

Builds (or reuses) a 5,000-fiche corpus (``bench/corpus.py``), loads a Virtuoso (Debian's
``virtuoso-t``, CELLAR's engine; ``tests/virtuoso.py``) with CELLAR-shaped works for every
document the fiches assess plus unrelated works (``tests/cellar.py``), and prints, side by side:

- kgbuild's bind join (``kgbuild query eurlex-proposals``: the documents the local part finds
  sent into the block as VALUES, in batches), for several batch sizes: requests, seconds, rows;
- what a user would write instead: one big VALUES query with every document, sent by hand;
- the block without bindings (what Oxigraph's SERVICE sends: it passes no values in), which
  pulls the remote's whole table, cut off at Virtuoso's ResultSetMaxRows;
- Oxigraph's own SERVICE against Virtuoso (an ``application/sparql-query`` POST), and both
  against ``oxigraph serve`` loaded with the same data, where Oxigraph's SERVICE does work.

    python bench/federation.py                      # 5,000 fiches, 20,000 unrelated works
    python bench/federation.py --store /tmp/big/store --unrelated 50000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

import httpx  # noqa: E402
import pyoxigraph as ox  # noqa: E402

from kgbuild.federation import find_services, resolve_services  # noqa: E402
from kgbuild.query import CELLAR_ENDPOINT, find_query, open_store  # noqa: E402
from tests import cellar  # noqa: E402
from tests.virtuoso import Virtuoso  # noqa: E402

ASSESSED = """PREFIX bnc: <https://w3id.org/bnc-fiches/ontology#>
SELECT DISTINCT ?document WHERE { GRAPH ?g { ?fiche bnc:assesses ?document } }"""


def documents(store_dir: Path) -> list[str]:
    store = open_store(store_dir)
    return sorted(r["document"].value.rsplit("/", 1)[1] for r in store.query(ASSESSED))


def remote_works(celexes: list[str], unrelated: int) -> list[cellar.Work]:
    subjects = list(cellar.notice_work().eurovoc.items())
    others = [f"3{2000 + i // 9000}R{i % 9000:04d}" for i in range(unrelated)]
    return [cellar.corpus_work(c, eurovoc=dict(subjects[i % 8:i % 8 + 2]))
            for i, c in enumerate(celexes + others)]


def timed(func):
    started = time.monotonic()
    out = func()
    return out, time.monotonic() - started


def kgbuild_bind_join(store_dir: Path, endpoint: str, batch: int) -> tuple[int, float, int, int]:
    """resolve_services + the final query, as ``kgbuild query`` runs them, at a batch size:
    (requests, seconds, documents answered, result rows)."""
    calls = []
    store = open_store(store_dir)
    text = find_query("eurlex-proposals").text.replace(f"<{CELLAR_ENDPOINT}>", f"<{endpoint}>")

    def run():
        resolved = resolve_services(
            text, prefixes={}, allowed=[endpoint], deadline=time.monotonic() + 600,
            run_local=lambda q: [{"document": r["document"]} for r in store.query(q)],
            batch_rows=batch, log=calls.append)
        return list(store.query(resolved))

    results, seconds = timed(run)
    answered = {r["document"].value for r in results if r["work"] is not None}
    return len(calls), seconds, len(answered), len(results)


def _remote(endpoint: str, values: str, needed: set[str]) -> tuple[int, float, int, int]:
    text = find_query("eurlex-proposals").text
    body = find_services(text)[0].body
    prologue = "\n".join(line for line in text.splitlines() if line.startswith("PREFIX"))
    query = f"{prologue}\nSELECT * WHERE {{ {values}\n{body} }}"

    def run():
        resp = httpx.post(endpoint, data={"query": query}, timeout=600,
                          headers={"Accept": "application/sparql-results+json"})
        if resp.status_code != 200:
            print(f"  (Virtuoso answered {resp.status_code}: {' '.join(resp.text.split())[:160]})")
            return resp.status_code, []
        return 200, resp.json()["results"]["bindings"]

    (status, bindings), seconds = timed(run)
    if status != 200:
        return 1, seconds, -status, 0
    return 1, seconds, len({b["document"]["value"] for b in bindings} & needed), len(bindings)


def one_big_values(endpoint: str, celexes: list[str]) -> tuple[int, float, int, int]:
    """What a user would write: every document in one VALUES, one form-encoded POST."""
    iris = [f"{cellar.RES}celex/{c}" for c in celexes]
    return _remote(endpoint, "VALUES ?document { " + " ".join(f"<{i}>" for i in iris) + " }",
                   set(iris))


def whole_table(endpoint: str, celexes: list[str]) -> tuple[int, float, int, int]:
    """The block without bindings, as Oxigraph's SERVICE sends it: the remote's whole table."""
    return _remote(endpoint, "", {f"{cellar.RES}celex/{c}" for c in celexes})


def oxigraph_service(store_dir: Path, endpoint: str, timeout: float) -> str:
    script = ("import pyoxigraph as ox, sys; s = ox.Store.read_only(sys.argv[1]);"
              "print(len(list(s.query(sys.argv[2], use_default_graph_as_union=True))))")
    text = find_query("eurlex-proposals").text.replace(f"<{CELLAR_ENDPOINT}>", f"<{endpoint}>")
    started = time.monotonic()
    try:
        out = subprocess.run([sys.executable, "-c", script, str(store_dir / "oxigraph"), text],
                             capture_output=True, text=True, timeout=timeout)
        answer = out.stdout.strip() or out.stderr.strip()[-80:]
        return f"{answer} ({time.monotonic() - started:.1f} s)"
    except subprocess.TimeoutExpired:
        return f"no answer within {timeout:g} s (killed)"


def oxigraph_remote(tmp: Path, quads) -> tuple[subprocess.Popen, str]:
    """``oxigraph serve`` loaded with the same data: the remote where Oxigraph's SERVICE works."""
    from tests.virtuoso import free_port, wait_listening

    data = tmp / "cellar.nq"
    data.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
    subprocess.run(["oxigraph", "load", "--location", str(tmp / "oxi"), "--file", str(data)],
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve", "--location", str(tmp / "oxi"), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    wait_listening(port)
    return proc, f"http://127.0.0.1:{port}/query"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=None,
                        help="an existing store of the large corpus (else one is built)")
    parser.add_argument("--fiches", type=int, default=5000)
    parser.add_argument("--unrelated", type=int, default=20000,
                        help="works in the remote that no fiche assesses")
    parser.add_argument("--batches", type=int, nargs="+", default=[100, 50, 200, 500])
    parser.add_argument("--oxigraph-timeout", type=float, default=30.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kgbuild-bench-fed-") as tmp:
        tmp = Path(tmp)
        store = args.store
        if store is None:
            from corpus import make_corpus
            from kgbuild.build import build

            make_corpus(args.fiches, tmp / "fiches")
            build([tmp / "fiches"], tmp / "store", progress=False)
            store = tmp / "store"
        celexes = documents(store)
        works = remote_works(celexes, args.unrelated)
        virtuoso = Virtuoso(tmp / "virtuoso").start()
        try:
            data = virtuoso.dir / "cellar.nt"
            quads = cellar.quads(works)
            data.write_bytes(cellar.ntriples(quads))
            _, load_seconds = timed(lambda: virtuoso.load(data, cellar.RES + "cellar"))
            print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
                  f"Virtuoso started in {virtuoso.start_seconds:.1f} s, loaded {len(quads)} "
                  f"triples ({len(works)} works) in {load_seconds:.1f} s; "
                  f"{len(celexes)} documents assessed by the fiches")
            kgbuild_bind_join(store, virtuoso.sparql, 500)  # warm Virtuoso's caches first
            rows = [(f"kgbuild bind join, batches of {b}",
                     *kgbuild_bind_join(store, virtuoso.sparql, b)) for b in args.batches]
            rows.append(("one big VALUES query by hand", *one_big_values(virtuoso.sparql, celexes)))
            rows.append(("block without bindings (whole table)",
                         *whole_table(virtuoso.sparql, celexes)))
            print(f"{'approach':<40} | requests | seconds | documents answered | rows")
            print(f"{'-' * 40}-+----------+---------+--------------------+-------")
            for name, requests, seconds, answered, count in rows:
                shown = f"HTTP {-answered}" if answered < 0 else f"{answered} of {len(celexes)}"
                print(f"{name:<40} | {requests:>8} | {seconds:>7.2f} | {shown:>18} | {count:>6}")
            own = oxigraph_service(store, virtuoso.sparql, args.oxigraph_timeout)
            print(f"{'Oxigraph SERVICE -> Virtuoso':<40} | {own}")
            proc, oxi = oxigraph_remote(tmp, quads)
            try:
                requests, seconds, answered, count = kgbuild_bind_join(store, oxi, 100)
                print(f"{'kgbuild bind join -> oxigraph serve':<40} | {requests:>8} | "
                      f"{seconds:>7.2f} | {f'{answered} of {len(celexes)}':>18} | {count:>6}")
                own = oxigraph_service(store, oxi, max(args.oxigraph_timeout, 120))
                print(f"{'Oxigraph SERVICE -> oxigraph serve':<40} | result rows {own}")
            finally:
                proc.terminate()
                proc.wait()
            print(f"load average after: {os.getloadavg()[0]:.1f}")
        finally:
            virtuoso.stop()


if __name__ == "__main__":
    main()
