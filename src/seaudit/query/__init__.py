"""Filters over audit records: one parsed expression, compiled to DuckDB SQL and to a Python
predicate (``seaudit.query.expr``), read from options (``spec``), ``--where`` (``where``) and
times (``timespec``)."""

from __future__ import annotations

from seaudit.query.expr import TRUE, And, Cmp, Expr, Not, Or, to_predicate, to_sql
from seaudit.query.spec import Filter, add_filter_arguments, filter_from_args
from seaudit.query.where import parse_where

__all__ = [
    "TRUE",
    "And",
    "Cmp",
    "Expr",
    "Filter",
    "Not",
    "Or",
    "add_filter_arguments",
    "filter_from_args",
    "parse_where",
    "to_predicate",
    "to_sql",
]
