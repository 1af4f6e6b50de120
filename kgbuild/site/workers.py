"""Query workers: processes that each hold a read-only pyoxigraph store, killed at the timeout.

A query runs in a worker process, never in the server process: a query still running at its
timeout gets its worker KILLED (SIGKILL, so its CPU is freed at once whatever it was doing) and a
fresh worker takes its place. The pool is driven from the server's event loop (``await
pool.run(job)``: no thread per query) and from any other thread (``pool.run_sync(job)``, for the
pages and for code that runs queries while preparing another, such as federation's
``run_local``). Waiting for a free worker is bounded by its own short ``queue_timeout``.

>>> import pyoxigraph as ox
>>> execute(ox.Store(), Job("ASK {}"), {})
(200, 'application/sparql-results+json', b'{"head":{},"boolean":true}')
>>> execute(ox.Store(), Job("ASK {"), {})[0]
400
"""

from __future__ import annotations

import asyncio
import collections
import multiprocessing
import os
import queue
import sys
import threading
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import KgbuildError
from ..federation import holds_service
from .formats import serialize_triples
from .negotiation import (CSV, GRAPH_TYPES, JSONLD, RESULT_TYPES, RESULTS_JSON, RESULTS_XML, TSV)

TEXT_PLAIN = "text/plain; charset=utf-8"
SLOW_SECONDS = 0.05  # a query text that ran longer goes to the slow lane next time
RESULT_FORMATS = {RESULTS_JSON: ox.QueryResultsFormat.JSON, CSV: ox.QueryResultsFormat.CSV,
                  RESULTS_XML: ox.QueryResultsFormat.XML, TSV: ox.QueryResultsFormat.TSV}
GRAPH_FORMATS = {"text/turtle": ox.RdfFormat.TURTLE, "application/trig": ox.RdfFormat.TRIG,
                 "application/n-triples": ox.RdfFormat.N_TRIPLES,
                 "application/rdf+xml": ox.RdfFormat.RDF_XML,
                 "application/n-quads": ox.RdfFormat.N_QUADS}  # JSON-LD: formats.serialize_triples


class Busy(Exception):
    """No worker became free within the queue timeout."""


@dataclass
class Job:
    """What a worker runs: a query, the media types to answer in and the dataset."""

    query: str
    results_type: str | None = RESULTS_JSON
    graph_type: str | None = "text/turtle"
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    federated: bool = False
    max_bytes: int = 256 << 20
    base_iri: str | None = None
    deadline: float | None = None  # time.monotonic() by which it must answer (else the timeout)


Answer = tuple[int, str, bytes]


class _Capped:
    """A write target that refuses to grow past ``limit`` bytes (a result too large to send)."""

    def __init__(self, limit: int):
        self.limit, self.size, self.parts = limit, 0, []

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise OverflowError(f"the result is larger than {self.limit >> 20} MiB; "
                                "narrow the query or use LIMIT")
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


def merged_default_graph(store) -> bool:
    """Whether the store's default graph holds triples: the build writes the RDF merge of all
    graphs there (a set: each triple once), which then is the default graph of queries. Else the
    default graph is the union of the named graphs, where Oxigraph 0.5 repeats a triple once per
    graph that states it (oxigraph/oxigraph#1919).

    >>> import pyoxigraph as ox
    >>> merged_default_graph(ox.Store())
    False
    """
    return bool(store.query("ASK { ?s ?p ?o }"))


def line(message: str) -> bytes:
    """A message as one line of text.

    >>> line("a\\n  b")
    b'a b\\n'
    """
    return (" ".join(str(message).split()) + "\n").encode()


def may_hold_service(query: str | bytes) -> bool:
    """Whether the text (or its UTF-8) might hold a SERVICE at all: it has the letters
    "service" in any ASCII case (SPARQL keywords are ASCII, matched without regard to ASCII
    case) or a ``\\u`` escape; a cheap test before ``federation.holds_service``'s tokenizer.

    >>> may_hold_service("ASK { ?s ?p ?o }"), may_hold_service("ASK { \\u0053ERVICE <x> {} }")
    (False, True)
    >>> may_hold_service("ASK { SeRvIcE <x> {} }"), may_hold_service("ASK { 'zoë' }")
    (True, False)
    """
    data = (query if isinstance(query, bytes) else
            query.encode("utf-8", "surrogatepass")).lower()  # bytes: ASCII letters only
    return b"service" in data or b"\\u" in data


