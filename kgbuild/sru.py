"""officielebekendmakingen.nl (KOOP's SRU 2.0 search) as harvest sources on ``kgbuild/harvest.py``.

Two sources share the SRU reading:

- ``Publisher``: the fiches among the Kamerstukken of dossier 22112 and the fiches filed in
  other dossiers (two CQL queries, one after the other), paged with ``startRecord`` /
  ``maximumRecords`` until ``numberOfRecords``, incremental by ``dt.modified``. A fiche is a
  Tweede Kamer "Brief regering" whose official title has a "Fiche: …" part (``is_fiche``);
  letters, attachments (``Bijlage``, ``-b1``) and Eerste Kamer papers (letter numbers) are left
  out. Each paper's identifier comes from the record (``kst-22112-1483-n2``: reprints
  included); its file is the record's XML manifestation.
- ``CitedPapers``: the metadata record (``metadata.xml``) of every Kamerstuk the fiches cite,
  asked for in batches by dossier and number; once cached, a paper is asked for again only
  with ``dt.modified>=`` the last run's high-water mark, so only changed records come back.

Manifest entries keep the record's fields under prefixed names (``dcterms:identifier``,
``dcterms:title``, ``dcterms:modified``, ``dcterms:issued``, ``overheidwetgeving:dossiernummer``
(a list), ``overheidwetgeving:ondernummer`` …), ``kind`` (the ``OVERHEIDop.KamerstukTypen``
value) and the record's file addresses (``xml_url``, ``metadata_url``, ``preferred_url``).
An error can come as HTTP 200 with ``<diagnostics>``: such a page is retried, then the
listing stops and says why.

>>> is_fiche({"dcterms:title": "Nieuwe Commissievoorstellen; Brief regering; Fiche: Verordening X",
...           "kind": "Brief regering", "dcterms:creator": "Tweede Kamer der Staten-Generaal",
...           "dcterms:identifier": "kst-22112-3458", "overheidwetgeving:ondernummer": "3458",
...           "overheidwetgeving:dossiernummer": ["22112"]})
True
>>> is_fiche({"dcterms:title": "Nieuwe Commissievoorstellen; Brief regering; Overzicht fiches",
...           "kind": "Brief regering", "dcterms:identifier": "kst-22112-3460"})
False
>>> is_fiche({"dcterms:title": "Raad Algemene Zaken; Brief regering; Herziene BNC-fiche 2: Richtlijn Y",
...           "kind": "Brief regering", "dcterms:identifier": "kst-21501-02-9999",
...           "overheidwetgeving:dossiernummer": ["21501-02"]})
True
"""

from __future__ import annotations

import copy
import gzip
import json
import re
from pathlib import Path
from typing import Any, Callable, Iterable

from lxml import etree

from .errors import InputError
from .harvest import USER_AGENT, Entry, HarvestedFile, Limits, Page, PageError, Request, Summary, harvested_files
from .harvest import harvest as harvest_source
from .record import FicheRecord, KamerstukRef
from .store import RECORDS

DEFAULT_SRU_URL = "https://repository.overheid.nl/sru"
DOSSIER = "22112"
PAGE_SIZE = 100
BATCH = 25  # cited papers per query
KAMERSTUK = "c.product-area==officielepublicaties AND w.publicatienaam==Kamerstuk"
FICHE_QUERIES = (
    f"{KAMERSTUK} AND w.dossiernummer=={DOSSIER}",
    f'{KAMERSTUK} AND dt.title="Fiche" NOT w.dossiernummer=={DOSSIER}',  # fiches filed elsewhere
)
SORT = " sortBy dt.date/sort.ascending"
PUBLISHER = "dcterms:identifier"  # the key that marks a publisher's manifest entry
_FICHE_TITLE = re.compile(r"(?:^|;\s*)(?:herziene?\s+)?(?:bnc-)?fiche(?:\s+\d+)?(?P<colon>\s*:)?(?=\s|:|$)", re.I)


