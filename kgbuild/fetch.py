"""Harvest BNC-fiches from the Tweede Kamer open-data API into a content-addressed cache.

A fiche is a ``Document`` of Kamerstukdossier 22112 with ``Soort`` 'Brief regering' and an
``Onderwerp`` starting with "Fiche" (or "Herzien fiche"); the dossier's other letters (cover
letters, delay letters) are not. ``harvest()`` pages through the API's ``@odata.nextLink``,
downloads each fiche's file (``Document(<Id>)/resource``: .docx for recent fiches, .pdf for
older ones) and keeps a manifest. The cache directory (``data/raw`` by default) holds:

- ``manifest.json`` — ``{"format", "base_url", "high_water", "last_run", "documents"}``;
  ``documents`` maps each document ``Id`` to one entry: the API's own fields under the API's
  names (``Id``, ``DocumentNummer``, ``Volgnummer`` (the fiche's Kamerstuk number),
  ``Onderwerp``, ``Titel``, ``Soort``, ``Datum``, ``GewijzigdOp``, ``ApiGewijzigdOp``,
  ``ContentType``, ``ContentLength``, ``Verwijderd``, ``Zaak``: the case numbers,
  ``Kamerstukdossier``: the dossier numbers) and the cache's own lower-case fields
  (``status``: ``ok`` | ``pending`` | ``failed`` | ``deleted``, ``sha256``, ``size``,
  ``path`` of the object, ``media_type`` the server sent, ``fetched_at``, ``error``, and
  ``url``, the file's address). ``high_water`` is the latest ``ApiGewijzigdOp`` of a complete
  listing: the next run asks only for ``ApiGewijzigdOp ge high_water``.
- ``objects/sha256/ab/cdef…`` — each file once, named by its SHA-256.
- ``tmp/`` — downloads in progress; a file moves into ``objects/`` (``os.replace``) only when
  complete and checked, and the manifest is rewritten the same way, so an interrupted run
  leaves nothing half-written. The next run clears ``tmp/`` and retries whatever is
  ``pending`` or ``failed``.

Politeness: a User-Agent naming the project, at most ``concurrency`` downloads at a time,
timeouts, and retries with exponential backoff on 429, 5xx, dropped connections and malformed
pages, honouring ``Retry-After`` (seconds or an HTTP date) up to ``max_wait``.

>>> fiche_filter("2025-01-01T00:00:00Z")[:46]
'ApiGewijzigdOp ge 2025-01-01T00:00:00Z and ((S'
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Fiche 3: Verordening X",
...           "Kamerstukdossier": [{"Nummer": 22112}]})
True
>>> is_fiche({"Soort": "Brief regering", "Onderwerp": "Uitstel fiche Verordening X",
...           "Kamerstukdossier": [{"Nummer": 22112}]})
False
"""

from __future__ import annotations

import copy
import email.utils
import functools
import hashlib
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

import httpx

from . import __version__
from .errors import InputError, KgbuildError
from .record import FicheRecord, KamerstukRef

DEFAULT_BASE_URL = "https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/"
USER_AGENT = f"kgbuild/{__version__} (knowledge graph of BNC-fiches; harvester of dossier 22112)"
MANIFEST_FORMAT = "kgbuild-harvest/1"
DOSSIER = 22112
FICHE_CLAUSE = (
    "Soort eq 'Brief regering' and (startswith(Onderwerp,'Fiche') or "
    f"startswith(Onderwerp,'Herzien')) and Kamerstukdossier/any(k: k/Nummer eq {DOSSIER})"
)
SELECT = ("Id,Soort,DocumentNummer,Titel,Onderwerp,Datum,Volgnummer,ContentType,ContentLength,"
          "GewijzigdOp,ApiGewijzigdOp,Verwijderd")
EXPAND = "Zaak($select=Nummer),Kamerstukdossier($select=Nummer,Toevoeging)"
API_FIELDS = ("Id", "DocumentNummer", "Volgnummer", "Onderwerp", "Titel", "Soort", "Datum",
              "GewijzigdOp", "ApiGewijzigdOp", "ContentType", "ContentLength", "Verwijderd")


class FetchError(KgbuildError):
    """A request that still failed after its retries; the message names the URL."""


