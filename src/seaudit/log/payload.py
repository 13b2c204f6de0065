"""A record as a frame payload: ``record.to_dict()`` plus provenance keys, as compact JSON.

Provenance from ``record.origin``: ``source``, ``line``, ``node``, ``raw`` (present when set),
and ``warnings`` (a list, when non-empty). These names are not SCHEMA keys, so they never clash.
Text that holds undecodable input bytes (lone surrogates, ``surrogateescape``) is written with
every non-ASCII character escaped (``\udcff``), so those bytes come back exactly.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

import orjson

from seaudit.schema.record import AuditRecord, Origin

PROVENANCE = ("source", "line", "node", "raw")


@dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    record: AuditRecord


def encode_record(record: AuditRecord) -> bytes:
    data: dict[str, Any] = record.to_dict()
    origin = record.origin
    if origin is not None:
        for key in PROVENANCE:
            value = getattr(origin, key)
            if value is not None:
                data[key] = value
    if record.warnings:
        data["warnings"] = list(record.warnings)
    try:
        return orjson.dumps(data)
    except TypeError:  # lone surrogates (undecodable input bytes, kept): escaped as \udcXX
        return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def decode_record(payload: bytes) -> AuditRecord:
    try:
        data: dict[str, Any] = orjson.loads(payload)
    except orjson.JSONDecodeError:
        data = json.loads(payload)  # escaped lone surrogates, which orjson refuses
    prov = {key: data.pop(key) for key in PROVENANCE if key in data}
    warnings = tuple(data.pop("warnings", ()))
    record = AuditRecord.from_dict(data)
    if prov or warnings:
        origin = (Origin(source=prov.get("source", ""), line=prov.get("line", 0),
                         raw=prov.get("raw"), node=prov.get("node")) if prov else None)
        record = dataclasses.replace(record, origin=origin, warnings=warnings)
    return record
