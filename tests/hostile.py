"""Hostile input files, made on the fly (small on disk, or streamed): bombs, loops, wrong parts.

Each maker returns the file's bytes, or writes it to ``path`` and returns the path when the
file is large (a zip bomb is a few MB on disk, GBs when inflated).

>>> data = docx_with_part("word/styles.xml", b"<x/>")
>>> data[:2]
b'PK'
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from tests.docxgen import make_fiche_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FICHE_BLOCKS = [("title", "Fiche 1: Verordening X"), ("heading0", "Algemene gegevens"),
                ("item1", "Titel voorstel"), ("para", "Voorstel voor een verordening X[^1]")]


def fiche_docx() -> bytes:
    """A small, well-formed fiche .docx with numbering and a footnote."""
    return make_fiche_docx(None, FICHE_BLOCKS, {1: "Kamerstuk 22 112, nr. 1"})


def rewrite(data: bytes, name: str, content: bytes | None) -> bytes:
    """The zip ``data`` with member ``name`` replaced by ``content`` (dropped if None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w",
                                                                   zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == name:
                if content is not None:
                    dst.writestr(info, content)
            else:
                dst.writestr(info, src.read(info))
        if name not in src.namelist() and content is not None:
            dst.writestr(name, content)
    return out.getvalue()


def docx_with_part(name: str, content: bytes | None) -> bytes:
    return rewrite(fiche_docx(), name, content)


def part(name: str) -> bytes:
    return zipfile.ZipFile(io.BytesIO(fiche_docx())).read(name)


def docx_with_content_type(part_name: str, content_type: str) -> bytes:
    """The fiche with the declared content type of ``/part_name`` changed."""
    types = part("[Content_Types].xml").decode()
    types, n = re.subn(rf'(PartName="/{re.escape(part_name)}" ContentType=")[^"]+', 
                       rf"\g<1>{content_type}", types)
    assert n == 1, part_name
    return docx_with_part("[Content_Types].xml", types.encode())


def numbering_start(value: str, fmt: str = "lowerLetter") -> bytes:
    """The fiche whose lettered list level starts at ``value`` (Word's ``w:start``)."""
    numbering = part("word/numbering.xml").decode()
    numbering = re.sub(r'<w:start w:val="\d+"/>', f'<w:start w:val="{value}"/>', numbering)
    numbering = re.sub(r'<w:numFmt w:val="[^"]+"/>', f'<w:numFmt w:val="{fmt}"/>', numbering)
    return docx_with_part("word/numbering.xml", numbering.encode())


# --- zip bombs: deflate streams built from one compressed block, repeated -------------------


def _deflate_repeat(prefix: bytes, filler: bytes, times: int, suffix: bytes):
    """Chunks of a raw deflate stream of ``prefix + filler * times + suffix``, the CRC and
    the inflated size, without ever holding or compressing the inflated data."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = comp.compress(prefix) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(filler) + comp.flush(zlib.Z_FULL_FLUSH)
    tail = comp.compress(suffix) + comp.flush()
    crc = zlib.crc32(prefix)
    filler_crc_state = crc
    for _ in range(times):
        filler_crc_state = zlib.crc32(filler, filler_crc_state)
    crc = zlib.crc32(suffix, filler_crc_state)
    size = len(prefix) + len(filler) * times + len(suffix)

    def chunks():
        yield head
        for _ in range(times):
            yield block
        yield tail

    return chunks, crc & 0xFFFFFFFF, size, len(head) + len(block) * times + len(tail)


def zip_bomb_docx(path: Path, member: str, inflated_mb: int) -> Path:
    """The fiche .docx at ``path`` whose ``member`` (``word/document.xml`` or
    ``word/footnotes.xml``) inflates to ``inflated_mb`` MB of XML white space (zip64)."""
    original = fiche_docx()
    xml = zipfile.ZipFile(io.BytesIO(original)).read(member)
    cut = xml.index(b">", xml.index(b"<w:", xml.index(b"?>") + 2)) + 1  # after the root tag
    filler = b" " * (1 << 20)
    chunks, crc, size, csize = _deflate_repeat(xml[:cut], filler, inflated_mb, xml[cut:])
    with open(path, "wb") as out:
        entries = []
        with zipfile.ZipFile(io.BytesIO(original)) as src:
            for info in src.infolist():
                offset = out.tell()
                name = info.filename.encode()
                if info.filename == member:
                    extra = struct.pack("<HHQQ", 1, 16, size, csize)
                    out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 45, 0, 8, 0, 0, crc,
                                          0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra)))
                    out.write(name + extra)
                    for chunk in chunks():
                        out.write(chunk)
                    entries.append((name, crc, csize, size, offset, 8))
                else:
                    data = src.read(info)
                    comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                    body = comp.compress(data) + comp.flush()
                    c = zlib.crc32(data)
                    out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, c,
                                          len(body), len(data), len(name), 0))
                    out.write(name + body)
                    entries.append((name, c, len(body), len(data), offset, 8))
        start = out.tell()
        for name, c, cs, us, offset, method in entries:
            if us >= 0xFFFFFFFF or cs >= 0xFFFFFFFF or offset >= 0xFFFFFFFF:
                extra = struct.pack("<HHQQQ", 1, 24, us, cs, offset)
                out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 45, 45, 0, method,
                                      0, 0, c, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra),
                                      0, 0, 0, 0, 0xFFFFFFFF))
                out.write(name + extra)
            else:
                out.write(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, method,
                                      0, 0, c, cs, us, len(name), 0, 0, 0, 0, 0, offset))
                out.write(name)
        end = out.tell()
        count = len(entries)
        out.write(struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                              end - start, start))
        out.write(struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1))
        out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF,
                              0xFFFFFFFF, 0))
    return path


# --- PDFs -----------------------------------------------------------------------------------


def _pdf(objects: list[bytes], root: int) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, root, xref)
    return bytes(out)


def pdf_self_root() -> bytes:
    """A PDF whose root object is a reference to itself (about 200 bytes)."""
    return _pdf([b"1 0 R"], 1)


def pdf_pages_loop() -> bytes:
    """A PDF whose page tree lists itself as its own kid."""
    return _pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                 b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"], 1)


def pdf_flate_bomb(path: Path, inflated_mb: int) -> Path:
    """A one-page PDF whose content stream inflates to ``inflated_mb`` MB of white space."""
    chunks, _, _, csize = _deflate_repeat(b"BT /F1 11 Tf 72 700 Td (Fiche) Tj ET\n",
                                          b" " * (1 << 20), inflated_mb, b"\n")
    # zlib format: 2-byte header + raw deflate + adler32 (pdfminer does not check the adler)
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            None,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    with open(path, "wb") as out:
        out.write(b"%PDF-1.4\n")
        offsets = []
        for number, body in enumerate(objs, 1):
            offsets.append(out.tell())
            if body is None:
                out.write(b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n"
                          % (number, csize + 6))
                out.write(b"\x78\xda")
                for chunk in chunks():
                    out.write(chunk)
                out.write(b"\x00\x00\x00\x00\nendstream\nendobj\n")
            else:
                out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
        xref = out.tell()
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
        out.write(b"".join(b"%010d 00000 n \n" % off for off in offsets))
        out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                  % (len(objs) + 1, xref))
    return path
