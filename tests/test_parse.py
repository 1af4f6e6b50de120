"""The parser on real fiches (gold), constructed held-out fiches, every rendering and bad input."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tests.docxgen import make_fiche_docx
from kgbuild.errors import InputError
from kgbuild.parse import parse_file
from tests.scoring import f1, score
from tests.helpers import kgbuild

ROOT = Path(__file__).resolve().parent.parent
FICHES = ROOT / "data" / "fiches"
GOLD = ROOT / "tests" / "gold"
HELD_OUT = ROOT / "tests" / "fiches"


def total_f1(pairs) -> tuple[float, list[str]]:
    tp = fp = fn = 0
    misses = []
    for gold_path, source in pairs:
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        got = parse_file(source).to_json()
        counts = score(gold, got)
        if counts[1] or counts[2]:
            misses.append(f"{source.name}: {counts}")
        tp, fp, fn = tp + counts[0], fp + counts[1], fn + counts[2]
    return f1(tp, fp, fn), misses


# --- scores ----------------------------------------------------------------------------------------


def test_real_corpus_texts_and_docx_score_at_least_097():
    pairs = [(g, FICHES / f"{g.stem}.txt") for g in sorted(GOLD.glob("*.json"))]
    pairs += [(GOLD / f"{d.stem}.json", d) for d in sorted(FICHES.glob("*.docx"))]
    assert len(pairs) == 15
    value, misses = total_f1(pairs)
    assert value >= 0.97, misses


def test_real_corpus_texts_alone_score_at_least_097():
    value, misses = total_f1([(g, FICHES / f"{g.stem}.txt") for g in sorted(GOLD.glob("*.json"))])
    assert value >= 0.97, misses


def test_constructed_held_out_fiches_score_at_least_097():
    pairs = [(p, p.with_suffix(".txt")) for p in sorted(HELD_OUT.glob("*.json"))]
    assert len(pairs) >= 5
    value, misses = total_f1(pairs)
    assert value >= 0.97, misses


# --- template generations ------------------------------------------------------------------------


def test_pre_2007_template():
    rec = parse_file(HELD_OUT / "pre2007-letter.txt")
    assert rec.template == "pre-2007"
    assert rec.com_numbers == ["COM(2005) 438"]
    assert [a.key for a in rec.legal_basis] == ["TEC-95"]
    assert rec.ministries == ["Ministerie van Justitie", "Ministerie van Economische Zaken"]
    assert rec.date_sent == "2005-05-12" and rec.signatory == "Atzo Nicolaï"


def test_pre_2007_real_letter_says_there_is_no_com_number():
    rec = parse_file(FICHES / "fiche-2004-digitale-inhoud.txt")
    assert rec.template == "pre-2007"
    assert rec.com_numbers == []
    assert rec.title == "Besluit ter verbetering van de digitale inhoud in Nederland"


def test_lettered_2007_2024_template_legislative():
    rec = parse_file(HELD_OUT / "lettered-2021-wrapped.txt")
    assert (rec.template, rec.shape) == ("2007-2024", "legislative")
    assert rec.verdicts.proportionaliteit == "positief met kanttekeningen"
    assert "Batterijrichtlijn" in rec.sections["essence"]
    assert set(rec.sections) >= {"essence", "dutch_policy", "assessment", "balance_of_forces",
                                 "competence", "subsidiarity", "proportionality", "financial_consequences"}


def test_unlettered_2025_template_communication():
    rec = parse_file(FICHES / "2025D46581.txt")
    assert (rec.template, rec.shape) == ("2025+", "communication")
    assert rec.legal_basis == []  # a communication has no Rechtsbasis field
    assert rec.verdicts.to_json() == {"bevoegdheid": "positief", "subsidiariteit": "positief",
                                      "proportionaliteit": "positief"}
    assert rec.sections["balance_of_forces"].startswith("De meerderheid van de lidstaten")


def test_2013_samenvatting_template_in_a_one_line_transcript():
    rec = parse_file(FICHES / "fiche-2013-eom.txt")
    assert rec.impact_assessments == ["SWD(2013) 274"]
    assert rec.council_formation == "JBZ-Raad en bij gebreke van eenparigheid Europese Raad"
    assert [a.key for a in rec.legal_basis] == ["TFEU-86"]


# --- renderings ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, expected", [
    ("2020D39910.txt", {"kamerstuk": "2936", "zaak": "2020Z18465"}),  # open-data viewer header
    ("kst-22112-2958.txt", {"kamerstuk": "2958", "siblings": 8}),  # Tweede Kamer site, hard wraps
    ("kst-22112-2738.txt", {"kamerstuk": "2738", "siblings": 0}),  # officielebekendmakingen bullets
    ("2025D17740.txt", {"kamerstuk": "4031", "zaak": "2025Z07844"}),  # pandoc: every heading "1."
    ("kst-22112-3620.txt", {"kamerstuk": "3620", "siblings": 5}),  # mirror with "Kerngegevens"
    ("kst-22112-2627.txt", {"kamerstuk": "2627", "siblings": 10}),  # table header, no Fiche: line
])
def test_each_rendering(name, expected):
    rec = parse_file(FICHES / name)
    assert rec.kamerstuk.key == f"22112-{expected['kamerstuk']}"
    if "zaak" in expected:
        assert rec.zaak == expected["zaak"]
    if "siblings" in expected:
        assert len(rec.sibling_kamerstukken) == expected["siblings"]


def test_pandoc_footnotes_are_split_off_and_glued_numbers_resolved():
    rec = parse_file(FICHES / "2025D46581.txt")
    assert [f.id for f in rec.footnotes] == ["1", "2", "3", "4"]
    assert rec.footnotes[0].text == "Verordening (EU) 2024/1689"
    assert "AI-verordening is hierin essentieel" in rec.sections["essence"]
    where = {m.where for m in rec.mentions if m.kind == "cited_kamerstukken"}
    assert where == {"footnote:2", "footnote:3"}


def test_hard_wrapped_title_is_joined():
    rec = parse_file(FICHES / "kst-22112-2958.txt")
    assert rec.proposal_titles[0].endswith("(EU) 2018/1240 and (EU) 2019/817")


# --- .docx -----------------------------------------------------------------------------------------


def test_real_docx_numbering_footnotes_and_fields(tmp_path):
    rec = parse_file(FICHES / "2025D46581.docx")
    assert rec.source_format == "docx"
    assert rec.com_numbers == ["COM(2025) 723"] and rec.celex == ["52025DC0723"]
    assert rec.tk_document_number == "2025D46581"  # from the open-data file name
    mention = next(m for m in rec.mentions if m.value == "32024R1689")
    assert mention.where == "footnote:1"
    assert len(rec.cited_kamerstukken) == 9


LETTERED_DOCX = [
    ("title", "Fiche 4: Richtlijn energieprestatie van gebouwen"),
    ("heading0", "Algemene gegevens"),
    ("item1", "Titel voorstel"),
    ("para", "Voorstel voor een richtlijn van het Europees Parlement en de Raad betreffende de "
             "energieprestatie van gebouwen (herschikking)"),
    ("item1", "Datum ontvangst Commissiedocument"),
    ("para", "15 december 2021"),
    ("item1", "Nr. Commissiedocument"),
    ("para", "COM(2021) 802"),
    ("item1", "EUR-Lex"),
    ("para", "[EUR-Lex](https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:52021PC0802)"),
    ("item1", "Nr. impact assessment Commissie en Opinie Raad voor Regelgevingstoetsing"),
    ("para", "SWD(2021) 453, SWD(2021) 454 en SEC(2021) 430"),
    ("item1", "Behandelingstraject Raad"),
    ("para", "Energieraad"),
    ("item1", "Eerstverantwoordelijk ministerie"),
    ("para", "Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"),
    ("item1", "Rechtsbasis"),
    ("para", "Artikel 194, lid 2, VWEU"),
    ("heading0", "Essentie voorstel"),
    ("para", "Het voorstel herschikt Richtlijn 2010/31/EU[^1] en sluit aan bij het Klimaatakkoord[^2]."),
    ("heading0", "Nederlandse positie ten aanzien van het voorstel"),
    ("item1", "Essentie Nederlands beleid op dit terrein"),
    ("para", "Het kabinet wil de gebouwde omgeving in 2050 aardgasvrij maken."),
    ("heading0", "Grondhouding ten aanzien van bevoegdheid, subsidiariteit en proportionaliteit"),
    ("item1", "Bevoegdheid"),
    ("para", "Het kabinet heeft een positief oordeel over de bevoegdheid (artikel 4, lid 2, onder i, VWEU)."),
    ("item1", "Subsidiariteit"),
    ("para", "Het oordeel over de subsidiariteit is positief met een kanttekening."),
    ("item1", "Proportionaliteit"),
    ("para", "Het oordeel over de proportionaliteit is negatief."),
]


def test_constructed_lettered_docx_with_word_numbering(tmp_path):
    path = tmp_path / "energie.docx"
    make_fiche_docx(path, LETTERED_DOCX, footnotes={
        1: "Richtlijn 2010/31/EU van het Europees Parlement en de Raad",
        2: "Kamerstukken II 2018/19, 32 813, nr. 342"})
    rec = parse_file(path)
    assert rec.title == "Richtlijn energieprestatie van gebouwen"
    assert rec.date_received == "2021-12-15" and rec.celex == ["52021PC0802"]
    assert rec.impact_assessments == ["SWD(2021) 453", "SWD(2021) 454", "SEC(2021) 430"]
    assert rec.ministries == ["Ministerie van Binnenlandse Zaken en Koninkrijksrelaties"]
    assert [a.key for a in rec.legal_basis] == ["TFEU-194-2"]
    assert rec.verdicts.to_json() == {"bevoegdheid": "positief", "subsidiariteit": "positief met kanttekeningen",
                                      "proportionaliteit": "negatief"}
    assert [k.key for k in rec.cited_kamerstukken] == ["32813-342"]
    assert rec.cited_eu_acts == ["32010L0031"]
    assert {m.where for m in rec.mentions if m.kind == "cited_kamerstukken"} == {"footnote:2"}
    assert {a.key for a in rec.treaty_articles} == {"TFEU-4-2-i", "TFEU-194-2"}
    assert (rec.template, rec.shape) == ("2007-2024", "legislative")


def test_constructed_unnumbered_2025_docx(tmp_path):
    blocks = [(kind if kind in ("title", "para") else "para", text) for kind, text in LETTERED_DOCX]
    path = tmp_path / "2026D01234.docx"
    make_fiche_docx(path, blocks, numbered=False, footnotes={1: "Richtlijn 2010/31/EU", 2: "Kamerstuk 32 813, nr. 342"})
    rec = parse_file(path)
    assert rec.tk_document_number == "2026D01234"
    assert rec.com_numbers == ["COM(2021) 802"] and rec.council_formation == "Energieraad"
    assert rec.verdicts.proportionaliteit == "negatief"


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, reason", [
    ("empty.txt", b"", "empty file"),
    ("junk.bin", bytes(range(256)) * 20, "binary data"),
    ("letter.txt", "Brief regering\nHierbij bericht ik u dat het BNC-fiche over de verordening later "
                   "verschijnt.\nDe Minister van Buitenlandse Zaken,\nD.M. van Weel\n".encode(), "not a BNC-fiche"),
    ("cover.txt", "22 112 Nieuwe Commissievoorstellen\nNr. 4031 BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN\n"
                  "Overeenkomstig de bestaande afspraken ontvangt u hierbij 2 fiches (BNC).\n"
                  "Fiche: Verordening X (Kamerstuk 22 112, nr. 4029)\nFiche: Richtlijn Y (Kamerstuk 22 112, nr. 4030)\n"
                  "De minister van Buitenlandse Zaken,\nC.C.J. Veldkamp\n".encode(), "not a BNC-fiche"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason):
        parse_file(path)
    run = kgbuild("parse", str(path))
    assert run.returncode == 2
    assert run.stdout == ""
    assert len(run.stderr.strip().splitlines()) == 1 and str(path) in run.stderr and reason in run.stderr
    assert "Traceback" not in run.stderr


def test_zip_that_is_not_a_docx(tmp_path):
    path = tmp_path / "fiche.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    run = kgbuild("parse", str(path))
    assert run.returncode == 2 and "not a .docx" in run.stderr and "Traceback" not in run.stderr


def test_truncated_fiche_parses_what_is_there_and_warns(tmp_path):
    text = (FICHES / "2025D46581.txt").read_text(encoding="utf-8")
    path = tmp_path / "cut.txt"
    path.write_text(text[:text.index("Behandelingstraject Raad")], encoding="utf-8")
    run = kgbuild("parse", str(path))
    assert run.returncode == 0
    record = json.loads(run.stdout)
    assert record["com_numbers"] == ["COM(2025) 723"] and "council_formation" not in record
    assert "truncated" in run.stderr


def test_missing_file_and_other_files_still_parse(tmp_path):
    run = kgbuild("parse", str(tmp_path / "nope.txt"), str(FICHES / "kst-22112-2738.txt"))
    assert run.returncode == 2
    assert "nope.txt" in run.stderr and "Traceback" not in run.stderr
    records = json.loads(run.stdout)
    assert [r["kamerstuk"]["number"] for r in records] == ["2738"]


def test_text_format_is_readable():
    run = kgbuild("parse", "--format", "text", str(FICHES / "kst-22112-3458.txt"))
    assert run.returncode == 0
    assert "com_numbers: COM(2022) 197; COM(2022) 196" in run.stdout


# --- one fiche, rendered every way ------------------------------------------------------------------


def _wrapped(text: str, width: int) -> str:
    import textwrap

    return "\n".join(part for line in text.splitlines() for part in (textwrap.wrap(line, width) or [""]))


def _one_line(text: str) -> str:
    """A PDF transcript: the body run together on one line, the footnotes kept apart."""
    lines = text.splitlines()
    notes = [line for line in lines if "↩" in line]
    return " ".join(" ".join(l for l in lines if "↩" not in l).split()) + "\n" + "\n".join(notes)


RENDERINGS = {
    "wrapped at 90": lambda t: _wrapped(t, 90),
    "wrapped at 70": lambda t: _wrapped(t, 70),
    "one line": _one_line,
    "CRLF": lambda t: t.replace("\n", "\r\n"),
    "blank lines": lambda t: t.replace("\n", "\n\n"),
    "bullets": lambda t: "\n".join("  • " + line if line[:2] in ("a)", "b)", "c)") else line for line in t.splitlines()),
}


@pytest.mark.parametrize("rendering", RENDERINGS)
@pytest.mark.parametrize("source, gold", [
    (FICHES / "2025D46581.txt", GOLD / "2025D46581.json"),
    (HELD_OUT / "lettered-2021-wrapped.txt", HELD_OUT / "lettered-2021-wrapped.json"),
    (HELD_OUT / "bullets-2019-official.txt", HELD_OUT / "bullets-2019-official.json"),
])
def test_same_fiche_in_every_rendering(tmp_path, rendering, source, gold):
    path = tmp_path / "fiche.txt"
    path.write_text(RENDERINGS[rendering](source.read_text(encoding="utf-8")), encoding="utf-8")
    tp, fp, fn = score(json.loads(gold.read_text(encoding="utf-8")), parse_file(path).to_json())
    assert f1(tp, fp, fn) >= 0.97, (tp, fp, fn)


def test_windows_1252_text_is_read(tmp_path):
    path = tmp_path / "fiche.txt"
    path.write_bytes((FICHES / "kst-22112-3490.txt").read_text(encoding="utf-8").encode("cp1252", errors="replace"))
    rec = parse_file(path)
    assert rec.ministries == ["Ministerie van Economische Zaken en Klimaat", "Ministerie van Onderwijs, Cultuur en Wetenschap"]


def test_algemene_gegevens_as_a_table_in_a_docx(tmp_path):
    """Fiches of about 2008-2012 put the general data in a two-column Word table."""
    path = tmp_path / "tabel.docx"
    make_fiche_docx(path, [
        ("title", "Fiche 2: Richtlijn consumentenrechten"),
        ("heading0", "Algemene gegevens"),
        ("table", [["Titel voorstel", "Voorstel voor een richtlijn van het Europees Parlement en de Raad "
                                      "betreffende consumentenrechten"],
                   ["Datum Commissiedocument", "8 oktober 2008"],
                   ["Nr. Commissiedocument", "COM(2008) 614"],
                   ["Nr. impact-assessment Commissie en Opinie Impact-assessment Board", "SEC(2008) 2544"],
                   ["Behandelingstraject Raad", "Raad Concurrentievermogen"],
                   ["Eerstverantwoordelijk ministerie", "Ministerie van Economische Zaken"]]),
        ("heading0", "Samenvatting BNC-fiche"),
        ("para", "Subsidiariteit: positief. Proportionaliteit: negatief."),
    ])
    rec = parse_file(path)
    assert rec.proposal_titles == ["Voorstel voor een richtlijn van het Europees Parlement en de Raad "
                                   "betreffende consumentenrechten"]
    assert (rec.date_received, rec.com_numbers) == ("2008-10-08", ["COM(2008) 614"])
    assert rec.impact_assessments == ["SEC(2008) 2544"]
    assert rec.council_formation == "Raad Concurrentievermogen"
    assert rec.ministries == ["Ministerie van Economische Zaken"]
    assert rec.verdicts.to_json() == {"subsidiariteit": "positief", "proportionaliteit": "negatief"}


def test_letter_variants_titles_of_the_signer_and_siblings_without_parentheses():
    from kgbuild.parse import parse_document
    from kgbuild.readers.text import read_text

    rec = parse_document(read_text(
        "22 112 Nieuwe Commissievoorstellen\nNr. 3001 BRIEF VAN DE MINISTER VAN BUITENLANDSE ZAKEN\n"
        "Den Haag, 4 maart 2021\nOvereenkomstig de bestaande afspraken ontvangt u hierbij 2 fiches (BNC).\n"
        "Fiche: Verordening X, Kamerstuk 22 112, nr. 3000\nFiche: Richtlijn Y\n"
        "De Minister van Buitenlandse Zaken,\nmr. drs. A.B. de Vries\n"
        "1. Algemene gegevens\na) Titel voorstel\nVoorstel voor een richtlijn Y\n"
        "4. Grondhouding ten aanzien van bevoegdheid, subsidiariteit en proportionaliteit\n"
        "a) Bevoegdheid\nNederland acht de EU bevoegd op dit terrein.\n", "x.txt"))
    assert rec.signatory == "mr. drs. A.B. de Vries"
    assert [k.key for k in rec.sibling_kamerstukken] == ["22112-3000"]
    assert rec.title == "Richtlijn Y" and rec.kamerstuk.key == "22112-3001"
    assert rec.verdicts.bevoegdheid == "positief"


def test_text_ending_inside_the_cover_letter_keeps_what_the_letter_says():
    from kgbuild.parse import parse_document
    from kgbuild.readers.text import read_text

    text = (FICHES / "2020D39910.txt").read_text(encoding="utf-8")
    text = text[text.index("Tweede Kamer der Staten-Generaal |"):text.index("De Minister van Buitenlandse Zaken,")]
    rec = parse_document(read_text(text, "cut.txt"))
    assert rec.kamerstuk.key == "22112-2936" and rec.date_sent == "2020-10-09"
    assert [k.key for k in rec.sibling_kamerstukken] == ["22112-2937"]
    assert rec.title == "Mededeling Kritieke Grondstoffen"


@pytest.mark.parametrize("source", sorted(FICHES.glob("*.txt")) + sorted(HELD_OUT.glob("*.txt")), ids=lambda p: p.stem)
def test_cut_anywhere_a_fiche_parses_or_is_refused_in_one_line(source):
    """Truncated texts: every prefix gives a record or an InputError, never another exception."""
    from kgbuild.parse import parse_document
    from kgbuild.readers.text import read_text

    text = source.read_text(encoding="utf-8")
    records = 0
    for cut in range(40, len(text), max(37, len(text) // 40)):
        try:
            parse_document(read_text(text[:cut], f"{source.name}[:{cut}]"))
            records += 1
        except InputError as err:
            assert "not a BNC-fiche" in str(err) and "\n" not in str(err)
    assert records > 0


def test_docx_without_a_fiche_line_takes_its_title_from_the_document_properties(tmp_path):
    path = tmp_path / "zonder-titelregel.docx"
    blocks = [b for b in LETTERED_DOCX if b[0] != "title"]
    make_fiche_docx(path, blocks, footnotes={1: "Richtlijn 2010/31/EU", 2: "Kamerstuk 32 813, nr. 342"},
                    core_title="Fiche 4: Richtlijn energieprestatie van gebouwen")
    assert parse_file(path).title == "Richtlijn energieprestatie van gebouwen"