def execute(store, job: Job, prefixes: dict[str, str], *,
            merged_default: bool = False, service_free: bool = False) -> Answer:
    """Run one job on a pyoxigraph store: ``(status, content type, body)``.

    The default graph is the union of all graphs, or, with ``merged_default``, the store's own
    default graph, which then holds the RDF merge of all graphs (see ``merged_default_graph``).
    ``prefixes`` are declared for a query that uses one without declaring it. A text holding a
    SERVICE is refused, unless the caller has made sure it holds none (``service_free``).
    """
    if not service_free and may_hold_service(job.query) and holds_service(job.query):
        # SERVICE is the front's to evaluate, never a worker's
        return 403, TEXT_PLAIN, line("a query worker runs no SERVICE: it must be evaluated "
                                     "before the query reaches it")
    kwargs: dict = {"base_iri": job.base_iri}
    try:
        if job.default_graphs:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        elif not merged_default:
            kwargs["use_default_graph_as_union"] = True
        if job.named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    except ValueError as err:
        return 400, TEXT_PLAIN, line(f"bad default-graph-uri or named-graph-uri: {err}")
    try:
        try:  # most queries declare their prefixes: parsing with ~30 more costs ~60 us
            results = store.query(job.query, **kwargs)
        except SyntaxError:
            results = store.query(job.query, prefixes=prefixes, **kwargs)
    except SyntaxError as err:
        return 400, TEXT_PLAIN, line(f"syntax error: {err}")
    except ValueError as err:
        return 400, TEXT_PLAIN, line(f"bad request: {err}")
    try:
        if isinstance(results, ox.QueryTriples):
            media = job.graph_type
            if media is None:
                return not_acceptable("CONSTRUCT/DESCRIBE", GRAPH_TYPES)
            out = _Capped(job.max_bytes)
            if media == JSONLD:
                out.write(serialize_triples(list(results), media, prefixes=prefixes))
            else:
                fmt = GRAPH_FORMATS[media]
                with_prefixes = media in ("text/turtle", "application/trig", "application/rdf+xml")
                ox.serialize(results, out, format=fmt, prefixes=prefixes if with_prefixes else None)
            return 200, media, out.getvalue()
        media = job.results_type
        if media is None:
            return not_acceptable("SELECT/ASK", RESULT_TYPES)
        fmt = RESULT_FORMATS[media]
        out = _Capped(job.max_bytes)
        results.serialize(out, format=fmt)
        return 200, media + ("; charset=utf-8" if media in (CSV, TSV) else ""), out.getvalue()
    except OverflowError as err:
        return 413, TEXT_PLAIN, line(str(err))
    except (OSError, RuntimeError, ValueError) as err:
        if job.federated:
            return 502, TEXT_PLAIN, line(f"SERVICE call failed: {err}")
        return 500, TEXT_PLAIN, line(f"query failed: {err}")


def not_acceptable(kind: str, offered: list[str]) -> Answer:
    return 406, TEXT_PLAIN, line(f"{kind} results cannot be given in the requested format; "
                                 "available: " + ", ".join(offered))


