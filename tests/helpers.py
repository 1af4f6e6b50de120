"""Helpers shared by the test modules: the built corpus store and the command line.

>>> rows_of('{"results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}')
[{'n': '1'}]
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpus_store(tmp_path_factory) -> Path:
    """The real corpus (``data/fiches``) built once per test session, shared by the modules."""
    from kgbuild.build import build

    store = tmp_path_factory.getbasetemp() / "corpus" / "store"
    if not (store / "oxigraph").is_dir():
        build([ROOT / "data" / "fiches"], store, progress=False)
    return store


def kgbuild(*args: str, cwd: Path = ROOT, timeout: float = 600, **kw) -> subprocess.CompletedProcess:
    """Run the ``kgbuild`` command line in a child process, as a user would."""
    return subprocess.run([sys.executable, "-m", "kgbuild", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, **kw)


def rows_of(stdout: str) -> list[dict[str, str]]:
    """The rows of a SPARQL JSON result, as plain strings."""
    data = json.loads(stdout)
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# A fresh, small interpreter runs the command: the peak memory the kernel reports for a
# process includes that of the process it was started from, so a command started straight
# from pytest would carry pytest's own size in its figure.
_MEASURE = """
import os, signal, sys
timeout, report, args = float(sys.argv[1]), sys.argv[2], sys.argv[3:]
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "kgbuild", *args])
signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def kgbuild_measured(*args: str, timeout: float = 120) -> tuple[int, str, str, float, float]:
    """Run ``kgbuild ARGS``: (exit status, stdout, stderr, seconds, peak resident MB of the
    command and of the child processes it waited for, such as its parser processes)."""
    import tempfile
    import time

    with tempfile.NamedTemporaryFile("r") as report:
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-c", _MEASURE, str(timeout), report.name, *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=timeout + 30)
        took = time.monotonic() - started
        peak_kb = float(report.read() or 0)
    return done.returncode, done.stdout, done.stderr, took, peak_kb / 1024


# A query that runs far past any timeout (a four-way cross join of the whole store).
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def start_runaway(url: str, local_address: str | None = None):
    """Send RUNAWAY to the endpoint ``url`` from a background thread (from ``local_address``,
    another loopback address, when given); the thread ends when the server answers or goes."""
    import threading

    import httpx

    def run() -> None:
        transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
        try:
            with httpx.Client(transport=transport, timeout=60) as http:
                http.post(url, data={"query": RUNAWAY})
        except httpx.HTTPError:
            pass  # the server is stopped under it

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread
