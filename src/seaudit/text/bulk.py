"""The bulk path: seaudit text to polars frames, batch by batch, in bounded memory.

It gives exactly the records and rejects of the reference reader (``reader.read_stream``); a
property test holds the two together. The input is read in byte chunks cut at newlines; each
chunk is decoded and split into lines by polars, and the common case is parsed column-wise:
a non-detailed line of single-space separated one-token values that exactly one event layout
reads at no cost (``short._fit_exact``). Which layout that is depends only on a few per-line
features (token count, status letter, the Event/Class word, where session IDs, ``(OS user)``
and numbers stand); each distinct feature signature is decided once, in Python, by the layout
table, and the answer is joined back. Everything else (detailed lines and blocks, padded or
spaced values, ties between layouts, status ``C``, invalid UTF-8, wrong dates, junk) goes to
the reference parser line by line, with the reader's own grouping state, so nothing differs.

Cost (measured, see bench/bench_parse.py): polars' CSV reader splits a chunk into lines and,
a second time, into its first ``WIDTH`` tokens as columns (a value is a column, never a list
element: 16 ``list.get`` a row cost more than the rest); dates are checked once a distinct
day; work is done on whole columns, and the rare TRACE/UPDATE lines on their own subset (the
same work as ``when/then`` over every row costs twice as much).

Order: a batch's frame rows and its rejects are each in line order; merged by ``line`` they
give the reference order (every item has its own first line). A detailed block that runs
over a batch boundary is delivered with the batch where it ends.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import polars as pl

from seaudit.export._jsoncols import escape_line_breaks, escaped, needing_escape
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.fields import (
    DIGITS_RE,
    FIELD_BY_KEY,
    FIELDS,
    INT_KEYS,
    INT_OR_STR,
    KEYS,
    MAX_CODE_DIGITS,
    is_code,
)
from seaudit.schema.flags import OS_USER, OS_USER_TOKENS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.reader import (
    MAX_BLOCK_BYTES,
    MAX_BLOCK_LINES,
    MAX_LINE_BYTES,
    Grouper,
    Item,
    Reject,
    is_continuation,
)
from seaudit.text.short import _column_fits
from seaudit.text.timefmt import MONTHS, to_timestamp

BATCH_BYTES = 8 << 20
CHUNK_LINES = 1 << 17  # lines a chunk holds at most (a file of tiny lines: bounded objects)
#: what str.isspace() takes; none lies above U+3000 (a test holds it: the full scan costs 0.2 s)
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_WS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _SPACES) + "]"
_OS, _USER = OS_USER_TOKENS  # the AuditFlags column "(OS user)" as two tokens
_SLOW_WORDS = frozenset({"TRACE", "UPDATE"})  # the free-text layouts: always the reference
_EVENT_WORDS = frozenset(w for lay in LAYOUTS for w in lay.words)
_MONTH = {m: f"{i:02d}" for i, m in enumerate(MONTHS, 1)}
_MONTH.update({m.upper(): v for m, v in list(_MONTH.items())})
_DATE_SHAPE = "^[0-9]{2} (?:" + "|".join(_MONTH) + ") [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [^ ] [^ ]"
#: token columns read: the longest one-token layout has 17 tokens, one more tells a longer line
WIDTH = 18
_TOK = tuple(f"_t{i}" for i in range(WIDTH))
_HEAD = b" " * (WIDTH - 1) + b"\n"
_GENERIC = re.compile("[A-Za-z0-9_-]*[A-Za-z0-9][A-Za-z0-9_-]*")  # a one-word resource class
_SESSION_RE = "^[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,16}$"
_INT_RE = DIGITS_RE
_LABELLED_RE = f"(?i)event(?: type)?{_WS}*:"  # a superset of detailed.find_labels
STR_KEYS = tuple(k for k in KEYS if k not in INT_KEYS)


def _continuation_re() -> str:
    from seaudit.schema.events import LABEL_KEYS

    labels = "|".join(_rx_escape(lab) for lab in sorted(LABEL_KEYS, key=len, reverse=True))
    return f"^{_WS}*(?:{labels}){_WS}*:"


def _rx_escape(text: str) -> str:
    return "".join(f"\\{c}" if not c.isalnum() and c != " " else c for c in text)


# ---------------------------------------------------------------------------------------------
# templates: the exact one-token readings of every layout without free text


@dataclass(frozen=True, slots=True)
class _Template:
    tid: int
    layout: Layout
    platform: str | None
    n: int  # tokens in the line
    slots: tuple[tuple[str, int], ...]  # key -> token index
    session: int | None  # token index that must be a session ID
    no_session: int | None  # token index that must not be one
    flags: int | None  # token index of "(OS" (then "user)")
    no_flags: int | None  # token index where "(OS user)" must not stand
    ints: tuple[int, ...]
    flags_column: bool  # the line reaches the AuditFlags column (else it stopped before it)
    #: token indexes whose value costs something when it holds a backslash (``short._start_cost``)
    words: tuple[int, ...]
    names: tuple[int, ...]
    paths: tuple[int, ...]

    @property
    def reading(self) -> tuple[str, tuple[tuple[str, int], ...], int | None]:
        return (self.layout.id, self.slots, self.flags)


def _templates(platform: str | None) -> tuple[_Template, ...]:
    out: list[_Template] = []
    for layout in LAYOUTS:
        kinds = {FIELD_BY_KEY[k].kind for k in layout.unix + layout.windows}
        if "text" in kinds:
            continue
        plats: tuple[str | None, ...] = (
            ("unix", "windows") if layout.windows and platform is None else (platform,)
        )
        for plat in plats:
            for ending in layout.endings(plat):
                order = ending.keys
                kinds_of = [FIELD_BY_KEY[key].kind for key in order]
                has_s, has_f = "session" in kinds_of, "flags" in kinds_of
                # an early end that stops after AuditFlags shows it
                shown = not ending.complete and kinds_of[-1] == "flags"
                for ws in (True, False) if has_s else (False,):
                    for wf in (True, False) if has_f and not shown else (has_f,):
                        out.append(_template(len(out), layout, plat, order, ws, wf))
    return tuple(out)


def _template(
    tid: int, layout: Layout, plat: str | None, order: tuple[str, ...], ws: bool, wf: bool
) -> _Template:
    i = 5
    shaped: dict[str, list[int]] = {"word": [], "name": [], "path": []}
    slots: list[tuple[str, int]] = []
    session = no_session = flags = no_flags = None
    ints: list[int] = []
    for key in order:
        kind = FIELD_BY_KEY[key].kind
        if kind == "session":
            if ws:
                session = i
                slots.append((key, i))
                i += 1
            else:
                no_session = i
        elif kind == "flags":
            if wf:
                flags = i
                i += 2
            else:
                no_flags = i
        else:
            if kind == "int":
                ints.append(i)
            shaped.get(kind, []).append(i)
            slots.append((key, i))
            i += 1
    if no_flags is not None and no_flags + 1 >= i:
        no_flags = None  # the check only applies where two tokens follow
    return _Template(
        tid,
        layout,
        plat,
        i,
        tuple(slots),
        session,
        no_session,
        flags,
        no_flags,
        tuple(ints),
        any(FIELD_BY_KEY[key].kind == "flags" for key in order),
        tuple(shaped["word"]),
        tuple(shaped["name"]),
        tuple(shaped["path"]),
    )


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything the vectorised path needs for one platform setting and one set of tables."""

    templates: tuple[_Template, ...]
    session_pos: tuple[int, ...]
    flag_pos: tuple[int, ...]  # where a template reads "(OS user)" or refuses to leave it
    int_pos: tuple[int, ...]
    words: tuple[str, ...]  # Event/Class words with their own category
    statuses: tuple[str, ...]
    decided: dict[int, int] = field(default_factory=dict)  # signature -> tid * 4 + mode, or -1


