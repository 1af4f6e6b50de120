"""Read a PDF fiche into the document model: blocks in reading order, footnotes apart.

Older fiches exist only as PDFs (the Tweede Kamer's own renderings and the official
publications). A PDF has no paragraphs, lists or footnotes, only glyphs at positions, so this
reader rebuilds them from geometry:

- glyphs that overlap vertically form a line; lines are read top to bottom, page by page;
- running headers and footers (the same text, numbers aside, in the top or bottom margin of
  several pages) and lone page numbers are dropped;
- at the bottom of a page, lines in a smaller font than the body that start with the next
  footnote number (1, 2, 3 … through the document) are footnotes (``1 Kamerstuk 22 112,
  nr. 3457``); other small lines below continue the one above (also across a page break);
- small digits raised above a body line's baseline are footnote references: they leave the
  text and go to ``Block.footnotes`` when a footnote with that number exists (otherwise they
  stay in the text: ``m2`` is no footnote);
- consecutive lines join into one paragraph until a wider gap, a short line, a change of font
  (bold or size), or a list label (``a)``, ``1.``, ``•``) starts a new block; bold or larger
  lines are headings.

**Why pdfminer.six and not pypdf.** pypdf (already a dependency) extracts text per
text-showing operator and reports positions only through a visitor callback, with font sizes
before the text matrix is applied; footnotes and superscripts then need most of a PDF renderer
rebuilt by hand. pdfminer.six (well kept, pure Python, the engine under pdfplumber) gives
every glyph with its bounding box, font name and effective size, which is exactly what telling
footnotes, superscripts, headings and paragraph gaps apart needs.

>>> from kgbuild.readers.pdf import read_pdf
>>> read_pdf(b"%PDF-1.4 garbage", "x.pdf")
Traceback (most recent call last):
...
kgbuild.errors.InputError: x.pdf: corrupt PDF (no /Root object)
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import struct
import zlib
from dataclasses import dataclass, field

from ..document import Block, Document, Footnote
from ..errors import InputError

logging.getLogger("pdfminer").setLevel(logging.ERROR)

# What pdfminer raises on a damaged file: its own PSException/PDFException family, and the
# built-in errors its parsers and decoders let through on malformed objects and streams.
# MemoryError and RecursionError are left to the reader boundary (kgbuild.readers).
PDFMINER_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, AssertionError,
                   EOFError, OverflowError, ZeroDivisionError, struct.error, zlib.error)

LABEL_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*\.|\(?[a-z]\)|[•·▪◦●\-–])\s+(?=\S)")
FOOTNOTE_START_RE = re.compile(r"^(\d{1,3})\s*(?=\S)")
CID_RE = re.compile(r"\(cid:\d+\)")
LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "\u00a0": " "}
BOLD_RE = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)


@dataclass
class Piece:
    """A run of text in a line; ``sup`` marks raised small digits (a footnote reference)."""

    text: str
    sup: bool = False


@dataclass
class Line:
    """One line of glyphs on a page."""

    page: int
    pieces: list[Piece]
    size: float  # the line's dominant font size
    bold: bool
    x0: float
    x1: float
    top: float  # distance from the top of the page
    bottom: float
    baseline: float  # distance from the top of the page
    page_height: float
    footnote_area: bool = False

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.pieces).strip()


@dataclass
class _Glyph:
    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool


@dataclass
class _LineBuilder:
    glyphs: list[_Glyph] = field(default_factory=list)
    y0: float = 0.0
    y1: float = 0.0


def read_pdf(data: bytes, source: str) -> Document:
    """Read PDF ``data``; ``source`` names it in the document and in errors.

    Corrupt or password-protected PDFs, and PDFs without a text layer (scans), raise
    ``InputError`` with a one-line reason. Whether the text is a fiche is the parser's call.
    """
    pages, info = _extract(data, source)
    lines = [line for page in pages for line in page]
    visible = "".join(line.text for line in lines)
    if len(visible.replace(" ", "")) < 20 or visible.count("(cid:") * 6 > len(visible) / 2:
        raise InputError(source, "PDF has no text layer (scanned?)")
    for line in lines:  # glyphs without a Unicode mapping: nothing to read
        for piece in line.pieces:
            piece.text = CID_RE.sub("", piece.text)
    body_size = _body_size(lines)
    pages = [_drop_running_lines(page, pages) for page in pages]
    body: list[Line] = []
    footnotes: list[Footnote] = []
    for page in pages:
        page_body, page_notes = _split_footnotes(page, body_size, footnotes)
        body.extend(page_body)
        _collect_footnotes(page_notes, footnotes)
    ids = {note.id for note in footnotes}
    blocks = _paragraphs(body, body_size, ids)
    return Document(source=source, format="pdf", blocks=blocks, footnotes=footnotes,
                    metadata=info)


# --- extraction -----------------------------------------------------------------------------


def _extract(data: bytes, source: str) -> tuple[list[list[Line]], dict[str, str]]:
    """Glyphs of every page, grouped into lines; the PDF's creation date as metadata."""
    _check_references(data, source)
    info: dict[str, str] = {}
    pages = [_lines(_glyphs(layout), number, layout.height)
             for number, layout in enumerate(_layouts(data, source, info))]
    if not pages:
        raise InputError(source, "corrupt PDF (no pages)")
    return pages, info


