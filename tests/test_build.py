"""``kgbuild build``: the real fiches end to end, failures, exit codes, kills, determinism."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import pyoxigraph as ox
from pyoxigraph import RdfFormat, parse

from kgbuild.build import build, iter_sources
from kgbuild.errors import InputError
from kgbuild.store import builds_dir, current, open_read_only
from tests.helpers import kgbuild

ROOT = Path(__file__).resolve().parent.parent
FICHES = ROOT / "data" / "fiches"
B = "https://w3id.org/bnc-fiches/"
APPLY_AI = B + "id/fiche/com-2025-723"  # 2025D46581, in data/fiches as .docx and .txt


def fiche_iris(store_dir: Path) -> set[str]:
    store = open_read_only(store_dir)
    rows = store.query(f"SELECT DISTINCT ?f WHERE {{ GRAPH ?g {{ ?f a <{B}ontology#Fiche> }} }}")
    return {row["f"].value for row in rows}


def corpus(n: int, out: Path) -> Path:
    spec = importlib.util.spec_from_file_location("bench_corpus", ROOT / "bench" / "corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.make_corpus(n, out)
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The real fiches built once: (store dir, report)."""
    store = tmp_path_factory.mktemp("real") / "store"
    return store, build([FICHES], store)


def test_real_fiches_build_into_a_store_with_inferred_graph(built):
    store_dir, report = built
    assert report.exit_status == 0 and report.failures == []
    assert report.counts["files"] == 15 and report.counts["fiches"] == 14
    store = open_read_only(store_dir)
    graphs = {g.value for g in store.named_graphs()}
    assert {B + "graph/ontology", B + "graph/reference", B + "graph/inferred"} <= graphs
    assert len([g for g in graphs if g.startswith(B + "graph/fiche/")]) == 14
    assert fiche_iris(store_dir) == {f["iri"] for f in report.fiches}
    assert store.query(f"ASK {{ GRAPH <{B}graph/inferred> {{ ?k <{B}ontology#citedBy> <{APPLY_AI}> }} }}")
    inferred = sum(1 for _ in store.quads_for_pattern(None, None, None, _node(B + "graph/inferred")))
    assert inferred == report.counts["triples_inferred"] > 1000


def _node(iri):
    from pyoxigraph import NamedNode
    return NamedNode(iri)


def test_dump_and_report_match_the_store(built):
    store_dir, report = built
    store = open_read_only(store_dir)
    with gzip.open(store_dir / "dump.nq.gz") as f:
        dumped = list(parse(f, format=RdfFormat.N_QUADS))
    named = [q for q in store if not isinstance(q.graph_name, ox.DefaultGraph)]
    merged = {(q.subject, q.predicate, q.object) for q in named}
    default = [q for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())]
    assert len(dumped) == len(named) and len(store) == report.counts["quads_in_store"]
    assert {(q.subject, q.predicate, q.object) for q in default} == merged
    assert len(default) == len(merged) < len(named)  # the merge holds each triple once
    on_disk = json.loads((store_dir / "report.json").read_text())
    assert on_disk["counts"] == report.counts and on_disk["exit_status"] == 0
    for path, entry in on_disk["sources"].items():  # checksums for change detection
        assert entry["sha256"] == hashlib.sha256(Path(ROOT, path).read_bytes()).hexdigest()
    assert set(on_disk["timings_s"]) == {"parse", "map", "assemble", "reason", "load", "index", "total"}


def test_one_fiche_read_from_two_files_is_one_iri_with_both_sources(built):
    store_dir, report = built
    [entry] = [f for f in report.fiches if f["iri"] == APPLY_AI]
    assert [Path(p).name for p in entry["sources"]] == ["2025D46581.docx", "2025D46581.txt"]
    store = open_read_only(store_dir)
    paths = {row["p"].value for row in store.query(
        f"SELECT ?p WHERE {{ GRAPH <{B}graph/fiche/com-2025-723> {{ ?g <{B}ontology#sourceFile> ?s ."
        f" ?s <{B}ontology#sourcePath> ?p }} }}")}
    assert {Path(p).name for p in paths} == {"2025D46581.docx", "2025D46581.txt"}
    statuses = sorted(report.sources[p]["status"] for p in entry["sources"])
    assert statuses == ["duplicate", "parsed"]


