"""Audit text in bulk: a chunk of lines as polars columns (the bulk replay's first step).

Each line's head (``node=``, ``type=``, ``msg=audit(SECONDS.MILLIS:SERIAL):``) is read by
one regular expression over the whole column. Only lines the bulk path can take exactly as
``parse.parse_line`` reads them are marked ``plain``: printable ASCII (so whitespace is
only the space, and the enriched format's 0x1D never occurs), with fields; and, for the
record types whose shape is made of some of their fields (``TOKENIZED``), no ``'``
(user-space wrappers) and every field a ``key=value`` token. Every other line (junk, odd
spacing, non-ASCII) is left to the per-event path, which reads and reports it.
"""

from __future__ import annotations

import polars as pl

from seaudit.agent.mapping import UNREAD
from seaudit.agent.parse import MAX_LINE

#: the head of a plain line, up to the ``): `` the body follows (``parse_line`` strips the
#: body's surrounding spaces); the node name is ``store.location.NODE_NAME``'s
HEAD = (
    r"^(?:node=([A-Za-z0-9][A-Za-z0-9._-]{0,252}) )?type=([A-Za-z0-9_]+) "
    r"msg=audit\(([0-9]{1,15})\.([0-9]{1,9}):([0-9]{1,15})\): "
)
BODY_AFTER = "): "
#: a line the bulk path leaves alone: a byte outside printable ASCII
NOT_ASCII = r"[^ -~]"
#: a record whose shape is made of some of its fields (``shape``) must hold no quote ``'`` and
#: no token that is not ``key=value`` (no ``=``, or nothing before it): then leaving a field
#: out changes no other field's value
NOT_TOKENS = r"'|(?:^| )(?:[^ =]*(?: |$)|=)"
TOKENIZED = frozenset(UNREAD) | {"SYSCALL"}


def line_frame(lines: list[str]) -> pl.DataFrame:
    """One row a line (``idx`` its place in ``lines``), blank lines left out. ``plain``
    says the bulk path may take it; the other columns are null where the head does not
    match."""
    frame = pl.DataFrame({"text": lines}, schema={"text": pl.String}).with_row_index("idx", 0)
    frame = frame.filter(pl.col("text").str.len_bytes() > 0)
    head = pl.col("text").str.extract_groups(HEAD)
    frame = frame.with_columns(head.alias("head")).unnest("head")
    frame = frame.rename({"1": "node", "2": "type", "3": "seconds", "4": "millis", "5": "serial"})
    start = pl.col("text").str.find(BODY_AFTER, literal=True) + len(BODY_AFTER)
    body = pl.col("text").str.slice(start).str.strip_chars(" ")
    frame = frame.with_columns(body.alias("body"))
    plain = (
        pl.col("type").is_not_null()
        & ~pl.col("text").str.contains(NOT_ASCII)
        & (~pl.col("type").is_in(sorted(TOKENIZED)) | ~pl.col("text").str.contains(NOT_TOKENS))
        & (pl.col("text").str.len_bytes() <= MAX_LINE)
        & (pl.col("body").str.len_bytes() > 0)
    )
    return frame.select(
        pl.col("idx").cast(pl.Int64),
        pl.col("node"),
        pl.col("type"),
        pl.col("seconds").cast(pl.Int64),
        pl.col("millis").cast(pl.Int64),
        pl.col("serial").cast(pl.Int64),
        pl.col("body"),
        plain.fill_null(False).alias("plain"),
    )