def _layouts(data: bytes, source: str, info: dict[str, str]):
    """pdfminer's layout of each page, then ``info`` filled in; what pdfminer raises on a
    damaged file is an ``InputError`` (only pdfminer runs inside the ``try``: the pages are
    processed by the caller, outside it)."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.psexceptions import PSException

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        manager = PDFResourceManager(caching=True)
        device = PDFPageAggregator(manager, laparams=None)
        interpreter = PDFPageInterpreter(manager, device)
        for page in PDFPage.create_pages(document):
            interpreter.process_page(page)
            yield device.get_result()
        info.update(_info(document))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise InputError(source, "PDF is encrypted (a password is needed to read it)") from None
    except (PSException, *PDFMINER_ERRORS) as err:
        reason = (str(err).strip().splitlines() or [type(err).__name__])[0]
        reason = re.sub(r"\s*[!?].*$", "", reason)[:120] or type(err).__name__
        raise InputError(source, f"corrupt PDF ({reason[0].lower()}{reason[1:]})") from None


_ALIAS_RE = re.compile(rb"(?<![0-9])(\d+)\s+\d+\s+obj\s*(\d+)\s+\d+\s+R\s*endobj")


def _check_references(data: bytes, source: str) -> None:
    """``InputError`` when an object is nothing but a reference that leads back to itself
    (``1 0 obj 1 0 R endobj``): pdfminer would follow it for ever. Objects inside compressed
    object streams are not seen here; the sandbox's time limit stops those.

    >>> _check_references(b"%PDF-1.4 1 0 obj 2 0 R endobj 2 0 obj 1 0 R endobj", "x.pdf")
    Traceback (most recent call last):
    ...
    kgbuild.errors.InputError: x.pdf: corrupt PDF (object 1 refers back to itself)
    """
    alias = {int(a): int(b) for a, b in _ALIAS_RE.findall(data)}
    for start in alias:
        seen, current = {start}, alias[start]
        while current in alias:
            if current in seen:
                raise InputError(source, f"corrupt PDF (object {current} refers back to itself)")
            seen.add(current)
            current = alias[current]


def _info(document) -> dict[str, str]:
    """``created``: the PDF's CreationDate as an ISO date, when it has one."""
    for info in document.info:
        raw = info.get("CreationDate")
        if isinstance(raw, bytes):
            raw = raw.decode("latin-1")
        match = re.match(r"(?:D:)?(\d{4})(\d{2})(\d{2})", raw or "")
        if match:
            return {"created": "-".join(match.groups())}
    return {}


def _glyphs(layout) -> list[_Glyph]:
    from pdfminer.layout import LTChar

    out: list[_Glyph] = []
    bold: dict[str, bool] = {}
    stack = [layout]
    while stack:
        item = stack.pop()
        if isinstance(item, LTChar):
            text = item.get_text()
            font = item.fontname or ""
            if font not in bold:
                bold[font] = bool(BOLD_RE.search(font))
            out.append(_Glyph(LIGATURES.get(text, text), item.x0, item.x1, item.y0, item.y1,
                              round(item.size, 1), bold[font]))
        elif hasattr(item, "__iter__"):
            stack.extend(reversed(list(item)))
    return out


