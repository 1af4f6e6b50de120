"""The .docx reader on the real fiche, on generated fiches and on broken files."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from kgbuild.errors import InputError
from kgbuild.readers import read_bytes, read_path
from kgbuild.readers.docx import _Numbering, _Styles, read_docx
from tests.docxgen import make_fiche_docx
from tests.hostile import rewrite

REAL = Path(__file__).resolve().parents[1] / "data" / "fiches" / "2025D46581.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def read_generated(blocks, footnotes=None, **options):
    return read_bytes(make_fiche_docx(None, blocks, footnotes, **options), "gen.docx")


def labelled(doc):
    """(label, text) of every list item and heading."""
    return [(b.label, b.text) for b in doc.blocks if b.kind in ("list_item", "heading")]


def block_with(doc, needle):
    return next(b for b in doc.blocks if needle in b.text)


# ------------------------------------------------------------------- the real fiche


@pytest.fixture(scope="module")
def real():
    return read_path(REAL)


def test_real_fiche_starts_with_its_title(real):
    assert real.format == "docx"
    assert real.blocks[0].text == "Fiche 1: Mededeling Apply AI-strategie"
    assert real.blocks[0].kind == "paragraph" and real.blocks[0].label == ""


def test_real_fiche_numbering_as_word_shows_it(real):
    general = block_with(real, "Algemene gegevens")
    assert (general.kind, general.level, general.label) == ("list_item", 0, "1.")
    title = block_with(real, "Titel voorstel")
    assert (title.kind, title.level, title.label) == ("list_item", 1, "a)")
    assert labelled(real)[:9] == [
        ("1.", "Algemene gegevens"), ("a)", "Titel voorstel"),
        ("b)", "Datum ontvangst Commissiedocument"), ("c)", "Nr. Commissiedocument"),
        ("d)", "EUR-Lex"), ("e)", "Nr. impact assessment Commissie en Opinie"),
        ("f)", "Behandelingstraject Raad"), ("g)", "Eerstverantwoordelijk ministerie"),
        ("2.", "Essentie voorstel"),
    ]


def test_real_fiche_letters_restart_under_each_section(real):
    labels = labelled(real)
    position = next(i for i, (_, text) in enumerate(labels) if text.startswith("Nederlandse"))
    assert labels[position][0] == "3."
    assert labels[position + 1] == ("a)", "Essentie Nederlands beleid op dit terrein")
    assert [label for label, text in labels if text == "Bevoegdheid"] == ["a)"]


def test_real_fiche_numbers_are_not_in_the_text(real):
    assert not any(re.match(r"[a-z1-9]\)|\d\.", b.text) for b in real.blocks)


def test_real_fiche_hyperlink_text_is_kept(real):
    link = block_with(real, "eur-lex.europa.eu")
    assert link.text == "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A52025DC0723"


def test_real_fiche_footnotes(real):
    assert [note.id for note in real.footnotes] == ["1", "2", "3", "4"]
    assert real.footnotes[0].text == "Verordening (EU) 2024/1689"
    assert "Kamerstuk 2022, 26 643, nr. 943" in real.footnotes[1].text
    cited = {n: b for b in real.blocks for n in b.footnotes}
    assert set(cited) == {"1", "2", "3", "4"}
    assert "De AI-verordening" in cited["1"].text
    assert cited["2"] is cited["3"]  # two footnotes cited in one paragraph
    assert "AI-verordening1" not in cited["1"].text  # the mark is not glued into the text


def test_real_fiche_hyperlink_targets(real):
    eurlex = next(b for b in real.blocks if b.text.startswith("https://eur-lex"))
    assert eurlex.links == ["https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A52025DC0723"]


def test_real_fiche_metadata(real):
    assert real.metadata == {"title": "Fiche 1: Mededeling Apply AI-strategie",
                             "created": "2025-11-14", "modified": "2025-11-14"}


# ---------------------------------------------------------------- generated fiches


def test_generated_copy_of_the_real_fiche_reads_the_same(real):
    """docxgen rebuilds the real fiche from what was read; reading it gives the same blocks."""
    blocks = []
    for block in real.blocks:
        marks = "".join(f"[^{n}]" for n in block.footnotes)
        kind = f"heading{block.level}" if block.kind == "list_item" else "para"
        text = f"[{block.text}]({block.links[0]})" if block.links else block.text
        blocks.append((kind, text + marks))
    notes = {note.id: note.text for note in real.footnotes}
    copy = read_generated(blocks, notes, core_title=real.metadata["title"],
                          created=dt.date(2025, 11, 14))
    assert copy.blocks == real.blocks
    assert copy.footnotes == real.footnotes and copy.metadata == real.metadata


def test_generated_multilevel_numbering_restarts_lower_levels():
    doc = read_generated([
        ("heading0", "Algemene gegevens"), ("item1", "Titel voorstel"),
        ("item2", "eerste"), ("item2", "tweede"), ("item1", "Datum"), ("item2", "weer eerste"),
        ("heading0", "Essentie voorstel"), ("item1", "Inhoud"), ("item2", "nogmaals"),
    ])
    assert [b.label for b in doc.blocks] == ["1.", "a)", "i.", "ii.", "b)", "i.", "2.", "a)",
                                              "i."]
    assert [b.level for b in doc.blocks] == [0, 1, 2, 2, 1, 2, 0, 1, 2]
    assert all(b.kind == "list_item" for b in doc.blocks)


def test_generated_outline_labels_show_every_level():
    doc = read_generated([
        ("item0", "Een", {"list": "outline"}), ("item1", "Een.een", {"list": "outline"}),
        ("item0", "Twee", {"list": "outline"}), ("item1", "Twee.een", {"list": "outline"}),
        ("item1", "Twee.twee", {"list": "outline"}),
    ])
    assert [b.label for b in doc.blocks] == ["1.", "1.1", "2.", "2.1", "2.2"]


def test_generated_start_override_and_restart():
    doc = read_generated([
        ("item1", "a"), ("item1", "b"),
        ("item1", "start at five", {"start": 5}), ("item1", "after it"),
        ("item1", "restarted", {"restart": True}),
        ("item0", "upper", {"list": "upper"}), ("item1", "roman", {"list": "upper"}),
        ("item1", "roman 2", {"list": "upper"}),
    ])
    assert [b.label for b in doc.blocks] == ["a)", "b)", "e)", "f)", "a)", "A.", "I.", "II."]


def test_typed_numbers_agree_with_word_numbering():
    """docxgen types labels by its own counting; the reader resolves Word's numbering."""
    blocks = [("heading0", "Een"), ("item1", "a"), ("item2", "i"), ("item2", "ii"),
              ("item1", "b", {"start": 4}), ("item2", "i weer"), ("heading0", "Twee"),
              ("item1", "a weer"), ("item0", "x", {"list": "outline"}),
              ("item1", "x.1", {"list": "outline"}), ("item1", "x.5", {"list": "outline", "start": 5}),
              ("item0", "y", {"list": "outline"}), ("item1", "y.1", {"list": "outline"})]
    word = read_generated(blocks)
    typed = read_generated(blocks, numbered="text")
    assert [b.line() for b in word.blocks] == [b.text for b in typed.blocks]
    assert [b.line() for b in word.blocks][4:6] == ["d) b", "i. i weer"]
    # a start override counts once: later restarts begin at the level's own start
    assert word.blocks[7].line() == "a) a weer"
    assert [b.line() for b in word.blocks][-3:] == ["1.5 x.5", "2. y", "2.1 y.1"]


