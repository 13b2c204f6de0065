"""Reading a policy or audit.cfg file: UTF-8 text of a bounded size, or a PolicyError that
says where it is not."""

from __future__ import annotations

from pathlib import Path

from seaudit.errors import PolicyError

#: a policy larger than this is not a policy (and would not fit the engine's database either)
MAX_BYTES = 64 << 20


def read_text(path: str | Path) -> str:
    """The file's text. OSError propagates; too large or not UTF-8 raises PolicyError."""
    with open(path, "rb") as stream:
        raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise PolicyError(
            f"larger than {MAX_BYTES >> 20} MB: not a policy file", source=str(path), line=1
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PolicyError("not UTF-8 text", source=str(path), line=line, column=column) from None