def _lines(glyphs: list[_Glyph], page: int, height: float) -> list[Line]:
    """Group glyphs that overlap vertically by half the smaller height into lines.

    Glyphs on the same baseline with the same height form runs first (cheap), then runs that
    overlap join into lines: a raised footnote number joins the line it belongs to.
    """
    runs: dict[tuple[float, float], list[_Glyph]] = {}
    for glyph in glyphs:
        runs.setdefault((round(glyph.y0, 1), round(glyph.y1, 1)), []).append(glyph)
    builders: list[_LineBuilder] = []
    for (y0, y1), run in sorted(runs.items(), key=lambda item: (-item[0][1], item[0][0])):
        best, best_overlap = None, 0.0
        for builder in builders[-6:]:
            overlap = min(builder.y1, y1) - max(builder.y0, y0)
            smaller = min(builder.y1 - builder.y0, y1 - y0) or 1.0
            if overlap >= 0.5 * smaller and overlap > best_overlap:
                best, best_overlap = builder, overlap
        if best is None:
            best = _LineBuilder(y0=y0, y1=y1)
            builders.append(best)
        best.glyphs.extend(run)
        best.y0, best.y1 = min(best.y0, y0), max(best.y1, y1)
    lines = [_make_line(b.glyphs, page, height) for b in builders]
    lines = [line for line in lines if line.text]
    lines.sort(key=lambda line: (line.top, line.x0))
    return lines


def _make_line(glyphs: list[_Glyph], page: int, height: float) -> Line:
    glyphs.sort(key=lambda g: g.x0)
    inked = [g for g in glyphs if g.text.strip()] or glyphs
    size = statistics.mode(g.size for g in inked)
    base = statistics.median(g.y0 for g in inked if g.size == size)
    pieces: list[Piece] = []
    previous: _Glyph | None = None
    for glyph in glyphs:
        sup = (glyph.text.isdigit() and glyph.size < 0.85 * size
               and glyph.y0 > base + 0.15 * size)
        spaced = (previous is not None and glyph.x0 - previous.x1 > 0.2 * glyph.size
                  and " " not in (glyph.text, previous.text))
        if spaced and pieces and not pieces[-1].sup:
            pieces[-1].text += " "
        elif spaced:
            pieces.append(Piece(" "))
        if pieces and pieces[-1].sup == sup and not (sup and spaced):
            pieces[-1].text += glyph.text
        else:
            pieces.append(Piece(glyph.text, sup))
        previous = glyph
    return Line(
        page=page, pieces=pieces, size=size, bold=all(g.bold for g in inked),
        x0=min(g.x0 for g in inked), x1=max(g.x1 for g in inked),
        top=height - max(g.y1 for g in glyphs), bottom=height - min(g.y0 for g in glyphs),
        baseline=height - base, page_height=height,
    )


# --- page furniture and footnotes -----------------------------------------------------------


def _body_size(lines: list[Line]) -> float:
    """The font size most text is set in."""
    weights: dict[float, int] = {}
    for line in lines:
        weights[line.size] = weights.get(line.size, 0) + len(line.text)
    return max(weights, key=weights.get)


def _in_margin(line: Line) -> bool:
    return line.top < 0.09 * line.page_height or line.bottom > 0.93 * line.page_height


def _furniture_key(line: Line) -> str:
    return re.sub(r"\d+", "#", " ".join(line.text.split())).casefold()


def _drop_running_lines(page: list[Line], pages: list[list[Line]]) -> list[Line]:
    """Drop page numbers and headers/footers repeated in the margins of several pages."""
    if len(pages) > 1:
        counts: dict[str, int] = {}
        for other in pages:
            for key in {_furniture_key(line) for line in other if _in_margin(line)}:
                counts[key] = counts.get(key, 0) + 1
    else:
        counts = {}
    kept = []
    for line in page:
        if _in_margin(line) and (
            re.fullmatch(r"(?:pagina\s*)?(?:\d+|[ivxlc]+)(?:\s*(?:/|van)\s*\d+)?", line.text,
                         re.IGNORECASE)
            or counts.get(_furniture_key(line), 0) >= 2
        ):
            continue
        kept.append(line)
    return kept


