"""Benchmark the pages: server time of every kind of page on a 5,000-fiche store.

    python bench/pages.py                    # build a 5,000-fiche corpus, then measure
    python bench/pages.py --store DIR        # measure an existing store (e.g. from bench/run.py --keep)
    python bench/pages.py --fiches 500 --runs 10

Prints one table: for each page, the median and 95th percentile of

- *handler*: ``kgbuild.site.routes.dispatch`` in this process on the store opened read-only — the page's own work
  (its SPARQL queries and the HTML), without HTTP;
- *HTTP*: a GET over one keep-alive loopback connection to ``kgbuild serve`` (a child process),
  so the endpoint's worker hand-off and HTTP are included.

The target is < 50 ms server time per page. Each page is fetched once before timing (the page
caches what it reads once per store build: the fiche index, labels, VoID counts); the first
request of the home page and of VoID after the server started is shown on its own line. Only
127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from kgbuild.site import reading as web, routes  # noqa: E402
from kgbuild.serve import spawn  # noqa: E402
from kgbuild.store import open_read_only  # noqa: E402

TARGET_MS = 50.0
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def busiest(sparql, predicate: str, prefix: str) -> str | None:
    """The local path of the IRI under ``prefix`` that most fiches point at with ``predicate``."""
    rows = sparql(
        f"SELECT ?x (COUNT(DISTINCT ?f) AS ?n) WHERE {{ ?f <{web.DEFAULT_BASE}ontology#{predicate}> ?x "
        f"FILTER(STRSTARTS(STR(?x), \"{web.DEFAULT_BASE}{prefix}\")) }} GROUP BY ?x ORDER BY DESC(?n) LIMIT 1")
    return web.local_path(rows[0]["x"].value, web.DEFAULT_BASE) if rows else None


def pages_to_measure(sparql) -> list[tuple[str, str, str]]:
    """(name, path, Accept) of the pages to time, the busiest of each kind."""
    fiches = len(sparql(f"SELECT DISTINCT ?f WHERE {{ ?f a <{web.DEFAULT_BASE}ontology#Fiche> }}"))
    last = max(1, -(-fiches // web.PAGE_SIZE))
    seed = "/doc/fiche/com-2025-723"
    if not sparql(f"ASK {{ <{web.DEFAULT_BASE}id/fiche/com-2025-723> ?p ?o }}"):
        seed = web.local_path(sparql(f"SELECT ?f WHERE {{ ?f a <{web.DEFAULT_BASE}ontology#Fiche> }} LIMIT 1")[0]["f"].value,
                              web.DEFAULT_BASE)
    kamerstuk = busiest(sparql, "citesKamerstuk", "id/kamerstuk/")
    kinds = [
        ("home", "/", BROWSER),
        ("fiche (seed)", seed, BROWSER),
        ("Kamerstuk, most cited", kamerstuk, BROWSER),
        ("dossier 22112", "/doc/dossier/22112", BROWSER),
        ("treaty article, most cited", busiest(sparql, "citesTreatyProvision", "id/treaty/"), BROWSER),
        ("competence category", busiest(sparql, "underCompetence", "id/competence/"), BROWSER),
        ("sector", busiest(sparql, "inSector", "id/sector/"), BROWSER),
        ("ministry", busiest(sparql, "responsibleMinistry", "id/ministry/"), BROWSER),
        ("Council formation", busiest(sparql, "councilFormation", "id/council-formation/"), BROWSER),
        ("verdict value", busiest(sparql, "competenceVerdict", "id/verdict/"), BROWSER),
        ("all fiches, page 1", "/fiches", BROWSER),
        (f"all fiches, page {last}", f"/fiches?page={last}", BROWSER),
        ("ontology", "/ontology", BROWSER),
        ("VoID (HTML)", "/.well-known/void", BROWSER),
        ("VoID (Turtle)", "/.well-known/void", "text/turtle"),
        ("example queries", "/.well-known/sparql-examples", BROWSER),
        ("dumps", "/dumps/", BROWSER),
        ("303 /id/ → /doc/", seed.replace("/doc/", "/id/", 1), BROWSER),
        ("fiche as Turtle", seed, "text/turtle"),
        ("fiche as TriG", seed, "application/trig"),
        ("ministry as JSON-LD", busiest(sparql, "responsibleMinistry", "id/ministry/"), "application/ld+json"),
        ("search, word most fiches have", "/search?q=Commissie", BROWSER),
        ("search, two words", "/search?q=kritieke+grondstoffen", BROWSER),
        ("search, prefix, JSON", "/search?q=financi*", "application/json"),
        ("search, filtered", "/search?q=grondstoffen&year=2019-2025&verdict=positief", BROWSER),
        ("search, page 3", "/search?q=Commissie&page=3", BROWSER),
        ("lookup, Kamerstuk → 303", "/lookup?q=" + quote(_written(kamerstuk)), BROWSER) if kamerstuk else None,
        ("lookup, treaty article → 303", "/lookup?q=Art.+114+TFEU", BROWSER),
        ("lookup, absent → 404", "/lookup?q=kst-99999-1", BROWSER),
        ("lookup, words → /search", "/lookup?q=waterstof", BROWSER),
        ("harvest report", "/report", BROWSER),
        ("harvest report, JSON", "/report", "application/json"),
        ("query editor (HTTP only)", "/sparql", BROWSER),
        ("editor script (HTTP only)", "/static/yasgui/yasgui.min.js", "*/*"),
    ]
    return [k for k in kinds if k and k[1]]


def _written(path: str) -> str:
    """A Kamerstuk's path as the fiches write it: ``/doc/kamerstuk/26643-640`` → ``26 643, nr. 640``."""
    dossier, number = path.rsplit("/", 1)[1].rsplit("-", 1)
    return f"{dossier[:-3]} {dossier[-3:]}, nr. {number}" if dossier.isdigit() and len(dossier) > 3 \
        else f"{dossier}, nr. {number}"


