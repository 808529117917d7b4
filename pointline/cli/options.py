"""Options every command shares (``--lake``, ``--storage-option``, ``--json``, ``--verbose``)
and value parsers.

The shared options may be given before the command (``pointline --json manifest``) or after it
(``pointline manifest --json``); the one after the command wins. They are collected in one
:class:`Settings` object on the click context.
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from pointline.v2.lake import Lake

LAKE_ENV = "POINTLINE_LAKE"
DEFAULT_LAKE = "lake"

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Settings:
    """What the shared options said (``lake`` None: take ``POINTLINE_LAKE``, else ``./lake``).

    ``lake`` is a directory or the URL of a lake on an object store (``s3://bucket/lake``);
    ``storage_options`` are the ``--storage-option KEY=VALUE`` pairs given for it.
    """

    lake: str | None = None
    json: bool = False
    verbose: bool = False
    storage_options: dict[str, str] = field(default_factory=dict)

    @property
    def lake_root(self) -> str | Path:
        """The lake's root: a URL as given, else a local path."""
        # Imported here so that ``pointline --help`` does not load Delta and the vendors.
        from pointline.v2.storage.store_path import is_remote

        root = self.lake if self.lake is not None else os.environ.get(LAKE_ENV) or DEFAULT_LAKE
        return root if is_remote(root) else Path(root)

    def local_root(self, what: str) -> Path:
        """The lake's directory, for a command (``what``) that works on local lakes only.

        Raises:
            click.UsageError: the lake is a URL.
        """
        root = self.lake_root
        if not isinstance(root, Path):
            raise click.UsageError(f"{what} works on a local lake: give --lake DIR, not {root}")
        return root

    def open_lake(self) -> Lake:
        """The lake the options name.

        Raises:
            click.UsageError: ``--storage-option`` was given for a local lake.
        """
        from pointline.v2.lake import Lake

        root = self.lake_root
        if self.storage_options and isinstance(root, Path):
            raise click.UsageError(
                f"--storage-option applies to a lake on an object store (--lake s3://...); "
                f"the lake is the directory {root}"
            )
        return Lake(root, storage_options=self.storage_options or None)


def settings(ctx: click.Context | None = None) -> Settings:
    """The settings of the running command (created on first use)."""
    ctx = ctx or click.get_current_context()
    return ctx.ensure_object(Settings)


def _set_lake(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        settings(ctx).lake = value


def _set_storage_options(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> None:
    for value in values:
        key, sep, option = value.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{value!r} is not KEY=VALUE (e.g. AWS_ENDPOINT_URL=http://127.0.0.1:9000)",
                ctx=ctx,
                param=param,
            )
        settings(ctx).storage_options[key.strip()] = option


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        settings(ctx).json = True


def _set_verbose(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        settings(ctx).verbose = True


def shared_options(func: F) -> F:
    """Add ``--lake``, ``--storage-option``, ``--json`` and ``--verbose`` to a command or group."""
    options = [
        click.option(
            "--lake",
            metavar="DIR|URL",
            callback=_set_lake,
            expose_value=False,
            help=f"Lake directory, or the URL of a lake on an object store (s3://, gs://, "
            f"az://, abfss://) (default: ${LAKE_ENV}, else ./{DEFAULT_LAKE}).",
        ),
        click.option(
            "--storage-option",
            "storage_options",
            metavar="KEY=VALUE",
            multiple=True,
            callback=_set_storage_options,
            expose_value=False,
            help="An object-store option of a URL lake (repeatable), e.g. "
            "AWS_ENDPOINT_URL=http://127.0.0.1:9000; the AWS_*/GOOGLE_*/AZURE_* environment "
            "variables are read too.",
        ),
        click.option(
            "--json",
            "json_output",
            is_flag=True,
            callback=_set_json,
            expose_value=False,
            help="Print one JSON document instead of tables.",
        ),
        click.option(
            "--verbose",
            "-v",
            is_flag=True,
            callback=_set_verbose,
            expose_value=False,
            help="Show the traceback of an error.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


_US_PER_SECOND = 1_000_000
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def datetime_to_us(value: datetime.datetime) -> int:
    """Microseconds since the epoch; a naive datetime is taken as UTC. Exact (no float)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US_PER_SECOND + delta.microseconds


def _is_integer(text: str) -> bool:
    return text.lstrip("-").isdigit()


def parse_timestamp_us(text: str) -> int:
    """``TS`` as integer microseconds, or an ISO date (midnight) / datetime, in UTC.

    Raises:
        ValueError: neither form; the message shows both.
    """
    text = text.strip()
    if _is_integer(text):
        return int(text)
    try:
        if len(text) == 10:
            day = datetime.date.fromisoformat(text)
            return datetime_to_us(datetime.datetime(day.year, day.month, day.day))
        return datetime_to_us(datetime.datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a timestamp: give integer microseconds since the epoch "
            "(1704067200000000), an ISO date (2024-01-01) or an ISO datetime in UTC "
            "(2024-01-01T09:30:00)"
        ) from None


def parse_bound(text: str) -> datetime.date | int:
    """A scan bound: an ISO date bounds ``trading_date``; microseconds or an ISO datetime bound
    ``ts_event_us``.

    Raises:
        ValueError: neither form.
    """
    text = text.strip()
    if len(text) == 10 and not _is_integer(text):
        try:
            return datetime.date.fromisoformat(text)
        except ValueError:
            pass
    return parse_timestamp_us(text)


class TimestampType(click.ParamType):
    """Click type for :func:`parse_timestamp_us` (a bad value is a usage error, exit 2)."""

    name = "TS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_timestamp_us(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class BoundType(click.ParamType):
    """Click type for :func:`parse_bound`."""

    name = "DATE|TS"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime.date | int:
        if isinstance(value, datetime.date | int):
            return value
        try:
            return parse_bound(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