def test_generated_bullets():
    doc = read_generated([("para", "Inzet:"), ("bullet", "eerste punt"),
                          ("bullet1", "subpunt"), ("bullet", "tweede punt")])
    assert [(b.kind, b.level, b.label) for b in doc.blocks] == [
        ("paragraph", 0, ""), ("list_item", 0, "•"), ("list_item", 1, "•"),
        ("list_item", 0, "•")]
    assert doc.blocks[1].text == "eerste punt"


def test_generated_numbering_through_paragraph_styles():
    blocks = [("heading0", "Algemene gegevens"), ("item1", "Titel voorstel"),
              ("item1", "Datum"), ("item1", "opnieuw", {"restart": True})]
    data = make_fiche_docx(None, blocks, numbered="style")
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "<w:ilvl" not in body  # the levels come from the styles only
    doc = read_bytes(data, "style.docx")
    assert [(b.label, b.level) for b in doc.blocks] == [("1.", 0), ("a)", 1), ("b)", 1),
                                                         ("a)", 1)]


def test_builtin_list_styles_of_python_docx_are_numbered():
    word = docx.Document()
    for text in ("een", "twee"):
        word.add_paragraph(text, style="List Number")
    word.add_paragraph("punt", style="List Bullet")
    out = io.BytesIO()
    word.save(out)
    doc = read_bytes(out.getvalue(), "builtin.docx")
    assert [(b.kind, b.label) for b in doc.blocks] == [("list_item", "1."), ("list_item", "2."),
                                                        ("list_item", "•")]