def _die_with_parent(parent_pid: int) -> None:
    """Have the kernel SIGKILL this process when its parent dies (Linux), so a worker busy with
    a runaway query never outlives a killed server; exit at once if the parent is gone already."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the pipe closing still ends an idle worker
    if os.getppid() != parent_pid:
        os._exit(0)


def _worker_main(conn, store_dir: str, prefixes: dict[str, str], parent_pid: int) -> None:
    """A worker process: open the store read-only, answer jobs until the pipe closes.

    The store directory is a symlink swapped by each build: when it points elsewhere, the worker
    reopens it, so a rebuild is served without a restart.
    """
    from ..network_isolation import isolate_network
    from ..query import open_store

    _die_with_parent(parent_pid)
    try:
        isolation = ""
        isolate_network()  # first, before the store starts threads: no network, whatever the query
    except OSError as err:
        isolation = f"query workers are not network-isolated ({err}); SERVICE text is still refused"
    try:
        opened, store = os.path.realpath(store_dir), open_store(store_dir)
        merged = merged_default_graph(store)
        conn.send(("ready", isolation))
    except Exception as err:  # noqa: BLE001 - reported to the parent as one line
        conn.send(("error", " ".join(str(err).split())))
        return
    checked = time.monotonic()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            if time.monotonic() - checked > 1.0:  # has a build swapped the store link?
                checked, now = time.monotonic(), os.path.realpath(store_dir)
                if now != opened:
                    store, opened = open_store(store_dir), now
                    merged = merged_default_graph(store)
            answer = execute(store, job, prefixes, merged_default=merged)
        except Exception as err:  # noqa: BLE001 - one line to the client, never a traceback
            answer = (500, TEXT_PLAIN, line(f"query failed: {err}"))
        try:
            conn.send(answer)
        except OSError:  # the server is gone
            return


@dataclass(eq=False)
class _Worker:
    process: multiprocessing.Process
    conn: object


class WorkerPool:
    """``size`` worker processes, each with its own read-only store; a timed-out one is killed.

    ``await run(job)`` waits at most ``queue_timeout`` s for a free worker (else ``Busy``), then
    at most ``timeout`` s for the answer; past that the worker is killed and a fresh one started.
    ``start(loop)`` must be called from the event loop's thread before the first ``run``.
    """

    def __init__(self, store_dir: Path | str, *, size: int = 2, timeout: float = 30.0,
                 queue_timeout: float = 5.0, prefixes: dict[str, str] | None = None,
                 name: str = "kgbuild-sparql"):
        self.store_dir, self.size, self.timeout = str(store_dir), size, timeout
        self.queue_timeout, self.prefixes, self.name = queue_timeout, prefixes or {}, name
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._waiters: collections.deque[asyncio.Future] = collections.deque()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._dead: queue.Queue[_Worker | None] = queue.Queue()
        self._started = threading.Event()
        self._slow_lane = asyncio.Semaphore(max(1, size - 1))
        self._durations: dict[str, float] = {}  # seconds the last run of a query text took
        self._warned = False  # of workers that could not leave the network
        self.loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle

    def start(self) -> None:
        """Start the workers (blocking; call from a thread) and the respawner thread.

        One long-lived thread starts every worker: a worker's parent-death signal fires when
        the thread that started it ends, so that thread must live as long as the server."""
        errors: list[BaseException] = []

        def respawner() -> None:
            try:
                for _ in range(self.size):
                    self._idle.append(self._spawn())
            except BaseException as err:  # noqa: BLE001 - re-raised in start()
                errors.append(err)
                self._started.set()
                return
            self._started.set()
            while not self._closed:
                old = self._dead.get()
                if old is None:
                    return
                old.process.join()
                old.conn.close()
                while not self._closed:
                    try:
                        worker = self._spawn()
                    except KgbuildError as err:  # the store vanished mid-swap: try again
                        print(f"kgbuild serve: restarting a worker: {err}", file=sys.stderr)
                        time.sleep(1)
                        continue
                    self.loop.call_soon_threadsafe(self._release, worker)
                    break

        threading.Thread(target=respawner, daemon=True, name=self.name + "-respawn").start()
        self._started.wait()
        if errors:
            self.close()
            raise errors[0]

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """The event loop ``run`` is awaited on (``run_sync`` hands jobs to it)."""
        self.loop = loop

    def _spawn(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, daemon=True, name=self.name,
                                    args=(child, self.store_dir, self.prefixes, os.getpid()))
        process.start()
        child.close()
        if not parent.poll(120):
            process.kill()
            raise KgbuildError("a query worker did not start within 120 s")
        status, message = parent.recv()
        if status != "ready":
            process.join()
            raise KgbuildError(message)
        if message and not self._warned:  # once: the workers could not leave the network
            self._warned = True
            print(f"kgbuild serve: warning: {message}", file=sys.stderr, flush=True)
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def pids(self) -> list[int]:
        """The worker processes' ids (tests watch their CPU time)."""
        with self._lock:
            return [w.process.pid for w in self._all]

    def close(self) -> None:
        """Kill every worker."""
        self._closed = True
        self._dead.put(None)
        with self._lock:
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.process.kill()
            worker.process.join()

    # -- running jobs

    def _release(self, worker: _Worker) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _acquire(self) -> _Worker:
        if self._idle:
            return self._idle.pop()
        waiter = self.loop.create_future()
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(waiter, self.queue_timeout)
        except asyncio.TimeoutError:
            raise Busy(f"every query worker stayed busy for {self.queue_timeout:g} s") from None
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())
            raise

    async def run(self, job: Job) -> Answer:
        """Run a job on a free worker: ``(status, content type, body)``; raises ``Busy``.

        A query text that took over ``SLOW_SECONDS`` when it last ran goes to the slow lane: at
        most all workers but one run such queries at once, so one worker stays free for quick
        ones (a small query keeps answering while the catalogue's whole-corpus rankings load
        the server)."""
        if self._durations.get(job.query, 0.0) <= SLOW_SECONDS:
            return await self._run(job)
        try:
            await asyncio.wait_for(self._slow_lane.acquire(), self.queue_timeout)
        except asyncio.TimeoutError:
            raise Busy(f"the slow lane stayed full for {self.queue_timeout:g} s") from None
        try:
            return await self._run(job)
        finally:
            self._slow_lane.release()

    async def _run(self, job: Job) -> Answer:
        worker = await self._acquire()
        started = time.monotonic()
        conn = worker.conn
        answered = self.loop.create_future()
        fd = conn.fileno()

        def stop_watching() -> None:
            self.loop.remove_reader(fd)
            os.set_blocking(fd, True)  # uvloop makes a watched fd non-blocking; recv needs it

        def expire() -> None:
            if not answered.done():
                answered.set_exception(asyncio.TimeoutError())

        timeout = self.timeout if job.deadline is None else \
            max(0.0, min(self.timeout, job.deadline - time.monotonic()))
        timer = self.loop.call_later(timeout, expire)
        try:
            conn.send(job)
            self.loop.add_reader(fd, lambda: answered.done() or answered.set_result(None))
            await answered
            timer.cancel()
            stop_watching()
            answer = conn.recv()
        except asyncio.TimeoutError:
            stop_watching()
            await self._kill(worker)
            return 503, TEXT_PLAIN, line(f"query stopped: it ran past the {self.timeout:g} s "
                                         "timeout")  # SERVICE calls included
        except (EOFError, OSError):
            timer.cancel()
            stop_watching()
            await self._kill(worker)
            return 503, TEXT_PLAIN, line("the query worker died while running the query "
                                         "(out of memory?)")
        except asyncio.CancelledError:  # the client went away: the worker's answer is unknown
            timer.cancel()
            stop_watching()
            await asyncio.shield(self._kill(worker))
            raise
        self._release(worker)
        if len(job.query) <= 8192:  # remember how long it took (small query texts only)
            if len(self._durations) > 10_000:
                self._durations.clear()
            self._durations[job.query] = time.monotonic() - started
        return answer

    def run_sync(self, job: Job) -> Answer:
        """``run`` from a thread other than the event loop's (pages, federation's run_local)."""
        future = asyncio.run_coroutine_threadsafe(self.run(job), self.loop)
        return future.result()

    async def _kill(self, worker: _Worker) -> None:
        """Kill a worker and wait until it is gone (so the client hears of the timeout only when
        the CPU is free); the respawner starts a fresh one."""
        worker.process.kill()
        await self.loop.run_in_executor(None, worker.process.join, 10)
        with self._lock:
            self._all.discard(worker)
        self._dead.put(worker)


