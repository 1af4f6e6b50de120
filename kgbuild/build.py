"""``kgbuild build``: parse, map, reason and load fiches into a new on-disk Oxigraph store.

Steps: find the source files (``iter_sources``), parse them (``kgbuild.parse.parse_file``, in
``jobs`` parser processes under limits, ``kgbuild.sandbox``), keep one record per fiche IRI
(``pick``), map each to its named graph (``kgbuild.mapping``), materialise the OWL 2 RL
entailments into ``{base}graph/inferred`` (``kgbuild.reason``), bulk-load everything into a new
build directory, index the fiches' text for full-text search (``kgbuild.search``, ``search/`` in
the build directory), write ``dump.nq.gz`` and ``report.json`` and swap the store link
(``kgbuild.store``).

A file that cannot be parsed is reported (``log`` line and ``report.failures``) and skipped; the
build goes on. Exit status of the command: 0 all parsed, 1 some failed, 2 an error that stopped
the build (unwritable store, no sources, no file parsed at all, another build running); the
previous store is then untouched.

Builds are incremental: each build directory keeps the records it parsed (``records.jsonl.gz``),
and the next build reuses the record of every file whose content (and, for a harvested file,
open-data metadata) and parser code are unchanged; only new and changed files are parsed.
Mapping and reasoning always run over every fiche.

The same fiche read from several files (``2025D46581.docx`` and its ``.txt`` rendering) has one
IRI (``fiche_key``). Its graph is mapped from one record, the one with most extracted facts
(ties: .docx before .pdf before text, then the path); the report lists every source of it.

>>> [p.name for p in iter_sources(["data/fiches"])][:2]
['2020D39910.txt', '2021D40825.txt']
"""

from __future__ import annotations

import copy
import gzip
import hashlib
import json
import os
import re
import resource
import signal
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from . import __version__
from .errors import InputError, KgbuildError
from .readers import Limits
from .record import FicheRecord, record_from_json
from .sandbox import ParserPool, Result
from .store import RECORDS, REPORT, BuildDir, StoreError, current, save

DEFAULT_BASE = "https://w3id.org/bnc-fiches/"
PROV = "http://www.w3.org/ns/prov#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
DEFAULT_SOURCES = ("data/fiches",)
DEFAULT_STORE = "data/store"
SOURCE_SUFFIXES = (".docx", ".pdf", ".txt", ".xml")
FORMAT_RANK = {"xml": 0, "docx": 1, "pdf": 2, "text": 3}
FACT_FIELDS = ("title", "tk_document_number", "zaak", "kamerstuk", "date_sent", "signatory",
               "sibling_kamerstukken", "proposal_titles", "date_received", "com_numbers",
               "celex", "impact_assessments", "council_formation", "ministries", "legal_basis",
               "cited_kamerstukken", "cited_eu_acts", "treaty_articles")


class BuildInterrupted(KgbuildError):
    """SIGINT or SIGTERM arrived: the build stops, the previous store stays."""

    exit_code = 130


@dataclass
class BuildReport:
    """What a build did; written as ``report.json`` into the build directory."""

    store: str = ""
    build_dir: str = ""
    base: str = DEFAULT_BASE
    kgbuild_version: str = __version__
    started: str = ""
    finished: str = ""
    # path as given -> sha256, bytes, status (parsed|duplicate|failed), fiche key, resolved path
    sources: dict[str, dict] = field(default_factory=dict)
    fiches: list[dict] = field(default_factory=list)  # key, iri, graph, sources, chosen, warnings
    failures: list[dict] = field(default_factory=list)  # source, reason
    counts: dict[str, int] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)  # wall clock per stage
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU per stage, parser processes included
    peak_rss_mib: dict[str, int] = field(default_factory=dict)  # build process, after each stage
    reasoning_unsupported: list[str] = field(default_factory=list)
    records_reused: int = 0  # files whose record came from the previous build

    @property
    def exit_status(self) -> int:
        """0 when every source parsed, 1 when some failed."""
        return 1 if self.failures else 0

    def to_json(self) -> dict:
        out = asdict(self)
        out["exit_status"] = self.exit_status
        return out


def is_source(path: Path) -> bool:
    """Whether a file found in a source directory is read as a fiche.

    >>> is_source(Path("a/2025D46581.docx")), is_source(Path("a/SOURCES.tsv")), is_source(Path(".x.txt"))
    (True, False, False)
    """
    return path.suffix.lower() in SOURCE_SUFFIXES and not path.name.startswith(".")


