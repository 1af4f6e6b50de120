"""Parse a read fiche (``Document``) into a ``FicheRecord``.

The parser works on the document's lines, whatever the rendering: it finds the metadata
header a website may add, the cover letter (own Kamerstuk, send date, signatory, sibling
fiches), the "Algemene gegevens" fields, the sections and their verdicts, and every citation in
the body and the footnotes. It holds all three template generations (pre-2007 ``Titel:``,
2007–2024 lettered ``a) Titel voorstel``, 2025+ unlettered) and both shapes (legislative
proposal, communication). What it expected and did not find goes into ``record.warnings``.

>>> from kgbuild.readers.text import read_text
>>> rec = parse_document(read_text(
...     "Fiche: Mededeling X\\n1. Algemene gegevens\\na) Titel voorstel\\nMededeling over X\\n"
...     "b) Datum ontvangst Commissiedocument\\n8 oktober 2025\\nc) Nr. Commissiedocument\\n"
...     "COM(2025) 723\\n2. Essentie voorstel\\nDe mededeling.\\n", "x.txt"))
>>> rec.title, rec.date_received, rec.com_numbers, rec.legal_basis
('Mededeling X', '2025-10-08', ['COM(2025) 723'], [])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from . import __version__, identifiers as ids
from .document import Document
from .errors import InputError
from .readers import Limits, read_path
from .record import FicheRecord, Footnote, KamerstukRef, Mention, TreatyArticle, Verdicts

PARSER_VERSION = __version__

# --- vocabulary: field labels of "Algemene gegevens" and section headings -----------------------

FIELD_LABELS = [
    ("proposal_titles", r"Titel(?:\s+van\s+het)?(?:\s+voorstel(?:len)?)?"),
    ("date_received", r"Datum\s+(?:ontvangst\s+)?(?:Commissie|Raads)(?:document|voorstel)"),
    ("com_numbers", r"Nr\.?\s+(?:Commissie|Raads)(?:document|voorstel)(?:en)?"),
    ("eurlex", r"EUR-?\s?[Ll]ex|Prelex"),
    ("impact_assessments", r"Nr\.?\s+[Ii]mpact[\s-]+[Aa]ssessment[^:|\n]{0,120}?"
                           r"(?=\s*[:|]|\s*$|\s+(?:SWD|SEC|Niet|niet|Geen|geen|N\.?v\.?t)\b)"),
    ("council_formation", r"Behandelingstraject\s+(?:in\s+de\s+)?Raad"),
    ("ministries", r"Eerstverantwoordelijke?\s+[Mm]inisterie"),
    ("combined", r"Rechtsbasis,\s+besluitvormingsprocedure[^:\n]*"),
    ("legal_basis", r"Rechtsbasis(?:\s+van\s+het\s+voorstel)?"),
    ("procedure", r"Besluitvormingsprocedure\s+(?:in\s+de\s+)?Raad(?:\s+en\s+rol\s+Europees\s+Parlement)?"),
    ("ep_role", r"Rol\s+(?:van\s+het\s+)?Europees\s+Parlement"),
    ("comitology", r"Comitologie|Gedelegeerde\s+en/of\s+uitvoeringshandelingen|Toepassing\s+van\s+comitologie"
                   r"|Voorgestelde\s+comitologie|Gedelegeerde\s+en\s+uitvoeringshandelingen"),
]
SECTION_HEADINGS = [
    ("general", r"Algemene\s+gegevens"),
    ("essence", r"Essentie\s+(?:van\s+het\s+)?voorstel|Samenvatting\s+BNC-fiche|Korte\s+inhoud(?:\s+van\s+het)?\s+voorstel"),
    ("impact_assessment", r"Impact\s+[Aa]ssessment\s+Commissie"),
    ("position", r"Nederlandse\s+positie(?:\s+ten\s+aanzien\s+van\s+het\s+voorstel)?"),
    ("dutch_policy", r"Essentie\s+Nederlands\s+beleid(?:\s+op\s+dit\s+terrein)?"),
    ("assessment", r"Beoordeling\s*(?:\+|en)\s*inzet(?:\s+ten\s+aanzien\s+van\s+dit\s+voorstel)?"),
    ("balance_of_forces", r"Eerste\s+inschatting\s+(?:van\s+)?(?:het\s+)?krachtenveld"),
    ("grondhouding", r"(?:Grondhouding|Nederlandse\s+positie|Nederlandse\s+beoordeling|Beoordeling|Oordeel)"
                     r"(?:\s+(?:ten\s+aanzien\s+van|over|van|inzake))?\s+(?:de\s+)?bevoegdheid[^.\n]*"),
    ("subsidiarity_proportionality", r"Subsidiariteit\s+en\s+proportionaliteit"),
    ("competence", r"Bevoegdheid(?:svraag)?"),
    ("subsidiarity", r"Subsidiariteit(?:soordeel)?"),
    ("proportionality", r"Proportionaliteit(?:soordeel)?"),
    ("financial_consequences", r"Financi[eë]le\s+(?:gevolgen|consequenties|implicaties)[^.\n]*"),
    ("other", r"(?:Gevolgen|Implicaties|Consequenties)\s+(?:voor|van)\s+(?:regeldruk|de\s+regeldruk|ontwikkelingslanden|concurrentiekracht|administratieve\s+lasten)[^.\n]*"
              r"|Juridische\s+(?:consequenties|gevolgen)[^.\n]*|Implicaties\s+(?:juridisch|financieel)[^.\n]*"
              r"|Implementatie(?:\s+en\s+handhaving)?[^.\n]*|Implicaties\s+voor\s+uitvoering[^.\n]*"
              r"|Nederlandse\s+belangen\s+en\s+eerste\s+algemene\s+standpuntbepaling"),
]
_FIELD_RE = [(name, re.compile(rf"^(?:{pattern})(?:\s*[:|]\s*|\s+|$)(?P<value>.*)$", re.S)) for name, pattern in FIELD_LABELS]
_HEADING_RE = [(name, re.compile(rf"^(?:{pattern})(?:\s*:\s*(?P<value>.*)|\s+(?P<run_on>[A-Z].*)|\s*)$", re.S))
               for name, pattern in SECTION_HEADINGS]
_PHRASES = re.compile(  # where a run-together transcript line is cut: before a label or heading
    r"(?<=\s)(?=(?:\d\.\s+|[a-k]\)\s+)?(?:" + "|".join(p for _, p in FIELD_LABELS + SECTION_HEADINGS) +
    r"|Fiche(?:\s+\d+)?|De\s+(?:[Mm]inister|[Ss]taatssecretaris)\s+(?:van|voor)\s+[^,]{3,80},)"
    r"(?:\s*:|\s+(?:[A-Z0-9(]|http|[a-k]\))))")

_FICHE_TITLE = re.compile(r"^(?:.*?\b)?(?:Herzien(?:e)?\s+)?(?:BNC-)?[Ff]iche(?:\s+\d+)?\s*:\s*(?P<title>.+)$")
_SIGNATURE = re.compile(r"^De\s+(?:[Mm]inister|[Ss]taatssecretaris)\s+(?:van|voor)\s+[^,]{3,80},\s*(?P<name>.*)$")
_NAME = re.compile(r"^(?:(?:mr|dr|drs|ir|prof|ing)\.\s*)*[A-Z][A-Za-zÀ-ÿ.\-' ]{1,50}$")
_LETTER_START = re.compile(r"\bBRIEF\s+VAN\s+DE|\bBrief\s+van\s+de\s+(?:[Mm]inister|[Ss]taatssecretaris)|"
                           r"^Aan\s+de\s+Voorzitter\b")
_MONTHS = {m: i for i, m in enumerate(
    "januari februari maart april mei juni juli augustus september oktober november december".split(), 1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_DUTCH_DATE = re.compile(r"\b(\d{1,2})\s+(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+((?:19|20)\d\d)\b", re.I)
_NUMERIC_DATE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b|\b(\d{1,2})-(\d{1,2})-((?:19|20)\d\d)\b")

_MINISTRY_NAMES = [
    "Algemene Zaken", "Binnenlandse Zaken en Koninkrijksrelaties", "Buitenlandse Zaken", "Defensie",
    "Economische Zaken en Klimaat", "Economische Zaken, Landbouw en Innovatie", "Economische Zaken",
    "Financiën", "Infrastructuur en Waterstaat", "Infrastructuur en Milieu", "Verkeer en Waterstaat",
    "Justitie en Veiligheid", "Veiligheid en Justitie", "Justitie",
    "Landbouw, Natuur en Voedselkwaliteit", "Landbouw, Visserij, Voedselzekerheid en Natuur",
    "Onderwijs, Cultuur en Wetenschap", "Sociale Zaken en Werkgelegenheid",
    "Volksgezondheid, Welzijn en Sport", "Volkshuisvesting en Ruimtelijke Ordening",
    "Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer", "Klimaat en Groene Groei",
    "Asiel en Migratie", "Landbouw, Natuurbeheer en Visserij",
]
_MINISTRY_ABBREVIATIONS = {
    "AZ": "Algemene Zaken", "BZK": "Binnenlandse Zaken en Koninkrijksrelaties", "BZ": "Buitenlandse Zaken",
    "DEF": "Defensie", "EZK": "Economische Zaken en Klimaat", "EZ": "Economische Zaken", "FIN": "Financiën",
    "IENW": "Infrastructuur en Waterstaat", "IENM": "Infrastructuur en Milieu", "VENW": "Verkeer en Waterstaat",
    "JENV": "Justitie en Veiligheid", "VENJ": "Veiligheid en Justitie", "LNV": "Landbouw, Natuur en Voedselkwaliteit",
    "LVVN": "Landbouw, Visserij, Voedselzekerheid en Natuur", "OCW": "Onderwijs, Cultuur en Wetenschap",
    "OCENW": "Onderwijs, Cultuur en Wetenschap", "SZW": "Sociale Zaken en Werkgelegenheid",
    "VWS": "Volksgezondheid, Welzijn en Sport", "VROM": "Volkshuisvesting, Ruimtelijke Ordening en Milieubeheer",
    "KGG": "Klimaat en Groene Groei", "JUS": "Justitie", "AENM": "Asiel en Migratie", "ELI": "Economische Zaken, Landbouw en Innovatie",
}
_TITLE_START = re.compile(
    r"^(?:Voorstel|Proposal|Gewijzigd\s+voorstel|Amended\s+proposal|Mededeling|Communication|Gezamenlijke\s+mededeling|"
    r"Joint\s+[Cc]ommunication|Verslag|Report|Aanbeveling|Recommendation|Witboek|White\s+[Pp]aper|Groenboek|"
    r"Green\s+[Pp]aper|MEDEDELING|VOORSTEL|GEZAMENLIJKE|Actieplan|Action\s+[Pp]lan)\b")
_CONTINUES = re.compile(r"(?:,|\b(?:of|the|and|on|for|to|amending|repealing|establishing|van|de|het|een|en|tot|"
                        r"betreffende|inzake|voor|over|aan|met|in|op|wijziging|houdende|to|a|an))$", re.I)


@dataclass
class Unit:
    """One line of the document with where it came from."""

    text: str
    label: str = ""
    footnotes: list[str] = field(default_factory=list)
    cut: bool = False  # a piece of a run-together transcript line
    links: list[str] = field(default_factory=list)  # hyperlink targets


def parse_file(path: str | Path, limits: Limits | None = None) -> FicheRecord:
    """Read and parse one fiche file (.docx, .pdf or a text rendering).

    Raises ``InputError`` for unreadable input, a file over the size ``limits``
    (``kgbuild.readers.Limits``) or a document that is not a fiche. Time and memory are
    bounded only when called through ``kgbuild.sandbox`` (as ``kgbuild parse`` and ``build``
    do).
    """
    document = read_path(path, limits)
    record = parse_document(document)
    if record.tk_document_number is None:
        # Tweede Kamer open-data files are named by their document number.
        match = re.search(r"(?<![0-9A-Za-z])((?:19|20)\d\dD\d{5})(?![0-9])", Path(path).name)
        if match:
            record.tk_document_number = match.group(1)
    return record


def parse_document(doc: Document) -> FicheRecord:
    """Parse a read document into a record; ``InputError`` if it is no fiche."""
    units = _units(doc)
    if not _is_fiche(units):
        raise InputError(doc.source, "not a BNC-fiche (no 'Fiche:' title, 'Algemene gegevens' or 'Titel voorstel' found)")
    record = FicheRecord(source=doc.source, source_format=doc.format)
    record.footnotes = [Footnote(f.id, f.text) for f in doc.footnotes]
    letter_start, letter_end = _cover_letter(units)
    if letter_start is None:
        letter_start = letter_end = _body_start(units, 0)  # no letter: header, then the fiche
    header, body = units[:letter_start], units[letter_end:]

    _parse_header(record, header)
    letter_titles = _parse_letter(record, units[letter_start:letter_end]) if letter_end > letter_start else []
    body_parts = _structure(body)
    metadata_title = [doc.metadata["title"]] if doc.metadata.get("title") else []  # a .docx's own title
    record.title = _title(body_parts.titles + letter_titles, header + [Unit(t) for t in metadata_title])
    _parse_fields(record, body_parts.fields, general_complete=bool(body_parts.sections))
    sections = {key: [u.text for u in units] for key, units in body_parts.sections.items()}
    record.sections = {key: "\n\n".join(paras) for key, paras in sections.items()
                       if key in _SECTION_KEYS and paras}
    _parse_verdicts(record, sections)
    _parse_citations(record, body, body_parts, doc)
    _classify(record, body_parts.fields)
    if doc.format == "xml":
        _merge_publication_metadata(record, doc.metadata)
    _warn_missing(record, sections)
    return record


def _merge_publication_metadata(record: FicheRecord, metadata: dict[str, str]) -> None:
    """The publication's own metadata (``readers/xml.py``): its dossier and number name the
    paper (replacing the text's, with a warning when they differ); its letter date stands in
    for a send date the text does not give.

    >>> rec = FicheRecord(kamerstuk=KamerstukRef("22112", "3457"))
    >>> _merge_publication_metadata(rec, {"dossier": "22112;36000", "number": "3458", "date": "2022-06-03"})
    >>> rec.kamerstuk, rec.date_sent, rec.warnings
    (KamerstukRef(dossier='22112', number='3458', other_dossiers=('36000',)), '2022-06-03', ['publication metadata: kamerstuk 22112-3458 replaces 22112-3457 read from the text'])
    """
    dossiers = [d.strip() for d in metadata.get("dossier", "").split(";") if d.strip()]
    number = metadata.get("number", "").strip()
    if dossiers and re.fullmatch(r"\d{1,6}", number):
        main = "22112" if "22112" in dossiers else dossiers[0]
        ref = KamerstukRef(main, number, tuple(d for d in dossiers if d != main))
        if record.kamerstuk is not None and record.kamerstuk.key != ref.key:
            record.warnings.append(f"publication metadata: kamerstuk {ref.key} replaces "
                                   f"{record.kamerstuk.key} read from the text")
        record.kamerstuk = ref
    if record.date_sent is None and re.fullmatch(r"(?:19|20)\d\d-\d\d-\d\d", metadata.get("date", "")):
        record.date_sent = metadata["date"]


_SECTION_KEYS = ("essence", "dutch_policy", "assessment", "balance_of_forces", "competence",
                 "subsidiarity", "proportionality", "financial_consequences")


# --- units --------------------------------------------------------------------------------------


def _units(doc: Document) -> list[Unit]:
    units: list[Unit] = []
    for block in doc.blocks:
        if block.kind == "table" and block.rows:
            rows = [" | ".join(c for c in row if c) for row in block.rows if any(row)]
            units.extend(Unit(row, footnotes=block.footnotes if i == 0 else []) for i, row in enumerate(rows))
            continue
        text = " ".join(block.text.split())
        if not text:
            continue
        pieces = _resegment(text) if len(text) > 300 else [text]
        for i, piece in enumerate(pieces):
            label, piece = _split_label(piece) if i or not block.label else (block.label, piece)
            if re.fullmatch(r"\d{1,3}", piece):
                continue  # a page number of a PDF transcript
            units.append(Unit(piece, label, block.footnotes if i == 0 else [], cut=len(pieces) > 1,
                              links=block.links if i == 0 else []))
    return units


def _resegment(text: str) -> list[str]:
    """Split a run-together transcript line before each template label or heading it holds."""
    text = re.sub(r"\s[•·▪◦](?=\s|$)", " ", text)
    cuts = [m.start() for m in _PHRASES.finditer(text)]
    if len(cuts) < 2:
        return [text]
    bounds = [0, *cuts, len(text)]
    pieces: list[str] = []
    for piece in (text[a:b].strip() for a, b in zip(bounds, bounds[1:])):
        if pieces and re.fullmatch(r"\d{1,2}\.|[a-k]\)", pieces[-1]):
            pieces[-1] = f"{pieces[-1]} {piece}"  # a label cut off from its heading
        elif piece:
            pieces.append(piece)
    return pieces


def _split_label(text: str) -> tuple[str, str]:
    match = re.match(r"^(\d{1,2}\.|[a-k]\))\s+(?=\S)", text)
    return (match.group(1), text[match.end():]) if match else ("", text)


def _is_fiche(units: list[Unit]) -> bool:
    texts = [u.text for u in units]
    has_general = any(_match_heading(t) == ("general", None) or _match_field(t) for t in texts)
    has_title = any(re.match(r"^(?:Herzien(?:e)?\s+)?Fiche(?:\s+\d+)?\s*:", t) and "(Kamerstuk" not in t for t in texts)
    return has_general or (has_title and any("Commissievoorstel" in t or "BNC" in t for t in texts))


def _match_field(text: str):
    for name, pattern in _FIELD_RE:
        match = pattern.match(text)
        if match:
            return name, match.group("value").strip()
    return None


def _match_heading(text: str, run_on: bool = False):
    """``(section, text after the heading or None)`` when ``text`` starts with a heading.

    Only in a cut-up transcript line (``run_on``) does a heading run on into its first
    sentence without a colon (``Bevoegdheid Het …``).
    """
    for name, pattern in _HEADING_RE:
        match = pattern.match(text)
        if not match or (match.group("run_on") is not None and not run_on):
            continue
        value = match.group("value") or match.group("run_on")
        if value is None and len(text) > 220:
            continue
        return name, (value or "").strip() or None
    return None


# --- header (website metadata) and cover letter -------------------------------------------------


def _cover_letter(units: list[Unit]) -> tuple[int | None, int | None]:
    """Indexes of the cover letter: from its heading to just after its signature."""
    start = next((i for i, u in enumerate(units)
                  if ("rief" in u.text or "RIEF" in u.text or "Aan" in u.text) and _LETTER_START.search(u.text)), None)
    if start is None:
        start = next((i for i, u in enumerate(units) if u.text.startswith("Overeenkomstig de bestaande afspraken")), None)
    if start is None:
        return None, None
    while start > 0 and re.match(r"^(?:Nr\.\s*\d+|22\s?112\b|Tweede Kamer der Staten-Generaal|Vergaderjaar)", units[start - 1].text):
        start -= 1
    for i in range(start, min(len(units), start + 80)):
        match = _SIGNATURE.match(units[i].text)
        if match:
            end = i + 1
            if not match.group("name").strip() and end < len(units) and _NAME.match(units[end].text):
                end += 1
            return start, end
    end = _body_start(units, start)
    return start, end if end > start else len(units)  # the text ends inside the letter


def _body_start(units: list[Unit], after: int) -> int:
    """The first unit of the fiche proper: its ``Fiche:`` title or its first field."""
    for i in range(after, len(units)):
        text = units[i].text
        if _match_heading(text) == ("general", None) or _match_field(text):
            j = i
            while j > after and not _FICHE_TITLE.match(units[j - 1].text) and i - j < 2:
                j -= 1
            return j - 1 if j > after and _FICHE_TITLE.match(units[j - 1].text) else i
    return after


def _parse_header(record: FicheRecord, header: list[Unit]) -> None:
    """What a website's metadata header says: document and zaak numbers, Kamerstuk, date, signer."""
    text = "\n".join(u.text for u in header)
    if m := re.search(r"\b((?:19|20)\d\dD\d{5})\b", text):
        record.tk_document_number = m.group(1)
    if m := re.search(r"\b((?:19|20)\d\dZ\d{5})\b", text):
        record.zaak = m.group(1)
    if m := re.search(r"kst-22112-(\d+)|kamerstukdossier\s+22\s?112\s*-\s*(\d+)|Reference\s+22\s?112,\s*nr\.\s*(\d+)"
                      r"|\b22\s?112\s+nr\.\s*(\d+)|onder\s+nr\.\s*(\d+)\s+toegevoegd\s+aan\s+dossier\s+22\s?112", text):
        record.kamerstuk = KamerstukRef("22112", next(g for g in m.groups() if g))
    if m := re.search(r"\bdatum:\s*((?:19|20)\d\d-\d\d-\d\d)|Document date\s+(\d\d-\d\d-(?:19|20)\d\d)", text):
        record.date_sent = _iso_date(m.group(1) or m.group(2))
    if m := re.search(r"ondertekenaar:\s*([^,\n]+),", text):
        record.signatory = m.group(1).strip()


def _parse_letter(record: FicheRecord, letter: list[Unit]) -> list[str]:
    """Own Kamerstuk, date, signatory and siblings; returns the titles listed without a Kamerstuk."""
    text = " ".join(u.text for u in letter)
    if m := re.search(r"\bNr\.\s*(\d{1,5})\s+(?:BRIEF|Brief)\b", text):
        record.kamerstuk = KamerstukRef("22112", m.group(1))
    if m := re.search(r"(?:Den\s+Haag|['’]s-Gravenhage),\s*(\d{1,2}\s+\w+\.?\s+\d{4})", text):
        record.date_sent = _iso_date(m.group(1)) or record.date_sent
    else:
        for i, unit in enumerate(letter[:-1]):
            if unit.text == "Datum" and (iso := _iso_date(letter[i + 1].text)):
                record.date_sent = iso
                break
    for i, unit in enumerate(letter):
        if m := _SIGNATURE.match(unit.text):
            name = m.group("name").strip() or (letter[i + 1].text if i + 1 < len(letter) else "")
            if _NAME.match(name):
                record.signatory = name
            break
    own = record.kamerstuk.number if record.kamerstuk else None
    siblings = [KamerstukRef("22112", n) for n in re.findall(
        r"\bKamerstuk(?:ken)?\s+22\s?112\s*(?:,\s*nr\.?\s*|-)(\d{1,5})\b", text) if n != own]
    record.sibling_kamerstukken = list(dict.fromkeys(siblings))
    return [m.group(1).strip() for m in re.finditer(
        r"(?:Herzien(?:e)?\s+)?Fiche(?:\s+\d+)?\s*:\s*(.+?)(?=\s*(?:\(Kamerstuk|(?:Herzien(?:e)?\s+)?Fiche(?:\s+\d+)?\s*:|De\s+[Mm]inister|De\s+[Ss]taatssecretaris|$))",
        text) if not text[m.end():].lstrip().startswith("(Kamerstuk") and "Kamerstuk" not in m.group(1)]


# --- body structure ------------------------------------------------------------------------------


@dataclass
class _Body:
    """The fiche proper: its ``Fiche:`` titles, field values and section paragraphs."""

    titles: list[str] = field(default_factory=list)
    fields: dict[str, list[Unit]] = field(default_factory=dict)
    sections: dict[str, list[Unit]] = field(default_factory=dict)


def _structure(body: list[Unit]) -> _Body:
    """Split the body into field values, section paragraphs and ``Fiche:`` titles."""
    parts = _Body()
    fields, sections, titles = parts.fields, parts.sections, parts.titles
    current_field: str | None = None
    current_section: str | None = None
    for unit in body:
        text = unit.text
        heading = _match_heading(text, run_on=unit.cut)
        if heading and heading[0] == "general":
            current_field, current_section = None, None
            continue
        if heading:
            current_section, current_field = heading[0], None
            sections.setdefault(current_section, [])
            if heading[1]:
                sections[current_section].append(Unit(heading[1], footnotes=unit.footnotes))
            continue
        if current_section is None:
            if m := _FICHE_TITLE.match(text):
                if not fields:
                    titles.append(m.group("title"))
                    continue
            field_match = _match_field(text)
            if field_match:
                current_field = field_match[0]
                fields.setdefault(current_field, [])
                if field_match[1] or unit.links:
                    fields[current_field].append(Unit(field_match[1], "", unit.footnotes, links=unit.links))
                continue
            if current_field:
                fields[current_field].append(unit)
            continue
        sections[current_section].append(unit)
    return parts


def _title(candidates: list[str], header: list[Unit]) -> str | None:
    """The first usable title: the body's ``Fiche:`` line, the letter's own entry, the page title."""
    candidates = list(candidates)
    for unit in header:
        if m := _FICHE_TITLE.match(unit.text):
            candidates.append(re.split(r"\s+-\s+Nieuwe\s+Commissievoorstellen", m.group("title"))[0])
    for title in candidates:
        title = re.sub(r"\s*\(Kamerstuk[^)]*\)\s*\.?$", "", " ".join(title.split())).strip(" .")
        if title:
            return title
    return None


# --- Algemene gegevens ----------------------------------------------------------------------------


def _parse_fields(record: FicheRecord, fields: dict[str, list[Unit]], general_complete: bool) -> None:
    def text_of(name: str) -> str | None:  # a field's value, with the targets of its links
        return " ".join(" ".join([u.text, *u.links]) for u in fields[name]) if name in fields else None

    if "proposal_titles" in fields:
        record.proposal_titles = _proposal_titles(fields["proposal_titles"])
    if (value := text_of("date_received")) is not None:
        record.date_received = _iso_date(value)
    if (value := text_of("com_numbers")) is not None:
        record.com_numbers = ids.com_numbers(value)
        _field_mentions(record, "com_numbers", record.com_numbers, value)
    if (value := text_of("eurlex")) is not None:
        record.celex = [c for c in ids.celex_numbers(value) if c[0] in "5C"]
        _field_mentions(record, "celex", record.celex, value)
    if (value := text_of("impact_assessments")) is not None:
        record.impact_assessments = ids.staff_documents(value)
        _field_mentions(record, "impact_assessments", record.impact_assessments, value)
    if (value := text_of("council_formation")) is not None and value.strip():
        record.council_formation = " ".join(value.split()).rstrip(".")
    if (value := text_of("ministries")) is not None:
        record.ministries = _ministries(value)
    if (value := text_of("legal_basis")) is not None:
        record.legal_basis = ids.treaty_articles(value)
    elif general_complete:
        record.legal_basis = []


def _field_mentions(record: FicheRecord, kind: str, values: list[str], text: str) -> None:
    """Where each identifier of an "Algemene gegevens" field is stated: the field itself."""
    record.mentions.extend(Mention(kind, value, f"field:{kind}", " ".join(text.split())) for value in values)


def _proposal_titles(units: list[Unit]) -> list[str]:
    titles: list[str] = []
    for unit in units:
        text = re.sub(r"^\d\.\s+", "", unit.text).strip()
        starts_new = bool(unit.label) or bool(_TITLE_START.match(text)) or re.match(r"^\d\.\s", unit.text)
        if titles and not (starts_new and not _CONTINUES.search(titles[-1])):
            titles[-1] = f"{titles[-1]} {text}"
        else:
            titles.append(text)
    return [" ".join(t.split()) for t in titles if t.strip()]


def _ministries(text: str) -> list[str]:
    text = " ".join(text.split())
    found: list[str] = []
    for match in re.finditer(r"[Mm]inisterie\s+(?:van|voor)\s+", text):
        rest = text[match.end():]
        name = next((n for n in sorted(_MINISTRY_NAMES, key=len, reverse=True) if rest.startswith(n)), None)
        if name is None:
            name = re.split(r"\s*(?:\(|;|\.|\s+in\s+nauwe|\s+i\.?s\.?m\.?|\s+en\s+(?:het\s+)?[Mm]inisterie|,\s+[Mm]inisterie|\s+met\s+)", rest)[0]
        full = f"Ministerie van {name.strip(' ,')}" if match.group(0).lower().startswith("ministerie van") else \
            f"Ministerie voor {name.strip(' ,')}"
        if name and full not in found:
            found.append(full)
    if not found:  # only abbreviations: "OCenW i.s.m. EZ"
        for abbreviation in re.findall(r"\b([A-Z][A-Za-z]{1,4})\b", text):
            name = _MINISTRY_ABBREVIATIONS.get(abbreviation.upper())
            if name and f"Ministerie van {name}" not in found:
                found.append(f"Ministerie van {name}")
    return found


# --- verdicts -------------------------------------------------------------------------------------


_ASPECTS = {"bevoegdheid": r"bevoegd", "subsidiariteit": r"subsidiari", "proportionaliteit": r"proportional|evenredig"}


def verdict(text: str, aspect: str | None = None) -> str | None:
    """Normalise the first verdict statement of a text (about ``aspect``, when given).

    >>> verdict("De grondhouding van het kabinet is positief.")
    'positief'
    >>> verdict("Het oordeel over de proportionaliteit is positief met een kanttekening.")
    'positief met kanttekeningen'
    >>> verdict("Het kabinet beoordeelt de subsidiariteit als negatief.")
    'negatief'
    >>> verdict("Het kabinet is positief over het doel. Het oordeel over de proportionaliteit is negatief.")
    'negatief'
    >>> verdict("positief. Proportionaliteit: negatief.", "subsidiariteit")
    'positief'
    """
    sentences = [s.lower() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split()))]
    if aspect:  # leave out sentences about another aspect only
        others = [stem for name, stem in _ASPECTS.items() if name != aspect]
        sentences = [s for s in sentences if re.search(_ASPECTS[aspect], s)
                     or not any(re.search(stem, s) for stem in others)]
    judges = r"oordeel|grondhouding|beoordeel|" + (_ASPECTS[aspect] if aspect else "|".join(_ASPECTS.values()))
    judging = [s for s in sentences if re.search(judges, s)]
    for sentence in judging + sentences:  # a sentence that judges comes first
        if not re.search(r"positief|negatief|kanttekening|twijfel", sentence):
            continue
        if re.search(r"kanttekening|overwegend\s+positief|in\s+beginsel\s+positief|twijfel|deels\s+positief", sentence):
            return "positief met kanttekeningen"
        if re.search(r"\bnegatief\b|\bniet\s+positief\b", sentence):
            return "negatief"
        if re.search(r"\bpositief\b", sentence):
            return "positief"
    return None


