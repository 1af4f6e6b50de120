"""A local stand-in of officielebekendmakingen's SRU 2.0 service (repository.overheid.nl/sru).

Real HTTP on 127.0.0.1 (a free port). ``/sru`` answers ``searchRetrieve`` with records in the
real record's shape (``../shared/officielebekendmakingen/sru-record-*.xml``: ``gzd`` with
``originalData/meta/{owmskern,owmsmantel,tpmeta}`` and ``enrichedData`` with ``itemUrl``s), in
the real namespaces, paged by ``startRecord``/``maximumRecords`` with ``numberOfRecords``. The
CQL it understands is the part the harvester sends: ``index==value``, ``index=value`` (words of
the value in the field, case-insensitive), ``index>=value``, ``AND``, ``OR``, ``NOT``,
parentheses, ``sortBy`` (ignored: the order is the records' order). An unknown index is an SRU
diagnostic in a 200, like the real service. The files are served under
``/frbr/officielepublicaties/kst/{dossier}/{id}/1/{xml,metadata}/…``.

``Paper`` describes one publication; ``FakeSRU.add(paper)`` serves it; ``fault(kind, what)``
injects a fault into the next request of a kind (``"sru"``, ``"file"``): an HTTP status, or
``"diagnostic"`` (a 200 with ``<diagnostics>``).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

NS = {
    "sru": "http://docs.oasis-open.org/ns/search-ws/sruResponse",
    "gzd": "http://standaarden.overheid.nl/sru",
    "dcterms": "http://purl.org/dc/terms/",
    "overheidwetgeving": "http://standaarden.overheid.nl/wetgeving/",
    "c": "http://standaarden.overheid.nl/collectie/",
}


@dataclass
class Paper:
    """One Kamerstuk publication: its record's facts and its files."""

    identifier: str  # kst-22112-3458, kst-22112-2738-n1, kst-22112-DM, kst-22112-269-b1
    dossiers: list[str]
    number: str
    title: str  # the official title: "<dossier title>; Brief regering; Fiche: …"
    kind: str = "Brief regering"
    creator: str = "Tweede Kamer der Staten-Generaal"
    modified: str = "2022-06-03"
    issued: str = "2022-06-03"
    types: list[str] = field(default_factory=lambda: ["Kamerstuk"])
    xml: bytes | None = None  # the publication
    metadata: bytes | None = None  # its metadata.xml

    def base(self, host: str) -> str:
        return f"{host}/frbr/officielepublicaties/kst/{self.dossiers[0]}/{self.identifier}/1"

    def record_xml(self, host: str, position: int) -> str:
        base = self.base(host)
        types = "".join(f'<dcterms:type scheme="OVERHEIDop.Parlementair">{escape(t)}</dcterms:type>'
                        for t in self.types)
        dossiers = "".join(f"<overheidwetgeving:dossiernummer>{d}</overheidwetgeving:dossiernummer>"
                           for d in self.dossiers)
        items = [f'<gzd:preferredUrl>https://zoek.officielebekendmakingen.nl/{self.identifier}.html</gzd:preferredUrl>']
        if self.xml is not None:
            items.append(f'<gzd:itemUrl manifestation="xml">{base}/xml/{self.identifier}.xml</gzd:itemUrl>')
        if self.metadata is not None:
            items.append(f'<gzd:itemUrl manifestation="metadata">{base}/metadata/metadata.xml</gzd:itemUrl>')
        items.append(f'<gzd:itemUrl manifestation="html">{base}/html/{self.identifier}.html</gzd:itemUrl>')
        return (
            "<sru:record><sru:recordSchema>http://standaarden.overheid.nl/sru/</sru:recordSchema>"
            "<sru:recordPacking>xml</sru:recordPacking><sru:recordData><gzd:gzd><gzd:originalData>"
            "<overheidwetgeving:meta><overheidwetgeving:owmskern>"
            f"<dcterms:identifier>{escape(self.identifier)}</dcterms:identifier>"
            f"<dcterms:title>{escape(self.title)}</dcterms:title><dcterms:language>nl</dcterms:language>"
            f"{types}<dcterms:type scheme=\"OVERHEIDop.KamerstukTypen\">{escape(self.kind)}</dcterms:type>"
            f"<dcterms:creator scheme=\"OVERHEID.StatenGeneraal\">{escape(self.creator)}</dcterms:creator>"
            f"<dcterms:modified>{self.modified}</dcterms:modified></overheidwetgeving:owmskern>"
            f"<overheidwetgeving:owmsmantel><dcterms:available>{self.issued}</dcterms:available>"
            f"<dcterms:issued>{self.issued}</dcterms:issued></overheidwetgeving:owmsmantel>"
            "<overheidwetgeving:tpmeta><c:product-area>officielepublicaties</c:product-area>"
            f"{dossiers}<overheidwetgeving:ondernummer>{escape(self.number)}</overheidwetgeving:ondernummer>"
            "<overheidwetgeving:publicatienaam>Kamerstuk</overheidwetgeving:publicatienaam>"
            f"<overheidwetgeving:subrubriek scheme=\"OVERHEIDop.KamerstukTypen\">{escape(self.kind)}"
            "</overheidwetgeving:subrubriek></overheidwetgeving:tpmeta></overheidwetgeving:meta>"
            f"</gzd:originalData><gzd:enrichedData><gzd:url>{base}/xml/{self.identifier}.xml</gzd:url>"
            f"{''.join(items)}<gzd:timestamp>{self.modified}T10:00:00+02:00</gzd:timestamp>"
            f"</gzd:enrichedData></gzd:gzd></sru:recordData><sru:recordPosition>{position}"
            "</sru:recordPosition></sru:record>")

    def index(self) -> dict[str, list[str]]:
        """The CQL indexes of the record."""
        return {"c.product-area": ["officielepublicaties"], "w.publicatienaam": ["Kamerstuk"],
                "w.dossiernummer": self.dossiers, "w.ondernummer": [self.number],
                "dt.identifier": [self.identifier], "dt.title": [self.title],
                "dt.modified": [self.modified], "dt.date": [self.issued],
                "dt.type": self.types + [self.kind], "w.subrubriek": [self.kind]}


