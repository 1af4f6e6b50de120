"""A local stand-in for the Tweede Kamer OData API, and generated PDF fiches for it to serve.

``FakeOData`` listens on 127.0.0.1 (a free port) and answers the two kinds of request a
harvest makes: ``GET {base}/Document?$filter=…`` (JSON pages of at most ``page_size`` rows
with ``@odata.nextLink``) and ``GET {base}/Document(<Id>)/resource`` (the file). It applies the
parts of ``$filter`` the harvester sends (the fiche clause, ``Verwijderd eq true``,
``ApiGewijzigdOp ge <datetime>``) to its rows, logs every request, and plays faults queued in
``faults`` once each: an HTTP status (with optional Retry-After), ``"malformed"`` (a cut-off
JSON page), ``"drop"`` (the connection closes mid-download), ``"stall"`` (half a download,
then silence), ``("trickle", (nbytes, seconds))`` (the answer in pieces of ``nbytes`` every
``seconds``), ``("huge", nbytes)`` (a listing page of ``nbytes`` streamed without a length;
``("huge-declared", nbytes)`` announces it in Content-Length) or ``("redirect", url)`` (302).
Misbehaviour of the listing itself: ``loop_back`` (the last page's nextLink is page 1 again)
and ``endless`` (a nextLink on every page, for ever).

>>> with FakeOData() as api:
...     api.add_document(_row("d1", "2013D1", "Fiche: Verordening X", 1677), b"%PDF-1.4 x")
...     import httpx
...     page = httpx.get(api.base_url + "Document", params={"$filter": FICHE_FILTER}).json()
>>> [row["DocumentNummer"] for row in page["value"]]
['2013D1']
"""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

FIXTURES = Path(__file__).parent / "fixtures" / "odata"
DOCX = Path(__file__).parent.parent / "data" / "fiches" / "2025D46581.docx"
FICHE_FILTER = "Soort eq 'Brief regering' and startswith(Onderwerp,'Fiche')"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _row(doc_id: str, number: str, onderwerp: str, volgnummer: int, *, soort="Brief regering",
         changed="2024-01-01T10:00:00+01:00", zaak=("2013Z00001",), datum="2013-10-17T00:00:00",
         content_type="application/pdf", dossier=22112) -> dict:
    """One Document row as the API returns it (with Zaak and Kamerstukdossier expanded)."""
    return {
        "Id": doc_id, "Soort": soort, "DocumentNummer": number, "Titel": onderwerp,
        "Onderwerp": onderwerp, "Datum": datum, "Volgnummer": volgnummer,
        "ContentType": content_type, "ContentLength": None, "GewijzigdOp": changed,
        "ApiGewijzigdOp": changed, "Verwijderd": False,
        "Zaak": [{"Id": f"z-{z}", "Nummer": z} for z in zaak],
        "Kamerstukdossier": [{"Id": f"k-{dossier}", "Nummer": dossier, "Toevoeging": None}],
    }


def _when(value: str) -> datetime:
    value = value.replace("Z", "+00:00")
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)
    return datetime.fromisoformat(value)


