"""Reader for the government publisher's XML (officielebekendmakingen.nl, schema op-xsd).

A Kamerstuk is ``officiele-publicatie/kamerstuk`` with ``kamerstukkop``, ``dossier`` and
``stuk``; the same vocabulary serves the Staatsblad and the Staatscourant. What becomes what:

- ``divisie/kop`` (``nr`` + ``titel``) and ``tussenkop`` become headings, ``al`` paragraphs,
  ``lijst/li`` list items labelled with their ``li.nr`` (nested lists one level deeper);
- CALS tables (``table/tgroup/thead|tbody/row/entry``) become table blocks;
- ``noot`` (with one or more ``noot.al``) becomes a footnote cited where it stands;
  ``nootref[@refid]`` cites an earlier ``noot`` again;
- ``extref`` targets become links (``@doc="kst-22112-2577"`` as its official publication URL);
- ``ondertekening`` (``functie``, ``naam``) becomes one signature line;
- ``<?xpp …?>`` processing instructions are dropped, even inside a word;
- ``metadata/meta[@name,@content]`` (and a separate ``metadata.xml`` merged with
  ``merge_metadata``) fill ``Document.metadata``: ``identifier``, ``dossier``, ``number``,
  ``date``, ``issued``, ``title``.

Parsing is hostile-safe: no entity expansion, no DTD, no network, no huge trees, at most
``MAX_BYTES``.

>>> doc = read_xml(b'<officiele-publicatie><kamerstuk><stuk><algemeen><vrije-tekst><tekst>'
...     b'<divisie><kop><nr>1.</nr><titel>Algemene gegevens</titel></kop>'
...     b'<al>De Commis<?xpp fc?>sie stelt voor<noot id="n1" type="voet"><noot.nr>1</noot.nr>'
...     b'<noot.al>COM(2025) 1</noot.al></noot>.</al></divisie>'
...     b'</tekst></vrije-tekst></algemeen></stuk></kamerstuk></officiele-publicatie>', "x.xml")
>>> [(b.kind, b.label, b.text, b.footnotes) for b in doc.blocks]
[('heading', '1.', 'Algemene gegevens', []), ('paragraph', '', 'De Commissie stelt voor.', ['1'])]
>>> doc.footnotes[0].text
'COM(2025) 1'
"""

from __future__ import annotations

import re

from lxml import etree

from ..document import Block, Document, Footnote
from ..errors import InputError

MAX_BYTES = 64 * 1024 * 1024
PUBLICATION_URL = "https://zoek.officielebekendmakingen.nl/{}"

# Elements that hold blocks; everything else with text is read as one block.
_CONTAINERS = {"officiele-publicatie", "kamerstuk", "stuk", "algemeen", "vrije-tekst", "tekst",
               "al-groep", "bijlage", "divisie", "kamerstukkop", "tekst-sluiting", "staatsblad",
               "staatscourant", "wet-besluit", "wettekst", "artikel", "lid", "aanhef",
               "considerans", "afkondiging", "wetsluiting", "slotformulering", "gegeven",
               "uitgifte", "zakelijke-mededeling", "zakelijke-mededeling-tekst", "circulaire",
               "circulaire-tekst", "kamervragen", "vraag", "antwoord", "handelingen",
               "agenda", "bijlage-tekst", "nota-toelichting", "toelichting", "groep",
               "wijzig-artikel", "wijzig-lid", "aanhangsel", "kop-stuk"}
_SKIP = {"metadata", "plaatje", "illustratie", "noot", "meta", "inhoudsopgave"}
_PARAGRAPHS = {"al", "considerans.al", "wij", "koning", "dagtekening", "datum", "plaats",
               "tekstregel", "intitule", "stuknr", "titel", "subtitel", "label", "li.nr",
               "lidnr", "noot.al", "entry", "functie", "naam", "vraag.al", "antwoord.al"}