def metadata_xml(paper: Paper, *, document_title: str, dossier_title: str, submitter: str) -> bytes:
    """A Kamerstuk's metadata.xml, in the shape of the real ``metadata-*.xml``."""
    rows = [("DC.identifier", "OVERHEIDop.KamerstukID", paper.identifier),
            ("DC.title", "", paper.title), ("DC.type", "OVERHEIDop.Parlementair", "Kamerstuk"),
            ("DC.type", "OVERHEIDop.KamerstukTypen", paper.kind),
            ("DC.creator", "OVERHEID.StatenGeneraal", paper.creator),
            ("OVERHEIDop.dossiernummer", "", ";".join(paper.dossiers)),
            ("OVERHEIDop.ondernummer", "", paper.number),
            ("OVERHEIDop.dossiertitel", "", dossier_title),
            ("OVERHEIDop.documenttitel", "", document_title),
            ("OVERHEIDop.indiener", "", submitter),
            ("DCTERMS.issued", "DCTERMS.W3CDTF", paper.issued),
            ("DCTERMS.available", "DCTERMS.W3CDTF", paper.issued)]
    body = "".join(f'  <metadata name="{n}" scheme="{s}" content="{escape(v, {chr(34): "&quot;"})}" />\n'
                   for n, s, v in rows)
    return f"<metadata_gegevens>\n{body}</metadata_gegevens>".encode()


# --- CQL --------------------------------------------------------------------------------------


class CqlError(ValueError):
    pass


_TOKEN = re.compile(r'\s*(?:(\()|(\))|"([^"]*)"|(==|>=|<=|=|>|<)|([^\s()"=<>]+))')


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = re.split(r"\s+sortBy\s+", text, maxsplit=1)[0]
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            if text[pos:].strip():
                raise CqlError(f"cannot read the query at {text[pos:pos + 20]!r}")
            break
        pos = m.end()
        if m.group(1):
            out.append(("(", "("))
        elif m.group(2):
            out.append((")", ")"))
        elif m.group(3) is not None:
            out.append(("term", m.group(3)))
        elif m.group(4):
            out.append(("rel", m.group(4)))
        else:
            word = m.group(5)
            out.append(("bool", word.upper()) if word.upper() in ("AND", "OR", "NOT") else ("term", word))
    return out


def cql_matches(query: str, index: dict[str, list[str]]) -> bool:
    """Evaluate the CQL ``query`` against a record's ``index``.

    >>> idx = {"w.dossiernummer": ["22112"], "dt.title": ["X; Brief regering; Fiche: Y"],
    ...        "dt.modified": ["2022-06-03"]}
    >>> cql_matches('w.dossiernummer==22112 AND dt.modified>=2022-06-01', idx)
    True
    >>> cql_matches('dt.title="Fiche" NOT w.dossiernummer==22112', idx)
    False
    """
    tokens = _tokens(query)
    pos = 0

    def peek():
        return tokens[pos] if pos < len(tokens) else (None, None)

    def take():
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expression() -> bool:
        value = clause()
        while peek()[0] == "bool":
            op = take()[1]
            right = clause()
            value = (value and right) if op == "AND" else (value or right) if op == "OR" else (value and not right)
        return value

    def clause() -> bool:
        kind, value = peek()
        if kind == "(":
            take()
            inner = expression()
            if take()[0] != ")":
                raise CqlError("unbalanced parentheses")
            return inner
        if kind != "term":
            raise CqlError(f"expected a search clause, got {value!r}")
        name = take()[1]
        rel_kind, rel = take() if pos < len(tokens) else (None, None)
        if rel_kind != "rel":
            raise CqlError(f"expected a relation after {name}")
        target = take()[1]
        if name not in KNOWN_INDEXES:
            raise CqlError(f"unsupported index {name}")
        values = index.get(name, [])
        if rel == "==":
            return target in values
        if rel == "=":
            words = target.casefold().split()
            return any(all(re.search(rf"\b{re.escape(w)}\b", v.casefold()) for w in words) for v in values)
        compare = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
                   ">": lambda a, b: a > b, "<": lambda a, b: a < b}[rel]
        return any(compare(v, target) for v in values)

    result = expression()
    if pos != len(tokens):
        raise CqlError(f"unexpected {tokens[pos][1]!r}")
    return result


