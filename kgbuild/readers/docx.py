"""The .docx reader: Word paragraphs, tables, list numbering and footnotes as a ``Document``.

python-docx opens the package (parts, relationships, styles, core properties); the body is
walked element by element in document order, so paragraphs and tables stay interleaved and
text inside content controls (``w:sdt``), tracked insertions and simple fields is kept, which
python-docx's ``paragraph.text`` drops. Deleted text, drawings and text boxes are left out.

List numbers live in ``word/numbering.xml``, not in the text; they are resolved here the way
Word shows them and put into ``Block.label``. Footnotes live in their own part; each block
lists the ids of the footnotes it cites.

>>> _format_number(28, "lowerLetter"), _format_number(14, "upperRoman")
('bb', 'XIV')
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass

from lxml import etree

from ..document import Block, Document, Footnote
from ..errors import InputError

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
FOOTNOTES_RELTYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footnotes"
CORE_RELTYPE = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_LETTERS = 10  # Word writes 27 as "aa"; a number of more letters than this is no list label


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


# Wrappers whose children belong to the surrounding content (content controls, custom XML).
_WRAPPERS = {_w("sdt"), _w("customXml"), _w("smartTag")}
# Subtrees whose text Word does not show in the flow of the paragraph (or shows twice).
_SKIPPED = {
    _w("del"), _w("moveFrom"), _w("pPr"), _w("rPr"), _w("drawing"), _w("pict"),
    _w("object"), f"{{{MC_NS}}}AlternateContent", _w("sdtPr"), _w("sdtEndPr"),
}
_SKIPPED_FOOTNOTE_TYPES = {"separator", "continuationSeparator", "continuationNotice"}
_HEADING_STYLE = re.compile(r"heading\s*([1-9])", re.IGNORECASE)


def read_docx(data: bytes, source: str) -> Document:
    """Read a .docx from its bytes; anything unreadable raises ``InputError(source, reason)``.

    >>> read_docx(b"PK\\x03\\x04 cut off", "x.docx")
    Traceback (most recent call last):
    kgbuild.errors.InputError: x.docx: corrupt .docx: not a readable zip archive (File is not a zip file)
    """
    word = _open(data, source)
    _check_parts(word, source)
    try:
        styles = _Styles(_library_step(lambda: word.styles.element, source, "word/styles.xml"))
        numbering = _Numbering(_numbering_element(word, source), styles)
        links = {rid: rel.target_ref for rid, rel in word.part.rels.items() if rel.is_external}
        reader = _BodyReader(styles, numbering, links)
        blocks = reader.blocks(word.element.find(_w("body")))
        footnotes = _footnotes(word, source)
        metadata = _library_step(lambda: _metadata(word), source, "docProps/core.xml")
    except (ValueError, KeyError, etree.LxmlError) as err:
        raise InputError(source, f"corrupt .docx: {_detail(err)}") from None
    return Document(source=source, format="docx", blocks=blocks, footnotes=footnotes,
                    metadata=metadata)


def _open(data: bytes, source: str):
    """The python-docx ``Document`` for ``data``, or ``InputError`` saying why not."""
    import docx
    from docx.opc.exceptions import OpcError

    if data[:8] == OLE_MAGIC:
        raise InputError(source, "encrypted or legacy Word file (OLE compound document), "
                                 "not a .docx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if any(info.flag_bits & 0x1 for info in archive.infolist()):
                raise InputError(source, "encrypted zip archive, not a readable .docx")
    except zipfile.BadZipFile as err:
        raise InputError(source, f"corrupt .docx: not a readable zip archive ({err})") from None
    if "word/document.xml" not in names:
        raise InputError(source, "not a .docx: no word/document.xml in the zip archive")
    _check_roots(data, source)
    try:
        word = docx.Document(io.BytesIO(data))
    except etree.XMLSyntaxError as err:
        part = _bad_xml_part(data)
        where = f" in {part}" if part else ""
        raise InputError(source, f"corrupt .docx: XML syntax error{where} ({_detail(err)})"
                         ) from None
    except (zipfile.BadZipFile, zlib.error, EOFError) as err:
        raise InputError(source, f"corrupt .docx: damaged zip data ({_detail(err)})") from None
    except KeyError as err:
        raise InputError(source, f"corrupt .docx: a part is missing ({_detail(err)})") from None
    except ValueError as err:
        match = re.search(r"content type is '([^']+)'", str(err))
        reason = f"its main part is {match.group(1)}" if match else _detail(err)
        raise InputError(source, f"not a Word document: {reason}") from None
    except (AttributeError, TypeError) as err:  # python-docx on a part it cannot make sense of
        raise InputError(source, f"corrupt .docx: a malformed package part or relationship "
                                 f"({_detail(err)})") from None
    except (OpcError, NotImplementedError, RuntimeError, OSError, etree.LxmlError) as err:
        raise InputError(source, f"not a readable .docx: {_detail(err)}") from None
    if word.element.find(_w("body")) is None:
        raise InputError(source, "corrupt .docx: word/document.xml has no w:body")
    return word


# The root element each well-known part must have (python-docx assumes it and fails with an
# AttributeError somewhere later when it is another).
PKG_NS = "http://schemas.openxmlformats.org/package/2006"
_ROOTS = {
    "[Content_Types].xml": f"{{{PKG_NS}/content-types}}Types",
    "word/document.xml": _w("document"),
    "word/styles.xml": _w("styles"),
    "word/numbering.xml": _w("numbering"),
    "word/footnotes.xml": _w("footnotes"),
    "docProps/core.xml": f"{{{PKG_NS}/metadata/core-properties}}coreProperties",
}
_RELS_ROOT = f"{{{PKG_NS}/relationships}}Relationships"
# The content type of each part the reader uses, by the relationship that leads to it.
_PART_TYPES = {
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml",
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering":
        "application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml",
    FOOTNOTES_RELTYPE:
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
}
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"


def _qname(tag: str) -> str:
    """
    >>> _qname(_w("body")), _qname("{urn:x}y"), _qname("z")
    ('w:body', '{urn:x}y', 'z')
    """
    return tag.replace(f"{{{W_NS}}}", "w:")


def _check_roots(data: bytes, source: str) -> None:
    """``InputError`` when a well-known part has another root element than its kind's (read
    up to the root's start tag only)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            expected = _RELS_ROOT if name.endswith(".rels") else _ROOTS.get(name)
            if expected is None:
                continue
            try:
                stream = archive.open(name)
            except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, OSError) as err:
                raise InputError(source, f"corrupt .docx: damaged zip data in {name} "
                                         f"({_detail(err)})") from None
            try:
                with stream:
                    events = etree.iterparse(stream, events=("start",),
                                             resolve_entities=False, no_network=True)
                    _, root = next(events)
                    if root.tag != expected:
                        for _ in events:  # a wrong root, unless the part is not well-formed
                            pass
            except (etree.XMLSyntaxError, StopIteration, zipfile.BadZipFile, zlib.error,
                    EOFError):
                continue  # not well-formed or damaged: python-docx or the syntax check names it
            if root.tag != expected:
                raise InputError(source, f"corrupt .docx: {name} has the root element "
                                         f"{_qname(root.tag)}, not {_qname(expected)}")


