"""The Tweede Kamer open-data API as a harvest source (``kgbuild/harvest.py`` does the rest).

A fiche is a ``Document`` with ``Soort`` 'Brief regering' whose ``Onderwerp`` starts with
"Fiche" or "Herzien(e) fiche" (``is_fiche``): in dossier 22112 "Fiche 3: …" too, in another
dossier (fiches filed there, e.g. Kamerstuk 34 604 nrs. 2–4, 36 365 nr. 2) only "Fiche: …" or
"Fiche 3: …" with its colon; the dossier's other letters (cover letters, delay letters, the
"Herziening …" of a procedure) are not fiches. OData's ``startswith`` is case-sensitive, so
the listing asks for every casing seen (``PREFIXES``) and ``is_fiche`` decides on the rows.
``TweedeKamer`` pages through ``@odata.nextLink``; each fiche's file is
``Document(<Id>)/resource`` (.docx for recent fiches, .pdf for older ones). Manifest entries
keep the API's fields under the API's names (``Id``, ``DocumentNummer``, ``Volgnummer`` (the
fiche's Kamerstuk number), ``Onderwerp``, ``Titel``, ``Soort``, ``Datum``, ``GewijzigdOp``,
``ApiGewijzigdOp``, ``ContentType``, ``ContentLength``, ``Verwijderd``, ``Zaak``: the case
numbers, ``Kamerstukdossier``: the dossier numbers).

>>> fiche_filter("2025-01-01T00:00:00Z")[:46]
'ApiGewijzigdOp ge 2025-01-01T00:00:00Z and ((S'
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Fiche 3: Verordening X",
...           "Kamerstukdossier": [{"Nummer": 22112}]})
True
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Uitstel fiche Verordening X",
...           "Kamerstukdossier": [{"Nummer": 22112}]})
False
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Herziening van de BNC-procedure",
...           "Kamerstukdossier": [{"Nummer": 22112}]})
False
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Herzien Fiche: Richtlijn Y",
...           "Kamerstukdossier": [{"Nummer": 34604}]})
True
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Fiches van het kwartaal",
...           "Kamerstukdossier": [{"Nummer": 34604}]})
False
"""

from __future__ import annotations

import copy
import json
import re
import sys
import threading
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin

from .harvest import (USER_AGENT, Entry, FetchError, HarvestedFile, Page, PageError, Request,
                      Summary, harvested_files, is_harvest, verify)
from .harvest import Limits as HttpLimits
from .harvest import harvest as harvest_source
from .record import FicheRecord, KamerstukRef

__all__ = ["DEFAULT_BASE_URL", "USER_AGENT", "TweedeKamer", "FetchError", "HarvestedFile",
           "Summary", "apply_metadata", "fiche_filter", "harvest", "harvested_fiches",
           "is_fiche", "is_harvest", "verify"]

DEFAULT_BASE_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"
DOSSIER = 22112
# Every casing of a fiche's subject seen in the open data; OData's startswith is exact.
PREFIXES = ("Fiche", "fiche", "FICHE", "Herzien fiche", "Herzien Fiche", "Herziene fiche",
            "Herziene Fiche", "herzien fiche", "HERZIEN FICHE")
FICHE_CLAUSE = "Soort eq 'Brief regering' and (" + " or ".join(
    f"startswith(Onderwerp,'{prefix}')" for prefix in PREFIXES) + ")"
SELECT = ("Id,Soort,DocumentNummer,Titel,Onderwerp,Datum,Volgnummer,ContentType,ContentLength,"
          "GewijzigdOp,ApiGewijzigdOp,Verwijderd")
EXPAND = ("Zaak($select=Nummer),Kamerstukdossier($select=Nummer,Toevoeging),"
          "DocumentVersie($select=Versienummer,ExterneIdentifier)")
API_FIELDS = ("Id", "DocumentNummer", "Volgnummer", "Onderwerp", "Titel", "Soort", "Datum",
              "GewijzigdOp", "ApiGewijzigdOp", "ContentType", "ContentLength", "Verwijderd")


# --- what a fiche is ------------------------------------------------------------------------


def fiche_filter(since: str | None = None) -> str:
    """The ``$filter`` of a harvest: every fiche, or (``since``) what changed since then.

    An incremental run also asks for deleted documents (``Verwijderd eq true``), whose other
    fields may be empty; the harvest keeps those it knows.
    """
    if since is None:
        return FICHE_CLAUSE
    return f"ApiGewijzigdOp ge {since} and (({FICHE_CLAUSE}) or Verwijderd eq true)"