# --- reading SRU responses ------------------------------------------------------------------


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(node: etree._Element) -> str:
    return " ".join("".join(node.itertext()).split())


def read_response(body: bytes, source: str = "SRU response") -> tuple[list[dict[str, Any]], int, list[str]]:
    """The records of a searchRetrieve response (as manifest metadata), ``numberOfRecords``
    and the diagnostics' messages. Namespaces are ignored (the real service sends them; some
    clients strip them). ``PageError`` for a page that is no SRU response.

    >>> recs, total, diag = read_response(b'<searchRetrieveResponse><numberOfRecords>0'
    ...     b'</numberOfRecords></searchRetrieveResponse>')
    >>> recs, total, diag
    ([], 0, [])
    """
    from .readers.xml import parse_tree

    try:
        root = parse_tree(body, source)
    except InputError as err:
        raise PageError(f"not an SRU response ({err.reason})") from None
    if _local(root.tag) != "searchRetrieveResponse":
        raise PageError(f"not an SRU response (root <{_local(root.tag)}>)")
    diagnostics = [_diagnostic(d) for d in root.iter() if _local(d.tag) == "diagnostic"]
    total = next((_text(n) for n in root if _local(n.tag) == "numberOfRecords"), "")
    if not total.isdigit() and not diagnostics:
        raise PageError("an SRU response without numberOfRecords")
    records = [record_metadata(r) for r in root.iter() if _local(r.tag) == "recordData"]
    return records, int(total) if total.isdigit() else 0, diagnostics


def _diagnostic(node: etree._Element) -> str:
    """A diagnostic's message (and details), else its URI."""
    parts = {_local(c.tag): _text(c) for c in node if isinstance(c.tag, str)}
    text = " ".join(p for p in (parts.get("message"), parts.get("details")) if p)
    return text or parts.get("uri") or _text(node)


_MULTI = {"dossiernummer", "type"}
_BLOCKS = {"owmskern": "dcterms", "owmsmantel": "dcterms", "tpmeta": "overheidwetgeving"}


def record_metadata(record_data: etree._Element) -> dict[str, Any]:
    """One record's fields: ``owmskern``/``owmsmantel`` as ``dcterms:…``, ``tpmeta`` as
    ``overheidwetgeving:…``, the kind (``kind``) and the file addresses of ``enrichedData``."""
    out: dict[str, Any] = {}
    for block in record_data.iter():
        prefix = _BLOCKS.get(_local(block.tag))
        if prefix is None:
            continue
        for node in block:
            name, value = _local(node.tag), _text(node)
            if not name or not value or len(node):
                continue
            if node.get("scheme") == "OVERHEIDop.KamerstukTypen":
                out.setdefault("kind", value)
            key = f"{prefix}:{name}"
            if name in _MULTI:
                values = out.setdefault(key, [])
                values += [v.strip() for v in value.split(";") if v.strip() and v.strip() not in values]
            else:
                out.setdefault(key, value)
    for node in record_data.iter():
        name = _local(node.tag)
        value = _text(node) if isinstance(node.tag, str) else ""
        if name == "itemUrl" and value:
            manifestation = node.get("manifestation")
            if manifestation in ("xml", "metadata", "pdf", "html"):
                out.setdefault(f"{manifestation}_url", value)
        elif name == "preferredUrl" and value:
            out["preferred_url"] = value
        elif name == "timestamp" and value:
            out["timestamp"] = value
    if "kind" not in out and out.get("overheidwetgeving:subrubriek"):
        out["kind"] = out["overheidwetgeving:subrubriek"]
    return out


# --- what a fiche is ------------------------------------------------------------------------


def _dossiers(meta: dict[str, Any]) -> list[str]:
    value = meta.get("overheidwetgeving:dossiernummer") or []
    return [value] if isinstance(value, str) else list(value)


