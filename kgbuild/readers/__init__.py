"""Readers: one per format, each turning raw bytes into a ``Document``.

The format is detected from the content, never from the file name: a zip with
``word/document.xml`` is a .docx, ``%PDF-`` a PDF, an ``<officiele-publicatie>`` the
publisher's XML, decodable text a text rendering.

``read_bytes`` is the one boundary every reader is called through. It checks what can be
checked before a library inflates anything (``Limits``: the file's size; a zip's members by
their declared sizes, which ``zipfile`` never reads past) and turns what runs out of memory or
recursion into the one-line ``InputError``. Wall time and memory are enforced around it by
``kgbuild.sandbox``, which runs readers in limited child processes.

>>> detect_format(b"%PDF-1.7 ...")
'pdf'
>>> detect_format(b'<?xml version="1.0"?><officiele-publicatie>')
'xml'
>>> detect_format("Fiche: Mededeling".encode())
'text'
>>> read_bytes(b"x" * 2048, "big.txt", Limits(file_mb=0.001))
Traceback (most recent call last):
...
kgbuild.errors.InputError: big.txt: larger than 0.001 MB (2 kB)
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..document import Document
from ..errors import InputError

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What reading one file may take. The largest real fiche is a few MB (a .docx inflates
    to about 1 MB of XML, a long PDF to some MB of content streams): the defaults leave
    a wide margin and stop bombs long before they hurt.

    ``seconds`` and ``memory_mb`` (the reading process's address space) are enforced by
    ``kgbuild.sandbox``; ``file_mb`` and ``uncompressed_mb`` (all members of a zip package
    together, as declared in it) here, before any library reads the data.
    """

    seconds: float = 60.0
    memory_mb: int = 1024
    file_mb: float = 64.0
    uncompressed_mb: float = 256.0


class OutOfMemory(InputError):
    """Reading the file needed more memory than the limit allows."""


def _mb(n: float) -> str:
    """
    >>> _mb(2.5 * MB), _mb(2500 * MB), _mb(3 * 1024), _mb(10)
    ('2.5 MB', '2,500 MB', '3 kB', '10 bytes')
    """
    if n >= 10 * MB:
        return f"{n / MB:,.0f} MB"
    if n >= MB:
        return f"{n / MB:.1f} MB"
    return f"{n / 1024:.3g} kB" if n >= 1024 else f"{n:g} bytes"


def check_size(size: int, source: str, limits: "Limits") -> None:
    """``InputError`` when a file of ``size`` bytes is over ``limits.file_mb``."""
    if size > limits.file_mb * MB:
        raise InputError(source, f"larger than {limits.file_mb:g} MB ({_mb(size)})")


def check_zip(archive: zipfile.ZipFile, source: str, limits: "Limits") -> None:
    """``InputError`` when the members of ``archive`` would inflate past the limit.

    ``zipfile`` stops reading a member at its declared size (and a member that inflates to
    more fails its CRC), so the declared sizes bound what can be inflated.
    """
    members = archive.infolist()
    total = sum(info.file_size for info in members)
    if total > limits.uncompressed_mb * MB:
        largest = max(members, key=lambda info: info.file_size)
        raise InputError(source, f"larger than {limits.uncompressed_mb:g} MB uncompressed "
                                 f"({_mb(total)}; {largest.filename}: {_mb(largest.file_size)})")


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


def read_bytes(data: bytes, source: str, limits: Limits | None = None) -> Document:
    """Read a document of any supported format from its bytes; ``source`` names it in errors.

    Every error a reader meets on bad input is an ``InputError``, also running out of memory
    (``MemoryError``, as under the sandbox's address-space limit) and of recursion depth.
    """
    limits = limits or Limits()
    check_size(len(data), source, limits)
    try:
        return _read(data, source, limits)
    except MemoryError:
        raise OutOfMemory(source, f"larger than {limits.memory_mb} MB in memory when read"
                          ) from None
    except RecursionError:
        raise InputError(source, "nested too deeply to read") from None


def _read(data: bytes, source: str, limits: Limits) -> Document:
    kind = detect_format(data)
    if not data.strip():
        raise InputError(source, "empty file")
    if kind == "docx":
        from .docx import read_docx

        if data[:4] == b"PK\x03\x04":
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    check_zip(archive, source, limits)
            except zipfile.BadZipFile:
                pass  # the .docx reader says what is wrong
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


def read_path(path: str | Path, limits: Limits | None = None) -> Document:
    """Read the file at ``path``; unreadable files raise ``InputError``; a file over
    ``limits.file_mb`` is refused before it is read."""
    return read_bytes(read_file(path, limits), str(path), limits)


def read_file(path: str | Path, limits: Limits | None = None) -> bytes:
    """The bytes of ``path``, refused (``InputError``) when larger than ``limits.file_mb``."""
    limits = limits or Limits()
    try:
        with open(path, "rb") as handle:
            check_size(os.fstat(handle.fileno()).st_size, str(path), limits)
            return handle.read(int(limits.file_mb * MB) + 1)
    except OSError as err:
        raise InputError(str(path), err.strerror or str(err)) from None


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")
