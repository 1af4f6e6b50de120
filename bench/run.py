"""Benchmark ``kgbuild build`` on a large corpus made by varying the real fiches.

    python bench/run.py --fiches 5000            # prints a table: stage, seconds, memory

Stages are timed by the build itself (``report.json`` timings); memory is the peak resident
set size of the build process and of its parser processes (``resource.getrusage``), read after
each stage through the build's progress log. Targets on the 2-core machine: whole build
< 60 s, reasoning < 10 s.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from corpus import make_corpus  # noqa: E402

from kgbuild.build import build  # noqa: E402


def peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=5000, help="corpus size (default 5000)")
    parser.add_argument("--jobs", type=int, default=None, help="parser processes (default: cores)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="build into this store dir and keep it (default: a temp dir)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kgbuild-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        make_corpus(args.fiches, tmp / "fiches")
        made = time.perf_counter() - t0
        store = args.keep or tmp / "store"
        report = build([tmp / "fiches"], store, jobs=args.jobs, progress=False)
        again = build([tmp / "fiches"], store, jobs=args.jobs, progress=False)  # nothing changed

    t, cpu, c = report.timings_s, report.cpu_s, report.counts
    jobs = args.jobs or os.cpu_count()
    rows = [(f"parse ({jobs} processes)", "parse"), ("map", "map"),
            ("assemble in-memory store", "assemble"), ("reason", "reason"),
            ("load on disk + dump", "load"), ("full-text index", "index")]
    print(f"kgbuild build benchmark: {c['files']} files -> {c['fiches']} fiches, "
          f"{c['triples_asserted']} triples asserted (+{c['triples_background']} ontology and "
          f"reference), {c['triples_inferred']} inferred, {c['quads_in_store']} quads in store")
    mem = report.peak_rss_mib
    print(f"{'stage':<28}{'wall s':>10}{'CPU s':>10}{'peak RSS MiB':>14}")
    print(f"{'make corpus (not in total)':<28}{made:>10.2f}")
    for name, key in rows:
        print(f"{name:<28}{t[key]:>10.2f}{cpu[key]:>10.2f}{mem[key]:>14}")
    print(f"{'total build':<28}{t['total']:>10.2f}{cpu['total']:>10.2f}"
          "   (targets: total < 60 s, reasoning < 10 s)")
    print(f"{'rebuild, nothing changed':<28}{again.timings_s['total']:>10.2f}"
          f"{again.cpu_s['total']:>10.2f}   ({again.records_reused} records reused, "
          f"parse {again.timings_s['parse']:.2f} s)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes slow the wall-clock figures)")
    print(f"peak RSS: build process {peak_mib(resource.RUSAGE_SELF):.0f} MiB "
          f"(column: after each stage), largest parser process "
          f"{peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB")
    print(f"failures: {c['failed']}")


if __name__ == "__main__":
    main()