@dataclass
class Summary:
    """What one harvest did. ``complete`` is false when the listing stopped early."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    listed: int = 0
    downloaded_bytes: int = 0
    complete: bool = True
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        """
        >>> str(Summary(new=2, unchanged=5, downloaded_bytes=2048))
        'new 2, changed 0, unchanged 5, deleted 0, failed 0 (2.0 kB downloaded)'
        """
        text = (f"new {self.new}, changed {self.changed}, unchanged {self.unchanged}, "
                f"deleted {self.deleted}, failed {self.failed} "
                f"({self.downloaded_bytes / 1024:.1f} kB downloaded)")
        return text if self.complete else text + "; listing incomplete"

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "errors"}


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
    """A 'Brief regering' of dossier 22112 whose subject starts with (Herzien) Fiche."""
    subject = (row.get("Onderwerp") or "").strip().casefold()
    dossiers = row.get("Kamerstukdossier")
    in_dossier = dossiers is None or any(_int(d.get("Nummer")) == DOSSIER for d in dossiers)
    return (row.get("Soort") == "Brief regering" and in_dossier
            and re.match(r"(herziene?\s+)?fiche\b", subject) is not None)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- dates ----------------------------------------------------------------------------------


def parse_when(value: str) -> datetime:
    """An API timestamp (or a plain date) as an aware UTC datetime.

    >>> parse_when("2025-11-14T17:45:12.1234567+01:00").isoformat()
    '2025-11-14T16:45:12.123456+00:00'
    >>> parse_when("2025-01-01").isoformat()
    '2025-01-01T00:00:00+00:00'
    """
    text = re.sub(r"(\.\d{6})\d+", r"\1", value.strip()).replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(value, "not a date or date-time (use YYYY-MM-DD)") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def odata_time(when: datetime) -> str:
    """A DateTimeOffset literal for ``$filter``.

    >>> odata_time(parse_when("2025-11-14T17:45:12.5+01:00"))
    '2025-11-14T16:45:12.500000Z'
    >>> odata_time(parse_when("2025-11-14"))
    '2025-11-14T00:00:00Z'
    """
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if when.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return when.astimezone(timezone.utc).strftime(fmt)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """The wait a ``Retry-After`` header asks for: seconds, or an HTTP date.

    >>> retry_after_seconds("3")
    3.0
    >>> retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT",
    ...                     now=datetime(2015, 10, 21, 7, 27, 30, tzinfo=timezone.utc))
    30.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- HTTP with retries ----------------------------------------------------------------------


class Http:
    """GET with retries: 429 and 5xx, dropped connections, timeouts, malformed JSON.

    The wait doubles from ``backoff`` seconds each attempt (with a little jitter), or is what
    ``Retry-After`` says; never more than ``max_wait``. Other 4xx fail at once.
    """

    def __init__(self, client: httpx.Client, *, retries: int, backoff: float, max_wait: float):
        self.client, self.retries, self.backoff, self.max_wait = client, retries, backoff, max_wait
        self.stop = threading.Event()  # set on interruption: no new attempts, no more waiting

    def _attempts(self) -> Iterator[int]:
        for attempt in range(self.retries + 1):
            if self.stop.is_set():
                raise FetchError("interrupted")
            yield attempt

    def _wait(self, attempt: int, response: httpx.Response | None) -> None:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response else None
        jitter = 1 + random.random() / 10
        delay = asked if asked is not None else self.backoff * 2**attempt * jitter
        self.stop.wait(min(delay, self.max_wait))

    def get_json(self, url: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        last = ""
        for attempt in self._attempts():
            response = None
            try:
                response = self.client.get(url, params=params,
                                           headers={"Accept": "application/json"})
                if _retryable(response.status_code):
                    last = f"HTTP {response.status_code}"
                elif response.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {response.status_code}")
                else:
                    page = response.json()
                    if isinstance(page, dict) and isinstance(page.get("value"), list):
                        return page
                    last = "a JSON page without a 'value' list"
            except httpx.TransportError as err:
                last = _describe(err)
            except ValueError:
                last = "malformed JSON"
            if attempt < self.retries:
                self._wait(attempt, response)
        raise FetchError(f"{url}: {last} after {self.retries + 1} attempts")

    def download(self, url: str, tmp_dir: Path) -> tuple[Path, str, int, str | None]:
        """Stream ``url`` into a temporary file: (path, sha256, size, content type)."""
        last = ""
        for attempt in self._attempts():
            response = None
            handle, name = tempfile.mkstemp(dir=tmp_dir, prefix="dl-")
            tmp = Path(name)
            try:
                with os.fdopen(handle, "wb") as out, self.client.stream("GET", url) as response:
                    if _retryable(response.status_code):
                        last = f"HTTP {response.status_code}"
                    elif response.status_code >= 400:
                        raise FetchError(f"{url}: HTTP {response.status_code}")
                    else:
                        digest, size = hashlib.sha256(), 0
                        for chunk in response.iter_bytes():
                            out.write(chunk)
                            digest.update(chunk)
                            size += len(chunk)
                        expected = response.headers.get("Content-Length")
                        if expected is not None and expected.isdigit() and int(expected) != size:
                            last = f"got {size} of {expected} bytes"
                        elif size == 0:
                            last = "an empty file"
                        else:
                            out.flush()
                            os.fsync(out.fileno())
                            ctype = response.headers.get("Content-Type")
                            return tmp, digest.hexdigest(), size, ctype
            except httpx.TransportError as err:
                last = _describe(err)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            tmp.unlink(missing_ok=True)
            if attempt < self.retries:
                self._wait(attempt, response)
        raise FetchError(f"{url}: {last} after {self.retries + 1} attempts")


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _describe(err: httpx.TransportError) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}" + (f" ({text[0][:100]})" if text else "")


