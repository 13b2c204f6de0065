"""``--where``: a small expression language, parsed by hand (no eval).

Grammar::

    expr   := conj ("or" conj)*
    conj   := neg ("and" neg)*
    neg    := "not" neg | "(" expr ")" | cmp
    cmp    := FIELD OP value          OP: = != < <= > >= ~ !~   (~ matches a * ? mask)
    value  := 'quoted' | "quoted" | bare word | integer

Keywords are case-insensitive; field names are the SCHEMA keys plus node, source, line.
A quoted string takes ``\\`` escapes for its quote and for ``\\`` itself.
"""

from __future__ import annotations

import re

from seaudit.query.expr import FIELD_TYPES, And, Cmp, Expr, Not, Or, usage

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<op>!=|<=|>=|!~|=|<|>|~) |
        (?P<q>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*") |
        (?P<word>[^\s()=!<>~'"]+)
    )""",
    re.VERBOSE | re.DOTALL,
)
_KEYWORDS = ("and", "or", "not")
MAX_DEPTH = (
    100  # parentheses and "not" nested deeper than any real filter (and than Python's stack)
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise usage(f"--where: cannot read {text[pos:].strip()[:20]!r} at offset {pos}")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "q":
            value = re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL)
        elif kind == "word" and value.lower() in _KEYWORDS:
            kind, value = "kw", value.lower()
        out.append((kind, value))
        pos = m.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i] if self.i < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        tok = self.peek()
        self.i += 1
        return tok

    def expr(self) -> Expr:
        items = [self.conj()]
        while self.peek() == ("kw", "or"):
            self.take()
            items.append(self.conj())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def conj(self) -> Expr:
        items = [self.neg()]
        while self.peek() == ("kw", "and"):
            self.take()
            items.append(self.neg())
        return items[0] if len(items) == 1 else And(tuple(items))

    def neg(self) -> Expr:
        kind, value = self.peek()
        if (kind, value) != ("kw", "not") and kind != "lp":
            return self.cmp()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise usage(f"--where: nested deeper than {MAX_DEPTH} levels of 'not' and '('")
        self.take()
        inner: Expr
        if kind == "kw":
            inner = Not(self.neg())
        else:
            inner = self.expr()
            if self.take()[0] != "rp":
                raise usage("--where: a '(' is not closed")
        self.depth -= 1
        return inner

    def cmp(self) -> Expr:
        kind, name = self.take()
        if kind != "word" or name not in FIELD_TYPES:
            raise usage(
                f"--where: expected a field name, found {name or 'the end'!r}",
                "fields: " + ", ".join(FIELD_TYPES),
            )
        kind, op = self.take()
        if kind != "op":
            raise usage(f"--where: expected an operator after {name!r}, found {op or 'the end'!r}")
        kind, text = self.take()
        if kind not in ("word", "q", "kw"):
            raise usage(f"--where: expected a value after {name} {op}")
        value: int | str = text
        if FIELD_TYPES[name] is int:
            try:
                value = int(text)
            except ValueError:
                raise usage(f"--where: {name} is a number, not {text!r}") from None
        return Cmp(name, op, value)


def parse_where(text: str) -> Expr:
    parser = _Parser(text)
    if not parser.toks:
        raise usage("--where: empty expression")
    expr = parser.expr()
    if parser.peek()[0] != "end":
        raise usage(f"--where: unexpected {parser.peek()[1]!r}")
    return expr