def iter_sources(sources: Iterable[str | Path]) -> Iterator[Path]:
    """The fiche files named by ``sources``: files as given, directories searched recursively.

    Files in a directory come sorted; each file once. A source that does not exist raises
    ``InputError`` naming it. A harvest directory (``kgbuild fetch``) gives the fiches its
    manifest lists, deleted documents left out.

    >>> list(iter_sources(["data/fiches/2025D46581.docx", "data/fiches/2025D46581.docx"]))
    [PosixPath('data/fiches/2025D46581.docx')]
    """
    from .harvest import is_harvest
    from .harvested import harvested_sources
    from .sru import fiche_dir

    seen: set[Path] = set()
    for source in sources:
        path = Path(source)
        if path.is_dir() and (is_harvest(path) or is_harvest(fiche_dir(path))):  # `kgbuild fetch`
            found = [item.path for item in harvested_sources(path)]
        elif path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_source(p))
        elif path.is_file():
            found = [path]
        else:
            raise InputError(str(source), "no such file or directory")
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                yield p


def facts(record: FicheRecord) -> int:
    """How many facts were extracted: scalar fields count 1, lists their length, plus verdicts.

    >>> facts(FicheRecord(title="T", com_numbers=["COM(2025) 1", "COM(2025) 2"]))
    3
    """
    n = len(record.verdicts.to_json())
    for name in FACT_FIELDS:
        value = getattr(record, name)
        if value is not None:
            n += len(value) if isinstance(value, list) else 1
    return n


def pick(records: list[FicheRecord]) -> FicheRecord:
    """The record a fiche's graph is mapped from: the publisher's XML when there is one (the
    official text, with real footnotes), else the reading with most facts; ties by the richer
    reading (.docx > .pdf > text), then path. Facts only other readings have (the open
    data's document number and Zaak, which the publication does not state) are filled into a
    copy of the XML's record.

    >>> a = FicheRecord(title="T", source="a.txt", source_format="text")
    >>> b = FicheRecord(title="T", source="a.docx", source_format="docx")
    >>> pick([a, b]).source
    'a.docx'
    >>> x = FicheRecord(title="T", source="a.xml", source_format="xml",
    ...                 warnings=["not found: the send date (cover letter or document date)"])
    >>> t = FicheRecord(title="T", zaak="2022Z11225", date_sent="2022-06-03", source="b.txt",
    ...                 source_format="text")
    >>> chosen = pick([t, x]); chosen.source, chosen.zaak, chosen.date_sent, chosen.warnings
    ('a.xml', '2022Z11225', '2022-06-03', [])
    """
    ranked = sorted(records, key=lambda r: (r.source_format != "xml", -facts(r),
                                            FORMAT_RANK.get(r.source_format or "", 9), r.source or ""))
    chosen = ranked[0]
    if chosen.source_format != "xml" or len(ranked) == 1:
        return chosen
    missing = [n for n in FACT_FIELDS if getattr(chosen, n) is None
               and any(getattr(r, n) is not None for r in ranked[1:])]
    if not missing:
        return chosen
    from .parse import EXPECTED_FIELDS

    filled = copy.deepcopy(chosen)
    for name in missing:
        setattr(filled, name, next(getattr(r, name) for r in ranked[1:] if getattr(r, name) is not None))
    resolved = {f"not found: {EXPECTED_FIELDS[n]}" for n in missing if n in EXPECTED_FIELDS}
    filled.warnings = [w for w in filled.warnings if w not in resolved]
    return filled


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (parser processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peak_rss_mib() -> int:
    """Peak resident memory of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _sha256(path: Path) -> tuple[str, int]:
    """The file's SHA-256 and size, read in pieces (a huge file is refused by the reader,
    not held in memory here)."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return digest.hexdigest(), handle.tell()


def parse_all(paths: list[Path], *, jobs: int = 1, limits: Limits | None = None,
              progress: Callable[[int], None] | None = None,
              started: Callable[[list[int]], None] | None = None) -> Iterator[Result]:
    """Parse ``paths`` in ``jobs`` limited parser processes (``kgbuild.sandbox``): one
    ``Result`` per path, as files finish; ``progress(1)`` per file; ``started(pids)`` once
    the processes run (and again when one is replaced)."""
    if not paths:
        return
    with ParserPool(min(jobs, len(paths)), limits) as pool:
        pids = pool.pids()
        if started:
            started(pids)
        for result in pool.run(paths, check=_check_interrupted):
            yield result
            if progress:
                progress(1)
            if started and pool.pids() != pids:  # a process was replaced
                pids = pool.pids()
                started(pids)