def test_generated_headings_with_and_without_numbers():
    doc = read_generated([
        ("h1", "Kop zonder nummer"), ("h2", "Tweede niveau"),
        ("h1", "Genummerd", {"list": "outline"}), ("h2", "Daaronder", {"list": "outline"}),
    ])
    assert [(b.kind, b.level, b.label) for b in doc.blocks] == [
        ("heading", 0, ""), ("heading", 1, ""), ("heading", 0, "1."), ("heading", 1, "1.1")]


def test_unnumbered_and_typed_numbers():
    blocks = [("heading0", "Algemene gegevens"), ("item1", "Titel voorstel")]
    plain = read_generated(blocks, numbered=False)
    assert [(b.kind, b.label, b.text) for b in plain.blocks] == [
        ("paragraph", "", "Algemene gegevens"), ("paragraph", "", "Titel voorstel")]
    typed = read_generated(blocks, numbered="text")
    assert [(b.label, b.text) for b in typed.blocks] == [("", "1. Algemene gegevens"),
                                                          ("", "a) Titel voorstel")]


def test_tables_stay_in_document_order():
    doc = read_generated([
        ("para", "voor de tabel"),
        ("table", [["Rechtsbasis", "artikel 114 VWEU"], ["Procedure", "QMV\nmedebeslissing"]]),
        ("para", "na de tabel"),
    ])
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph"]
    table = doc.blocks[1]
    assert table.rows == [["Rechtsbasis", "artikel 114 VWEU"], ["Procedure", "QMV\nmedebeslissing"]]
    assert table.text.splitlines()[0] == "Rechtsbasis | artikel 114 VWEU"
    assert doc.lines()[1] == "Rechtsbasis | artikel 114 VWEU"


def test_footnotes_in_body_and_table_cell():
    doc = read_generated(
        [("para", "De AI-verordening[^1] is essentieel."),
         ("table", [["Rechtsbasis", "artikel 114 VWEU[^2]"]]),
         ("para", "Zonder noot.")],
        {1: "Verordening (EU) 2024/1689", 2: "Kamerstuk 2022, 26 643, nr. 943\ntweede alinea"})
    assert [b.footnotes for b in doc.blocks] == [["1"], ["2"], []]
    assert doc.blocks[0].text == "De AI-verordening is essentieel."
    assert doc.blocks[1].rows == [["Rechtsbasis", "artikel 114 VWEU"]]
    assert [(n.id, n.text) for n in doc.footnotes] == [
        ("1", "Verordening (EU) 2024/1689"), ("2", "Kamerstuk 2022, 26 643, nr. 943 tweede alinea")]


def test_generated_footnotes_part_is_a_real_word_part():
    data = make_fiche_docx(None, [("para", "tekst[^1]")], {1: "noot"})
    archive = zipfile.ZipFile(io.BytesIO(data))
    types = archive.read("[Content_Types].xml").decode()
    assert 'PartName="/word/footnotes.xml"' in types and "footnotes+xml" in types
    rels = archive.read("word/_rels/document.xml.rels").decode()
    assert re.search(r'Type="[^"]+/relationships/footnotes" Target="footnotes.xml"', rels)


def test_hyperlink_text_is_part_of_the_paragraph():
    doc = read_generated([("para", "Zie [EUR-Lex](https://eur-lex.europa.eu/x) voor de tekst.")])
    assert doc.blocks[0].text == "Zie EUR-Lex voor de tekst."