_BLOCKISH = _CONTAINERS | _PARAGRAPHS | {"lijst", "table", "kop", "tussenkop", "ondertekening"}
_META_KEYS = {  # metadata.xml / embedded meta names -> Document.metadata keys
    "dc.identifier": "identifier", "dcterms.identifier": "identifier",
    "overheidop.dossiernummer": "dossier", "overheidop.ondernummer": "number",
    "overheidop.datumbrief": "date", "dcterms.issued": "issued", "dc.title": "official_title",
    "overheidop.documenttitel": "document_title", "overheidop.dossiertitel": "dossier_title",
    "overheidop.vergaderjaar": "session", "dc.creator": "chamber", "overheidop.indiener": "submitter",
    "dcterms.isreplacedby": "replaced_by", "dcterms.available": "available",
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False, dtd_validation=False, remove_comments=True)


def parse_tree(data: bytes, source: str) -> etree._Element:
    """The XML's root element, parsed safely; ``InputError`` for broken or oversized XML."""
    if len(data) > MAX_BYTES:
        raise InputError(source, f"XML larger than {MAX_BYTES // (1024 * 1024)} MiB")
    if b"<!ENTITY" in data[:1 << 16]:  # publications declare none: refuse before parsing
        raise InputError(source, "XML with entity declarations, not read")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as err:
        message = re.sub(r"\s*\(<string>, line \d+\)", "", str(err)) or "malformed XML"
        raise InputError(source, f"malformed XML ({message})") from None
    if root is None:
        raise InputError(source, "malformed XML (no root element)")
    for node in root.iter(etree.Entity):  # an entity left unexpanded: refuse, never guess
        raise InputError(source, f"XML with an entity reference (&{node.name};), not read")
    return root


def is_publication(data: bytes) -> bool:
    """Whether the bytes look like an official publication (or its metadata record).

    >>> is_publication(b'<?xml version="1.0"?>\\n<officiele-publicatie>')
    True
    >>> is_publication(b'<html><body>Fiche</body></html>')
    False
    """
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return False
    return re.search(rb"<(?:officiele-publicatie|metadata_gegevens|owms-metadata)[\s>/]", head) is not None


def read_xml(data: bytes, source: str) -> Document:
    """Read a publication (``officiele-publicatie``) into a ``Document`` (format ``"xml"``)."""
    root = parse_tree(data, source)
    if _local(root.tag) != "officiele-publicatie":
        raise InputError(source, f"XML that is not an official publication (root <{_local(root.tag)}>)")
    reader = _Reader(source)
    for child in root:
        name = _local(child.tag) if isinstance(child.tag, str) else ""
        if name == "metadata":
            reader.metadata.update(metadata_from(child))
        elif name == "kop":
            continue  # the publication's masthead ("Staatsblad"), not its content
        elif name:
            reader.container(child, 0)
    doc = Document(source=source, format="xml", blocks=reader.blocks, footnotes=reader.notes,
                   metadata=reader.metadata)
    _fiche_title(doc)
    return doc


def metadata_from(element: etree._Element) -> dict[str, str]:
    """``meta``/``metadata`` elements (``@name``, ``@content``) as ``Document.metadata`` keys.

    >>> root = etree.fromstring('<metadata><meta name="DC.identifier" content="kst-22112-3458"/>'
    ...     '<meta name="OVERHEIDop.dossiernummer" content="22112;36000"/></metadata>')
    >>> metadata_from(root)
    {'identifier': 'kst-22112-3458', 'dossier': '22112;36000'}
    """
    out: dict[str, str] = {}
    for node in element.iter():
        if not isinstance(node.tag, str) or _local(node.tag) not in ("meta", "metadata"):
            continue
        key = _META_KEYS.get((node.get("name") or "").casefold())
        content = " ".join((node.get("content") or "").split())
        if key and content and key not in out:
            out[key] = content
    return out


