"""``kgbuild serve``: the SPARQL endpoint and the linked-data site (``kgbuild/site/``) on
uvicorn, and ``kgbuild up``.

A supervising process listens, hands each connection to the front process with the fewest
open ones, runs the fast lanes' watchdog (``site/fastlane.py``) and restarts a front that dies.
In each front, uvicorn parses HTTP (malformed requests get 400 from its parser, never reach the
app), keeps connections alive and streams files; on top of it this module caps the number of
connections, writes each response in one go, and closes a connection that has not sent a
complete request head within ``HEADER_SECONDS`` (slow clients hold a few kilobytes each, never
a thread).

>>> needs_build("data/fiches", "/nonexistent/store")
'there is no store at /nonexistent/store yet'
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import os
import socket
import sys
import threading
import time
from pathlib import Path

import uvicorn
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from .errors import KgbuildError

HEADER_SECONDS = 10.0  # a connection without a complete request head for this long is closed
MAX_HEAD = 64 << 10  # a request head this long gets 414 (URL) or 431 (headers): uvicorn's parser
# would gather any length, and its URL parser cannot take 64 KiB (16-bit offsets)
MAX_CONNECTIONS = 4096  # more open connections at once get 503
WATCH_SECONDS = 0.02  # how often the supervisor looks at its fronts' fast lanes


def default_workers(processes: int = 1) -> int:
    """Query workers per front process when none are asked for: twice the cores in all, and
    at least 3 per process (so that two runaway queries on one process leave a worker free).

    >>> default_workers(1) >= 4, default_workers(2) >= 3
    (True, True)
    """
    return max(4 if processes == 1 else 3, 2 * (os.cpu_count() or 2) // processes)


def _raise_open_files() -> None:
    """Allow as many open files as the hard limit (each connection is one)."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass


