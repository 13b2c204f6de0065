"""The two seaudit renderings as output formats: ``short`` (non-detailed) and ``detailed``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, BinaryIO

from seaudit.export import Format, write_lines
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import MISSING, render_short

_OPTIONS = {
    "sessionid": "include the session ID column (like seaudit -sessionid)",
    "platform": "unix or windows: field order for records whose platform is unknown",
    "padded": "pad columns the way seaudit aligns them (short only)",
}


Writer = Callable[[Iterable[AuditRecord], BinaryIO, dict[str, Any]], int]


def _writer(render: Callable[..., str]) -> Writer:
    def write(records: Iterable[AuditRecord], sink: BinaryIO, options: dict[str, Any]) -> int:
        return write_lines((render(record, missing=MISSING, **options) for record in records), sink)

    return write


FORMATS = (
    Format(
        "short",
        "seaudit's non-detailed rendering, one line per record "
        "(options: sessionid, platform, padded).",
        _writer(render_short),
        options=_OPTIONS,
    ),
    Format(
        "detailed",
        "seaudit's detailed rendering: the positional part, then 'Label: value' pairs "
        "(options: sessionid, platform, block=True for one label per line).",
        _writer(render_detailed),
        options={
            **{k: v for k, v in _OPTIONS.items() if k != "padded"},
            "block": "one label per line under the positional line",
        },
    ),
)
