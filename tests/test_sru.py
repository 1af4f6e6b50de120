"""Harvesting officielebekendmakingen through SRU against a local server (tests/sru_server.py):
exactly the fiches are stored, the build gives them the facts of their text, a second run
transfers nothing, one fiche from both sources is one fiche, cited papers get their titles."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import odata_server as fake_tk  # noqa: E402
from helpers import ROOT, kgbuild, rows_of  # noqa: E402
from sru_server import FakeSRU, Paper, metadata_xml  # noqa: E402
from xmlgen import kamerstuk_xml, publication_part  # noqa: E402

from kgbuild.build import FACT_FIELDS, build, publication_identifier  # noqa: E402
from kgbuild.fetch import harvest as harvest_tk, harvested_fiches  # noqa: E402
from kgbuild.harvest import Cache, verify  # noqa: E402
from kgbuild.parse import parse_document, parse_file  # noqa: E402
from kgbuild.readers.text import read_text  # noqa: E402
from kgbuild.record import record_from_json  # noqa: E402
from kgbuild.report import harvest_report  # noqa: E402
from kgbuild.search import INDEX_DIR, search  # noqa: E402
from kgbuild.sru import cited_in_store, harvest_cited, harvest_fiches, is_fiche, read_response  # noqa: E402
from kgbuild.store import RECORDS, current, open_read_only  # noqa: E402
from kgbuild.validate import validate_store  # noqa: E402

FAST = {"backoff": 0.001, "max_wait": 1.0, "retries": 2, "timeout": 5.0}
FICHES = ROOT / "data" / "fiches"
DOSSIER_TITLE = "Nieuwe Commissievoorstellen en initiatieven van de lidstaten van de Europese Unie"
BASE = "https://w3id.org/bnc-fiches/"

# identifier, dossiers, number, text file: the fiches the server holds
SERVED_FICHES = [
    ("kst-22112-3458", ["22112"], "3458", "kst-22112-3458", "2022-06-07"),
    ("kst-22112-3490", ["22112"], "3490", "kst-22112-3490", "2022-09-13"),
    ("kst-22112-2738-n1", ["22112"], "2738", "kst-22112-2738", "2018-12-20"),  # only a reprint
    ("kst-36365-2", ["36365"], "2", "2026D04659", "2026-02-03"),  # filed in another dossier
    ("kst-22112-4150", ["22112"], "4150", "2025D46581", "2025-11-18"),
]


def fiche_paper(identifier, dossiers, number, stem, modified) -> Paper:
    text = (FICHES / f"{stem}.txt").read_text(encoding="utf-8")
    record = parse_file(FICHES / f"{stem}.txt")
    xml = kamerstuk_xml(read_text(text, stem), identifier=identifier, dossier=dossiers[0], number=number)
    return Paper(identifier, dossiers, number, f"{DOSSIER_TITLE}; Brief regering; Fiche: {record.title}",
                 modified=modified, issued=modified, xml=xml)


def populate(sru: FakeSRU) -> None:
    for row in SERVED_FICHES:
        sru.add(fiche_paper(*row))
    filler = kamerstuk_xml(read_text("Lijst van EU-voorstellen\nGeen fiche.\n", "x"),
                           identifier="kst-22112-3460", dossier="22112", number="3460")
    sru.add(Paper("kst-22112-3460", ["22112"], "3460",
                  f"{DOSSIER_TITLE}; Brief regering; Overzicht van de fiches van juni", xml=filler))
    sru.add(Paper("kst-22112-3458-b1", ["22112"], "3458",
                  f"{DOSSIER_TITLE}; Bijlage; Fiche: Mededeling gezondheidsgegevens",
                  types=["Bijlage"], xml=filler))
    sru.add(Paper("kst-22112-DM", ["22112"], "DM", f"{DOSSIER_TITLE}; Brief regering; Fiche: Richtlijn Y",
                  creator="Eerste Kamer der Staten-Generaal", xml=filler))
    sru.add(Paper("kst-21501-20-1999", ["21501-20"], "1999",
                  "Europese Raad; Motie; Motie van het lid Z over het fiche inzake de AI-verordening",
                  kind="Motie", xml=filler))
    # Papers the 2025 fiche cites: their metadata records (two of the nine; the rest unknown).
    for dossier, number, kind, title, dossier_title, submitter, issued in (
            ("26643", "640", "Brief regering", "Strategisch Actieplan voor Artificiële Intelligentie",
             "Informatie- en communicatietechnologie (ICT)", "M.C.G. Keijzer", "2019-10-08"),
            ("36259", "21", "Motie", "Motie van het lid Kathmann over AI",
             "Digitale zaken", "B.C. Kathmann", "2024-02-01")):
        paper = Paper(f"kst-{dossier}-{number}", [dossier], number,
                      f"{dossier_title}; {kind}; {title}", kind=kind, modified=issued, issued=issued)
        paper.metadata = metadata_xml(paper, document_title=title, dossier_title=dossier_title,
                                      submitter=submitter)
        sru.add(paper)


@pytest.fixture
def sru():
    with FakeSRU() as server:
        populate(server)
        yield server


def build_records(store: Path) -> list:
    with gzip.open(current(store) / RECORDS, "rt", encoding="utf-8") as lines:
        return [record_from_json(json.loads(line)["record"]) for line in lines]


def test_harvest_stores_exactly_the_fiches_and_the_build_gives_their_texts_facts(sru, tmp_path):
    summary = harvest_fiches(tmp_path, sru_url=sru.sru_url, page_size=2, **FAST)
    assert summary.finished, summary.errors
    documents = Cache(tmp_path / "officielebekendmakingen").load()["documents"]
    assert sorted(documents) == sorted(row[0] for row in SERVED_FICHES)
    assert all(d["status"] == "ok" for d in documents.values())
    assert sorted(Path(p).name for p in sru.downloads()) == sorted(f"{row[0]}.xml" for row in SERVED_FICHES)
    searches = sru.searches()
    assert len({s["query"] for s in searches}) == 2  # dossier 22112, then fiches filed elsewhere
    assert any(s["startRecord"] != "1" for s in searches)  # paged: pages of 2
    assert all(s["maximumRecords"] == "2" and s["recordSchema"] == "gzd" for s in searches)
    assert verify(tmp_path / "officielebekendmakingen") == []

    report = build([tmp_path], tmp_path / "store", progress=False, jobs=1)
    assert report.exit_status == 0 and report.counts["fiches"] == len(SERVED_FICHES)
    by_kamerstuk = {r.kamerstuk.key: r for r in build_records(tmp_path / "store")}
    for identifier, dossiers, number, stem, _ in SERVED_FICHES:
        text = (FICHES / f"{stem}.txt").read_text(encoding="utf-8")
        from_text = parse_document(publication_part(read_text(text, stem))).to_json()
        built = by_kamerstuk[_key(dossiers, number)]
        assert built.source_format == "xml"
        got = built.to_json()
        for name in [*FACT_FIELDS, "verdicts"]:
            if name not in from_text:
                continue
            assert got.get(name) == from_text[name], (identifier, name)
        assert built.kamerstuk.key == _key(dossiers, number)
    assert set(report.fiches[0]["origins"]) == {"officielebekendmakingen"}


def _key(dossiers: list[str], number: str) -> str:
    main = "22112" if "22112" in dossiers else dossiers[0]
    return f"{main}-{number}"


def test_second_run_transfers_nothing_and_a_changed_record_is_fetched_again(sru, tmp_path):
    harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    first = len(sru.downloads())
    again = harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    assert again.finished and again.new == again.changed == 0
    assert len(sru.downloads()) == first  # no file again
    assert all("dt.modified>=" in s["query"] for s in sru.searches()[-2:])  # incremental by date
    paper = next(p for p in sru.papers if p.identifier == "kst-22112-3490")
    paper.modified = "2026-12-01"
    paper.xml = paper.xml.replace(b"Innovatie", b"Innovatie ", 1)
    third = harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    assert third.changed == 1 and sru.downloads()[first:] == [
        "/frbr/officielepublicaties/kst/22112/kst-22112-3490/1/xml/kst-22112-3490.xml"]


def test_faults_diagnostics_and_errors_are_retried_or_reported(sru, tmp_path):
    sru.fault("sru", 503)
    sru.fault("sru", "diagnostic")
    sru.fault("file", 500)
    summary = harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    assert summary.finished, summary.errors
    sru.fault("sru", "diagnostic", times=10)
    stopped = harvest_fiches(tmp_path / "other", sru_url=sru.sru_url, **FAST)
    assert not stopped.complete
    assert any("SRU diagnostic" in e and "General system error" in e for e in stopped.errors)
    assert not (tmp_path / "other" / "officielebekendmakingen" / "manifest.json").exists() or \
        Cache(tmp_path / "other" / "officielebekendmakingen").load()["high_water"] is None


def test_one_fiche_from_both_sources_is_one_fiche_with_two_sources(sru, tmp_path):
    harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    with fake_tk.FakeOData(page_size=5) as tk:
        row = fake_tk._row(
            "a1", "2025D46581", "Fiche: Mededeling Apply AI-strategie", 4151,
            content_type=fake_tk.DOCX_TYPE, zaak=("2025Z19883",), datum="2025-11-14T00:00:00",
            changed="2025-11-14T17:45:00+01:00")
        row["DocumentVersie"] = [{"Versienummer": 1, "ExterneIdentifier": "kst-22112-4150"}]
        tk.add_document(row, fake_tk.DOCX.read_bytes())
        assert harvest_tk(tmp_path, base_url=tk.base_url, **FAST).finished
    [tk_file] = harvested_fiches(tmp_path)
    assert tk_file.entry["ExterneIdentifier"] == "kst-22112-4150"
    assert publication_identifier(tk_file.path) == "kst-22112-4150"
    report = build([tmp_path], tmp_path / "store", progress=False, jobs=1)
    [fiche] = [f for f in report.fiches if f["key"] == "com-2025-723"]
    assert len(fiche["sources"]) == 2 and fiche["origins"] == ["officielebekendmakingen", "tk"]
    assert fiche["chosen"] in [p for p in fiche["sources"] if report.sources[p]["resolved"]]
    chosen = next(r for r in build_records(tmp_path / "store") if r.source_format == "xml"
                  and r.kamerstuk and r.kamerstuk.key == "22112-4150")
    assert chosen.zaak is None  # the publication does not state the Zaak ...
    store = open_read_only(tmp_path / "store")
    graph = f"<{BASE}graph/fiche/com-2025-723>"
    zaak = [r["z"].value for r in store.query(
        f"SELECT ?z WHERE {{ GRAPH {graph} {{ ?f <{BASE}ontology#zaakNumber> ?z }} }}")]
    assert zaak == ["2025Z19883"]  # ... the open data does, and the fiche has it
    paths = {r["p"].value for r in store.query(
        f"SELECT ?p WHERE {{ GRAPH {graph} {{ ?g <{BASE}ontology#sourceFile>/<{BASE}ontology#sourcePath> ?p }} }}")}
    assert len(paths) == 2 and any("/officielebekendmakingen/objects/" in p for p in paths)
    # The open data's Volgnummer (4151) and the publisher's ondernummer (4150) differ: one
    # fiche still (the same COM number), the publisher's number mapped, the disagreement warned.
    assert any(w.startswith("sources disagree on kamerstuk: ") and "22112-4150" in w and "22112-4151" in w
               for w in fiche["warnings"]), fiche["warnings"]
    # The harvest report: what each source lists and what the build read, per year.
    years = {y["year"]: y for y in harvest_report(tmp_path / "store", tmp_path)["years"]}
    assert years["2025"]["listed"] == {"tk": 1, "officielebekendmakingen": 1}  # by their metadata
    assert years["2022"]["listed"] == {"tk": 0, "officielebekendmakingen": 2}
    assert years["2026"]["listed"] == {"tk": 0, "officielebekendmakingen": 1}
    # by the fiche's own date: the 2026 paper's text gives only its receipt date, in 2025
    assert years["2025"]["found"] == {"tk": 1, "officielebekendmakingen": 2, "file": 0}
    assert years["2025"]["fiches"] == 2


def test_cited_kamerstukken_get_title_kind_and_date_incrementally(sru, tmp_path):
    harvest_fiches(tmp_path, sru_url=sru.sru_url, **FAST)
    build([tmp_path], tmp_path / "store", progress=False, jobs=1)
    cited = cited_in_store(tmp_path / "store")
    assert "26643-640" in {k.key for k in cited} and len(cited) == 9
    summary = harvest_cited(tmp_path, cited, sru_url=sru.sru_url, **FAST)
    assert summary.finished and summary.new == 2, summary.errors
    fetched = len(sru.downloads())
    report = build([tmp_path], tmp_path / "store", progress=False, jobs=1)
    assert report.counts["kamerstuk_records"] == 2
    store = open_read_only(tmp_path / "store")
    rows = {(r["t"].value, r["k"].value, r["d"].value, r["dt"].value) for r in store.query(
        f"SELECT ?t ?k ?d ?dt WHERE {{ GRAPH <{BASE}graph/kamerstukken> {{ "
        f"<{BASE}id/kamerstuk/26643-640> <http://purl.org/dc/terms/title> ?t ; "
        "<http://purl.org/dc/terms/type> ?k ; <http://purl.org/dc/terms/issued> ?d ; "
        f"<{BASE}ontology#inDossier> ?dossier . ?dossier <http://purl.org/dc/terms/title> ?dt }} }}")}
    assert rows == {("Strategisch Actieplan voor Artificiële Intelligentie", "Brief regering",
                     "2019-10-08", "Informatie- en communicatietechnologie (ICT)")}
    result = validate_store(tmp_path / "store")  # the metadata graph keeps to the shapes
    assert result.conforms, result.report()
    # The catalogue query returns the cited paper's title.
    result = kgbuild("query", "fiches-citing-kamerstuk", "-p", "kamerstuk=26643-640",
                     "--format", "json", "--store", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    [row] = rows_of(result.stdout)
    assert row["kamerstukTitle"] == "Strategisch Actieplan voor Artificiële Intelligentie"
    assert row["kamerstukKind"] == "Brief regering"
    # The full-text search finds the fiche by the cited paper's title, quoted as a passage.
    [hit] = [h for h in search(tmp_path / "store" / INDEX_DIR, '"Strategisch Actieplan"')
             if h.anchor == "cited-kamerstukken"]
    assert "Strategisch Actieplan" in hit.snippet
    # Again: nothing changed, nothing is downloaded; a changed record is fetched again.
    again = harvest_cited(tmp_path, cited, sru_url=sru.sru_url, **FAST)
    assert again.finished and again.new == again.changed == 0 and len(sru.downloads()) == fetched
    assert "dt.modified>=" in sru.searches()[-1]["query"]
    motion = next(p for p in sru.papers if p.identifier == "kst-36259-21")
    motion.modified = "2026-12-01"
    motion.metadata = motion.metadata.replace(b"over AI", b"over AI-toezicht")
    third = harvest_cited(tmp_path, cited, sru_url=sru.sru_url, **FAST)
    assert third.changed == 1 and len(sru.downloads()) == fetched + 1


def test_fetch_command_with_both_sources(sru, tmp_path):
    with fake_tk.FakeOData(page_size=5) as tk:
        tk.add_document(fake_tk._row(
            "a1", "2025D46581", "Fiche: Mededeling Apply AI-strategie", 4150,
            content_type=fake_tk.DOCX_TYPE, zaak=("2025Z19883",), datum="2025-11-14T00:00:00",
            changed="2025-11-14T17:45:00+01:00"), fake_tk.DOCX.read_bytes())
        out = tmp_path / "raw"
        args = ["fetch", "--out", str(out), "--base-url", tk.base_url, "--sru-url", sru.sru_url,
                "--backoff", "0.001", "--store", str(tmp_path / "store")]
        result = kgbuild(*args)
        assert result.returncode == 0, result.stderr
        assert (out / "manifest.json").exists() and (out / "officielebekendmakingen" / "manifest.json").exists()
        only_tk = kgbuild("fetch", "--source", "tk", "--out", str(tmp_path / "tk"), "--base-url",
                          tk.base_url, "--sru-url", sru.sru_url, "--backoff", "0.001")
        assert only_tk.returncode == 0, only_tk.stderr
        assert not (tmp_path / "tk" / "officielebekendmakingen").exists()
    built = kgbuild("build", str(out), "--store", str(tmp_path / "store"), "-j", "1")
    assert built.returncode == 0, built.stderr
    # With a store to read the citations from, the next fetch takes the cited papers' records.
    cited = kgbuild("fetch", "--source", "officielebekendmakingen", "--out", str(out),
                    "--sru-url", sru.sru_url, "--backoff", "0.001", "--store", str(tmp_path / "store"))
    assert cited.returncode == 0, cited.stderr
    assert len(Cache(out / "kamerstukken").load()["documents"]) == 2
    bad = kgbuild("fetch", "--source", "officielebekendmakingen", "--out", str(out),
                  "--sru-url", "ftp://example.org/sru")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0


def test_update_builds_both_sources_and_the_cited_titles_in_one_run(sru, tmp_path):
    with fake_tk.FakeOData(page_size=5) as tk:
        tk.add_document(fake_tk._row(
            "a1", "2025D46581", "Fiche: Mededeling Apply AI-strategie", 4150,
            content_type=fake_tk.DOCX_TYPE, zaak=("2025Z19883",), datum="2025-11-14T00:00:00",
            changed="2025-11-14T17:45:00+01:00"), fake_tk.DOCX.read_bytes())
        args = ["update", "--out", str(tmp_path / "raw"), "--base-url", tk.base_url,
                "--sru-url", sru.sru_url, "--backoff", "0.001", "--store", str(tmp_path / "store")]
        first = kgbuild(*args)
        assert first.returncode == 0, first.stderr
        titles = open_read_only(tmp_path / "store").query(
            f"SELECT ?t WHERE {{ GRAPH <{BASE}graph/kamerstukken> {{ ?k <http://purl.org/dc/terms/title> ?t "
            f"FILTER(STRSTARTS(STR(?k), '{BASE}id/kamerstuk/')) }} }}")
        assert len(list(titles)) == 2  # the two cited papers the publisher has
        downloads = len(sru.downloads())
        second = kgbuild(*args)
        assert second.returncode == 0, second.stderr
        assert "did not change" in second.stderr and len(sru.downloads()) == downloads


def test_the_real_sru_record_is_read_with_its_fields_and_file_addresses():
    """The real record (namespaces stripped, as the sample is) inside a response."""
    record = (ROOT.parent / "shared" / "officielebekendmakingen" / "sru-record-gmb-2023-174296.xml").read_bytes()
    body = (b"<searchRetrieveResponse><version>2.0</version><numberOfRecords>641420</numberOfRecords>"
            b"<records>" + record + b"</records></searchRetrieveResponse>")
    [meta], total, diagnostics = read_response(body)
    assert (total, diagnostics) == (641420, [])
    assert meta["dcterms:identifier"] == "gmb-2023-174296"
    assert meta["dcterms:modified"] == "2023-04-20"
    assert meta["dcterms:creator"] == "Bergeijk"
    assert meta["overheidwetgeving:publicatienaam"] == "Gemeenteblad"
    assert meta["xml_url"] == ("https://repository.overheid.nl/frbr/officielepublicaties/gmb/2023/"
                               "gmb-2023-174296/1/xml/gmb-2023-174296.xml")
    assert meta["metadata_url"].endswith("/1/metadata/metadata.xml")
    assert meta["preferred_url"] == "https://zoek.officielebekendmakingen.nl/gmb-2023-174296.html"
    assert not is_fiche(meta)  # a Gemeenteblad is no Kamerstuk
