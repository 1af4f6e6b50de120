"""The ``kgbuild`` command line: one thin command per pipeline stage.

Each command only reads its options and calls one library function. Errors the user can act
on (``KgbuildError``) print as one line and exit non-zero; there are no tracebacks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__
from .errors import KgbuildError


@click.group()
@click.version_option(__version__, prog_name="kgbuild")
def cli() -> None:
    """Build and serve the knowledge graph of Dutch BNC-fiches."""


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json",
              show_default=True, help="json: the record's keys; text: a readable summary.")
def parse(files: tuple[Path, ...], fmt: str) -> None:
    """Parse fiche FILES (.docx, .pdf or text renderings) into records.

    One file prints one JSON object; several print a JSON array. Warnings go to stderr.
    A file that cannot be parsed is reported on one line and skipped; exit status 2 then.
    """
    from .parse import parse_file, format_text

    records, failed = [], False
    for path in files:
        try:
            record = parse_file(path)
        except KgbuildError as err:
            click.echo(f"kgbuild parse: {err}", err=True)
            failed = True
            continue
        for warning in record.warnings:
            click.echo(f"{path}: warning: {warning}", err=True)
        records.append(record)
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
def build(sources: tuple[Path, ...], store_dir: Path, base: str, jobs: int | None) -> None:
    """Parse, map, reason and load fiche SOURCES (files or directories; default data/fiches).

    The new store is built beside the live one and swapped in when complete, so a failed or
    interrupted build leaves the previous store as it was. Files that cannot be parsed are
    reported and skipped. Exit status: 0 all parsed, 1 some files failed, 2 nothing built.
    """
    from .build import DEFAULT_SOURCES, build as run_build

    report = run_build(sources or DEFAULT_SOURCES, store_dir, base=base, jobs=jobs,
                       log=lambda line: click.echo(line, err=True))
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
@click.option("--client-service", is_flag=True,
              help="Call SERVICE endpoints from kgbuild (form-encoded POST) rather than through "
                   "Oxigraph; done anyway when Oxigraph's call fails.")
def query(name: str, params: tuple[str, ...], fmt: str, store_dir: Path | None,
          endpoint: str | None, eurlex_endpoint: str | None, client_service: bool) -> None:
    """Run catalogue query NAME (see queries/) or a .rq FILE on a store or an endpoint."""
    from .query import format_results, run_query

    if store_dir is not None and endpoint is not None:
        raise click.UsageError("give --store or --endpoint, not both")
    results = run_query(name, params=params, store=store_dir or Path("data/store"),
                        endpoint=endpoint, eurlex_endpoint=eurlex_endpoint,
                        client_service=client_service, log=lambda line: click.echo(line, err=True))
    click.echo(format_results(results, fmt))


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
    ]
    for opt in reversed(opts):
        func = opt(func)
    return func


def _harvest(out: Path, since: str | None, base_url: str, concurrency: int, timeout: float,
             retries: int, backoff: float, max_wait: float):
    from .fetch import StderrProgress, harvest

    summary = harvest(out, base_url=base_url, since=since, concurrency=concurrency,
                      timeout=timeout, retries=retries, backoff=backoff, max_wait=max_wait,
                      progress=StderrProgress())
    for error in summary.errors:
        click.echo(f"kgbuild fetch: {error}", err=True)
    click.echo(f"kgbuild fetch: {summary} -> {out}", err=True)
    return summary


@cli.command()
@_harvest_options
def fetch(**options) -> None:
    """Harvest fiche files and metadata from the Tweede Kamer open-data API into --out.

    Incremental: a second run asks only for what changed since the first, downloads only
    changed files and records deleted documents. Safe to interrupt and run again.
    Exit status: 0 done, 1 some documents failed or the listing stopped early (run again).
    """
    summary = _harvest(**options)
    sys.exit(0 if summary.complete and not summary.failed else 1)


@cli.command()
@_harvest_options
@click.option("--store", "store_dir", type=click.Path(path_type=Path), default=Path("data/store"),
              show_default=True, help="Store link to (re)place with the new build.")
@click.option("--base", default="https://w3id.org/bnc-fiches/", show_default=True,
              help="Base IRI of everything minted (see docs/CONTRACTS.md).")
@click.option("--force", is_flag=True, help="Rebuild even when the harvest did not change.")
def update(store_dir: Path, base: str, force: bool, **options) -> None:
    """Fetch, then rebuild the store from the harvest if anything changed (for a daily timer).

    The build is incremental: only new and changed files are parsed again (the records of the
    others come from the previous build); when the harvest changed nothing the store is kept. Exit status: 0 done, 1 some documents failed
    to download or parse (what could be built is live), 2 nothing could be built.
    """
    from .build import build as run_build
    from .fetch import harvest_fingerprint, is_harvest, load_last_build, save_last_build

    out = options["out"]
    summary = _harvest(**options)
    status = 0 if summary.complete and not summary.failed else 1
    if not is_harvest(out):
        raise click.ClickException(f"{out}: no harvest to build from")
    fingerprint = harvest_fingerprint(out)
    if not force and Path(store_dir).exists() and load_last_build(out) == fingerprint:
        click.echo(f"kgbuild update: the harvest did not change; {store_dir} kept", err=True)
        sys.exit(status)
    report = run_build([out], store_dir, base=base, log=lambda line: click.echo(line, err=True))
    save_last_build(out, fingerprint)
    c = report.counts
    click.echo(f"kgbuild update: {c['fiches']} fiches from {c['parsed']} of {c['files']} files "
               f"({report.records_reused} unchanged, not parsed again) -> {store_dir}", err=True)
    sys.exit(max(status, report.exit_status))


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
