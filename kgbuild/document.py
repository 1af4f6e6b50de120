"""The document model every reader produces and the parser consumes.

A document is an ordered list of blocks. Each block is one paragraph, heading, list item or
table, with its list numbering resolved into ``label`` (``"1."``, ``"a)"``, ``"•"``) and the
ids of the footnotes it cites. Footnote texts live in ``Document.footnotes``.

>>> doc = Document(source="x.txt", format="text",
...                blocks=[Block("Titel voorstel", kind="list_item", level=1, label="a)")])
>>> doc.lines()
['a) Titel voorstel']
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Block:
    """One paragraph-like unit of a document."""

    text: str
    kind: str = "paragraph"  # "heading" | "paragraph" | "list_item" | "table"
    level: int = 0  # heading or list level, 0 = top
    label: str = ""  # resolved list number or bullet: "1.", "a)", "•"
    footnotes: list[str] = field(default_factory=list)  # ids of the footnotes cited here
    rows: list[list[str]] | None = None  # cell texts, for kind == "table"
    links: list[str] = field(default_factory=list)  # hyperlink targets (URLs) in the block

    def line(self) -> str:
        """The block as one line of text, label first."""
        return f"{self.label} {self.text}".strip() if self.label else self.text


@dataclass
class Footnote:
    """A footnote: its id (as cited in the body) and its text."""

    id: str
    text: str


@dataclass
class Document:
    """A read document: where it came from, how it was rendered, and its content."""

    source: str  # file path or URL
    format: str  # "docx" | "text" | "pdf"
    blocks: list[Block] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)  # e.g. {"created": "2025-11-14"}

    def lines(self) -> list[str]:
        """Every block as one line (tables: one line per row, cells joined by ' | ')."""
        out: list[str] = []
        for block in self.blocks:
            if block.kind == "table" and block.rows:
                out.extend(" | ".join(row) for row in block.rows)
            else:
                out.append(block.line())
        return out
