"""A record as a frame payload: a compact JSON array, ``[mask, value, value, ...]``.

``mask`` says which slots the record fills, bit i for ``SLOTS[i]``: the SCHEMA keys in the
FIELDS order, then the provenance ``source``, ``line``, ``node``, ``raw`` (from
``record.origin``, each when set) and ``warnings`` (a list, when non-empty); the values of the
filled slots follow in that order. Key names are not written: they were a third of a
payload's bytes, which every append hashes, checksums, writes and syncs. The slot order is
part of the log format (``frame.VERSION``): a test pins it, so reordering FIELDS needs a new
version. Text that holds undecodable input bytes (lone surrogates, ``surrogateescape``) is
written with every non-ASCII character escaped (``\\udcff``), so those bytes come back exactly.

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

from seaudit.schema.fields import FIELDS, KEYS
from seaudit.schema.record import AuditRecord, Origin

PROVENANCE = ("source", "line", "node", "raw")
#: what a payload's mask bits stand for, in value order
SLOTS: tuple[str, ...] = (*KEYS, *PROVENANCE, "warnings")
BIT: dict[str, int] = {name: 1 << i for i, name in enumerate(SLOTS)}
_ATTRS = tuple((f.attr, BIT[f.key]) for f in FIELDS)
_PROVENANCE_BITS = tuple((key, BIT[key]) for key in PROVENANCE)
_WARNINGS = BIT["warnings"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    record: AuditRecord


def encode_record(record: AuditRecord) -> bytes:
    mask = 0
    values: list[Any] = [0]
    for attr, bit in _ATTRS:
        value = getattr(record, attr)
        if value is not None:
            mask |= bit
            values.append(value)
    origin = record.origin
    if origin is not None:
        for key, bit in _PROVENANCE_BITS:
            value = getattr(origin, key)
            if value is not None:
                mask |= bit
                values.append(value)
    if record.warnings:
        mask |= _WARNINGS
        values.append(list(record.warnings))
    values[0] = mask
    try:
        return orjson.dumps(values)
    except TypeError:  # lone surrogates (undecodable input bytes, kept): escaped as \udcXX
        return json.dumps(values, ensure_ascii=True, separators=(",", ":")).encode("ascii")


@lru_cache(maxsize=4096)
def _slots(mask: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The record keys and the provenance slots a mask names."""
    if mask >> len(SLOTS):
        raise ValueError(f"unknown slots in mask {mask:#x}")
    names = [name for i, name in enumerate(SLOTS) if mask >> i & 1]
    return tuple(n for n in names if n in KEYS), tuple(n for n in names if n not in KEYS)


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
    keys, prov = _slots(items[0])
    if len(items) != 1 + len(keys) + len(prov) or None in items:
        raise ValueError("payload values do not match its mask")
    record = AuditRecord.from_dict(dict(zip(keys, items[1:1 + len(keys)], strict=True)))
    if not prov:
        return record
    extra = dict(zip(prov, items[1 + len(keys):], strict=True))
    return _with_provenance(record, extra)


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
