"""Hostile files through ``kgbuild parse`` and ``kgbuild build``: bounded time and memory, one
clear line, exit status 2 (parse) or a skipped file named in report.json (build).

Every file is made by the test (``tests/hostile.py``): bombs are a few MB on disk and
gigabytes inflated; nothing is stored in the repository.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests import hostile
from tests.helpers import kgbuild_measured

ROOT = Path(__file__).resolve().parent.parent
FICHES = ROOT / "data" / "fiches"
W = hostile.W
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def run(*args: str, timeout: float = 120) -> tuple[int, str, str, float, float]:
    """``kgbuild ARGS``: (status, stdout, stderr, seconds, peak MB with its parser processes)."""
    return kgbuild_measured(*args, timeout=timeout)


def parse_fails(path: Path, *options: str, seconds: float = 30, peak_mb: float = 400) -> str:
    """``kgbuild parse path`` ends within ``seconds`` and ``peak_mb`` with exit status 2 and
    one line naming the file; returns that line's reason."""
    status, out, err, took, peak = run("parse", str(path), *options)
    assert status == 2, err
    assert "Traceback" not in err and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    prefix = f"kgbuild parse: {path}: "
    assert lines[0].startswith(prefix), lines[0]
    assert took < seconds and peak < peak_mb, (took, peak)
    return lines[0][len(prefix):]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- over a limit ---------------------------------------------------------------------------


def test_a_pdf_whose_root_refers_to_itself(tmp_path):
    path = write(tmp_path, "self.pdf", hostile.pdf_self_root())
    assert path.stat().st_size < 200
    assert parse_fails(path, seconds=10) == "corrupt PDF (object 1 refers back to itself)"


def test_a_reference_loop_the_checks_do_not_see_is_stopped_by_the_time_limit(tmp_path):
    # A comment inside the object: pdfminer follows the loop, the pre-check does not see it.
    data = hostile.pdf_self_root().replace(b"1 0 obj\n", b"1 0 obj\n%x\n")
    path = write(tmp_path, "self-hidden.pdf", data)
    assert parse_fails(path, "--max-seconds", "2", seconds=10) == "took longer than 2 s to read"


def test_a_pdf_flate_bomb_stops_at_the_memory_limit(tmp_path):
    path = hostile.pdf_flate_bomb(tmp_path / "bomb.pdf", inflated_mb=1500)
    assert path.stat().st_size < 2 * 1024 * 1024
    reason = parse_fails(path, "--max-memory-mb", "400", seconds=30, peak_mb=450)
    assert reason == "larger than 400 MB in memory when read"


@pytest.mark.parametrize("member, inflated_mb", [("word/document.xml", 2500),
                                                 ("word/footnotes.xml", 1000)])
def test_docx_zip_bombs_are_refused_before_inflating(tmp_path, member, inflated_mb):
    path = hostile.zip_bomb_docx(tmp_path / "bomb.docx", member, inflated_mb)
    assert path.stat().st_size < 3 * 1024 * 1024
    reason = parse_fails(path, seconds=10, peak_mb=200)
    assert reason == (f"larger than 256 MB uncompressed ({inflated_mb + 1:,} MB; {member}: "
                      f"{inflated_mb:,} MB)")


def test_a_zip_bomb_allowed_by_the_size_limit_stops_at_the_memory_limit(tmp_path):
    path = hostile.zip_bomb_docx(tmp_path / "bomb.docx", "word/footnotes.xml", 1000)
    reason = parse_fails(path, "--max-uncompressed-mb", "5000", "--max-memory-mb", "400",
                         seconds=30, peak_mb=450)
    assert reason == "larger than 400 MB in memory when read"


def test_a_list_starting_at_two_billion_costs_nothing(tmp_path):
    path = write(tmp_path, "start.docx", hostile.numbering_start("2000000000"))
    status, out, err, took, peak = run("parse", str(path))
    assert status == 0 and "Traceback" not in err
    assert took < 10 and peak < 200, (took, peak)
    assert json.loads(out)["title"] == "Verordening X"