class ClientLimit:
    """At most ``limit`` queries at once per client address (the rest get 429), counted in
    shared memory, so that every front process of the server sees the same counts (addresses
    are hashed into ``slots`` counters; two clients sharing a slot share a limit).

    >>> limit = ClientLimit(1)
    >>> limit.enter("a"), limit.enter("a"), limit.enter("b")
    (True, False, True)
    >>> limit.leave("a"); limit.enter("a")
    True
    >>> limit.full("a"), limit.full("c")
    (True, False)
    """

    def __init__(self, limit: int, slots: int = 65536):
        self.limit = limit
        self._counts = multiprocessing.get_context("fork").Array("i", slots)  # zeroed, shared
        self._raw = self._counts.get_obj()

    def full(self, client: str) -> bool:
        """Whether ``client`` runs its limit of queries already (read without the lock: for a
        query that takes no worker)."""
        return self._raw[self._slot(client)] >= self.limit

    def _slot(self, client: str) -> int:
        return zlib.crc32(client.encode("utf-8", "replace")) % len(self._counts)

    def enter(self, client: str) -> bool:
        slot = self._slot(client)
        with self._counts.get_lock():
            if self._counts[slot] >= self.limit:
                return False
            self._counts[slot] += 1
            return True

    def leave(self, client: str) -> None:
        slot = self._slot(client)
        with self._counts.get_lock():
            self._counts[slot] = max(0, self._counts[slot] - 1)
