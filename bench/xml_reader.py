"""Benchmark the publisher's XML reader beside the other readings of the same fiches.

    python bench/xml_reader.py --rounds 20            # prints a table: reading, ms per fiche, MiB

The 14 real fiches of ``data/fiches`` are typeset as Kamerstuk XML (``tests/xmlgen.py``) and
read ``--rounds`` times each: lxml's parse alone (the floor any XML reader pays), the XML reader
(``kgbuild.readers.xml.read_xml``), the XML reader plus the parser (``parse_document``), the
text reader plus the parser on the same texts, and the standard library's ElementTree parse.
Memory is the growth of the peak resident set while a stage runs (``resource.getrusage``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from lxml import etree  # noqa: E402
from xmlgen import kamerstuk_xml  # noqa: E402

from kgbuild.parse import parse_document  # noqa: E402
from kgbuild.readers.text import read_text  # noqa: E402
from kgbuild.readers.xml import read_xml  # noqa: E402


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="reads of each fiche (default 20)")
    args = parser.parse_args()
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data" / "fiches").glob("*.txt"))]
    xmls = [kamerstuk_xml(read_text(t, "x"), identifier=f"kst-22112-{i}", dossier="22112",
                          number=str(i)) for i, t in enumerate(texts, 1)]
    safe = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    stages = [
        ("lxml parse only (floor)", lambda i: etree.fromstring(xmls[i], safe)),
        ("ElementTree parse only (stdlib)", lambda i: ElementTree.fromstring(xmls[i])),
        ("read_xml", lambda i: read_xml(xmls[i], "x.xml")),
        ("read_xml + parse_document", lambda i: parse_document(read_xml(xmls[i], "x.xml"))),
        ("read_text + parse_document (same fiches)", lambda i: parse_document(read_text(texts[i], "x.txt"))),
    ]
    size = sum(map(len, xmls)) / len(xmls) / 1024
    print(f"{len(xmls)} fiches as XML, {size:.1f} kB on average, {args.rounds} rounds each")
    print(f"{'reading':42} {'median ms':>10} {'p95 ms':>8} {'peak +MiB':>10}")
    for name, run in stages:
        before = peak_mib()
        times = []
        for _ in range(args.rounds):
            for i in range(len(xmls)):
                started = time.perf_counter()
                run(i)
                times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(f"{name:42} {statistics.median(times):10.2f} {p95:8.2f} {peak_mib() - before:10.1f}")
    print("load average: " + " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