def _check_parts(word, source: str) -> None:
    """``InputError`` when a part the reader uses was declared with another content type
    (python-docx then loads it as a plain part, without the properties it needs)."""
    rels = [(rel, _PART_TYPES[rel.reltype]) for rel in word.part.rels.values()
            if rel.reltype in _PART_TYPES and not rel.is_external]
    rels += [(rel, CORE_TYPE) for rel in word.part.package.rels.values()
             if rel.reltype == CORE_RELTYPE and not rel.is_external]
    for rel, expected in rels:
        part = rel.target_part
        if part.content_type != expected:
            raise InputError(source, f"corrupt .docx: {part.partname[1:]} has the content "
                                     f"type {part.content_type}, not {expected}")


def _library_step(step, source: str, part: str):
    """Run a python-docx accessor; its ``AttributeError`` on a part of another kind (a root
    element or content type that the checks above do not know) is an ``InputError``."""
    try:
        return step()
    except AttributeError as err:
        raise InputError(source, f"corrupt .docx: {part} is not what its kind needs "
                                 f"({_detail(err)})") from None


def _bad_xml_part(data: bytes) -> str | None:
    """The name of the first XML part of the package that is not well-formed."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                try:
                    etree.fromstring(archive.read(name), parser)
                except etree.XMLSyntaxError:
                    return name
    return None


def _detail(err: BaseException) -> str:
    """The error's message on one line."""
    text = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
    text = re.sub(r"\s*\(<string>, line \d+\)", "", text)  # lxml repeats the position
    return " ".join(text.split()) or type(err).__name__