def test_a_file_over_the_size_limit_is_not_read(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as out:  # sparse: 100 MB long, nothing on disk
        out.truncate(100 * 1024 * 1024)
    assert parse_fails(path, seconds=10, peak_mb=150) == "larger than 64 MB (100 MB)"
    assert parse_fails(path, "--max-file-mb", "1") == "larger than 1 MB (100 MB)"


def test_xml_nested_too_deeply(tmp_path):
    body = f'<w:document xmlns:w="{W}"><w:body>'.encode() + b"<w:sdt>" * 100_000
    path = write(tmp_path, "deep.docx", hostile.docx_with_part("word/document.xml", body))
    assert parse_fails(path).startswith("corrupt .docx: XML syntax error in word/document.xml")


# --- corrupt packages: what python-docx, zipfile and lxml raise, as one line ------------------


WRONG_PARTS = {
    "document root": ("word/document.xml", f'<w:foo xmlns:w="{W}"><w:body/></w:foo>',
                      "word/document.xml has the root element w:foo, not w:document"),
    "document namespace": ("word/document.xml", '<x:document xmlns:x="urn:x"><x:body/></x:document>',
                           "word/document.xml has the root element {urn:x}document, not w:document"),
    "styles root": ("word/styles.xml", f'<w:document xmlns:w="{W}"/>',
                    "word/styles.xml has the root element w:document, not w:styles"),
    "numbering namespace": ("word/numbering.xml", "<numbering/>",
                            "word/numbering.xml has the root element numbering, not w:numbering"),
    "footnotes root": ("word/footnotes.xml", f'<w:document xmlns:w="{W}"/>',
                       "word/footnotes.xml has the root element w:document, not w:footnotes"),
    "core properties root": ("docProps/core.xml", "<x/>", "docProps/core.xml has the root "
                             "element x, not {http://schemas.openxmlformats.org/package/2006/"
                             "metadata/core-properties}coreProperties"),
    "relationships root": ("_rels/.rels", "<x/>", "_rels/.rels has the root element x, not "
                           "{http://schemas.openxmlformats.org/package/2006/relationships}"
                           "Relationships"),
    "content types root": ("[Content_Types].xml", "<x/>", "[Content_Types].xml has the root "
                           "element x, not {http://schemas.openxmlformats.org/package/2006/"
                           "content-types}Types"),
}


@pytest.mark.parametrize("case", WRONG_PARTS, ids=list(WRONG_PARTS))
def test_a_part_with_the_wrong_root_element(tmp_path, case):
    name, xml, reason = WRONG_PARTS[case]
    path = write(tmp_path, "wrong.docx", hostile.docx_with_part(name, xml.encode()))
    assert parse_fails(path) == f"corrupt .docx: {reason}"


WRONG_TYPES = {
    "styles": ("word/styles.xml", "application/xml", f"{DOCX}.styles+xml"),
    "numbering": ("word/numbering.xml", "text/plain", f"{DOCX}.numbering+xml"),
    "footnotes": ("word/footnotes.xml", f"{DOCX}.styles+xml", f"{DOCX}.footnotes+xml"),
    "core properties": ("docProps/core.xml", "application/xml",
                        "application/vnd.openxmlformats-package.core-properties+xml"),
}


@pytest.mark.parametrize("case", WRONG_TYPES, ids=list(WRONG_TYPES))
def test_a_part_with_the_wrong_content_type(tmp_path, case):
    name, declared, expected = WRONG_TYPES[case]
    path = write(tmp_path, "type.docx", hostile.docx_with_content_type(name, declared))
    assert parse_fails(path) == (f"corrupt .docx: {name} has the content type {declared}, "
                                 f"not {expected}")


def test_a_main_part_of_another_kind(tmp_path):
    path = write(tmp_path, "sheet.docx", hostile.docx_with_content_type(
        "word/document.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml."
                             "sheet.main+xml"))
    assert parse_fails(path).startswith("not a Word document: its main part is ")


def _damaged_deflate() -> bytes:
    data = bytearray(hostile.docx_with_part("word/document.xml", hostile.part(
        "word/document.xml") + b"<!-- " + b"padding " * 500 + b"-->"))
    start = data.index(b"word/document.xml") + len("word/document.xml")
    data[start + 40:start + 80] = b"\x00" * 40
    return bytes(data)


CORRUPT = {
    "truncated zip (zipfile.BadZipFile)": (lambda: hostile.fiche_docx()[:3000],
                                           "corrupt .docx: not a readable zip archive"),
    "damaged deflate data (zlib.error)": (_damaged_deflate, "corrupt .docx: "),
    "broken XML (lxml.etree.XMLSyntaxError)": (
        lambda: hostile.docx_with_part("word/document.xml", b"<w:document"),
        "corrupt .docx: XML syntax error in word/document.xml"),
    "relationship to a missing part (KeyError)": (
        lambda: hostile.docx_with_part("word/_rels/document.xml.rels", hostile.part(
            "word/_rels/document.xml.rels").replace(b'Target="styles.xml"', b'Target="x.xml"')),
        "corrupt .docx: a part is missing"),
    "encrypted Word file (OLE)": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,
                                  "encrypted or legacy Word file (OLE compound document)"),
    "garbage PDF (pdfminer PDFSyntaxError)": (lambda: b"%PDF-1.4 garbage",
                                              "corrupt PDF (no /Root object)"),
    "PDF page tree that loops (pdfminer)": (hostile.pdf_pages_loop, "corrupt PDF (no pages)"),
    "zip that is not a .docx": (
        lambda: hostile.rewrite(hostile.fiche_docx(), "word/document.xml", None),
        "a zip archive that is not a .docx"),
}


