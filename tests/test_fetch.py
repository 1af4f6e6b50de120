"""Harvesting against a local stand-in of the Tweede Kamer OData API (tests/odata_server.py).

Every request goes to 127.0.0.1; the real httpx client talks to a real HTTP server that plays
recorded-shape pages, a real .docx fiche and generated PDF fiches, and injected faults.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import RdfFormat, Triple, serialize
from rdflib.compare import isomorphic

sys.path.insert(0, str(Path(__file__).parent))
import odata_server as fake  # noqa: E402

from kgbuild.fetch import (  # noqa: E402
    USER_AGENT, apply_metadata, harvest, harvested_fiches, verify)
from kgbuild.harvested import parse_source, read_harvested  # noqa: E402
from kgbuild.parse import parse_file  # noqa: E402
from tests.helpers import kgbuild_measured  # noqa: E402

FAST = {"backoff": 0.001, "max_wait": 2.0, "retries": 2, "timeout": 5.0}
DOCX_BYTES = fake.DOCX.read_bytes()
EOM_PDF = fake.eom_fiche_pdf()


def small_fiche_pdf(title: str, com: str) -> bytes:
    return fake.typeset([
        ("title", f"Fiche 2: {title}"),
        ("heading", "1. Algemene gegevens"),
        ("body", "a) Titel voorstel"),
        ("body", title),
        ("body", "c) Nr. Commissiedocument"),
        ("body", com),
        ("heading", "2. Essentie voorstel"),
        ("body", "De Commissie stelt voor de regels te herzien.[^1]"),
    ], {"1": "Kamerstuk 22 112, nr. 1650."})


def populate(api: fake.FakeOData) -> None:
    """Three fiches (one .docx, two PDFs), a cover letter and a look-alike non-fiche."""
    api.add_document(fake._row(
        "a1", "2025D46581", "Fiche: Mededeling Apply AI-strategie", -1,
        content_type=fake.DOCX_TYPE, zaak=("2025Z19883",), datum="2025-11-14T00:00:00",
        changed="2025-11-14T17:45:00+01:00"), DOCX_BYTES)
    api.add_document(fake._row(
        "b2", "2013D40001", "Fiche 1: Verordening Europees Openbaar Ministerie", 1700,
        zaak=("2013Z20001",), datum="2013-10-17T00:00:00", changed="2019-05-01T10:00:00Z"),
        EOM_PDF)
    api.add_document(fake._row(
        "c3", "2013D40000", "Nieuwe Commissievoorstellen en initiatieven van de lidstaten", 1699,
        changed="2019-05-01T10:00:01Z"), b"%PDF-1.4 a cover letter")
    api.add_document(fake._row(
        "d4", "2013D40009", "Herziene planning BNC-fiches", 1702,
        changed="2019-05-01T10:00:02Z"), b"%PDF-1.4 a planning letter")
    api.add_document(fake._row(
        "e5", "2013D40002", "Fiche 2: Richtlijn betalingsdiensten", 1701, zaak=("2013Z20002",),
        changed="2019-05-01T10:00:03Z"),
        small_fiche_pdf("Richtlijn betalingsdiensten", "COM(2013) 547"))


@pytest.fixture
def api():
    with fake.FakeOData(page_size=2) as server:
        populate(server)
        yield server


def test_first_harvest_pages_through_and_caches_only_fiches(api, tmp_path):
    summary = harvest(tmp_path, base_url=api.base_url, **FAST)

    assert (summary.new, summary.failed, summary.complete) == (3, 0, True)
    assert len(api.listings()) == 2  # 4 matching rows, pages of 2: one @odata.nextLink
    assert sorted(api.downloads()) == ["a1", "b2", "e5"]  # not the planning letter d4
    assert {r["ua"] for r in api.requests} == {USER_AGENT}
    assert USER_AGENT.startswith("kgbuild/")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert sorted(manifest["documents"]) == ["a1", "b2", "e5"]
    entry = manifest["documents"]["b2"]
    assert entry["DocumentNummer"] == "2013D40001" and entry["Volgnummer"] == 1700
    assert entry["Zaak"] == ["2013Z20001"] and entry["Kamerstukdossier"] == ["22112"]
    assert entry["Datum"].startswith("2013-10-17") and entry["Verwijderd"] is False
    assert entry["GewijzigdOp"] == entry["ApiGewijzigdOp"] == "2019-05-01T10:00:00Z"
    assert entry["status"] == "ok" and entry["ContentType"] == "application/pdf"
    assert entry["fetched_at"].endswith("Z") and entry["size"] == len(EOM_PDF)
    assert entry["path"] == f"objects/sha256/{entry['sha256'][:2]}/{entry['sha256'][2:]}"
    assert (tmp_path / entry["path"]).read_bytes() == EOM_PDF
    assert manifest["high_water"] == "2025-11-14T16:45:00Z"
    assert verify(tmp_path) == []


def test_second_run_asks_only_for_changes_and_transfers_nothing(api, tmp_path):
    harvest(tmp_path, base_url=api.base_url, **FAST)
    before = len(api.downloads())
    objects = sorted(p for p in (tmp_path / "objects").rglob("*") if p.is_file())

    summary = harvest(tmp_path, base_url=api.base_url, **FAST)

    assert len(api.downloads()) == before
    assert (summary.new, summary.changed, summary.deleted, summary.failed) == (0, 0, 0, 0)
    assert summary.downloaded_bytes == 0
    last = api.listings()[-1]["query"]["$filter"]
    assert last.startswith("ApiGewijzigdOp ge 2025-11-14T16:45:00Z and ")
    assert sorted(p for p in (tmp_path / "objects").rglob("*") if p.is_file()) == objects


def test_since_limits_the_first_harvest(api, tmp_path):
    summary = harvest(tmp_path, base_url=api.base_url, since="2025-01-01", **FAST)
    first = api.listings()[0]["query"]["$filter"]
    assert first.startswith("ApiGewijzigdOp ge 2025-01-01T00:00:00Z")
    assert api.downloads() == ["a1"] and summary.new == 1


def test_downloads_run_in_parallel_but_bounded(api, tmp_path):
    api.download_delay = 0.3
    for n in range(6):
        api.add_document(fake._row(f"x{n}", f"2014D0000{n}", f"Fiche {n}: Besluit", 1800 + n),
                         small_fiche_pdf(f"Besluit {n}", f"COM(2014) {n + 1}"))
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=2, **FAST)
    assert summary.new == 9
    assert api.max_active == 2


def test_changed_and_deleted_documents(api, tmp_path):
    harvest(tmp_path, base_url=api.base_url, **FAST)
    new_pdf = small_fiche_pdf("Verordening Europees Openbaar Ministerie (herzien)",
                              "COM(2013) 534")
    api.change("b2", "2025-12-01T09:00:00Z", new_pdf)  # a new file
    api.change("a1", "2025-12-01T09:00:01Z", api_only=True,  # metadata only: no download
               Zaak=[{"Id": "z", "Nummer": "2025Z19883"}, {"Id": "y", "Nummer": "2025Z20000"}])
    api.delete("e5", "2025-12-01T09:00:02Z", blank=True)  # fields emptied, as deletions do
    before = len(api.downloads())

    summary = harvest(tmp_path, base_url=api.base_url, **FAST)

    assert api.downloads()[before:] == ["b2"]
    assert (summary.new, summary.changed, summary.deleted, summary.failed) == (0, 2, 1, 0)
    documents = json.loads((tmp_path / "manifest.json").read_text())["documents"]
    assert (tmp_path / documents["b2"]["path"]).read_bytes() == new_pdf
    assert documents["a1"]["Zaak"] == ["2025Z19883", "2025Z20000"]
    assert documents["e5"]["Verwijderd"] is True and documents["e5"]["status"] == "deleted"
    assert documents["e5"]["DocumentNummer"] == "2013D40002"  # kept from before the deletion
    assert sorted(f.entry["Id"] for f in harvested_fiches(tmp_path)) == ["a1", "b2"]
    assert verify(tmp_path) == []


def test_faults_are_retried_within_a_run(api, tmp_path):
    api.fault("list", 500)
    api.fault("list", (429, 1))  # Retry-After: 1 second
    api.fault("list", "malformed")
    api.fault("resource", 503)
    api.fault("resource", "drop")  # the connection closes halfway through the file
    started = time.monotonic()

    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1, **{**FAST, "retries": 4})

    assert time.monotonic() - started >= 0.9  # the Retry-After was honoured
    assert (summary.new, summary.failed, summary.complete) == (3, 0, True)
    assert not api.faults
    assert verify(tmp_path) == []


def test_retry_after_is_capped(api, tmp_path):
    api.fault("list", (429, 3600))
    started = time.monotonic()
    summary = harvest(tmp_path, base_url=api.base_url, **{**FAST, "max_wait": 0.2})
    assert time.monotonic() - started < 10
    assert summary.complete and summary.new == 3


def test_persistent_faults_leave_a_consistent_cache_and_a_rerun_completes(api, tmp_path):
    api.fault("resource", "drop", times=3)  # more than 1 + retries(2): one file fails
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1, **FAST)
    assert (summary.new, summary.failed) == (2, 1)
    documents = json.loads((tmp_path / "manifest.json").read_text())["documents"]
    failed = [d for d in documents.values() if d["status"] == "failed"]
    assert len(failed) == 1 and "after 3 attempts" in failed[0]["error"]
    assert "sha256" not in failed[0]
    assert verify(tmp_path) == [] and not any((tmp_path / "tmp").iterdir())

    api.fault("list", "malformed", times=3)  # the listing itself breaks down
    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert not summary.complete and "malformed JSON" in summary.errors[0]
    assert summary.new == 1  # the failed file was retried all the same
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["high_water"] == "2025-11-14T16:45:00Z"  # not moved by a broken listing

    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert summary.complete and summary.failed == 0
    assert all(d["status"] == "ok" for d in json.loads(
        (tmp_path / "manifest.json").read_text())["documents"].values())
    assert len(harvested_fiches(tmp_path)) == 3 and verify(tmp_path) == []


def test_rows_with_unusable_ids_are_skipped_and_reported(api, tmp_path):
    bad = fake._row("../x", "2013D40005", "Fiche 9: X", 1705, changed="2019-05-01T10:00:05Z")
    api.rows.extend([bad, dict(bad, Id=["x"])])
    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert summary.new == 3 and sorted(api.downloads()) == ["a1", "b2", "e5"]
    assert summary.errors == ["skipped a row with an unusable Id: '../x'",
                              "skipped a row with an unusable Id: ['x']"]


def test_a_next_link_to_another_host_is_not_followed(api, tmp_path):
    api.next_link_base = "http://127.0.0.2:9/OData/v4/2.0/"  # never contacted
    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert not summary.complete
    assert "the next page leaves" in summary.errors[0] and len(api.listings()) == 1
    assert json.loads((tmp_path / "manifest.json").read_text())["high_water"] is None


def _tk_only(args: tuple[str, ...]) -> list[str]:
    """These tests harvest the open data alone (``fetch`` and ``update`` default to both sources)."""
    return [args[0], "--source", "tk", *args[1:]] if args and args[0] in ("fetch", "update") else list(args)


def _run_cli(*args: str) -> subprocess.Popen:
    code = "from kgbuild.cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, *_tk_only(args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait_for_download(api: fake.FakeOData) -> None:
    deadline = time.monotonic() + 20
    while not api.downloads():
        assert time.monotonic() < deadline, "no download started"
        time.sleep(0.05)
    time.sleep(0.3)  # the half file is on its way to the temporary file


def test_killed_mid_download_then_rerun_completes(api, tmp_path):
    api.fault("resource", "stall")  # half the file, then silence
    proc = _run_cli("fetch", "--out", str(tmp_path), "--base-url", api.base_url,
                    "--concurrency", "1", "--backoff", "0.001")
    _wait_for_download(api)
    proc.kill()  # SIGKILL: no chance to tidy up
    proc.wait(10)
    manifest = json.loads((tmp_path / "manifest.json").read_text())  # whole, valid JSON
    assert all(d["status"] == "pending" for d in manifest["documents"].values())
    assert not [p for p in tmp_path.glob("objects/**/*") if p.is_file()]  # nothing stored yet

    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert (summary.new, summary.failed, summary.complete) == (3, 0, True)
    assert verify(tmp_path) == []  # the dead run's temporary download is gone


def test_interrupt_exits_130_and_keeps_the_cache_consistent(api, tmp_path):
    api.fault("resource", "stall")
    proc = _run_cli("fetch", "--out", str(tmp_path), "--base-url", api.base_url,
                    "--concurrency", "1", "--timeout", "1", "--backoff", "0.001")
    _wait_for_download(api)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "kgbuild: interrupted" and "Traceback" not in err
    assert verify(tmp_path) == []


def test_cli_fetch_prints_a_summary_and_exit_status(api, tmp_path):
    proc = _run_cli("fetch", "--out", str(tmp_path), "--base-url", api.base_url)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "kgbuild fetch: new 3, changed 0, unchanged 0, deleted 0, failed 0" in err

    api.fault("resource", 500, times=99)
    api.change("b2", "2026-01-01T00:00:00Z", b"%PDF-1.4 changed")
    proc = _run_cli("fetch", "--out", str(tmp_path), "--base-url", api.base_url,
                    "--retries", "1", "--backoff", "0.001")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and "failed 1" in err and "HTTP 500 after 2 attempts" in err


@pytest.mark.parametrize("args, message", [
    (["--base-url", "ftp://example.org/"], "ftp://example.org/: the base URL must be http(s)"),
    (["--since", "gisteren"], "gisteren: not a date or date-time (use YYYY-MM-DD)"),
])
def test_cli_fetch_bad_input_is_one_line(tmp_path, args, message):
    proc = _run_cli("fetch", "--out", str(tmp_path), *args)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert err.strip() == f"kgbuild: {message}"


def test_damaged_manifest_is_one_line_error(tmp_path):
    (tmp_path / "manifest.json").write_text("{not json")
    proc = _run_cli("fetch", "--out", str(tmp_path), "--base-url", "http://127.0.0.1:9/")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.count("\n") == 1
    assert err.startswith(f"kgbuild: {tmp_path / 'manifest.json'}: not valid JSON")


def test_metadata_is_merged_into_harvested_records(api, tmp_path):
    harvest(tmp_path, base_url=api.base_url, **FAST)
    by_id = {f.entry["Id"]: f for f in harvested_fiches(tmp_path)}

    eom = read_harvested(by_id["b2"])
    assert eom.title.startswith("Verordening tot instelling van het Europees Openbaar")
    assert (eom.tk_document_number, eom.zaak, eom.kamerstuk.key, eom.date_sent) == (
        "2013D40001", "2013Z20001", "22112-1700", "2013-10-17")
    assert not [w for w in eom.warnings if "send date" in w or "Kamerstuk number" in w]
    assert eom.source == f"{api.base_url}Document(b2)/resource"
    assert eom.source_format == "pdf"
    assert parse_source(by_id["b2"].path).kamerstuk.key == "22112-1700"


def _graph(record) -> rdflib.Graph:
    """The record's mapped triples, without the node that names the file read."""
    from kgbuild import mapping

    quads = mapping.map_record(record, built_at="2025-01-01T00:00:00Z")
    src = {q.object for q in quads if q.predicate.value.endswith("sourceFile")}
    triples = [Triple(q.subject, q.predicate, q.object) for q in quads
               if q.subject not in src and q.object not in src]
    graph = rdflib.Graph()
    graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
    return graph