class Server(uvicorn.Server):
    """uvicorn's server in a front process: it takes the connections the supervisor hands it
    over ``channel`` (``socket.send_fds``), tells its parent once the workers are up (over
    ``ready``), keeps its count of open connections in ``gauge[index]`` and closes slow
    clients."""

    channel = ready = gauge = None
    index = 0

    async def startup(self, sockets=None) -> None:
        await super().startup(sockets=[])  # no listener of its own
        if self.should_exit:
            return
        loop = asyncio.get_running_loop()
        HTTP_PROTOCOL.gauge, HTTP_PROTOCOL.gauge_index = self.gauge, self.index
        self._protocol = functools.partial(self.config.http_protocol_class, config=self.config,
                                           server_state=self.server_state,
                                           app_state=self.lifespan.state)
        gc.freeze()  # what startup made lives as long as the process: no collector passes over it
        self.channel.setblocking(False)
        loop.add_reader(self.channel.fileno(), self._adopt)
        self.ready.send("ready")
        loop.create_task(self._close_slow_clients())

    def _adopt(self) -> None:
        """Serve the connections the supervisor sent."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                _, fds, _, _ = socket.recv_fds(self.channel, 16, 64)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # the supervisor is gone
                loop.remove_reader(self.channel.fileno())
                return
            if not fds:  # end of file: the supervisor is gone
                loop.remove_reader(self.channel.fileno())
                return
            for fd in fds:
                loop.create_task(self._take(socket.socket(fileno=fd)))

    async def _take(self, sock: socket.socket) -> None:
        try:
            await asyncio.get_running_loop().connect_accepted_socket(self._protocol, sock)
        except OSError:  # the client left already
            sock.close()

    async def _close_slow_clients(self) -> None:
        idle_since: dict[int, float] = {}
        while not self.should_exit:
            await asyncio.sleep(1.0)
            now, alive = time.monotonic(), set()
            for conn in list(self.server_state.connections):
                cycle = getattr(conn, "cycle", None)
                waiting = cycle is None or getattr(cycle, "response_complete", False)
                key = id(conn)
                alive.add(key)
                if not waiting:
                    idle_since.pop(key, None)
                    continue
                since = idle_since.setdefault(key, now)
                if now - since > HEADER_SECONDS and getattr(conn, "transport", None):
                    conn.transport.close()
            for key in set(idle_since) - alive:
                del idle_since[key]


class _CoalescedWrites:
    """A transport that gathers the writes made within one turn of the event loop into one
    (uvicorn writes a response's head and body separately: two packets, and a client woken
    twice). A complete response (``HTTP_PROTOCOL.on_response_complete``), more than
    ``FLUSH_BYTES`` waiting, or a close, flushes at once."""

    FLUSH_BYTES = 64 << 10

    def __init__(self, transport, loop):
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []
        self._size = 0

    def write(self, data) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(data)
        self._size += len(data)
        if self._size > self.FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending, self._size = [], 0
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending, self._size = [], 0
        self._transport.abort()

    def is_closing(self) -> bool:  # asked once a request: not through __getattr__
        return self._transport.is_closing()

    def __getattr__(self, name):
        return getattr(self._transport, name)


class _HeadTooLarge(Exception):
    """Raised in a parser callback: the request head outgrew ``MAX_HEAD``."""


class HTTP_PROTOCOL(HttpToolsProtocol):  # noqa: N801 - what uvicorn.Config(http=) takes
    """uvicorn's httptools protocol, writing each response in one go, refusing a request head
    (URL and headers) of ``MAX_HEAD`` bytes or more (414 or 431, then the connection closes),
    and counting the front's open connections in shared
    memory (the supervisor hands new ones to the front with the fewest)."""

    gauge, gauge_index = None, 0
    head_size, refusal = 0, None

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_size = 0

    def on_url(self, url: bytes) -> None:
        self.head_size += len(url)
        if self.head_size >= MAX_HEAD:
            self.refusal = (414, f"the URL is {MAX_HEAD >> 10} KiB or longer: send a long "
                                 "query with POST")
            raise _HeadTooLarge
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.head_size += len(name) + len(value) + 4
        if self.head_size >= MAX_HEAD:
            self.refusal = (431, f"the request head is {MAX_HEAD >> 10} KiB or larger")
            raise _HeadTooLarge
        super().on_header(name, value)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to what its parser refused (a callback's exception among them)."""
        if self.refusal is None:
            return super().send_400_response(msg)
        status, message = self.refusal
        body = message.encode() + b"\n"
        self.transport.write(b"".join([
            STATUS_LINE[status], *(b"%s: %s\r\n" % pair for pair in
                                   self.server_state.default_headers),
            b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\n"
            b"connection: close\r\n\r\n" % len(body), body]))
        self.transport.close()

    def connection_made(self, transport) -> None:
        super().connection_made(_CoalescedWrites(transport, self.loop))
        if self.gauge is not None:
            self.gauge[self.gauge_index] = len(self.connections)

    def on_response_complete(self) -> None:
        self.transport.flush()  # the whole answer leaves now, not a turn of the loop later
        super().on_response_complete()

    def connection_lost(self, exc) -> None:
        super().connection_lost(exc)
        if self.gauge is not None:
            self.gauge[self.gauge_index] = len(self.connections)


def print_urls(sock: socket.socket) -> None:
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"SPARQL endpoint: http://{shown}:{port}/sparql", flush=True)
    print(f"Query UI:        http://{shown}:{port}/sparql (in a browser)", flush=True)


def _config(app) -> uvicorn.Config:
    return uvicorn.Config(app, http=HTTP_PROTOCOL, loop="auto", lifespan="on",
                          log_level="warning", access_log=False, server_header=False,
                          limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5,
                          timeout_graceful_shutdown=2, backlog=1024)


