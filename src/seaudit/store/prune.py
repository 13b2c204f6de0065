"""Which files of the Parquet tree a filter can reach, so a query opens only those, and which
event types its records can have, so the line renderer is built for those alone.

A record lies in ``day=T[:10]`` (its timestamp's date; ``UNKNOWN_DAY`` when that is not a
date) and ``node=node_dir(node)``. Timestamps compare as strings, so ``timestamp >= X``
implies ``T[:10] >= X[:10]`` and ``timestamp < X`` implies ``T[:10] <= X[:10]``; a node
compared with ``=`` (or a mask without wildcards) names its one directory. ``And`` narrows,
``Or`` widens, ``Not`` and every other comparison say nothing. The unknown-day partition is
always read: its timestamps are not dates and may compare any way. Event types follow the
same algebra from ``event`` compared with ``=`` or matched by a mask.

Within the partitions, a file is read only when it may hold a match by the Bloom filters of
its lookup columns (``bloom``, in the manifest): a lookup column compared with ``=`` (or a
mask without wildcards) to a value its filter does not hold rules the file out; ``And``
needs every part to be possible, ``Or`` one, and ``Not`` and every other comparison rule
nothing out. A file with a matching record is never ruled out (its values are all in its
filters), so pruning never changes an answer (a property test holds it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from seaudit.query.expr import And, Cmp, Expr, Not
from seaudit.query.mask import mask_matcher
from seaudit.schema.events import LAYOUTS
from seaudit.store.bloom import LOOKUP_COLUMNS
from seaudit.store.manifest import FileEntry
from seaudit.store.tree import UNKNOWN_DAY, node_dir


@dataclass(frozen=True, slots=True)
class Scope:
    first_day: str | None = None  # None: unbounded
    last_day: str | None = None
    nodes: frozenset[str] | None = None  # node directories; None: any
    events: frozenset[str] | None = None  # event types a selected record can have; None: any
    expr: Expr | None = None  # the filter, for the files' Bloom filters; None: any file

    def admits(self, day: str, node: str) -> bool:
        if self.nodes is not None and node not in self.nodes:
            return False
        if day == UNKNOWN_DAY:
            return True
        return (self.first_day is None or day >= self.first_day) and (
            self.last_day is None or day <= self.last_day
        )

    def admits_entry(self, entry: FileEntry) -> bool:
        """Whether the file may hold a record the filter selects (partition and Bloom)."""
        return self.admits(entry.day, entry.node) and (
            self.expr is None or may_hold(self.expr, entry)
        )

    def admits_file(self, path: Path) -> bool:
        """For ``.../day=D/node=N/seq-*.parquet``."""
        node = path.parent.name.partition("=")[2]
        day = path.parent.parent.name.partition("=")[2]
        return self.admits(day, node)


ANY = Scope()


def scope_of(expr: Expr) -> Scope:
    """Where the records ``expr`` selects can lie."""
    return replace(_scope(expr), expr=expr)


def _scope(expr: Expr) -> Scope:
    if isinstance(expr, Cmp):
        return _comparison(expr)
    if isinstance(expr, Not):
        return ANY
    scopes = [_scope(item) for item in expr.items]
    if isinstance(expr, And):
        return _meet(scopes)
    return _join(scopes) if scopes else Scope(nodes=frozenset(), events=frozenset())  # false


def _comparison(cmp: Cmp) -> Scope:
    value = str(cmp.value)
    exact = _is_equality(cmp)
    if cmp.field == "node" and exact:
        return Scope(nodes=frozenset({node_dir(value)}))
    if cmp.field == "event" and cmp.op in ("=", "~"):
        if exact:
            return Scope(events=frozenset({value}))
        matches = mask_matcher(value)
        return Scope(events=frozenset(lay.id for lay in LAYOUTS if matches(lay.id)))
    if cmp.field != "timestamp":
        return ANY
    day = value[:10]
    if exact:
        return Scope(day, day)
    if cmp.op in (">", ">="):
        return Scope(first_day=day)
    if cmp.op in ("<", "<="):
        return Scope(last_day=day)
    return ANY


def may_hold(expr: Expr, entry: FileEntry) -> bool:
    """False only when no record of the file can satisfy ``expr`` (by its Bloom filters)."""
    if isinstance(expr, Cmp):
        if expr.field not in LOOKUP_COLUMNS or not _is_equality(expr):
            return True
        bloom = entry.bloom(expr.field)
        return bloom is None or bloom.may_hold(str(expr.value))
    if isinstance(expr, Not):
        return True
    if isinstance(expr, And):
        return all(may_hold(item, entry) for item in expr.items)
    return any(may_hold(item, entry) for item in expr.items)


def _is_equality(cmp: Cmp) -> bool:
    """``=``, or a mask with no wildcard (which is equality: ``expr``'s rules)."""
    value = str(cmp.value)
    return cmp.op == "=" or (cmp.op == "~" and "*" not in value and "?" not in value)


def _meet(scopes: list[Scope]) -> Scope:
    firsts = [s.first_day for s in scopes if s.first_day is not None]
    lasts = [s.last_day for s in scopes if s.last_day is not None]
    return Scope(
        max(firsts) if firsts else None,
        min(lasts) if lasts else None,
        _common([s.nodes for s in scopes]),
        _common([s.events for s in scopes]),
    )


def _join(scopes: list[Scope]) -> Scope:
    firsts = [s.first_day for s in scopes]
    lasts = [s.last_day for s in scopes]
    return Scope(
        None if None in firsts else min(f for f in firsts if f is not None),
        None if None in lasts else max(last for last in lasts if last is not None),
        _either([s.nodes for s in scopes]),
        _either([s.events for s in scopes]),
    )


def _common(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    """What every constraint allows (None: no constraint)."""
    known = [s for s in sets if s is not None]
    return frozenset.intersection(*known) if known else None


def _either(sets: list[frozenset[str] | None]) -> frozenset[str] | None:
    """What any alternative allows (None if one of them allows anything)."""
    if any(s is None for s in sets):
        return None
    return frozenset().union(*(s for s in sets if s is not None))