def read_metadata_record(data: bytes, source: str) -> dict[str, str]:
    """A publication's ``metadata.xml`` (``metadata_gegevens`` or ``owms-metadata``) as a dict."""
    root = parse_tree(data, source)
    out = metadata_from(root)
    for node in root.iter():  # the OWMS form: dcterms:identifier … as elements
        if not isinstance(node.tag, str):
            continue
        name, text = _local(node.tag).casefold(), " ".join((node.text or "").split())
        key = {"identifier": "identifier", "title": "official_title", "issued": "issued",
               "dossiernummer": "dossier", "ondernummer": "number", "dossiertitel": "dossier_title",
               "documenttitel": "document_title", "indiener": "submitter",
               "datumbrief": "date"}.get(name)
        if key and text and key not in out:
            out[key] = text
    kinds = [n.get("content") for n in root.iter() if isinstance(n.tag, str)
             and (n.get("scheme") or "") == "OVERHEIDop.KamerstukTypen" and n.get("content")]
    kinds += [" ".join(n.text.split()) for n in root.iter() if isinstance(n.tag, str) and n.text
              and (n.get("scheme") or "") == "OVERHEIDop.KamerstukTypen" and n.text.strip()]
    if kinds:
        out["kind"] = kinds[0]
    return out


class _Reader:
    """Walks the body in document order, collecting blocks and footnotes."""

    def __init__(self, source: str):
        self.source = source
        self.blocks: list[Block] = []
        self.notes: list[Footnote] = []
        self.note_ids: dict[str, str] = {}  # noot/@id -> its number, for nootref
        self.metadata: dict[str, str] = {}

    def container(self, element: etree._Element, level: int) -> None:
        for child in element:
            if not isinstance(child.tag, str):
                continue  # processing instructions, comments
            name = _local(child.tag)
            if name in _SKIP:
                continue
            if name == "kop":
                self.heading(child)
            elif name == "tussenkop":
                self.block(child, "heading")
            elif name == "lijst":
                self.list(child, level)
            elif name == "table":
                self.table(child)
            elif name == "ondertekening":
                self.signature(child)
            elif name == "dossier":
                number = "".join(_text(n) for n in child.iter("dossiernr")) or _text(child.find("dossiernummer"))
                title = _text(child.find("titel"))
                self.blocks.append(Block(" ".join(f"{number} {title}".split())))
            elif name in _CONTAINERS or any(_local(c.tag) in _BLOCKISH for c in child):
                self.container(child, level)
            else:
                self.block(child, "paragraph")

    def heading(self, kop: etree._Element) -> None:
        """A ``kop`` with ``nr`` and ``titel`` (or ``label``): the number becomes the label."""
        number = " ".join(_text(n) for n in kop if isinstance(n.tag, str) and _local(n.tag) in ("label", "nr"))
        parts = [n for n in kop if isinstance(n.tag, str) and _local(n.tag) not in ("label", "nr")]
        text, footnotes, links = self.inline_many(parts) if parts else ("", [], [])
        if text or number:
            self.blocks.append(Block(text, kind="heading", label=number, footnotes=footnotes, links=links))

    def block(self, element: etree._Element, kind: str, *, label: str = "", level: int = 0) -> None:
        text, footnotes, links = self.inline(element)
        if text:
            self.blocks.append(Block(text, kind=kind, label=label, level=level, footnotes=footnotes,
                                     links=links))

    def list(self, lijst: etree._Element, level: int) -> None:
        for li in lijst:
            if not isinstance(li.tag, str) or _local(li.tag) != "li":
                continue
            label = " ".join(_text(n) for n in li if isinstance(n.tag, str) and _local(n.tag) == "li.nr")
            first = True
            for child in li:
                if not isinstance(child.tag, str) or _local(child.tag) in ("li.nr", *_SKIP):
                    continue
                name = _local(child.tag)
                if name == "lijst":
                    self.list(child, level + 1)
                elif name == "table":
                    self.table(child)
                elif first:
                    self.block(child, "list_item", label=label, level=level)
                    first = False
                else:
                    self.block(child, "paragraph", level=level)
            if first and label:  # a number without text
                self.blocks.append(Block("", kind="list_item", label=label, level=level))

    def table(self, table: etree._Element) -> None:
        rows, footnotes, links = [], [], []
        for row in table.iter("row"):
            cells = []
            for entry in row:
                if not isinstance(entry.tag, str) or _local(entry.tag) != "entry":
                    continue
                text, notes, targets = self.inline(entry)
                cells.append(text)
                footnotes += notes
                links += targets
            rows.append(cells)
        if rows:
            self.blocks.append(Block(" | ".join(c for row in rows for c in row if c), kind="table",
                                     rows=rows, footnotes=footnotes, links=links))

    def signature(self, element: etree._Element) -> None:
        """``De Minister van …,`` and the name on one line, as the parser expects a signature."""
        parts = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            if _local(child.tag) == "naam":
                parts.append(" ".join(_text(n) for n in child if isinstance(n.tag, str)) or _text(child))
            else:
                parts.append(self.inline(child)[0])
        text = " ".join(" ".join(parts).split())
        if text:
            self.blocks.append(Block(text))

    def inline_many(self, elements) -> tuple[str, list[str], list[str]]:
        texts, notes, links = [], [], []
        for element in elements:
            text, n, ln = self.inline(element)
            texts.append(text)
            notes += n
            links += ln
        return " ".join(" ".join(texts).split()), notes, links

    def inline(self, element: etree._Element) -> tuple[str, list[str], list[str]]:
        """An element's text with its inline markup read: footnotes and links taken out."""
        pieces: list[str] = []
        notes: list[str] = []
        links: list[str] = []

        def add(text: str | None) -> None:
            # Whitespace with a line break between inline elements is the file's indentation
            # (``<nadruk>2</nadruk>\n  <nadruk>3</nadruk>`` reads "23").
            if text and (text.strip() or "\n" not in text):
                pieces.append(text)

        def walk(node: etree._Element) -> None:
            if isinstance(node.tag, str):
                add(node.text)
            for child in node:
                if not isinstance(child.tag, str):  # a processing instruction: its tail only
                    pass
                else:
                    name = _local(child.tag)
                    if name == "noot":
                        notes.append(self.footnote(child))
                    elif name == "nootref":
                        number = self.note_ids.get(child.get("refid") or "")
                        if number:
                            notes.append(number)
                    elif name == "br":
                        pieces.append(" ")
                    elif name in ("plaatje", "illustratie"):
                        pass
                    else:
                        if name == "extref":
                            target = _extref_target(child)
                            if target:
                                links.append(target)
                        elif name in ("al", "li", "lijst", "entry"):
                            pieces.append(" ")
                        walk(child)
                add(child.tail)

        walk(element)
        return " ".join("".join(pieces).split()), notes, links

    def footnote(self, noot: etree._Element) -> str:
        """Record a ``noot`` once; its number (``noot.nr``, else its place) is what cites it."""
        number = _text(noot.find("noot.nr")) or str(len(self.notes) + 1)
        if noot.get("id"):
            self.note_ids[noot.get("id")] = number
        paragraphs = [self.inline(al)[0] for al in noot if isinstance(al.tag, str) and _local(al.tag) == "noot.al"]
        if not paragraphs:
            paragraphs = [self.inline(noot)[0]]
        if all(f.id != number for f in self.notes):
            self.notes.append(Footnote(number, " ".join(p for p in paragraphs if p)))
        return number