_signalled: list[int] = []  # signals received during the running build


def _check_interrupted() -> None:
    """Raise ``BuildInterrupted`` when SIGTERM or SIGINT arrived (checked between steps)."""
    if _signalled:
        raise BuildInterrupted(f"interrupted by {signal.Signals(_signalled[0]).name}; "
                               "the previous store is unchanged")


@contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Record SIGTERM and SIGINT; the build stops at its next check and removes its directory.

    The handler only records: an exception raised from a signal handler can land in code that
    ignores it (at-fork hooks, finalisers), and the build would go on.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _signalled.clear()
    old = {s: signal.signal(s, lambda signum, _frame: _signalled.append(signum))
           for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def build(sources: Iterable[str | Path] = DEFAULT_SOURCES, store_dir: str | Path = DEFAULT_STORE,
          *, base: str = DEFAULT_BASE, jobs: int | None = None,
          log: Callable[[str], None] | None = None, progress: bool | None = None,
          limits: Limits | None = None) -> BuildReport:
    """Build the graph of the fiches in ``sources`` into a new store and swap it in at ``store_dir``.

    ``jobs``: parser processes (default: the number of cores), each reading files under
    ``limits`` (``kgbuild.readers.Limits``; a file over one is a failure, the build goes on).
    ``log`` receives one line per
    failed file (warnings go to the report only). ``progress``: show a progress bar on stderr
    (default: when stderr is a terminal or there are more than 50 files). Raises
    ``KgbuildError`` (exit 2) when nothing can be built; the previous store is then untouched.

    >>> import tempfile
    >>> report = build(["data/fiches/2025D17740.txt"], Path(tempfile.mkdtemp()) / "store")
    >>> report.counts["fiches"], report.exit_status
    (1, 0)
    """
    sources = list(sources)
    report = BuildReport(store=str(store_dir), base=base, started=_now())
    log = log or (lambda line: None)
    paths = list(iter_sources(sources))
    if not paths:
        raise InputError(", ".join(map(str, sources)) or "(no sources)", "no fiche files found")
    if progress is None:
        progress = sys.stderr.isatty() or len(paths) > 50

    with _signals_interrupt(), BuildDir(Path(store_dir)) as target:
        report.build_dir = str(target.path)
        with _Stage(report, "total"):
            _stages(paths, report, target, base=base, jobs=jobs or os.cpu_count() or 1,
                    log=log, progress=progress, limits=limits, papers=cited_metadata(sources))
        report.finished = _now()
        try:  # report.json last: a build directory without it is unfinished
            (target.path / REPORT).write_text(json.dumps(report.to_json(), ensure_ascii=False,
                                                         indent=1))
        except OSError as err:
            raise StoreError(f"{store_dir}: cannot write {REPORT}: {err.strerror}") from None
        _check_interrupted()
        target.publish()
    return report


def cited_metadata(sources: Iterable[str | Path]) -> list[dict]:
    """The cited papers' metadata records harvested under the source directories
    (``DIR/kamerstukken``, ``kgbuild fetch``; or such a directory named itself)."""
    from .harvest import is_harvest
    from .sru import cited_dir, cited_papers

    out: dict[str, dict] = {}
    for source in sources:
        path = Path(source)
        for place in (path, cited_dir(path)):
            if path.is_dir() and is_harvest(place):
                for paper in cited_papers(place):
                    out.setdefault(f"{paper['dossier']}-{paper['number']}", paper)
    return list(out.values())


def _stages(paths: list[Path], report: BuildReport, target: BuildDir, *, base: str, jobs: int,
            log: Callable[[str], None], progress: bool, limits: Limits | None,
            papers: list[dict] = ()) -> None:
    """Parse, map, reason and save into the build directory, filling in ``report``."""
    from .mapping import map_kamerstuk_metadata, ontology_quads
    from .reason import compile_rules, materialise

    store_dir, build_dir = report.store, target.path
    with _Stage(report, "parse"):
        by_key, records = _parse(paths, report, jobs=jobs, log=log, progress=progress,
                                 limits=limits, started=target.record_helpers)
        _save_records(build_dir, records)
        by_key = same_fiche(by_key, {p: i for found in by_key.values() for p, _ in found
                                     if (i := publication_identifier(p))})
    if not by_key:
        raise KgbuildError(f"none of the {len(paths)} files could be parsed; "
                           f"{store_dir} is unchanged")
    with _Stage(report, "map"):
        fiche_quads = _map(by_key, report, base=base, log=log)
        background = ontology_quads(base=base)
        cited = {k.key for found in by_key.values() for _, r in found for k in r.cited_kamerstukken or ()}
        papers = [p for p in papers if f"{p['dossier']}-{p['number']}" in cited]
        fiche_quads += map_kamerstuk_metadata(papers, base=base, built_at=report.started)
    if not report.fiches:
        raise KgbuildError(f"no fiche could be mapped; {store_dir} is unchanged")
    with _Stage(report, "assemble"):  # one in-memory store: reasoned in, then saved
        graph = Store()
        graph.extend(background)
        graph.extend(fiche_quads)
    with _Stage(report, "reason"):
        rules = compile_rules(background)  # the axioms come from the ontology, never a fiche
        report.reasoning_unsupported = rules.unsupported
        inferred = materialise(graph, rules=rules, graph=NamedNode(f"{base}graph/inferred"),
                               between=_check_interrupted)
    _check_interrupted()
    with _Stage(report, "load"):
        try:
            named, merged = save(graph, build_dir)
        except OSError as err:
            raise StoreError(f"{store_dir}: cannot write the new store: "
                             f"{err.strerror or err}") from None
    _check_interrupted()
    with _Stage(report, "index"):  # the full-text search index, in the build dir: swapped with it
        titles = {f"{p['dossier']}-{p['number']}": p["title"] for p in papers if p.get("title")}
        passages = _index(by_key, report, build_dir, base=base, cited_titles=titles)
    report.counts = {
        "search_passages": passages,
        "files": len(paths), "parsed": len(paths) - len(report.failures),
        "failed": len(report.failures), "fiches": len(report.fiches),
        "kamerstuk_records": len(papers),
        "triples_asserted": len(fiche_quads), "triples_background": len(background),
        "triples_inferred": inferred, "quads_in_named_graphs": named,
        "triples_in_default_graph": merged, "quads_in_store": named + merged}


def _index(by_key: dict[str, list[tuple[str, FicheRecord]]], report: BuildReport,
           build_dir: Path, *, base: str, cited_titles: dict[str, str]) -> int:
    """Index the text of every mapped fiche and the titles of the papers it cites
    (``kgbuild.search``); returns the passages."""
    from .search import INDEX_DIR, build_index

    mapped = [fiche["key"] for fiche in report.fiches]
    records = ((f"{base}id/fiche/{key}", pick([r for _, r in by_key[key]])) for key in mapped)
    try:
        return build_index(records, build_dir / INDEX_DIR, cited_titles=cited_titles).passages
    except (OSError, ValueError) as err:
        raise StoreError(f"{report.store}: cannot write the search index: "
                         f"{getattr(err, 'strerror', None) or err}") from None


def _parse(paths: list[Path], report: BuildReport, *, jobs: int, log: Callable[[str], None],
           progress: bool, limits: Limits | None = None,
           started: Callable[[list[int]], None] | None = None
           ) -> tuple[dict[str, list[tuple[str, FicheRecord]]], dict[str, FicheRecord | str]]:
    """Parse every file, reusing the previous build's record of an unchanged one (and its
    failure, if it failed under the same limits). Returns the records by fiche key, each with
    its path, and every record or failure by its key (to be kept for the next build).
    Failures are reported."""
    from .mapping import fiche_key

    previous = _load_records(Path(report.store))
    fingerprint = parser_fingerprint()
    limited = f"{fingerprint}\0{limits or Limits()!r}"  # a failure depends on the limits too
    results: dict[Path, Result] = {}
    hashes: dict[Path, tuple[str, int]] = {}
    todo: list[Path] = []
    for path in paths:
        try:
            hashes[path] = sha, _ = _sha256(path)
        except OSError as err:
            results[path] = Result(path, failure=f"{path}: cannot read: {err.strerror}")
            continue
        cached = previous.get(_record_key(path, sha, fingerprint))
        failed = previous.get(_record_key(path, sha, limited))
        if isinstance(cached, dict):
            results[path] = Result(path, record_from_json(cached))
        elif isinstance(failed, str):
            results[path] = Result(path, failure=failed)
        else:
            todo.append(path)
    report.records_reused = len(results) - (len(paths) - len(hashes))
    by_key: dict[str, list[tuple[str, FicheRecord]]] = {}
    records: dict[str, FicheRecord | str] = {}
    with _progress(len(todo), "parsing", progress) as bar:
        for result in parse_all(todo, jobs=jobs, limits=limits, progress=bar, started=started):
            _check_interrupted()
            results[result.path] = result
    for path in paths:
        sha, size = hashes.get(path, ("", 0))
        record, failure = results[path].record, results[path].failure
        lasting = not results[path].timed_out  # a failure the next build would see again
        entry = {"sha256": sha, "bytes": size, "status": "parsed",
                 "resolved": str(Path(path).resolve())}
        report.sources[str(path)] = entry
        if record is not None:
            try:
                key = fiche_key(record)
            except KgbuildError as err:
                failure = f"{path}: {getattr(err, 'reason', err)}"
        if failure:
            _fail(report, [str(path)], failure, log)
            if path in hashes and lasting:
                records[_record_key(path, sha, limited)] = failure
            continue
        entry["fiche"] = key
        records[_record_key(path, sha, fingerprint)] = record
        by_key.setdefault(key, []).append((str(path), record))
    return by_key, records


def same_fiche(by_key: dict[str, list[tuple[str, FicheRecord]]],
               identifiers: dict[str, str] | None = None) -> dict[str, list[tuple[str, FicheRecord]]]:
    """Join the readings of one fiche that got different keys: the same publication
    (``identifiers``: path -> the publisher's identifier, the open data's
    ``DocumentVersie.ExterneIdentifier`` or the SRU record's, reprint suffix dropped) or the
    same own Kamerstuk, unless their COM numbers tell them apart (an old paper may hold several
    fiches). The joined fiche keeps the key of its picked record.

    >>> from kgbuild.record import KamerstukRef
    >>> a = FicheRecord(title="T", kamerstuk=KamerstukRef("22112", "3458"), com_numbers=["COM(2022) 197"])
    >>> b = FicheRecord(title="T", kamerstuk=KamerstukRef("22112", "3458"))
    >>> c = FicheRecord(title="U", kamerstuk=KamerstukRef("22112", "3458"), com_numbers=["COM(2022) 5"])
    >>> joined = same_fiche({"com-2022-197": [("a.xml", a)], "kst-22112-3458": [("b.txt", b)],
    ...                      "com-2022-5": [("c.txt", c)]})
    >>> sorted((k, [p for p, _ in v]) for k, v in joined.items())
    [('com-2022-197', ['a.xml', 'b.txt']), ('com-2022-5', ['c.txt'])]
    >>> d = FicheRecord(title="T", kamerstuk=KamerstukRef("22112", "3459"))
    >>> sorted(same_fiche({"com-2022-197": [("a.xml", a)], "kst-22112-3459": [("d.docx", d)]},
    ...                   {"a.xml": "kst-22112-3458", "d.docx": "kst-22112-3458"}))
    ['com-2022-197']
    """
    groups = {key: list(found) for key, found in by_key.items()}
    identifiers = identifiers or {}

    def coms(key: str) -> set[str]:
        return {c for _, r in groups[key] for c in r.com_numbers or ()}

    def joinable(a: str, b: str) -> bool:
        return not coms(a) or not coms(b) or bool(coms(a) & coms(b))

    while True:
        index: dict[tuple[str, str], list[str]] = {}
        for key in sorted(groups):
            marks = {("id", identifiers[p]) for p, _ in groups[key] if identifiers.get(p)}
            marks |= {("kst", r.kamerstuk.key) for _, r in groups[key] if r.kamerstuk}
            for mark in sorted(marks):
                index.setdefault(mark, []).append(key)
        pair = next(((a, b) for keys in index.values() for i, a in enumerate(keys)
                     for b in keys[i + 1:] if joinable(a, b)), None)
        if pair is None:
            return groups
        first, second = groups.pop(pair[0]), groups.pop(pair[1])
        chosen = pick([r for _, r in first + second])
        groups[pair[0] if any(r.source == chosen.source for _, r in first) else pair[1]] = first + second


def publication_identifier(path: str | Path) -> str | None:
    """The publisher's identifier of a harvested file (reprint suffix dropped: the paper).

    >>> publication_identifier("data/fiches/kst-22112-3458.txt") is None
    True
    """
    from .harvested import harvested_file

    item = harvested_file(Path(path))
    if item is None:
        return None
    identifier = item.entry.get("ExterneIdentifier") or item.entry.get("dcterms:identifier")
    return re.sub(r"-[nh]\d+$", "", identifier) if identifier else None


def disagreements(found: dict[str, FicheRecord]) -> list[str]:
    """Warnings for the facts that two readings of one fiche state differently.

    >>> disagreements({"a.xml": FicheRecord(date_sent="2022-06-03"),
    ...                "b.txt": FicheRecord(date_sent="2022-06-02"), "c.pdf": FicheRecord()})
    ['sources disagree on date_sent: 2022-06-03 (a.xml) vs 2022-06-02 (b.txt)']
    """
    out = []
    for name in FACT_FIELDS + ("verdicts",):
        seen: dict[str, str] = {}
        for path in sorted(found):
            value = getattr(found[path], name)
            if name == "verdicts":
                value = value.to_json() or None
            if value is None:
                continue
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True,
                               default=lambda v: getattr(v, "key", None) or v.to_json())
            seen.setdefault(shown, path)
        if len(seen) > 1:
            shown = " vs ".join(f"{v.strip(chr(34))} ({p})" for v, p in seen.items())
            out.append(f"sources disagree on {name}: {shown}")
    return out


