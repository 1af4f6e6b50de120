"""Write a fiche as the publisher's XML (officiele-publicatie/kamerstuk, op-xsd vocabulary).

``kamerstuk_xml(doc, ...)`` takes a read fiche (a ``Document``, e.g. from a real fiche's text)
and typesets it the way officielebekendmakingen.nl does: ``kamerstukkop``, ``dossier``, ``stuk``
with ``stuknr`` and ``titel``, the cover letter and fiche in ``algemeen/vrije-tekst/tekst``,
numbered headings as ``divisie/kop/{nr,titel}``, lettered items as ``lijst/li/{li.nr,al}``,
tables as CALS, footnotes as ``noot`` at the block citing them (a second citation as
``nootref``, a footnote of two sentences in two ``noot.al``), sibling Kamerstukken as
``extref[@doc]``, the signature as ``tekst-sluiting/ondertekening``, and ``<?xpp?>``
instructions inside words. Only the shapes come from the real sample files; the text is the
fiche's own (what a website put before the paper is left out: ``publication_part``).

>>> from kgbuild.readers.text import read_text
>>> xml = kamerstuk_xml(read_text("Fiche: X\\n1. Algemene gegevens\\na) Titel voorstel\\nX\\n", "x"),
...                     identifier="kst-22112-1", dossier="22112", number="1")
>>> b"<li.nr>a)</li.nr>" in xml and b"<nr>1.</nr>" in xml
True
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from kgbuild.document import Document

_LETTER_TITLE = re.compile(r"^Nr\.\s*(\d+)\s+(BRIEF VAN .*)$")
_DOSSIER = re.compile(r"^(22\s?112)\s+(.+)$")
_SIGNATURE = re.compile(r"^(De\s+(?:[Mm]inister|[Ss]taatssecretaris)\s+(?:van|voor)\s+[^,]{3,80},)\s*(.*)$")
_SIBLING = re.compile(r"Kamerstuk\s+22\s?112,\s*nr\.\s*(\d+)")


def _inline(text: str) -> str:
    """Escaped text with sibling references as ``extref`` and an ``<?xpp?>`` inside a long word."""
    out, last = [], 0
    for m in _SIBLING.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f'<extref soort="document" doc="kst-22112-{m.group(1)}">{escape(m.group(0))}</extref>')
        last = m.end()
    out.append(escape(text[last:]))
    body = "".join(out)
    word = re.search(r"(?<![&<\w])([A-Za-z]{6})([a-z]{4,})(?![^<]*>)", body)
    if word:  # typesetting instructions sit anywhere, even inside a word
        body = body[:word.start(2)] + "<?xpp fc?>" + body[word.start(2):]
    return body


_START = re.compile(r"^(?:Nr\.\s*\d+\s+BRIEF|22\s?112\s+\S|Aan\s+de\s+Voorzitter|Overeenkomstig\s+de\s+bestaande)")


def publication_part(doc: Document) -> Document:
    """``doc`` without what a website put before the paper (its metadata header, menus): from
    the dossier line or the cover letter on, else from the ``Fiche:`` title before the first
    "Algemene gegevens".

    >>> from kgbuild.readers.text import read_text
    >>> [b.text for b in publication_part(read_text("Menu\\nNummer: 2025D1\\nFiche: X\\n"
    ...                                              "1. Algemene gegevens\\n", "x")).blocks]
    ['Fiche: X', 'Algemene gegevens']
    """
    lines = [b.line() for b in doc.blocks]
    start = next((i for i, line in enumerate(lines) if _START.match(line)), None)
    if start is None:
        general = next((i for i, line in enumerate(lines) if "Algemene gegevens" in line), 0)
        start = max((i for i in range(general) if lines[i].startswith("Fiche")), default=0)
    return Document(doc.source, doc.format, doc.blocks[start:], doc.footnotes, dict(doc.metadata))


def kamerstuk_xml(doc: Document, *, identifier: str, dossier: str, number: str,
                  title: str = "", date: str = "") -> bytes:
    """The fiche ``doc`` (its ``publication_part``) as a Kamerstuk publication's XML."""
    doc = publication_part(doc)
    notes = {f.id: f.text for f in doc.footnotes}
    cited: dict[str, str] = {}  # footnote id -> noot/@id, once typeset

    def notes_xml(ids: list[str]) -> str:
        parts = []
        for fid in ids:
            if fid in cited:
                parts.append(f'<nootref refid="{cited[fid]}"/>')
                continue
            cited[fid] = f"ID-{identifier}-n{fid}"
            text = notes.get(fid, "")
            split = re.search(r"(?<=[a-z]\.)\s+(?=[A-Z])", text)
            paras = [text[:split.start()], text[split.end():]] if split else [text]
            als = "".join(f"<noot.al>{_inline(p)}</noot.al>" for p in paras)
            parts.append(f'<noot id="{cited[fid]}" type="voet"><noot.nr>{escape(fid)}</noot.nr>{als}</noot>')
        return "".join(parts)

    body: list[str] = []
    stuk_head: list[str] = []
    dossier_xml = ""
    open_divisie = False
    open_list = False
    closing = "</algemeen>"

    def close_list():
        nonlocal open_list
        if open_list:
            body.append("</lijst>")
            open_list = False

    for block in doc.blocks:
        text = block.text
        if block.kind == "table" and block.rows:
            close_list()
            rows = "".join("<row>" + "".join(f"<entry><al>{_inline(c)}</al></entry>" for c in row) + "</row>"
                           for row in block.rows)
            cols = max(len(r) for r in block.rows)
            body.append(f'<table><tgroup cols="{cols}"><tbody>{rows}</tbody></tgroup></table>')
            continue
        if (m := _LETTER_TITLE.match(block.line())) and not stuk_head:
            stuk_head = [f"<stuknr><nr>Nr. {m.group(1)}</nr></stuknr>", f"<titel>{escape(m.group(2))}</titel>"]
            continue
        if (m := _DOSSIER.match(block.line())) and not dossier_xml:
            dossier_xml = (f"<dossier><dossiernummer><dossiernr>{escape(m.group(1))}</dossiernr>"
                           f"</dossiernummer><titel>{escape(m.group(2))}</titel></dossier>")
            continue
        if m := _SIGNATURE.match(block.line()):
            close_list()
            if open_divisie:
                body.append("</divisie>")
                open_divisie = False
            body.append(f"</tekst></vrije-tekst>{closing}<tekst-sluiting><ondertekening><functie>"
                        f"{escape(m.group(1))}</functie><naam><achternaam>{escape(m.group(2))}"
                        "</achternaam></naam></ondertekening></tekst-sluiting><bijlage><vrije-tekst><tekst>")
            closing = "</bijlage>"  # the fiche follows the letter's signature
            continue
        footnotes = notes_xml(block.footnotes)
        if re.fullmatch(r"\d{1,2}\.", block.label):
            close_list()
            if open_divisie:
                body.append("</divisie>")
            body.append(f"<divisie><kop><nr>{escape(block.label)}</nr><titel>{_inline(text)}{footnotes}</titel></kop>")
            open_divisie = True
        elif block.label:
            if not open_list:
                body.append('<lijst type="expliciet">')
                open_list = True
            body.append(f"<li><li.nr>{escape(block.label)}</li.nr><al>{_inline(text)}{footnotes}</al></li>")
        else:
            close_list()
            body.append(f"<al>{_inline(text)}{footnotes}</al>")
    close_list()
    if open_divisie:
        body.append("</divisie>")
    meta = [("DC.identifier", identifier), ("OVERHEIDop.dossiernummer", dossier),
            ("OVERHEIDop.ondernummer", number), ("DC.type", "Kamerstuk")]
    if title:
        meta.append(("DC.title", title))
    if date:
        meta.append(("OVERHEIDop.datumBrief", date))
    meta_xml = "".join(f"<meta name={quoteattr(n)} scheme=\"\" content={quoteattr(v)}/>" for n, v in meta)
    xml = ('\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
           '<officiele-publicatie xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="http://technische-documentatie.oep.overheid.nl/schema/op-xsd-2012-2">'
           f"<metadata>{meta_xml}</metadata><kop><titel>Tweede Kamer der Staten-Generaal</titel></kop>"
           '<kamerstuk><kamerstukkop><tekstregel inhoud="kameraanduiding">Tweede Kamer der Staten-Generaal'
           "</tekstregel></kamerstukkop>"
           f"{dossier_xml}<stuk>{''.join(stuk_head)}<algemeen><vrije-tekst><tekst>{''.join(body)}"
           f"</tekst></vrije-tekst>{closing}</stuk></kamerstuk></officiele-publicatie>")
    return xml.encode("utf-8")
