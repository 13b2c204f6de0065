"""Field mappings as data: a table of ``(target path, source)`` rules per format per event.

The OCSF and ECS writers are one interpreter (:func:`apply`) over their tables, and the docs
generator prints the very same tables, so what the docs say is what the code does. A source is
a record key (:class:`Key`), a constant (:class:`Const`) or a named derivation (:class:`Derived`)
whose description is printed in the docs. A rule whose value is None writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from seaudit.errors import UsageError
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUT_BY_ID
from seaudit.schema.fields import KEYS
from seaudit.schema.record import AuditRecord
from seaudit.text.short import render_short


@dataclass(frozen=True, slots=True)
class Context:
    """What a derivation may need beside the record: the code tables, the time zone the
    endpoints' local timestamps are read in (None: read as UTC) and the endpoint name to use
    when a record's origin does not carry one."""

    tables: CodeTables
    zone: tzinfo | None = None
    device: str | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Context:
        device = options.get("device") or None
        name = options.get("timezone")
        if name in (None, "", "UTC", "utc"):
            return cls(default_tables(), None, device)
        try:
            zone = ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise UsageError(
                f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
            ) from None
        return cls(default_tables(), zone, device)


def _local_time(timestamp: str) -> datetime | None:
    """``YYYY-MM-DDTHH:MM:SS`` as a naive datetime; None for anything else."""
    if len(timestamp) != 19 or timestamp[10] != "T":
        return None
    try:
        return datetime.fromisoformat(timestamp)
    except ValueError:
        return None


def epoch_ms(record: AuditRecord, ctx: Context) -> int | None:
    """The record's local timestamp as epoch milliseconds, read in ``ctx.zone`` (else UTC)."""
    moment = _local_time(record.timestamp)
    if moment is None:
        return None
    return int(moment.replace(tzinfo=ctx.zone or UTC).timestamp()) * 1000


def iso_time(record: AuditRecord, ctx: Context) -> str | None:
    """The record's timestamp in ISO 8601 with its offset (``Z`` when read as UTC)."""
    local = _local_time(record.timestamp)
    if local is None:
        return None
    placed = local.replace(tzinfo=ctx.zone or UTC)
    try:  # through the instant, so a wall time in a DST gap shows where it exists
        moment = datetime.fromtimestamp(placed.timestamp(), ctx.zone or UTC)
    except (OverflowError, ValueError, OSError):  # the instant lies outside years 1-9999
        moment = placed  # the same instant, as recorded, with its offset
    text = moment.isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z") if ctx.zone is None else text


@dataclass(frozen=True, slots=True)
class Key:
    """The value of a record key, optionally converted (e.g. ``str`` for an id)."""

    key: str
    convert: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        if self.key not in KEYS:
            raise ValueError(f"mapping names unknown record key {self.key!r}")

    def value(self, record: AuditRecord, ctx: Context) -> Any:
        value = record.get(self.key)
        if value is None or self.convert is None:
            return value
        return self.convert(value)

    def describe(self) -> str:
        suffix = f" (as {self.convert.__name__})" if self.convert is not None else ""
        return f"record `{self.key}`{suffix}"


@dataclass(frozen=True, slots=True)
class Const:
    """A fixed value."""

    constant: Any

    def value(self, record: AuditRecord, ctx: Context) -> Any:
        return self.constant

    def describe(self) -> str:
        return f"`{json.dumps(self.constant)}`"


@dataclass(frozen=True, slots=True)
class Derived:
    """A value computed from the record by a named function; ``doc`` goes into the docs."""

    name: str
    doc: str
    function: Callable[[AuditRecord, Context], Any]

    def value(self, record: AuditRecord, ctx: Context) -> Any:
        return self.function(record, ctx)

    def describe(self) -> str:
        return self.doc


Source = Key | Const | Derived
Rule = tuple[str, Source]
Rules = tuple[Rule, ...]


CompiledRules = tuple[tuple[tuple[str, ...], str, Source], ...]


def compile_rules(rules: Iterable[Rule]) -> CompiledRules:
    """Rules with their paths split once (what :func:`apply` runs on)."""
    out = []
    for path, source in rules:
        *parents, leaf = path.split(".")
        out.append((tuple(parents), leaf, source))
    return tuple(out)


def apply(rules: CompiledRules, record: AuditRecord, ctx: Context) -> dict[str, Any]:
    """Build one output document from compiled rules; rules yielding None are skipped.
    A later rule for the same path wins."""
    document: dict[str, Any] = {}
    for parents, leaf, source in rules:
        value = source.value(record, ctx)
        if value is None:
            continue
        node = document
        for part in parents:
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            node = child
        node[leaf] = value
    return document


def mapped_keys(rules: Iterable[Rule]) -> frozenset[str]:
    """The record keys a rule table carries over by name."""
    return frozenset(src.key for _, src in rules if isinstance(src, Key))


def leftover(record: AuditRecord, mapped: frozenset[str], ctx: Context) -> dict[str, Any]:
    """What no ``Key`` rule carried, so that nothing is lost: the record's other keys, the
    catalog messages of its codes, and where it was read."""
    rest = {k: v for k, v in record.to_dict().items() if k not in mapped}
    if record.stage_message is None and record.stage is not None:
        rest["stage_message"] = stage_message(record, ctx)
    if record.reason is not None:
        rest["reason_message"] = reason_message(record, ctx)
    if record.origin is not None:
        rest["origin_source"] = record.origin.source
        rest["origin_line"] = record.origin.line
    return rest


def leaf_paths(document: Mapping[str, Any], prefix: str = "") -> Iterable[str]:
    """Dotted paths of the leaves of a nested document (lists count as leaves)."""
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from leaf_paths(value, path + ".")
        else:
            yield path


def stage_message(record: AuditRecord, ctx: Context) -> str | None:
    """The Details code's message: as the source printed it, else from the code tables."""
    if record.stage_message is not None:
        return record.stage_message
    if record.stage is None:
        return None
    return ctx.tables.describe(LAYOUT_BY_ID[record.event].details_table, record.stage)


def reason_message(record: AuditRecord, ctx: Context) -> str | None:
    """The reason code's message from the code tables (or "Reason code N")."""
    return None if record.reason is None else ctx.tables.describe("reason", record.reason)


def raw_line(record: AuditRecord, ctx: Context) -> str | None:
    """The line as read when known, else the record rendered as a seaudit short line (with the
    session ID column); None for a record that lacks a positional field to render."""
    if record.origin is not None and record.origin.raw is not None:
        return record.origin.raw
    try:
        return render_short(record, sessionid=True)
    except ValueError:
        return None


def node(record: AuditRecord, ctx: Context) -> str | None:
    """The endpoint that wrote the record, when the reader knows it."""
    return record.origin.node if record.origin is not None else None


def utc_offset_minutes(record: AuditRecord, ctx: Context) -> int | None:
    """Minutes east of UTC of ``ctx.zone`` at the record's time; None when no zone is given."""
    moment = _local_time(record.timestamp) if ctx.zone is not None else None
    if moment is None:
        return None
    offset = moment.replace(tzinfo=ctx.zone).utcoffset()
    return None if offset is None else int(offset.total_seconds() // 60)