class FakeOData:
    """The fake API; use as a context manager (the server runs in a daemon thread)."""

    def __init__(self, page_size: int = 2):
        self.page_size = page_size
        self.rows: list[dict] = []
        self.files: dict[str, tuple[bytes, str]] = {}
        self.faults: list[tuple[str, object]] = []  # (kind "list"|"resource", fault)
        self.requests: list[dict] = []
        self.next_link_base: str | None = None  # set to make @odata.nextLink point elsewhere
        self.download_delay = 0.0  # seconds each download takes
        self.loop_back = False  # the last page links back to the first
        self.endless = False  # every page has a next page
        self.active = self.max_active = 0  # downloads in progress: now, at most
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.base_url = f"http://{host}:{port}/OData/v4/2.0/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeOData":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test controls ---

    def add_document(self, row: dict, content: bytes | None = None) -> None:
        with self.lock:
            self.rows = [r for r in self.rows if r["Id"] != row["Id"]] + [row]
            if content is not None:
                self.files[row["Id"]] = (content, row["ContentType"])
                row["ContentLength"] = len(content)

    def change(self, doc_id: str, when: str, content: bytes | None = None, *,
               api_only: bool = False, **fields) -> None:
        """Change a row (and its file): its modification stamps move to ``when``
        (``api_only``: only ApiGewijzigdOp, as for a change of links or metadata)."""
        with self.lock:
            row = next(r for r in self.rows if r["Id"] == doc_id)
            row.update(fields, ApiGewijzigdOp=when)
            if not api_only:
                row["GewijzigdOp"] = when
            if content is not None:
                self.files[doc_id] = (content, row["ContentType"])
                row["ContentLength"] = len(content)

    def delete(self, doc_id: str, when: str, *, blank: bool = False) -> None:
        """Mark a row Verwijderd; ``blank`` empties its fields as some deletions do."""
        with self.lock:
            row = next(r for r in self.rows if r["Id"] == doc_id)
            row.update(Verwijderd=True, ApiGewijzigdOp=when)
            if blank:
                for key in ("Soort", "Onderwerp", "Titel", "DocumentNummer"):
                    row[key] = None
                row["Zaak"], row["Kamerstukdossier"] = [], []
            self.files.pop(doc_id, None)

    def fault(self, kind: str, fault: object, times: int = 1) -> None:
        self.faults.extend([(kind, fault)] * times)

    def downloads(self) -> list[str]:
        """Ids of the documents whose file was requested, in order."""
        return [r["id"] for r in self.requests if r["kind"] == "resource"]

    def listings(self) -> list[dict]:
        return [r for r in self.requests if r["kind"] == "list"]

    # --- the API ---

    def _matches(self, row: dict, flt: str) -> bool:
        """The filter as OData applies it: ``startswith`` is case-sensitive."""
        since = re.search(r"ApiGewijzigdOp ge (\S+?)\)?(?:\s|$)", flt)
        if since and _when(row["ApiGewijzigdOp"]) < _when(since.group(1)):
            return False
        soort = re.search(r"Soort eq '([^']*)'", flt)
        prefixes = re.findall(r"startswith\(Onderwerp,'([^']*)'\)", flt)
        dossier = re.search(r"Kamerstukdossier/any\(k: k/Nummer eq (\d+)\)", flt)
        is_fiche = (
            soort is not None and row["Soort"] == soort.group(1)
            and (row["Onderwerp"] or "").startswith(tuple(prefixes))
            and (dossier is None or any(k["Nummer"] == int(dossier.group(1))
                                        for k in row["Kamerstukdossier"]))
        )
        return is_fiche or (row["Verwijderd"] and "Verwijderd eq true" in flt)

    def _take_fault(self, kind: str):
        with self.lock:
            for i, (k, fault) in enumerate(self.faults):
                if k == kind:
                    del self.faults[i]
                    return fault
        return None

    def _handler(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                path = url.path.removeprefix("/OData/v4/2.0/")
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                match = re.fullmatch(r"Document\(([\w-]+)\)/resource", path)
                kind = "resource" if match else "list" if path == "Document" else "other"
                with api.lock:
                    api.requests.append({"kind": kind, "id": match and match.group(1),
                                         "query": query, "ua": self.headers.get("User-Agent")})
                fault = api._take_fault(kind)
                if isinstance(fault, tuple) and fault[0] == "redirect":
                    return self._send(302, b"", "text/plain", {"Location": fault[1]})
                if isinstance(fault, tuple) and fault[0] in ("huge", "huge-declared"):
                    return self._huge(*fault)
                if isinstance(fault, int) or (isinstance(fault, tuple)
                                              and isinstance(fault[0], int)):
                    status, retry_after = fault if isinstance(fault, tuple) else (fault, None)
                    headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
                    return self._send(status, b'{"error": "fault"}', "application/json", headers)
                if kind == "list":
                    return self._list(query, fault)
                if kind == "resource":
                    return self._resource(match.group(1), fault)
                self._send(404, b"not found", "text/plain")

            def _send(self, status, body, ctype, headers=None, trickle=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                if trickle is None:
                    self.wfile.write(body)
                    return
                piece, pause = trickle
                try:
                    for start in range(0, len(body), piece):
                        self.wfile.write(body[start:start + piece])
                        self.wfile.flush()
                        time.sleep(pause)
                except OSError:  # the client gave up
                    self.close_connection = True

            def _huge(self, kind, nbytes) -> None:
                """A listing page of ``nbytes``: rows, streamed until done or refused."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if kind == "huge-declared":
                    self.send_header("Content-Length", str(nbytes))
                self.send_header("Connection", "close")
                self.end_headers()
                row = json.dumps(_row("h", "2013D1", "Fiche: " + "x" * 900, 1)).encode()
                chunk = b",".join([row] * 64) + b","
                sent = 0
                try:
                    self.wfile.write(b'{"value": [')
                    while sent < nbytes:
                        self.wfile.write(chunk)
                        sent += len(chunk)
                    self.wfile.write(row + b"]}")
                except OSError:
                    pass
                self.close_connection = True

            def _list(self, query, fault) -> None:
                flt = query.get("$filter", "")
                if "startswith(Onderwerp," not in flt:
                    return self._send(400, b'{"error": "unsupported filter"}', "application/json")
                skip = int(query.get("$skip", 0))
                with api.lock:
                    rows = [r for r in api.rows if api._matches(r, flt)]
                    rows.sort(key=lambda r: (_when(r["ApiGewijzigdOp"]), str(r["Id"])))
                    page = json.loads(json.dumps(rows[skip:skip + api.page_size]))
                body = {"@odata.context": api.base_url + "$metadata#Document", "value": page}
                link = (api.next_link_base or api.base_url) + "Document?"
                if skip + api.page_size < len(rows) or api.endless:
                    body["@odata.nextLink"] = link + urlencode(
                        {**query, "$skip": skip + api.page_size})
                elif api.loop_back:
                    first = {k: v for k, v in query.items() if k != "$skip"}
                    body["@odata.nextLink"] = link + urlencode(first)
                data = json.dumps(body).encode()
                if fault == "malformed":
                    data = data[: len(data) // 2]
                self._send(200, data, "application/json; odata.metadata=minimal",
                           trickle=_trickle(fault))

            def _resource(self, doc_id, fault) -> None:
                with api.lock:
                    found = api.files.get(doc_id)
                if found is None:
                    return self._send(404, b'{"error": "no such document"}', "application/json")
                content, ctype = found
                with api.lock:
                    api.active += 1
                    api.max_active = max(api.max_active, api.active)
                try:
                    time.sleep(api.download_delay)
                    self._serve_file(content, ctype, fault)
                finally:
                    with api.lock:
                        api.active -= 1

            def _serve_file(self, content, ctype, fault) -> None:
                if fault in ("drop", "stall"):
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    self.wfile.write(content[: len(content) // 2])
                    self.wfile.flush()
                    if fault == "stall":
                        time.sleep(30)
                    self.close_connection = True
                    return
                self._send(200, content, ctype, trickle=_trickle(fault))

        return Handler


def _trickle(fault):
    """The (piece, pause) of a trickle fault, else None."""
    return fault[1] if isinstance(fault, tuple) and fault[0] == "trickle" else None


# --- PDF fiches -----------------------------------------------------------------------------


def _width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in Helvetica (the metrics pdfminer itself uses)."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica-Bold" if bold else "Helvetica"][1]
    return sum(widths.get(ch, 556) for ch in text) * size / 1000


def make_pdf(pages: list[list[tuple]], *, created: str = "20131017120000") -> bytes:
    """A minimal PDF: each page a list of ``(x, y, size, text[, bold])`` text runs.

    >>> make_pdf([[(72, 700, 11, "Hallo")]])[:8]
    b'%PDF-1.4'
    """
    objs: list[bytes | None] = []

    def add(body: bytes) -> int:
        objs.append(body)
        return len(objs)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>")
    bold = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold "
               b"/Encoding /WinAnsiEncoding >>")
    pages_id = add(b"")
    kids = []
    for items in pages:
        ops = []
        for x, y, size, text, *rest in items:
            esc = (text.encode("cp1252").replace(b"\\", b"\\\\")
                   .replace(b"(", b"\\(").replace(b")", b"\\)"))
            name = b"F2" if rest and rest[0] else b"F1"
            ops.append(b"BT /%s %g Tf %.2f %.2f Td (%s) Tj ET" % (name, size, x, y, esc))
        stream = b"\n".join(ops)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] "
                        b"/Contents %d 0 R /Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> >>"
                        % (pages_id, content, font, bold)))
    objs[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info = add(b"<< /CreationDate (D:%s) >>" % created.encode())
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objs) + 1, catalog, info, xref))
    return bytes(out)


def typeset(blocks: list[tuple[str, str]], footnotes: dict[str, str], *,
            header: str | None = None, width: float = 450, lines_per_page: int = 40) -> bytes:
    """Lay out a document as a PDF the way a word processor would.

    ``blocks`` are ``(style, text)`` with style ``title``, ``heading`` or ``body``; ``[^n]``
    in a text is a superscript footnote reference whose text ``footnotes[n]`` goes to the
    bottom of the page in 8 pt. Pages carry a page number and, if given, a running ``header``.
    """
    pages: list[list[tuple]] = []
    page: list[tuple] = []
    notes: list[str] = []
    y = 0.0

    def new_page() -> None:
        nonlocal page, notes, y
        if page:
            finish_page()
        page, notes, y = [], [], 780.0

    def finish_page() -> None:
        note_y = 40 + 10 * sum(len(_wrap(footnotes[n], 8, width)) for n in notes)
        page.append((290, 20, 9, str(len(pages) + 1)))
        for n in notes:
            for i, line in enumerate(_wrap(footnotes[n], 8, width - 12)):
                if i == 0:
                    page.append((72, note_y, 8, n))
                page.append((84, note_y, 8, line))
                note_y -= 10
        if header:
            page.append((72, 815, 8, header))
        pages.append(page)

    new_page()
    for style, text in blocks:
        size, bold = {"title": (14, True), "heading": (11, True), "body": (11, False)}[style]
        leading = size * 1.3
        for line in _wrap(text, size, width, bold):
            if y - leading < 80 + 10 * (len(notes) + 2):
                new_page()
            y -= leading
            x = 72.0
            for word in re.split(r"(\[\^\d+\])", line):
                ref = re.fullmatch(r"\[\^(\d+)\]", word)
                if ref:
                    page.append((x, y + 4, 6, ref.group(1)))
                    x += _width(ref.group(1), 6)
                    notes.append(ref.group(1))
                elif word:
                    page.append((x, y, size, word, bold))
                    x += _width(word, size, bold)
        y -= 0.7 * leading  # the space after a paragraph
    finish_page()
    return make_pdf(pages)


def _wrap(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        visible = re.sub(r"\[\^\d+\]", "", candidate)
        if current and _width(visible, size, bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    return lines + [current] if current else lines


def eom_fiche_pdf() -> bytes:
    """A 2013-style fiche (the Europees Openbaar Ministerie) as a two-page PDF."""
    blocks = [
        ("title", "Fiche 1: Verordening tot instelling van het Europees Openbaar Ministerie"),
        ("heading", "1. Algemene gegevens"),
        ("body", "a) Titel voorstel"),
        ("body", "Voorstel voor een verordening van de Raad tot instelling van het Europees "
                 "Openbaar Ministerie"),
        ("body", "b) Datum Commissiedocument"),
        ("body", "17 juli 2013"),
        ("body", "c) Nr. Commissiedocument"),
        ("body", "COM (2013) 534"),
        ("heading", "2. Samenvatting BNC-fiche"),
        ("body", "Het voorstel richt een Europees Openbaar Ministerie (EOM) op dat bevoegd is "
                 "strafbare feiten ter bescherming van de financiële belangen van de Unie op "
                 "te sporen en te vervolgen.[^1] De Commissie baseert het voorstel op artikel "
                 "86 VWEU. Het kabinet staat negatief tegenover het voorstel, zoals eerder aan "
                 "de Kamer gemeld.[^2]"),
        ("body", "Met het voorstel wordt beoogd de bescherming van de financiële belangen van "
                 "de Unie te verbeteren. " * 30),
        ("heading", "3. Subsidiariteit en proportionaliteit"),
        ("body", "Het oordeel over de subsidiariteit is negatief. De verordening (EU) nr. "
                 "1303/2013 blijft onverlet.[^3] Een oppervlakte van 20 m2 is geen voetnoot."),
    ]
    footnotes = {
        "1": "Kamerstukken II 2012/13, 22 112, nr. 1677.",
        "2": "Kamerstuk 32 317, nr. 175; zie ook de brief van de minister van Veiligheid en "
             "Justitie over de toekomst van Eurojust en het EOM, die de Kamer eerder ontving.",
        "3": "Verordening (EU) nr. 1303/2013 van het Europees Parlement en de Raad.",
    }
    return typeset(blocks, footnotes, header="Tweede Kamer, vergaderjaar 2013–2014, 22 112, "
                                             "nr. 1700")
