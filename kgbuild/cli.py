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