def parser_fingerprint() -> str:
    """A hash of the code that turns a file into a record: a record is reused only from the
    same code (a changed parser re-parses everything).

    >>> len(parser_fingerprint())
    16
    """
    package = Path(__file__).resolve().parent
    files = [package / name for name in ("document.py", "identifiers.py", "parse.py", "record.py",
                                         "fetch.py", "sru.py")] + sorted((package / "readers").glob("*.py"))
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _record_key(path: Path, sha: str, fingerprint: str) -> str:
    """What a record depends on: the file's place and content, its open-data metadata (for a
    harvested file) and the parser code."""
    from .harvested import harvested_file

    item = harvested_file(Path(path))
    metadata = json.dumps(item.entry, sort_keys=True) if item else ""
    return hashlib.sha256(f"{Path(path).resolve()}\0{sha}\0{metadata}\0{fingerprint}".encode()).hexdigest()


def _load_records(store_dir: Path) -> dict[str, dict | str]:
    """The records of the current build (key -> record JSON, or the failure's one line);
    empty when there are none."""
    build = current(store_dir)
    try:
        with gzip.open(build / RECORDS, "rt", encoding="utf-8") as lines:
            return {item["key"]: item["record"] if "record" in item else item["failure"]
                    for item in map(json.loads, lines)}
    except (OSError, TypeError, ValueError, KeyError, EOFError):
        return {}  # no previous build, or an unreadable cache: parse everything


