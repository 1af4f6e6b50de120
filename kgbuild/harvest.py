"""The harvesting core: bounded HTTP, a content-addressed cache, an atomic manifest.

A *source* (``kgbuild/fetch.py``: the Tweede Kamer open-data API) says how to ask for its
listing and what a listing page holds; this module pages through it, downloads the files and
keeps the cache. The protocol (``Source``, ``Page``, ``Entry``) is described in
docs/CONTRACTS.md. The cache directory holds:

- ``manifest.json`` — ``{"format", "base_url", "high_water", "last_run", "documents"}``;
  ``documents`` maps each entry's id to the source's metadata (under the source's names)
  and the cache's own lower-case fields: ``status`` (``ok`` | ``pending`` | ``failed`` |
  ``deleted``), ``sha256``, ``size``, ``path`` of the object, ``media_type`` the server sent,
  ``fetched_at``, ``error`` and ``url``, the file's address. ``high_water`` is the latest
  ``stamp`` of a complete listing: the next run asks only for what changed since.
- ``objects/sha256/ab/cdef…`` — each file once, named by its SHA-256.
- ``tmp/`` — downloads in progress; a file moves into ``objects/`` (``os.replace``) only when
  complete and checked, and the manifest is rewritten the same way, so an interrupted run
  leaves nothing half-written. The next run clears ``tmp/`` and retries whatever is
  ``pending`` or ``failed``.

Every request is bounded (``Limits``): a connect/read timeout, a minimum transfer rate and a
deadline per page or file, a size cap per page and per file, at most a few redirects and only
to the same origin, a cap on listing pages and detection of a page seen before, and an
overall ``max_time`` after which the run stops cleanly: what is complete is kept, the rest
stays ``pending`` for the next run, and the summary says so.

>>> same_origin("https://a.example/x?y", "HTTPS://A.example/z")
True
>>> same_origin("https://a.example/x", "https://a.example:8443/x")
False
"""

from __future__ import annotations

import copy
import email.utils
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol
from urllib.parse import urljoin, urlsplit

import httpx

from . import __version__
from .errors import InputError, KgbuildError

USER_AGENT = f"kgbuild/{__version__} (knowledge graph of BNC-fiches; harvester of dossier 22112)"

MANIFEST_FORMAT = "kgbuild-harvest/1"
MB = 1024 * 1024
# The cache's own fields of a manifest entry; every other field is the source's metadata.
CACHE_FIELDS = frozenset({"status", "sha256", "size", "path", "media_type", "fetched_at",
                          "error", "url", "deleted_at"})


class FetchError(KgbuildError):
    """A request that failed (after its retries, if it may be retried); names the URL."""


class Refused(FetchError):
    """A response the harvest will not take: too large, too slow, a redirect off the host.
    Not retried within the run."""


class OutOfTime(FetchError):
    """The run's ``max_time`` is up (or it was interrupted): no more requests."""


class PageError(ValueError):
    """A listing page the source cannot read (malformed); the request is retried."""


# --- the source protocol --------------------------------------------------------------------


@dataclass
class Entry:
    """One document a listing page names.

    ``id``: the manifest key (letters, digits, ``-``, ``_``, ``.``; at most 80 characters);
    ``url``: where its file is (on the source's host; ``None`` when deleted); ``metadata``:
    the source's fields, stored in the manifest as they are (a deleted entry's ``None``
    values do not overwrite what is known); ``deleted``: the source withdrew it; ``stamp``:
    its modification time (ISO 8601), for the high-water mark.
    """

    id: Any
    url: str | None
    metadata: dict[str, Any]
    deleted: bool = False
    stamp: str | None = None


@dataclass
class Page:
    """What one listing page holds: its entries, the next page to ask for (``None``: the
    listing is complete), and remarks about rows it skipped."""

    entries: list[Entry]
    next: Request | None = None
    remarks: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """A GET: the URL and its query parameters."""

    url: str
    params: dict[str, str] | None = None

    def key(self) -> str:
        """The full URL, to recognise a page asked for before.

        >>> Request("http://h/a", {"q": "x y"}).key(), Request("http://h/a?q=1").key()
        ('http://h/a?q=x+y', 'http://h/a?q=1')
        """
        url = httpx.URL(self.url)
        return str(url.copy_merge_params(self.params) if self.params else url)