@pytest.mark.parametrize("case", CORRUPT, ids=list(CORRUPT))
def test_corrupt_files_are_one_line(tmp_path, case):
    make, reason = CORRUPT[case]
    suffix = ".pdf" if "PDF" in case else ".docx"
    path = write(tmp_path, "corrupt" + suffix, make())
    assert parse_fails(path).startswith(reason)


def test_parse_goes_on_with_the_other_files_and_names_each_bad_one(tmp_path):
    bad = [write(tmp_path, "self.pdf", hostile.pdf_self_root()),
           hostile.zip_bomb_docx(tmp_path / "bomb.docx", "word/document.xml", 300)]
    status, out, err, _, _ = run("parse", str(bad[0]), str(FICHES / "2025D17740.txt"),
                                 str(bad[1]))
    assert status == 2 and "Traceback" not in err
    assert [r["title"] for r in json.loads(out)] == ["Voorstel Terugkeerverordening"]
    failures = [line for line in err.splitlines() if line.startswith("kgbuild parse: ")]
    assert [line.split(": ")[1] for line in failures] == [str(bad[0]), str(bad[1])]


# --- build: the others are built, the bad ones named ----------------------------------------


def test_a_build_with_hostile_files_builds_the_others_and_names_the_bad_ones(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(FICHES, src)
    bad = {
        "self.pdf": "corrupt PDF (object 1 refers back to itself)",
        "hidden-loop.pdf": "took longer than 3 s to read",
        "flate-bomb.pdf": "larger than 400 MB in memory when read",
        "zip-bomb.docx": "larger than 256 MB uncompressed",
        "wrong-root.docx": "corrupt .docx: word/styles.xml has the root element",
    }
    (src / "self.pdf").write_bytes(hostile.pdf_self_root())
    (src / "hidden-loop.pdf").write_bytes(
        hostile.pdf_self_root().replace(b"1 0 obj\n", b"1 0 obj\n%x\n"))
    hostile.pdf_flate_bomb(src / "flate-bomb.pdf", 1500)
    hostile.zip_bomb_docx(src / "zip-bomb.docx", "word/document.xml", 2500)
    (src / "wrong-root.docx").write_bytes(hostile.docx_with_part(
        "word/styles.xml", f'<w:document xmlns:w="{W}"/>'.encode()))
    store = tmp_path / "store"
    status, _, err, took, peak = run("build", str(src), "--store", str(store), "-j", "2",
                                     "--max-seconds", "3", "--max-memory-mb", "400",
                                     timeout=300)
    assert status == 1 and "Traceback" not in err, err
    assert peak < 600, peak
    report = json.loads((store / "report.json").read_text())
    reasons = {Path(f["source"]).name: f["reason"] for f in report["failures"]}
    assert set(reasons) == set(bad)
    for name, reason in bad.items():
        assert reason in reasons[name], (name, reasons[name])
        assert any(name in line and reason in line for line in err.splitlines()), name
    assert report["counts"]["fiches"] == 14  # every real fiche is built all the same


def test_a_rebuild_does_not_read_a_bad_file_again_unless_the_limits_change(tmp_path):
    src, store = tmp_path / "src", tmp_path / "store"
    src.mkdir()
    shutil.copy(FICHES / "2025D17740.txt", src)
    hostile.zip_bomb_docx(src / "bomb.docx", "word/document.xml", 300)
    (src / "loop.pdf").write_bytes(hostile.pdf_self_root().replace(b"1 0 obj\n", b"1 0 obj\n%x\n"))

    def build(*options: str) -> dict:
        status, _, err, _, _ = run("build", str(src), "--store", str(store), "-j", "1",
                                   "--max-seconds", "2", *options)
        assert status == 1, err
        report = json.loads((store / "report.json").read_text())
        return report

    first = build()
    assert first["records_reused"] == 0
    second = build()
    # the record and the bomb's refusal are reused; the loop ran into the clock: read again
    assert second["records_reused"] == 2
    assert {f["reason"] for f in second["failures"]} == {f["reason"] for f in first["failures"]}
    third = build("--max-uncompressed-mb", "1000", "--max-memory-mb", "300")
    assert third["records_reused"] == 1
    assert any(f["reason"].endswith("larger than 300 MB in memory when read")
               for f in third["failures"])