def is_attachment(meta: dict[str, Any]) -> bool:
    """A ``Bijlage`` (by type) or an old ``-b1`` attachment (by identifier).

    >>> is_attachment({"dcterms:identifier": "kst-22112-269-b1"}), is_attachment({"dcterms:type": ["Bijlage"]})
    (True, True)
    """
    types = meta.get("dcterms:type") or []
    return (any(str(t).casefold() == "bijlage" for t in types)
            or re.search(r"-b\d+$", meta.get("dcterms:identifier") or "") is not None)


def is_eerste_kamer(meta: dict[str, Any]) -> bool:
    """An Eerste Kamer paper: its creator says so, or it has a letter number (``kst-22112-K``).

    >>> is_eerste_kamer({"dcterms:identifier": "kst-22112-DM"}), is_eerste_kamer({"dcterms:identifier": "kst-22112-3458-n1"})
    (True, False)
    """
    creator = (meta.get("dcterms:creator") or "").casefold()
    number = meta.get("overheidwetgeving:ondernummer") or _number_of(meta.get("dcterms:identifier") or "") or ""
    return "eerste kamer" in creator or (bool(number) and not re.fullmatch(r"\d+", number))


def _number_of(identifier: str) -> str | None:
    """
    >>> _number_of("kst-22112-1483-n2"), _number_of("kst-21501-30-612"), _number_of("kst-22112-K")
    ('1483', '612', 'K')
    """
    m = re.fullmatch(r"kst-(?:\d+(?:-[A-Za-z0-9]{1,4})??)-([0-9A-Z]+)(?:-[nhb]\d+)?", identifier)
    return m.group(1) if m else None


def is_fiche(meta: dict[str, Any]) -> bool:
    """A Tweede Kamer 'Brief regering' whose official title has a "Fiche: …" part (in dossier
    22112 "Fiche …" without the colon too); no attachment, no Eerste Kamer paper."""
    if is_attachment(meta) or is_eerste_kamer(meta):
        return False
    name = meta.get("overheidwetgeving:publicatienaam")
    if name and name != "Kamerstuk":
        return False
    title = meta.get("dcterms:title") or ""
    kind = (meta.get("kind") or "").casefold()
    if kind and kind != "brief regering":
        return False
    if not kind and not re.search(r";\s*brief regering\s*;", title, re.I):
        return False
    matches = list(_FICHE_TITLE.finditer(title))
    return any(m.group("colon") for m in matches) or (bool(matches) and DOSSIER in _dossiers(meta))


def fiche_title(official_title: str) -> str | None:
    """The fiche's own title from the official one.

    >>> fiche_title("Nieuwe Commissievoorstellen; Brief regering; Fiche: Verordening X; Y")
    'Verordening X; Y'
    """
    m = re.search(r"(?:^|;\s*)(?:Herzien(?:e)?\s+)?(?:BNC-)?[Ff]iche(?:\s+\d+)?\s*:\s*(.+)$", official_title)
    return m.group(1).strip() if m else None


# --- the SRU requests -----------------------------------------------------------------------


def _params(query: str, start: int, size: int) -> dict[str, str]:
    return {"operation": "searchRetrieve", "version": "2.0", "recordSchema": "gzd",
            "startRecord": str(start), "maximumRecords": str(size), "query": query,
            "httpAccept": "application/xml"}


def _since_clause(since: str | None) -> str:
    """``dt.modified`` is a date: ask from the high-water mark's day on (a day's records come
    again, unchanged, and are not downloaded again)."""
    return f" AND dt.modified>={since[:10]}" if since else ""