def test_harvest_gives_the_graph_of_the_files_themselves(api, tmp_path):
    harvest(tmp_path, base_url=api.base_url, **FAST)
    by_id = {f.entry["Id"]: f for f in harvested_fiches(tmp_path)}
    (tmp_path / "files").mkdir()
    eom_file = tmp_path / "files" / "eom.pdf"
    eom_file.write_bytes(EOM_PDF)

    for doc_id, original in (("a1", fake.DOCX), ("b2", eom_file)):
        entry = by_id[doc_id].entry
        harvested = _graph(parse_source(by_id[doc_id].path))
        direct = _graph(apply_metadata(parse_file(original), entry))
        assert isomorphic(harvested, direct), doc_id
    # The open data adds what the .docx itself does not say: its Zaak.
    assert parse_file(fake.DOCX).zaak is None
    assert parse_source(by_id["a1"].path).zaak == "2025Z19883"


def _store_report(store: Path) -> dict:
    return json.loads((store / "report.json").read_text())


def test_build_reads_the_harvest_and_update_rebuilds_only_on_change(api, tmp_path):
    from pyoxigraph import Store

    out, store = tmp_path / "raw", tmp_path / "store"
    args = ["update", "--out", str(out), "--base-url", api.base_url, "--store", str(store),
            "--backoff", "0.001"]
    proc = _run_cli(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    report = _store_report(store)
    assert sorted(f["key"] for f in report["fiches"]) == [
        "com-2013-534", "com-2013-547", "com-2025-723"]
    assert report["failures"] == []
    db = Store.read_only(str(store / "oxigraph"))
    base = "https://w3id.org/bnc-fiches/"
    fiche, kamerstuk = f"{base}id/fiche/com-2013-534", f"{base}id/kamerstuk/22112-1700"
    ask = f"ASK {{ GRAPH ?g {{ <{fiche}> ?p <{kamerstuk}> }} }}"
    assert db.query(ask)  # the Kamerstuk number came from the open data (Volgnummer)
    del db

    proc = _run_cli(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0 and "the harvest did not change" in err
    assert _store_report(store)["build_dir"] == report["build_dir"]

    api.delete("e5", "2026-01-02T00:00:00Z")
    proc = _run_cli(*args)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "deleted 1" in err
    assert sorted(f["key"] for f in _store_report(store)["fiches"]) == [
        "com-2013-534", "com-2025-723"]


def _fiche_graphs(store: Path) -> dict[str, rdflib.Graph]:
    """Each fiche's named graph in a built store, without the build time and the file node."""
    from pyoxigraph import NamedNode, Store

    db = Store.read_only(str(store / "oxigraph"))
    out = {}
    for fiche in _store_report(store)["fiches"]:
        quads = list(db.quads_for_pattern(None, None, None, NamedNode(fiche["graph"])))
        src = {q.object for q in quads if q.predicate.value.endswith("sourceFile")}
        triples = [Triple(q.subject, q.predicate, q.object) for q in quads
                   if q.subject not in src and q.object not in src
                   and not q.predicate.value.endswith("generatedAtTime")]
        graph = rdflib.Graph()
        graph.parse(data=serialize(triples, format=RdfFormat.N_TRIPLES), format="nt")
        out[fiche["key"]] = graph
    return out


def test_a_build_from_the_harvest_equals_a_build_from_the_files(tmp_path):
    """With open data that adds nothing the files lack, both builds give the same graphs."""
    from kgbuild.build import build

    files = tmp_path / "files"
    files.mkdir()
    (files / "2025D46581.docx").write_bytes(DOCX_BYTES)
    (files / "2013D40001.pdf").write_bytes(EOM_PDF)
    with fake.FakeOData() as server:
        for doc_id, number, content, ctype in (
                ("a1", "2025D46581", DOCX_BYTES, fake.DOCX_TYPE),
                ("b2", "2013D40001", EOM_PDF, "application/pdf")):
            server.add_document(fake._row(doc_id, number, "Fiche: x", -1, zaak=(), datum=None,
                                          content_type=ctype), content)
        harvest(tmp_path / "raw", base_url=server.base_url, **FAST)

    build([tmp_path / "raw"], tmp_path / "from-harvest", jobs=1, progress=False)
    build([files], tmp_path / "from-files", jobs=1, progress=False)
    harvested, direct = (_fiche_graphs(tmp_path / "from-harvest"),
                         _fiche_graphs(tmp_path / "from-files"))
    assert sorted(harvested) == sorted(direct) == ["com-2013-534", "com-2025-723"]
    for key in harvested:
        assert len(harvested[key]) > 30 and isomorphic(harvested[key], direct[key]), key


# --- a misbehaving server: every harvest ends by itself, within its limits ------------------


def _cli_with_rusage(*args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """Run ``kgbuild`` in a child: (exit status, stderr, seconds, peak memory in MB)."""
    status, _, err, seconds, peak = kgbuild_measured(*_tk_only(args), timeout=timeout)
    return status, err, seconds, peak


def _documents(root: Path) -> dict:
    return json.loads((root / "manifest.json").read_text())["documents"]


def _rerun_completes(api: fake.FakeOData, root: Path, fiches: int = 3) -> None:
    summary = harvest(root, base_url=api.base_url, **FAST)
    assert summary.finished, summary.errors
    assert len(harvested_fiches(root)) == fiches and verify(root) == []


def test_a_trickling_download_is_cut_off_at_the_minimum_rate(api, tmp_path):
    api.fault("resource", ("trickle", (1, 0.05)))  # 20 bytes a second
    started = time.monotonic()
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1,
                      **{**FAST, "timeout": 0.5, "min_rate": 1000})
    assert time.monotonic() - started < 4
    assert (summary.new, summary.failed, summary.finished) == (2, 1, False)
    assert "slower than 1000 bytes/s" in summary.errors[0]
    failed = [d for d in _documents(tmp_path).values() if d["status"] == "failed"]
    assert len(failed) == 1 and "sha256" not in failed[0]
    assert verify(tmp_path) == [] and not any((tmp_path / "tmp").iterdir())
    _rerun_completes(api, tmp_path)


def test_a_slow_download_is_cut_off_at_the_file_deadline(api, tmp_path):
    api.fault("resource", ("trickle", (256, 0.05)))  # 5 kB/s: above the rate
    started = time.monotonic()
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1,
                      **{**FAST, "file_deadline": 0.4, "min_rate": 100})
    assert time.monotonic() - started < 5
    assert summary.failed == 1 and "took longer than 0.4 s" in summary.errors[0]
    assert verify(tmp_path) == []
    _rerun_completes(api, tmp_path)


def test_a_next_link_back_to_page_one_stops_the_listing(api, tmp_path):
    api.loop_back = True
    summary = harvest(tmp_path, base_url=api.base_url, **FAST)
    assert len(api.listings()) == 2  # pages 1 and 2, then the link back to page 1
    assert not summary.complete and not summary.finished
    assert "listing stopped: page 3 is page 1 again" in summary.errors[0]
    assert summary.new == 3  # what was listed is fetched all the same
    assert json.loads((tmp_path / "manifest.json").read_text())["high_water"] is None
    api.loop_back = False
    _rerun_completes(api, tmp_path)


def test_an_endless_listing_stops_at_the_page_limit(api, tmp_path):
    api.endless = True
    summary = harvest(tmp_path, base_url=api.base_url, **{**FAST, "max_pages": 5})
    assert len(api.listings()) == 5 and summary.pages == 5
    assert summary.errors == ["listing stopped: more than 5 pages"]
    assert not summary.finished and verify(tmp_path) == []
    api.endless = False
    _rerun_completes(api, tmp_path)


@pytest.mark.parametrize("kind", ["huge", "huge-declared"])
def test_a_huge_listing_page_is_refused_in_bounded_time_and_memory(api, tmp_path, kind):
    api.fault("list", (kind, 200 * 1024 * 1024))
    status, err, seconds, peak_mb = _cli_with_rusage(
        "fetch", "--out", str(tmp_path), "--base-url", api.base_url, "--backoff", "0.001")
    assert status == 1 and "Traceback" not in err
    assert "listing stopped:" in err and "larger than 16 MB" in err
    assert "partial: listing incomplete" in err
    assert seconds < 30 and peak_mb < 250, (seconds, peak_mb)
    assert verify(tmp_path) == []
    _rerun_completes(api, tmp_path)


def test_redirects_to_another_host_are_refused(api, tmp_path):
    with fake.FakeOData() as other:
        other.add_document(fake._row("z9", "2013D49999", "Fiche: Elders", 9), b"%PDF-1.4 elders")
        api.fault("list", ("redirect", other.base_url + "Document?$filter=startswith(Onderwerp,"
                                                        "'Fiche')"))
        summary = harvest(tmp_path, base_url=api.base_url, **FAST)
        assert not summary.complete and "redirected to another host" in summary.errors[0]
        assert summary.new == 0 and not other.requests

        api.fault("resource", ("redirect", other.base_url + "Document(z9)/resource"))
        status, err, _, _ = _cli_with_rusage("fetch", "--out", str(tmp_path), "--base-url",
                                             api.base_url, "--concurrency", "1")
        assert status == 1 and "failed 1" in err and "redirected to another host" in err
        assert not other.requests
    documents = _documents(tmp_path)
    assert sorted(documents) == ["a1", "b2", "e5"]  # none of the other host's rows
    assert b"elders" not in b"".join(p.read_bytes() for p in tmp_path.glob("objects/**/*")
                                     if p.is_file())
    assert verify(tmp_path) == []
    _rerun_completes(api, tmp_path)


def test_same_host_redirects_are_followed_a_few_times(api, tmp_path):
    target = api.base_url + "Document(b2)/resource"
    api.fault("resource", ("redirect", target), times=2)  # twice: followed
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1, **FAST)
    assert summary.finished and summary.new == 3

    api.change("b2", "2026-01-01T00:00:00Z", b"%PDF-1.4 changed")
    api.fault("resource", ("redirect", "/OData/v4/2.0/Document(b2)/resource"), times=10)
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1, **FAST)
    assert summary.failed == 1 and "more than 3 redirects" in summary.errors[0]


