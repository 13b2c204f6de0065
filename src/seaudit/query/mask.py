"""``*``/``?`` masks matched in linear time, with no backtracking regex.

A backtracking ``.*``-joined regex takes time exponential in the number of stars on a value
that nearly matches (one 4,000-character path and ``*/*/*/*.conf`` ran for minutes). A mask is
instead cut at its stars into pieces: the first must match the value's start, the last its
end, and each middle piece is found at its leftmost place after the previous one. Leftmost is
always right for ``*``/``?`` masks (a later place leaves less room for what follows, never
more), so no choice is ever revisited: the work is at most (value length × piece length) per
piece, and a piece without ``?`` is found by ``str.find``.

``?`` matches exactly one character (code point), as SQL ``LIKE``'s ``_`` does on DuckDB
strings; everything else is literal.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

Matcher = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class _Piece:
    """A run of the mask between stars: literal characters and ``?``."""

    text: str
    pattern: re.Pattern[str] | None  # None when the piece has no ``?``

    @classmethod
    def of(cls, text: str) -> _Piece:
        if "?" not in text:
            return cls(text, None)
        body = "".join("." if ch == "?" else re.escape(ch) for ch in text)
        return cls(text, re.compile(body, re.DOTALL))

    def at(self, value: str, pos: int) -> bool:
        """Whether the piece matches ``value`` exactly at ``pos`` (room is checked first)."""
        if self.pattern is None:
            return value.startswith(self.text, pos)
        return self.pattern.match(value, pos) is not None

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost place in ``value[start:end]`` where the piece matches, or -1."""
        if self.pattern is None:
            return value.find(self.text, start, end)
        found = self.pattern.search(value, start, end)
        return -1 if found is None else found.start()


@cache
def mask_matcher(mask: str) -> Matcher:
    """A function telling whether a whole value matches ``mask``."""
    pieces = [_Piece.of(text) for text in mask.split("*")]
    if len(pieces) == 1:
        (only,) = pieces
        return lambda value: len(value) == len(only.text) and only.at(value, 0)
    head, middle, tail = pieces[0], pieces[1:-1], pieces[-1]
    least = sum(len(p.text) for p in pieces)

    def match(value: str) -> bool:
        if len(value) < least or not head.at(value, 0):
            return False
        end = len(value) - len(tail.text)
        if not tail.at(value, end):
            return False
        pos = len(head.text)
        for piece in middle:
            found = piece.find(value, pos, end)
            if found < 0:
                return False
            pos = found + len(piece.text)
        return True

    return match