class _SruSource:
    """Paging through a list of CQL queries, one after the other."""

    accept = "application/xml"
    file_keys: tuple[str, ...] = ("dcterms:modified", "xml_url")
    quiet_keys: tuple[str, ...] = ("timestamp",)

    def __init__(self, base_url: str, page_size: int = PAGE_SIZE):
        self.base_url = base_url
        self.page_size = page_size
        self.queries: list[str] = []

    def first_page(self, since: str | None) -> Request:
        self.queries = self.make_queries(since)
        if not self.queries:
            return Request(self.base_url, _params(f"{KAMERSTUK} AND dt.identifier==none", 1, 1))
        return Request(self.base_url, _params(self.queries[0], 1, self.page_size))

    def make_queries(self, since: str | None) -> list[str]:
        raise NotImplementedError

    def parse_page(self, body: bytes, request: Request) -> Page:
        records, total, diagnostics = read_response(body, request.url)
        if diagnostics:
            raise PageError("SRU diagnostic: " + "; ".join(diagnostics)[:300])
        params = request.params or {}
        start = int(params.get("startRecord", "1"))
        entries = [e for e in (self.entry(meta) for meta in records) if e is not None]
        query = params.get("query", "")
        if records and start + len(records) <= total:
            return Page(entries, Request(request.url, {**params, "startRecord": str(start + len(records))}))
        index = self.queries.index(query) if query in self.queries else len(self.queries)
        if index + 1 < len(self.queries):
            return Page(entries, Request(request.url, _params(self.queries[index + 1], 1, self.page_size)))
        return Page(entries)

    def entry(self, meta: dict[str, Any]) -> Entry | None:
        raise NotImplementedError


class Publisher(_SruSource):
    """The fiches of dossier 22112 and those filed elsewhere, as a ``kgbuild.harvest.Source``.

    >>> src = Publisher("http://127.0.0.1:9/sru")
    >>> src.first_page("2025-01-02T03:04:05Z").params["query"]
    'c.product-area==officielepublicaties AND w.publicatienaam==Kamerstuk AND w.dossiernummer==22112 AND dt.modified>=2025-01-02 sortBy dt.date/sort.ascending'
    """

    def make_queries(self, since: str | None) -> list[str]:
        return [q + _since_clause(since) + SORT for q in FICHE_QUERIES]

    def entry(self, meta: dict[str, Any]) -> Entry | None:
        identifier = meta.get("dcterms:identifier")
        if not identifier or not is_fiche(meta) or not meta.get("xml_url"):
            return None
        return Entry(identifier, meta["xml_url"], meta, stamp=meta.get("dcterms:modified"))


class CitedPapers(_SruSource):
    """The metadata records of the cited Kamerstukken ``wanted`` (``KamerstukRef``s).

    Papers not yet in the cache (``known``: their keys) are asked for whatever the date;
    known ones only with ``dt.modified>=`` the high-water mark.

    >>> src = CitedPapers("http://h/sru", [KamerstukRef("26643", "640")], known=set())
    >>> src.first_page("2025-01-01T00:00:00Z").params["query"].split(" AND ", 2)[2]
    '((w.dossiernummer==26643 AND w.ondernummer==640)) sortBy dt.date/sort.ascending'
    """

    file_keys = ("dcterms:modified", "metadata_url")

    def __init__(self, base_url: str, wanted: Iterable[KamerstukRef], *, known: set[str],
                 page_size: int = PAGE_SIZE):
        super().__init__(base_url, page_size)
        self.wanted = sorted({k.key: k for k in wanted}.values(), key=lambda k: k.key)
        self.wanted_keys = {k.key for k in self.wanted}
        self.known = known

    def make_queries(self, since: str | None) -> list[str]:
        new = [k for k in self.wanted if k.key not in self.known]
        old = [k for k in self.wanted if k.key in self.known]
        out = []
        for papers, clause in ((new, ""), (old, _since_clause(since) if since else "")):
            for i in range(0, len(papers), BATCH):
                pairs = " OR ".join(f"(w.dossiernummer=={k.dossier} AND w.ondernummer=={k.number})"
                                    for k in papers[i:i + BATCH])
                out.append(f"{KAMERSTUK} AND ({pairs}){clause}{SORT}")
        return out

    def entry(self, meta: dict[str, Any]) -> Entry | None:
        identifier = meta.get("dcterms:identifier")
        if not identifier or is_attachment(meta) or not meta.get("metadata_url"):
            return None
        ref = paper_ref(meta)
        if ref is None or ref.key not in self.wanted_keys:
            return None
        return Entry(identifier, meta["metadata_url"], {**meta, "paper": ref.key},
                     stamp=meta.get("dcterms:modified"))