def handle(path: str, params: dict, headers: dict, sparql) -> tuple[int, bytes]:
    """A page answered in this process by the site's routes: (status, body)."""
    resp = routes.dispatch(web.Visit(path, params, headers, sparql, origin="http://127.0.0.1"))
    return resp.status_code, resp.body


HTTP_ONLY = ("/sparql", "/static/")  # the endpoint's own route and files: no site handler


def handler_times(sparql, path: str, accept: str, runs: int) -> tuple[list[float], int, int]:
    """Milliseconds of the route's handler (``routes.dispatch``) for ``runs`` calls after one untimed call."""
    target, _, query = path.partition("?")
    params = parse_qs(query)
    headers = {"accept": accept, "host": "127.0.0.1"}
    status, body = handle(target, params, headers, sparql)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        handle(target, params, headers, sparql)
        times.append((time.perf_counter() - t0) * 1000)
    return times, status, len(body)


def http_get(conn: http.client.HTTPConnection, path: str, accept: str) -> tuple[float, int]:
    t0 = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept})
    resp = conn.getresponse()
    resp.read()
    return (time.perf_counter() - t0) * 1000, resp.status


def http_times(conn, path: str, accept: str, runs: int) -> list[float]:
    http_get(conn, path, accept)
    return [http_get(conn, path, accept)[0] for _ in range(runs)]


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def build_store(n: int, where: Path) -> Path:
    from corpus import make_corpus

    from kgbuild.build import build

    t0 = time.perf_counter()
    make_corpus(n, where / "corpus")
    report = build([where / "corpus"], where / "store")
    print(f"built {report.counts['fiches']} fiches, {report.counts['quads_in_store']} quads "
          f"in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return where / "store"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="a built store (default: build --fiches into a temp dir)")
    parser.add_argument("--fiches", type=int, default=5000, help="corpus size to build (default 5000)")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per page (default 30)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgbuild-pages-") as tmp:
        store = args.store or build_store(args.fiches, Path(tmp))
        web.configure(store_dir=store)
        sparql = web.sparql_over(open_read_only(store))
        pages = pages_to_measure(sparql)

        proc, endpoint = spawn(store)
        try:
            url = urlsplit(endpoint)
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
            first = [(name, http_get(conn, "/", BROWSER) if name == "home" else
                      http_get(conn, "/.well-known/void", BROWSER)) for name in ("home", "VoID")]
            rows = []
            for name, path, accept in pages:
                over_http = http_times(conn, path, accept, args.runs)
                if path.startswith(HTTP_ONLY):
                    handler, (_, status), size = [], http_get(conn, path, accept), 0
                else:
                    handler, status, size = handler_times(sparql, path, accept, args.runs)
                rows.append((name, path, accept.split(",")[0], status, size, handler, over_http))
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    fiches = len(sparql(f"SELECT DISTINCT ?f WHERE {{ ?f a <{web.DEFAULT_BASE}ontology#Fiche> }}"))
    print(f"kgbuild pages benchmark: {fiches} fiches, {args.runs} timed requests per page "
          f"(target: < {TARGET_MS:.0f} ms server time)")
    head = f"{'page':28} {'path':44} {'type':12} {'status':>6} {'bytes':>8}  " \
           f"{'handler ms':>10} {'p95':>6}  {'HTTP ms':>8} {'p95':>6}  ok"
    print(head)
    print("-" * len(head))
    worst = 0.0
    for name, path, accept, status, size, handler, over_http in rows:
        med_http = statistics.median(over_http)
        worst = max(worst, med_http)
        ok = "yes" if med_http < TARGET_MS else "NO"
        own = f"{statistics.median(handler):>10.1f} {p95(handler):>6.1f}" if handler else f"{'–':>10} {'–':>6}"
        print(f"{name:28.28} {path:44.44} {accept:12.12} {status:>6} {size or '–':>8}  "
              f"{own}  {med_http:>8.1f} {p95(over_http):>6.1f}  {ok}")
    for name, (ms, status) in first:
        print(f"first request after start: {name} {ms:.0f} ms (status {status}; reads the fiche index, "
              f"labels{' and VoID counts' if name == 'VoID' else ''} once per build)")
    print(f"slowest median over HTTP: {worst:.1f} ms")


if __name__ == "__main__":
    main()