def _parse_verdicts(record: FicheRecord, sections: dict[str, list[str]]) -> None:
    aspects = {"competence": "bevoegdheid", "subsidiarity": "subsidiariteit", "proportionality": "proportionaliteit"}
    verdicts = Verdicts()
    for key, name in aspects.items():
        value = None
        if sections.get(key):
            value = verdict("\n".join(sections[key]), name)
            if value is None and key == "competence":
                joined = " ".join(sections[key]).lower()
                if re.search(r"\bniet\s+bevoegd\b", joined):
                    value = "negatief"
                elif re.search(r"\bis\s+bevoegd\b|\bbevoegd\s+is\b|\bbevoegdheid\s+(?:is|bestaat)\b"
                               r"|\b(?:eu|unie|commissie)\s+(?:is\s+)?bevoegd\b", joined):
                    value = "positief"
        if value is None:  # a combined section: the first verdict sentence naming this aspect
            for parent in ("subsidiarity_proportionality", "grondhouding", *aspects):
                sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(sections.get(parent, [])))
                             if re.search(_ASPECTS[name], s.lower()) and verdict(s, name)]
                if sentences:
                    value = verdict(sentences[0], name)
                    break
        setattr(verdicts, name, value)
    record.verdicts = verdicts


# --- citations ------------------------------------------------------------------------------------