def test_core_properties_become_metadata():
    doc = read_generated([("para", "x")], core_title="Fiche 2: Verordening",
                         created=dt.date(2024, 3, 5))
    assert doc.metadata == {"title": "Fiche 2: Verordening", "created": "2024-03-05",
                            "modified": "2024-03-05"}


def test_no_core_properties_means_no_invented_metadata():
    data = make_fiche_docx(None, [("para", "x")], core_title="weg")
    data = rewrite(data, "docProps/core.xml", None)
    rels = zipfile.ZipFile(io.BytesIO(data)).read("_rels/.rels")
    rels, count = re.subn(rb'<Relationship [^>]*Target="docProps/core.xml"/>', b"", rels)
    assert count == 1
    data = rewrite(data, "_rels/.rels", rels)
    assert read_bytes(data, "nocore.docx").metadata == {}


def test_text_in_content_controls_insertions_and_fields_is_kept_deleted_text_is_not():
    data = make_fiche_docx(None, [("para", "PLACEHOLDER")])
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    run = '<w:r><w:t xml:space="preserve">PLACEHOLDER</w:t></w:r>'
    assert run in body
    inline = ('<w:r><w:t xml:space="preserve">a </w:t></w:r>'
              '<w:ins w:id="1" w:author="x"><w:r><w:t xml:space="preserve">b </w:t></w:r></w:ins>'
              '<w:del w:id="2" w:author="x"><w:r><w:delText>weg </w:delText></w:r></w:del>'
              '<w:sdt><w:sdtContent><w:r><w:t xml:space="preserve">c </w:t></w:r></w:sdtContent>'
              '</w:sdt><w:fldSimple w:instr="PAGE"><w:r><w:t>d</w:t></w:r></w:fldSimple>')
    block_sdt = ('</w:p><w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>in control</w:t></w:r>'
                 '</w:p></w:sdtContent></w:sdt><w:p>')
    body = body.replace(run, inline + block_sdt + '<w:r><w:t>na</w:t></w:r>')
    doc = read_bytes(rewrite(data, "word/document.xml", body.encode()), "sdt.docx")
    assert [b.text for b in doc.blocks] == ["a b c d", "in control", "na"]


def test_custom_footnote_marks_and_text_boxes_stay_out_of_the_text():
    data = make_fiche_docx(None, [("para", "PLACEHOLDER")], {1: "noot"})
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    mc = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    box = "<w:txbxContent><w:p><w:r><w:t>in kader</w:t></w:r></w:p></w:txbxContent>"
    inline = ('<w:r><w:t xml:space="preserve">voor</w:t></w:r>'
              '<w:r><w:footnoteReference w:customMarkFollows="1" w:id="1"/><w:t>*</w:t></w:r>'
              f'<w:r><mc:AlternateContent xmlns:mc="{mc}"><mc:Choice Requires="wps"><w:drawing>'
              f'{box}</w:drawing></mc:Choice><mc:Fallback><w:pict>{box}</w:pict></mc:Fallback>'
              '</mc:AlternateContent></w:r><w:r><w:t xml:space="preserve"> na</w:t></w:r>')
    body = body.replace('<w:r><w:t xml:space="preserve">PLACEHOLDER</w:t></w:r>', inline)
    doc = read_bytes(rewrite(data, "word/document.xml", body.encode()), "box.docx")
    assert [(b.text, b.footnotes) for b in doc.blocks] == [("voor na", ["1"])]


def test_empty_numbered_paragraph_still_counts():
    doc = read_generated([("item1", "eerste"), ("item1", ""), ("item1", "derde")])
    assert [(b.label, b.text) for b in doc.blocks] == [("a)", "eerste"), ("c)", "derde")]