_MODE_NONE, _MODE_FIXED, _MODE_CLUE, _MODE_CLUE_OR_OWN = 0, 1, 2, 3


def _plan(platform: str | None, tables: CodeTables) -> _Plan:
    templates = _templates(platform)
    sess = sorted({p for t in templates for p in (t.session, t.no_session) if p is not None})
    ints = sorted({p for t in templates for p in t.ints})
    words = sorted({w for lay in LAYOUTS for w in (*lay.words, *lay.classes)})
    flags = sorted({p for t in templates for p in (t.flags, t.no_flags) if p is not None})
    return _Plan(
        templates,
        tuple(sess),
        tuple(flags),
        tuple(ints),
        tuple(words),
        tuple(sorted(tables.statuses)),
    )


def _decide(plan: _Plan, sig: int, platform: str | None) -> int:
    """tid * 4 + platform mode for a feature signature, or -1 (the reference decides)."""
    n, rest = sig % 32, sig // 32
    status_i, rest = rest % 64, rest // 64
    word_i, rest = rest % 64, rest // 64
    os_i, bits = rest % 32, rest // 32
    if status_i == 0 or word_i == 0 or os_i == 31:
        return -1
    status = plan.statuses[status_i - 1]
    word = "" if word_i == 1 else plan.words[word_i - 2]  # "" = a generic resource class
    os_at = None if os_i == 0 else os_i
    if status == "C" or word in _SLOW_WORDS:
        return -1

    def sess(p: int) -> bool:
        return bool(bits >> plan.session_pos.index(p) & 1)

    def fits(t: _Template) -> bool:
        lay = t.layout
        if t.n != n or status not in lay.statuses:
            return False
        if not _column_fits(lay, word or "X", status):  # "X": any other one-word class
            return False
        if t.session is not None and not sess(t.session):
            return False
        if t.no_session is not None and sess(t.no_session):
            return False
        if t.flags is not None and t.flags != os_at:
            return False
        if t.flags is None and os_at is not None and os_at == t.no_flags:
            return False  # "(OS user)" left unread where it may stand
        shift = len(plan.session_pos)
        return all(bits >> (shift + plan.int_pos.index(p)) & 1 for p in t.ints)

    fitting = [t for t in plan.templates if fits(t)]
    if not fitting or len({t.reading for t in fitting}) > 1:
        return -1
    chosen = fitting[0]
    lay = chosen.layout
    if not lay.platform_dependent:
        mode = _MODE_NONE
    elif platform is not None:
        mode = _MODE_FIXED
    elif lay.windows:
        plats = {t.platform for t in fitting}
        # only one field order reads the line: without a clue, that order tells the platform
        mode = _MODE_CLUE if len(plats) > 1 else _MODE_CLUE_OR_OWN
    else:
        mode = _MODE_CLUE
    return chosen.tid * 4 + mode


# ---------------------------------------------------------------------------------------------
# the batch