def _save_records(build_dir: Path, records: dict[str, FicheRecord | str]) -> None:
    with gzip.open(build_dir / RECORDS, "wt", encoding="utf-8", compresslevel=3) as out:
        for key, record in records.items():
            item = {"key": key, "failure": record} if isinstance(record, str) else \
                {"key": key, "record": record.to_json()}
            out.write(json.dumps(item, ensure_ascii=False) + "\n")


def _map(by_key: dict[str, list[tuple[str, FicheRecord]]], report: BuildReport, *, base: str,
         log: Callable[[str], None]) -> list[Quad]:
    """Map one record per fiche (``pick``), with every source in its provenance."""
    from .mapping import map_record

    out: list[Quad] = []
    for key in sorted(by_key):
        _check_interrupted()
        found = dict(by_key[key])
        chosen = pick(list(found.values()))
        chosen_path = next(p for p, r in found.items() if r is chosen or r.source == chosen.source)
        checksum = {p: "sha256:" + report.sources[p]["sha256"] for p in found}
        try:
            quads = map_record(chosen, base=base, source=chosen_path,
                               checksum=checksum[chosen_path], built_at=report.started)
        except Exception as err:  # a mapping bug on one fiche: report it, skip that fiche
            _fail(report, sorted(found), f"{chosen_path}: mapping failed: "
                                         f"{getattr(err, 'reason', err)}", log)
            continue
        quads += _more_sources(quads, [(p, checksum[p]) for p in sorted(found)
                                       if p != chosen_path], base)
        out.extend(quads)
        for path in found:
            if path != chosen_path:
                report.sources[path]["status"] = "duplicate"
        report.fiches.append({
            "key": key, "iri": f"{base}id/fiche/{key}", "graph": f"{base}graph/fiche/{key}",
            "sources": sorted(found), "chosen": chosen_path,
            "warnings": list(chosen.warnings) + disagreements(found), "triples": len(quads),
            "year": fiche_year(chosen), "origins": sorted({source_origin(p) for p in found}),
            "found": found_fields(chosen)})
    return out


