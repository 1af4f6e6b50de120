"""Benchmark full-text search: kgbuild's tantivy index beside SQLite FTS5 (pre-stemmed).

    python bench/search.py                      # 5,000-fiche corpus: build it, print the table
    python bench/search.py --store DIR          # an existing store (its records and index)
    python bench/search.py --fiches 500 --runs 5

Builds the corpus of ``bench/corpus.py`` with ``kgbuild.build`` (the ``index`` stage is the
tantivy index build), then builds the alternative a developer would reach for first, SQLite
FTS5 from Python's standard library, from the same records: FTS5 cannot take a Dutch stemmer
from Python, so every text is stemmed beforehand with PyStemmer (Snowball, the same algorithm
tantivy uses) and the queries are stemmed the same way; it has one table of fiches (ranking)
and one of passages (the best passage per hit, its snippet over the *stemmed* text). Both
answer the same queries the same way: fiches where every word occurs, BM25, top 20, each with
its best passage. Prints index build time and size, and p50 / p95 latency per query kind.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import make_corpus  # noqa: E402

from kgbuild.build import build, pick  # noqa: E402
from kgbuild.store import RECORDS  # noqa: E402
from kgbuild.mapping import fiche_key  # noqa: E402
from kgbuild.record import record_from_json  # noqa: E402
from kgbuild.search import INDEX_DIR, _fold, passages, search  # noqa: E402

# (kind, query in kgbuild's syntax)
QUERIES = [
    ("word", "grondstoffen"), ("word", "subsidiariteit"), ("word", "Commissie"),
    ("word", "gezondheidsgegevens"), ("two words", "kritieke grondstoffen"),
    ("two words", "Europees Openbaar"), ("phrase", '"Apply AI"'), ("phrase", '"interne markt"'),
    ("prefix", "innovat*"), ("prefix", "financi*"), ("stemmed form", "verordeningen"),
    ("filter year", "grondstoffen"),
]


def load_records(store: Path) -> list[tuple[str, object]]:
    """One record per fiche (the one the build mapped), from the build's records file."""
    by_key: dict[str, list] = {}
    with gzip.open(store / RECORDS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = record_from_json(json.loads(line)["record"])
            by_key.setdefault(fiche_key(record), []).append(record)
    return [(f"https://w3id.org/bnc-fiches/id/fiche/{k}", pick(rs)) for k, rs in sorted(by_key.items())]


class Fts5:
    """The alternative: SQLite FTS5 over pre-stemmed text."""

    def __init__(self, path: Path):
        try:
            import Stemmer
        except ImportError:
            sys.exit("bench/search.py: needs PyStemmer for the FTS5 side: pip install -e '.[bench]'")

        self.stem = Stemmer.Stemmer("dutch").stemWord
        self.db = sqlite3.connect(path)

    def stemmed(self, text: str) -> str:
        return " ".join(_fold(self.stem(w)) for w in re.findall(r"\w+", text.casefold()))

    def build(self, records) -> None:
        db = self.db
        db.execute("CREATE VIRTUAL TABLE fiches USING fts5(fiche UNINDEXED, year UNINDEXED, text)")
        db.execute("CREATE VIRTUAL TABLE passages USING fts5(fiche UNINDEXED, anchor UNINDEXED, "
                   "original UNINDEXED, text)")
        for fiche, record in records:
            texts = list(passages(record))
            date = record.date_sent or record.date_received or ""
            db.execute("INSERT INTO fiches VALUES (?, ?, ?)",
                       (fiche, date[:4], self.stemmed("\n".join(t for _, _, t in texts))))
            db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?)",
                           [(fiche, anchor, text, self.stemmed(text)) for _, anchor, text in texts])
        db.commit()

    def query(self, q: str, *, every: bool) -> str:
        """kgbuild's syntax as FTS5's: words stemmed, phrases stemmed inside quotes, prefix*."""
        out = []
        for phrase, prefix, word in re.findall(r'"([^"]*)"|(\w+)\*|(\w+)', q):
            if phrase:
                out.append('"' + self.stemmed(phrase) + '"')
            elif prefix:
                out.append(f'"{_fold(prefix.casefold())}"*')
            else:
                out.append('"' + self.stemmed(word) + '"')
        return (" AND " if every else " OR ").join(out)

    def search(self, q: str, *, year: str | None = None, limit: int = 20) -> list[tuple]:
        where = " AND year = ?" if year else ""
        args = (self.query(q, every=True), *([year] if year else []), limit)
        hits = self.db.execute(f"SELECT fiche, bm25(fiches) FROM fiches WHERE fiches MATCH ?{where} "
                               "ORDER BY bm25(fiches) LIMIT ?", args).fetchall()
        any_word = self.query(q, every=False)
        out = []
        for fiche, score in hits:
            best = self.db.execute(
                "SELECT anchor, snippet(passages, 3, '<b>', '</b>', '…', 24) FROM passages "
                "WHERE passages MATCH ? AND fiche = ? ORDER BY bm25(passages) LIMIT 1",
                (any_word, fiche)).fetchone()
            out.append((fiche, score, *(best or ("", ""))))
        return out


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def du(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=5000, help="corpus size (default 5000)")
    parser.add_argument("--store", type=Path, default=None, help="use this built store instead")
    parser.add_argument("--runs", type=int, default=20, help="runs of each query (default 20)")
    parser.add_argument("--jobs", type=int, default=None, help="parser processes for the build")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgbuild-bench-search-") as tmp:
        tmp = Path(tmp)
        store = args.store
        if store is None:
            make_corpus(args.fiches, tmp / "fiches")
            store = tmp / "store"
            report = build([tmp / "fiches"], store, jobs=args.jobs, progress=False)
        else:
            report = None
        stage = json.loads((store / "report.json").read_text())
        records = load_records(store)
        tantivy_build = stage["timings_s"].get("index")

        fts = Fts5(tmp / "fts5.sqlite")
        start = time.perf_counter()
        fts.build(records)
        fts_build = time.perf_counter() - start

        index = store / INDEX_DIR
        sizes = {"tantivy": du(index), "fts5": du(tmp / "fts5.sqlite")}
        n_passages = sum(1 for _, r in records for _ in passages(r))
        rows, every = [], {"tantivy": [], "fts5": []}
        for kind, q in QUERIES:
            year = "2020" if kind == "filter year" else None
            search(index, q, year=year)  # warm: open the index once, like a server does
            fts.search(q, year=year)
            t = timed(lambda: search(index, q, year=year), args.runs)
            f = timed(lambda: fts.search(q, year=year), args.runs)
            every["tantivy"] += t
            every["fts5"] += f
            rows.append((kind, q, len(search(index, q, year=year)), len(fts.search(q, year=year)),
                         statistics.median(t), p95(t), statistics.median(f), p95(f)))

    print(f"Full-text search, {len(records)} fiches, {n_passages} "
          f"passages, {args.runs} runs per query, load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print()
    print("| engine | index build s | index MiB | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|")
    print(f"| tantivy (kgbuild) | {tantivy_build:.2f} | {sizes['tantivy']:.1f} | "
          f"{statistics.median(every['tantivy']):.2f} | {p95(every['tantivy']):.2f} |")
    print(f"| SQLite FTS5 + PyStemmer | {fts_build:.2f} | {sizes['fts5']:.1f} | "
          f"{statistics.median(every['fts5']):.2f} | {p95(every['fts5']):.2f} |")
    print()
    print("| query kind | query | hits tantivy | hits FTS5 | tantivy p50 | p95 | FTS5 p50 | p95 |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for kind, q, nt, nf, t50, t95, f50, f95 in rows:
        print(f"| {kind} | `{q}` | {nt} | {nf} | {t50:.2f} | {t95:.2f} | {f50:.2f} | {f95:.2f} |")
    if report is not None:
        print()
        print("Build stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in report.timings_s.items()))


if __name__ == "__main__":
    main()
