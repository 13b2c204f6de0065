"""The bulk path's building: the classified lines of a chunk into record columns, each key
taken from the token position (or the free text) its row's template names for it, and the
derived values (stage message, command type, AuditFlags) from the same tables the reference
parser uses. ``SCHEMA`` is the frame every batch holds."""

from __future__ import annotations

from typing import Any

import polars as pl

from seaudit.schema.codes import ADMIN_COMMAND, CodeTables
from seaudit.schema.fields import FIELDS, INT_KEYS, KEYS
from seaudit.schema.flags import OS_USER
from seaudit.text.templates import COMMAND, Template


def _schema() -> dict[str, Any]:
    out: dict[str, Any] = {"line": pl.Int64}
    for f in FIELDS:
        out[f.key] = pl.Int64 if f.key in INT_KEYS else pl.Utf8
    out["warnings"] = pl.List(pl.Utf8)
    out["raw"] = pl.Utf8
    return out


SCHEMA = _schema()


def build(
    df: pl.DataFrame, first: int, templates: tuple[Template, ...], tables: CodeTables
) -> pl.DataFrame:
    """The records of the rows a template reads (``tid`` >= 0), in SCHEMA order."""
    df = df.filter(pl.col("tid") >= 0)
    tid = pl.col("tid")
    present = sorted(df["tid"].unique().to_list())
    if not present:
        return pl.DataFrame(schema=SCHEMA)
    used = {i: templates[i] for i in present}
    cols: dict[str, pl.Expr] = {"line": pl.col("row").cast(pl.Int64) + first}
    for f in FIELDS:
        key = f.key
        if key == "event":
            expr = _by_template(used, lambda t: t.layout.id)
        elif key in ("timestamp", "platform"):
            expr = pl.col(key)
        elif key == "status":
            expr = pl.col("_t4")
        elif key == "audit_flags":
            expr = _by_template(used, _flags_value)
        elif key == "stage_message":
            continue  # from the stage, below
        elif key == "command_type":
            continue  # from the command, below
        else:
            expr = _value_of(key, used)
            if key in INT_KEYS:
                expr = expr.cast(pl.Int64, strict=False)
        cols[key] = expr.cast(SCHEMA[key])
    out = df.select(**cols, _tid=tid, raw=pl.col("text"))
    message = pl.lit(None, pl.Utf8)
    for table in sorted({t.layout.details_table for t in used.values()}):
        tids = [i for i, t in used.items() if t.layout.details_table == table]
        known = dict(tables.numbered[table])
        text = pl.col("stage").replace_strict(known, default=None, return_dtype=pl.Utf8)
        message = pl.when(pl.col("_tid").is_in(tids)).then(text).otherwise(message)
    command_type = pl.lit(None, pl.Utf8)
    if any(t.text == COMMAND for t in used.values()):
        verb = pl.col(COMMAND).str.split(" ").list.first().str.to_lowercase()
        command_type = verb.replace_strict(
            dict(tables.command_types), default=ADMIN_COMMAND, return_dtype=pl.Utf8
        )
        command_type = pl.when(pl.col(COMMAND).is_not_null()).then(command_type)
    return out.select(
        "line",
        *(
            message.alias(k)
            if k == "stage_message"
            else command_type.alias(k)
            if k == "command_type"
            else pl.col(k)
            for k in KEYS
        ),
        pl.lit([], pl.List(pl.Utf8)).alias("warnings"),
        "raw",
    )


def _flags_value(t: Template) -> str | None:
    """AuditFlags as the reference gives it: ``(OS user)`` shown, "" where the line reaches
    the column and leaves it empty, nothing where it stops before."""
    if t.flags is not None or t.tail_flags:
        return OS_USER
    return "" if t.flags_column else None


def _by_template(used: dict[int, Template], value: Any) -> pl.Expr:
    mapping = {i: value(t) for i, t in used.items()}
    return pl.col("tid").replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def _value_of(key: str, used: dict[int, Template]) -> pl.Expr:
    """The column holding ``key`` for each row's template (null where it has none): a token
    column, or the free text ``classify`` cut out."""
    tid = pl.col("tid")
    where: dict[int, list[int]] = {}
    for i, t in used.items():
        pos = dict(t.slots).get(key)
        if pos is not None:
            where.setdefault(pos, []).append(i)
    texts = [i for i, t in used.items() if t.text == key]
    if len(where) == 1 and len(next(iter(where.values()))) == len(used):
        return pl.col(f"_t{next(iter(where))}")  # every template has it at one position
    expr = pl.lit(None, pl.Utf8)
    if texts:
        expr = pl.when(tid.is_in(texts)).then(pl.col("_text")).otherwise(expr)
    for pos, tids in where.items():
        expr = pl.when(tid.is_in(tids)).then(pl.col(f"_t{pos}")).otherwise(expr)
    return expr
