"""The immutable audit record.

Attributes mirror ``seaudit.schema.fields.FIELDS`` one for one (a test holds them together);
``None`` means the source record does not carry the field, so it is absent from JSON.
``warnings`` and ``origin`` describe how the record was read, not what it says: they take no
part in equality, so ``parse(render(r)) == r`` compares content only.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from seaudit.schema.fields import FIELDS, INT_KEYS, INT_OR_STR


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: source name, 1-based line number, the text as read, and the
    endpoint (node) that wrote it when known."""

    source: str
    line: int
    raw: str | None = None
    node: str | None = None


#: the provenance keys (``Origin``'s attributes) stored and exported beside the SCHEMA keys:
#: key -> (type, meaning, whether a filter may name it)
PROVENANCE: dict[str, tuple[type, str, bool]] = {
    "source": (str, "source the record was read from (file name)", True),
    "line": (int, "1-based line number in the source", True),
    "node": (str, "endpoint (node) that wrote the record", True),
    "raw": (str, "the text the record was read from", False),
}


@dataclass(frozen=True, slots=True)
class AuditRecord:
    event: str
    timestamp: str
    status: str
    event_name: str | None = None
    class_: str | None = None
    user: str | None = None
    session_id: str | None = None
    access: str | None = None
    stage: int | None = None
    stage_message: str | None = None
    reason: int | None = None
    resource: str | None = None
    object: str | None = None
    program: str | None = None
    terminal: str | None = None
    host: str | None = None
    service: str | None = None
    effective_user: str | None = None
    effective_uid: int | None = None
    real_user: str | None = None
    real_uid: int | str | None = None
    audit_flags: str | None = None
    command: str | None = None
    command_type: str | None = None
    trace: str | None = None
    module: str | None = None
    message_id: str | None = None
    file: str | None = None
    platform: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)
    origin: Origin | None = field(default=None, compare=False, repr=False)

    def get(self, key: str) -> Any:
        """The value of a SCHEMA key (``class`` included), or None."""
        return getattr(self, "class_" if key == "class" else key)

    def to_dict(self) -> dict[str, Any]:
        """The SCHEMA.md JSON object: present keys only, in the field table's order."""
        out: dict[str, Any] = {}
        for key, attr in _KEY_ATTR:
            value = getattr(self, attr)
            if value is not None:
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AuditRecord:
        """Build a record from SCHEMA keys; unknown keys and wrong types raise ValueError."""
        kwargs: dict[str, Any] = {}
        for key, value in data.items():
            if key not in _ATTR:
                raise ValueError(f"unknown record key {key!r}")
            if value is None:
                continue
            _check_type(key, value)
            kwargs[_ATTR[key]] = value
        for required in ("event", "timestamp", "status"):
            if required not in kwargs:
                raise ValueError(f"record lacks {required!r}")
        return cls(**kwargs)

    def replace(self, **changes: Any) -> AuditRecord:
        return dataclasses.replace(self, **changes)

    def with_warning(self, warning: str) -> AuditRecord:
        return dataclasses.replace(self, warnings=(*self.warnings, warning))


_ATTR: dict[str, str] = {f.key: f.attr for f in FIELDS}
_KEY_ATTR: tuple[tuple[str, str], ...] = tuple(_ATTR.items())


def _check_type(key: str, value: Any) -> None:
    if key in INT_OR_STR:
        ok = isinstance(value, (int, str)) and not isinstance(value, bool)
    elif key in INT_KEYS:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, str)
    if not ok:
        raise ValueError(f"{key!r} has the wrong type: {type(value).__name__}")
