"""What an input is, told from its first bytes (a pure function over a sample).

seaudit text is ASCII or UTF-8. A file saved by a Windows tool as "Unicode" is UTF-16 (or
UTF-32), where every line would be rejected as garbage; it is recognised up front by its
byte-order mark, or without one by the NUL bytes between its ASCII characters, so the user is
told what the file is and how to convert it instead of getting one reject per line.
"""

from __future__ import annotations

from typing import BinaryIO

_BOMS = (  # longest first: a UTF-32 LE mark begins with the UTF-16 LE one
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)
SAMPLE = 64  # bytes looked at


def wide_encoding(sample: bytes) -> str | None:
    """The UTF-16/UTF-32 encoding ``sample`` (a file's first bytes) is in, or None."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    text = sample[: len(sample) - len(sample) % 4]
    if len(text) < 8:
        return None
    for width, name_le, name_be in ((4, "UTF-32LE", "UTF-32BE"), (2, "UTF-16LE", "UTF-16BE")):
        units = [text[i : i + width] for i in range(0, len(text), width)]
        if all(u[0] != 0 and not any(u[1:]) for u in units):
            return name_le
        if all(u[-1] != 0 and not any(u[:-1]) for u in units):
            return name_be
    return None


def encoding_problem(stream: BinaryIO) -> str | None:
    """Why ``stream`` (not yet read; buffered, so its start can be peeked) is not seaudit
    text, or None when it may be."""
    peek = getattr(stream, "peek", None)
    if peek is None:
        return None
    found = wide_encoding(bytes(peek(SAMPLE)[:SAMPLE]))
    if found is None:
        return None
    return (
        f"it is {found[:6]} text ({found}), and seaudit reads UTF-8; "
        f"convert it first: iconv -f {found} -t UTF-8"
    )