def test_rebuild_is_deterministic_in_fiche_iris_and_choices(built, tmp_path):
    store_dir, report = built
    again = build(sorted(iter_sources([FICHES]), reverse=True), tmp_path / "store")
    assert fiche_iris(tmp_path / "store") == fiche_iris(store_dir)
    assert [(f["key"], f["chosen"]) for f in again.fiches] == \
        [(f["key"], f["chosen"]) for f in report.fiches]


def test_failing_fiches_are_reported_and_skipped(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("2025D17740.txt", "kst-22112-3490.txt"):
        shutil.copy(FICHES / name, src / name)
    (src / "notes.txt").write_text("Boodschappenlijst: melk, brood, kaas.\n")
    (src / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    done = kgbuild("build", str(src), "--store", str(tmp_path / "store"))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len([line for line in lines if "skipped" in line]) == 2
    assert any("notes.txt" in line for line in lines) and any("broken.docx" in line for line in lines)
    report = json.loads((tmp_path / "store" / "report.json").read_text())
    assert report["exit_status"] == 1 and report["counts"]["fiches"] == 2
    assert {Path(f["source"]).name for f in report["failures"]} == {"notes.txt", "broken.docx"}
    assert all(f["reason"] for f in report["failures"])


@pytest.mark.parametrize("args, message", [
    (["no/such/dir"], "no/such/dir: no such file or directory"),
    (["data/fiches/SOURCES.tsv"], "none of the 1 files could be parsed"),
])
def test_nothing_to_build_is_exit_2_and_leaves_the_store(tmp_path, args, message):
    store = tmp_path / "store"
    build([FICHES / "2025D17740.txt"], store)
    old = current(store)
    done = kgbuild("build", *args, "--store", str(store))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert message in done.stderr.strip().splitlines()[-1]
    assert current(store) == old and len(fiche_iris(store)) == 1


def test_unwritable_store_is_exit_2_and_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = kgbuild("build", "data/fiches/2025D17740.txt", "--store", str(blocker / "store"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "cannot write" in done.stderr


def test_iter_sources_names_a_missing_source():
    with pytest.raises(InputError, match="nowhere.docx: no such file"):
        list(iter_sources(["nowhere.docx"]))


def start_build_and_wait(corpus_dir: Path, store: Path, old: Path, *, until: str):
    """Start ``kgbuild build`` and return it once its build directory has ``until`` in it."""
    proc = subprocess.Popen([sys.executable, "-m", "kgbuild", "build", str(corpus_dir),
                             "--store", str(store)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        new = [p for p in builds_dir(store).iterdir() if p.is_dir() and p != old]
        if new and (new[0] / until).exists():
            return proc, new[0]
        time.sleep(0.01)
    proc.kill()
    pytest.fail(f"the build ended or never reached {until!r}: {proc.communicate()[1][-500:]}")


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory):
    return corpus(1500, tmp_path_factory.mktemp("big") / "fiches")


def test_build_killed_while_loading_leaves_the_old_store(tmp_path, big_corpus):
    store = tmp_path / "store"
    build([FICHES], store)
    old, old_size, old_fiches = current(store), len(open_read_only(store)), fiche_iris(store)
    proc, partial = start_build_and_wait(big_corpus, store, old, until="oxigraph")
    assert proc.poll() is None  # still running: killed midway, while writing the new store
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert current(store) == old
    assert len(open_read_only(store)) == old_size and fiche_iris(store) == old_fiches
    assert partial.exists()  # kill -9 leaves its leftovers ...
    build([FICHES / "2025D17740.txt"], store)
    assert not partial.exists()  # ... which the next build removes
    assert len(fiche_iris(store)) == 1 and old.exists()  # the previous build is kept


@pytest.mark.parametrize("until", ["", "oxigraph"], ids=["while-parsing", "while-loading"])
def test_build_terminated_cleans_up_and_says_so(tmp_path, big_corpus, until):
    store = tmp_path / "store"
    build([FICHES], store)
    old, old_fiches = current(store), fiche_iris(store)
    proc, partial = start_build_and_wait(big_corpus, store, old, until=until)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err
    assert "interrupted by SIGTERM" in err.strip().splitlines()[-1]
    assert not partial.exists() and current(store) == old and fiche_iris(store) == old_fiches
    assert sorted(os.listdir(builds_dir(store))) == sorted([".lock", old.name])


def test_a_rebuild_parses_only_what_changed_and_gives_the_same_graph(tmp_path):
    corpus, store = tmp_path / "fiches", tmp_path / "store"
    shutil.copytree(FICHES, corpus)
    first = build([corpus], store, progress=False)
    assert first.records_reused == 0
    dump = gzip.open(store / "dump.nq.gz").read()
    second = build([corpus], store, progress=False)
    assert second.records_reused == len(first.sources) == 15
    again = gzip.open(store / "dump.nq.gz").read()
    def stable(data: bytes) -> list[str]:  # blank node labels and the build time differ by design
        return sorted(line for line in data.decode().splitlines()
                      if "_:" not in line and "prov#generatedAtTime" not in line)

    without_blank_nodes = [stable(dump), stable(again)]
    assert without_blank_nodes[0] == without_blank_nodes[1]
    assert len(again.splitlines()) == len(dump.splitlines())

    changed = corpus / "kst-22112-2738.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("Raad Algemene Zaken (RAZ)",
                                                                   "Raad Buitenlandse Zaken"), encoding="utf-8")
    third = build([corpus], store, progress=False)
    assert third.records_reused == 14
    formations = {row["l"].value for row in open_read_only(store).query(
        f"SELECT ?l WHERE {{ ?f <{B}ontology#councilFormation> ?c . ?c <http://www.w3.org/2000/01/rdf-schema#label> ?l }}")}
    assert "Raad Buitenlandse Zaken" in formations and "Raad Algemene Zaken (RAZ)" not in formations


def _helpers(store: Path) -> list[int]:
    """The parser processes the running build names in its lock file."""
    try:
        holder = json.loads((builds_dir(store) / ".lock").read_text() or "{}")
    except ValueError:  # being rewritten
        return []
    return [pid for pid, _ in holder.get("helpers", [])]


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in "ZX"


def test_a_build_killed_while_parsing_blocks_no_later_build(tmp_path, big_corpus):
    store = tmp_path / "store"
    build([FICHES / "2025D17740.txt"], store)
    proc = subprocess.Popen([sys.executable, "-m", "kgbuild", "build", str(big_corpus),
                             "--store", str(store), "-j", "2"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not _helpers(store):  # the parse stage has started its parser processes
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    helpers = _helpers(store)
    assert all(_running(pid) for pid in helpers)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    started = time.monotonic()
    report = build([FICHES / "2025D17740.txt"], store)  # at once: no "another build is running"
    assert report.exit_status == 0 and time.monotonic() - started < 30
    assert not any(_running(pid) for pid in helpers)  # they died with their build


def test_processes_a_dead_build_left_holding_the_lock_are_cleared(tmp_path):
    """A process that inherited the lock (as parser processes of old versions did) and outlived
    its build: the next build sees the build is dead, ends that process and goes on."""
    store = tmp_path / "store"
    build([FICHES / "2025D17740.txt"], store)
    lock = builds_dir(store) / ".lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"f = open({str(lock)!r}, 'a+'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('locked', flush=True); time.sleep(600)")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "locked\n"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    start = Path(f"/proc/{holder.pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    lock.write_text(json.dumps({"pid": int(dead), "start": "1", "helpers": [[holder.pid, start]]}))
    try:
        report = build([FICHES / "2025D17740.txt"], store)
        assert report.exit_status == 0
        assert holder.wait(10) == -signal.SIGKILL
    finally:
        holder.kill()


def test_a_live_build_holding_the_lock_is_named(tmp_path):
    store = tmp_path / "store"
    build([FICHES / "2025D17740.txt"], store)
    lock = builds_dir(store) / ".lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, json, os, time\n"
        f"f = open({str(lock)!r}, 'a+'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "f.truncate(0); f.write(json.dumps({'pid': os.getpid()})); f.flush()\n"
        "print('locked', flush=True); time.sleep(600)")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"
        done = kgbuild("build", "data/fiches/2025D17740.txt", "--store", str(store))
        assert done.returncode == 2
        assert done.stderr.strip() == f"kgbuild: {store}: another build is running (pid {holder.pid})"
    finally:
        holder.kill()
