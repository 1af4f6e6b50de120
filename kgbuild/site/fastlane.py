"""The fast lane: a query whose *shape* is known to be fast runs in the front process itself, on
its event loop, with no hop to a worker; a watchdog in the supervising process kills a front
whose query in the fast lane runs past ``BUDGET``.

A query's shape is its text with comments, string literals and IRIs taken out, and its digits:
the Kamerstuk lookup for one Kamerstuk has the shape of the lookup for any other (a shape that
stands for two different queries costs speed, never an answer: the watchdog guards the lane).
A shape becomes fast when a query of that shape answered from a query worker within
``FAST_SECONDS`` with a small result; it stops being fast, for every front process, for
``SLOW_FOR`` seconds when one of its queries took more than ``SLOW_SECONDS`` of CPU time in the
fast lane (wall time would count the moments a busy machine held the front up) or outgrew
``MAX_BYTES``, for ``KILLED_FOR`` when the watchdog had to kill one. Only a text without
``service`` and without ``\\u`` escapes (so surely without a SERVICE, which the query workers
alone may meet, network-isolated) and without a federated part enters the lane.

The watchdog (``Watchdog.check``, in the supervising process, which the front's GIL cannot
hold up) reads from shared memory when each front's current fast-lane query started; past
``BUDGET`` it SIGKILLs that front (its connections close; its workers die with it), marks the
shape slow and the supervisor starts a new front. After ``MAX_KILLS`` kills within a minute
the lane closes for ``PAUSE_SECONDS``: then every query takes the worker pool.

>>> shape_of('SELECT * { ?f ?p <https://x/26643-640> }') == shape_of("SELECT * { ?f ?p <y> }")
True
>>> shape_of('ASK { ?s ?p "a" }') == shape_of('ASK { ?s ?p ?o }')
False
>>> shape_of("# the cabinet's view\\nASK { ?s ?p 'a#b' }") == shape_of("#\\nASK { ?s ?p '' }")
True
>>> shape_of("ASK { ?x ?p 15 }") == shape_of("ASK { ?x ?p 7 }") != shape_of("ASK { ?y ?p 7 }")
True
>>> shape_of("SELECT * { ?s ?p 'services' }") is None
True
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import sys
import time

from ..query import open_store
from .workers import execute, may_hold_service, merged_default_graph

FAST_SECONDS = 0.005  # a shape whose query answered from a worker this fast may use the lane
SLOW_SECONDS = 0.02  # a fast-lane query that took more CPU time makes its shape slow
BUDGET = 0.25  # the watchdog kills a front whose fast-lane query runs longer
MAX_BYTES = 1 << 20  # a larger result makes its shape slow (and is answered by a worker)
MAX_TEXT = 8192  # longer query texts never take the lane
MAX_KILLS, PAUSE_SECONDS = 3, 300.0  # more kills within a minute close the lane for a while
SLOTS = 1 << 16  # the shared table of slow shapes (hash % SLOTS; a clash only costs speed)
SLOW_FOR = 600.0  # seconds a shape that ran slow stays out of the lane (a busy machine may
KILLED_FOR = 86400.0  # have slowed it); one the watchdog had to stop stays out a day

_LITERALS = re.compile(  # on UTF-8: comments, IRIs, long and short strings (the first character
    rb'#[^\n]*|<[^<>"{}|^`\\\s]*>|'  # tells which: # < " ')
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\'|'
    rb'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_DIGITS = b"0123456789"


def shape_of(query: str) -> int | None:
    """A hash of the query's text without its comments, literals, IRIs and digits (the same in
    every front process: they are forked from one interpreter, so share its hash seed); ``None``
    for a text that may not take the lane: longer than ``MAX_TEXT``, or one that might hold a
    SERVICE (``workers.may_hold_service``: the word in any case, or a ``\\u`` escape)."""
    if len(query) > MAX_TEXT:
        return None
    data = query.encode("utf-8", "surrogatepass")
    if may_hold_service(data):
        return None
    return hash(_LITERALS.sub(b"\x00", data).translate(None, _DIGITS))


class Lanes:
    """The shared memory of the fast lanes of ``fronts`` front processes, made before they
    fork: the slow shapes, and per front when its current fast-lane query started (monotonic
    ns, 0: none) and its shape."""

    def __init__(self, fronts: int):
        ctx = multiprocessing.get_context("fork")
        self.fronts = fronts
        self.slow = ctx.RawArray("d", SLOTS)  # time.monotonic() until which a shape is slow
        self.running = ctx.RawArray("q", 2 * fronts)
        self.closed_until = ctx.RawValue("d", 0.0)  # time.monotonic() before which none is used

    def is_slow(self, shape: int) -> bool:
        return self.slow[shape % SLOTS] > time.monotonic()

    def mark_slow(self, shape: int, seconds: float = SLOW_FOR) -> None:
        self.slow[shape % SLOTS] = time.monotonic() + seconds

    def open(self) -> bool:
        return time.monotonic() >= self.closed_until.value


class FastLane:
    """One front process's fast lane (``index`` among the fronts): its own read-only store,
    reopened when a build swaps the store link."""

    def __init__(self, lanes: Lanes, index: int, store_dir, prefixes: dict[str, str]):
        self.lanes, self.index, self.store_dir, self.prefixes = lanes, index, str(store_dir), prefixes
        self._fast: set[int] = set()
        self._store = None
        self._opened = ""
        self._checked = 0.0
        self._merged = False

    def knows_fast(self, shape: int) -> bool:
        return shape in self._fast and not self.lanes.is_slow(shape) and self.lanes.open()

    def learn(self, shape: int, seconds: float, answer) -> None:
        """What a query worker's answer says of its shape."""
        if answer[0] == 200 and seconds <= FAST_SECONDS and len(answer[2]) <= MAX_BYTES // 4:
            if len(self._fast) > 10_000:
                self._fast.clear()
            self._fast.add(shape)

    def _current_store(self):
        now = time.monotonic()
        if self._store is None or now - self._checked > 1.0:  # has a build swapped the link?
            self._checked, target = now, os.path.realpath(self.store_dir)
            if target != self._opened:
                self._store, self._opened = open_store(self.store_dir), target
                self._merged = merged_default_graph(self._store)
        return self._store

    def run(self, job, shape: int):
        """Run ``job`` here, blocking (the watchdog watches): its answer, or ``None`` when the
        result outgrew ``MAX_BYTES`` (the shape is then slow: a worker must answer)."""
        store = self._current_store()
        slot = 2 * self.index
        capped = job.max_bytes
        job.max_bytes = min(capped, MAX_BYTES)
        running = self.lanes.running
        running[slot + 1] = shape
        running[slot] = time.monotonic_ns()  # the watchdog's clock: wall time
        cpu = time.thread_time()  # the lane's own: a front the machine held up is not slow
        try:
            answer = execute(store, job, self.prefixes, merged_default=self._merged,
                             service_free=True)  # shape_of let in no text that might hold one
        finally:
            running[slot] = 0
            job.max_bytes = capped
        if answer[0] == 413 or time.thread_time() - cpu > SLOW_SECONDS:
            self._fast.discard(shape)
            self.lanes.mark_slow(shape)
        return None if answer[0] == 413 else answer