class Source(Protocol):
    """A harvest source (see docs/CONTRACTS.md)."""

    base_url: str  # listing pages, next pages and files must stay on its origin
    accept: str  # the Accept header for listing pages
    file_keys: tuple[str, ...]  # metadata whose change means a new file: download again
    quiet_keys: tuple[str, ...]  # metadata whose change alone is no change (stamps)

    def first_page(self, since: str | None) -> Request:
        """The first listing page: everything, or what changed at or after ``since``
        (``YYYY-MM-DDTHH:MM:SS[.ffffff]Z``)."""

    def parse_page(self, body: bytes, request: Request) -> Page:
        """Read a listing page; raise ``PageError`` when it is malformed."""


# --- limits ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """The bounds of a run. Times in seconds, sizes in bytes; ``max_time=None``: no limit.

    The defaults fit the Tweede Kamer API: pages of 250 rows are about 0.3 MB, the largest
    real fiche is a few MB, a whole first harvest of ~4,000 files takes under an hour.
    """

    timeout: float = 30.0  # to connect, and between two reads
    retries: int = 5  # of 429, 5xx, dropped connections, malformed pages
    backoff: float = 1.0  # first retry wait, doubled each retry
    max_wait: float = 120.0  # longest wait before a retry, whatever Retry-After asks
    min_rate: float = 2048.0  # bytes per second, on average, once `timeout` has passed
    file_deadline: float = 300.0  # for one page or file
    max_file_bytes: int = 64 * MB
    max_page_bytes: int = 16 * MB
    max_pages: int = 1000
    max_redirects: int = 3  # same origin only
    max_time: float | None = 3600.0  # the whole run


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs have the same scheme, host and port."""
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme.lower(), x.hostname, x.port) == (y.scheme.lower(), y.hostname, y.port)


def short(url: str, width: int = 100) -> str:
    """A URL cut to ``width`` characters for a message.

    >>> short("http://h/" + "a" * 200, 20)
    'http://h/aaaaaaaaaa…'
    """
    return url if len(url) <= width else url[: width - 1] + "…"


def _size(n: float) -> str:
    """
    >>> _size(16 * MB), _size(2048), _size(10)
    ('16 MB', '2 kB', '10 bytes')
    """
    if n >= MB:
        return f"{n / MB:g} MB"
    return f"{n / 1024:g} kB" if n >= 1024 else f"{n:g} bytes"


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