def _split_footnotes(page: list[Line], body_size: float,
                     footnotes: list[Footnote]) -> tuple[list[Line], list[Line]]:
    """The page's body lines, and its footnote lines: the small-font lines at its bottom.

    Footnotes are numbered through the document, so the small lines are footnotes when one
    of them starts with the next number, or when a footnote of an earlier page may go on.
    """
    cut = len(page)
    while cut > 0 and page[cut - 1].size < 0.92 * body_size:
        cut -= 1
    notes = page[cut:]
    if not footnotes and not any(_next_footnote(line, footnotes) for line in notes):
        return page, []
    return page[:cut], notes


def _footnote_number(line: Line) -> str | None:
    """The number a footnote line starts with (plain or raised), if it starts one."""
    first = next((p for p in line.pieces if p.text.strip()), None)
    if first is not None and first.sup and first.text.strip().isdigit():
        return first.text.strip()
    match = FOOTNOTE_START_RE.match(line.text)
    return match.group(1) if match else None


def _next_footnote(line: Line, footnotes: list[Footnote]) -> str | None:
    """The line's number if it starts the next footnote: 1 first, then one more than the
    last (or two or three more: a footnote may have been lost).

    A number out of sequence is text: ``2019/20, 22 112`` continuing a footnote, or a table.
    """
    number = _footnote_number(line)
    if number is None:
        return None
    if not footnotes:
        return number if number == "1" else None
    last = int(footnotes[-1].id)
    return number if last < int(number) <= last + 3 else None


def _collect_footnotes(lines: list[Line], footnotes: list[Footnote]) -> None:
    for line in lines:
        number = _next_footnote(line, footnotes)
        if number is not None:
            footnotes.append(Footnote(number, _clean(line.text[len(number):])))
        elif footnotes:
            footnotes[-1].text = _join(footnotes[-1].text, _clean(line.text))


# --- paragraphs -----------------------------------------------------------------------------


def _paragraphs(lines: list[Line], body_size: float, footnote_ids: set[str]) -> list[Block]:
    pitches = [b.baseline - a.baseline for a, b in zip(lines, lines[1:])
               if a.page == b.page and a.size == b.size == body_size and b.baseline > a.baseline]
    pitch = statistics.median(pitches) if pitches else body_size * 1.3
    right = max((line.x1 for line in lines if line.size == body_size), default=0.0)
    left = min((line.x0 for line in lines if line.size == body_size), default=0.0)
    width = max(right - left, 1.0)

    groups: list[list[Line]] = []
    for line in lines:
        previous = groups[-1][-1] if groups else None
        if previous is None or _starts_block(previous, line, pitch, right, width):
            groups.append([line])
        else:
            groups[-1].append(line)
    return [_block(group, body_size, footnote_ids) for group in groups]


def _starts_block(prev: Line, line: Line, pitch: float, right: float, width: float) -> bool:
    if prev.bold != line.bold or abs(prev.size - line.size) > 0.6:
        return True
    if LABEL_RE.match(line.text):
        return True
    if prev.page == line.page and line.baseline - prev.baseline > 1.35 * pitch:
        return True
    return prev.x1 < right - 0.15 * width  # the previous line stops short: paragraph end


def _block(lines: list[Line], body_size: float, footnote_ids: set[str]) -> Block:
    text, refs = "", []
    for line in lines:
        line_text = ""
        for piece in line.pieces:
            number = piece.text.strip()
            if piece.sup and number in footnote_ids:
                if number not in refs:
                    refs.append(number)
            else:
                line_text += piece.text
        text = _join(text, _clean(line_text))
    heading = all(line.bold for line in lines) or lines[0].size >= 1.15 * body_size
    label = ""
    match = LABEL_RE.match(text)
    if match:
        label, text = match.group(1), text[match.end():]
    kind = "heading" if heading else ("list_item" if label else "paragraph")
    level = 1 if re.fullmatch(r"\(?[a-z]\)", label) else 0
    return Block(text=text, kind=kind, level=level, label=label, footnotes=refs)


def _clean(text: str) -> str:
    return " ".join(text.split())


def _join(left: str, right: str) -> str:
    """Join two wrapped lines: soft hyphens vanish, a hard hyphen keeps its word together.

    >>> _join("EU-", "lidstaten"), _join("de Com\\u00admissie", ""), _join("een", "zin")
    ('EU-lidstaten', 'de Commissie', 'een zin')
    """
    soft = left.endswith("\u00ad")
    left, right = left.replace("\u00ad", ""), right.replace("\u00ad", "")
    if soft or not left or not right or left.endswith("-"):
        return left + right
    return f"{left} {right}"