@dataclass(frozen=True, slots=True)
class BulkBatch:
    """One batch: ``frame`` (one row per record, ``line`` then every SCHEMA key, then
    ``warnings`` and ``raw``), ``rejects`` in line order, and ``extra``: the few records whose
    text holds undecodable bytes (lone surrogates cannot live in a polars string), also in
    line order. ``real_uid`` is a string column: ``records_of`` turns an all-digit value (at
    most 18 digits) back into an int, as the parsers do. ``json``: the frame's JSON lines when
    ``parse_batches(json=True)`` made them in its worker thread (else None)."""

    source: str
    frame: pl.DataFrame
    rejects: list[Reject]
    extra: list[AuditRecord]
    json: pl.Series | None = None


def _schema() -> dict[str, Any]:
    out: dict[str, Any] = {"line": pl.Int64}
    for f in FIELDS:
        out[f.key] = pl.Int64 if f.key in INT_KEYS else pl.Utf8
    out["warnings"] = pl.List(pl.Utf8)
    out["raw"] = pl.Utf8
    return out


SCHEMA = _schema()


def _kept(max_line: int) -> int:
    """How much of an over-long line the reference keeps (its first ``readline`` chunk)."""
    return min(1024, max_line + 1)


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _segments(
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
        for piece, piece_after in _pieces(region, max_lines, max_line, after):
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
            yield "long", lineno, buf[last + 1 : last + 1 + _kept(max_line)], False
            lineno += 1
            buf = b""
            skipping = True
            continue
        if len(buf) < batch_bytes or last < 0:
            continue
        prev = buf.rfind(b"\n", 0, last)
        if prev < 0:
            continue  # one complete line: keep it until we know what follows it
        yield from lines(buf[: prev + 1], _is_label_line(buf[prev + 1 : last], max_line))
        buf = buf[prev + 1 :]


def _pieces(
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
        yield region[start:end], _is_label_line(region[end : nxt if nxt >= 0 else None], max_line)
        start = end


def _is_label_line(line: bytes, max_line: int) -> bool:
    return len(line) <= max_line and is_continuation(_decode(line).rstrip("\r"))


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
    json: bool = False,
) -> Iterator[BulkBatch]:
    """Records and rejects of a binary stream, batch by batch (see the module docstring).
    ``json=True`` also makes each batch's JSON lines in the worker thread (``write_jsonl``
    then only writes them)."""
    tables = tables or default_tables()
    plan = _plan(platform, tables)
    grouper = Grouper(source, platform, tables, max_line_bytes, max_block_lines, max_block_bytes)
    workers = min(2, pl.thread_pool_size())
    segments = _segments(stream, max(1, batch_bytes), max_line_bytes, max(1, chunk_lines))

    def finish(kind: str, first: int, payload: Any) -> BulkBatch:
        items: list[Item] = []
        if kind == "long":
            grouper.feed(first, _decode(payload), True, items)
            return _batch(source, None, items)
        vec = payload.result() if isinstance(payload, Future) else payload
        _feed_slow(vec, grouper, max_line_bytes, items)
        return _batch(source, vec.fast, items, vec.json)

    if workers < 2:  # one core: no worker thread
        for kind, first, data, after in segments:
            payload = (
                data
                if kind == "long"
                else _vector(data, first, after, plan, platform, tables, max_line_bytes, json)
            )
            yield finish(kind, first, payload)
    else:  # the vectorised pass of the next chunk runs while this one is finished
        with ThreadPoolExecutor(workers) as pool:
            pending: deque[tuple[str, int, Any]] = deque()
            for kind, first, data, after in segments:
                job: bytes | Future[_Vector] = (
                    data
                    if kind == "long"
                    else pool.submit(
                        _vector, data, first, after, plan, platform, tables, max_line_bytes, json
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
        if not _encodable(rec, raw):
            extra.append(rec)
            continue
        rows["line"].append(line)
        for f in FIELDS:
            value = getattr(rec, f.attr)
            rows[f.key].append(str(value) if f.key in INT_OR_STR and value is not None else value)
        rows["warnings"].append(list(rec.warnings))
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


def _encodable(rec: AuditRecord, raw: str | None) -> bool:
    texts = [v for v in (getattr(rec, f.attr) for f in FIELDS) if isinstance(v, str)]
    texts.extend(rec.warnings)
    if raw is not None:
        texts.append(raw)
    try:
        "".join(texts).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _split(data: bytes, cr: bool) -> tuple[pl.DataFrame, dict[int, str]]:
    """The lines of a chunk (``text``, without the newline and trailing carriage returns) and
    their first ``WIDTH`` space-separated tokens (``_t0``...; null where absent or empty), and
    the lines that are not valid UTF-8 (row -> text decoded with surrogateescape; their row
    holds "").

    polars' CSV reader splits fastest (and on every core): with a separator byte the chunk does
    not hold it gives the lines, with a space the tokens. It is used where it cannot differ (no
    carriage return, no BOM, valid UTF-8, one row a line); otherwise the lines are split here
    and their tokens with ``split_exact``."""
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
            # a first line of WIDTH empty fields fixes the number of token columns
            toks = pl.read_csv(
                _HEAD + whole,
                has_header=True,
                separator=" ",
                new_columns=list(_TOK),
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
                bad[i] = _decode(part)
                good.append("")
    frame = pl.DataFrame({"text": pl.Series(good, dtype=pl.Utf8)})
    toks = frame.select(
        pl.col("text")
        .str.strip_chars_end("\r")
        .str.split_exact(" ", WIDTH - 1)
        .struct.rename_fields(list(_TOK))
        .alias("_toks")
    ).unnest("_toks")  # empty tokens stay "": no fast line has one
    return pl.concat([frame, toks], how="horizontal"), bad


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
    plan: _Plan,
    platform: str | None,
    tables: CodeTables,
    max_line: int,
    json: bool = False,
) -> _Vector:
    """The vectorised pass over one chunk (no shared state: it may run in a worker thread)."""
    cr = b"\r" in data
    frame, bad = _split(data, cr)
    df = frame.with_row_index("row")
    n_rows = df.height
    text = pl.col("text")
    df = df.with_columns(text.str.len_bytes().alias("nbytes"))
    if cr:
        df = df.with_columns(text.str.strip_chars_end("\r"))
    # whether each line may be read by the fast path
    nxt_cont = text.shift(-1).str.contains(_continuation_re()).fill_null(after)
    cand = (
        text.str.contains(_DATE_SHAPE)
        & ~text.str.contains("  ", literal=True)
        & ~text.str.slice(-1).is_in(list(_SPACES))
        & ~text.str.contains(_LABELLED_RE)
        & (pl.col("nbytes") <= max_line)
        & ~nxt_cont
    )
    if bad:  # undecodable lines, and the lines a detailed label line among them continues
        held = [*bad, *(r - 1 for r, t in bad.items() if is_continuation(t.rstrip("\r")))]
        cand = cand & ~pl.col("row").is_in(held)
    # a candidate has no empty token: the non-null token columns count its tokens (to WIDTH)
    ntok = pl.sum_horizontal([pl.col(c).is_not_null() for c in _TOK]).cast(pl.Int64)
    df = _dates(df.with_columns(cand.alias("cand"), ntok.alias("ntok")))
    df = df.with_columns(pl.col("cand") & pl.col("timestamp").is_not_null())
    fast = _fast(df, first, plan, platform, tables)
    slow = df.select("row", "text", "nbytes").filter(
        ~pl.col("row").is_in((fast["line"] - first).cast(pl.UInt32).implode())
    )
    rows: list[tuple[int, str, int]] = []
    for row, txt, nb in zip(
        slow["row"].to_list(), slow["text"].to_list(), slow["nbytes"].to_list(), strict=True
    ):
        if row in bad:
            raw = bad[row].encode("utf-8", "surrogateescape")
            txt, nb = _decode(raw).rstrip("\r"), len(raw)
            if nb > max_line:
                txt = bad[row]
        elif nb > max_line:
            txt = txt + "\r" * (nb - len(txt.encode()))  # the line as read, CRs included
        rows.append((row, txt, nb))
    return _Vector(first, n_rows, fast, rows, json_lines(fast) if json and fast.height else None)


def _feed_slow(vec: _Vector, grouper: Grouper, max_line: int, items: list[Item]) -> None:
    """The lines the fast path left, through the reference reader's grouping, in order."""
    for row, txt, nb in vec.slow:
        if nb > max_line:
            kept = txt.encode("utf-8", "surrogateescape")[: _kept(max_line)]
            grouper.feed(vec.first + row, _decode(kept), True, items)
        else:
            grouper.feed(vec.first + row, txt, False, items)
    if vec.n_rows and (not vec.slow or vec.slow[-1][0] != vec.n_rows - 1):
        grouper.flush(items)  # a fast line ends the chunk: any open group ended before it


def _fast(
    df: pl.DataFrame, first: int, plan: _Plan, platform: str | None, tables: CodeTables
) -> pl.DataFrame:
    """The records of the lines the vectorised path reads, in line order."""
    cand, ntok, word = pl.col("cand"), pl.col("ntok"), pl.col("_t5")
    parts = []
    simple = cand & (ntok >= 6) & (ntok < WIDTH) & ~word.is_in(list(_SLOW_WORDS))
    parts.append(_build(_classify(df, simple, plan, platform), first, plan, tables))
    long = df.select("row", "text", "timestamp", "_t5").filter(
        df.select(cand & word.is_in(list(_SLOW_WORDS)) & (ntok >= 13)).to_series()
    )
    if long.height:
        text = pl.col("text")
        long = long.with_columns(
            (text.str.count_matches(" ", literal=True) + 1).alias("ntok"),
            text.str.split(" ").alias("tok"),
        )
        trace = long.filter(word == "TRACE")
        if trace.height:
            parts.append(_build_trace(trace, first, platform, tables))
        admin = long.filter(word == "UPDATE")
        if admin.height:
            parts.append(_build_admin(admin, first, tables))
    parts = [p for p in parts if p.height]
    if not parts:
        return pl.DataFrame(schema=SCHEMA)
    return parts[0] if len(parts) == 1 else pl.concat(parts).sort("line")  # merge_sorted is slower


def _statuses(layout_id: str, tables: CodeTables) -> list[str]:
    from seaudit.schema.events import LAYOUT_BY_ID

    return [c for c in LAYOUT_BY_ID[layout_id].statuses if c in tables.statuses and c != "C"]


def _finish(
    df: pl.DataFrame, first: int, values: dict[str, pl.Expr], warnings: pl.Expr | None = None
) -> pl.DataFrame:
    """The frame in SCHEMA order from the given key expressions (others are null)."""
    exprs = [(pl.col("row").cast(pl.Int64) + first).alias("line")]
    for key in KEYS:
        expr = values.get(key, pl.lit(None))
        exprs.append(expr.cast(SCHEMA[key]).alias(key))
    exprs.append(
        (warnings if warnings is not None else pl.lit([], pl.List(pl.Utf8)))
        .cast(SCHEMA["warnings"])
        .alias("warnings")
    )
    exprs.append(pl.col("text").alias("raw"))
    return df.select(exprs)


def _message(table: str, tables: CodeTables) -> pl.Expr:
    return pl.col("stage").replace_strict(
        dict(tables.numbered[table]), default=None, return_dtype=pl.Utf8
    )


_PLATFORM_UNKNOWN = (
    "platform unknown: read trace in the UNIX field order "
    "(give --platform windows if the line came from Windows)"
)


def _build_trace(
    df: pl.DataFrame, first: int, platform: str | None, tables: CodeTables
) -> pl.DataFrame:
    """TRACE lines read one token a value up to the free trace text (``short._fit``'s first
    reading, of cost 0); without --platform the clues choose the field order, as
    ``short._settle_tie`` does."""
    tok = pl.col("tok")
    s = tok.list.get(7).str.contains(_SESSION_RE).cast(pl.Int64)
    flag = (tok.list.get(12 + s) == _OS) & (tok.list.get(13 + s) == _USER)
    start = 12 + s + 2 * flag.cast(pl.Int64)
    df = df.with_columns(s.alias("s"), flag.alias("flag"), start.alias("start"))
    s, flag, start = pl.col("s"), pl.col("flag"), pl.col("start")
    ok = (
        tok.list.get(4).is_in(_statuses("trace", tables))
        & tok.list.get(11 + s).str.contains(_INT_RE)
        & (pl.col("ntok") > start)
    )
    df = df.filter(ok).with_columns(
        tok.list.slice(start).list.join(" ").alias("trace"),
        tok.list.slice(5, start - 5).list.join(" ").alias("prefix"),
        tok.list.get(7 + s).alias("who"),
        tok.list.get(10 + s).alias("resource"),
        tok.list.get(11 + s).cast(pl.Int64).alias("stage"),
    )
    trace, prefix = pl.col("trace"), pl.concat_str([pl.lit(" "), pl.col("prefix")])
    warn = pl.lit([], pl.List(pl.Utf8))
    if platform is None:
        # the clues of short._platform_clue: values but the free text
        windows = prefix.str.contains("\\", literal=True) | prefix.str.contains(" [A-Za-z]:")
        unix = pl.col("resource").str.starts_with("/")
        odd = prefix.str.contains(" [^\\x00-\\x7f]:")
        df = df.filter(~odd).with_columns(
            pl.when(windows).then(pl.lit("windows")).otherwise(pl.lit("unix")).alias("platform"),
            (~windows & ~unix).alias("unknown"),
        )
        warn = (
            pl.when(pl.col("unknown"))
            .then(pl.lit([_PLATFORM_UNKNOWN], pl.List(pl.Utf8)))
            .otherwise(warn)
        )
    else:
        df = df.with_columns(pl.lit(platform).alias("platform"))
    plat = pl.col("platform")
    values = {
        "event": pl.lit("trace"),
        "timestamp": pl.col("timestamp"),
        "status": tok.list.get(4),
        "event_name": tok.list.get(5),
        "user": tok.list.get(6),
        "session_id": pl.when(s == 1).then(tok.list.get(7)),
        "effective_user": pl.when(plat == "unix").then(pl.col("who")),
        "real_uid": pl.when(plat == "windows").then(pl.col("who")),
        "real_user": tok.list.get(8 + s),
        "class": tok.list.get(9 + s),
        "resource": pl.col("resource"),
        "stage": pl.col("stage"),
        "stage_message": _message("stage", tables),
        "audit_flags": pl.when(flag).then(pl.lit(OS_USER)).otherwise(pl.lit("")),
        "trace": trace,
        "platform": plat,
    }
    return _finish(df, first, values, warn)


def _build_admin(df: pl.DataFrame, first: int, tables: CodeTables) -> pl.DataFrame:
    """UPDATE lines: one token a value up to a Command that starts with a selang verb (the
    reference's exact reading, of cost 0; db_admin is the only layout an UPDATE line fits)."""
    from seaudit.schema.codes import ADMIN_COMMAND

    tok = pl.col("tok")
    n = pl.col("ntok")
    flag = (tok.list.get(-2) == _OS) & (tok.list.get(-1) == _USER) & (n - 2 > 12)
    ok = (
        tok.list.get(4).is_in(_statuses("db_admin", tables))
        & tok.list.get(8).str.contains(_INT_RE)
        & tok.list.get(9).str.contains(_INT_RE)
        & tok.list.get(12).str.contains("^[!-~]+$")
        & tok.list.get(12)
        .str.to_lowercase()
        .is_in(sorted({*tables.command_types, *tables.selang_verbs}))
    )
    df = df.filter(ok).with_columns(flag.alias("flag"))
    flag = pl.col("flag")
    command = tok.list.slice(12, n - 12 - 2 * flag.cast(pl.Int64)).list.join(" ")
    verbs = dict(tables.command_types)
    values = {
        "event": pl.lit("db_admin"),
        "timestamp": pl.col("timestamp"),
        "status": tok.list.get(4),
        "event_name": tok.list.get(5),
        "class": tok.list.get(6),
        "user": tok.list.get(7),
        "stage": tok.list.get(8).cast(pl.Int64),
        "reason": tok.list.get(9).cast(pl.Int64),
        "object": tok.list.get(10),
        "terminal": tok.list.get(11),
        "command": command,
        "command_type": tok.list.get(12)
        .str.to_lowercase()
        .replace_strict(verbs, default=ADMIN_COMMAND, return_dtype=pl.Utf8),
        "audit_flags": pl.when(flag).then(pl.lit(OS_USER)).otherwise(pl.lit("")),
    }
    out = _finish(df, first, values)
    return out.with_columns(
        pl.when(pl.col("stage").is_not_null())
        .then(
            pl.col("stage").replace_strict(
                dict(tables.numbered["stage"]), default=None, return_dtype=pl.Utf8
            )
        )
        .alias("stage_message")
    )


def _classify(df: pl.DataFrame, simple: pl.Expr, plan: _Plan, platform: str | None) -> pl.DataFrame:
    """Add ``tid`` and ``mode`` (``code`` -1: the reference decides, or not a simple line)."""
    tok = [pl.col(c) for c in _TOK]
    status_map = {s: i for i, s in enumerate(plan.statuses, 1)}
    word_map = {w: i for i, w in enumerate(plan.words, 2)}
    words = {
        w: word_map.get(w, 1 if _GENERIC.fullmatch(w) and w not in _EVENT_WORDS else 0)
        for w in df["_t5"].drop_nulls().unique().to_list()
    }
    word_i = tok[5].replace_strict(words, default=0, return_dtype=pl.Int64)
    status_i = tok[4].replace_strict(status_map, default=0, return_dtype=pl.Int64)
    # where "(OS user)" stands among the places a template reads or refuses it: 0 nowhere, 31
    # in more than one (the reference decides); elsewhere the two tokens are plain values
    places = plan.flag_pos
    pairs = [((tok[i] == _OS) & (tok[i + 1] == _USER)).fill_null(False) for i in places]
    n_pairs = pl.sum_horizontal(pairs)
    at = pl.coalesce(
        [pl.when(p).then(pl.lit(i, pl.Int64)) for i, p in zip(places, pairs, strict=True)]
    )
    os_i = pl.when(n_pairs == 0).then(0).when(n_pairs == 1).then(at).otherwise(31)
    sig = pl.col("ntok") + 32 * (status_i + 64 * (word_i + 64 * os_i.cast(pl.Int64)))
    bits = pl.lit(0, pl.Int64)
    for j, p in enumerate(plan.session_pos):
        bits = bits + tok[p].str.contains(_SESSION_RE).fill_null(False).cast(pl.Int64) * (1 << j)
    for j, p in enumerate(plan.int_pos):
        bits = bits + _is_int(tok[p]).cast(pl.Int64) * (1 << (j + len(plan.session_pos)))
    sig = pl.when(simple).then(sig + bits * (32 * 64 * 64 * 32)).otherwise(-1)
    df = df.with_columns(sig.alias("sig"))
    plan.decided.setdefault(-1, -1)
    sigs = df["sig"].unique().to_list()
    for s in sigs:
        if s not in plan.decided:
            plan.decided[s] = _decide(plan, s, platform)
    code = pl.col("sig").replace_strict(
        sigs, [plan.decided[s] for s in sigs], return_dtype=pl.Int64
    )
    df = df.with_columns(code.alias("code"))
    df = df.with_columns(_costly_shapes(df, plan).alias("code"))
    return df.with_columns((pl.col("code") // 4).alias("tid"), (pl.col("code") % 4).alias("mode"))


#: what ``tokens.looks_like_path_start`` takes, in ASCII (a non-ASCII drive letter goes slow)
_PATH_START_RE = "^(?:/|\\\\\\\\|[A-Za-z]:[\\\\/]|[Hh][Kk][Ee][Yy]_)"


def _costly_shapes(df: pl.DataFrame, plan: _Plan) -> pl.Expr:
    """``code``, with -1 (the reference decides) where a template reads a one-word column
    holding a backslash, a name holding two, or a path that starts like the end of a spaced
    Windows path: the reference gives those readings a cost and may find a cheaper one
    (``short._start_cost``). Only the fast rows with a backslash are looked at."""
    code = pl.col("code")
    rows = df.filter((code >= 0) & pl.col("text").str.contains("\\", literal=True))
    if rows.height == 0:
        return code
    tid = code // 4
    by_shape: dict[tuple[tuple[int, ...], ...], list[int]] = {}
    for t in (plan.templates[i] for i in sorted(set((rows["code"] // 4).to_list()))):
        by_shape.setdefault((t.words, t.names, t.paths), []).append(t.tid)
    costly = pl.lit(False)
    for (words, names, paths), tids in by_shape.items():
        odd = [pl.col(_TOK[p]).str.contains("\\", literal=True) for p in words]
        odd += [pl.col(_TOK[p]).str.count_matches("\\", literal=True) > 1 for p in names]
        odd += [
            pl.col(_TOK[p]).str.contains("\\", literal=True)
            & ~pl.col(_TOK[p]).str.contains(_PATH_START_RE)
            for p in paths
        ]
        if odd:
            costly = costly | (tid.is_in(tids) & pl.any_horizontal(odd).fill_null(False))
    slow = rows.filter(costly)["row"]
    if slow.len() == 0:
        return code
    return pl.when(pl.col("row").is_in(slow.implode())).then(pl.lit(-1, pl.Int64)).otherwise(code)


def _is_int(token: pl.Expr) -> pl.Expr:
    """What ``short._token_fits("int", ...)`` says: 1 to 18 ASCII digits (the cast alone
    would also take a leading "+")."""
    return (
        token.cast(pl.UInt64, strict=False).is_not_null()
        & (token.str.len_bytes() <= MAX_CODE_DIGITS)
        & ~token.str.starts_with("+")
    ).fill_null(False)


def _dates(df: pl.DataFrame) -> pl.DataFrame:
    """Add ``timestamp``, null where the date or time is not real (the reference rejects those
    lines). The shape (two-digit day, month spelled Jan or JAN, four-digit year, HH:MM:SS) is
    checked by the caller; the calendar is checked by ``timefmt.to_timestamp`` once a distinct
    day (a chunk holds few), the clock here."""
    day = pl.col("text").str.slice(0, 11)
    days: dict[str, str | None] = {}
    for text in df.select(day.unique())["text"].to_list():
        parts = text.split(" ") if text else []
        stamp = to_timestamp(parts[0], parts[1], parts[2], "00:00:00") if len(parts) == 3 else None
        days[text] = stamp[:10] if stamp else None
    clock = pl.col("_t3")
    ok = (
        (clock.str.slice(0, 2) <= "23")
        & (clock.str.slice(3, 1) <= "5")
        & (clock.str.slice(6, 1) <= "5")
    )
    date = day.replace_strict(days, default=None, return_dtype=pl.Utf8)
    timestamp = pl.when(ok).then(pl.concat_str([date, pl.lit("T"), clock]))
    return df.with_columns(timestamp.alias("timestamp"))


def _build(df: pl.DataFrame, first: int, plan: _Plan, tables: CodeTables) -> pl.DataFrame:
    tid = pl.col("tid")
    present = sorted(t for t in set(df["tid"].unique().to_list()) if t >= 0)
    temps = [plan.templates[i] for i in present]
    cols: dict[str, pl.Expr] = {"line": (pl.col("row").cast(pl.Int64) + first)}
    for f in FIELDS:
        key = f.key
        if key == "event":
            expr = tid.replace_strict(
                {t.tid: t.layout.id for t in temps}, default=None, return_dtype=pl.Utf8
            )
        elif key == "timestamp":
            expr = pl.col("timestamp")
        elif key == "status":
            expr = pl.col("_t4")
        elif key == "audit_flags":
            flags = {
                t.tid: (OS_USER if t.flags is not None else "" if t.flags_column else None)
                for t in temps
            }
            expr = tid.replace_strict(flags, default=None, return_dtype=pl.Utf8)
        else:
            expr = _token_of(key, temps, tid)
            if key in INT_KEYS:  # rows left to the reference (code -1) may hold anything
                expr = expr.cast(pl.Int64, strict=False)
        cols[key] = expr.cast(SCHEMA[key])
    out = df.select(**cols, text=pl.col("text"), tid=tid, mode=pl.col("mode"), code=pl.col("code"))
    # stage messages, from the table each layout names
    by_table: dict[str, list[int]] = {}
    for t in temps:
        if "stage" in dict(t.slots):
            by_table.setdefault(t.layout.details_table, []).append(t.tid)
    message = pl.lit(None, pl.Utf8)
    for table, tids in by_table.items():
        known = dict(tables.numbered[table])
        stage_message = pl.col("stage").replace_strict(known, default=None, return_dtype=pl.Utf8)
        message = (
            stage_message
            if len(by_table) == 1
            else pl.when(tid.is_in(tids)).then(stage_message).otherwise(message)
        )
    # platform: fixed, from the values' clues, or (rare) the reference decides
    mode = pl.col("mode")
    keep = pl.col("code") >= 0
    fixed = next((t.platform for t in plan.templates if t.platform), None)
    modes = {plan.decided[s] % 4 for s in plan.decided if plan.decided[s] >= 0}
    if modes & {_MODE_CLUE, _MODE_CLUE_OR_OWN}:
        line = pl.col("text")
        win = line.str.contains("\\", literal=True)
        odd = pl.lit(False)
        if df.select(line.str.contains(" [^\\x00-\\x40\\x5b-\\x60\\x7b-\\x7f]:").any()).item():
            win = win | line.str.contains(" [A-Za-z]:")  # a drive letter
            odd = line.str.contains(" [^\\x00-\\x7f]:")
        paths = [k for k in KEYS if FIELD_BY_KEY[k].kind == "path"]
        unix = pl.any_horizontal([pl.col(k).str.starts_with("/").fill_null(False) for k in paths])
        own = tid.replace_strict(
            {t.tid: t.platform for t in temps}, default=None, return_dtype=pl.Utf8
        )
        # the clue, else (mode "clue or own") the order's own platform; written so that the
        # clue is computed once (three times faster than a coalesce in two branches)
        clue = (
            pl.when(win)
            .then(pl.lit("windows"))
            .when(unix)
            .then(pl.lit("unix"))
            .when(mode == _MODE_CLUE_OR_OWN)
            .then(own)
        )
        plat = (
            pl.when(mode == _MODE_FIXED)
            .then(pl.lit(fixed, pl.Utf8))
            .when(mode >= _MODE_CLUE)
            .then(clue)
            .otherwise(pl.lit(None, pl.Utf8))
        )
        keep = keep & ~((mode >= _MODE_CLUE) & odd)
    else:
        plat = (
            pl.when(mode == _MODE_FIXED)
            .then(pl.lit(fixed, pl.Utf8))
            .otherwise(pl.lit(None, pl.Utf8))
        )
    out = out.filter(keep)
    return out.select(
        "line",
        *KEYS[: KEYS.index("stage_message")],
        message.alias("stage_message"),
        *KEYS[KEYS.index("stage_message") + 1 : KEYS.index("platform")],
        plat.alias("platform"),
        *KEYS[KEYS.index("platform") + 1 :],
        pl.lit([], pl.List(pl.Utf8)).alias("warnings"),
        pl.col("text").alias("raw"),
    )


def _token_of(key: str, temps: list[_Template], tid: pl.Expr) -> pl.Expr:
    """The token column that holds ``key`` for each row's template (null where none does)."""
    where: dict[int, list[int]] = {}
    for t in temps:
        pos = dict(t.slots).get(key)
        if pos is not None:
            where.setdefault(pos, []).append(t.tid)
    if not where:
        return pl.lit(None, pl.Utf8)
    if len(where) == 1 and len(next(iter(where.values()))) == len(temps):
        return pl.col(_TOK[next(iter(where))])
    items = list(where.items())
    if sum(len(tids) for _, tids in items) == len(temps):  # every template has the key
        expr = pl.col(_TOK[items.pop()[0]])
    else:
        expr = pl.lit(None, pl.Utf8)
    for pos, tids in items:
        expr = pl.when(tid.is_in(tids)).then(pl.col(_TOK[pos])).otherwise(expr)
    return expr


# ---------------------------------------------------------------------------------------------
# from frames


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


def _json_string(frame: pl.DataFrame, key: str) -> pl.Expr:
    """The column as JSON string literals (quotes included), escaped as orjson escapes."""
    expr = pl.col(key)
    if needing_escape(frame, [key]):
        expr = escaped(expr)
    return pl.concat_str([pl.lit('"'), expr, pl.lit('"')])


def json_lines(frame: pl.DataFrame) -> pl.Series:
    """One JSON object per row, byte for byte what ``seaudit.export.jsonl.dumps`` writes.

    polars' JSON encoder escapes as orjson does (a test holds them together) but writes absent
    values as ``null``: rows are grouped by which keys they have, and each group is encoded
    with exactly those. ``real_uid`` may be a number or a string: a batch that has any is built
    key by key instead."""
    present = [k for k in KEYS if frame[k].null_count() < frame.height]
    if "real_uid" in present:
        return escape_line_breaks(_json_lines_by_key(frame))
    has = sum(
        (pl.col(k).is_not_null().cast(pl.Int64) * (1 << i) for i, k in enumerate(present)),
        pl.lit(0, pl.Int64),
    )
    rows = frame.select(present).with_row_index("_row").with_columns(has.alias("_has"))
    parts = []
    for mask in rows["_has"].unique().to_list():
        keys = [k for i, k in enumerate(present) if mask >> i & 1]
        group = rows.filter(pl.col("_has") == mask)
        parts.append(group.select("_row", pl.struct(keys).struct.json_encode().alias("json")))
    out = parts[0] if len(parts) == 1 else pl.concat(parts).sort("_row")
    return escape_line_breaks(out["json"])


def _json_lines_by_key(frame: pl.DataFrame) -> pl.Series:
    parts = []
    for key in KEYS:
        col = frame[key]
        if col.null_count() == frame.height:
            continue
        expr = pl.col(key)
        if key in INT_KEYS:
            value = expr.cast(pl.Utf8)
        elif key in INT_OR_STR:
            digits = expr.str.contains(DIGITS_RE)
            value = (
                pl.when(digits)
                .then(expr.cast(pl.Int64).cast(pl.Utf8))
                .otherwise(_json_string(frame, key))
            )
        else:
            value = _json_string(frame, key)
        parts.append(pl.concat_str([pl.lit(json.dumps(key) + ":"), value]))
    if not parts:
        return pl.Series("json", ["{}"] * frame.height, dtype=pl.Utf8)
    body = pl.concat_str(parts, separator=",", ignore_nulls=True)
    return frame.select(pl.concat_str([pl.lit("{"), body, pl.lit("}")]).alias("json"))["json"]


def _line_of(record: AuditRecord) -> int:
    return record.origin.line if record.origin else 0


def write_jsonl(batch: BulkBatch, sink: BinaryIO) -> int:
    """Write the batch's records as JSON lines; returns how many."""
    from seaudit.export.jsonl import dumps

    if batch.json is not None:
        lines = batch.json
    elif batch.frame.height:
        lines = json_lines(batch.frame)
    else:
        lines = pl.Series("json", [], pl.Utf8)
    if batch.extra:
        merged: list[bytes] = []
        texts = lines.to_list()
        numbers = batch.frame["line"].to_list()
        extra = sorted(batch.extra, key=_line_of)
        j = 0
        for number, text in zip(numbers, texts, strict=True):
            while j < len(extra) and _line_of(extra[j]) < number:
                merged.append(dumps(extra[j]))
                j += 1
            merged.append(text.encode("utf-8"))
        merged.extend(dumps(r) for r in extra[j:])
        sink.write(b"\n".join(merged) + b"\n")
        return len(merged)
    if lines.len():
        sink.write(lines.str.join("\n").item().encode("utf-8") + b"\n")
    return lines.len()