def is_fiche(row: dict[str, Any]) -> bool:
    """A 'Brief regering' whose subject says it is a (revised) fiche: "Fiche …" in dossier
    22112 (or a row whose dossiers are unknown), "Fiche[ N]: …" in any other dossier."""
    if row.get("Soort") != "Brief regering":
        return False
    subject = (row.get("Onderwerp") or "").strip().casefold()
    dossiers = row.get("Kamerstukdossier")
    if dossiers is None or any(_int(d.get("Nummer")) == DOSSIER for d in dossiers):
        return re.match(r"(herziene?\s+)?fiche\b", subject) is not None
    return re.match(r"(herziene?\s+)?fiche(\s+\d+)?\s*:", subject) is not None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the source -----------------------------------------------------------------------------


class TweedeKamer:
    """The Tweede Kamer OData API (``base_url``) as a ``kgbuild.harvest.Source``.

    >>> tk = TweedeKamer("http://127.0.0.1:9/OData/v4/2.0")
    >>> tk.first_page(None).url
    'http://127.0.0.1:9/OData/v4/2.0/Document'
    >>> page = tk.parse_page(b'{"value": [{"Id": "a", "Soort": "Brief regering", '
    ...     b'"Onderwerp": "Fiche: X", "Verwijderd": false}]}', tk.first_page(None))
    >>> [(e.id, e.url) for e in page.entries], page.next
    ([('a', 'http://127.0.0.1:9/OData/v4/2.0/Document(a)/resource')], None)
    """

    accept = "application/json"
    file_keys = ("GewijzigdOp", "ContentType", "ContentLength")
    quiet_keys = ("ApiGewijzigdOp",)

    def __init__(self, base_url: str = DEFAULT_BASE_URL):
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"

    def first_page(self, since: str | None) -> Request:
        return Request(self.base_url + "Document", {
            "$filter": fiche_filter(since), "$select": SELECT, "$expand": EXPAND,
            "$orderby": "ApiGewijzigdOp"})

    def resource_url(self, doc_id: str) -> str:
        return f"{self.base_url}Document({doc_id})/resource"

    def parse_page(self, body: bytes, request: Request) -> Page:
        try:
            page = json.loads(body)
        except ValueError:
            raise PageError("malformed JSON") from None
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise PageError("a JSON page without a 'value' list")
        entries = []
        for row in page["value"]:
            if not isinstance(row, dict):
                continue
            deleted = bool(row.get("Verwijderd"))
            if not deleted and not is_fiche(row):
                continue
            doc_id = row.get("Id")
            url = self.resource_url(doc_id) if isinstance(doc_id, str) and not deleted else None
            entries.append(Entry(doc_id, url, _metadata(row), deleted, row.get("ApiGewijzigdOp")))
        link = page.get("@odata.nextLink")
        return Page(entries, Request(urljoin(request.url, link)) if isinstance(link, str) and link
                    else None)


def _metadata(row: dict[str, Any]) -> dict[str, Any]:
    """The row's API fields for the manifest; a deleted row's empty fields are left out,
    so what was known before the deletion stays."""
    deleted = bool(row.get("Verwijderd"))
    out = {name: row[name] for name in API_FIELDS
           if name in row and (row[name] is not None or not deleted)}
    if row.get("Zaak") or not deleted:
        out["Zaak"] = [z["Nummer"] for z in row.get("Zaak") or []
                       if isinstance(z, dict) and z.get("Nummer")]
    if row.get("Kamerstukdossier") or not deleted:
        out["Kamerstukdossier"] = [
            "-".join(str(p) for p in (k.get("Nummer"), k.get("Toevoeging")) if p)
            for k in row.get("Kamerstukdossier") or [] if isinstance(k, dict)]
    if identifier := publication_identifier(row):
        out["ExterneIdentifier"] = identifier
    return out


def publication_identifier(row: dict[str, Any]) -> str | None:
    """The publisher's identifier of the document (``kst-22112-3458``, a reprint's
    ``kst-22112-1483-n2``): the ``ExterneIdentifier`` of its latest ``DocumentVersie``.

    >>> publication_identifier({"DocumentVersie": [
    ...     {"Versienummer": 1, "ExterneIdentifier": "kst-22112-1483"},
    ...     {"Versienummer": 2, "ExterneIdentifier": "kst-22112-1483-n2"}]})
    'kst-22112-1483-n2'
    >>> publication_identifier({"DocumentVersie": [{"Versienummer": 1, "ExterneIdentifier": None}]})
    """
    versions = [v for v in row.get("DocumentVersie") or [] if isinstance(v, dict)
                and isinstance(v.get("ExterneIdentifier"), str)
                and re.fullmatch(r"kst-[0-9A-Za-z-]{3,40}", v["ExterneIdentifier"].strip())]
    if not versions:
        return None
    latest = max(versions, key=lambda v: _int(v.get("Versienummer")) or 0)
    return latest["ExterneIdentifier"].strip()