def _int(value: str | None, default: int | None = None) -> int | None:
    """``value`` as an int, ``default`` when absent or not a number.

    >>> _int("3"), _int(None, 0), _int("x", 1)
    (3, 0, 1)
    """
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _val(parent, name: str) -> str | None:
    """The ``w:val`` of child ``w:name`` of ``parent``, or None."""
    child = parent.find(_w(name)) if parent is not None else None
    return child.get(_w("val")) if child is not None else None


# ---------------------------------------------------------------------------- styles


class _Styles:
    """Paragraph styles: name, base style and list numbering, keyed by style id."""

    def __init__(self, root):
        self.names: dict[str, str] = {}
        self.based_on: dict[str, str] = {}
        self.num_pr: dict[str, tuple[str | None, int | None]] = {}
        self.default: str | None = None
        for style in root.iterchildren(_w("style")):
            if style.get(_w("type")) not in (None, "paragraph", "numbering"):
                continue
            sid = style.get(_w("styleId")) or ""
            self.names[sid] = _val(style, "name") or sid
            if _val(style, "basedOn"):
                self.based_on[sid] = _val(style, "basedOn")
            num_pr = style.find(f"{_w('pPr')}/{_w('numPr')}")
            if num_pr is not None:
                self.num_pr[sid] = (_val(num_pr, "numId"), _int(_val(num_pr, "ilvl")))
            if style.get(_w("default")) in ("1", "true", "on") and style.get(_w("type")) in (
                None, "paragraph"
            ):
                self.default = sid

    def chain(self, style_id: str | None) -> list[str]:
        """The style and the styles it is based on, nearest first."""
        out: list[str] = []
        sid = style_id or self.default
        while sid and sid not in out:
            out.append(sid)
            sid = self.based_on.get(sid)
        return out

    def heading_level(self, style_id: str | None) -> int | None:
        """0 for "Heading 1" (or a style based on it), 1 for "Heading 2", …; None otherwise."""
        for sid in self.chain(style_id):
            match = _HEADING_STYLE.fullmatch(self.names.get(sid, sid).strip())
            if match:
                return int(match.group(1)) - 1
        return None

    def numbering(self, style_id: str | None) -> tuple[str | None, int | None]:
        """(numId, ilvl) a style gives its paragraphs, from the nearest style that has one."""
        for sid in self.chain(style_id):
            if sid in self.num_pr:
                return self.num_pr[sid]
        return None, None


# ------------------------------------------------------------------------- numbering


@dataclass
class _Level:
    start: int = 1
    fmt: str = "decimal"
    text: str | None = None
    restart: int | None = None  # w:lvlRestart: 0 = never, n = after level n (1-based)
    legal: bool = False  # w:isLgl: show every level in the text as decimal
    style: str | None = None  # w:pStyle: the paragraph style bound to this level


def _level(lvl) -> _Level:
    is_lgl = lvl.find(_w("isLgl"))
    return _Level(
        start=_int(_val(lvl, "start"), 1),
        fmt=_val(lvl, "numFmt") or "decimal",
        text=_val(lvl, "lvlText"),
        restart=_int(_val(lvl, "lvlRestart")),
        legal=is_lgl is not None and is_lgl.get(_w("val"), "1") not in ("0", "false", "off"),
        style=_val(lvl, "pStyle"),
    )


def _numbering_element(word, source: str):
    """The root of word/numbering.xml, or None when the document has no numbering."""
    try:
        return _library_step(lambda: word.part.numbering_part.element, source,
                             "word/numbering.xml")
    except (KeyError, NotImplementedError):
        return None


