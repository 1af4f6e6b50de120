"""Reader for plain-text renderings of fiches (web pages, pandoc, PDF transcripts).

What it undoes: bullets and list labels at the start of a line (``• a)``, pandoc's ``1.``)
become ``Block.label``; a label alone on its line joins the next line; hard-wrapped lines are
joined back into paragraphs; pandoc footnotes (texts ending in ``↩︎`` at the end) become
``Footnote`` entries, and the footnote numbers glued to words in the body (``AI-verordening1``)
become ``Block.footnotes`` references.

>>> doc = read_text("  • a) Titel voorstel\\nDe AI-verordening1 is hierin essentieel.\\n"
...                 "Verordening (EU) 2024/1689↩︎\\n", "x.txt")
>>> [(b.label, b.text, b.footnotes) for b in doc.blocks]
[('a)', 'Titel voorstel', []), ('', 'De AI-verordening is hierin essentieel.', ['1'])]
>>> doc.footnotes[0].text
'Verordening (EU) 2024/1689'
"""

from __future__ import annotations

import re

from ..document import Block, Document, Footnote

_LABEL = re.compile(r"^\s*(?:[•·▪◦*-]\s*)?((?:\d{1,2}(?:\.\d{1,2})*\.|[a-z]\)|[ivx]{1,4}\)|\(\w\))(?=\s|$)|[•·▪◦])\s*")
_FOOTNOTE_END = re.compile(r"\s*↩︎?\s*$|\s*↩\s*$")


def read_text(text: str, source: str) -> Document:
    """Read a text rendering into a ``Document`` (format ``"text"``)."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    body, notes = _split_footnotes(lines)
    blocks = _join_labels([_block(line) for line in body if line.strip()])
    if _is_hard_wrapped([b.text for b in blocks]):
        blocks = _join_wraps(blocks)
    if notes:
        _attach_footnote_refs(blocks, len(notes))
    footnotes = [Footnote(str(i), text) for i, text in enumerate(notes, start=1)]
    return Document(source=source, format="text", blocks=blocks, footnotes=footnotes)


def _split_footnotes(lines: list[str]) -> tuple[list[str], list[str]]:
    """Pandoc puts footnote texts at the end, each ending in ``↩︎``."""
    notes: list[str] = []
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    index = end
    while index and ("↩" in lines[index - 1] or not lines[index - 1].strip()):
        index -= 1
    tail = [line for line in lines[index:end] if line.strip()]
    if not tail:
        return lines, []
    notes = [" ".join(_FOOTNOTE_END.sub("", line).split()) for line in tail]
    return lines[:index], notes


def _block(line: str) -> Block:
    match = _LABEL.match(line)
    if match:
        label = match.group(1)
        level = 1 if re.fullmatch(r"[a-z]\)|\(\w\)|[ivx]{1,4}\)", label) else 0
        return Block(line[match.end():].strip(), kind="list_item", level=level, label=label)
    return Block(" ".join(line.split()))


def _join_labels(blocks: list[Block]) -> list[Block]:
    """A label alone on its line (``• 1.``) labels the next line."""
    out: list[Block] = []
    for block in blocks:
        if out and out[-1].label and not out[-1].text and not block.label:
            out[-1].text = block.text
        else:
            out.append(block)
    return [b for b in out if b.text or not b.label]


def _is_hard_wrapped(texts: list[str]) -> bool:
    """Lines cut at a fixed width: none much longer than the width, many near it."""
    lengths = sorted(len(t) for t in texts)
    if len(lengths) < 8:
        return False
    width = lengths[-1]
    return width <= 110 and sum(n >= 0.75 * width for n in lengths) >= max(4, len(lengths) // 6)


def _join_wraps(blocks: list[Block]) -> list[Block]:
    """Join a line to the one before when that one ran up to the wrap width."""
    width = max(len(b.line()) for b in blocks)
    out: list[Block] = []
    last_line = ""  # the previous physical line, before any joining
    for block in blocks:
        prev = out[-1] if out else None
        if prev is not None and len(last_line) >= 0.7 * width and _continues(prev.text, block, width):
            prev.text = f"{prev.text} {block.text}"
        else:
            out.append(block)
        last_line = block.line()
    return out


_STRUCTURE = re.compile(r"^(?:(?:Herzien\s+)?Fiche\b|Nr\.\s|22\s?112\b|De\s+(?:[Mm]inister|[Ss]taatssecretaris)\b"
                        r"|Aan\s+de\b|Den\s+Haag\b)")


def _continues(previous: str, block: Block, width: int) -> bool:
    """Whether ``block`` carries on the wrapped sentence of ``previous``.

    A line starting with a capital carries on only when it is long itself: a short one after
    a sentence cut mid-way is more often a heading (``Bevoegdheid``).
    """
    text = block.text
    if block.label or not text or re.search(r"[.:;!?]$", previous) or text.endswith(":") or _STRUCTURE.match(text):
        return False
    if text[0].islower() or text[0] in "(0123456789":
        return True
    last_word = previous.rsplit(" ", 1)[-1]
    return (last_word[:1].islower() or previous.endswith(",")) and len(text) >= 0.5 * width


def _attach_footnote_refs(blocks: list[Block], count: int) -> None:
    """Find the glued footnote numbers 1..count, in order, and move them into ``footnotes``."""
    number, index = 1, 0
    while number <= count and index < len(blocks):
        block = blocks[index]
        pattern = re.compile(rf"(?<=[^\s\d(]){number}(?=[\s,.;:)]|$)")
        match = pattern.search(block.text)
        if match:
            block.text = block.text[:match.start()] + block.text[match.end():]
            block.footnotes.append(str(number))
            number += 1
        else:
            index += 1
