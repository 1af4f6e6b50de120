"""The on-disk store directory: builds beside the live store, swapped in atomically.

Layout (``--store DIR``, default ``data/store``)::

    data/store                -> store.builds/20261128T012233Z-4242   (relative symlink)
    data/store.builds/.lock   (flock held by the running build: one build at a time; it
                              names the build's process and its parser processes)
    data/store.builds/20261128T012233Z-4242/
        oxigraph/             the Oxigraph database (pyoxigraph.Store.read_only, oxigraph serve-read-only):
                              the named graphs, and in the default graph their RDF merge (each
                              triple once), which queries without GRAPH see
        dump.nq.gz            the named graphs, N-Quads, gzip (the merge is left out: it follows)
        report.json           written last: a build directory without it is unfinished

A build writes a new directory under ``DIR.builds/`` and, once it is complete, points the
``DIR`` symlink at it with one ``rename(2)``: readers see the old store or the new one, never a
half-written one. A build that fails, is interrupted or killed (even ``kill -9``) leaves the
link untouched; the next build removes its leftovers. The previous complete build is kept (a
server may still have it open); older ones are removed.

The lock is an ``flock`` on an open file: it ends with the process that holds it, and the
parser processes (``kgbuild.sandbox``) neither inherit it nor outlive their build. Should
the lock still be held when the build named in the lock file is dead, what holds it is what
that build left behind: the next build ends those processes (the ones the lock file names,
checked by their start time) and goes on.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> with BuildDir(root / "store") as build:
...     _ = (build.path / "report.json").write_text("{}")
...     build.publish()
1
>>> current(root / "store") == build.path
True
"""

from __future__ import annotations

import fcntl
import gzip
import json
import os
import shutil
import signal
import time
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from .errors import KgbuildError

RECORDS = "records.jsonl.gz"  # the parsed records of a build, reused by the next one

REPORT = "report.json"
DUMP = "dump.nq.gz"
DATABASE = "oxigraph"


class StoreError(KgbuildError):
    """The store directory cannot be used (unwritable, locked, not a kgbuild store)."""

    exit_code = 2


def builds_dir(store_dir: Path) -> Path:
    """Where the build directories of ``store_dir`` live: ``DIR.builds`` beside it.

    >>> builds_dir(Path("data/store"))
    PosixPath('data/store.builds')
    """
    return store_dir.parent / f"{store_dir.name}.builds"


def current(store_dir: Path) -> Path | None:
    """The build directory ``store_dir`` points at, or ``None`` when there is no store yet."""
    store_dir = Path(store_dir)
    if not store_dir.is_symlink():
        return None
    target = store_dir.resolve()
    return target if target.is_dir() else None


def open_read_only(store_dir: Path) -> Store:
    """The current store, opened read-only (``pyoxigraph.Store.read_only``).

    Raises ``StoreError`` naming ``store_dir`` when there is no built store there.
    """
    build = current(Path(store_dir))
    if build is None or not (build / DATABASE).is_dir():
        raise StoreError(f"{store_dir}: no built store (run `kgbuild build`)")
    return Store.read_only(str(build / DATABASE))