class _Numbering:
    """Word's list numbering: definitions plus the running counters of every list.

    As in Word, the counters belong to the abstract definition: lists (``w:num``) sharing one
    continue each other's numbers, and a list that overrides a level's start
    (``w:startOverride``) restarts that level at that value where it first uses it; later
    restarts, after a higher level advanced, begin at the level's own ``w:start``.
    """

    def __init__(self, root, styles: _Styles):
        self.styles = styles
        self.abstract: dict[str, dict[int, _Level]] = {}
        self.style_link: dict[str, str] = {}  # abstractNum id -> numbering style it follows
        # numId -> (abstractNum id, levels it redefines, start overrides)
        self.nums: dict[str, tuple[str, dict[int, _Level], dict[int, int]]] = {}
        self.counters: dict[str, dict[int, int]] = {}  # abstractNum id -> ilvl -> number
        self.used: set[tuple[str, int]] = set()  # (numId, ilvl) seen so far
        if root is None:
            return
        for abstract in root.iterchildren(_w("abstractNum")):
            aid = abstract.get(_w("abstractNumId")) or ""
            self.abstract[aid] = {
                _int(lvl.get(_w("ilvl")), 0): _level(lvl)
                for lvl in abstract.iterchildren(_w("lvl"))
            }
            if _val(abstract, "numStyleLink"):
                self.style_link[aid] = _val(abstract, "numStyleLink")
        for num in root.iterchildren(_w("num")):
            redefined: dict[int, _Level] = {}
            starts: dict[int, int] = {}
            for override in num.iterchildren(_w("lvlOverride")):
                ilvl = _int(override.get(_w("ilvl")), 0)
                if override.find(_w("lvl")) is not None:
                    redefined[ilvl] = _level(override.find(_w("lvl")))
                    starts[ilvl] = redefined[ilvl].start
                if _int(_val(override, "startOverride")) is not None:
                    starts[ilvl] = _int(_val(override, "startOverride"))
            self.nums[num.get(_w("numId")) or ""] = (
                _val(num, "abstractNumId") or "", redefined, starts)

    def levels(self, num_id: str) -> dict[int, _Level]:
        """The effective levels of list ``num_id`` (abstract definition plus overrides)."""
        if num_id not in self.nums:
            return {}
        abstract_id, redefined, _ = self.nums[num_id]
        return {**self.abstract.get(self._definition(abstract_id), {}), **redefined}

    def _definition(self, abstract_id: str, depth: int = 0) -> str:
        """The abstractNum that holds the levels (following ``w:numStyleLink``)."""
        link = self.style_link.get(abstract_id)
        if link and depth < 3:  # the definition lives with the numbering style it links to
            linked_num, _ = self.styles.numbering(link)
            if linked_num in self.nums:
                return self._definition(self.nums[linked_num][0], depth + 1)
        return abstract_id

    def paragraph_numbering(self, p_pr, style_id: str | None) -> tuple[str, int] | None:
        """(numId, ilvl) of a paragraph, from its own w:numPr or its style; None if unnumbered."""
        num_pr = p_pr.find(_w("numPr")) if p_pr is not None else None
        own_num = _val(num_pr, "numId") if num_pr is not None else None
        own_ilvl = _int(_val(num_pr, "ilvl")) if num_pr is not None else None
        style_num, style_ilvl = self.styles.numbering(style_id)
        num_id = own_num if own_num is not None else style_num
        if num_id is None or num_id == "0" or num_id not in self.nums:
            return None
        ilvl = own_ilvl if own_ilvl is not None else style_ilvl
        if ilvl is None:  # a level may name the style that selects it
            chain = self.styles.chain(style_id)
            ilvl = next((n for n, lvl in sorted(self.levels(num_id).items())
                         if lvl.style and lvl.style in chain), 0)
        return num_id, max(0, min(ilvl, 8))

    def next_label(self, num_id: str, ilvl: int) -> str:
        """Advance list ``num_id`` at level ``ilvl`` and return the label Word shows."""
        levels = self.levels(num_id)
        if ilvl not in levels:
            return ""
        abstract_id, _, starts = self.nums[num_id]
        count = self.counters.setdefault(self._definition(abstract_id), {})
        if ilvl in starts and (num_id, ilvl) not in self.used:
            count[ilvl] = starts[ilvl]
        else:
            count[ilvl] = count[ilvl] + 1 if ilvl in count else levels[ilvl].start
        self.used.add((num_id, ilvl))
        for deeper in [n for n in count if n > ilvl]:
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl < restart):
                del count[deeper]
        level = levels[ilvl]
        if level.fmt == "bullet":
            return "•"
        if level.text is None or level.fmt == "none":
            return ""

        def number(match: re.Match) -> str:
            n = int(match.group(1)) - 1
            if n not in levels:
                return ""
            fmt = "decimal" if level.legal and n < ilvl else levels[n].fmt
            return _format_number(count.get(n, levels[n].start), fmt)

        return re.sub(r"%([1-9])", number, level.text).strip()


