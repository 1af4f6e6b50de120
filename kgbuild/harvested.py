"""What a build reads from a harvest directory: the fiches of both sources (the Tweede Kamer's
open data, ``kgbuild.fetch``, at the root; the publisher's, ``kgbuild.sru``, in
``officielebekendmakingen/``), each parsed with its source's metadata merged in, and the
fingerprint ``kgbuild update`` compares to know whether anything changed.

>>> parse_source("data/fiches/2025D17740.txt").kamerstuk.key
'22112-4031'
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path

from .fetch import apply_metadata, harvested_fiches as tk_fiches
from .harvest import HarvestedFile, harvested_files, is_harvest, now_stamp
from .parse import parse_document, parse_file
from .readers import Limits, read_bytes, read_file
from .record import FicheRecord
from .sru import (PUBLISHER, apply_publication_metadata, cited_dir, fiche_dir,
                  harvested_fiches as publisher_fiches)


def harvested_sources(root: str | Path) -> list[HarvestedFile]:
    """The fiches a build takes from a harvest directory: the open data's at ``root`` and the
    publisher's (``kgbuild.sru``) in ``root/officielebekendmakingen`` (or at ``root`` itself).

    >>> harvested_sources("/nonexistent/harvest")
    []
    """
    root = Path(root)
    out: list[HarvestedFile] = []
    for place in (root, fiche_dir(root)):
        if is_harvest(place):
            out += tk_fiches(place) + publisher_fiches(place)
    return out


def read_harvested(item: HarvestedFile, limits: Limits | None = None) -> FicheRecord:
    """Read and parse one harvested file, then merge its source's metadata into the record:
    the open data's (``apply_metadata``) or the publisher's (``sru.apply_publication_metadata``)."""
    data = read_file(item.path, limits)
    record = parse_document(read_bytes(data, item.source, limits))
    if PUBLISHER in item.entry:
        return apply_publication_metadata(record, item.entry)
    return apply_metadata(record, item.entry)


def parse_source(path: str | Path, limits: Limits | None = None) -> FicheRecord:
    """Parse a build source: a harvested object gets its open-data metadata merged in
    (``apply_metadata``); any other file is parsed as it is (``parse_file``).

    >>> parse_source("data/fiches/2025D17740.txt").kamerstuk.key
    '22112-4031'
    """
    path = Path(path)
    item = harvested_file(path)
    if item is None:
        return parse_file(path, limits)
    return read_harvested(item, limits)


def harvested_file(path: Path) -> HarvestedFile | None:
    """The harvested fiche stored at ``path`` (``ROOT/objects/sha256/ab/cdef…``), if any."""
    if len(path.parts) < 4 or path.parts[-4:-2] != ("objects", "sha256"):
        return None
    root = path.parents[3]
    try:
        stamp = (root / "manifest.json").stat().st_mtime_ns
    except OSError:
        return None
    return _index(str(root.resolve()), stamp).get(path.resolve())


@functools.lru_cache(maxsize=4)
def _index(root: str, _stamp: int) -> dict[Path, HarvestedFile]:
    """Harvested fiches by object path (first by document number when files coincide)."""
    out: dict[Path, HarvestedFile] = {}
    for item in tk_fiches(root) + publisher_fiches(root):
        out.setdefault(item.path.resolve(), item)
    return out


def harvest_fingerprint(root: str | Path) -> str:
    """A digest of what a build from the harvest would read: files and their metadata.

    ``kgbuild update`` rebuilds only when it changed.
    """
    parts = [(f.entry.get("Id") or f.entry.get("dcterms:identifier"), f.entry.get("sha256"),
              f.entry.get("url"),
              *(f.entry.get(k) for k in ("DocumentNummer", "Volgnummer", "Zaak", "Datum",
                                          "Kamerstukdossier", "overheidwetgeving:ondernummer",
                                          "overheidwetgeving:dossiernummer", "dcterms:title")))
             for f in harvested_sources(root)]
    cited = cited_dir(root)
    if is_harvest(cited):  # the cited papers' records: their titles are in the graph too
        parts += [(f.entry.get("paper"), f.entry.get("sha256")) for f in harvested_files(cited)]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def load_last_build(root: str | Path) -> str | None:
    """The fingerprint of the harvest the last ``kgbuild update`` built, if any."""
    try:
        return json.loads((Path(root) / "last_build.json").read_text())["fingerprint"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def save_last_build(root: str | Path, fingerprint: str) -> None:
    """Remember (atomically) that the harvest with ``fingerprint`` is built."""
    target = Path(root) / "last_build.json"
    tmp = target.with_name(".last_build.json.tmp")
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "built_at": now_stamp()}) + "\n")
    os.replace(tmp, target)