class BuildDir:
    """A new build directory, locked against concurrent builds, removed unless published.

    Use as a context manager; inside, write into ``path`` and call ``publish()`` last.
    Entering takes the lock and removes leftovers of earlier killed or failed builds.
    """

    def __init__(self, store_dir: Path):
        self.store_dir = Path(store_dir)
        self.builds = builds_dir(self.store_dir)
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.path = self.builds / f"{stamp}-{os.getpid()}"
        self.published = False
        self._lock = None

    def __enter__(self) -> "BuildDir":
        if self.store_dir.exists() and not self.store_dir.is_symlink():
            if self.store_dir.is_dir() and not any(self.store_dir.iterdir()):
                self.store_dir.rmdir()
            else:
                raise StoreError(f"{self.store_dir}: exists and is not a kgbuild store link; "
                                 "move it away or choose another --store")
        try:
            self.builds.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.builds / ".lock", "a+")
        except OSError as err:
            raise StoreError(f"{self.store_dir}: cannot write: {err.strerror}") from None
        self._take_lock()
        self.record_helpers([])
        self.clean()
        base, n = self.path, 0
        while True:
            try:
                self.path.mkdir()
                return self
            except FileExistsError:  # two builds within one second in one process
                n += 1
                self.path = base.with_name(f"{base.name}-{n}")
            except OSError as err:
                self._unlock()
                raise StoreError(f"{self.store_dir}: cannot write: {err.strerror}") from None

    def _take_lock(self) -> None:
        """Lock the store for this build; clear the leftovers of a dead build that hold it."""
        if self._try_lock():
            return
        holder = _read_holder(self._lock)
        owner = holder.get("pid")
        if owner is None or _alive(owner, holder.get("start")):
            self._unlock()
            running = f" (pid {owner})" if owner else ""
            raise StoreError(f"{self.store_dir}: another build is running{running}")
        for pid, start in holder.get("helpers", []):  # the dead build's parser processes
            if _alive(pid, start):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        deadline = time.monotonic() + 5
        while not self._try_lock():
            if time.monotonic() > deadline:
                self._unlock()
                raise StoreError(f"{self.store_dir}: the lock is still held by processes of a "
                                 f"build that ended (pid {owner}); end them and build again")
            time.sleep(0.05)

    def _try_lock(self) -> bool:
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def record_helpers(self, pids: list[int]) -> None:
        """Name this build and its parser processes ``pids`` in the lock file (for the next
        build, should this one die and leave any of them behind)."""
        me = os.getpid()
        holder = {"pid": me, "start": _start_time(me),
                  "helpers": [[pid, _start_time(pid)] for pid in pids]}
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(json.dumps(holder) + "\n")
        self._lock.flush()

    def __exit__(self, *exc) -> None:
        try:
            if not self.published:
                shutil.rmtree(self.path, ignore_errors=True)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock is not None:
            if _read_holder(self._lock).get("pid") == os.getpid():
                self._lock.truncate(0)  # nobody holds it now
            self._lock.close()  # closing releases the flock
            self._lock = None

    def clean(self) -> list[Path]:
        """Remove unfinished builds and complete ones older than the current and previous one."""
        live = current(self.store_dir)
        dirs = [p for p in self.builds.iterdir() if p.is_dir()]
        complete = sorted((p for p in dirs if (p / REPORT).is_file() and p != live),
                          key=lambda p: (p / REPORT).stat().st_mtime_ns)
        keep = {live, *complete[-1:]}
        removed = [p for p in dirs if p not in keep]
        for p in removed:
            shutil.rmtree(p, ignore_errors=True)
        return removed

    def publish(self) -> int:
        """Point ``store_dir`` at this build (atomic rename of a fresh symlink); prune old builds.

        Returns the number of build directories left under ``DIR.builds``.
        """
        if not (self.path / REPORT).is_file():
            raise StoreError(f"{self.path}: incomplete build, {REPORT} missing")
        link = self.store_dir.parent / f".{self.store_dir.name}.swap-{os.getpid()}"
        if link.is_symlink():
            link.unlink()
        os.symlink(os.path.relpath(self.path, self.store_dir.parent), link)
        os.replace(link, self.store_dir)
        self.published = True
        self.clean()
        return sum(1 for p in self.builds.iterdir() if p.is_dir())


def _start_time(pid: int) -> str | None:
    """When process ``pid`` started (clock ticks since boot, Linux), or None if it is gone:
    with the pid, it tells a process from a later one that got the same pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] in "ZX" else fields[19]  # a zombie has ended


def _alive(pid: int, start: str | None) -> bool:
    """Whether the process ``pid`` that started at ``start`` still runs."""
    now = _start_time(pid)
    if now is None:
        try:
            os.kill(pid, 0)  # no /proc (not Linux): the pid alone
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return start is None
    return start is None or now == start


def _read_holder(handle) -> dict:
    """What the lock file says about the build holding it (empty when unreadable)."""
    try:
        handle.seek(0)
        holder = json.loads(handle.read() or "{}")
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


MERGE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"


def save(graph: Store, build: Path) -> tuple[int, int]:
    """Write the in-memory store ``graph`` (named graphs only) into build directory ``build``:
    ``dump.nq.gz`` and the Oxigraph database ``oxigraph/`` (bulk load), whose default graph gets
    the RDF merge of all named graphs. Oxigraph 0.5's union default graph repeats a triple once
    per graph that holds it; the merge holds it once. Returns the number of quads in the named
    graphs (what the dump holds) and of triples in the default graph.

    >>> import tempfile
    >>> from pyoxigraph import NamedNode, Quad
    >>> g, s, p = Store(), NamedNode("http://e.org/s"), NamedNode("http://e.org/p")
    >>> g.add(Quad(s, p, NamedNode("http://e.org/o"), NamedNode("http://e.org/g1")))
    >>> g.add(Quad(s, p, NamedNode("http://e.org/o"), NamedNode("http://e.org/g2")))
    >>> save(g, Path(tempfile.mkdtemp()))  # two named-graph quads and one merged triple
    (2, 1)
    """
    plain = build / "dump.nq"  # through a file: the dump is never all in memory
    graph.dump(str(plain), format=RdfFormat.N_QUADS)
    named = len(graph)
    graph.update(MERGE)
    store = Store(str(build / DATABASE))
    store.bulk_extend(graph)  # from memory, so blank nodes keep their identity across graphs
    store.flush()
    del store  # closes the database
    with open(plain, "rb") as src, gzip.open(build / DUMP, "wb", compresslevel=3) as out:
        shutil.copyfileobj(src, out, 1 << 20)
    plain.unlink()
    return named, len(graph) - named
