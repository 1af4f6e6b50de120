"""Readers: one per format, each turning raw bytes into a ``Document``.

The format is detected from the content, never from the file name: a zip with
``word/document.xml`` is a .docx, ``%PDF-`` a PDF, an ``<officiele-publicatie>`` the
publisher's XML, decodable text a text rendering.

>>> detect_format(b"%PDF-1.7 ...")
'pdf'
>>> detect_format(b'<?xml version="1.0"?><officiele-publicatie>')
'xml'
>>> detect_format("Fiche: Mededeling".encode())
'text'
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from ..document import Document
from ..errors import InputError


def detect_format(data: bytes) -> str:
    """``docx``, ``pdf``, ``xml``, ``zip`` (a zip that is no .docx), ``text`` or ``binary``."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return "docx"  # a cut-off or damaged package: the .docx reader says what is wrong
        return "docx" if "word/document.xml" in names else "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "docx"  # OLE: an encrypted .docx or a legacy .doc; the .docx reader names it
    if data[:5] == b"%PDF-":
        return "pdf"
    from .xml import is_publication

    if is_publication(data):
        return "xml"
    sample = data[:4096]
    if b"\x00" in sample:
        return "binary"
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as err:
        # A multi-byte character cut at the sample's end is still text.
        if err.start < len(sample) - 4:
            return "text" if _looks_like_cp1252(sample) else "binary"
    return "text"


def _looks_like_cp1252(sample: bytes) -> bool:
    text = sample.decode("cp1252", errors="replace")
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable / max(len(text), 1) > 0.95


def read_bytes(data: bytes, source: str) -> Document:
    """Read a document of any supported format from its bytes; ``source`` names it in errors."""
    kind = detect_format(data)
    if not data.strip():
        raise InputError(source, "empty file")
    if kind == "docx":
        from .docx import read_docx

        return read_docx(data, source)
    if kind == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, source)
    if kind == "xml":
        from .xml import read_xml

        return read_xml(data, source)
    if kind == "text":
        from .text import read_text

        return read_text(_decode(data), source)
    if kind == "zip":
        raise InputError(source, "a zip archive that is not a .docx (no word/document.xml)")
    raise InputError(source, "binary data that is neither .docx, PDF nor text")


def read_path(path: str | Path) -> Document:
    """Read the file at ``path``; unreadable files raise ``InputError``."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError(str(path), err.strerror or str(err)) from None
    return read_bytes(data, str(path))


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
