"""The ``kgbuild`` command line: one thin command per pipeline stage.

Each command only reads its options and calls one library function. Errors the user can act
on (``KgbuildError``) print as one line and exit non-zero; there are no tracebacks.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import KgbuildError
from .readers import Limits as ReadLimits


@click.group()
@click.version_option(__version__, prog_name="kgbuild")
def cli() -> None:
    """Build and serve the knowledge graph of Dutch BNC-fiches."""


def _read_limit_options(func, *, file_mb: bool = True):
    """The limits every file is read under (``kgbuild.readers.Limits``): parse, build, update."""
    opts = [
        click.option("--max-seconds", type=click.FloatRange(0.1), default=ReadLimits.seconds,
                     show_default=True, help="Wall time to read and parse one file."),
        click.option("--max-memory-mb", type=click.IntRange(256), default=ReadLimits.memory_mb,
                     show_default=True, help="Memory (address space) of a parser process."),
        click.option("--max-uncompressed-mb", type=click.FloatRange(0.001),
                     default=ReadLimits.uncompressed_mb, show_default=True,
                     help="What a .docx may inflate to (all its parts)."),
    ]
    if file_mb:
        opts.append(click.option("--max-file-mb", type=click.FloatRange(0.001),
                                 default=ReadLimits.file_mb, show_default=True,
                                 help="Largest file to read."))
    for opt in reversed(opts):
        func = opt(func)
    return func


def _read_limits(max_seconds: float, max_memory_mb: int, max_uncompressed_mb: float,
                 max_file_mb: float) -> ReadLimits:
    return ReadLimits(seconds=max_seconds, memory_mb=max_memory_mb, file_mb=max_file_mb,
                  uncompressed_mb=max_uncompressed_mb)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="json: the record's keys; text: a readable summary.")
@_read_limit_options
def parse(files: tuple[Path, ...], fmt: str, **limits) -> None:
    """Parse fiche FILES (.docx, .pdf or text renderings) into records.

    One file prints one JSON object; several print a JSON array. Warnings go to stderr.
    Each file is read in a parser process under the limits below. A file that cannot be
    parsed, is corrupt or over a limit is reported on one line and skipped; exit status 2 then.
    """
    from .parse import format_text
    from .sandbox import ParserPool

    results = {}
    with ParserPool(1, _read_limits(**limits)) as pool:
        for result in pool.run(files):
            results[result.path] = result
    records, failed = [], False
    for path in files:
        result = results[Path(path)]
        if result.failure:
            click.echo(f"kgbuild parse: {result.failure}", err=True)
            failed = True
            continue
        for warning in result.record.warnings:
            click.echo(f"{path}: warning: {warning}", err=True)
        records.append(result.record)
    if fmt == "json":
        payload = [r.to_json() for r in records]
        if records:
            out = payload[0] if len(files) == 1 else payload
            click.echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        click.echo("\n\n".join(format_text(r) for r in records))
    if failed:
        sys.exit(2)


# --- commands of later stages are added below, one per stage -------------------------------


@cli.command()
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help="Store link to (re)place; builds go beside it in STORE.builds/.")
@click.option("--base", default="https://w3id.org/bnc-fiches/", show_default=True,
              help="Base IRI of everything minted (see docs/CONTRACTS.md).")
@click.option("--jobs", "-j", type=click.IntRange(1), default=None,
              help="Parser processes (default: number of cores).")
@_read_limit_options
def build(sources: tuple[Path, ...], store_dir: Path, base: str, jobs: int | None,
          **limits) -> None:
    """Parse, map, reason and load fiche SOURCES (files or directories; default data/fiches).

    The new store is built beside the live one and swapped in when complete, so a failed or
    interrupted build leaves the previous store as it was. Files that cannot be parsed, are
    corrupt or over a limit are reported (one line each, and in report.json) and skipped.
    Exit status: 0 all parsed, 1 some files failed, 2 nothing built.
    """
    from .build import DEFAULT_SOURCES, build as run_build

    report = run_build(sources or DEFAULT_SOURCES, store_dir, base=base, jobs=jobs,
                       log=lambda line: click.echo(line, err=True),
                       limits=_read_limits(**limits))
    c, t = report.counts, report.timings_s
    warnings = sum(len(f["warnings"]) for f in report.fiches)
    click.echo(f"kgbuild build: {c['fiches']} fiches from {c['parsed']} of {c['files']} files "
               f"({c['failed']} failed, {warnings} warnings: see report.json; "
               f"{report.records_reused} unchanged, not parsed again), "
               f"{c['triples_asserted']} triples asserted, {c['triples_inferred']} inferred, "
               f"{t['total']:.1f} s -> {store_dir}", err=True)
    sys.exit(report.exit_status)


# --- serve, up, query (kgbuild/serve.py, kgbuild/query.py) ---------------------------------

_STORE_HELP = "Store directory (a `kgbuild build` output)."


def _serve_options(func):
    """The options ``serve`` and ``up`` share."""
    opts = [
        click.option("--store", "store_dir", type=click.Path(path_type=Path),
                     default=Path("data/store"), show_default=True, help=_STORE_HELP),
        click.option("--host", default="127.0.0.1", show_default=True,
                     help="Address to listen on (0.0.0.0 to publish beyond this machine)."),
        click.option("--port", type=click.IntRange(0, 65535), default=7878, show_default=True,
                     help="TCP port (0: any free port; the URL is printed)."),
        click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True,
                     help="Seconds a query may run before its worker is killed."),
        click.option("--workers", type=click.IntRange(1), default=None,
                     help="Query worker processes per front process (default: twice the cores "
                          "in all, at least 3 per front process)."),
        click.option("--processes", type=click.IntRange(1), default=2, show_default=True,
                     help="Front processes sharing the port, each with its own workers."),
        click.option("--page-workers", type=click.IntRange(1), default=1, show_default=True,
                     help="Worker processes per front process for the pages' reads (kept apart "
                          "from the queries')."),
        click.option("--per-client", type=click.IntRange(1), default=None,
                     help="Concurrent queries per client address (default: half the "
                          "workers); more get 429."),
        click.option("--queue-timeout", type=click.FloatRange(0.1), default=5.0,
                     show_default=True,
                     help="Seconds a query may wait for a free worker (then 503 + Retry-After)."),
        click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
                     help="Also allow SERVICE calls to this endpoint (repeatable); "
                          "EUR-Lex CELLAR is always allowed, nothing else is."),
        click.option("--max-result-mb", type=click.IntRange(1), default=256, show_default=True,
                     help="Refuse (413) a result larger than this, instead of filling memory."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


@cli.command()
@_serve_options
def serve(store_dir: Path, host: str, port: int, timeout: float, workers: int | None,
          processes: int, page_workers: int, per_client: int | None, queue_timeout: float,
          allow_service: tuple[str, ...], max_result_mb: int) -> None:
    """Serve the store over SPARQL 1.1 (/sparql, /query), with a query UI and the web pages.

    Read-only; each query runs in a worker process that is killed at the timeout.
    """
    from .serve import serve as run_serve

    run_serve(store_dir, host=host, port=port, timeout=timeout, workers=workers,
              processes=processes, page_workers=page_workers, per_client=per_client,
              queue_timeout=queue_timeout, allow_services=allow_service, max_result_mb=max_result_mb)


@cli.command()
@click.option("--fiches", type=click.Path(path_type=Path), default=Path("data/fiches"),
              show_default=True, help="Fiche files to build the graph from.")
@_serve_options
def up(fiches: Path, store_dir: Path, host: str, port: int, timeout: float,
       workers: int | None, processes: int, page_workers: int, per_client: int | None, queue_timeout: float,
       allow_service: tuple[str, ...], max_result_mb: int) -> None:
    """Build the graph when there is none or the fiches changed, then serve it."""
    from .serve import up as run_up

    run_up(fiches, store_dir, host=host, port=port, timeout=timeout, workers=workers,
           processes=processes, page_workers=page_workers, per_client=per_client,
           queue_timeout=queue_timeout, allow_services=allow_service, max_result_mb=max_result_mb,
           log=lambda line: click.echo(line, err=True))


@cli.command()
@click.argument("name")
@click.option("--param", "-p", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind a query parameter (repeatable; a repeated name gives several values).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="table for reading; json (SPARQL results) or csv for tools.")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=None,
              help=_STORE_HELP + " [default: data/store]")
@click.option("--endpoint", default=None, metavar="URL",
              help="Query this SPARQL endpoint instead of a store.")
@click.option("--eurlex-endpoint", default=None, metavar="URL",
              help="Use this endpoint instead of EUR-Lex CELLAR in federated queries (mirrors, tests).")
@click.option("--allow-service", "allow_service", multiple=True, metavar="URL",
              help="Also allow SERVICE calls to this endpoint (repeatable); EUR-Lex CELLAR and "
                   "--eurlex-endpoint are always allowed.")
@click.option("--timeout", type=click.FloatRange(0.1), default=60.0, show_default=True,
              help="Seconds for the whole query, remote SERVICE calls included.")
@click.option("--client-service", is_flag=True, hidden=True,
              help="Obsolete: kgbuild always calls SERVICE endpoints itself now.")
def query(name: str, params: tuple[str, ...], fmt: str, store_dir: Path | None,
          endpoint: str | None, eurlex_endpoint: str | None, allow_service: tuple[str, ...],
          timeout: float, client_service: bool) -> None:
    """Run catalogue query NAME (see queries/) or a .rq FILE on a store or an endpoint.

    SERVICE blocks are evaluated by kgbuild (form-encoded POST or GET, values known locally
    sent in batches); a remote that fails or does not answer within --timeout exits 2.
    """
    from .query import format_results, run_query

    if store_dir is not None and endpoint is not None:
        raise click.UsageError("give --store or --endpoint, not both")
    if client_service:
        click.echo("kgbuild query: --client-service is obsolete: kgbuild always calls SERVICE "
                   "endpoints itself", err=True)
    results = run_query(name, params=params, store=store_dir or Path("data/store"),
                        endpoint=endpoint, eurlex_endpoint=eurlex_endpoint, timeout=timeout,
                        allow_services=allow_service)
    click.echo(format_results(results, fmt))


@cli.command()
@click.argument("text")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help=_STORE_HELP)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for reading; json for tools.")
def find(text: str, store_dir: Path, fmt: str) -> None:
    """Say what TEXT is (a Kamerstuk, COM number, CELEX, ELI, EU act, treaty article, TK document
    or zaak number, in any notation) and list the fiches that cite it.

    TEXT that is no identifier is searched for in the fiches' text (see `kgbuild search`).

    Exit status: 0 found, 1 a well-formed identifier the graph does not hold (or words no fiche
    has), 3 ambiguous (the candidates the graph holds are listed), 2 malformed, or no store.
    """
    from .lookup import find as look_up
    from .query import open_store

    finding = look_up(text, open_store(store_dir))
    resolution = finding.resolution
    if finding.status == "malformed":
        raise KgbuildError(resolution.error)
    if finding.status == "words":  # not an identifier: the words are searched for in the fiches
        _find_words(resolution.text, store_dir, fmt)
        return
    status = {"found": 0, "absent": 1, "ambiguous": 3}[finding.status]
    if fmt == "json":
        click.echo(json.dumps({"text": resolution.text, "status": finding.status,
                               "candidates": [c.to_json() for c in resolution.candidates],
                               "found": [{**c.to_json(), "iri": iri, "cited_by": rows}
                                         for c, iri, rows in finding.found]},
                              ensure_ascii=False, indent=1))
        sys.exit(status)
    if finding.status == "absent":
        names = "; ".join(f"{c.label} <{c.iri}>" if c.iri else c.label
                          for c in resolution.candidates)
        click.echo(f"kgbuild find: '{resolution.text}' is {names}; the graph at {store_dir} "
                   "does not hold it", err=True)
        sys.exit(1)
    if finding.status == "ambiguous":
        click.echo(f"'{resolution.text}' can be read {len(finding.found)} ways the graph holds:")
    for c, iri, rows in finding.found:
        click.echo(f"{c.label}: <{iri}>")
        for row in rows:
            date = f" ({row['date']})" if row.get("date") else ""
            click.echo(f"  {row['fiche']}{date} {row.get('title', '')} [{row['how']}]".rstrip())
        if not rows:
            click.echo("  (no fiche cites it)")
    sys.exit(status)


def _find_words(text: str, store_dir: Path, fmt: str, **filters) -> None:
    """Print the fiches whose text matches ``text`` (exit 1 when none does)."""
    from .search import INDEX_DIR, search as run_search

    hits = run_search(store_dir / INDEX_DIR, text, **filters)
    if fmt == "json":
        click.echo(json.dumps({"text": text, "status": "found" if hits else "no match",
                               "hits": [h.to_json() for h in hits]}, ensure_ascii=False, indent=1))
        sys.exit(0 if hits else 1)
    if not hits:
        click.echo(f"kgbuild: no fiche in {store_dir} matches '{text}'", err=True)
        sys.exit(1)
    for hit in hits:
        year = f" ({hit.year})" if hit.year else ""
        click.echo(f"{hit.fiche}#{hit.anchor}{year} {hit.title} [score {hit.score:.2f}]")
        click.echo(f"  {hit.snippet}")


@cli.command()
@click.argument("words")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help=_STORE_HELP)
@click.option("--year", default=None, metavar="YYYY[-YYYY]", help="Only fiches of this year (or range).")
@click.option("--ministry", default=None, help="Only fiches of this ministry (name, like Economische Zaken).")
@click.option("--verdict", default=None, metavar="[ASPECT:]VALUE",
              help="Only fiches with this verdict: negatief, or subsidiariteit:negatief.")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text for reading; json for tools.")
def search(words: str, store_dir: Path, year: str | None, ministry: str | None,
           verdict: str | None, limit: int, fmt: str) -> None:
    """Full-text search: the fiches whose text matches WORDS, best first, the passage quoted.

    WORDS: all must occur in the fiche (Dutch stemming: netten finds net), "a phrase",
    prefix* (waterstof* finds waterstofnetten), -word to exclude, OR for either.
    Exit status: 0 found, 1 none, 2 error.
    """
    _find_words(words, store_dir, fmt, year=year, ministry=ministry, verdict=verdict, limit=limit)


@cli.command()
@click.option("--to", "target", required=True, metavar="URL",
              help="The target store's Graph Store Protocol endpoint (e.g. Virtuoso's "
                   ".../sparql-graph-crud-auth, Fuseki's .../data, Oxigraph's .../store).")
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help=_STORE_HELP)
@click.option("--state", type=click.Path(path_type=Path), default=None,
              help="State file of what was sent (default: STORE.publish/<target>.json).")
@click.option("--timeout", type=click.FloatRange(0.1), default=120.0, show_default=True,
              help="Seconds to wait for the target per request.")
def publish(target: str, store_dir: Path, state: Path | None, timeout: float) -> None:
    """Push the build's named graphs to another triple store (SPARQL 1.1 Graph Store Protocol).

    Only graphs changed since the last publish to URL are sent (PUT per graph; DELETE for
    graphs gone). Credentials from KGBUILD_PUBLISH_USER / KGBUILD_PUBLISH_PASSWORD.
    """
    from .publish import publish as run_publish

    report = run_publish(store_dir, target, state=state, timeout=timeout,
                         log=lambda line: click.echo(line, err=True))
    click.echo(f"kgbuild publish: {report.summary()}", err=True)


# --- fetch, update (kgbuild/fetch.py) ------------------------------------------------------


def _harvest_options(func):
    """The options ``fetch`` and ``update`` share."""
    opts = [
        click.option("--out", type=click.Path(path_type=Path), default=Path("data/raw"),
                     show_default=True, help="Harvest cache: manifest.json and objects/."),
        click.option("--since", metavar="DATE",
                     help="Ask for what changed since DATE (ISO date or date-time) instead of "
                          "since the last harvest."),
        click.option("--base-url", default="https://gegevensmagazijn.tweedekamer.nl/OData/v4/2.0/",
                     show_default=True,
                     help="The Tweede Kamer OData API (a mirror or a test server)."),
        click.option("--concurrency", type=click.IntRange(1, 16), default=4, show_default=True,
                     help="Downloads at a time; keep it low, the API is shared."),
        click.option("--timeout", type=click.FloatRange(0.1), default=30.0, show_default=True,
                     help="Seconds to wait for a connection or the next bytes."),
        click.option("--retries", type=click.IntRange(0, 20), default=5, show_default=True,
                     help="Retries of a request on 429, 5xx, dropped connections, bad pages."),
        click.option("--backoff", type=click.FloatRange(0), default=1.0, show_default=True,
                     help="First retry wait in seconds, doubled each retry (Retry-After wins)."),
        click.option("--max-wait", type=click.FloatRange(0), default=120.0, show_default=True,
                     help="Longest wait before a retry, whatever Retry-After asks."),
        click.option("--max-time", type=click.FloatRange(1), default=3600.0, show_default=True,
                     help="Seconds for the whole harvest; then it stops, keeps what is "
                          "complete and exits 1 (the next run goes on)."),
        click.option("--min-rate", type=click.FloatRange(0), default=2048.0, show_default=True,
                     help="Bytes per second a download or page must average (after --timeout)."),
        click.option("--file-deadline", type=click.FloatRange(1), default=300.0,
                     show_default=True, help="Seconds for one file or listing page."),
        click.option("--max-file-mb", type=click.FloatRange(0.001), default=64.0,
                     show_default=True, help="Largest file to download (MB)."),
        click.option("--max-page-mb", type=click.FloatRange(0.001), default=16.0,
                     show_default=True, help="Largest listing page to read (MB)."),
        click.option("--max-pages", type=click.IntRange(1), default=1000, show_default=True,
                     help="Most listing pages in one run."),
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def _harvest(out: Path, since: str | None, base_url: str, sru_url: str, source: str,
             concurrency: int, max_file_mb: float, max_page_mb: float, store_dir: Path | None = None,
             **limits) -> bool:
    """Run the chosen sources into ``out`` (``cited``: only the cited papers' records);
    whether every one finished."""
    from .fetch import StderrProgress, harvest
    from .sru import cited_dir, cited_in_store, fiche_dir, harvest_cited, harvest_fiches

    import time

    mb = 1024 * 1024
    started, max_time = None, limits.pop("max_time", None)

    def bounds() -> dict:
        """The limits of the next source's run: --max-time is for the whole fetch (what the
        first source left, to a tenth of a second, for the next)."""
        nonlocal started
        if started is None:
            started, left = time.monotonic(), max_time
        else:
            left = None if max_time is None else max(0.1, round(max_time - (time.monotonic() - started), 1))
        return dict(max_file_bytes=int(max_file_mb * mb), max_page_bytes=int(max_page_mb * mb),
                    max_time=left, **limits)

    def report(summary, where: Path) -> bool:
        for error in summary.errors:
            click.echo(f"kgbuild fetch: {error}", err=True)
        click.echo(f"kgbuild fetch: {summary} -> {where}", err=True)
        return summary.finished

    finished = True
    if source in ("tk", "both"):
        finished &= report(harvest(out, base_url=base_url, since=since, concurrency=concurrency,
                                   progress=StderrProgress(), **bounds()), out)
    if source in ("officielebekendmakingen", "both"):
        finished &= report(harvest_fiches(out, sru_url=sru_url, since=since,
                                          concurrency=min(concurrency, 2),
                                          progress=StderrProgress(), **bounds()), fiche_dir(out))
    if source in ("officielebekendmakingen", "both", "cited"):
        cited = cited_in_store(store_dir) if store_dir is not None else []
        if cited:  # the papers the built fiches cite: their metadata records
            finished &= report(harvest_cited(out, cited, sru_url=sru_url,
                                             concurrency=min(concurrency, 2),
                                             progress=StderrProgress(), **bounds()), cited_dir(out))
    return finished


_SOURCE_OPTIONS = [
    click.option("--source", type=click.Choice(["both", "tk", "officielebekendmakingen"]),
                 default="both", show_default=True,
                 help="tk: the Tweede Kamer open data (into --out); officielebekendmakingen: "
                      "the publisher's SRU (into --out/officielebekendmakingen, and the cited "
                      "papers' metadata into --out/kamerstukken); both."),
    click.option("--sru-url", default="https://repository.overheid.nl/sru", show_default=True,
                 help="The publisher's SRU endpoint (a mirror or a test server)."),
]


def _source_options(func):
    for opt in reversed(_SOURCE_OPTIONS):
        func = opt(func)
    return func


@cli.command()
@_harvest_options
@_source_options
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True,
              help="Built store whose fiches' cited Kamerstukken get their metadata records.")
def fetch(**options) -> None:
    """Harvest fiche files and metadata from the Tweede Kamer open-data API and from
    officielebekendmakingen.nl (SRU) into --out; and the metadata records (title, kind, date,
    submitter, dossier title) of the Kamerstukken the fiches of --store cite.

    Incremental: a second run asks only for what changed since the first, downloads only
    changed files and records deleted documents. Safe to interrupt and run again. Every
    request is bounded (time, rate, size, redirects to the same host only).
    Exit status: 0 complete, 1 partial: some documents failed, the listing stopped early or
    --max-time was reached (run again), 2 bad input.
    """
    sys.exit(0 if _harvest(**options) else 1)


@cli.command()
@_harvest_options
@_source_options
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help="Store link to (re)place with the new build.")
@click.option("--base", default="https://w3id.org/bnc-fiches/", show_default=True,
              help="Base IRI of everything minted (see docs/CONTRACTS.md).")
@click.option("--force", is_flag=True, help="Rebuild even when the harvest did not change.")
@functools.partial(_read_limit_options, file_mb=False)
def update(store_dir: Path, base: str, force: bool, max_seconds: float, max_memory_mb: int,
           max_uncompressed_mb: float, **options) -> None:
    """Fetch, then rebuild the store from the harvest if anything changed (for a daily timer).

    The build is incremental: only new and changed files are parsed again (the records of the
    others come from the previous build); when the harvest changed nothing the store is kept.
    The cited papers' metadata are fetched for the fiches of the store as it was, then, when
    the build brought new citations, once more and built again. Exit status: 0 done, 1 some
    documents failed to download or parse (what could be built is live), 2 nothing could be built.
    """
    from .build import build as run_build
    from .harvest import is_harvest
    from .harvested import harvest_fingerprint, load_last_build, save_last_build
    from .sru import fiche_dir

    out = options["out"]
    status = 0 if _harvest(store_dir=store_dir, **options) else 1
    if not is_harvest(out) and not is_harvest(fiche_dir(out)):
        raise click.ClickException(f"{out}: no harvest to build from")
    limits = _read_limits(max_seconds, max_memory_mb, max_uncompressed_mb, options["max_file_mb"])
    for attempt in range(2):
        fingerprint = harvest_fingerprint(out)
        if not force and Path(store_dir).exists() and load_last_build(out) == fingerprint:
            if attempt == 0:
                click.echo(f"kgbuild update: the harvest did not change; {store_dir} kept", err=True)
            break
        report = run_build([out], store_dir, base=base, log=lambda line: click.echo(line, err=True),
                           limits=limits)
        save_last_build(out, fingerprint)
        c = report.counts
        click.echo(f"kgbuild update: {c['fiches']} fiches from {c['parsed']} of {c['files']} files "
                   f"({report.records_reused} unchanged, not parsed again) -> {store_dir}", err=True)
        status = max(status, report.exit_status)
        if options["source"] == "tk" or attempt == 1:
            break
        # New citations in the new build: their papers' records, then (if any came) build again.
        status = max(status, 0 if _harvest(**{**options, "source": "cited"}, store_dir=store_dir) else 1)
        force = False
    sys.exit(status)


# --- report (kgbuild/report.py) ---------------------------------------------------------------


@cli.command()
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help="The built store whose report.json is summarised.")
@click.option("--harvest", "harvest_dir", type=click.Path(path_type=Path), default=None,
              help="Harvest directory (kgbuild fetch --out) whose listed fiches are counted too.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: a table per year; json: the same as one object.")
def report(store_dir: Path, harvest_dir: Path | None, fmt: str) -> None:
    """Per year: fiches found per source, fiches parsed, the share of fiches where each field
    of the record was found, and the warnings most often seen. Exit status 2: no store."""
    from .report import format_table, harvest_report

    try:
        result = harvest_report(store_dir, harvest_dir)
    except KgbuildError as err:
        click.echo(f"kgbuild report: {err}", err=True)
        sys.exit(2)
    click.echo(json.dumps(result, ensure_ascii=False, indent=1) if fmt == "json" else format_table(result))


# --- validate (kgbuild/validate.py) ----------------------------------------------------------


@cli.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=None,
              help="Validate a built store (default data/store when no FILES are given).")
def validate(files: tuple[Path, ...], store_dir: Path | None) -> None:
    """Check the graph (a store, or RDF FILES) against the SHACL shapes in ontology/shapes.ttl.

    Exit status: 0 conforms, 1 violations (a report on stdout), 2 error.
    """
    from .validate import validate_files, validate_store

    if files and store_dir:
        raise click.UsageError("give --store or FILES, not both")
    try:
        result = validate_files(files) if files else validate_store(store_dir or Path("data/store"))
    except KgbuildError as err:
        click.echo(f"kgbuild validate: {err}", err=True)
        sys.exit(2)
    click.echo(result.report())
    sys.exit(0 if result.conforms else 1)


def main() -> None:
    """Console-script entry point: user-facing errors as one line, no traceback."""
    try:
        cli(standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.ClickException as err:
        err.show()
        sys.exit(err.exit_code)
    except click.exceptions.Abort:
        click.echo("kgbuild: interrupted", err=True)
        sys.exit(130)
    except KgbuildError as err:
        click.echo(f"kgbuild: {err}", err=True)
        sys.exit(err.exit_code)
    except KeyboardInterrupt:
        click.echo("kgbuild: interrupted", err=True)
        sys.exit(130)