def test_numbering_levels_restart_isLgl_and_full_override():
    root = etree.fromstring(f"""<w:numbering xmlns:w="{W}">
      <w:abstractNum w:abstractNumId="1">
        <w:lvl w:ilvl="0"><w:start w:val="3"/><w:numFmt w:val="upperRoman"/>
          <w:lvlText w:val="%1."/></w:lvl>
        <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="decimal"/>
          <w:lvlRestart w:val="0"/><w:lvlText w:val="(%2)"/></w:lvl>
        <w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:isLgl/>
          <w:lvlText w:val="%1.%3"/></w:lvl>
      </w:abstractNum>
      <w:num w:numId="7"><w:abstractNumId w:val="1"/></w:num>
      <w:num w:numId="8"><w:abstractNumId w:val="1"/>
        <w:lvlOverride w:ilvl="0"><w:lvl w:ilvl="0"><w:start w:val="2"/>
          <w:numFmt w:val="upperLetter"/><w:lvlText w:val="%1)"/></w:lvl></w:lvlOverride>
      </w:num>
    </w:numbering>""")
    numbering = _Numbering(root, _Styles(etree.fromstring(f'<w:styles xmlns:w="{W}"/>')))
    seen = [numbering.next_label("7", lvl) for lvl in (0, 1, 1, 0, 1, 2)]
    assert seen == ["III.", "(1)", "(2)", "IV.", "(3)", "4.1"]  # level 1 never restarts
    assert [numbering.next_label("8", 0) for _ in range(2)] == ["B)", "C)"]
    assert numbering.next_label("7", 0) == "IV."  # list 8's numbers count for list 7 too
    assert numbering.next_label("99", 0) == ""  # an undefined list shows no label


def test_lists_sharing_a_definition_continue_each_other():
    root = etree.fromstring(f"""<w:numbering xmlns:w="{W}">
      <w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:start w:val="1"/>
        <w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl></w:abstractNum>
      <w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>
      <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
      <w:num w:numId="3"><w:abstractNumId w:val="1"/>
        <w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>
    </w:numbering>""")
    numbering = _Numbering(root, _Styles(etree.fromstring(f'<w:styles xmlns:w="{W}"/>')))
    labels = [numbering.next_label(num, 0) for num in ("1", "1", "2", "3", "3", "1")]
    assert labels == ["1.", "2.", "3.", "1.", "2.", "3."]


def test_odd_numbering_values_do_not_crash():
    data = make_fiche_docx(None, [("item1", "Titel voorstel")])
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    body = re.sub(rb'<w:ilvl w:val="1"/>', b'<w:ilvl w:val="x"/>', body)
    doc = read_bytes(rewrite(data, "word/document.xml", body), "odd.docx")
    assert doc.blocks[0].text == "Titel voorstel" and doc.blocks[0].kind == "list_item"


# ---------------------------------------------------------------------- bad input


def one_line_error(data: bytes, source: str, read=read_bytes) -> str:
    with pytest.raises(InputError) as caught:
        read(data, source)
    message = str(caught.value)
    assert message.startswith(f"{source}: ") and "\n" not in message
    return message


def test_empty_bytes():
    assert one_line_error(b"", "leeg.docx") == "leeg.docx: empty file"


def test_zip_that_is_not_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "geen Word")
    assert "not a .docx" in one_line_error(out.getvalue(), "archief.docx")
    assert "no word/document.xml" in one_line_error(out.getvalue(), "archief.docx", read_docx)


def test_truncated_docx():
    data = REAL.read_bytes()[:20000]
    one_line_error(data, "kapot.docx")
    assert "corrupt .docx" in one_line_error(data, "kapot.docx", read_docx)