def _format_number(n: int, fmt: str) -> str:
    """``n`` in Word's number format ``fmt`` (unknown formats fall back to decimal).

    >>> [_format_number(3, f) for f in ("decimal", "lowerLetter", "upperLetter", "lowerRoman")]
    ['3', 'c', 'C', 'iii']
    >>> _format_number(7, "decimalZero"), _format_number(5, "bullet"), _format_number(2, "none")
    ('07', '•', '')

    A number read from the file (``w:start`` of 2,000,000,000) gives at most ``MAX_LETTERS``
    letters; beyond, the decimal number:

    >>> _format_number(2_000_000_000, "lowerLetter")
    '2000000000'
    """
    if fmt == "bullet":
        return "•"
    if fmt == "none":
        return ""
    if fmt == "decimalZero":
        return f"{n:02d}"
    if 0 < n <= 26 * MAX_LETTERS and fmt in ("lowerLetter", "upperLetter"):
        letters = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letters.upper() if fmt == "upperLetter" else letters
    if 0 < n < 4000 and fmt in ("lowerRoman", "upperRoman"):
        roman = _roman(n)
        return roman.lower() if fmt == "lowerRoman" else roman
    return str(n)


def _roman(n: int) -> str:
    """``n`` in upper-case Roman numerals."""
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + digits, n - value
    return out


# ------------------------------------------------------------------------------ body


def _content(parent):
    """The children of ``parent``, with content-control and custom-XML wrappers opened."""
    for child in parent:
        if child.tag in _WRAPPERS:
            inner = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if inner is not None:
                yield from _content(inner)
        else:
            yield child


def _paragraph_text(p) -> tuple[str, list[str]]:
    """The visible text of paragraph ``p`` and the ids of the footnotes it cites.

    >>> p = etree.fromstring(f'<w:p xmlns:w="{W_NS}"><w:r><w:t>AI-verordening</w:t></w:r>'
    ...     '<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:tab/><w:t>x</w:t></w:r></w:p>')
    >>> _paragraph_text(p)
    ('AI-verordening\\tx', ['1'])
    """
    parts: list[str] = []
    notes: list[str] = []

    def walk(element, skip_text: bool = False) -> bool:
        for child in element:
            tag = child.tag
            if tag in _SKIPPED or not isinstance(tag, str):
                continue
            if tag == _w("t"):
                if skip_text:  # a custom footnote mark ("*") is not part of the text
                    skip_text = False
                else:
                    parts.append(child.text or "")
            elif tag == _w("tab"):
                parts.append("\t")
            elif tag in (_w("br"), _w("cr")):
                parts.append("\n")
            elif tag == _w("noBreakHyphen"):
                parts.append("-")
            elif tag == _w("footnoteReference"):
                if child.get(_w("id")) is not None:
                    notes.append(child.get(_w("id")))
                skip_text = child.get(_w("customMarkFollows")) in ("1", "true", "on")
            else:
                skip_text = walk(child, skip_text)
        return skip_text

    walk(p)
    return "".join(parts).strip(), notes