def paper_ref(meta: dict[str, Any]) -> KamerstukRef | None:
    """The Kamerstuk a record is: its main dossier (the first) and number.

    >>> paper_ref({"overheidwetgeving:dossiernummer": ["26643", "32761"],
    ...            "overheidwetgeving:ondernummer": "640"})
    KamerstukRef(dossier='26643', number='640', other_dossiers=('32761',))
    """
    dossiers = _dossiers(meta)
    number = meta.get("overheidwetgeving:ondernummer") or _number_of(meta.get("dcterms:identifier") or "")
    if not dossiers or not number:
        return None
    main = DOSSIER if DOSSIER in dossiers else dossiers[0]
    return KamerstukRef(main, str(number), tuple(d for d in dossiers if d != main))


# --- harvesting -----------------------------------------------------------------------------


def fiche_dir(out: str | Path) -> Path:
    """Where the publisher's fiches are cached under a harvest directory."""
    return Path(out) / "officielebekendmakingen"


def cited_dir(out: str | Path) -> Path:
    """Where the cited papers' metadata records are cached under a harvest directory."""
    return Path(out) / "kamerstukken"


def harvest_fiches(out: str | Path = "data/raw", *, sru_url: str = DEFAULT_SRU_URL,
                   since: str | None = None, concurrency: int = 2, page_size: int = PAGE_SIZE,
                   progress: Callable[[int, int], None] | None = None, **limits: Any) -> Summary:
    """Bring the publisher's fiches under ``out/officielebekendmakingen`` up to date."""
    return harvest_source(fiche_dir(out), Publisher(sru_url, page_size), user_agent=USER_AGENT,
                          since=since, limits=Limits(**limits), concurrency=concurrency,
                          progress=progress)


def harvest_cited(out: str | Path, wanted: Iterable[KamerstukRef], *, sru_url: str = DEFAULT_SRU_URL,
                  concurrency: int = 2, page_size: int = PAGE_SIZE,
                  progress: Callable[[int, int], None] | None = None, **limits: Any) -> Summary:
    """Fetch the metadata records of the ``wanted`` Kamerstukken into ``out/kamerstukken``:
    new ones, and known ones only when the source says they changed."""
    from .harvest import Cache

    root = cited_dir(out)
    known = {e.get("paper") for e in Cache(root).load()["documents"].values() if e.get("status") == "ok"}
    source = CitedPapers(sru_url, wanted, known=known, page_size=page_size)
    return harvest_source(root, source, user_agent=USER_AGENT, limits=Limits(**limits),
                          concurrency=concurrency, progress=progress)


def cited_in_store(store_dir: str | Path) -> list[KamerstukRef]:
    """The Kamerstukken the fiches of the store's current build cite (from its
    ``records.jsonl.gz``); none without a build."""
    from .record import record_from_json
    from .store import current

    build = current(Path(store_dir))
    out: dict[str, KamerstukRef] = {}
    if build is None:
        return []
    try:
        with gzip.open(build / RECORDS, "rt", encoding="utf-8") as lines:
            for line in lines:
                record = record_from_json(json.loads(line)["record"])
                for ref in record.cited_kamerstukken or ():
                    out.setdefault(ref.key, ref)
    except (OSError, ValueError, KeyError, EOFError) as err:
        raise InputError(str(build / RECORDS), f"unreadable records ({err})") from None
    return sorted(out.values(), key=lambda k: k.key)


# --- using the harvest ----------------------------------------------------------------------