def _parse_citations(record: FicheRecord, body: list[Unit], parts: _Body, doc: Document) -> None:
    """Kamerstukken, EU acts and treaty articles cited in the body and footnotes, with mentions."""
    places: list[tuple[str, str]] = []
    section_of: dict[int, tuple[str, int]] = {}
    for key, units in parts.sections.items():
        for i, unit in enumerate(units):
            section_of[id(unit)] = (key, i)
    for n, unit in enumerate(body):
        key, i = section_of.get(id(unit), ("body", n))
        places.append((f"section:{key}:{i}" if key != "body" else f"body:{n}", unit.text))
    places.extend((f"footnote:{f.id}", f.text) for f in doc.footnotes)

    own_celex = set(record.celex or [])
    own = record.kamerstuk.key if record.kamerstuk else None
    kst: dict[str, KamerstukRef] = {}
    acts: list[str] = []
    articles: list[TreatyArticle] = []
    for where, text in places:
        for ref in ids.kamerstukken(text):
            if ref.key != own:
                kst.setdefault(ref.key, ref)
                record.mentions.append(Mention("cited_kamerstukken", ref.key, where, text))
        for celex in ids.eu_acts(text):
            if celex not in own_celex:
                if celex not in acts:
                    acts.append(celex)
                record.mentions.append(Mention("cited_eu_acts", celex, where, text))
        for article in ids.treaty_articles(text):
            if article not in articles:
                articles.append(article)
            record.mentions.append(Mention("treaty_articles", article.key, where, text))
    for article in record.legal_basis or []:
        record.mentions.append(Mention("legal_basis", article.key, "field:legal_basis", article.key))
        if article not in articles:
            articles.append(article)
    record.cited_kamerstukken = list(kst.values())
    record.cited_eu_acts = acts
    record.treaty_articles = articles


