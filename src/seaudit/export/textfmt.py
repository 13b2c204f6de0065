"""The two seaudit renderings as output formats: ``short`` (non-detailed) and ``detailed``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from seaudit.export import Format, RecordRenderer
from seaudit.text.detailed import render_detailed
from seaudit.text.short import MISSING, render_short

_OPTIONS = {
    "sessionid": "include the session ID column (like seaudit -sessionid)",
    "platform": "unix or windows: field order for records whose platform is unknown",
    "padded": "pad columns the way seaudit aligns them (short only)",
}


def _renderer(render: Callable[..., str]) -> Callable[[dict[str, Any]], RecordRenderer]:
    def with_options(options: dict[str, Any]) -> RecordRenderer:
        return lambda record: render(record, missing=MISSING, **options)

    return with_options


FORMATS = (
    Format(
        "short",
        "seaudit's non-detailed rendering, one line per record "
        "(options: sessionid, platform, padded).",
        _renderer(render_short),
        options=_OPTIONS,
        raw_text=True,
    ),
    Format(
        "detailed",
        "seaudit's detailed rendering: the positional part, then 'Label: value' pairs "
        "(options: sessionid, platform, block=True for one label per line).",
        _renderer(render_detailed),
        options={
            **{k: v for k, v in _OPTIONS.items() if k != "padded"},
            "block": "one label per line under the positional line",
        },
        raw_text=True,
    ),
)
