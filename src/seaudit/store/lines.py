"""The non-detailed line of a stored row as one DuckDB expression, so that a query's ``short``
output is built column-wise by DuckDB and written without a Python object per row.

``line_sql(sessionid=S, platform=P)`` gives exactly ``render_short(record, sessionid=S,
platform=P, missing=MISSING) + "\\n"`` for the row's record, or NULL where that cannot be
promised, and Python renders the row instead (``Store.select_lines``). NULL (fallback) rows:

- any value of the line that ``escape_controls`` would change (C0/C1 controls, U+2028/9);
- a line that ends with a space (a last value empty or ending with one): ``rstrip(" ")``;
- a timestamp not of ``timefmt.STAMP_PATTERN`` (Python shows it whole, as it is);
- ``audit_flags`` with anything but printable ASCII (``is_os_user`` strips Unicode spaces
  and lower-cases Unicode); ``real_uid`` of more digits than Python makes an int of;
- an unknown event, a NULL status or timestamp (the renderer refuses those: so does the
  fallback, with the same error).

Everything else is derived from ``LAYOUTS`` and the rules of ``positional_values`` and
``render_short``: the layout's order for ``record.platform or platform``, the session ID
column only with ``sessionid`` and a non-empty ID, ``(OS user)`` for ``is_os_user`` flags,
``event_name`` defaulting to the layout's first Event word, ints as ``str(int)``, absent
values as ``MISSING`` inside the line, none after the last column a row holds past the
layout's required core (``printed_columns``), single spaces.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING

from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.fields import FIELD_BY_KEY, INT_KEYS, INT_OR_STR
from seaudit.schema.flags import OS_USER, OS_USER_PREFIX, OS_USER_SPELLINGS
from seaudit.text.short import _CONTROL, MISSING
from seaudit.text.timefmt import MONTHS, STAMP_PATTERN

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

#: what a piece that cannot be promised renders as: a control, so the whole line falls back
FALL_BACK = "chr(0)"


def _char_class(points: list[int], *, negated: bool = False) -> str:
    """An RE2 character class of these code points (or of all others), as ranges."""
    points = sorted(points)
    ranges: list[tuple[int, int]] = []
    for p in points:
        if ranges and ranges[-1][1] == p - 1:
            ranges[-1] = (ranges[-1][0], p)
        else:
            ranges.append((p, p))
    return (
        ("[^" if negated else "[")
        + "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in ranges)
        + "]"
    )


_KEPT = _char_class(list(_CONTROL), negated=True)  # what ``escape_controls`` keeps as it is
#: a line that needs neither ``escape_controls`` nor ``rstrip(" ")`` (DuckDB's ``rtrim`` with
#: characters costs as much as building the line; the one-argument form strips more than " ")
_CLEAN_LINE = "^" + _KEPT + "*" + _KEPT[:-1] + " ]$"


def literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def column(key: str) -> str:
    return '"' + key.replace('"', '""') + '"'


def _text(key: str) -> str:
    """The column as ``str(record.get(key))`` would print it (NULL stays NULL)."""
    col = column(key)
    if key in INT_KEYS:
        return f"CAST({col} AS VARCHAR)"
    if key in INT_OR_STR:
        # stored as text; the record path makes ASCII digits an int: leading zeros go
        digits = sys.get_int_max_str_digits() or 1_000_000
        return (
            f"CASE WHEN {col} IS NULL OR NOT regexp_full_match({col}, '[0-9]+') THEN {col} "
            f"WHEN length({col}) > {digits} THEN {FALL_BACK} "
            f"ELSE coalesce(nullif(ltrim({col}, '0'), ''), '0') END"
        )
    return col


def _value(key: str, layout: Layout, sessionid: bool) -> list[str]:
    """The SQL pieces of `` " " + text`` for one positional column (nothing where the
    renderer leaves it out)."""
    col = column(key)
    kind = FIELD_BY_KEY[key].kind
    if kind == "session":
        return [f"CASE WHEN {col} <> '' THEN ' ' || {col} ELSE '' END"] if sessionid else []
    if kind == "flags":
        spellings = ", ".join(literal(s) for s in OS_USER_SPELLINGS)
        low = f"lower(trim({col}))"
        shown = literal(" " + OS_USER)
        return [
            f"CASE WHEN {col} IS NULL OR {col} = '' THEN '' "
            f"WHEN {col} = {literal(OS_USER)} THEN {shown} "
            f"WHEN NOT regexp_full_match({col}, '[ -~]*') THEN {FALL_BACK} "
            f"WHEN {low} IN ({spellings}) OR starts_with({low}, {literal(OS_USER_PREFIX)}) "
            f"THEN {shown} ELSE '' END"
        ]
    absent = layout.words[0] if key == "event_name" else MISSING
    return ["' '", f"coalesce({_text(key)}, {literal(absent)})"]


def _values(layout: Layout, platform: str, sessionid: bool) -> str:
    """The positional columns of ``printed_columns``: a column past the required core is
    printed only when the row holds it or a later column (a line may stop early)."""
    order = layout.order(platform)
    pieces: list[str] = []
    for k, key in enumerate(order):
        own = _value(key, layout, sessionid)
        if k < layout.required(platform) or not own:
            pieces.extend(own)
            continue
        later = order[k:]
        if "event_name" in later:
            pieces.extend(own)
            continue
        held = " OR ".join(f"{column(c)} IS NOT NULL" for c in later)
        pieces.append(f"CASE WHEN {held} THEN concat({', '.join(own)}) ELSE '' END")
    return f"concat({', '.join(pieces)})"


def _layout_values(layout: Layout, sessionid: bool, platform: str | None) -> str:
    unix = _values(layout, "unix", sessionid)
    if not layout.windows:
        return unix
    windows = _values(layout, "windows", sessionid)
    # layout.order(record.platform or platform): only "windows" picks the Windows order
    default = literal(platform) if platform == "windows" else "NULL"
    chosen = f"coalesce(nullif({column('platform')}, ''), {default})"
    return f"CASE WHEN {chosen} = 'windows' THEN {windows} ELSE {unix} END"


def _date_time() -> list[str]:
    """``split_timestamp`` as pieces: ``ts[8:10] Mon ts[0:4] ts[11:19]`` for a timestamp of
    its pattern; any other shape falls back (Python shows it as it is)."""
    ts = column("timestamp")
    months = " ".join(f"WHEN '{n:02d}' THEN {literal(m)}" for n, m in enumerate(MONTHS, 1))
    shaped = f"regexp_matches({ts}, {literal('^' + STAMP_PATTERN)})"
    return [
        f"CASE WHEN {shaped} THEN concat(substr({ts}, 9, 2), ' ', "
        f"CASE substr({ts}, 6, 2) {months} END, ' ', substr({ts}, 1, 4), ' ', "
        f"substr({ts}, 12, 8)) ELSE {FALL_BACK} END"
    ]


def raw_line_sql(
    *, sessionid: bool = False, platform: str | None = None, events: Collection[str] | None = None
) -> str:
    """The line without its newline, before the check of ``line_sql`` (a piece that must
    fall back is ``FALL_BACK``, a control character, so the check turns the line NULL).
    With ``events``, only those layouts are built (DuckDB then binds less and reads only
    their columns); a row of another event falls back, so the output stays the same."""
    branches = " ".join(
        f"WHEN {literal(lay.id)} THEN {_layout_values(lay, sessionid, platform)}"
        for lay in LAYOUTS
        if events is None or lay.id in events
    )
    body = f"CASE {column('event')} {branches} ELSE {FALL_BACK} END" if branches else FALL_BACK
    pieces = [*_date_time(), "' '", f"coalesce({column('status')}, {FALL_BACK})", body]
    return f"concat({', '.join(pieces)})"


def line_sql(
    *, sessionid: bool = False, platform: str | None = None, events: Collection[str] | None = None
) -> str:
    """``render_short(record, sessionid=, platform=, missing=MISSING) + "\\n"``, or NULL.

    A line holding a control character or ending with a space falls back: ``regexp_extract``
    gives '' for it, and a line is never empty, so the line is named once (with a ``CASE``
    naming it twice DuckDB plans the expression 2x slower). ``concat`` of many pieces, not
    ``||`` (a string per operator: 3x slower)."""
    line = raw_line_sql(sessionid=sessionid, platform=platform, events=events)
    return f"nullif(regexp_extract({line}, {literal(_CLEAN_LINE)}), '') || chr(10)"


def chunks(
    seqs: pa.Array, lines: pa.Array, fallback: Callable[[list[int]], dict[int, bytes]]
) -> Iterator[bytes | memoryview]:
    """The bytes of a batch of ``line_sql`` results in order: runs of rendered lines straight
    from the Arrow data buffer (no copy), each NULL row as ``fallback`` renders it (it gets
    the seqs of all NULL rows of the batch at once and maps each to its line)."""
    if not lines.null_count:
        if len(lines):
            yield _run(lines, 0, len(lines))
        return
    import pyarrow.compute as pc  # type: ignore[import-untyped]  # (30 ms to import)

    nulls = pc.indices_nonzero(lines.is_null()).to_pylist()
    wanted = seqs.take(nulls).to_pylist()
    rendered = fallback(wanted)
    start = 0
    for i, seq in zip(nulls, wanted, strict=True):
        if i > start:
            yield _run(lines, start, i)
        yield rendered[seq]
        start = i + 1
    if start < len(lines):
        yield _run(lines, start, len(lines))


def _run(lines: pa.Array, start: int, stop: int) -> bytes | memoryview:
    """Rows ``start:stop`` (none NULL) of a string array as one view of its data buffer."""
    import pyarrow as pa

    kind = lines.type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        return "".join(lines.slice(start, stop - start).to_pylist()).encode("utf-8")
    _, offsets_buffer, data = lines.buffers()
    offsets = memoryview(offsets_buffer).cast("q" if pa.types.is_large_string(kind) else "i")
    first, last = offsets[lines.offset + start], offsets[lines.offset + stop]
    if data is None:
        return b""
    return memoryview(data)[first:last]
