"""The filter expression tree, compiled two ways: to a SQL ``WHERE`` clause with bound
parameters (DuckDB's, or Spark's: the differences are the ``dialect`` table), and to a
Python predicate over ``AuditRecord``.

One tree, two compilers, one set of rules (property tests hold them together):

- a comparison (``!=`` and ``!~`` included) with a field the record does not carry is false
  (SQL ``NULL`` is folded to false with ``coalesce``), so ``not user = bob`` selects records
  without a user and ``user != bob`` does not;
- ``~`` matches a mask: ``*`` any run of characters, ``?`` exactly one; everything else is
  literal (SQL ``LIKE`` wildcards ``%`` and ``_`` and the escape character are escaped;
  Python matches in linear time: see ``mask``);
- strings compare by code point (DuckDB compares UTF-8 bytes: the same order);
- ``real_uid`` is stored as text, so it is compared as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from seaudit.errors import UsageError
from seaudit.query.dialect import DUCKDB, Dialect
from seaudit.query.mask import mask_matcher
from seaudit.schema.fields import FIELDS, INT_KEYS
from seaudit.schema.record import PROVENANCE as ORIGIN_KEYS
from seaudit.schema.record import AuditRecord

#: provenance fields a filter may name besides the SCHEMA keys
PROVENANCE: dict[str, type] = {k: kind for k, (kind, _, named) in ORIGIN_KEYS.items() if named}
#: every filterable name -> its type (int or str)
FIELD_TYPES: dict[str, type] = {
    **{f.key: (int if f.key in INT_KEYS else str) for f in FIELDS},
    **PROVENANCE,
}
OPS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "~", "!~")
#: the range of a number field (stored as BIGINT)
INT_MIN, INT_MAX = -(1 << 63), (1 << 63) - 1

Predicate = Callable[[AuditRecord], bool]


@dataclass(frozen=True, slots=True)
class Cmp:
    field: str
    op: str
    value: int | str

    def __post_init__(self) -> None:
        kind = FIELD_TYPES.get(self.field)
        if kind is None:
            raise usage(f"unknown field {self.field!r}", "fields: " + ", ".join(FIELD_TYPES))
        if self.op not in OPS:
            raise UsageError(f"unknown operator {self.op!r}")
        if kind is int:
            if self.op in ("~", "!~"):
                raise UsageError(f"field {self.field!r} is a number: masks do not apply")
            if not isinstance(self.value, int):
                raise UsageError(f"field {self.field!r} is a number, not {self.value!r}")
            if not INT_MIN <= self.value <= INT_MAX:
                raise UsageError(
                    f"field {self.field!r} holds 64-bit numbers: {self.value} is out of range"
                )
        elif not isinstance(self.value, str):
            object.__setattr__(self, "value", str(self.value))


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Cmp | And | Or | Not

TRUE: Expr = And(())


def all_of(items: list[Expr]) -> Expr:
    return items[0] if len(items) == 1 else And(tuple(items))


def any_of(items: list[Expr]) -> Expr:
    return items[0] if len(items) == 1 else Or(tuple(items))


def usage(message: str, hint: str = "") -> UsageError:
    err = UsageError(message)
    err.hint = hint
    return err


# --- masks ---------------------------------------------------------------------------------


def mask_to_like(mask: str) -> str:
    """``*``/``?`` mask -> SQL LIKE pattern whose escape character is ``\\``."""
    out = []
    for ch in mask:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


# --- SQL -----------------------------------------------------------------------------------

_SQL_OP = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def to_sql(expr: Expr, dialect: Dialect = DUCKDB) -> tuple[str, list[Any]]:
    """A WHERE clause (never holding a value) in ``dialect`` and its parameters, in order.

    Under ``NOT`` a comparison is folded with ``coalesce`` (NULL must count as false there);
    elsewhere it is left bare: AND and OR are monotone, so a NULL that reaches the top of a
    WHERE clause drops the row just as false would. Bare comparisons are what DuckDB can push
    into the Parquet scan to skip row groups by their statistics and Bloom filters.
    """
    params: list[Any] = []
    return _sql(expr, params, dialect, folded=False), params


def _sql(expr: Expr, params: list[Any], dialect: Dialect, *, folded: bool) -> str:
    if isinstance(expr, Cmp):
        col = dialect.column(expr.field)
        if expr.op in ("~", "!~"):
            test = _mask_sql(col, str(expr.value), expr.op == "!~", params, dialect)
        else:
            params.append(bound(expr.value))
            test = f"{col} {_SQL_OP[expr.op]} ?"
        return f"coalesce({test}, false)" if folded else test
    if isinstance(expr, Not):
        return f"(NOT {_sql(expr.item, params, dialect, folded=True)})"
    if isinstance(expr, And):
        if not expr.items:
            return "true"
        joined = " AND ".join(_sql(i, params, dialect, folded=folded) for i in expr.items)
        return f"({joined})"
    if not expr.items:
        return "false"
    return "(" + " OR ".join(_sql(i, params, dialect, folded=folded) for i in expr.items) + ")"


def bound(value: Any) -> Any:
    """A filter value as a parameter. Text is made UTF-8-safe as the Parquet files store it
    (``columns.clean``: an undecodable input byte, kept as a lone surrogate, is U+FFFD there):
    DuckDB refuses a lone surrogate as a parameter and Spark's travel to the JVM as UTF-8, so
    a mask typed with such a byte finds the records stored from it. Numbers stay numbers (the
    filter refuses text for a number field: Spark's ANSI mode never compares an integer
    column with a string)."""
    from seaudit.store.columns import clean  # the store's own rule for text

    return str(clean(value)) if isinstance(value, str) else value


def _mask_sql(col: str, mask: str, negated: bool, params: list[Any], dialect: Dialect) -> str:
    """A mask in the cheapest SQL that means the same (DuckDB plans ``=`` and a plain
    ``LIKE`` several times faster than ``LIKE ... ESCAPE``): all stars is "has a value", no
    wildcard is equality, and the escape clause only when the pattern needs one."""
    if mask and set(mask) == {"*"}:
        return "false" if negated else f"{col} IS NOT NULL"
    if "*" not in mask and "?" not in mask:
        params.append(bound(mask))
        return f"{col} {'<>' if negated else '='} ?"
    params.append(bound(mask_to_like(mask)))
    escape = dialect.like_escape if any(c in mask for c in "%_\\") else ""
    return f"{col} {'NOT LIKE' if negated else 'LIKE'} ?{escape}"


# --- Python ----------------------------------------------------------------------------------


def field_value(record: AuditRecord, name: str) -> Any:
    """The value a filter sees: SCHEMA keys, provenance from ``origin``; real_uid as text."""
    if name in PROVENANCE:
        origin = record.origin
        return None if origin is None else getattr(origin, name)
    value = record.get(name)
    if name == "real_uid" and value is not None:
        return str(value)
    return value


_PY_OP: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: bool(a == b),
    "!=": lambda a, b: bool(a != b),
    "<": lambda a, b: bool(a < b),
    "<=": lambda a, b: bool(a <= b),
    ">": lambda a, b: bool(a > b),
    ">=": lambda a, b: bool(a >= b),
}


def to_predicate(expr: Expr) -> Predicate:
    if isinstance(expr, Cmp):
        name, op, value = expr.field, expr.op, expr.value
        if op in ("~", "!~"):
            matches = mask_matcher(str(value))
            negate = op == "!~"

            def match(r: AuditRecord) -> bool:
                v = field_value(r, name)
                if v is None:
                    return False
                return matches(v) is not negate

            return match
        fn = _PY_OP[op]

        def compare(r: AuditRecord) -> bool:
            v = field_value(r, name)
            return v is not None and fn(v, value)

        return compare
    if isinstance(expr, Not):
        inner = to_predicate(expr.item)
        return lambda r: not inner(r)
    preds = [to_predicate(i) for i in expr.items]
    if isinstance(expr, And):
        return lambda r: all(p(r) for p in preds)
    return lambda r: any(p(r) for p in preds)