def harvested_fiches(root: str | Path) -> list[HarvestedFile]:
    """The publisher's fiches cached at ``root``, by identifier."""
    out = harvested_files(root, lambda e: PUBLISHER in e and "paper" not in e and is_fiche(e))
    return sorted(out, key=lambda f: f.entry[PUBLISHER])


def cited_papers(root: str | Path) -> list[dict[str, Any]]:
    """The cited papers' metadata cached at ``root`` (``out/kamerstukken``), one per paper
    (a reprint's record before the original's), as ``kgbuild.mapping.map_kamerstuk_metadata``
    takes them."""
    from .readers.xml import read_metadata_record

    by_paper: dict[str, dict[str, Any]] = {}
    items = sorted(harvested_files(root, lambda e: "paper" in e),
                   key=lambda f: f.entry[PUBLISHER], reverse=True)  # -n1 after the plain id
    for item in items:
        entry = item.entry
        try:
            record = read_metadata_record(item.path.read_bytes(), item.source)
        except (OSError, InputError):
            record = {}
        ref = paper_ref(entry)
        if ref is None or ref.key in by_paper:
            continue
        official = record.get("official_title") or entry.get("dcterms:title") or ""
        by_paper[ref.key] = {
            "dossier": ref.dossier, "number": ref.number, "other_dossiers": list(ref.other_dossiers),
            "identifier": entry[PUBLISHER],
            "title": record.get("document_title") or _last_part(official) or None,
            "official_title": official or None,
            "kind": record.get("kind") or entry.get("kind"),
            # the letter's own date where the record gives it, else the publication date
            "issued": (record.get("date") or record.get("issued") or entry.get("dcterms:issued") or "")[:10] or None,
            "submitter": record.get("submitter"),
            "dossier_title": record.get("dossier_title") or (official.split(";")[0].strip() if ";" in official else None),
            "url": entry.get("url"), "checksum": "sha256:" + entry["sha256"],
            "modified": entry.get("dcterms:modified"),
        }
    return list(by_paper.values())


def _last_part(official: str) -> str:
    """The paper's own title: the official title after its dossier title and kind.

    >>> _last_part("Informatie- en communicatietechnologie (ICT); Brief regering; Strategisch Actieplan voor AI")
    'Strategisch Actieplan voor AI'
    """
    return official.rsplit(";", 1)[-1].strip() if official else ""


PUBLISHER_WARNINGS = {"kamerstuk": "not found: the fiche's own Kamerstuk number",
                      "title": "not found: the title"}


def apply_publication_metadata(record: FicheRecord, entry: dict[str, Any]) -> FicheRecord:
    """A copy of ``record`` with the publisher's record merged in: the Kamerstuk (dossier and
    number) replaces what the text says (with a warning when they differ); the title comes
    from the official title when the text gave none.

    >>> out = apply_publication_metadata(FicheRecord(title=None), {
    ...     "dcterms:identifier": "kst-22112-1483-n2", "overheidwetgeving:dossiernummer": ["22112"],
    ...     "overheidwetgeving:ondernummer": "1483",
    ...     "dcterms:title": "Nieuwe Commissievoorstellen; Brief regering; Fiche: Richtlijn X"})
    >>> out.kamerstuk.key, out.title
    ('22112-1483', 'Richtlijn X')
    """
    out = copy.deepcopy(record)
    ref = paper_ref(entry)
    if ref is not None:
        if out.kamerstuk is not None and out.kamerstuk.key != ref.key:
            out.warnings.append(f"publisher: kamerstuk {ref.key} replaces {out.kamerstuk.key} "
                                "read from the text")
        out.kamerstuk = ref
        out.warnings = [w for w in out.warnings if not w.startswith(PUBLISHER_WARNINGS["kamerstuk"])]
    if out.title is None and (title := fiche_title(entry.get("dcterms:title") or "")):
        out.title = title
    return out