def _extref_target(extref: etree._Element) -> str | None:
    doc = (extref.get("doc") or "").strip()
    if doc.startswith(("http://", "https://")):
        return doc
    if doc:
        return PUBLICATION_URL.format(doc.split("#")[0])
    href = (extref.get("href") or extref.get("{http://www.w3.org/1999/xlink}href") or "").strip()
    return href or None


def _fiche_title(doc: Document) -> None:
    """The title the parser may use: the ``Fiche: …`` part of the official title."""
    for key in ("document_title", "official_title"):
        value = doc.metadata.get(key, "")
        match = re.search(r"(?:^|;\s*)((?:Herzien(?:e)?\s+)?Fiche(?:\s+\d+)?\s*:.*)$", value)
        if match:
            doc.metadata["title"] = re.sub(r"^(?:Herzien(?:e)?\s+)?Fiche(?:\s+\d+)?\s*:\s*", "",
                                           match.group(1)).strip()
            return


def _text(element: etree._Element | None) -> str:
    """An element's text, processing instructions and comments left out (their tails kept)."""
    if element is None:
        return ""
    pieces: list[str] = []

    def walk(node: etree._Element) -> None:
        if isinstance(node.tag, str):
            pieces.append(node.text or "")
            for child in node:
                walk(child)
        pieces.append(node.tail or "" if node is not element else "")

    walk(element)
    return " ".join("".join(pieces).split())


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
