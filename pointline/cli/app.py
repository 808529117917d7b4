"""The ``pointline`` command group: shared options, error handling and exit statuses.

Exit statuses: 0 when every file ended ``success`` or was skipped; 1 when a file failed or was
quarantined, or the command stopped on an error (printed to stderr as a sentence, with the
traceback only under ``--verbose``); 2 for a usage error (click's own).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import Any

import click

from pointline.cli import book, coverage, demo, ingest, show, symbols
from pointline.cli.options import Settings, settings, shared_options
from pointline.cli.render import stderr_console
from pointline.errors import (
    LayoutError,
    PointlineError,
    StorageError,
    VersionMismatchError,
)

HANDLED_ERRORS = (PointlineError, ValueError, OSError)
"""What a command may stop on with a message instead of a traceback. Anything else is a bug in
pointline and keeps its traceback."""


def _hint(exc: BaseException) -> str:
    """What to do about ``exc``, when its message does not say it already."""
    if isinstance(exc, VersionMismatchError):
        return "another process changed the table first: run the command again"
    if isinstance(exc, LayoutError):
        return "move the file into the Bronze layout or pass --vendor and --data-type"
    if isinstance(exc, StorageError):
        return "check the lake directory (--lake) and its permissions"
    if isinstance(exc, FileNotFoundError | NotADirectoryError):
        return "check the path"
    if isinstance(exc, OSError):
        return "check the path and its permissions"
    return ""


def error_sentence(exc: BaseException) -> str:
    """``Error: <message>; <hint>.`` for an error a command stopped on."""
    message = str(exc).strip().rstrip(".") or type(exc).__name__
    hint = _hint(exc)
    return f"Error: {message}; {hint}." if hint else f"Error: {message}."


class PointlineGroup(click.Group):
    """Turns the errors a command stops on into one sentence on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        # Created here so that the sub-command's context shares it (its options land in it).
        ctx.ensure_object(Settings)
        try:
            return super().invoke(ctx)
        except HANDLED_ERRORS as exc:
            console = stderr_console()
            if settings(ctx).verbose:
                console.print(
                    "".join(traceback.format_exception(exc)), markup=False, highlight=False
                )
            console.print(error_sentence(exc), markup=False)
            if not settings(ctx).verbose:
                console.print("(run with --verbose for the traceback)", markup=False, style="dim")
            ctx.exit(1)


@click.group(cls=PointlineGroup, context_settings={"help_option_names": ["-h", "--help"]})
@shared_options
@click.version_option(package_name="pointline")
def cli() -> None:
    """pointline: vendor market-data files to point-in-time-correct Delta Lake tables.

    Start with `pointline demo`. Every command takes --lake DIR (default: $POINTLINE_LAKE,
    else ./lake) or --lake s3://bucket/lake with --storage-option KEY=VALUE, --json (one JSON
    document on stdout) and --verbose.
    """


cli.add_command(demo.demo)
cli.add_command(ingest.ingest)
cli.add_command(ingest.import_quant360)
cli.add_command(symbols.symbols)
cli.add_command(show.manifest)
cli.add_command(show.quarantine)
cli.add_command(show.scan)
cli.add_command(coverage.coverage)
cli.add_command(book.book)


def main(argv: Sequence[str] | None = None) -> None:
    """The console script ``pointline``."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="pointline")
