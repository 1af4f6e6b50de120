"""Write realistic BNC-fiche .docx files for tests: real Word list numbering, real footnotes.

A fiche is described as a list of blocks, each a tuple ``(kind, content)`` or
``(kind, content, options)``:

=====================  ====================================================================
``("title", text)``     bold paragraph without number (``Fiche 1: Mededeling …``)
``("para", text)``      plain paragraph
``("headingN", text)``  bold list paragraph at list level N (0-8; ``heading`` = ``heading0``)
``("itemN", text)``     plain list paragraph at level N; in the default ``fiche`` list level 0
                        shows ``1.``, level 1 ``a)``, level 2 ``i.``
``("bullet", text)``    bullet list paragraph (``bulletN`` for level N)
``("hN", text)``        paragraph in Word's built-in ``Heading N`` style (1-9); numbered at
                        level N-1 only with option ``{"list": name}`` (then always by
                        ``w:numPr`` on the paragraph, except with ``numbered="text"``/``"none"``)
``("table", rows)``     table; ``rows`` is a list of rows, each a list of cell texts
=====================  ====================================================================

Options of list blocks (``headingN``, ``itemN``, ``bulletN``):
``{"list": name}`` picks a list scheme from ``LISTS`` (``fiche``, ``outline`` = ``1.``/``1.1``,
``upper`` = ``A.``/``I.``, ``bullet``); each scheme is one Word list that keeps counting.
``{"start": 5}`` starts a new instance of that list whose level begins at 5 (``w:lvlOverride``
with ``w:startOverride``, as Word's "Set numbering value" does); ``{"restart": True}`` starts a
new instance at the level's normal start ("Restart at 1").

Texts may carry markup: ``[^3]`` cites footnote 3 (a ``w:footnoteReference w:id="3"`` run,
no number in the text) and ``[label](https://…)`` makes a hyperlink. In tables the same markup
works inside cells, and ``\\n`` splits a cell into paragraphs.

``footnotes`` maps footnote ids (as cited with ``[^id]``) to their plain texts; a ``\\n`` in
a footnote text starts a new paragraph in it. They go into ``word/footnotes.xml``, a part related
to the document with the footnotes relationship and content type, after Word's two separators.

``numbered`` says where list numbers live: ``True`` or ``"direct"`` — ``w:numPr`` on each
paragraph (the usual fiche); ``"style"`` — ``w:numPr`` in paragraph styles ``<List> lijst N``
that the paragraphs use; ``"text"`` — no Word numbering, the number typed into the text
(``a) Titel voorstel``); ``False`` or ``"none"`` — no numbers at all (the 2025+ template).

>>> import io, zipfile
>>> data = make_fiche_docx(None, [
...     ("title", "Fiche 1: Mededeling Apply AI-strategie"),
...     ("heading0", "Algemene gegevens"),
...     ("item1", "Titel voorstel"),
...     ("para", "De AI-verordening[^1] is hierin essentieel."),
...     ("table", [["Rechtsbasis", "artikel 114 VWEU"]]),
... ], footnotes={1: "Verordening (EU) 2024/1689"}, core_title="Fiche 1")
>>> names = zipfile.ZipFile(io.BytesIO(data)).namelist()
>>> "word/footnotes.xml" in names and "word/numbering.xml" in names
True
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import docx
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# Each scheme: per level (numFmt, lvlText, font). Bullets use the private-use characters of the
# Symbol and Wingdings fonts, as Word writes them.
_BULLETS = [("bullet", "\uf0b7", "Symbol"), ("bullet", "o", "Courier New"),
            ("bullet", "\uf0a7", "Wingdings")]
LISTS: dict[str, list[tuple[str, str, str | None]]] = {
    "fiche": [("decimal", "%1.", None), ("lowerLetter", "%2)", None),
              ("lowerRoman", "%3.", None)] + [("decimal", f"%{n}.", None) for n in range(4, 10)],
    "outline": [("decimal", "%1.", None)]
    + [("decimal", ".".join(f"%{k}" for k in range(1, n + 1)), None) for n in range(2, 10)],
    "upper": [("upperLetter", "%1.", None), ("upperRoman", "%2.", None),
              ("lowerLetter", "(%3)", None)] + [("decimal", f"%{n}.", None) for n in range(4, 10)],
    "bullet": _BULLETS * 3,
}

_KIND = re.compile(r"(heading|item|bullet|h)(\d?)")
_MARKUP = re.compile(r"\[\^(\d+)\]|\[([^\]]+)\]\((https?://[^)\s]+)\)")


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


def _el(tag: str, parent=None, **attrs) -> etree._Element:
    """A ``w:`` element with ``w:`` attributes, appended to ``parent`` when given."""
    element = etree.Element(_w(tag)) if parent is None else etree.SubElement(parent, _w(tag))
    for key, value in attrs.items():
        element.set(_w(key), str(value))
    return element


def make_fiche_docx(path, blocks, footnotes=None, numbered=True, core_title=None,
                    created=None) -> bytes:
    """Build the .docx described by ``blocks`` (see the module docstring); return its bytes.

    ``path`` (str, Path or None) is where to write it too. ``core_title`` sets the title and
    ``created`` (a date or datetime) the created and modified dates of docProps/core.xml;
    without it they stay those of python-docx's template (2013-12-23).
    """
    mode = {True: "direct", False: "none"}.get(numbered, numbered)
    if mode not in ("direct", "style", "text", "none"):
        raise ValueError("numbered must be True, False, 'direct', 'style', 'text' or 'none'")
    builder = _Builder(mode)
    for block in blocks:
        builder.add(*block)
    return builder.save(path, footnotes or {}, core_title, created)


class _Builder:
    def __init__(self, mode: str):
        self.doc = docx.Document()
        self.mode = mode
        self.numbering = self.doc.part.numbering_part.element
        existing = [int(a.get(_w("abstractNumId"))) for a in self.numbering.iter(_w("abstractNum"))]
        existing += [int(n.get(_w("numId"))) for n in self.numbering.iter(_w("num"))]
        self.next_id = max(existing, default=0) + 10
        self.abstract: dict[str, int] = {}  # scheme -> abstractNumId
        self.current: dict[str, int] = {}  # scheme -> numId now in use
        self.default: dict[str, int] = {}  # scheme -> numId its styles carry
        self.styles: set[str] = set()
        self.counters: dict[str, dict[int, int]] = {}  # scheme -> level -> n, numbered="text"
        self.cited: set[str] = set()

    # ---------------------------------------------------------------- blocks
    def add(self, kind: str, content, options: dict | None = None) -> None:
        options = options or {}
        if kind == "title":
            self._runs(self.doc.add_paragraph()._p, content, bold=True)
        elif kind == "para":
            self._runs(self.doc.add_paragraph()._p, content)
        elif kind == "table":
            self._table(content)
        else:
            match = _KIND.fullmatch(kind)
            if not match or (match.group(1) == "h" and not match.group(2)):
                raise ValueError(f"unknown block kind {kind!r}")
            name, level = match.group(1), int(match.group(2) or 0)
            if (name == "h" and not 1 <= level <= 9) or (name != "h" and level > 8):
                raise ValueError(f"no such level in block kind {kind!r}")
            if name == "h" and "list" not in options:
                self._runs(self.doc.add_paragraph(style=f"Heading {level}")._p, content)
            elif name == "h":
                self._list_paragraph(options["list"], level - 1, content, options, bold=False,
                                     heading=level)
            else:
                scheme = options.get("list", "bullet" if name == "bullet" else "fiche")
                self._list_paragraph(scheme, level, content, options, bold=name == "heading")

    def _list_paragraph(self, scheme: str, level: int, text: str, options: dict,
                        bold: bool, heading: int | None = None) -> None:
        """A paragraph in list ``scheme`` at ``level`` (a "Heading N" one if ``heading``)."""
        if scheme not in LISTS:
            raise ValueError(f"unknown list scheme {scheme!r}; one of {sorted(LISTS)}")
        # Word numbering only where it is used: "text" and "none" leave numbering.xml alone
        num_id = self._num_id(scheme, level, options) if self.mode in ("direct", "style") else 0
        style = f"Heading {heading}" if heading else None
        p = self.doc.add_paragraph(style=style)._p
        if self.mode == "direct" or (heading and self.mode == "style"):
            p_pr = p.get_or_add_pPr()
            if not heading:
                _el("pStyle", p_pr, val="ListParagraph")
            num_pr = _el("numPr", p_pr)
            _el("ilvl", num_pr, val=level)
            _el("numId", num_pr, val=num_id)
        elif self.mode == "style":
            p_pr = p.get_or_add_pPr()
            _el("pStyle", p_pr, val=self._list_style(scheme, level))
            if num_id != self.default[scheme]:  # a restarted instance: the numId only
                _el("numId", _el("numPr", p_pr), val=num_id)
        elif self.mode == "text":
            text = f"{self._typed_label(scheme, level, options)} {text}"
        self._runs(p, text, bold=bold)

    def _table(self, rows) -> None:
        width = max((len(row) for row in rows), default=1)
        table = self.doc.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"
        for row, cells in zip(table.rows, rows):
            for cell, text in zip(row.cells, cells):
                first, *more = str(text).split("\n")
                self._runs(cell.paragraphs[0]._p, first)
                for line in more:
                    self._runs(cell.add_paragraph()._p, line)

    def _runs(self, p, text: str, bold: bool = False) -> None:
        """Append ``text`` to paragraph ``p`` as runs, footnote references and hyperlinks."""
        pos = 0
        for match in _MARKUP.finditer(text):
            self._run(p, text[pos:match.start()], bold)
            if match.group(1):
                run = _el("r", p)
                _el("rStyle", _el("rPr", run), val="FootnoteReference")
                _el("footnoteReference", run, id=match.group(1))
                self.cited.add(match.group(1))
            else:
                rid = self.doc.part.relate_to(match.group(3), RT.HYPERLINK, is_external=True)
                link = _el("hyperlink", p)
                link.set(f"{{{R_NS}}}id", rid)
                run = self._run(link, match.group(2), bold)
                r_pr = run.find(_w("rPr"))
                if r_pr is None:
                    r_pr = _el("rPr")
                    run.insert(0, r_pr)
                _el("color", r_pr, val="0563C1")
                _el("u", r_pr, val="single")
            pos = match.end()
        self._run(p, text[pos:], bold)

    @staticmethod
    def _run(parent, text: str, bold: bool):
        if not text:
            return None
        run = _el("r", parent)
        if bold:
            _el("b", _el("rPr", run))
        t = _el("t", run)
        t.text = text
        t.set(f"{{{XML_NS}}}space", "preserve")
        return run

    # -------------------------------------------------------------- numbering
    def _num_id(self, scheme: str, level: int, options: dict) -> int:
        """The numId for this paragraph: the scheme's current list, or a new instance."""
        if scheme not in self.abstract:
            self.abstract[scheme] = self._add_abstract(scheme)
            self.current[scheme] = self.default[scheme] = self._add_num(scheme, None, None)
        if "start" in options or options.get("restart"):
            start = options.get("start", 1)
            self.current[scheme] = self._add_num(scheme, level, start)
        return self.current[scheme]

    def _add_abstract(self, scheme: str) -> int:
        aid = self.next_id
        self.next_id += 1
        abstract = _el("abstractNum", abstractNumId=aid)
        _el("nsid", abstract, val=f"{0x5A3C0000 + aid:08X}")
        _el("multiLevelType", abstract, val="hybridMultilevel" if scheme == "bullet"
            else "multilevel")
        for ilvl, (fmt, text, font) in enumerate(LISTS[scheme]):
            lvl = _el("lvl", abstract, ilvl=ilvl)
            _el("start", lvl, val=1)
            _el("numFmt", lvl, val=fmt)
            _el("lvlText", lvl, val=text)
            _el("lvlJc", lvl, val="left")
            _el("ind", _el("pPr", lvl), left=360 * (ilvl + 1), hanging=360)
            if font:
                _el("rFonts", _el("rPr", lvl), ascii=font, hAnsi=font, hint="default")
        # abstractNum definitions precede every w:num in numbering.xml
        first_num = self.numbering.find(_w("num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            self.numbering.append(abstract)
        return aid

    def _add_num(self, scheme: str, level: int | None, start: int | None) -> int:
        num_id = self.next_id
        self.next_id += 1
        num = _el("num", numId=num_id)
        _el("abstractNumId", num, val=self.abstract[scheme])
        if level is not None:
            _el("startOverride", _el("lvlOverride", num, ilvl=level), val=start)
        cleanup = self.numbering.find(_w("numIdMacAtCleanup"))
        if cleanup is not None:
            cleanup.addprevious(num)
        else:
            self.numbering.append(num)
        return num_id

    def _list_style(self, scheme: str, level: int) -> str:
        """A paragraph style carrying the numbering of ``scheme`` at ``level``."""
        style_id = f"{scheme.capitalize()}Lijst{level}"
        if style_id not in self.styles:
            self.styles.add(style_id)
            style = _el("style", type="paragraph", styleId=style_id)
            _el("name", style, val=f"{scheme.capitalize()} lijst {level}")
            _el("basedOn", style, val="ListParagraph")
            _el("qFormat", style)
            num_pr = _el("numPr", _el("pPr", style))
            _el("ilvl", num_pr, val=level)
            _el("numId", num_pr, val=self.default[scheme])
            self.doc.styles.element.append(style)
        return style_id

    def _typed_label(self, scheme: str, level: int, options: dict) -> str:
        """The label Word would show, for typing it into the text (numbered="text")."""
        count = self.counters.setdefault(scheme, {})
        if "start" in options or options.get("restart"):
            count[level] = options.get("start", 1)
        else:
            count[level] = count.get(level, 0) + 1
        for deeper in [n for n in count if n > level]:
            del count[deeper]
        fmt, text, _ = LISTS[scheme][level]
        if fmt == "bullet":
            return "•"
        return re.sub(r"%(\d)", lambda m: _number(count.get(int(m.group(1)) - 1, 1),
                                                   LISTS[scheme][int(m.group(1)) - 1][0]), text)

    # ------------------------------------------------------------------- save
    def save(self, path, footnotes: dict, core_title, created) -> bytes:
        missing = sorted(self.cited - {str(k) for k in footnotes})
        if missing:
            raise ValueError(f"footnotes cited but not given: {missing}")
        if footnotes:
            self._add_footnotes(footnotes)
        props = self.doc.core_properties
        props.author = props.last_modified_by = "Ministerie van Buitenlandse Zaken"
        if core_title is not None:
            props.title = core_title
        if created is not None:
            when = (created if isinstance(created, dt.datetime)
                    else dt.datetime(created.year, created.month, created.day))
            props.created = props.modified = when
        out = io.BytesIO()
        self.doc.save(out)
        data = out.getvalue()
        if path is not None:
            Path(path).write_bytes(data)
        return data

    def _add_footnotes(self, footnotes: dict) -> None:
        """Add word/footnotes.xml, its relationship, and the two footnote styles."""
        root = etree.Element(_w("footnotes"), nsmap={"w": W_NS, "r": R_NS})
        for note_id, kind in (("-1", "separator"), ("0", "continuationSeparator")):
            note = _el("footnote", root, type=kind, id=note_id)
            p = _el("p", note)
            _el("spacing", _el("pPr", p), after=0, line=240, lineRule="auto")
            _el(kind, _el("r", p))
        for note_id, text in sorted(footnotes.items(), key=lambda item: int(item[0])):
            note = _el("footnote", root, id=note_id)
            for n, line in enumerate(str(text).split("\n")):
                p = _el("p", note)
                _el("pStyle", _el("pPr", p), val="FootnoteText")
                if n == 0:
                    mark = _el("r", p)
                    _el("rStyle", _el("rPr", mark), val="FootnoteReference")
                    _el("footnoteRef", mark)
                    line = " " + line
                self._run(p, line, bold=False)
        blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, blob, self.doc.part.package)
        self.doc.part.relate_to(part, RT.FOOTNOTES)
        self._add_footnote_styles()
        settings = self.doc.settings.element
        note_pr = _el("footnotePr")
        for note_id in ("-1", "0"):
            _el("footnote", note_pr, id=note_id)
        anchor = next((settings.find(_w(tag)) for tag in ("endnotePr", "compat", "docVars",
                                                          "rsids") if settings.find(_w(tag))
                       is not None), None)
        if anchor is not None:
            anchor.addprevious(note_pr)
        else:
            settings.append(note_pr)

    def _add_footnote_styles(self) -> None:
        styles = self.doc.styles.element
        text = _el("style", styles, type="paragraph", styleId="FootnoteText")
        _el("name", text, val="footnote text")
        _el("basedOn", text, val="Normal")
        _el("sz", _el("rPr", text), val=16)
        ref = _el("style", styles, type="character", styleId="FootnoteReference")
        _el("name", ref, val="footnote reference")
        _el("vertAlign", _el("rPr", ref), val="superscript")


def _number(n: int, fmt: str) -> str:
    """``n`` in the list number format ``fmt`` (only the formats of ``LISTS``)."""
    if fmt in ("lowerLetter", "upperLetter"):
        letter = chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in ("lowerRoman", "upperRoman"):
        numerals = ["", "i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]
        roman = numerals[n] if n < len(numerals) else str(n)
        return roman.upper() if fmt == "upperRoman" else roman
    return str(n)
