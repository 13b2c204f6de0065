"""A filter expression written back in the ``--where`` language, so a report or a page can
show (and a link can carry) the filter it was given: ``parse_where(to_text(e)) == e``."""

from __future__ import annotations

from seaudit.query.expr import And, Cmp, Expr, Not, Or


def quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def to_text(expr: Expr) -> str:
    """The expression as ``--where`` text; "" for the empty conjunction (every record)."""
    if isinstance(expr, Cmp):
        value = str(expr.value) if isinstance(expr.value, int) else quote(expr.value)
        return f"{expr.field} {expr.op} {value}"
    if isinstance(expr, Not):
        return f"not {_operand(expr.item)}"
    word = " and " if isinstance(expr, And) else " or "
    return word.join(_operand(item) for item in expr.items)


def _operand(expr: Expr) -> str:
    text = to_text(expr)
    return f"({text})" if isinstance(expr, And | Or) else text