# --- classification and warnings ------------------------------------------------------------------


def _classify(record: FicheRecord, fields: dict[str, list[Unit]]) -> None:
    year = None
    for value in (record.date_sent, record.date_received):
        if value:
            year = int(value[:4])
            break
    if year is None and record.com_numbers:
        year = int(record.com_numbers[0][4:8]) if record.com_numbers[0].startswith("COM") else None
    lettered = any(u.label and re.fullmatch(r"[a-k]\)", u.label) for units in fields.values() for u in units)
    if year is not None and year < 2007:
        record.template = "pre-2007"
    elif year is not None and year >= 2025:
        record.template = "2025+"
    elif year is not None or lettered:
        record.template = "2007-2024"
    titles = " ".join(record.proposal_titles or [record.title or ""])
    if record.legal_basis or re.search(r"(?i)\b(?:voorstel|proposal)\s+(?:for|voor)\s+(?:a|an|een)\s+"
                                       r"(?:verordening|richtlijn|besluit|regulation|directive|decision)", titles):
        record.shape = "legislative"
    elif re.search(r"(?i)\b(?:mededeling|communication|verslag|report|aanbeveling|recommendation|witboek|groenboek)", titles):
        record.shape = "communication"


# The record fields whose absence is warned about, and how the warning names them.
EXPECTED_FIELDS = {
    "title": "the fiche's title", "date_sent": "the send date (cover letter or document date)",
    "kamerstuk": "the fiche's own Kamerstuk number (cover letter or open-data metadata)",
    "proposal_titles": "'Titel voorstel'", "com_numbers": "'Nr. Commissiedocument'",
    "date_received": "'Datum ontvangst Commissiedocument'",
}


