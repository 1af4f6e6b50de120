"""What reading every file under limits costs: parsing in limited parser processes
(``kgbuild.sandbox``) against parsing in the calling process, without limits.

    python bench/limits.py                 # data/fiches and a generated 5,000-fiche corpus
    python bench/limits.py --fiches 1000 --jobs 2

Rows: the real corpus (``data/fiches``) and the generated one (``bench/corpus.py``), each
parsed in process (``kgbuild.parse.parse_file``, what ``kgbuild parse`` did before the
limits) and through a pool of parser processes (what ``kgbuild parse`` and ``kgbuild build``
do now; start-up included); then the start-up of one parser process alone and the checks made
before a library reads a file (root elements of a .docx's parts, PDF reference loops).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from corpus import make_corpus  # noqa: E402

from kgbuild.build import is_source  # noqa: E402
from kgbuild.errors import KgbuildError  # noqa: E402
from kgbuild.parse import parse_file  # noqa: E402
from kgbuild.sandbox import ParserPool  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def in_process(paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        try:
            parse_file(path)
        except KgbuildError:
            pass
    return time.perf_counter() - started


def pooled(paths: list[Path], jobs: int) -> float:
    started = time.perf_counter()
    with ParserPool(jobs) as pool:
        for _ in pool.run(paths):
            pass
    return time.perf_counter() - started


def best(func, *args, repeat: int = 3) -> float:
    return min(func(*args) for _ in range(repeat))


def checks_ms(repeat: int = 200) -> list[tuple[str, float]]:
    """Median milliseconds of the pre-checks on the real .docx and a generated PDF fiche."""
    import odata_server

    from kgbuild.readers.docx import _check_roots
    from kgbuild.readers.pdf import _check_references

    docx = (ROOT / "data" / "fiches" / "2025D46581.docx").read_bytes()
    pdf = odata_server.eom_fiche_pdf()
    out = []
    for name, check, data in (("docx root elements (45 kB .docx)", _check_roots, docx),
                              (f"PDF reference loops ({len(pdf) // 1024} kB PDF)",
                               _check_references, pdf)):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            check(data, "x")
            times.append(time.perf_counter() - started)
        out.append((name, statistics.median(times) * 1000))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiches", type=int, default=5000, help="generated corpus size")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    real = sorted(p for p in (ROOT / "data" / "fiches").iterdir() if is_source(p))
    with tempfile.TemporaryDirectory(prefix="kgbuild-limits-") as tmp:
        make_corpus(args.fiches, Path(tmp))
        generated = sorted(p for p in Path(tmp).rglob("*") if is_source(p))
        in_process(real[:2])  # imports, once
        rows = [
            (f"data/fiches ({len(real)} files), in process", best(in_process, real), real),
            ("data/fiches, 1 parser process (kgbuild parse)", best(pooled, real, 1), real),
            (f"generated ({len(generated)} files), in process",
             best(in_process, generated, repeat=1), generated),
            (f"generated, {args.jobs} parser processes (kgbuild build)",
             best(pooled, generated, args.jobs, repeat=1), generated),
        ]
    start = best(pooled, real[:1], 1, repeat=5)  # one small file: start-up and little else
    print(f"{'parse':<52}{'total s':>9}{'ms/file':>9}")
    for name, seconds, paths in rows:
        print(f"{name:<52}{seconds:>9.2f}{seconds / len(paths) * 1000:>9.2f}")
    print(f"{'start-up of one parser process (imports), 1 file':<52}{start:>9.2f}")
    for name, ms in checks_ms():
        print(f"{'check: ' + name:<52}{ms / 1000:>9.4f}{ms:>9.2f}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(other processes slow the wall-clock figures)")


if __name__ == "__main__":
    main()