def parse_when(value: str) -> datetime:
    """A timestamp (or a plain date) as an aware UTC datetime.

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


def utc_stamp(when: datetime) -> str:
    """A UTC timestamp as the sources take it.

    >>> utc_stamp(parse_when("2025-11-14T17:45:12.5+01:00"))
    '2025-11-14T16:45:12.500000Z'
    >>> utc_stamp(parse_when("2025-11-14"))
    '2025-11-14T00:00:00Z'
    """
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if when.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return when.astimezone(timezone.utc).strftime(fmt)


def now_stamp() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- HTTP under limits ----------------------------------------------------------------------


class _Retry(Exception):
    """An attempt that may be repeated: its reason and the response (for Retry-After)."""

    def __init__(self, reason: str, response: httpx.Response | None = None):
        super().__init__(reason)
        self.reason, self.response = reason, response


class Http:
    """GET under ``Limits``, with retries of 429, 5xx, dropped connections, timeouts and
    malformed pages (the wait doubles from ``backoff``, or is what ``Retry-After`` says;
    never more than ``max_wait`` nor past ``max_time``). Other 4xx fail at once; so does
    what is refused (too large, too slow, a redirect to another origin).
    """

    def __init__(self, client: httpx.Client, origin: str, limits: Limits):
        self.client, self.origin, self.limits = client, origin, limits
        self.until = None if limits.max_time is None else time.monotonic() + limits.max_time
        self.stop = threading.Event()  # set on interruption: no new attempts, no more waiting

    def remaining(self) -> float:
        return float("inf") if self.until is None else self.until - time.monotonic()

    def _check_time(self) -> None:
        if self.stop.is_set():
            raise OutOfTime("interrupted")
        if self.remaining() <= 0:
            raise OutOfTime(f"--max-time {self.limits.max_time:g} s is up")

    def _attempts(self) -> Iterator[int]:
        for attempt in range(self.limits.retries + 1):
            self._check_time()
            yield attempt

    def _wait(self, attempt: int, response: httpx.Response | None) -> None:
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response else None
        jitter = 1 + random.random() / 10
        delay = asked if asked is not None else self.limits.backoff * 2**attempt * jitter
        self.stop.wait(max(0.0, min(delay, self.limits.max_wait, self.remaining())))

    def _stream(self, request: Request, headers: dict[str, str], cap: int,
                sink: Callable[[bytes], None]) -> httpx.Response:
        """One attempt: follow same-origin redirects, stream the body into ``sink`` under
        the size cap, rate and deadlines. Returns the final response (body consumed)."""
        url, params = request.url, request.params
        for _hop in range(self.limits.max_redirects + 1):
            self._check_time()
            timeout = max(0.1, min(self.limits.timeout, self.remaining()))
            with self.client.stream("GET", url, params=params, headers=headers,
                                    timeout=timeout) as response:
                if response.is_redirect:
                    target = urljoin(str(response.url), response.headers.get("Location", ""))
                    if not same_origin(target, self.origin):
                        raise Refused(f"{short(request.url)}: redirected to another host ({target})")
                    url, params = target, None
                    continue
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retry(f"HTTP {response.status_code}", response)
                if response.status_code >= 400:
                    raise FetchError(f"{short(request.url)}: HTTP {response.status_code}")
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > cap:
                    raise Refused(f"{short(request.url)}: larger than {_size(cap)} "
                                  f"(Content-Length {length})")
                self._read(request.url, response, cap, sink)
                if length.isdigit() and int(length) != response.num_bytes_downloaded:
                    raise _Retry(f"got {response.num_bytes_downloaded} of {length} bytes")
                return response
        raise Refused(f"{short(request.url)}: more than {self.limits.max_redirects} redirects")

    def _read(self, url: str, response: httpx.Response, cap: int,
              sink: Callable[[bytes], None]) -> None:
        limits, started, size = self.limits, time.monotonic(), 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise Refused(f"{url}: larger than {_size(cap)}")
            sink(chunk)
            elapsed = time.monotonic() - started
            if elapsed > limits.file_deadline:
                raise Refused(f"{url}: took longer than {limits.file_deadline:g} s")
            if elapsed > limits.timeout and size < limits.min_rate * elapsed:
                raise Refused(f"{url}: slower than {_size(limits.min_rate)}/s "
                              f"({size} bytes in {elapsed:.0f} s)")
            self._check_time()

    def _with_retries(self, request: Request, attempt_once: Callable[[], Any]) -> Any:
        last = ""
        for attempt in self._attempts():
            response = None
            try:
                return attempt_once()
            except _Retry as retry:
                last, response = retry.reason, retry.response
            except httpx.TimeoutException as err:
                if self.remaining() <= 0:
                    raise OutOfTime(f"--max-time {self.limits.max_time:g} s is up") from None
                last = _describe(err)
            except httpx.TransportError as err:
                last = _describe(err)
            except PageError as err:
                last = str(err) or "a malformed page"
            if attempt < self.limits.retries:
                self._wait(attempt, response)
        raise FetchError(f"{short(request.url)}: {last} after {self.limits.retries + 1} attempts")

    def get_page(self, request: Request, accept: str,
                 parse: Callable[[bytes], Page]) -> Page:
        """A listing page, read whole under ``max_page_bytes`` and parsed (a ``PageError``
        from ``parse`` is retried like a dropped connection)."""

        def once() -> Page:
            body = bytearray()
            self._stream(request, {"Accept": accept}, self.limits.max_page_bytes, body.extend)
            return parse(bytes(body))

        return self._with_retries(request, once)

    def download(self, url: str, tmp_dir: Path) -> tuple[Path, str, int, str | None]:
        """Stream ``url`` into a temporary file: (path, sha256, size, content type)."""
        request = Request(url)

        def once() -> tuple[Path, str, int, str | None]:
            handle, name = tempfile.mkstemp(dir=tmp_dir, prefix="dl-")
            digest = hashlib.sha256()
            try:
                with os.fdopen(handle, "wb") as out:
                    def sink(chunk: bytes) -> None:
                        out.write(chunk)
                        digest.update(chunk)

                    response = self._stream(request, {}, self.limits.max_file_bytes, sink)
                    size = out.tell()
                    if size == 0:
                        raise _Retry("an empty file")
                    out.flush()
                    os.fsync(out.fileno())
            except BaseException:
                Path(name).unlink(missing_ok=True)
                raise
            return Path(name), digest.hexdigest(), size, response.headers.get("Content-Type")

        return self._with_retries(request, once)


def _describe(err: httpx.TransportError) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}" + (f" ({text[0][:100]})" if text else "")


def make_client(user_agent: str, limits: Limits, concurrency: int) -> httpx.Client:
    """The HTTP client of a run: redirects are followed by ``Http`` itself (same origin)."""
    return httpx.Client(headers={"User-Agent": user_agent}, timeout=httpx.Timeout(limits.timeout),
                        follow_redirects=False,
                        limits=httpx.Limits(max_connections=concurrency + 1))


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
        """Hold an exclusive lock on the cache for one run (a second run fails at once).
        The lock is an ``flock`` on an open file: it dies with the process that holds it."""
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


def is_harvest(path: str | Path) -> bool:
    """Whether ``path`` is a harvest directory (it holds a manifest.json)."""
    return (Path(path) / "manifest.json").is_file()


@dataclass
class HarvestedFile:
    """One file in the cache: its object's path and its manifest entry."""

    path: Path
    entry: dict[str, Any]

    @property
    def source(self) -> str:
        """Where the file came from (its URL), as records and errors name it."""
        return self.entry.get("url") or str(self.path)