def _warn_missing(record: FicheRecord, sections: dict[str, list[str]]) -> None:
    for key, what in EXPECTED_FIELDS.items():
        if getattr(record, key) in (None, ""):
            record.warnings.append(f"not found: {what}")
    if "essence" not in sections:
        record.warnings.append("text ends before 'Essentie voorstel': truncated or not the whole fiche")
    elif not all(getattr(record.verdicts, v) for v in ("bevoegdheid", "subsidiariteit", "proportionaliteit")):
        missing = [v for v in ("bevoegdheid", "subsidiariteit", "proportionaliteit") if not getattr(record.verdicts, v)]
        record.warnings.append(f"no verdict found for: {', '.join(missing)}")


# --- dates and text output ------------------------------------------------------------------------


def _iso_date(text: str) -> str | None:
    """The first date in a text, as ISO.

    >>> _iso_date("Den Haag, 9 oktober 2020"), _iso_date("27-01-2023"), _iso_date("2025-11-14")
    ('2020-10-09', '2023-01-27', '2025-11-14')
    """
    candidates = []
    if m := _DUTCH_DATE.search(text):
        candidates.append((m.start(), (int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1)))))
    if m := _NUMERIC_DATE.search(text):
        parts = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m.group(1) else \
            (int(m.group(6)), int(m.group(5)), int(m.group(4)))
        candidates.append((m.start(), parts))
    for _, (y, mo, d) in sorted(candidates):
        try:
            return date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None


def format_text(record: FicheRecord) -> str:
    """A readable summary of a record, one fact per line."""
    data = record.to_json()
    lines = [f"# {record.title or '(no title)'}  [{record.source}]"]
    for key in ("tk_document_number", "zaak", "kamerstuk", "date_sent", "signatory", "sibling_kamerstukken",
                "proposal_titles", "date_received", "com_numbers", "celex", "impact_assessments",
                "council_formation", "ministries", "legal_basis", "verdicts", "cited_kamerstukken",
                "cited_eu_acts", "treaty_articles", "template", "shape"):
        value = data.get(key)
        if value in (None, [], {}):
            continue
        if isinstance(value, list):
            value = "; ".join(v if isinstance(v, str) else _short(v) for v in value)
        elif isinstance(value, dict):
            value = _short(value)
        lines.append(f"{key}: {value}")
    for section, text in record.sections.items():
        lines.append(f"[{section}] {len(text.split())} words")
    lines.extend(f"warning: {w}" for w in record.warnings)
    return "\n".join(lines)


def _short(value: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in value.items())