def test_broken_document_xml():
    data = make_fiche_docx(None, [("para", "tekst")])
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    message = one_line_error(rewrite(data, "word/document.xml", body[: len(body) // 2]), "b.docx")
    assert "XML syntax error in word/document.xml" in message


def test_broken_footnotes_xml():
    data = make_fiche_docx(None, [("para", "tekst[^1]")], {1: "noot"})
    message = one_line_error(rewrite(data, "word/footnotes.xml", b"<w:footnotes"), "f.docx")
    assert "XML syntax error in word/footnotes.xml" in message


def test_missing_content_types_and_missing_parts():
    data = make_fiche_docx(None, [("para", "tekst")])
    assert "corrupt .docx" in one_line_error(rewrite(data, "[Content_Types].xml", None), "c.docx")
    assert "styles.xml" in one_line_error(rewrite(data, "word/styles.xml", None), "s.docx")


def test_document_xml_without_body():
    data = make_fiche_docx(None, [("para", "tekst")])
    no_body = f'<w:document xmlns:w="{W}"><w:p/></w:document>'.encode()
    assert "no w:body" in one_line_error(rewrite(data, "word/document.xml", no_body), "nb.docx")


def test_main_part_that_is_no_word_document():
    data = make_fiche_docx(None, [("para", "tekst")])
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    types = types.replace(b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml")
    message = one_line_error(rewrite(data, "[Content_Types].xml", types), "x.docx")
    assert message == ("x.docx: not a Word document: its main part is "
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")


def test_unparseable_core_dates_are_left_out():
    data = make_fiche_docx(None, [("para", "x")], core_title="T", created=dt.date(2024, 1, 2))
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
    core, count = re.subn(rb"2024-01-02T00:00:00Z", b"gisteren", core)
    assert count == 2
    assert read_bytes(rewrite(data, "docProps/core.xml", core), "d.docx").metadata == {"title": "T"}


def test_damaged_compressed_data():
    data = bytearray(make_fiche_docx(None, [("para", "tekst " * 200)]))
    start = data.index(b"word/document.xml") + len("word/document.xml")
    data[start + 40:start + 80] = b"\x00" * 40  # inside the deflated body
    assert "corrupt .docx" in one_line_error(bytes(data), "z.docx")


def test_encrypted_word_file_read_directly():
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    assert "encrypted or legacy" in one_line_error(data, "geheim.docx", read_docx)
    one_line_error(data, "geheim.docx")  # read_bytes: binary, neither .docx, PDF nor text


# ------------------------------------------------------------- the generator itself


def test_generator_writes_the_file_it_returns(tmp_path):
    target = tmp_path / "fiche.docx"
    data = make_fiche_docx(target, [("title", "Fiche 3: Richtlijn"), ("item1", "Titel voorstel")])
    assert target.read_bytes() == data
    doc = read_path(target)
    assert doc.source == str(target) and doc.blocks[1].label == "a)"


def test_generator_refuses_unknown_kinds_and_missing_footnotes():
    with pytest.raises(ValueError, match="footnotes cited but not given"):
        make_fiche_docx(None, [("para", "tekst[^2]")], {1: "noot"})
    with pytest.raises(ValueError, match="unknown block kind"):
        make_fiche_docx(None, [("kop", "tekst")])
    with pytest.raises(ValueError, match="numbered must be"):
        make_fiche_docx(None, [("para", "tekst")], numbered="soms")


def _damaged(data: bytes, rng) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(len(out))
        kind = rng.choice(("flip", "delete", "copy", "number"))
        if kind == "flip":
            out[at] = rng.randrange(32, 127)
        elif kind == "delete":
            del out[at:at + rng.randint(1, 40)]
        elif kind == "copy":
            out[at:at] = out[rng.randrange(len(out)):][:rng.randint(1, 80)]
        else:
            out[at:at] = rng.choice((b"99999999999", b"-1", b"0"))
    return bytes(out)


def test_damaged_packages_and_parts_read_or_fail_in_one_line():
    """What python-docx, zipfile and lxml raise on damaged input is caught by type: every
    damaged copy (the zip's bytes, or one XML part's text) reads, or fails in one line."""
    import random

    rng = random.Random(7)
    original = make_fiche_docx(None, [("title", "Fiche 1: X"), ("item1", "Titel voorstel"),
                                      ("para", "tekst[^1]"), ("table", [["a", "b"]])],
                               {1: "noot"}, core_title="T")
    parts = ["word/document.xml", "word/numbering.xml", "word/styles.xml",
             "word/footnotes.xml", "[Content_Types].xml", "word/_rels/document.xml.rels",
             "docProps/core.xml"]
    outcomes = {"read": 0, "refused": 0}
    for n in range(400):
        if n % 2:
            data = _damaged(original, rng)
        else:
            name = rng.choice(parts)
            part = zipfile.ZipFile(io.BytesIO(original)).read(name)
            data = rewrite(original, name, _damaged(part, rng))
        try:
            read_bytes(data, "m.docx")
            outcomes["read"] += 1
        except InputError as err:
            assert str(err).startswith("m.docx: ") and "\n" not in str(err)
            outcomes["refused"] += 1
    assert outcomes["read"] and outcomes["refused"]
