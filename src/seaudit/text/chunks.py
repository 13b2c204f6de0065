"""The bulk path's chunking: a binary stream into chunks of whole lines (bounded in bytes and
in lines), and a chunk into a frame of its lines and their first space-separated tokens.

A chunk is cut at newlines; whether the line after it is a detailed label line is told with
it (a block that runs over a boundary is then grouped by the reference reader). An over-long
line is given on its own, only its first bytes kept, so no input makes memory grow.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import polars as pl

from seaudit.text.reader import is_continuation

BATCH_BYTES = 8 << 20
CHUNK_LINES = 1 << 17  # lines a chunk holds at most (a file of tiny lines: bounded objects)


def token_names(width: int) -> tuple[str, ...]:
    """The token columns of a chunk frame: ``_t0`` (the day) ... ``_t{width-1}``."""
    return tuple(f"_t{i}" for i in range(width))


def kept(max_line: int) -> int:
    """How much of an over-long line the reference keeps (its first ``readline`` chunk)."""
    return min(1024, max_line + 1)


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def segments(
    stream: BinaryIO, batch_bytes: int, max_line: int, max_lines: int = CHUNK_LINES
) -> Iterator[tuple[str, int, bytes, bool]]:
    """("lines", first line number, complete lines, whether the next line is a detailed label
    line) and ("long", line number, first 1024 bytes, False), in input order. A "lines"
    chunk holds about ``batch_bytes`` and at most ``max_lines`` lines, so a file of tiny lines
    cannot make millions of Python objects at once."""
    buf = b""
    lineno = 1
    skipping = False

    def lines(region: bytes, after: bool) -> Iterator[tuple[str, int, bytes, bool]]:
        nonlocal lineno
        for piece, piece_after in pieces(region, max_lines, max_line, after):
            yield "lines", lineno, piece, piece_after
            lineno += piece.count(b"\n")

    while True:
        data = stream.read(batch_bytes)
        if skipping:
            if not data:
                return
            nl = data.find(b"\n")
            if nl < 0:
                continue
            data = data[nl + 1 :]
            skipping = False
            if not data:
                continue
        if not data:
            if buf:
                yield from lines(buf, False)
            return
        buf += data
        last = buf.rfind(b"\n")
        if len(buf) - last - 1 > max_line:  # the unfinished line is already too long
            if last >= 0:
                yield from lines(buf[: last + 1], False)
            yield "long", lineno, buf[last + 1 : last + 1 + kept(max_line)], False
            lineno += 1
            buf = b""
            skipping = True
            continue
        if len(buf) < batch_bytes or last < 0:
            continue
        prev = buf.rfind(b"\n", 0, last)
        if prev < 0:
            continue  # one complete line: keep it until we know what follows it
        yield from lines(buf[: prev + 1], is_label_line(buf[prev + 1 : last], max_line))
        buf = buf[prev + 1 :]


def pieces(
    region: bytes, max_lines: int, max_line: int, after: bool
) -> Iterator[tuple[bytes, bool]]:
    """``region`` cut after every ``max_lines`` lines, each piece with whether the line after
    it is a detailed label line (``after`` for the last piece, whose next line the caller
    knows)."""
    if region.count(b"\n", 0, len(region) - 1) < max_lines:  # the usual case: one piece
        yield region, after
        return
    start = 0
    while start < len(region):
        end = start
        for _ in range(max_lines):
            end = region.find(b"\n", end) + 1
            if end == 0:
                end = len(region)
                break
        if end >= len(region):
            yield region[start:], after
            return
        nxt = region.find(b"\n", end)
        yield region[start:end], is_label_line(region[end : nxt if nxt >= 0 else None], max_line)
        start = end


def is_label_line(line: bytes, max_line: int) -> bool:
    return len(line) <= max_line and is_continuation(decode(line).rstrip("\r"))


def split_chunk(data: bytes, cr: bool, width: int) -> tuple[pl.DataFrame, dict[int, str]]:
    """The lines of a chunk (``text``, without the newline and trailing carriage returns) and
    their first ``width`` space-separated tokens (``_t0``...; null where absent or empty), and
    the lines that are not valid UTF-8 (row -> text decoded with surrogateescape; their row
    holds "").

    polars' CSV reader splits fastest (and on every core): with a separator byte the chunk does
    not hold it gives the lines, with a space the tokens. It is used where it cannot differ (no
    carriage return, no BOM, valid UTF-8, one row a line); otherwise the lines are split here
    and their tokens with ``split_exact``."""
    names = token_names(width)
    whole = data if data.endswith(b"\n") else data + b"\n"
    expected = whole.count(b"\n")
    if b"\x1f" not in whole and not cr and not whole.startswith(b"\xef\xbb\xbf"):
        opts: dict[str, Any] = {
            "quote_char": None,
            "infer_schema": False,
            "comment_prefix": None,
            "raise_if_empty": False,
        }
        try:
            lines = pl.read_csv(
                whole, has_header=False, separator="\x1f", new_columns=["text"], **opts
            )
            # a first line of width empty fields fixes the number of token columns
            toks = pl.read_csv(
                b" " * (width - 1) + b"\n" + whole,
                has_header=True,
                separator=" ",
                new_columns=list(names),
                truncate_ragged_lines=True,
                **opts,
            )
        except pl.exceptions.ComputeError:
            pass
        else:
            if lines.height == expected == toks.height:
                frame = pl.concat(
                    [lines.with_columns(pl.col("text").fill_null("")), toks], how="horizontal"
                )
                return frame.rechunk(), {}
    data = whole[:-1]
    bad: dict[int, str] = {}
    try:
        good = data.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        good = []
        for i, part in enumerate(data.split(b"\n")):
            try:
                good.append(part.decode("utf-8"))
            except UnicodeDecodeError:
                bad[i] = decode(part)
                good.append("")
    frame = pl.DataFrame({"text": pl.Series(good, dtype=pl.Utf8)})
    toks = frame.select(
        pl.col("text")
        .str.strip_chars_end("\r")
        .str.split_exact(" ", width - 1)
        .struct.rename_fields(list(names))
        .alias("_toks")
    ).unnest("_toks")  # empty tokens stay "": no fast line has one
    return pl.concat([frame, toks], how="horizontal"), bad