def test_max_time_stops_the_run_keeps_what_is_complete_and_says_what_is_left(api, tmp_path):
    api.download_delay = 0.6
    for n in range(4):
        api.add_document(fake._row(f"x{n}", f"2014D0000{n}", f"Fiche {n}: Besluit", 1800 + n),
                         small_fiche_pdf(f"Besluit {n}", f"COM(2014) {n + 1}"))
    status, err, seconds, _ = _cli_with_rusage(
        "fetch", "--out", str(tmp_path), "--base-url", api.base_url, "--concurrency", "1",
        "--max-time", "1.5")
    assert status == 1 and seconds < 10, err
    assert "partial:" in err and "files left (--max-time 1.5 s is up)" in err
    documents = _documents(tmp_path)
    done = [d for d in documents.values() if d["status"] == "ok"]
    assert 1 <= len(done) < 7
    assert {d["status"] for d in documents.values()} == {"ok", "pending"}
    assert verify(tmp_path) == []
    api.download_delay = 0
    _rerun_completes(api, tmp_path, fiches=7)


def test_max_time_ends_a_download_in_progress(api, tmp_path):
    api.fault("resource", ("trickle", (64, 0.05)))  # 1.3 kB/s: fast enough, but long
    started = time.monotonic()
    summary = harvest(tmp_path, base_url=api.base_url, concurrency=1,
                      **{**FAST, "min_rate": 10, "max_time": 1.0})
    assert time.monotonic() - started < 3
    assert summary.stopped == "--max-time 1 s is up" and summary.left >= 1
    assert summary.failed == 0 and verify(tmp_path) == []
    _rerun_completes(api, tmp_path)