def harvest(out: str | Path = "data/raw", *, base_url: str = DEFAULT_BASE_URL,
            since: str | None = None, concurrency: int = 4,
            progress: Callable[[int, int], None] | None = None, **limits: Any) -> Summary:
    """Bring the cache at ``out`` up to date with the API at ``base_url``; ``limits`` are
    the fields of ``kgbuild.harvest.Limits`` (``timeout``, ``retries``, ``max_time`` …).

    >>> harvest("/tmp/x", base_url="ftp://example.org/")
    Traceback (most recent call last):
    ...
    kgbuild.errors.InputError: ftp://example.org/: the base URL must be http(s)
    """
    return harvest_source(out, TweedeKamer(base_url), user_agent=USER_AGENT, since=since,
                          limits=HttpLimits(**limits), concurrency=concurrency,
                          progress=progress)


# --- using the harvest ----------------------------------------------------------------------


def harvested_fiches(root: str | Path) -> list[HarvestedFile]:
    """The fiches to build from: cached, not deleted, ordered by document number."""
    out = harvested_files(root, lambda e: not e.get("Verwijderd") and is_fiche(entry_as_row(e)))
    out.sort(key=lambda f: (f.entry.get("DocumentNummer") or "", f.entry["Id"]))
    return out


def entry_as_row(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's fields in the API's row shape (for ``is_fiche``)."""
    row = dict(entry)
    dossiers = entry.get("Kamerstukdossier") or []
    row["Kamerstukdossier"] = [{"Nummer": d.split("-")[0]} for d in dossiers] or None
    return row


# The parser's warnings (kgbuild.parse) about values the open data supplies.
RESOLVED_WARNINGS = {"date_sent": "not found: the send date",
                     "kamerstuk": "not found: the fiche's own Kamerstuk number",
                     "tk_document_number": "not found: the document number",
                     "zaak": "not found: the Zaak"}


def apply_metadata(record: FicheRecord, entry: dict[str, Any]) -> FicheRecord:
    """A copy of ``record`` with the open-data metadata of its manifest entry merged in.

    The API's document number, Kamerstuk number (``Volgnummer`` in dossier 22112), case
    (``Zaak``) and date are more reliable than what the text says: they replace it, and a
    warning records each value of the text they overrule.

    >>> rec = FicheRecord(title="T", kamerstuk=KamerstukRef("22112", "4030"))
    >>> out = apply_metadata(rec, {"DocumentNummer": "2025D46581", "Volgnummer": 4031,
    ...     "Zaak": ["2025Z19883"], "Datum": "2025-11-14T00:00:00+01:00",
    ...     "Kamerstukdossier": ["22112"]})
    >>> out.tk_document_number, out.zaak, out.kamerstuk.key, out.date_sent
    ('2025D46581', '2025Z19883', '22112-4031', '2025-11-14')
    >>> out.warnings
    ['open data: kamerstuk 22112-4031 replaces 22112-4030 read from the text']
    >>> apply_metadata(FicheRecord(warnings=["not found: the send date (cover letter)"]),
    ...                {"Datum": "2013-10-17T00:00:00"}).warnings
    []
    >>> rec.kamerstuk.key
    '22112-4030'
    """
    out = copy.deepcopy(record)

    def put(name: str, value: Any, shown: Callable[[Any], str] = str) -> None:
        current = getattr(out, name)
        if current is not None and current != value:
            out.warnings.append(f"open data: {name} {shown(value)} replaces "
                                f"{shown(current)} read from the text")
        setattr(out, name, value)
        if name in RESOLVED_WARNINGS:  # the parser's "not found" no longer holds
            out.warnings = [w for w in out.warnings if not w.startswith(RESOLVED_WARNINGS[name])]

    if entry.get("DocumentNummer"):
        put("tk_document_number", entry["DocumentNummer"])
    if entry.get("Zaak"):
        put("zaak", entry["Zaak"][0])
    number = _int(entry.get("Volgnummer"))
    if number is not None and number > 0:
        dossiers = entry.get("Kamerstukdossier") or [str(DOSSIER)]
        main = str(DOSSIER) if str(DOSSIER) in dossiers else dossiers[0]
        others = tuple(d for d in dossiers if d != main)
        put("kamerstuk", KamerstukRef(main, str(number), others), lambda k: k.key)
    if entry.get("Datum"):
        put("date_sent", str(entry["Datum"])[:10])
    return out


class StderrProgress:
    """A one-line progress bar on stderr (redrawn in place on a terminal, else quiet)."""

    def __init__(self, label: str = "downloading", stream=None):
        self.label, self.stream = label, stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()

    def __call__(self, done: int, total: int) -> None:
        if not self.tty or total == 0:
            return
        with self.lock:
            filled = int(30 * done / total)
            bar = "#" * filled + "." * (30 - filled)
            self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