def _front(channel: socket.socket, settings, client_limit, lanes, gauge, index: int,
           ready) -> None:
    """One front process (forked): its own app, fast lane and worker pools, serving the
    connections the supervisor sends over ``channel``."""
    from .site.app import create_app
    from .site.workers import _die_with_parent

    _die_with_parent(os.getppid())
    server = Server(_config(create_app(settings, client_limit, lanes, index)))
    server.channel, server.ready, server.gauge, server.index = channel, ready, gauge, index
    server.run()
    os._exit(0 if server.started else 2)


class _Front:
    """The supervisor's view of one front process."""

    def __init__(self, ctx, index: int, args: tuple):
        self.ready_conn, child = ctx.Pipe()
        self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self.process = ctx.Process(target=_front, name="kgbuild-front",
                                   args=(theirs, *args, index, child))
        self.process.start()
        theirs.close()
        child.close()
        self.channel.setblocking(False)
        self.ready = False

    def poll_ready(self) -> bool:
        if not self.ready and self.ready_conn.poll():
            self.ready_conn.recv()
            self.ready = True
        return self.ready

    def close(self) -> None:
        self.channel.close()
        self.ready_conn.close()


def _hand_off(sock: socket.socket, fronts: list[_Front], gauge) -> None:
    """Accept every waiting connection and send each to the ready front with the fewest open
    connections (one listening socket shared by the fronts would let whichever woke first take
    them all)."""
    while True:
        try:
            client, _ = sock.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:  # out of file descriptors: the client waits in the backlog
            print(f"kgbuild serve: cannot accept a connection: {err}", file=sys.stderr,
                  flush=True)
            time.sleep(0.1)
            return
        with client:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            ready = [i for i, f in enumerate(fronts) if f.ready] or list(range(len(fronts)))
            for i in sorted(ready, key=gauge.__getitem__):
                try:
                    socket.send_fds(fronts[i].channel, [b"c"], [client.fileno()])
                except OSError:  # that front is dying or stuck: the next one
                    continue
                gauge[i] += 1
                break


def _supervise(sock: socket.socket, settings, client_limit) -> None:
    """Run ``settings.processes`` front processes; accept the connections on ``sock`` and hand
    them out (``_hand_off``); print the URL once all are up; watch their fast lanes
    (``site.fastlane.Watchdog``: a front whose in-process query runs past the budget is
    killed); restart one that dies; stop them all on SIGINT/SIGTERM."""
    import multiprocessing
    import select
    import signal

    from .site.fastlane import Lanes, Watchdog, kill_process

    ctx = multiprocessing.get_context("fork")
    stopping = threading.Event()
    lanes = Lanes(settings.processes)
    gauge = ctx.RawArray("i", settings.processes)  # open connections per front
    watchdog = Watchdog(lanes)
    args = (settings, client_limit, lanes, gauge)
    fronts = [_Front(ctx, i, args) for i in range(settings.processes)]
    deadline = time.monotonic() + 180
    for front in fronts:
        while not front.poll_ready():
            time.sleep(0.05)
            if not front.process.is_alive() or time.monotonic() > deadline:
                for other in fronts:
                    other.process.kill()
                raise KgbuildError("a front process did not start (see the message above)")
    print_urls(sock)

    def stop(signum, frame):
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sock.setblocking(False)
    while not stopping.is_set():
        if select.select([sock], [], [], WATCH_SECONDS)[0]:
            _hand_off(sock, fronts, gauge)
        watchdog.check(lambda index: kill_process(fronts[index].process.pid))
        for i, front in enumerate(fronts):
            front.poll_ready()
            if not front.process.is_alive() and not stopping.is_set():
                print(f"kgbuild serve: front process {front.process.pid} ended "
                      f"({front.process.exitcode}); starting another", file=sys.stderr, flush=True)
                front.close()
                gauge[i] = 0
                fronts[i] = _Front(ctx, i, args)
    for front in fronts:
        front.process.terminate()
    for front in fronts:
        front.process.join(10)
        if front.process.is_alive():
            front.process.kill()


