"""The bulk path: seaudit text to polars frames, batch by batch, in bounded memory.

It gives exactly the records and rejects of the reference reader (``reader.read_stream``); a
property test holds the two together. Three jobs, three modules: ``chunks`` cuts the input
into chunks of whole lines and splits each into its lines and first tokens; ``classify``
decides which lines the templates generated from the layout table (``templates``) read, and
how; ``columns`` builds their record columns. Everything else (detailed lines and blocks,
padded or spaced values, ties between readings, status ``C``, invalid UTF-8, wrong dates,
junk) goes to the reference parser line by line, with the reader's own grouping state, so
nothing differs.

Order: a batch's frame rows and its rejects are each in line order; merged by ``line`` they
give the reference order (every item has its own first line). A detailed block that runs
over a batch boundary is delivered with the batch where it ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, BinaryIO

import polars as pl

from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.fields import FIELDS, INT_OR_STR, is_code
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.chunks import (
    BATCH_BYTES,
    CHUNK_LINES,
    decode,
    kept,
    segments,
    split_chunk,
)
from seaudit.text.classify import candidates, classify, dates, token_count
from seaudit.text.columns import SCHEMA, build
from seaudit.text.reader import (
    MAX_BLOCK_BYTES,
    MAX_BLOCK_LINES,
    MAX_LINE_BYTES,
    Grouper,
    Item,
    Reject,
    is_continuation,
)
from seaudit.text.templates import Plan, plan

__all__ = ["SCHEMA", "BulkBatch", "parse_batches", "records_of"]

#: what a batch's frame becomes in the worker thread (the JSON lines ``parse`` writes)
Encoder = Callable[[pl.DataFrame], pl.Series]


@dataclass(frozen=True, slots=True)
class BulkBatch:
    """One batch: ``frame`` (one row per record, ``line`` then every SCHEMA key, then
    ``warnings`` and ``raw``), ``rejects`` in line order, and ``extra``: the few records whose
    text holds undecodable bytes (lone surrogates cannot live in a polars string), also in
    line order. ``real_uid`` is a string column: ``records_of`` turns an all-digit value (at
    most 18 digits) back into an int, as the parsers do. ``json``: the frame encoded by
    ``parse_batches(encode=...)`` in its worker thread, where the whole frame came from the
    fast path (else None)."""

    source: str
    frame: pl.DataFrame
    rejects: list[Reject]
    extra: list[AuditRecord]
    json: pl.Series | None = None


def parse_batches(
    stream: BinaryIO,
    *,
    source: str,
    platform: str | None = None,
    tables: CodeTables | None = None,
    batch_bytes: int = BATCH_BYTES,
    max_line_bytes: int = MAX_LINE_BYTES,
    max_block_lines: int = MAX_BLOCK_LINES,
    max_block_bytes: int = MAX_BLOCK_BYTES,
    chunk_lines: int = CHUNK_LINES,
    encode: Encoder | None = None,
    layouts: tuple[Layout, ...] = LAYOUTS,
) -> Iterator[BulkBatch]:
    """Records and rejects of a binary stream, batch by batch (see the module docstring).
    ``encode`` (e.g. ``export._jsonframe.json_lines``) also encodes each batch's fast frame in
    the worker thread. ``layouts``: the table the fast path is generated from."""
    tables = tables or default_tables()
    fast_plan = plan(platform, layouts)
    grouper = Grouper(source, platform, tables, max_line_bytes, max_block_lines, max_block_bytes)
    workers = min(2, pl.thread_pool_size())
    chunks = segments(stream, max(1, batch_bytes), max_line_bytes, max(1, chunk_lines))

    def finish(kind: str, first: int, payload: Any) -> BulkBatch:
        items: list[Item] = []
        if kind == "long":
            grouper.feed(first, decode(payload), True, items)
            return _batch(source, None, items)
        vec = payload.result() if isinstance(payload, Future) else payload
        _feed_slow(vec, grouper, max_line_bytes, items)
        return _batch(source, vec.fast, items, vec.json)

    if workers < 2:  # one core: no worker thread
        for kind, first, data, after in chunks:
            payload = (
                data
                if kind == "long"
                else _vector(data, first, after, fast_plan, tables, max_line_bytes, encode)
            )
            yield finish(kind, first, payload)
    else:  # the vectorised pass of the next chunk runs while this one is finished
        with ThreadPoolExecutor(workers) as pool:
            pending: deque[tuple[str, int, Any]] = deque()
            for kind, first, data, after in chunks:
                job: bytes | Future[_Vector] = (
                    data
                    if kind == "long"
                    else pool.submit(
                        _vector, data, first, after, fast_plan, tables, max_line_bytes, encode
                    )
                )
                pending.append((kind, first, job))
                while len(pending) > workers:
                    yield finish(*pending.popleft())
            while pending:
                yield finish(*pending.popleft())
    items: list[Item] = []
    grouper.flush(items)
    if items:
        yield _batch(source, None, items)


def _batch(
    source: str, fast: pl.DataFrame | None, items: list[Item], fast_json: pl.Series | None = None
) -> BulkBatch:
    rejects = [i for i in items if isinstance(i, Reject)]
    records = [i for i in items if isinstance(i, AuditRecord)]
    rows: dict[str, list[Any]] = {k: [] for k in SCHEMA}
    extra: list[AuditRecord] = []
    for rec in records:
        origin = rec.origin
        line = origin.line if origin else 0
        raw = origin.raw if origin else None
        if not encodable(rec, raw):
            extra.append(rec)
            continue
        rows["line"].append(line)
        for key, value in frame_row(rec).items():
            rows[key].append(value)
        rows["raw"].append(raw)
    slow = pl.DataFrame(rows, schema=SCHEMA)
    if fast is None or fast.height == 0:
        frame = slow
    elif slow.height == 0:
        frame = fast
    else:
        frame = _merge(fast, slow)
    json = fast_json if slow.height == 0 and fast is not None and fast.height else None
    return BulkBatch(source, frame, rejects, extra, json)


def _merge(fast: pl.DataFrame, slow: pl.DataFrame) -> pl.DataFrame:
    """Two frames in line order, merged: a few rows are slid between slices of the other
    (no copy), many are sorted in (``merge_sorted`` is slower than either)."""
    if slow.height > 64:
        return pl.concat([fast, slow]).sort("line")
    at = fast["line"].search_sorted(slow["line"]).to_list()
    parts: list[pl.DataFrame] = []
    start = 0
    for i, pos in enumerate(at):
        parts.append(fast.slice(start, pos - start))
        parts.append(slow.slice(i, 1))
        start = pos
    parts.append(fast.slice(start))
    return pl.concat(parts, rechunk=False)


def encodable(rec: AuditRecord, raw: str | None = None) -> bool:
    """Whether the record's text (and ``raw``) is valid UTF-8: a polars string cannot hold
    a lone surrogate, so such a record stays a record beside the frame."""
    texts = [v for v in (getattr(rec, f.attr) for f in FIELDS) if isinstance(v, str)]
    texts.extend(rec.warnings)
    if raw is not None:
        texts.append(raw)
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def frame_row(rec: AuditRecord) -> dict[str, Any]:
    """The record as a row of the frame (``SCHEMA``) less ``line`` and ``raw``: codes that
    may be text as strings, warnings as a list (``encodable`` records only)."""
    row: dict[str, Any] = {}
    for f in FIELDS:
        value = getattr(rec, f.attr)
        row[f.key] = str(value) if f.key in INT_OR_STR and value is not None else value
    row["warnings"] = list(rec.warnings)
    return row


@dataclass(frozen=True, slots=True)
class _Vector:
    """What the vectorised pass made of one chunk: the fast records, and the lines left for
    the reference parser (row, text without trailing CRs, length in bytes)."""

    first: int
    n_rows: int
    fast: pl.DataFrame
    slow: list[tuple[int, str, int]]
    json: pl.Series | None = None


def _vector(
    data: bytes,
    first: int,
    after: bool,
    fast_plan: Plan,
    tables: CodeTables,
    max_line: int,
    encode: Encoder | None = None,
) -> _Vector:
    """The vectorised pass over one chunk (no shared state: it may run in a worker thread)."""
    cr = b"\r" in data
    frame, bad = split_chunk(data, cr, fast_plan.width)
    df = frame.with_row_index("row")
    n_rows = df.height
    text = pl.col("text")
    df = df.with_columns(text.str.len_bytes().alias("nbytes"))
    if cr:
        df = df.with_columns(text.str.strip_chars_end("\r"))
    cand = candidates(df, after, max_line)
    if bad:  # undecodable lines, and the lines a detailed label line among them continues
        held = [*bad, *(r - 1 for r, t in bad.items() if is_continuation(t.rstrip("\r")))]
        cand = cand & ~pl.col("row").is_in(held)
    df = dates(df.with_columns(cand.alias("cand"), token_count(fast_plan.width).alias("ntok")))
    df = classify(df, fast_plan, tables)
    fast = build(df, first, fast_plan.templates, tables)
    slow = df.filter(pl.col("tid") < 0).select("row", "text", "nbytes")
    rows: list[tuple[int, str, int]] = []
    for row, txt, nb in zip(
        slow["row"].to_list(), slow["text"].to_list(), slow["nbytes"].to_list(), strict=True
    ):
        if row in bad:
            raw = bad[row].encode("utf-8", "surrogateescape")
            txt, nb = decode(raw).rstrip("\r"), len(raw)
            if nb > max_line:
                txt = bad[row]
        elif nb > max_line:
            txt = txt + "\r" * (nb - len(txt.encode()))  # the line as read, CRs included
        rows.append((row, txt, nb))
    encoded = encode(fast) if encode is not None and fast.height else None
    return _Vector(first, n_rows, fast, rows, encoded)


def _feed_slow(vec: _Vector, grouper: Grouper, max_line: int, items: list[Item]) -> None:
    """The lines the fast path left, through the reference reader's grouping, in order."""
    for row, txt, nb in vec.slow:
        if nb > max_line:
            cut = txt.encode("utf-8", "surrogateescape")[: kept(max_line)]
            grouper.feed(vec.first + row, decode(cut), True, items)
        else:
            grouper.feed(vec.first + row, txt, False, items)
    if vec.n_rows and (not vec.slow or vec.slow[-1][0] != vec.n_rows - 1):
        grouper.flush(items)  # a fast line ends the chunk: any open group ended before it


def records_of(batch: BulkBatch) -> Iterator[AuditRecord]:
    """The batch's records in line order, equal to the reference ones (origin included)."""
    frame = batch.frame
    columns = {name: frame[name].to_list() for name in frame.columns}
    attrs = [(f.key, f.attr) for f in FIELDS]
    extra = iter(batch.extra)
    pending = next(extra, None)
    for i in range(frame.height):
        line = columns["line"][i]
        while pending is not None and pending.origin is not None and pending.origin.line < line:
            yield pending
            pending = next(extra, None)
        kwargs: dict[str, Any] = {}
        for key, attr in attrs:
            value = columns[key][i]
            if value is not None:
                if key in INT_OR_STR and is_code(value):
                    value = int(value)
                kwargs[attr] = value
        yield AuditRecord(
            **kwargs,
            warnings=tuple(columns["warnings"][i] or ()),
            origin=Origin(batch.source, line, columns["raw"][i]),
        )
    while pending is not None:
        yield pending
        pending = next(extra, None)
