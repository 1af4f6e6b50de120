"""Parsing in limited child processes: a file can cost a bounded time and memory, no more.

A library cannot be trusted to stop on a hostile file (a PDF object graph that loops, a flate
bomb, a zip member that inflates to gigabytes), so ``kgbuild parse`` and ``kgbuild build``
read every file in a *parser process* (``python -m kgbuild.sandbox``):

- its address space is limited (``RLIMIT_AS``, ``Limits.memory_mb``): an allocation past it
  fails with ``MemoryError``, reported as "larger than … MB in memory when read", and the
  process is replaced;
- the parent kills it when a file takes longer than ``Limits.seconds`` of wall time (and its
  own ``RLIMIT_CPU`` is set a little past that, should the parent be stopped);
- it dies with its parent (``PR_SET_PDEATHSIG``) and inherits none of the parent's files
  (the store's lock above all), so a killed build leaves nothing that holds on.

The processes are long-lived (a pool of ``workers``, each started once and fed one path
after another): starting one costs about 0.3 s of imports, a file a few milliseconds. Results
come back as JSON lines (never pickles: the child reads hostile data).

>>> with ParserPool(1) as pool:
...     [r.record.kamerstuk.key for r in pool.run(["data/fiches/2025D17740.txt"])]
['22112-4031']
"""

from __future__ import annotations

import importlib
import json
import os
import resource
import select
import signal
import subprocess
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from .errors import KgbuildError
from .readers import Limits, OutOfMemory
from .record import FicheRecord, record_from_json

PR_SET_PDEATHSIG = 1
WARM_UP = ("kgbuild.harvested", "kgbuild.parse", "docx", "pdfminer.pdfinterp", "pdfminer.converter")


@dataclass
class Result:
    """What parsing one file gave: a record, or the one-line reason it failed. ``timed_out``:
    the failure came from the clock or the process's death, which a busy machine can cause;
    the other failures come from the file itself."""

    path: Path
    record: FicheRecord | None = None
    failure: str | None = None
    timed_out: bool = False


