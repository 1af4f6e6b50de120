"""The PDF reader, on PDFs laid out here the way word processors write them."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import odata_server as fake  # noqa: E402

from kgbuild.errors import InputError  # noqa: E402
from kgbuild.parse import parse_file  # noqa: E402
from kgbuild.readers import read_bytes  # noqa: E402
from kgbuild.readers.pdf import read_pdf  # noqa: E402

EOM = fake.eom_fiche_pdf()


@pytest.fixture(scope="module")
def eom():
    return read_pdf(EOM, "eom.pdf")


def test_blocks_come_in_reading_order_with_labels_and_headings(eom):
    assert eom.format == "pdf" and eom.source == "eom.pdf"
    lines = eom.lines()
    assert lines[:6] == [
        "Fiche 1: Verordening tot instelling van het Europees Openbaar Ministerie",
        "1. Algemene gegevens",
        "a) Titel voorstel",
        "Voorstel voor een verordening van de Raad tot instelling van het Europees Openbaar "
        "Ministerie",
        "b) Datum Commissiedocument",
        "17 juli 2013",
    ]
    kinds = [(b.kind, b.label, b.level) for b in eom.blocks[:3]]
    assert kinds == [("heading", "", 0), ("heading", "1.", 0), ("list_item", "a)", 1)]


def test_running_header_and_page_numbers_are_dropped(eom):
    assert len(list(_pages(EOM))) == 2
    text = "\n".join(eom.lines())
    assert "vergaderjaar" not in text
    assert not any(line.strip().isdigit() for line in eom.lines())


def test_a_paragraph_runs_on_across_the_page_break(eom):
    long = [b for b in eom.blocks if b.text.startswith("Met het voorstel wordt beoogd")]
    assert len(long) == 1
    assert long[0].text.count("te verbeteren.") == 30


def test_footnotes_and_their_references(eom):
    assert [(f.id, f.text) for f in eom.footnotes] == [
        ("1", "Kamerstukken II 2012/13, 22 112, nr. 1677."),
        ("2", "Kamerstuk 32 317, nr. 175; zie ook de brief van de minister van Veiligheid en "
              "Justitie over de toekomst van Eurojust en het EOM, die de Kamer eerder ontving."),
        ("3", "Verordening (EU) nr. 1303/2013 van het Europees Parlement en de Raad."),
    ]
    summary = next(b for b in eom.blocks if b.text.startswith("Het voorstel richt"))
    assert summary.footnotes == ["1", "2"]
    assert "te vervolgen. De Commissie" in summary.text  # the reference left the text
    last = eom.blocks[-1]
    assert last.footnotes == ["3"] and "onverlet. Een oppervlakte" in last.text


def test_footnote_continued_on_the_next_page_and_a_raised_digit_that_is_no_reference():
    pdf = fake.make_pdf([
        [(72, 760, 11, "Fiche 3: Verordening X"), (72, 740, 11, "Een zin met een voetnoot."),
         (200, 744, 6, "1"), (72, 726, 11, "Een ruimte van 20 m"), (173.6, 730, 6, "2"),
         (72, 60, 8, "1"), (80, 60, 8, "Het begin van een voetnoot die")],
        [(72, 760, 11, "Tweede bladzijde met EU-"), (72, 746, 11, "lidstaten."),
         (72, 70, 8, "doorloopt op de volgende bladzijde:"),
         (72, 60, 8, "2012/13, 22 112, nr. 1677.")],  # a number, but not the next footnote's
    ])
    doc = read_pdf(pdf, "x.pdf")
    assert [(f.id, f.text) for f in doc.footnotes] == [
        ("1", "Het begin van een voetnoot die doorloopt op de volgende bladzijde: "
              "2012/13, 22 112, nr. 1677.")]
    assert doc.blocks[1].footnotes == ["1"]
    assert doc.blocks[1].text == "Een zin met een voetnoot. Een ruimte van 20 m2"
    assert doc.lines()[-1] == "Tweede bladzijde met EU-lidstaten."


def test_small_numbered_lines_out_of_sequence_are_no_footnotes():
    pdf = fake.make_pdf([[
        (72, 760, 11, "Fiche 4: Besluit Y"), (72, 740, 11, "De tabel hieronder telt de zetels."),
        (72, 70, 8, "7 zetels voor de ene fractie"), (72, 60, 8, "12 zetels voor de andere")]])
    doc = read_pdf(pdf, "x.pdf")
    assert doc.footnotes == []
    assert doc.lines()[-2:] == ["7 zetels voor de ene fractie", "12 zetels voor de andere"]


def test_read_bytes_dispatches_pdfs_here_and_metadata_is_kept():
    doc = read_bytes(EOM, "eom.pdf")
    assert doc.format == "pdf" and doc.metadata == {"created": "2013-10-17"}


def test_a_pdf_fiche_parses_into_a_record(tmp_path):
    path = tmp_path / "fiche.pdf"
    path.write_bytes(EOM)
    record = parse_file(path)
    assert record.source_format == "pdf"
    assert record.title.startswith("Verordening tot instelling van het Europees Openbaar")
    assert "COM(2013) 534" in record.com_numbers
    assert [f.id for f in record.footnotes] == ["1", "2", "3"]


def test_a_pdf_without_text_is_reported_as_scanned():
    with pytest.raises(InputError) as err:
        read_pdf(fake.make_pdf([[]]), "scan.pdf")
    assert str(err.value) == "scan.pdf: PDF has no text layer (scanned?)"


def test_a_truncated_pdf_is_corrupt():
    with pytest.raises(InputError) as err:
        read_pdf(EOM[:300], "cut.pdf")
    assert str(err.value).startswith("cut.pdf: corrupt PDF (")
    assert "\n" not in str(err.value)


def test_an_encrypted_pdf_needs_a_password():
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(EOM)))
    writer.encrypt("geheim", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with pytest.raises(InputError) as err:
        read_pdf(out.getvalue(), "locked.pdf")
    assert str(err.value) == "locked.pdf: PDF is encrypted (a password is needed to read it)"


def test_cli_reports_a_pdf_that_is_no_fiche_on_one_line(tmp_path):
    letter = tmp_path / "brief.pdf"
    letter.write_bytes(fake.typeset([("body", "Hierbij ontvangt u de planning van de "
                                              "BNC-fiches voor het komende kwartaal.")], {}))
    fiche = tmp_path / "fiche.pdf"
    fiche.write_bytes(EOM)
    proc = subprocess.run([sys.executable, "-c", "from kgbuild.cli import main; main()",
                           "parse", str(letter), str(fiche)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 2
    errors = [line for line in proc.stderr.splitlines() if "warning" not in line]
    assert errors == [f"kgbuild parse: {letter}: not a BNC-fiche (no 'Fiche:' title, "
                      "'Algemene gegevens' or 'Titel voorstel' found)"]
    assert json.loads(proc.stdout)[0]["source_format"] == "pdf"


def _pages(data: bytes):
    from pdfminer.pdfpage import PDFPage

    return PDFPage.get_pages(io.BytesIO(data))


def _mutations(data: bytes, n: int, seed: int):
    """``n`` damaged copies of ``data``: bytes flipped, runs deleted, copied or cut off."""
    import random

    rng = random.Random(seed)
    for _ in range(n):
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(out))
            kind = rng.choice(("flip", "delete", "copy", "cut", "digits"))
            if kind == "flip":
                out[at] = rng.randrange(256)
            elif kind == "delete":
                del out[at:at + rng.randint(1, 64)]
            elif kind == "copy":
                out[at:at] = out[rng.randrange(len(out)):][:rng.randint(1, 64)]
            elif kind == "cut":
                del out[at:]
            else:  # a number in the file made huge or negative
                out[at:at] = rng.choice((b"99999999999", b"-1", b"0", b"1e308"))
            if not out:
                out = bytearray(b"%PDF-")
        yield bytes(out)


def test_damaged_pdfs_read_or_fail_in_one_line():
    """What pdfminer raises on a damaged file is caught by type (PDFMINER_ERRORS): every
    damaged copy of a real-shaped PDF reads, or fails with one InputError line."""
    outcomes = {"read": 0, "refused": 0}
    for data in _mutations(EOM, 300, seed=11):
        try:
            read_bytes(data, "m.pdf")
            outcomes["read"] += 1
        except InputError as err:
            assert str(err).startswith("m.pdf: ") and "\n" not in str(err)
            outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]  # both kinds of damage were met