KNOWN_INDEXES = {"c.product-area", "w.publicatienaam", "w.dossiernummer", "w.ondernummer",
                 "dt.identifier", "dt.title", "dt.modified", "dt.date", "dt.type", "w.subrubriek"}


# --- the server -------------------------------------------------------------------------------


class FakeSRU:
    """The SRU endpoint and the publications' files on a free loopback port."""

    def __init__(self):
        self.papers: list[Paper] = []
        self.requests: list[tuple[str, dict]] = []  # (kind, params or path)
        self._faults: dict[str, list] = {"sru": [], "file": []}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.host = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.sru_url = self.host + "/sru"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeSRU":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def add(self, paper: Paper) -> Paper:
        self.papers.append(paper)
        return paper

    def fault(self, kind: str, what, times: int = 1) -> None:
        with self._lock:
            self._faults[kind] += [what] * times

    def downloads(self) -> list[str]:
        return [path for kind, path in self.requests if kind == "file"]

    def searches(self) -> list[dict]:
        return [params for kind, params in self.requests if kind == "sru"]

    def _take_fault(self, kind: str):
        with self._lock:
            return self._faults[kind].pop(0) if self._faults[kind] else None

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/sru":
                    params = {k: v[0] for k, v in parse_qs(url.query).items()}
                    fake.requests.append(("sru", params))
                    self._search(params, fake._take_fault("sru"))
                    return
                fake.requests.append(("file", url.path))
                fault = fake._take_fault("file")
                if isinstance(fault, int):
                    self._send(fault, b"busy", "text/plain")
                    return
                for paper in fake.papers:
                    base = urlsplit(paper.base(fake.host)).path
                    if url.path == f"{base}/xml/{paper.identifier}.xml" and paper.xml is not None:
                        self._send(200, paper.xml, "application/xml")
                        return
                    if url.path == f"{base}/metadata/metadata.xml" and paper.metadata is not None:
                        self._send(200, paper.metadata, "application/xml")
                        return
                self._send(404, b"<html><body>Niet gevonden</body></html>", "text/html")

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _search(self, params: dict, fault) -> None:
                if isinstance(fault, int):
                    self._send(fault, b"busy", "text/plain")
                    return
                if fault == "diagnostic" or params.get("operation") != "searchRetrieve":
                    self._diagnostic("info:srw/diagnostic/1/1", "General system error")
                    return
                try:
                    start = int(params.get("startRecord", "1"))
                    size = int(params.get("maximumRecords", "50"))
                    hits = [p for p in fake.papers if cql_matches(params.get("query", ""), p.index())]
                except (CqlError, ValueError) as err:
                    self._diagnostic("info:srw/diagnostic/1/10", f"Query syntax error: {err}")
                    return
                page = hits[start - 1:start - 1 + size]
                records = "".join(p.record_xml(fake.host, start + i) for i, p in enumerate(page))
                following = start + len(page)
                next_position = (f"<sru:nextRecordPosition>{following}</sru:nextRecordPosition>"
                                 if following <= len(hits) else "")
                body = ('<?xml version="1.0" encoding="UTF-8"?>\n<sru:searchRetrieveResponse '
                        + " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items()) + ">"
                        "<sru:version>2.0</sru:version>"
                        f"<sru:numberOfRecords>{len(hits)}</sru:numberOfRecords>"
                        f"<sru:records>{records}</sru:records>{next_position}"
                        "</sru:searchRetrieveResponse>")
                self._send(200, body.encode(), "application/xml")

            def _diagnostic(self, uri: str, message: str) -> None:
                body = ('<?xml version="1.0"?><sru:searchRetrieveResponse xmlns:sru="' + NS["sru"] + '">'
                        "<sru:version>2.0</sru:version><sru:numberOfRecords>0</sru:numberOfRecords>"
                        '<sru:diagnostics><diag:diagnostic xmlns:diag="http://docs.oasis-open.org/ns/search-ws/diagnostic">'
                        f"<diag:uri>{uri}</diag:uri><diag:message>{escape(message)}</diag:message>"
                        "</diag:diagnostic></sru:diagnostics></sru:searchRetrieveResponse>")
                self._send(200, body.encode(), "application/xml")

        return Handler
