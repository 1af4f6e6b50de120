"""The store directory: atomic swap, leftovers, locking, errors naming the store."""

from __future__ import annotations

import gzip
import os

import pytest
from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, parse

from pyoxigraph import Store

from kgbuild.store import BuildDir, StoreError, builds_dir, current, open_read_only, save

EX = "http://example.org/"


def quads(n: int, graph: str = "g") -> list[Quad]:
    return [Quad(NamedNode(f"{EX}s{i}"), NamedNode(EX + "p"), NamedNode(f"{EX}o{i}"),
                 NamedNode(EX + graph)) for i in range(n)]


def load(build, quads_) -> None:
    graph = Store()
    graph.extend(quads_)
    save(graph, build)


def make_build(store_dir, n: int):
    """A complete build of ``n`` quads, published; returns its directory."""
    with BuildDir(store_dir) as build:
        load(build.path, quads(n))
        (build.path / "report.json").write_text("{}")
        build.publish()
    return build.path


def named_quads(store) -> int:
    """Quads in the named graphs of the served store (its default graph holds their merge)."""
    return sum(1 for q in open_read_only(store) if not isinstance(q.graph_name, DefaultGraph))


def test_publish_points_the_link_at_the_new_build_and_keeps_the_previous(tmp_path):
    store = tmp_path / "store"
    first = make_build(store, 3)
    assert store.is_symlink() and not os.path.isabs(os.readlink(store))
    assert named_quads(store) == 3
    second = make_build(store, 5)
    assert current(store) == second and first.is_dir()
    assert named_quads(store) == 5
    third = make_build(store, 7)
    assert current(store) == third and second.is_dir() and not first.exists()


def test_failed_build_leaves_previous_store_and_no_directory(tmp_path):
    store = tmp_path / "store"
    first = make_build(store, 3)
    with pytest.raises(RuntimeError):
        with BuildDir(store) as build:
            load(build.path, quads(10))
            raise RuntimeError("mapping failed")
    assert not build.path.exists()
    assert current(store) == first and named_quads(store) == 3


def test_leftovers_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    store = tmp_path / "store"
    first = make_build(store, 3)
    killed = builds_dir(store) / "20000101T000000Z-999999"
    (killed / "oxigraph").mkdir(parents=True)  # no report.json: never finished
    second = make_build(store, 4)
    assert not killed.exists()
    assert current(store) == second and first.is_dir()


def test_one_build_at_a_time(tmp_path):
    store = tmp_path / "store"
    with BuildDir(store):
        with pytest.raises(StoreError, match="another build is running"):
            with BuildDir(store):
                pass
    make_build(store, 1)  # the lock is free again


def test_unpublished_build_cannot_be_published_without_report(tmp_path):
    with BuildDir(tmp_path / "store") as build:
        with pytest.raises(StoreError, match="incomplete build"):
            build.publish()
    assert not (tmp_path / "store").exists()


def test_store_that_is_a_real_directory_is_refused(tmp_path):
    store = tmp_path / "store"
    store.mkdir()
    (store / "precious.txt").write_text("do not lose me")
    with pytest.raises(StoreError, match=f"{store}: exists and is not a kgbuild store link"):
        with BuildDir(store):
            pass
    assert (store / "precious.txt").read_text() == "do not lose me"


def test_unwritable_store_is_one_error_naming_it(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        if os.access(parent, os.W_OK):  # root ignores permissions: use a path under a file
            parent = tmp_path / "file"
            parent.write_text("")
        with pytest.raises(StoreError, match="cannot write"):
            with BuildDir(parent / "store"):
                pass
    finally:
        (tmp_path / "ro").chmod(0o700)


def test_no_store_yet_is_one_error(tmp_path):
    with pytest.raises(StoreError, match="no built store"):
        open_read_only(tmp_path / "store")


def test_database_and_dump_hold_every_quad_and_the_default_graph_their_merge(tmp_path):
    load(tmp_path, quads(4, "a") + quads(2, "b"))
    with gzip.open(tmp_path / "dump.nq.gz") as f:
        back = set(parse(f, format=RdfFormat.N_QUADS))
    assert back == set(quads(4, "a") + quads(2, "b"))
    stored = set(Store.read_only(str(tmp_path / "oxigraph")))
    named = {q for q in stored if not isinstance(q.graph_name, DefaultGraph)}
    merged = {(q.subject, q.predicate, q.object) for q in stored if isinstance(q.graph_name, DefaultGraph)}
    assert named == back
    assert merged == {(q.subject, q.predicate, q.object) for q in back}