def harvested_files(root: str | Path,
                    wanted: Callable[[dict[str, Any]], bool] = lambda entry: True
                    ) -> list[HarvestedFile]:
    """The cached, not deleted files whose entry is ``wanted``, in manifest order."""
    cache = Cache(root)
    return [HarvestedFile(cache.root / entry["path"], entry)
            for entry in cache.load()["documents"].values()
            if entry.get("status") != "deleted" and cache.has(entry) and wanted(entry)]


# --- a run ----------------------------------------------------------------------------------


@dataclass
class Summary:
    """What one harvest did. ``complete``: the listing reached its end; ``left``: files still
    to download when the run stopped (``stopped`` says why); ``finished``: nothing is left
    to do, so the exit status is 0."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    deleted: int = 0
    failed: int = 0
    listed: int = 0
    pages: int = 0
    left: int = 0
    downloaded_bytes: int = 0
    complete: bool = True
    stopped: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.complete and not self.failed and not self.left and not self.stopped

    def __str__(self) -> str:
        """
        >>> str(Summary(new=2, unchanged=5, downloaded_bytes=2048))
        'new 2, changed 0, unchanged 5, deleted 0, failed 0 (2.0 kB downloaded)'
        >>> str(Summary(new=1, left=3, complete=False, stopped="--max-time 60 s is up"))
        'new 1, changed 0, unchanged 0, deleted 0, failed 0 (0.0 kB downloaded); partial: listing incomplete, 3 files left (--max-time 60 s is up)'
        """
        text = (f"new {self.new}, changed {self.changed}, unchanged {self.unchanged}, "
                f"deleted {self.deleted}, failed {self.failed} "
                f"({self.downloaded_bytes / 1024:.1f} kB downloaded)")
        gaps = (["listing incomplete"] if not self.complete else []) + (
            [f"{self.left} files left"] if self.left else [])
        if gaps or self.stopped:
            text += "; partial: " + ", ".join(gaps or ["stopped"])
            text += f" ({self.stopped})" if self.stopped else ""
        return text

    def to_json(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "errors"}
        out["finished"] = self.finished
        return out


_ID = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,79}")


def harvest(out: str | Path, source: Source, *, user_agent: str, since: str | None = None,
            limits: Limits = Limits(), concurrency: int = 4,
            progress: Callable[[int, int], None] | None = None) -> Summary:
    """Bring the cache at ``out`` up to date with ``source``.

    The first run lists everything; later runs only what changed since the manifest's
    high-water mark (``since``, an ISO date or date-time, overrides it). A file is downloaded
    again only when one of the source's ``file_keys`` moved or the cached object is missing;
    entries left ``pending`` or ``failed`` are retried. ``progress(done, total)`` is called
    as downloads finish.
    """
    if urlsplit(source.base_url).scheme not in ("http", "https"):
        raise InputError(source.base_url, "the base URL must be http(s)")
    if concurrency < 1:
        raise InputError(str(concurrency), "concurrency must be at least 1")
    lower = utc_stamp(parse_when(since)) if since else None
    cache = Cache(out)
    lock = cache.lock()
    try:
        cache.reset_tmp()
        manifest = cache.load()
        if manifest.get("base_url") not in (None, source.base_url):
            manifest["high_water"] = None  # another source: list everything again
        manifest["base_url"] = source.base_url
        lower = lower or manifest.get("high_water")
        with make_client(user_agent, limits, concurrency) as client:
            http = Http(client, source.base_url, limits)
            return _Run(cache, manifest, http, source).run(lower, concurrency, progress)
    finally:
        lock.close()


class _Run:
    def __init__(self, cache: Cache, manifest: dict[str, Any], http: Http, source: Source):
        self.cache, self.manifest, self.http, self.source = cache, manifest, http, source
        self.documents: dict[str, dict[str, Any]] = manifest["documents"]
        self.before = copy.deepcopy(self.documents)
        self.summary = Summary()

    def run(self, lower: str | None, concurrency: int,
            progress: Callable[[int, int], None] | None) -> Summary:
        started = now_stamp()
        entries, newest = self._list(lower)
        todo = self._merge(entries)
        self.cache.save(self.manifest)  # what is known, before the downloads start
        self._download_all(todo, concurrency, progress)
        summary = self.summary
        if summary.complete and newest is not None:
            old_mark = self.manifest.get("high_water")
            if old_mark is None or parse_when(newest) > parse_when(old_mark):
                self.manifest["high_water"] = utc_stamp(parse_when(newest))
        self.manifest["last_run"] = {"started": started, "finished": now_stamp(), "since": lower,
                                     "summary": summary.to_json()}
        self.cache.save(self.manifest)
        return summary

    def _list(self, lower: str | None) -> tuple[list[Entry], str | None]:
        """Every entry of the listing, page after page, within the limits; the newest stamp."""
        summary, limits = self.summary, self.http.limits
        request: Request | None = self.source.first_page(lower)
        seen: dict[str, int] = {}
        entries: list[Entry] = []
        newest: str | None = None

        def stop(reason: str) -> None:
            summary.complete = False
            summary.errors.append(f"listing stopped: {reason}")

        while request is not None:
            if not same_origin(request.url, self.source.base_url):
                stop(f"the next page leaves {self.source.base_url}: {short(request.url)}")
                break
            key = request.key()
            if key in seen:
                stop(f"page {summary.pages + 1} is page {seen[key]} again: {short(request.url)}")
                break
            if summary.pages >= limits.max_pages:
                stop(f"more than {limits.max_pages} pages")
                break
            seen[key] = summary.pages + 1
            try:
                page = self.http.get_page(
                    request, self.source.accept,
                    lambda body, r=request: self.source.parse_page(body, r))
            except OutOfTime as err:
                summary.stopped = str(err)
                stop(str(err))
                break
            except FetchError as err:
                stop(str(err))
                break
            summary.pages += 1
            summary.errors += page.remarks
            for entry in page.entries:
                entries.append(entry)
                if entry.stamp and (newest is None or
                                    parse_when(entry.stamp) > parse_when(newest)):
                    newest = entry.stamp
            request = page.next
        return entries, newest

    def _merge(self, entries: list[Entry]) -> list[str]:
        """Put the listed entries into the manifest; the ids to download."""
        summary, documents, cache = self.summary, self.documents, self.cache
        todo: list[str] = []
        latest: dict[Any, Entry] = {}
        for item in entries:  # an entry that paging showed twice counts once (the later one)
            latest[item.id if isinstance(item.id, str) else id(item)] = item
        for item in latest.values():
            if not isinstance(item.id, str) or not _ID.fullmatch(item.id):
                summary.errors.append(f"skipped a row with an unusable Id: {item.id!r}")
                continue
            old = documents.get(item.id)
            if item.deleted:
                if old is None:
                    continue  # nothing of it was ever cached
                entry = dict(old)
                entry.update({k: v for k, v in item.metadata.items() if v is not None})
                entry["status"] = "deleted"
                entry.setdefault("deleted_at", now_stamp())
                if old.get("status") != "deleted":
                    summary.deleted += 1
                documents[item.id] = entry
                continue
            if item.url is None or not same_origin(item.url, self.source.base_url):
                summary.errors.append(f"skipped {item.id}: its file is not on "
                                      f"{self.source.base_url}: {item.url}")
                continue
            summary.listed += 1
            entry = {**(old or {}), **item.metadata, "url": item.url}
            entry.pop("deleted_at", None)  # deleted once, back now
            if self._needs_download(old, entry):
                entry["status"] = "pending"
                todo.append(item.id)
            elif self._metadata_changed(old, entry):
                summary.changed += 1
            else:
                summary.unchanged += 1
            documents[item.id] = entry
        # Entries an earlier run could not finish are retried even if the listing left them out.
        listed = set(todo)
        for doc_id, entry in documents.items():
            if doc_id not in listed and entry.get("url") and entry.get("status") != "deleted" \
                    and (entry.get("status") in ("pending", "failed")
                         or (entry.get("status") == "ok" and not cache.has(entry))):
                entry["status"] = "pending"
                todo.append(doc_id)
        return todo

    def _needs_download(self, old: dict[str, Any] | None, entry: dict[str, Any]) -> bool:
        if old is None or old.get("status") != "ok" or not self.cache.has(old):
            return True
        return any(old.get(k) != entry.get(k) for k in self.source.file_keys)

    def _metadata_changed(self, old: dict[str, Any] | None, entry: dict[str, Any]) -> bool:
        if old is None:
            return False
        keys = (set(entry) | set(old)) - CACHE_FIELDS - set(self.source.quiet_keys)
        return any(old.get(k) != entry.get(k) for k in keys)

    def _download_all(self, todo: list[str], concurrency: int,
                      progress: Callable[[int, int], None] | None) -> None:
        summary, documents, http = self.summary, self.documents, self.http
        done, last_save = 0, time.monotonic()
        if progress:
            progress(0, len(todo))
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="kgbuild-fetch")
        pending: dict[Future, str] = {}
        queue = list(todo)
        try:
            while queue or pending:
                while queue and len(pending) < concurrency and not summary.stopped:
                    doc_id = queue.pop(0)
                    pending[pool.submit(http.download, documents[doc_id]["url"],
                                        self.cache.tmp)] = doc_id
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    doc_id = pending.pop(future)
                    self._finish(doc_id, future)
                    done += 1
                    if progress:
                        progress(done, len(todo))
                if time.monotonic() - last_save > 5:
                    self.cache.save(self.manifest)
                    last_save = time.monotonic()
            summary.left += len(queue)
        except BaseException:  # interrupted: keep what is done, stop the rest
            http.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        else:
            pool.shutdown()
        finally:
            self.cache.save(self.manifest)

    def _finish(self, doc_id: str, future: Future) -> None:
        summary, entry, old = self.summary, self.documents[doc_id], self.before.get(doc_id)
        try:
            tmp, sha256, size, ctype = future.result()
        except OutOfTime as err:  # stays pending: the next run takes it up
            summary.stopped = summary.stopped or str(err)
            summary.left += 1
            return
        except KgbuildError as err:
            entry.update(status="failed", error=str(err))
            summary.failed += 1
            summary.errors.append(str(err))
            return
        entry.update(status="ok", sha256=sha256, size=size,
                     path=self.cache.store(tmp, sha256), fetched_at=now_stamp())
        entry.pop("error", None)
        if ctype:
            entry["media_type"] = ctype.split(";")[0].strip()
        summary.downloaded_bytes += size
        if old is None or not old.get("sha256"):
            summary.new += 1
        elif old.get("sha256") != sha256 or self._metadata_changed(old, entry):
            summary.changed += 1
        else:
            summary.unchanged += 1
