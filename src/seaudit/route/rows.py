"""A collector's records made column-wise: routed payloads with the sender's node filled in
(``log.payload.with_node``) and their stored rows (``store.columns.to_table``), in one pass.

Payloads are decoded once each (orjson, in C) and grouped by mask: every payload of a group
has the same slots, so each slot is a column whose kinds are checked with one ``set(map(type,
...))`` and which becomes an Arrow array in one call. Whatever the fast way cannot vouch for
(an object payload of log format 1, escaped lone surrogates, an int past 64 bits, a mask it
does not know) takes the exact way, record by record: ``with_node``, ``decode_record``,
``to_table``. A property test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, Any

import orjson

from seaudit.log.payload import NUMBERS, SLOTS, WARNINGS_BIT, decode_record, with_node
from seaudit.schema.fields import INT_OR_STR
from seaudit.schema.record import AuditRecord
from seaudit.store.columns import COLUMNS, arrow_schema, dedup_key, to_table
from seaudit.store.tree import DAY_PATTERN, UNKNOWN_DAY, node_dir

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

_NODE_BIT = 1 << SLOTS.index("node", len(NUMBERS))
_REQUIRED = ("event", "timestamp", "status")
_INT = frozenset({int})
_STR = frozenset({str})
_LIST = frozenset({list})


@dataclass(frozen=True, slots=True)
class Rows:
    """What a collector stores of some payloads: each payload as the log keeps it (the
    sender's node filled in), the payloads that hold no record (position in the input,
    why), and the values of the rest for ``table_of``: per mask, the positions among those
    kept and the values by stored column; the records the exact way decoded, by position."""

    payloads: list[bytes]
    bad: list[tuple[int, str]]
    groups: dict[int, tuple[list[int], dict[str, Sequence[Any]]]]
    records: list[tuple[int, AuditRecord]]


@dataclass(frozen=True, slots=True)
class _Shape:
    """One mask's slots (warnings aside): the column of each value and whether it is a
    number; where the node goes when the payload names none."""

    columns: tuple[str, ...]
    numbers: tuple[bool, ...]
    node_at: int | None  # the value index the node is inserted at (None: it has one)


@lru_cache(maxsize=4096)
def _shape(mask: int) -> _Shape | None:
    """The slots of ``mask`` (``None``: one the fast way leaves to the exact way)."""
    if mask < 0 or mask >> len(SLOTS):
        return None
    names = [name for i, name in enumerate(SLOTS) if mask >> i & 1]
    kinds = [i < len(NUMBERS) for i, _ in enumerate(SLOTS) if mask >> i & 1]
    if len(set(names)) != len(names) or any(k not in names for k in _REQUIRED):
        return None
    node_at = None
    if not mask & _NODE_BIT:
        node_at = 1 + (mask & (_NODE_BIT - 1)).bit_count()
    return _Shape(tuple(names), tuple(kinds), node_at)


def stored_rows(payloads: Sequence[bytes], sender: str) -> Rows:
    """``payloads`` as a collector keeps them from ``sender`` (see the module docstring)."""
    loads, failed = orjson.loads, orjson.JSONDecodeError
    groups: dict[int, list[tuple[int, list[Any]]]] = {}
    exact: list[int] = []
    for i, payload in enumerate(payloads):
        items = None
        if payload[:1] == b"[":
            try:  # noqa: SIM105 (a ``with`` block per record costs more than this)
                items = loads(payload)
            except failed:
                pass
        if items and type(items[0]) is int:
            groups.setdefault(items[0], []).append((i, items))
        else:
            exact.append(i)
    out: list[bytes | None] = [None] * len(payloads)
    parts: dict[int, tuple[list[int], dict[str, Sequence[Any]]]] = {}
    for mask, members in groups.items():
        done = _group(mask, members, sender, payloads, out)
        if done is None:
            exact.extend(i for i, _ in members)
        else:
            parts[mask] = done
    bad: list[tuple[int, str]] = []
    slow: list[tuple[int, AuditRecord]] = []
    for i in sorted(exact):
        try:
            filled = with_node(payloads[i], sender)
            record = decode_record(filled)
        except ValueError as exc:
            bad.append((i, str(exc)))
            continue
        out[i] = filled
        slow.append((i, record))
    if bad:  # input indices -> positions among the payloads kept
        position: dict[int, int] = {}
        for i, kept in enumerate(out):
            if kept is not None:
                position[i] = len(position)
        parts = {
            mask: ([position[i] for i in indices], columns)
            for mask, (indices, columns) in parts.items()
        }
        slow = [(position[i], r) for i, r in slow]
    return Rows([p for p in out if p is not None], bad, parts, slow)


def table_of(rows: Sequence[Rows]) -> pa.Table:
    """The stored rows of ``rows``' payloads, one ``Rows`` after the other, ``seq`` counted
    from 0 (the caller adds where they land in the log): one Arrow array per column and mask
    for the lot, so many small messages cost what one large one does."""
    import pyarrow as pa

    merged: dict[int, tuple[list[int], dict[str, list[Any]]]] = {}
    slow: list[tuple[int, AuditRecord]] = []
    offset = 0
    for part in rows:
        for mask, (positions, columns) in part.groups.items():
            into_positions, into_columns = merged.setdefault(mask, ([], {}))
            into_positions.extend(p + offset for p in positions)
            for name, values in columns.items():
                into_columns.setdefault(name, []).extend(values)
        slow.extend((p + offset, r) for p, r in part.records)
        offset += len(part.payloads)
    tables = [_table(positions, columns) for positions, columns in merged.values()]
    if slow:
        tables.append(to_table(slow))
    if not tables:
        return arrow_schema().empty_table()
    table = pa.concat_tables(tables)
    return table.sort_by("seq") if len(tables) > 1 else table


def _group(
    mask: int,
    members: list[tuple[int, list[Any]]],
    sender: str,
    payloads: Sequence[bytes],
    out: list[bytes | None],
) -> tuple[list[int], dict[str, Sequence[Any]]] | None:
    """One mask's payloads, filled and checked column-wise: (their indices, their values
    by stored column), or ``None`` when any of them needs the exact way."""
    shape = _shape(mask & ~WARNINGS_BIT)
    if shape is None:
        return None
    warned = bool(mask & WARNINGS_BIT)
    size = 1 + len(shape.columns) + warned
    if any(len(items) != size for _, items in members):
        return None
    transposed = list(zip(*[items for _, items in members], strict=True))
    columns: dict[str, Sequence[Any]] = {}
    for values, name, number in zip(transposed[1:], shape.columns, shape.numbers, strict=False):
        if not set(map(type, values)) <= (_INT if number else _STR):
            return None
        columns[name] = [str(v) for v in values] if number and name in INT_OR_STR else values
    if warned and (
        not set(map(type, transposed[-1])) <= _LIST
        or not _STR.issuperset(map(type, chain.from_iterable(transposed[-1])))
    ):
        return None
    if shape.node_at is None:
        for i, _ in members:
            out[i] = payloads[i]
    else:
        columns["node"] = [sender] * len(members)  # before ``items`` change below
        for i, items in members:
            items.insert(shape.node_at, sender)
            items[0] = mask | _NODE_BIT
            out[i] = orjson.dumps(items)
    return [i for i, _ in members], columns


def _table(positions: list[int], columns: dict[str, list[Any]]) -> pa.Table:
    """Stored rows of one group, as ``to_table`` makes them for the same records (a record
    that names its node has an origin: ``source`` "" and ``line`` 0 when not given)."""
    import pyarrow as pa

    count = len(positions)
    node = columns["node"]
    line = columns.get("line") or [0] * count
    raw = columns.get("raw")
    data: dict[str, pa.Array] = {}
    for name, kind in COLUMNS:
        if name == "seq":
            values: Sequence[Any] = positions
        elif name == "source":
            values = columns.get("source") or [""] * count
        elif name == "line":
            values = line
        elif name == "key":
            values = (
                [
                    None if r is None else dedup_key(n, ln, r)
                    for n, ln, r in zip(node, line, raw, strict=True)
                ]
                if raw is not None
                else [None] * count
            )
        elif name in columns:
            values = columns[name]
        else:
            data[name] = pa.nulls(count, getattr(pa, kind)())
            continue
        data[name] = pa.array(values, getattr(pa, kind)())
    return pa.table(data, schema=arrow_schema())


def partitions(table: pa.Table) -> pa.Array:
    """Each stored row's directory in the Parquet tree (``tree.partition`` of its
    ``tree.day_of`` and ``tree.node_dir``), made column-wise."""
    import pyarrow as pa
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    day = pc.utf8_slice_codeunits(table.column("timestamp"), 0, 10)
    day = pc.if_else(pc.match_substring_regex(day, f"^{DAY_PATTERN}$"), day, UNKNOWN_DAY)
    nodes = table.column("node").to_pylist()
    dirs = {n: node_dir(n) for n in set(nodes)}
    return pc.binary_join_element_wise(
        "day=", day, "/node=", pa.array([dirs[n] for n in nodes], pa.string()), ""
    ).combine_chunks()
