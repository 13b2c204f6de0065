"""A record as a frame payload: a compact JSON array, ``[mask, numbers..., texts..., warnings]``.

``mask`` says which slots the record fills, bit i for ``SLOTS[i]``; the values of the filled
slots follow in slot order: first the numbers (``stage``, ``reason``, ``effective_uid``, a
numeric ``real_uid``, the provenance ``line``), then the texts (the SCHEMA string keys in the
FIELDS order, a textual ``real_uid``, the provenance ``source``, ``node``, ``raw``), then the
``warnings`` list when non-empty. Provenance comes from ``record.origin`` (each value when set).
Key names are not written: they were a third of a payload's bytes, which every append hashes,
checksums, writes and syncs; and values grouped by kind let the bulk encoder
(``store.frames.payloads``) join a row's texts in one go. The slot order is part of the log
format (``frame.VERSION``): a test pins it, so reordering FIELDS needs a new version.
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

from seaudit.schema.fields import FIELDS, INT_KEYS, INT_OR_STR
from seaudit.schema.record import AuditRecord, Origin

PROVENANCE = ("source", "line", "node", "raw")
#: number slots, then text slots (``real_uid`` is in both: an int is a number), then warnings
NUMBERS: tuple[str, ...] = (*(f.key for f in FIELDS if f.key in INT_KEYS | INT_OR_STR), "line")
TEXTS: tuple[str, ...] = (*(f.key for f in FIELDS if f.key not in INT_KEYS), "source", "node",
                          "raw")
SLOTS: tuple[str, ...] = (*NUMBERS, *TEXTS, "warnings")
NUMBER_BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(NUMBERS)}
TEXT_BIT: dict[str, int] = {name: 1 << (len(NUMBERS) + i) for i, name in enumerate(TEXTS)}
WARNINGS_BIT = 1 << (len(SLOTS) - 1)
_ATTR = {f.key: f.attr for f in FIELDS}
#: (attribute, on the origin?, bit, a number?, either kind?) in value order
_GETTERS = tuple(
    (_ATTR.get(name, name), name in PROVENANCE, bit, number, name in INT_OR_STR)
    for number, bits in ((True, NUMBER_BIT), (False, TEXT_BIT)) for name, bit in bits.items()
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


@lru_cache(maxsize=4096)
def _slots(mask: int) -> tuple[tuple[str, ...], int, int]:
    """The slot names a mask fills (warnings aside), in value order; how many of them are
    numbers (they come first); where a textual ``real_uid`` stands among them (-1: not)."""
    if mask >> len(SLOTS):
        raise ValueError(f"unknown slots in mask {mask:#x}")
    names = tuple(name for i, name in enumerate(SLOTS) if mask >> i & 1)
    if len(set(names)) != len(names):
        raise ValueError("a slot is filled twice")
    (either,) = INT_OR_STR
    numbers = sum(1 for name in NUMBERS if mask & NUMBER_BIT[name])
    text = names.index(either) if mask & TEXT_BIT[either] else -1
    return names, numbers, text


def decode_record(payload: bytes) -> AuditRecord:
    """The record a payload holds; ValueError when it holds none."""
    if payload[:1] != b"[":
        return _decode_object(payload)
    try:
        items = orjson.loads(payload)
    except orjson.JSONDecodeError:
        items = json.loads(payload)  # escaped lone surrogates, which orjson refuses
    if not isinstance(items, list) or not items or type(items[0]) is not int or items[0] < 0:
        raise ValueError("payload is not [mask, values...]")
    mask = items[0]
    names, numbers, text = _slots(mask & ~WARNINGS_BIT)
    warned = mask & WARNINGS_BIT
    if len(items) != 1 + len(names) + bool(warned) or None in items:
        raise ValueError("payload values do not match its mask")
    if any(type(v) is not int for v in items[1:1 + numbers]):
        if any(type(v) is float for v in items[1:1 + numbers]):  # orjson: an int past 64 bits
            items = json.loads(payload)
        if any(type(v) is not int for v in items[1:1 + numbers]):
            raise ValueError("a number slot holds no number")
    if text >= 0 and not isinstance(items[1 + text], str):
        raise ValueError("a text slot holds no text")
    data: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in zip(names, items[1:], strict=False):
        if name in PROVENANCE:
            extra[name] = value
        else:
            data[name] = value
    if warned:
        warnings = items[-1]
        if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
            raise ValueError("warnings are not a list of texts")
        extra["warnings"] = warnings
    return _with_provenance(AuditRecord.from_dict(data), extra)


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
    origin = (Origin(source=extra.get("source", ""), line=extra.get("line", 0),
                     raw=extra.get("raw"), node=extra.get("node")) if extra else None)
    return dataclasses.replace(record, origin=origin, warnings=warnings)