class Watchdog:
    """In the supervising process: ``check(kill)`` kills (``kill(index)``) each front whose
    fast-lane query has run past ``BUDGET``, marks its shape slow, and closes the lanes for a
    while after too many kills."""

    def __init__(self, lanes: Lanes):
        self.lanes = lanes
        self.kills: list[float] = []

    def check(self, kill) -> None:
        now = time.monotonic_ns()
        running = self.lanes.running
        for index in range(self.lanes.fronts):
            started = running[2 * index]
            if not started or now - started <= BUDGET * 1e9:
                continue
            self.lanes.mark_slow(running[2 * index + 1], KILLED_FOR)
            running[2 * index] = 0
            print(f"kgbuild serve: a query in front process {index}'s fast lane ran past "
                  f"{BUDGET:g} s: restarting that front; queries of its shape now run in the "
                  "query workers", file=sys.stderr, flush=True)
            kill(index)
            self.kills = [t for t in self.kills if now - t < 60e9] + [now]
            if len(self.kills) >= MAX_KILLS:
                self.lanes.closed_until.value = time.monotonic() + PAUSE_SECONDS
                print(f"kgbuild serve: {len(self.kills)} fast-lane kills within a minute: every "
                      f"query runs in the query workers for {PAUSE_SECONDS:g} s",
                      file=sys.stderr, flush=True)
                self.kills = []


def kill_process(pid: int) -> None:
    """SIGKILL ``pid`` if it is still there."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
