"""The publisher's XML reader (kgbuild/readers/xml.py) on real sample publications and on the
real fiches typeset in the Kamerstuk vocabulary (tests/xmlgen.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from xmlgen import kamerstuk_xml, publication_part  # noqa: E402

from kgbuild.build import FACT_FIELDS  # noqa: E402
from kgbuild.errors import InputError  # noqa: E402
from kgbuild.parse import parse_document  # noqa: E402
from kgbuild.readers import detect_format, read_bytes, read_path  # noqa: E402
from kgbuild.readers.text import read_text  # noqa: E402
from kgbuild.readers.xml import read_metadata_record, read_xml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "officielebekendmakingen"
FICHES = sorted((ROOT / "data" / "fiches").glob("*.txt"))


def fiche_xml(path: Path) -> tuple[bytes, object]:
    """The fiche's text typeset as XML, and the record of that text (the paper itself, without
    the metadata header a website put before it). A fiche whose text names no Kamerstuk gets
    number 9999 in the XML's metadata."""
    doc = read_text(path.read_text(encoding="utf-8"), str(path))
    record = parse_document(publication_part(doc))
    number = record.kamerstuk.number if record.kamerstuk else "9999"
    return kamerstuk_xml(doc, identifier=f"kst-22112-{number}", dossier="22112", number=number), record


@pytest.mark.parametrize("path", FICHES, ids=lambda p: p.stem)
def test_the_xml_of_a_fiche_gives_the_facts_of_its_text(path):
    xml, from_text = fiche_xml(path)
    assert detect_format(xml) == "xml"
    doc = read_bytes(xml, path.stem + ".xml")
    assert doc.format == "xml"
    from_xml = parse_document(doc)
    a, b = from_text.to_json(), from_xml.to_json()
    for name in [*FACT_FIELDS, "verdicts", "footnotes"]:
        if name == "kamerstuk" and "kamerstuk" not in a:  # the publication's metadata names it
            assert b["kamerstuk"] == {"dossier": "22112", "number": "9999"}
            continue
        assert a.get(name) == b.get(name), name
    assert from_xml.source_format == "xml"


def test_footnotes_stand_where_they_are_cited_and_nootref_cites_again():
    xml = (b'<officiele-publicatie><kamerstuk><stuk><algemeen><vrije-tekst><tekst>'
           b'<al>De AI-verordening<noot id="n1" type="voet"><noot.nr>1</noot.nr>'
           b'<noot.al>Verordening (EU) 2024/1689.</noot.al><noot.al>PbEU L 2024/1689.</noot.al>'
           b'</noot> geldt.</al><al>Zie ook<nootref refid="n1"/> hierboven.</al>'
           b'</tekst></vrije-tekst></algemeen></stuk></kamerstuk></officiele-publicatie>')
    doc = read_xml(xml, "n.xml")
    assert [(b.text, b.footnotes) for b in doc.blocks] == [
        ("De AI-verordening geldt.", ["1"]), ("Zie ook hierboven.", ["1"])]
    assert [(f.id, f.text) for f in doc.footnotes] == [
        ("1", "Verordening (EU) 2024/1689. PbEU L 2024/1689.")]


def test_cover_letter_extrefs_are_links_and_siblings():
    path = ROOT / "data" / "fiches" / "kst-22112-3458.txt"
    xml, _ = fiche_xml(path)
    doc = read_bytes(xml, "kst-22112-3458.xml")
    links = [link for b in doc.blocks for link in b.links]
    assert "https://zoek.officielebekendmakingen.nl/kst-22112-3457" in links
    assert "https://zoek.officielebekendmakingen.nl/kst-22112-3459" in links
    record = parse_document(doc)
    assert [k.key for k in record.sibling_kamerstukken] == ["22112-3457", "22112-3459"]
    assert record.signatory == "W.B. Hoekstra"
    assert doc.metadata["identifier"] == "kst-22112-3458"
    assert (doc.metadata["dossier"], doc.metadata["number"]) == ("22112", "3458")


def test_real_staatsblad_lists_signature_and_processing_instructions():
    doc = read_path(SAMPLES / "publication-stb-2018-84.xml")
    items = [(b.label, b.text[:22]) for b in doc.blocks if b.kind == "list_item"]
    assert items == [("a.", "op de voorzijde, overe"), ("b.", "op de keerzijde, overe")]
    headings = [(b.label, b.text) for b in doc.blocks if b.kind == "heading"]
    assert headings == [("Artikel 1", ""), ("Artikel 2", ""), ("Artikel 3", "")]
    lines = doc.lines()
    assert "De Staatssecretaris van Financiën, M. Snel" in lines
    assert "De Minister van Justitie en Veiligheid, F.B.J. Grapperhaus" in lines
    assert not any("xpp" in line or "qa" == line for line in lines)
    assert doc.metadata == {}  # only an external metadata pointer


def test_real_staatscourant_tussenkop_joins_split_emphasis():
    doc = read_path(SAMPLES / "publication-stcrt.xml")
    assert [b.text for b in doc.blocks if b.kind == "heading"] == [
        "Ter inzage: omgevingsvergunning", "Bergen, 23 december 2015",
        "Burgemeester en wethouders van Bergen (NH)"]
    assert doc.blocks[1].text.startswith("•Vennewatersweg 29")