def serve(store: Path | str = "data/store", *, host: str = "127.0.0.1", port: int = 7878,
          timeout: float = 30.0, workers: int | None = None, page_workers: int = 2,
          per_client: int | None = None, queue_timeout: float = 5.0, processes: int = 1,
          allow_services: tuple[str, ...] | list[str] = (), max_result_mb: int = 256) -> None:
    """Serve the store until interrupted (SIGINT/SIGTERM), printing the endpoint's URL first.

    CELLAR's endpoint is always allowed for SERVICE; ``allow_services`` adds others. A result
    larger than ``max_result_mb`` is refused (413) rather than built up in memory.
    """
    from .site.app import Settings
    from .site.workers import ClientLimit

    if not (Path(store) / "oxigraph").is_dir():
        raise KgbuildError(f"there is no store at {store} (run `kgbuild build` first)")
    from .query import open_store

    open_store(store)  # an unreadable store: one line here, before any process starts
    _raise_open_files()
    settings = Settings(Path(store), timeout=timeout, workers=workers or default_workers(processes),
                        page_workers=page_workers, per_client=per_client, processes=processes,
                        queue_timeout=queue_timeout, allow_services=tuple(allow_services),
                        max_result_mb=max_result_mb)
    client_limit = ClientLimit(per_client or max(1, settings.workers * processes // 2))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise KgbuildError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.listen(1024)
    try:
        _supervise(sock, settings, client_limit)
    finally:
        sock.close()


def needs_build(fiches: Path | str, store_dir: Path | str) -> str | None:
    """Why the store must be (re)built from ``fiches``, or ``None`` when it is up to date.

    Compares the SHA-256 of every fiche file with those in the store's ``report.json``.

    >>> needs_build("data/fiches", "/nonexistent/store")
    'there is no store at /nonexistent/store yet'
    """
    import hashlib

    from .build import iter_sources

    report_path = Path(store_dir) / "report.json"
    if not (Path(store_dir) / "oxigraph").is_dir() or not report_path.is_file():
        return f"there is no store at {store_dir} yet"
    try:
        recorded = sorted(e.get("sha256", "") for e in
                          json.loads(report_path.read_text(encoding="utf-8"))["sources"].values())
    except (ValueError, KeyError, AttributeError):
        return f"{report_path} is unreadable"
    current = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in iter_sources([fiches]))
    if current != recorded:
        return f"the fiches in {fiches} changed since the last build"
    return None


def up(fiches: Path | str = "data/fiches", store_dir: Path | str = "data/store", *,
       log=print, **serve_options) -> None:
    """Build the store when there is none or the fiches changed (``kgbuild.build``), then serve."""
    from .build import build

    reason = needs_build(fiches, store_dir)
    if reason:
        log(f"kgbuild up: building the graph: {reason}")
        report = build([fiches], store_dir, log=log)
        log(f"kgbuild up: {report.counts.get('fiches', 0)} fiches, "
            f"{len(report.failures)} files skipped")
    serve(store_dir, **serve_options)


def spawn(store: Path | str, *args: str, timeout: float = 60.0):
    """Start ``kgbuild serve --store STORE --port 0 ARGS…`` as a child process on loopback and
    wait for its URL (for tests and benchmarks): ``(process, endpoint URL)``.

    The caller stops it (``process.terminate()``); its workers exit with it.
    """
    import subprocess

    cmd = [sys.executable, "-c", "from kgbuild.cli import main; main()", "serve",
           "--store", str(store), "--host", "127.0.0.1", "--port", "0", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parent.parent)
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    line = result[0] if result else ""
    if not line.startswith("SPARQL endpoint:"):
        proc.kill()
        err = proc.stderr.read() if proc.poll() is not None else ""
        raise KgbuildError(f"kgbuild serve did not start: {line.strip() or err.strip()}")
    return proc, line.split()[-1]