class _BodyReader:
    """Turns body content (paragraphs, tables) into blocks, keeping list counters running."""

    def __init__(self, styles: _Styles, numbering: _Numbering, links: dict[str, str] | None = None):
        self.styles = styles
        self.numbering = numbering
        self.links = links or {}  # relationship id -> external target (hyperlinks)

    def hyperlinks(self, p) -> list[str]:
        """Targets of the paragraph's hyperlinks: ``w:hyperlink`` elements and HYPERLINK fields."""
        targets = [self.links[rid] for link in p.iter(_w("hyperlink"))
                   if (rid := link.get(f"{{{R_NS}}}id")) in self.links]
        for instr in p.iter(_w("instrText")):
            if match := re.search(r'HYPERLINK\s+"([^"]+)"', instr.text or ""):
                targets.append(match.group(1))
        return targets

    def blocks(self, parent) -> list[Block]:
        out: list[Block] = []
        for child in _content(parent):
            if child.tag == _w("p"):
                block = self.paragraph(child)
                if block is not None:
                    out.append(block)
            elif child.tag == _w("tbl"):
                out.append(self.table(child))
        return out

    def paragraph(self, p) -> Block | None:
        """A paragraph as a block; None for an empty one (its list number still counts)."""
        p_pr = p.find(_w("pPr"))
        style_id = _val(p_pr, "pStyle")
        text, notes = _paragraph_text(p)
        numbered = self.numbering.paragraph_numbering(p_pr, style_id)
        label = self.numbering.next_label(*numbered) if numbered else ""
        if not text and not notes:
            return None
        heading = self.styles.heading_level(style_id)
        links = self.hyperlinks(p)
        if heading is not None:
            return Block(text, kind="heading", level=heading, label=label, footnotes=notes, links=links)
        if numbered:
            return Block(text, kind="list_item", level=numbered[1], label=label,
                         footnotes=notes, links=links)
        return Block(text, footnotes=notes, links=links)

    def table(self, tbl) -> Block:
        """A table as one block: cell texts by row, and every footnote cited in a cell."""
        rows: list[list[str]] = []
        notes: list[str] = []
        for tr in _content(tbl):
            if tr.tag != _w("tr"):
                continue
            row = []
            for tc in _content(tr):
                if tc.tag != _w("tc"):
                    continue
                cell = self.blocks(tc)
                row.append("\n".join(line for b in cell for line in _block_lines(b)))
                notes.extend(n for b in cell for n in b.footnotes)
            rows.append(row)
        text = "\n".join(" | ".join(row) for row in rows)
        return Block(text, kind="table", rows=rows, footnotes=notes)


def _block_lines(block: Block) -> list[str]:
    if block.kind == "table" and block.rows:
        return [" | ".join(row) for row in block.rows]
    return [block.line()]


# ------------------------------------------------------------- footnotes and metadata


def _footnotes(word, source: str) -> list[Footnote]:
    """The footnotes of the document (separators left out), from the footnotes part."""
    part = next((rel.target_part for rel in word.part.rels.values()
                 if rel.reltype == FOOTNOTES_RELTYPE and not rel.is_external), None)
    if part is None:
        return []
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(part.blob, parser)
    except etree.XMLSyntaxError as err:
        raise InputError(source, f"corrupt .docx: XML syntax error in {part.partname[1:]} "
                                 f"({_detail(err)})") from None
    out = []
    for note in root.iterchildren(_w("footnote")):
        if note.get(_w("type")) in _SKIPPED_FOOTNOTE_TYPES or note.get(_w("id")) is None:
            continue
        texts = [_paragraph_text(p)[0] for p in note.iter(_w("p"))]
        out.append(Footnote(note.get(_w("id")), " ".join(t for t in texts if t)))
    return out


def _metadata(word) -> dict[str, str]:
    """Title and creation/modification dates from docProps/core.xml, when the file has one."""
    try:  # without a core part python-docx would invent one ("Word Document", today)
        word.part.package.part_related_by(CORE_RELTYPE)
    except KeyError:
        return {}
    props = word.core_properties
    out: dict[str, str] = {}
    if props.title and props.title.strip():
        out["title"] = " ".join(props.title.split())
    for key, value in (("created", props.created), ("modified", props.modified)):
        if isinstance(value, dt.datetime):
            out[key] = value.date().isoformat()
    return out