REPORT_FIELDS = FACT_FIELDS + ("verdicts.bevoegdheid", "verdicts.subsidiariteit",
                               "verdicts.proportionaliteit")


def found_fields(record: FicheRecord) -> list[str]:
    """The fields of ``REPORT_FIELDS`` the record has a value for (``[]`` counts: it says none).

    >>> found_fields(FicheRecord(title="T", com_numbers=[]))
    ['title', 'com_numbers']
    """
    out = []
    for name in REPORT_FIELDS:
        if name.startswith("verdicts."):
            found = getattr(record.verdicts, name.split(".", 1)[1]) is not None
        else:
            found = getattr(record, name) is not None
        if found:
            out.append(name)
    return out


def fiche_year(record: FicheRecord) -> str | None:
    """The year a fiche was sent (else received), for the harvest report.

    >>> fiche_year(FicheRecord(date_received="2022-05-03")), fiche_year(FicheRecord())
    ('2022', None)
    """
    date = record.date_sent or record.date_received
    return date[:4] if date else None


def source_origin(path: str | Path) -> str:
    """Where a build source came from: ``tk`` (the open-data harvest),
    ``officielebekendmakingen`` (the publisher's harvest) or ``file``."""
    from .harvested import harvested_file

    item = harvested_file(Path(path))
    if item is None:
        return "file"
    return "officielebekendmakingen" if "dcterms:identifier" in item.entry else "tk"