class _Worker:
    """One parser process and the files sent to it, in order (the first is being read)."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "kgbuild.sandbox", json.dumps(limits.__dict__),
             str(os.getpid())],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True, cwd=os.getcwd())
        self.fd = self.proc.stdout.fileno()
        self.buffer = b""
        self.ready = False  # imports done, reading paths
        self.inflight: deque[Path] = deque()
        self.deadline = 0.0  # for the file being read, inflight[0]

    def send(self, path: Path) -> None:
        if not self.inflight:
            self.deadline = time.monotonic() + self.limits.seconds
        self.inflight.append(path)
        try:
            self.proc.stdin.write(json.dumps({"path": str(path)}).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:  # it died: its output ends, and the pool sees why
            pass

    def done(self) -> Path:
        """The file a result just came for; the next one's clock starts."""
        path = self.inflight.popleft()
        self.deadline = time.monotonic() + self.limits.seconds
        return path

    def read(self) -> list[dict] | None:
        """The complete messages available now; ``None`` when the process has ended."""
        chunk = os.read(self.fd, 1 << 16)
        if not chunk:
            return None
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        return [json.loads(line) for line in lines if line]

    def death(self) -> str:
        """Why the process ended while reading ``inflight[0]``, in the words of the limits."""
        status = self.proc.wait()
        if status == -signal.SIGXCPU:
            return f"took longer than {self.limits.seconds:g} s to read"
        if status == -signal.SIGKILL:
            return f"the parser process was killed (SIGKILL; over {self.limits.memory_mb} MB?)"
        if status < 0:
            return f"the parser process crashed ({signal.Signals(-status).name})"
        return f"the parser process ended (exit status {status})"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class ParserPool:
    """``workers`` parser processes under ``limits``; use as a context manager.

    ``run(paths)`` yields one ``Result`` per path as files finish (not in order); a process
    that ran over a limit or died is replaced, and its file gets the reason as ``failure``.
    Each process has up to ``PIPELINE`` paths queued, so it never waits for the parent
    between files. ``pids()`` are the processes' ids (a build records them beside its lock).
    """

    PIPELINE = 16

    def __init__(self, workers: int = 1, limits: Limits | None = None):
        self.size = max(1, workers)
        self.limits = limits or Limits()
        self.workers: list[_Worker] = []
        self.queue: deque[Path] = deque()

    def __enter__(self) -> "ParserPool":
        self.workers = [_Worker(self.limits) for _ in range(self.size)]
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.workers:
            worker.kill()
        self.workers = []

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self.workers]

    def _replace(self, worker: _Worker) -> None:
        """A fresh process in place of ``worker``; the files queued to it go back in line."""
        worker.kill()
        self.queue.extendleft(reversed(worker.inflight))
        self.workers[self.workers.index(worker)] = _Worker(self.limits)

    def run(self, paths: Iterable[str | Path],
            check: Callable[[], None] | None = None) -> Iterator[Result]:
        """Parse ``paths``; ``check()`` is called at least twice a second (it may raise to
        stop, as on an interruption)."""
        self.queue = deque(Path(p) for p in paths)
        while self.queue or any(w.inflight for w in self.workers):
            if check:
                check()
            for worker in self.workers:
                while worker.ready and len(worker.inflight) < self.PIPELINE and self.queue:
                    worker.send(self.queue.popleft())
            waits = [w.deadline - time.monotonic() for w in self.workers if w.inflight]
            timeout = max(0.0, min(waits + [0.5]))
            readable, _, _ = select.select([w.fd for w in self.workers], [], [], timeout)
            for worker in list(self.workers):
                if worker.fd in readable:
                    yield from self._receive(worker)
                elif worker.inflight and time.monotonic() > worker.deadline:
                    path = worker.inflight.popleft()
                    self._replace(worker)
                    yield Result(path, failure=f"{path}: took longer than "
                                               f"{self.limits.seconds:g} s to read",
                                 timed_out=True)

    def _receive(self, worker: _Worker) -> Iterator[Result]:
        messages = worker.read()
        if messages is None:  # the process died
            if not worker.inflight:
                reason = worker.death()
                raise KgbuildError(f"a parser process could not start ({reason})")
            path, reason = worker.inflight.popleft(), worker.death()
            self._replace(worker)
            yield Result(path, failure=f"{path}: {reason}", timed_out=True)
            return
        for message in messages:
            if message.get("ready"):
                worker.ready = True
                continue
            path = worker.done()
            if "record" in message:
                yield Result(path, record=record_from_json(message["record"]))
            else:
                yield Result(path, failure=message["failure"])
            if message.get("restart"):  # it ran out of memory: a fresh process
                self._replace(worker)
                return


# --- the child side -------------------------------------------------------------------------


def parse_job(path: str, limits: Limits) -> dict:
    """Parse one file (harvested files get their open-data metadata, ``parse_source``):
    ``{"record": …}`` or ``{"failure": one line}``; ``"restart"`` after running out of memory.
    """
    from .harvested import parse_source

    try:
        return {"record": parse_source(path, limits).to_json()}
    except OutOfMemory as err:
        return {"failure": str(err), "restart": True}
    except KgbuildError as err:
        return {"failure": str(err)}
    except MemoryError:
        return {"failure": f"{path}: larger than {limits.memory_mb} MB in memory when parsed",
                "restart": True}
    except RecursionError:
        return {"failure": f"{path}: nested too deeply to parse"}
    except Exception as err:  # a parser bug must not stop a build: report it, skip the file
        return {"failure": f"{path}: parser failed: {type(err).__name__}: {err}"}


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent ends (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent ended before the request took effect
        os._exit(1)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _child(limits: Limits, parent: int) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides
    memory = limits.memory_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # already limited from outside: never ask for more
        memory = min(memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # stray prints of a library go where stderr goes, not into the results
    for module in WARM_UP:  # the imports, before saying ready (not on the clock of a file)
        importlib.import_module(module)

    results.write('{"ready": true}\n')
    results.flush()
    for line in sys.stdin:
        task = json.loads(line)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        resource.setrlimit(resource.RLIMIT_CPU,
                           (int(_cpu_seconds() + limits.seconds) + 2, hard))
        answer = parse_job(task["path"], limits)
        results.write(json.dumps(answer) + "\n")  # ASCII: any file name survives the trip
        results.flush()
        if answer.get("restart"):
            break


if __name__ == "__main__":
    _child(Limits(**json.loads(sys.argv[1])), int(sys.argv[2]))
