"""The harvest report: per year, what was found, what parsed, and how well the parser did.

``harvest_report(store_dir)`` reads the current build's ``report.json`` (``kgbuild build``)
and tells, per year (the year a fiche was sent, else received; a file that did not parse
takes the year of its harvest metadata, else ``unknown``):

- ``listed`` (when a harvest directory is given): the fiches each source's harvest knows
  (``tk``, ``officielebekendmakingen``; downloaded or not yet), by the year of their metadata;
- ``found``: files the build read per source (``tk``, ``officielebekendmakingen``, ``file``),
  and ``fiches`` the number of distinct fiches they gave;
- ``parsed``: fiches parsed, ``failed``: files that could not be parsed;
- ``fields``: for each field of the record, the share of the year's fiches where it was found;
- ``warnings``: the warnings most often seen (numbers masked, so alike warnings count together).

``format_table(report)`` renders it as a text table; the JSON form is the dict itself.

>>> mask("open data: kamerstuk 22112-4031 replaces 22112-4030 read from the text")
'open data: kamerstuk N-N replaces N-N read from the text'
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from .build import REPORT_FIELDS, source_origin
from .errors import InputError
from .store import REPORT, current

ORIGINS = ("tk", "officielebekendmakingen", "file")
TOP_WARNINGS = 5


def mask(warning: str) -> str:
    """A warning with its numbers masked, to count alike warnings together."""
    return re.sub(r"\d+", "N", warning)[:160]


def load_build_report(store_dir: str | Path) -> dict[str, Any]:
    """The ``report.json`` of the store's current build; ``InputError`` when there is none."""
    build = current(Path(store_dir))
    if build is None:
        raise InputError(str(store_dir), "no store (run kgbuild build first)")
    try:
        return json.loads((build / REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise InputError(str(build / REPORT), f"unreadable build report ({err})") from None


def harvest_report(store_dir: str | Path, harvest_dir: str | Path | None = None) -> dict[str, Any]:
    """The report of the store's current build, per year (see the module's docstring); with
    ``harvest_dir`` (``kgbuild fetch --out``) also what each source's harvest lists."""
    build = load_build_report(store_dir)
    years: dict[str, dict[str, Any]] = {}

    def year_of(name: str | None) -> dict[str, Any]:
        key = name or "unknown"
        if key not in years:
            years[key] = {"listed": {o: 0 for o in ORIGINS[:2]}, "found": {o: 0 for o in ORIGINS},
                          "fiches": 0, "parsed": 0, "failed": 0,
                          "fields": Counter(), "warnings": Counter()}
        return years[key]

    if harvest_dir is not None:
        for origin, year in listed_fiches(harvest_dir):
            year_of(year)["listed"][origin] += 1

    fiche_year: dict[str, str | None] = {}
    for fiche in build.get("fiches", []):
        y = year_of(fiche.get("year"))
        fiche_year[fiche["key"]] = fiche.get("year")
        y["parsed"] += 1
        y["fiches"] += 1
        y["fields"].update(fiche.get("found", []))
        y["warnings"].update({mask(w) for w in fiche.get("warnings", [])})
    for path, source in build.get("sources", {}).items():
        located = source.get("resolved") or path
        origin = source_origin(located)
        if source.get("status") == "failed":
            y = year_of(_metadata_year(located))
            y["failed"] += 1
        else:
            y = year_of(fiche_year.get(source.get("fiche")))
        y["found"][origin] = y["found"].get(origin, 0) + 1

    out_years = []
    for name in sorted(years, key=lambda k: (k == "unknown", k)):
        y = years[name]
        n = y["parsed"]
        out_years.append({
            "year": name, **({"listed": y["listed"]} if harvest_dir is not None else {}),
            "found": y["found"], "fiches": y["fiches"], "parsed": n,
            "failed": y["failed"],
            "fields": {f: round(y["fields"][f] / n, 3) if n else 0.0 for f in REPORT_FIELDS},
            "warnings": [{"warning": w, "fiches": c} for w, c in
                         sorted(y["warnings"].items(), key=lambda wc: (-wc[1], wc[0]))[:TOP_WARNINGS]],
        })
    totals = {"files": len(build.get("sources", {})), "fiches": len(build.get("fiches", [])),
              "failed": len(build.get("failures", []))}
    return {"store": str(store_dir), "build_finished": build.get("finished"), "totals": totals,
            "fields": list(REPORT_FIELDS), "years": out_years}


def listed_fiches(root: str | Path) -> list[tuple[str, str | None]]:
    """(source, year) of every fiche the harvests under ``root`` know, cached or not: the
    open data's at ``root``, the publisher's in ``root/officielebekendmakingen``."""
    from . import sru
    from .fetch import entry_as_row, is_fiche, is_harvest
    from .harvest import Cache

    out = []
    root = Path(root)
    for place in (root, sru.fiche_dir(root)):
        if not is_harvest(place):
            continue
        for entry in Cache(place).load()["documents"].values():
            if entry.get("status") == "deleted" or entry.get("Verwijderd"):
                continue
            if sru.PUBLISHER in entry and "paper" not in entry and sru.is_fiche(entry):
                out.append(("officielebekendmakingen", _year(entry.get("dcterms:issued"))))
            elif "Id" in entry and is_fiche(entry_as_row(entry)):
                out.append(("tk", _year(entry.get("Datum"))))
    return out


def _year(date: Any) -> str | None:
    """
    >>> _year("2013-10-17T00:00:00"), _year(None)
    ('2013', None)
    """
    return str(date)[:4] if date and re.match(r"(?:19|20)\d\d", str(date)) else None


def _metadata_year(path: str) -> str | None:
    """The year of a harvested file's own metadata (open data ``Datum``, publisher ``issued``)."""
    from .harvested import harvested_file

    item = harvested_file(Path(path))
    if item is None:
        return None
    return _year(item.entry.get("Datum") or item.entry.get("dcterms:issued"))


_SHORT = {"title": "title", "tk_document_number": "docnr", "zaak": "zaak", "kamerstuk": "kst",
          "date_sent": "sent", "signatory": "signed", "sibling_kamerstukken": "siblings",
          "proposal_titles": "prop.", "date_received": "recv", "com_numbers": "COM",
          "celex": "CELEX", "impact_assessments": "IA", "council_formation": "council",
          "ministries": "ministry", "legal_basis": "basis", "cited_kamerstukken": "c.kst",
          "cited_eu_acts": "c.EU", "treaty_articles": "treaty", "verdicts.bevoegdheid": "v.comp",
          "verdicts.subsidiariteit": "v.subs", "verdicts.proportionaliteit": "v.prop"}


def format_table(report: dict[str, Any]) -> str:
    """The report as text: one row per year (with a harvest: ``h.tk``/``h.ob`` the fiches each
    harvest lists; then the files the build read per source, fiches, parsed, failed, the share
    per field in percent), then the most frequent warnings per year.

    >>> print(format_table({"fields": ["title"], "years": [{"year": "2022", "found":
    ...     {"tk": 1, "officielebekendmakingen": 1, "file": 0}, "fiches": 1, "parsed": 1,
    ...     "failed": 0, "fields": {"title": 1.0}, "warnings": []}]}))
    year  tk  ob  file  fiches  parsed  failed  title
    2022   1   1     0       1       1       0    100
    """
    fields = report["fields"]
    listed = any("listed" in y for y in report["years"])
    head = (["year"] + (["h.tk", "h.ob"] if listed else []) + ["tk", "ob", "file", "fiches", "parsed",
                                                               "failed"] + [_SHORT.get(f, f) for f in fields])
    rows = [head]
    for y in report["years"]:
        found, known = y["found"], y.get("listed", {})
        rows.append([y["year"]] + ([str(known.get("tk", 0)), str(known.get("officielebekendmakingen", 0))]
                                   if listed else [])
                    + [str(found.get("tk", 0)), str(found.get("officielebekendmakingen", 0)),
                       str(found.get("file", 0)), str(y["fiches"]), str(y["parsed"]), str(y["failed"])]
                    + [f"{round(100 * y['fields'].get(f, 0))}" for f in fields])
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             .rstrip() for r in rows]
    for y in report["years"]:
        if y["warnings"]:
            lines.append("")
            lines.append(f"{y['year']}: most frequent warnings")
            lines += [f"  {w['fiches']:>4}  {w['warning']}" for w in y["warnings"]]
    return "\n".join(lines)