def _fail(report: BuildReport, paths: list[str], reason: str, log: Callable[[str], None]) -> None:
    for path in paths:
        report.sources[path]["status"] = "failed"
        report.failures.append({"source": path, "reason": reason})
    log(f"kgbuild build: skipped {reason}")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


class _Stage:
    """Times one stage into the report: wall and CPU seconds, peak memory after it."""

    def __init__(self, report: BuildReport, name: str):
        self.report, self.name = report, name

    def __enter__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def __exit__(self, *exc) -> None:
        self.report.timings_s[self.name] = round(time.perf_counter() - self.wall, 3)
        self.report.cpu_s[self.name] = round(_cpu() - self.cpu, 3)
        self.report.peak_rss_mib[self.name] = _peak_rss_mib()


def _more_sources(quads: list[Quad], sources: list[tuple[str, str]], base: str) -> list[Quad]:
    """Provenance of the other files the same fiche was read from, beside the mapped source.

    Each becomes a ``bnc:SourceFile`` (path, checksum) of the fiche graph, ``prov:used`` by the
    graph's generating activity, like the source the mapper records.
    """
    if not sources:
        return []
    onto = base + "ontology#"
    used, generated = NamedNode(PROV + "used"), NamedNode(PROV + "wasGeneratedBy")
    graph = quads[0].graph_name
    activities = [q.object for q in quads if q.subject == graph and q.predicate == generated]
    out = []
    for path, checksum in sources:
        src = BlankNode()
        out += [Quad(graph, NamedNode(onto + "sourceFile"), src, graph),
                Quad(src, NamedNode(RDF_TYPE), NamedNode(onto + "SourceFile"), graph),
                Quad(src, NamedNode(onto + "sourcePath"), Literal(path), graph),
                Quad(src, NamedNode(onto + "checksum"), Literal(checksum), graph)]
        out += [Quad(a, used, src, graph) for a in activities]
    return out


@contextmanager
def _progress(length: int, label: str, show: bool) -> Iterator[Callable[[int], None] | None]:
    """A click progress bar on stderr, or ``None`` when not shown."""
    if not show:
        yield None
        return
    import click

    with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
        yield bar.update
