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
