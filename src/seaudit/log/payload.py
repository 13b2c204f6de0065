"""A record as a frame payload: a compact JSON array, ``[mask, numbers..., texts..., warnings]``.

``mask`` says which slots the record fills, bit i for ``SLOTS[i]``; the values of the filled
slots follow in slot order: first the numbers (``stage``, ``reason``, ``effective_uid``, a
numeric ``real_uid``, the provenance ``line``), then the texts (the SCHEMA string keys in the
FIELDS order, a textual ``real_uid``, the provenance ``source``, ``node``, ``raw``), then the
``warnings`` list when non-empty. Provenance comes from ``record.origin`` (each value when set).
Key names are not written: they were a third of a payload's bytes, which every append hashes,
checksums, writes and syncs; and values grouped by kind let the bulk encoder
(``store.frames.payloads``) join a row's texts in one go. The slot table is declared here,
frozen for log format versions 2 and 3 (``frame.VERSION``), not derived from the record
model's field order: reordering FIELDS changes nothing on disk. A new field needs a new
slot, appended in a new format version (a test checks every field has a slot).
Text that holds undecodable input bytes (lone surrogates, ``surrogateescape``) is written with
every non-ASCII character escaped (``\\udcff``), so those bytes come back exactly.

Logs of format 1 hold a JSON object per record (``to_dict()`` plus the provenance keys): the
first byte tells the two apart, so such logs are still read.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson

from seaudit.schema.fields import FIELDS, INT_OR_STR
from seaudit.schema.record import AuditRecord, Origin

PROVENANCE = ("source", "line", "node", "raw")
#: number slots, then text slots (``real_uid`` is in both: an int is a number), then warnings:
#: the slot table of log format versions 2 and 3, frozen
NUMBERS: tuple[str, ...] = ("stage", "reason", "effective_uid", "real_uid", "line")
TEXTS: tuple[str, ...] = (
    "event",
    "timestamp",
    "status",
    "event_name",
    "class",
    "user",
    "session_id",
    "access",
    "stage_message",
    "resource",
    "object",
    "program",
    "terminal",
    "host",
    "service",
    "effective_user",
    "real_user",
    "real_uid",
    "audit_flags",
    "command",
    "command_type",
    "trace",
    "module",
    "message_id",
    "file",
    "platform",
    "source",
    "node",
    "raw",
)
SLOTS: tuple[str, ...] = (*NUMBERS, *TEXTS, "warnings")
NUMBER_BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(NUMBERS)}
TEXT_BIT: dict[str, int] = {name: 1 << (len(NUMBERS) + i) for i, name in enumerate(TEXTS)}
WARNINGS_BIT = 1 << (len(SLOTS) - 1)
_NODE_BIT = TEXT_BIT["node"]
_ATTR = {f.key: f.attr for f in FIELDS}
#: (attribute, on the origin?, bit, a number?, either kind?) in value order
_GETTERS = tuple(
    (_ATTR.get(name, name), name in PROVENANCE, bit, number, name in INT_OR_STR)
    for number, bits in ((True, NUMBER_BIT), (False, TEXT_BIT))
    for name, bit in bits.items()
)


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    record: AuditRecord


def encode_record(record: AuditRecord) -> bytes:
    mask = 0
    values: list[Any] = [0]
    origin = record.origin
    for attr, provenance, bit, number, either in _GETTERS:
        if provenance:
            if origin is None:
                continue
            value = getattr(origin, attr)
        else:
            value = getattr(record, attr)
        if value is not None and (not either or isinstance(value, int) == number):
            mask |= bit
            values.append(value)
    if record.warnings:
        mask |= WARNINGS_BIT
        values.append(list(record.warnings))
    values[0] = mask
    try:
        return orjson.dumps(values)
    except TypeError:  # lone surrogates (undecodable input bytes, kept): escaped as \\udcXX
        return json.dumps(values, ensure_ascii=True, separators=(",", ":")).encode("ascii")


@dataclass(frozen=True, slots=True)
class _Layout:
    """How to read the values of one mask (warnings aside): how many there are, how many of
    them are numbers (they come first), and which go to record attributes and to the origin."""

    size: int
    numbers: int
    attrs: tuple[str, ...]
    fields: tuple[int, ...]  # value index of each of ``attrs``
    provenance: dict[str, int]  # origin field -> value index


_REQUIRED = ("event", "timestamp", "status")
_INT = frozenset({int})
_STR = frozenset({str})


@lru_cache(maxsize=4096)
def _layout(mask: int) -> _Layout:
    if mask >> len(SLOTS):
        raise ValueError(f"unknown slots in mask {mask:#x}")
    names = [name for i, name in enumerate(SLOTS) if mask >> i & 1]
    if len(set(names)) != len(names):
        raise ValueError("a slot is filled twice")
    if any(key not in names for key in _REQUIRED):
        raise ValueError("the record lacks event, timestamp or status")
    numbers = sum(1 for name in NUMBERS if mask & NUMBER_BIT[name])
    fields = tuple(i for i, name in enumerate(names) if name not in PROVENANCE)
    return _Layout(
        len(names),
        numbers,
        tuple(_ATTR[names[i]] for i in fields),
        fields,
        {name: i for i, name in enumerate(names) if name in PROVENANCE},
    )


def decode_record(payload: bytes) -> AuditRecord:
    """The record a payload holds; ValueError when it holds none. Types are checked here
    (numbers are ints, texts are strings, as ``AuditRecord.from_dict`` wants them), so the
    record is built at once."""
    if payload[:1] != b"[":
        return _decode_object(payload)
    try:
        items = orjson.loads(payload)
    except orjson.JSONDecodeError:
        items = json.loads(payload)  # escaped lone surrogates, which orjson refuses
    try:
        return _record(items)
    except _Inexact:  # orjson reads an int past 64 bits as a float: read it exactly
        return _record(json.loads(payload), exact=True)


class _Inexact(Exception):
    pass


def _checked(items: Any, exact: bool = False) -> _Layout:
    """The layout of a decoded payload whose values are all of the right kinds; ValueError
    (or ``_Inexact``: an int past 64 bits read as a float) otherwise."""
    if not isinstance(items, list) or not items or type(items[0]) is not int or items[0] < 0:
        raise ValueError("payload is not [mask, values...]")
    mask = items[0]
    layout = _layout(mask & ~WARNINGS_BIT)
    warned = mask & WARNINGS_BIT
    if len(items) != 1 + layout.size + bool(warned):
        raise ValueError("payload values do not match its mask")
    values = items[1 : 1 + layout.size]
    kinds = set(map(type, values[: layout.numbers]))  # (all in C: this runs per record)
    if not kinds <= _INT:
        if not exact and float in kinds:
            raise _Inexact
        raise ValueError("a number slot holds no number")
    if not set(map(type, values[layout.numbers :])) <= _STR:
        raise ValueError("a text slot holds no text")
    if warned:
        listed = items[-1]
        if type(listed) is not list or not set(map(type, listed)) <= _STR:
            raise ValueError("warnings are not a list of texts")
    return layout


def _record(items: Any, exact: bool = False) -> AuditRecord:
    layout = _checked(items, exact)
    mask = items[0]
    warned = mask & WARNINGS_BIT
    values = items[1 : 1 + layout.size]
    warnings: tuple[str, ...] = tuple(items[-1]) if warned else ()
    prov = layout.provenance
    origin = None
    if prov:
        origin = Origin(
            values[prov["source"]] if "source" in prov else "",
            values[prov["line"]] if "line" in prov else 0,
            values[prov["raw"]] if "raw" in prov else None,
            values[prov["node"]] if "node" in prov else None,
        )
    kwargs = dict(zip(layout.attrs, [values[i] for i in layout.fields], strict=True))
    return AuditRecord(**kwargs, warnings=warnings, origin=origin)


def with_node(payload: bytes, node: str) -> bytes:
    """A record's payload as it is when it names its node, else with ``node`` filled in
    (a collector gives a routed record its sender's); ValueError when it holds no record.
    Reads back as the decoded record with that node, but no record is built (a collector
    does this for every record it stores); a test holds it to that slow way."""
    if payload[:1] == b"[":
        try:
            items = orjson.loads(payload)
            layout = _checked(items)
        except (orjson.JSONDecodeError, _Inexact):
            pass  # escaped lone surrogates, or a huge int: the exact way below
        else:
            mask = items[0]
            if "node" in layout.provenance:
                return payload
            items.insert(1 + (mask & (_NODE_BIT - 1)).bit_count(), node)
            items[0] = mask | _NODE_BIT
            return orjson.dumps(items)
    record = decode_record(payload)
    origin = record.origin
    if origin is not None and origin.node is not None:
        return payload
    filled = dataclasses.replace(origin, node=node) if origin else Origin("", 0, None, node)
    return encode_record(dataclasses.replace(record, origin=filled))


def _decode_object(payload: bytes) -> AuditRecord:
    """A format 1 payload: ``to_dict()`` plus the provenance keys, one JSON object."""
    try:
        data: dict[str, Any] = orjson.loads(payload)
    except orjson.JSONDecodeError:
        data = json.loads(payload)
    if not isinstance(data, dict):
        raise ValueError("payload is not a JSON object")
    extra = {key: data.pop(key) for key in (*PROVENANCE, "warnings") if key in data}
    return _with_provenance(AuditRecord.from_dict(data), extra)


def _with_provenance(record: AuditRecord, extra: dict[str, Any]) -> AuditRecord:
    warnings = tuple(extra.pop("warnings", ()))
    if not extra and not warnings:
        return record
    origin = (
        Origin(
            source=extra.get("source", ""),
            line=extra.get("line", 0),
            raw=extra.get("raw"),
            node=extra.get("node"),
        )
        if extra
        else None
    )
    return dataclasses.replace(record, origin=origin, warnings=warnings)