def test_the_filter_finds_fiches_in_other_dossiers_in_every_casing(tmp_path):
    with fake.FakeOData(page_size=10) as api:
        def add(doc_id, subject, dossier=22112, soort="Brief regering"):
            api.add_document(fake._row(doc_id, f"2016D{doc_id}", subject, 2, dossier=dossier,
                                       soort=soort), b"%PDF-1.4 " + doc_id.encode())
        add("f1", "Fiche: Verordening A")
        add("f2", "fiche: Richtlijn B")  # lower case
        add("f3", "Herzien Fiche: Verordening C")
        add("f4", "Herziene fiche: Besluit D")
        add("f5", "Fiche: Mededeling E", dossier=34604)  # filed in another dossier
        add("f6", "Fiche 2: Verordening F", dossier=36365)
        add("n1", "Herziening van de werkwijze BNC-fiches")  # not a fiche
        add("n2", "Herziene planning BNC-fiches")
        add("n3", "Fiches over de Commissievoorstellen van mei", dossier=34604)
        add("n4", "Fiche: Verordening G", soort="Verslag")
        summary = harvest(tmp_path, base_url=api.base_url, **FAST)
        flt = api.listings()[0]["query"]["$filter"]
    assert summary.finished and "Herzien'" not in flt and "Kamerstukdossier" not in flt
    assert sorted(api.downloads()) == ["f1", "f2", "f3", "f4", "f5", "f6"]
    assert sorted(f.entry["Id"] for f in harvested_fiches(tmp_path)) == [
        "f1", "f2", "f3", "f4", "f5", "f6"]


def test_a_trickling_listing_page_stops_the_listing(api, tmp_path):
    api.fault("list", ("trickle", (4, 0.05)))  # 80 bytes a second
    started = time.monotonic()
    summary = harvest(tmp_path, base_url=api.base_url, **{**FAST, "timeout": 0.5,
                                                           "min_rate": 1000})
    assert time.monotonic() - started < 4
    assert not summary.complete and "slower than 1000 bytes/s" in summary.errors[0]
    assert summary.new == 0 and verify(tmp_path) == []
    _rerun_completes(api, tmp_path)