def test_processing_instruction_inside_a_word_and_a_cals_table():
    xml = (b'<officiele-publicatie><kamerstuk><stuk><algemeen><vrije-tekst><tekst>'
           b'<tussenkop>Subsidia<?xpp fc;1?>riteit</tussenkop>'
           b'<table><tgroup cols="2"><thead><row><entry><al>Jaar</al></entry><entry><al>Bedrag</al>'
           b'</entry></row></thead><tbody><row><entry><al>2026</al></entry><entry><al>'
           b'<nadruk type="vet">1,5</nadruk> mln</al></entry></row></tbody></tgroup></table>'
           b'</tekst></vrije-tekst></algemeen></stuk></kamerstuk></officiele-publicatie>')
    doc = read_xml(xml, "t.xml")
    assert doc.blocks[0].text == "Subsidiariteit"
    assert doc.blocks[1].kind == "table"
    assert doc.blocks[1].rows == [["Jaar", "Bedrag"], ["2026", "1,5 mln"]]


def test_metadata_records_real_and_kamerstuk_shaped():
    gmb = read_metadata_record((SAMPLES / "metadata-gmb-2024-216934.xml").read_bytes(), "m.xml")
    assert gmb["identifier"] == "gmb-2024-216934"
    assert gmb["official_title"].startswith("Kennisgeving melding")
    owms = read_metadata_record((SAMPLES / "metadata-owms-gmb-2024-216934.xml").read_bytes(), "o.xml")
    assert owms["identifier"] == "gmb-2024-216934"
    kst = read_metadata_record(
        b'<metadata_gegevens><metadata name="DC.identifier" content="kst-26643-640"/>'
        b'<metadata name="DC.type" scheme="OVERHEIDop.KamerstukTypen" content="Brief regering"/>'
        b'<metadata name="OVERHEIDop.dossiertitel" content="Informatie- en communicatietechnologie (ICT)"/>'
        b'<metadata name="OVERHEIDop.dossiernummer" content="26643;32761"/></metadata_gegevens>', "k.xml")
    assert kst == {"identifier": "kst-26643-640", "kind": "Brief regering", "dossier": "26643;32761",
                   "dossier_title": "Informatie- en communicatietechnologie (ICT)"}


@pytest.mark.parametrize("data, reason", [
    (b"<officiele-publicatie><kamerstuk>", "malformed XML"),
    (b'<?xml version="1.0"?><!DOCTYPE officiele-publicatie [<!ENTITY x "boom">]>'
     b"<officiele-publicatie><al>&x;</al></officiele-publicatie>", "entity"),
    (b'<?xml version="1.0"?><!DOCTYPE officiele-publicatie [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<officiele-publicatie><al>&x;</al></officiele-publicatie>", "entity"),
    (b"<metadata_gegevens><metadata name='DC.identifier' content='x'/></metadata_gegevens>",
     "not an official publication"),
    (b'<?xml version="1.0"?><!DOCTYPE officiele-publicatie [<!ENTITY a "aaaaaaaaaa">'
     + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(8))
     + b']><officiele-publicatie><al x="&i;">&i;</al></officiele-publicatie>', "entity"),
    (b"<officiele-publicatie>" + b"<al-groep>" * 300 + b"x" + b"</al-groep>" * 300
     + b"</officiele-publicatie>", ""),
])
def test_hostile_or_broken_xml_is_refused_in_one_line(data, reason):
    with pytest.raises(InputError) as err:
        read_bytes(data, "bad.xml")
    message = str(err.value)
    assert reason in message and "\n" not in message and "passwd" not in message.replace("file:///etc/passwd", "")
    assert "root:" not in message


@pytest.mark.parametrize("name, data, reason", [
    ("laughs.xml", b'<?xml version="1.0"?><!DOCTYPE officiele-publicatie [<!ENTITY a "aaaaaaaaaa">'
     + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(8))
     + b"]><officiele-publicatie><al>&i;</al></officiele-publicatie>", "entity declarations"),
    ("deep.xml", b"<officiele-publicatie>" + b"<al-groep>" * 100_000 + b"</officiele-publicatie>",
     "malformed XML"),
    ("letter.xml", b"<officiele-publicatie><kamerstuk><stuk><algemeen><vrije-tekst><tekst>"
     b"<al>Geen fiche.</al></tekst></vrije-tekst></algemeen></stuk></kamerstuk></officiele-publicatie>",
     "not a BNC-fiche"),
], ids=lambda v: v if isinstance(v, str) and v.endswith(".xml") else "")
def test_kgbuild_parse_refuses_hostile_or_non_fiche_xml_in_one_line(tmp_path, name, data, reason):
    from helpers import kgbuild

    path = tmp_path / name
    path.write_bytes(data)
    result = kgbuild("parse", str(path), timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"kgbuild parse: {path}: ") and reason in lines[0], lines


def test_kgbuild_parse_reads_a_fiche_xml(tmp_path):
    from helpers import kgbuild

    xml, record = fiche_xml(ROOT / "data" / "fiches" / "kst-22112-3458.txt")
    path = tmp_path / "publication"  # no suffix: the content decides
    path.write_bytes(xml)
    result = kgbuild("parse", str(path))
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["source_format"] == "xml" and out["kamerstuk"] == {"dossier": "22112", "number": "3458"}
    assert out["title"] == record.title
