"""Benchmark the SPARQL endpoint: latency of every catalogue query, and sustained throughput.

    python bench/queries.py                        # real corpus (data/store) and 5,000 fiches
    python bench/queries.py --fiches 0             # real corpus only
    python bench/queries.py --store DIR --fiches 0 # an existing store
    python bench/queries.py --oxigraph             # also: `oxigraph serve-read-only` alone

Prints one table per store: median and 95th-percentile latency of each catalogue query over
HTTP (``kgbuild serve`` on a free loopback port, one client), then the sustained queries per
second of a Kamerstuk lookup with concurrent keep-alive clients (separate processes, each from
its own loopback address; with ``--oxigraph`` the two servers take turns, ``--rounds`` times
per client count, and the medians are compared), and the latency of a small query while 50
connections load the site with pages and catalogue queries. Federated queries are left out
(they would call EUR-Lex). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kgbuild.query import find_query, insert_values, load_catalogue, make_term  # noqa: E402
from kgbuild.serve import spawn  # noqa: E402

LOOKUP = "fiches-citing-kamerstuk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_kgbuild(store: Path, workers: int | None) -> tuple[subprocess.Popen, str]:
    """``kgbuild serve`` on a free loopback port; returns the process and the endpoint URL."""
    return spawn(store, *(["--workers", str(workers)] if workers else []))


def start_oxigraph(store: Path) -> tuple[subprocess.Popen, str]:
    """``oxigraph serve-read-only`` alone, for comparison (no allowlist, no kill-on-timeout),
    with the same default graph as ``kgbuild serve``: the store's own (the merge the build
    writes), or the union of the graphs when it is empty."""
    import pyoxigraph as ox

    merged = bool(ox.Store.read_only(str(store / "oxigraph")).query("ASK { ?s ?p ?o }"))
    port = free_port()
    proc = subprocess.Popen(["oxigraph", "serve-read-only", "--location", str(store / "oxigraph"),
                             "--bind", f"127.0.0.1:{port}",
                             *([] if merged else ["--union-default-graph"])],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url
        except OSError:
            time.sleep(0.05)
    raise SystemExit("oxigraph serve-read-only did not start")


class Client:
    """One keep-alive HTTP connection with TCP_NODELAY, from its own loopback address
    (127.0.0.N: each client is a different user for the per-client limit)."""

    def __init__(self, url: str, number: int = 0):
        rest = url.split("://", 1)[1]
        hostport, _, path = rest.partition("/")
        host, _, port = hostport.partition(":")
        self.path = "/" + path
        self.address = (host, int(port), f"127.0.{number // 250}.{2 + number % 250}")
        self._connect()

    def _connect(self) -> None:
        host, port, source = self.address
        self.conn = http.client.HTTPConnection(host, port, timeout=120,
                                               source_address=(source, 0))
        self.conn.connect()
        self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _request(self, path: str, accept: str) -> None:
        """Send a GET; a keep-alive connection the server closed while idle is reopened."""
        try:
            self.conn.request("GET", path, headers={"Accept": accept})
            self._pending = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            self.conn.close()
            self._connect()
            self.conn.request("GET", path, headers={"Accept": accept})
            self._pending = self.conn.getresponse()

    def get(self, query: str) -> bytes:
        self._request(f"{self.path}?{urlencode({'query': query})}",
                      "application/sparql-results+json")
        return self._answer()

    def page(self, path: str) -> bytes:
        self._request(path, "text/html")
        return self._answer()

    def _answer(self) -> bytes:
        resp = self._pending
        body = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{resp.status}: {body[:200]!r}")
        return body


def latencies(url: str, query: str, runs: int) -> tuple[float, float]:
    """Median and 95th percentile in ms of ``runs`` sequential requests (after one warm-up)."""
    client = Client(url)
    client.get(query)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        client.get(query)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]


def _load(url: str, queries: list[str], seconds: float, counter, number: int) -> None:
    client = Client(url, number)
    end, n = time.monotonic() + seconds, 0
    while time.monotonic() < end:
        client.get(queries[n % len(queries)])
        n += 1
    with counter.get_lock():
        counter.value += n


def throughput(url: str, queries: list[str], clients: int, seconds: float) -> float:
    """Queries per second with ``clients`` concurrent client processes for ``seconds``."""
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("l", 0)
    procs = [ctx.Process(target=_load, args=(url, queries, seconds, counter, i))
             for i in range(clients)]
    t0 = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    return counter.value / (time.perf_counter() - t0)


def _mixed(url: str, paths: list[str], queries: list[str], seconds: float, counter,
           first: int, connections: int) -> None:
    """``connections`` keep-alive clients (threads) alternating pages and catalogue queries."""
    import threading

    site = url[: -len("/sparql")]
    done = []

    def run(number: int) -> None:
        client, n = Client(url, number), 0
        page = Client(site + "/", number)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                if n % 2:
                    client.get(queries[n % len(queries)])
                else:
                    page.page(paths[n % len(paths)])
            except RuntimeError:  # a 503/429 under this load counts as a request, not a crash
                pass
            n += 1
        done.append(n)

    threads = [threading.Thread(target=run, args=(first + i,)) for i in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with counter.get_lock():
        counter.value += sum(done)


def small_query_under_load(url: str, store: Path, connections: int, seconds: float
                           ) -> tuple[float, float, float]:
    """Median and p95 (ms) of a Kamerstuk lookup from one more client while ``connections``
    clients load the site with pages and catalogue queries; and their requests per second."""
    queries = [q.text for q in load_catalogue() if not q.endpoint]
    lookups = lookup_queries(store)
    import pyoxigraph as ox

    db = ox.Store.read_only(str(store / "oxigraph"))
    base = "https://w3id.org/bnc-fiches/"
    things = [row["x"].value for row in db.query(
        f"SELECT DISTINCT ?x WHERE {{ {{ ?x a <{base}ontology#Fiche> }} UNION "
        f"{{ ?f <{base}ontology#citesKamerstuk> ?x }} }} LIMIT 40")]
    paths = ["/", "/fiches", "/.well-known/void", "/ontology"]
    paths += ["/doc/" + t[len(base + "id/"):] for t in things if t.startswith(base + "id/")]
    ctx = multiprocessing.get_context("fork")
    counter = ctx.Value("l", 0)
    per_proc = max(1, connections // 5)
    procs = [ctx.Process(target=_mixed, args=(url, paths, queries, seconds, counter,
                                             10 + i * per_proc, per_proc))
             for i in range(connections // per_proc)]
    for p in procs:
        p.start()
    time.sleep(0.5)
    client, times = Client(url, 1), []
    end = time.monotonic() + seconds - 1
    n = 0
    while time.monotonic() < end:
        t0 = time.perf_counter()
        client.get(lookups[n % len(lookups)])
        times.append((time.perf_counter() - t0) * 1000)
        n += 1
        time.sleep(0.01)
    for p in procs:
        p.join()
    times.sort()
    return (statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))],
            counter.value / seconds)


def lookup_queries(store: Path, n: int = 50) -> list[str]:
    """Kamerstuk lookups for Kamerstukken that fiches in the store cite (varied, not cached)."""
    import pyoxigraph as ox

    q = find_query(LOOKUP)
    db = ox.Store.read_only(str(store / "oxigraph"))
    keys = [row["kamerstuk"] for row in db.query(q.text, use_default_graph_as_union=True)]
    keys = list(dict.fromkeys(keys))[:n] or [make_term("26643-640", q.params[0].type)]
    return [insert_values(q.text, "kamerstuk", [k]) for k in keys]


def bench_store(label: str, store: Path, args) -> None:
    print(f"\n== {label}: {store}")
    proc, url = start_kgbuild(store, args.workers)
    try:
        print(f"{'query':<42}{'median ms':>10}{'p95 ms':>10}")
        for q in load_catalogue():
            if q.endpoint:
                print(f"{q.name:<42}{'(federated: not run)':>20}")
                continue
            text = q.text
            if q.name == LOOKUP:
                text = lookup_queries(store, 1)[0]
            med, p95 = latencies(url, text, args.runs)
            print(f"{q.name:<42}{med:>10.1f}{p95:>10.1f}")
        lookups = lookup_queries(store)
        servers = [("kgbuild serve", url)]
        if args.oxigraph:
            oxi, oxi_url = start_oxigraph(store)
            servers.append(("oxigraph serve-read-only", oxi_url))
        print(f"\nKamerstuk lookup, queries/s (median of {args.rounds} rounds of "
              f"{args.seconds:g} s, the servers taking turns)")
        print(f"{'clients':<10}" + "".join(f"{name:>26}" for name, _ in servers) +
              (f"{'kgbuild / oxigraph':>20}" if args.oxigraph else ""))
        for clients in args.clients:
            rates: dict[str, list[float]] = {name: [] for name, _ in servers}
            for _ in range(args.rounds):  # in turns: a busy moment of the machine hits both
                for name, target in servers:
                    rates[name].append(throughput(target, lookups, clients, args.seconds))
            medians = [statistics.median(rates[name]) for name, _ in servers]
            print(f"{clients:<10}" + "".join(f"{m:>26.0f}" for m in medians) +
                  (f"{100 * medians[0] / medians[1]:>19.1f}%" if args.oxigraph else ""))
        med, p95, rps = small_query_under_load(url, store, args.connections,
                                               max(10.0, 2 * args.seconds))
        print(f"kgbuild serve: Kamerstuk lookup while {args.connections} connections load pages "
              f"and catalogue queries ({rps:.0f} requests/s): median {med:.1f} ms, "
              f"p95 {p95:.1f} ms")
        if args.oxigraph:
            oxi.kill()
            oxi.wait()
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=ROOT / "data" / "store",
                        help="store of the real corpus (built from data/fiches when missing)")
    parser.add_argument("--fiches", type=int, default=5000,
                        help="also bench a corpus of this many fiches (bench/corpus.py); 0: skip")
    parser.add_argument("--big-store", type=Path, default=None,
                        help="an existing store of the large corpus (skips making one)")
    parser.add_argument("--runs", type=int, default=30, help="requests per query for latency")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of a load run")
    parser.add_argument("--rounds", type=int, default=3,
                        help="load runs per server and client count, the servers taking turns")
    parser.add_argument("--workers", type=int, default=None, help="kgbuild serve --workers")
    parser.add_argument("--connections", type=int, default=50,
                        help="connections loading pages and queries for the latency-under-load run")
    parser.add_argument("--oxigraph", action="store_true",
                        help="also measure oxigraph serve-read-only on its own")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores; kgbuild serve workers: {args.workers or 'default'}")

    from kgbuild.build import build

    if not (args.store / "oxigraph").is_dir():
        build([ROOT / "data" / "fiches"], args.store, progress=False)
    bench_store("real corpus", args.store, args)
    if args.big_store:
        bench_store("large corpus", args.big_store, args)
    elif args.fiches:
        from corpus import make_corpus

        with tempfile.TemporaryDirectory(prefix="kgbuild-bench-") as tmp:
            make_corpus(args.fiches, Path(tmp) / "fiches")
            build([Path(tmp) / "fiches"], Path(tmp) / "store", progress=False)
            bench_store(f"{args.fiches} fiches", Path(tmp) / "store", args)


if __name__ == "__main__":
    main()