# --- the cache ------------------------------------------------------------------------------


class Cache:
    """The harvest directory: manifest, objects, temporary downloads, and a run lock."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.manifest_path = self.root / "manifest.json"
        self.tmp = self.root / "tmp"

    def load(self) -> dict[str, Any]:
        """The manifest, or an empty one; a damaged manifest is an ``InputError``."""
        try:
            text = self.manifest_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {"format": MANIFEST_FORMAT, "base_url": None, "high_water": None,
                    "last_run": None, "documents": {}}
        except OSError as err:
            raise InputError(str(self.manifest_path), err.strerror or str(err)) from None
        try:
            manifest = json.loads(text)
        except ValueError as err:
            raise InputError(str(self.manifest_path), f"not valid JSON ({err})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
            raise InputError(str(self.manifest_path), f"not a {MANIFEST_FORMAT} manifest")
        return manifest

    def save(self, manifest: dict[str, Any]) -> None:
        """Write the manifest whole or not at all (temporary file, then ``os.replace``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        manifest["documents"] = dict(sorted(manifest["documents"].items()))
        handle, name = tempfile.mkstemp(dir=self.root, prefix=".manifest-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(manifest, out, ensure_ascii=False, indent=1)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(name, self.manifest_path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def object_path(self, sha256: str) -> Path:
        return self.root / "objects" / "sha256" / sha256[:2] / sha256[2:]

    def store(self, tmp: Path, sha256: str) -> str:
        """Move a checked download into place; the object's path relative to the root."""
        target = self.object_path(sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, target)
        return target.relative_to(self.root).as_posix()

    def has(self, entry: dict[str, Any]) -> bool:
        path = entry.get("path")
        if not path or not entry.get("sha256"):
            return False
        try:
            return (self.root / path).stat().st_size == entry.get("size")
        except OSError:
            return False

    def lock(self):
        """Hold an exclusive lock on the cache for one run (a second run fails at once)."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / ".lock", "w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise InputError(str(self.root),
                             "another harvest is running in this directory") from None
        return handle

    def reset_tmp(self) -> None:
        """Remove downloads an interrupted run left behind."""
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob(".manifest-*.tmp"):
            stale.unlink(missing_ok=True)


def verify(root: str | Path) -> list[str]:
    """Problems in a harvest directory: entries whose object is missing or has another hash,
    and leftovers of a write in progress. An empty list means the cache is consistent.

    >>> verify("/nonexistent/harvest")
    []
    """
    cache = Cache(root)
    if not cache.manifest_path.exists():
        return []
    problems = []
    for doc_id, entry in cache.load()["documents"].items():
        if entry.get("status") == "ok" or entry.get("sha256"):
            path = cache.root / (entry.get("path") or "-")
            try:
                data = path.read_bytes()
            except OSError:
                problems.append(f"{doc_id}: object {entry.get('path')} is missing")
                continue
            if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
                problems.append(f"{doc_id}: object {entry.get('path')} does not match its hash")
    problems += [f"leftover temporary file {p.name}" for p in cache.root.glob(".manifest-*.tmp")]
    if cache.tmp.exists():
        problems += [f"leftover download tmp/{p.name}" for p in cache.tmp.iterdir()]
    return problems


# --- the harvest ----------------------------------------------------------------------------


def _entry_from_row(row: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """A manifest entry with the row's API fields; the cache's own fields carried over."""
    entry = dict(old or {})
    for name in API_FIELDS:
        if name in row and (row[name] is not None or not row.get("Verwijderd")):
            entry[name] = row[name]
    if row.get("Zaak") or not row.get("Verwijderd"):
        entry["Zaak"] = [z["Nummer"] for z in row.get("Zaak") or [] if z.get("Nummer")]
    if row.get("Kamerstukdossier") or not row.get("Verwijderd"):
        entry["Kamerstukdossier"] = [
            "-".join(str(p) for p in (k.get("Nummer"), k.get("Toevoeging")) if p)
            for k in row.get("Kamerstukdossier") or []]
    return entry


def _needs_download(old: dict[str, Any] | None, entry: dict[str, Any], cache: Cache) -> bool:
    if entry.get("Verwijderd"):
        return False
    if old is None or old.get("status") != "ok" or not cache.has(old):
        return True
    return any(old.get(k) != entry.get(k) for k in ("GewijzigdOp", "ContentType", "ContentLength"))


def _metadata_changed(old: dict[str, Any], entry: dict[str, Any]) -> bool:
    keys = set(API_FIELDS + ("Zaak", "Kamerstukdossier")) - {"ApiGewijzigdOp"}
    return any(old.get(k) != entry.get(k) for k in keys)


def harvest(
    out: str | Path = "data/raw",
    *,
    base_url: str = DEFAULT_BASE_URL,
    since: str | None = None,
    concurrency: int = 4,
    timeout: float = 30.0,
    retries: int = 5,
    backoff: float = 1.0,
    max_wait: float = 120.0,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Bring the cache at ``out`` up to date with the API at ``base_url``.

    The first run lists every fiche; later runs only what changed since the manifest's
    high-water mark (``since``, an ISO date or date-time, overrides it). Files are downloaded
    again only when the document's ``GewijzigdOp``, content type or length moved, or the
    cached object is missing; entries left ``pending`` or ``failed`` are retried.
    ``progress(done, total)`` is called as downloads finish.

    >>> harvest("/tmp/x", base_url="ftp://example.org/")
    Traceback (most recent call last):
    ...
    kgbuild.errors.InputError: ftp://example.org/: the base URL must be http(s)
    """
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise InputError(base_url, "the base URL must be http(s)")
    if concurrency < 1:
        raise InputError(str(concurrency), "concurrency must be at least 1")
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    cache = Cache(out)
    lock = cache.lock()
    try:
        cache.reset_tmp()
        manifest = cache.load()
        if manifest.get("base_url") not in (None, base_url):
            manifest["high_water"] = None  # another API: list everything again
        manifest["base_url"] = base_url
        lower = odata_time(parse_when(since)) if since else manifest.get("high_water")
        client = httpx.Client(
            headers={"User-Agent": USER_AGENT},
            timeout=httpx.Timeout(timeout), follow_redirects=True,
            limits=httpx.Limits(max_connections=concurrency + 1),
        )
        with client:
            http = Http(client, retries=retries, backoff=backoff, max_wait=max_wait)
            return _run(cache, manifest, http, base_url, lower, concurrency, progress)
    finally:
        lock.close()


def _run(cache: Cache, manifest: dict[str, Any], http: Http, base_url: str,
         lower: str | None, concurrency: int,
         progress: Callable[[int, int], None] | None) -> Summary:
    summary = Summary()
    started = _now()
    documents: dict[str, dict[str, Any]] = manifest["documents"]
    before = copy.deepcopy(documents)
    rows, newest = _list(http, base_url, lower, summary)

    todo: list[str] = []
    # A row that paging showed twice counts once (the later one).
    latest = {row["Id"] if isinstance(row.get("Id"), str) else id(row): row for row in rows}
    for row in latest.values():
        doc_id = row.get("Id")
        if not isinstance(doc_id, str) or not re.fullmatch(r"[0-9A-Za-z-]{1,64}", doc_id):
            summary.errors.append(f"skipped a row with an unusable Id: {doc_id!r}")
            continue
        old = documents.get(doc_id)
        if row.get("Verwijderd"):
            if old is None and not is_fiche(row):
                continue  # a deleted document that was never a fiche we knew
            entry = _entry_from_row(row, old)
            entry["status"] = "deleted"
            entry.setdefault("deleted_at", _now())
            if not (old or {}).get("Verwijderd"):
                summary.deleted += 1
            documents[doc_id] = entry
            continue
        if not is_fiche(row):
            continue
        summary.listed += 1
        entry = _entry_from_row(row, old)
        entry.pop("deleted_at", None)  # deleted once, back now
        entry["url"] = _resource_url(base_url, doc_id)
        if _needs_download(old, entry, cache):
            entry["status"] = "pending"
            todo.append(doc_id)
        elif _metadata_changed(old, entry):
            summary.changed += 1
        else:
            summary.unchanged += 1
        documents[doc_id] = entry
    # Entries an earlier run could not finish are retried even if the API did not list them.
    listed = set(todo)
    for doc_id, entry in documents.items():
        if doc_id not in listed and not entry.get("Verwijderd") and (
                entry.get("status") in ("pending", "failed") or
                (entry.get("status") == "ok" and not cache.has(entry))):
            entry["status"] = "pending"
            todo.append(doc_id)
    cache.save(manifest)  # what is known, before the downloads start

    _download_all(cache, manifest, http, base_url, todo, before, summary, concurrency, progress)

    if summary.complete and newest is not None:
        old_mark = manifest.get("high_water")
        if old_mark is None or parse_when(newest) > parse_when(old_mark):
            manifest["high_water"] = odata_time(parse_when(newest))
    manifest["last_run"] = {"started": started, "finished": _now(), "since": lower,
                            "summary": summary.to_json()}
    cache.save(manifest)
    return summary


def _resource_url(base_url: str, doc_id: str) -> str:
    return f"{base_url}Document({doc_id})/resource"


def _list(http: Http, base_url: str, lower: str | None,
          summary: Summary) -> tuple[list[dict[str, Any]], str | None]:
    """Every row of the listing, following ``@odata.nextLink``; the newest ApiGewijzigdOp."""
    url: str | None = base_url + "Document"
    params: dict[str, str] | None = {
        "$filter": fiche_filter(lower), "$select": SELECT, "$expand": EXPAND,
        "$orderby": "ApiGewijzigdOp",
    }
    origin = urlsplit(base_url)[:2]
    rows: list[dict[str, Any]] = []
    newest: str | None = None
    while url:
        try:
            page = http.get_json(url, params)
        except FetchError as err:
            summary.complete = False
            summary.errors.append(f"listing stopped: {err}")
            break
        for row in page["value"]:
            if not isinstance(row, dict):
                continue
            rows.append(row)
            stamp = row.get("ApiGewijzigdOp")
            if stamp and (newest is None or parse_when(stamp) > parse_when(newest)):
                newest = stamp
        url, params = page.get("@odata.nextLink"), None
        if url and urlsplit(url)[:2] != origin:
            summary.complete = False
            summary.errors.append(f"listing stopped: nextLink leaves {base_url}: {url}")
            break
    return rows, newest


def _download_all(cache: Cache, manifest: dict[str, Any], http: Http, base_url: str,
                  todo: list[str], before: dict[str, Any], summary: Summary,
                  concurrency: int, progress: Callable[[int, int], None] | None) -> None:
    documents = manifest["documents"]
    done, last_save = 0, time.monotonic()
    if progress:
        progress(0, len(todo))

    def fetch(doc_id: str):
        return http.download(_resource_url(base_url, doc_id), cache.tmp)

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kgbuild-fetch")
    pending: dict[Future, str] = {}
    queue = list(todo)
    try:
        while queue or pending:
            while queue and len(pending) < concurrency:
                doc_id = queue.pop(0)
                pending[pool.submit(fetch, doc_id)] = doc_id
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                doc_id = pending.pop(future)
                entry = documents[doc_id]
                old = before.get(doc_id)
                try:
                    tmp, sha256, size, ctype = future.result()
                except KgbuildError as err:
                    entry.update(status="failed", error=str(err))
                    summary.failed += 1
                    summary.errors.append(str(err))
                else:
                    entry.update(status="ok", sha256=sha256, size=size,
                                 path=cache.store(tmp, sha256), fetched_at=_now())
                    entry.pop("error", None)
                    if ctype:
                        entry["media_type"] = ctype.split(";")[0].strip()
                    summary.downloaded_bytes += size
                    if old is None or not old.get("sha256"):
                        summary.new += 1
                    elif old.get("sha256") != sha256 or _metadata_changed(old, entry):
                        summary.changed += 1
                    else:
                        summary.unchanged += 1
                done += 1
                if progress:
                    progress(done, len(todo))
            if time.monotonic() - last_save > 5:
                cache.save(manifest)
                last_save = time.monotonic()
    except BaseException:  # interrupted: keep what is done, stop the rest
        http.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    else:
        pool.shutdown()
    finally:
        cache.save(manifest)


# --- using the harvest ----------------------------------------------------------------------


@dataclass
class HarvestedFile:
    """One fiche in the cache: its object's path and its manifest entry."""

    path: Path
    entry: dict[str, Any]

    @property
    def source(self) -> str:
        """Where the file came from (its API URL), as records and errors name it."""
        return self.entry.get("url") or str(self.path)


def is_harvest(path: str | Path) -> bool:
    """Whether ``path`` is a harvest directory (it holds a manifest.json)."""
    return (Path(path) / "manifest.json").is_file()


def harvested_fiches(root: str | Path) -> list[HarvestedFile]:
    """The fiches to build from: cached, not deleted, ordered by document number."""
    cache = Cache(root)
    out = []
    for entry in cache.load()["documents"].values():
        if entry.get("Verwijderd") or not cache.has(entry) or not is_fiche(entry_as_row(entry)):
            continue
        out.append(HarvestedFile(cache.root / entry["path"], entry))
    out.sort(key=lambda f: (f.entry.get("DocumentNummer") or "", f.entry["Id"]))
    return out


def entry_as_row(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's fields in the API's row shape (for ``is_fiche``)."""
    row = dict(entry)
    dossiers = entry.get("Kamerstukdossier") or []
    row["Kamerstukdossier"] = [{"Nummer": d.split("-")[0]} for d in dossiers] or None
    return row


def read_harvested(item: HarvestedFile) -> FicheRecord:
    """Read and parse one harvested file, then merge its open-data metadata into the record."""
    from .parse import parse_document
    from .readers import read_bytes

    try:
        data = item.path.read_bytes()
    except OSError as err:
        raise InputError(str(item.path), err.strerror or str(err)) from None
    return apply_metadata(parse_document(read_bytes(data, item.source)), item.entry)


def parse_source(path: str | Path) -> FicheRecord:
    """Parse a build source: a harvested object gets its open-data metadata merged in
    (``apply_metadata``); any other file is parsed as it is (``parse_file``).

    >>> parse_source("data/fiches/2025D17740.txt").kamerstuk.key
    '22112-4031'
    """
    path = Path(path)
    item = harvested_file(path)
    if item is None:
        from .parse import parse_file

        return parse_file(path)
    return read_harvested(item)


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
    for item in harvested_fiches(root):
        out.setdefault(item.path.resolve(), item)
    return out


def harvest_fingerprint(root: str | Path) -> str:
    """A digest of what a build from the harvest would read: files and their metadata.

    ``kgbuild update`` rebuilds only when it changed.
    """
    parts = [(f.entry["Id"], f.entry.get("sha256"), f.entry.get("url"),
              *(f.entry.get(k) for k in ("DocumentNummer", "Volgnummer", "Zaak", "Datum",
                                          "Kamerstukdossier")))
             for f in harvested_fiches(root)]
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
    tmp.write_text(json.dumps({"fingerprint": fingerprint, "built_at": _now()}) + "\n")
    os.replace(tmp, target)


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
