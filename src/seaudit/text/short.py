"""The non-detailed rendering: one record per line, fields in the layout's order.

Parsing recognises the event type from the line alone. Every layout whose status letters and
Event/Class column fit is tried; a line made only of one-token values is read directly (the
common case), otherwise the values that may hold spaces (user names, paths, free text) are
fitted by a small search that scores each way of cutting the line:

- a value of several tokens costs more than a value of one (a path 1 per extra token, a user
  name 3, but the space of a known spaced domain such as ``NT AUTHORITY\\SYSTEM`` or of a
  well-known account such as ``NT AUTHORITY\\NETWORK SERVICE`` only 0.5);
- a path that would swallow a token that starts another absolute path costs 3 more, a path of
  several tokens that does not itself start like an absolute path 1 more;
- column padding (two spaces or more) inside a value costs 10: padding separates columns;
- an optional column (session ID, ``(OS user)``) left unread although it is there costs 1 / 5;
- an admin record whose Event word is not a known one costs 2, whose Command does not start
  with a selang verb 30, more than any cut of the values before it (the Command is free text
  and would otherwise swallow any line, or the end of a spaced Object path);
- a one-word column (terminal, host, ...) whose value holds a backslash, or a user name that
  holds more than one (``DOMAIN\\user`` holds one), costs 10 (as column padding), a path that
  holds a backslash but does not start like an absolute path (``Files\\x.txt``, the end of a
  spaced Windows path) 2: a line may stop early (``Layout.endings``), and these tell a shorter
  line with a spaced Windows path from a longer one cut at its spaces.

The cheapest reading wins. Where two different readings cost the same (across layouts or
within one), the first in table order is taken and the record carries a warning naming the
other: nothing is guessed silently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from functools import cache

from seaudit.errors import ParseError
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUTS, OPTIONAL_KINDS, Ending, Layout
from seaudit.schema.fields import FIELD_BY_KEY, INT_KEYS, INT_OR_STR, is_code
from seaudit.schema.flags import OS_USER, OS_USER_TOKENS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.timefmt import split_timestamp, to_timestamp
from seaudit.text.tokens import (
    SESSION,
    SPACED_ACCOUNTS,
    SPACED_DOMAINS,
    Tokens,
    has_windows_clue,
    is_os_user,
    looks_like_path_start,
    tokenize,
)

MAX_SPAN = 16  # tokens one name or path may take; longer ones need column padding to be read
_NOT_SELANG = 30.0  # an admin Command that does not start with a selang verb (see the docstring)
_OS, _USER = OS_USER_TOKENS  # the AuditFlags column "(OS user)" as two tokens
_BACKSLASH_WORD = 10.0  # a one-word column holding a backslash (see the docstring)
_PATH_FRAGMENT = 2.0  # a path starting with the end of a spaced Windows path (see the docstring)
_KIND = {key: field.kind for key, field in FIELD_BY_KEY.items()}


@dataclass(frozen=True, slots=True)
class _Reading:
    score: float
    priority: int
    layout: Layout
    platform: str | None
    ending: Ending
    values: dict[str, str]
    other: dict[str, str] | None = None  # another cut of the same layout at the same cost


def parse_short(
    line: str,
    *,
    platform: str | None = None,
    tables: CodeTables | None = None,
    source: str = "<input>",
    lineno: int = 0,
    events: Collection[str] | None = None,
) -> AuditRecord:
    """Parse one non-detailed line; raises ParseError with the reason when it is not a record.

    ``events`` limits the layouts tried (a detailed record's label names its event)."""
    tables = tables or default_tables()
    text = line.rstrip("\r\n").rstrip(" ")
    toks = tokenize(text)

    def fail(reason: str) -> ParseError:
        return ParseError(reason, source=source, line=lineno, excerpt=text[:120])

    if len(toks) < 6:
        raise fail("too short for a seaudit record (expected 'DD Mon YYYY HH:MM:SS STATUS ...')")
    w = toks.words
    timestamp = to_timestamp(w[0], w[1], w[2], w[3])
    if timestamp is None:
        raise fail(f"not a valid date and time: {toks.text(0, 4)!r}")
    status = w[4]
    if len(status) != 1 or status not in tables.statuses:
        raise fail(f"unknown status letter {status[:20]!r}")

    readings = _readings(toks, status, platform, tables, events)
    if not readings:
        raise fail(
            f"no event layout fits status {status!r} with {w[5][:40]!r} in the Event/Class column"
            f" and {len(toks) - 5} fields"
        )
    best = min(r.score for r in readings)
    top = [r for r in readings if r.score == best]
    chosen = top[0]
    warnings: list[str] = []
    rivals = {(r.layout.id, tuple(sorted(r.values.items()))) for r in top}
    if len(rivals) > 1:
        chosen, warnings = _settle_tie(top, platform)
    if chosen.other is not None:
        shown = ", ".join(
            f"{k} {v!r}" for k, v in chosen.other.items() if chosen.values.get(k) != v
        )
        warnings.append(
            f"ambiguous line: {chosen.layout.id} also reads with {shown}; "
            "kept the reading whose earlier values are shortest"
        )

    origin = Origin(source, lineno, text) if lineno else None
    return _build(chosen, timestamp, status, tables, platform, toks, tuple(warnings), origin)


def _readings(
    toks: Tokens,
    status: str,
    platform: str | None,
    tables: CodeTables,
    events: Collection[str] | None = None,
) -> list[_Reading]:
    """Every reading that may be the best: exact fits first, then searches bounded by them."""
    out: list[_Reading] = []
    searches: list[tuple[int, Layout, str | None, Ending]] = []
    first = toks.words[5]
    for priority, layout in enumerate(LAYOUTS):
        if events is not None and layout.id not in events:
            continue
        if status not in layout.statuses and status != "C":
            continue
        if not column_fits(layout, first, status):
            continue
        both = layout.windows and platform is None
        platforms: tuple[str | None, ...] = ("unix", "windows") if both else (platform,)
        for plat in platforms:
            for ending in layout.endings(plat):
                exact = _fit_exact(ending, toks, 5)
                if exact is not None:
                    cost = (
                        _implausibility(layout, exact)
                        + _command_cost(exact, tables)
                        + _shape_cost(exact)
                    )
                    out.append(_Reading(cost, priority, layout, plat, ending, exact, None))
                if exact is None or cost > 0:  # a cheaper cut than a costly exact one may exist
                    searches.append((priority, layout, plat, ending))
    limit = min((r.score for r in out), default=float("inf"))
    for priority, layout, plat, ending in searches:
        word_cost = _implausibility(layout, {"event_name": first})
        found = _fit(ending, toks, 5, tables, limit - word_cost)
        if found is not None:
            score, values, other = found
            score += word_cost
            out.append(_Reading(score, priority, layout, plat, ending, values, other))
            limit = min(limit, score)
    out.sort(key=lambda r: r.priority)
    return out


@cache
def _column_words(
    layouts: tuple[Layout, ...],
) -> tuple[frozenset[str], dict[str, frozenset[str]]]:
    """A table's Event-column words, and status letter -> the classes that layouts with a
    class list claim for it."""
    claimed = {
        s: frozenset(c for lay in layouts if s in lay.statuses for c in lay.classes)
        for s in {s for lay in layouts for s in lay.statuses}
    }
    return frozenset(w for lay in layouts for w in lay.words), claimed


def column_fits(
    layout: Layout, word: str, status: str, layouts: tuple[Layout, ...] = LAYOUTS
) -> bool:
    """Whether ``word`` may stand in the layout's Event/Class column. A layout open to any class
    leaves alone the classes another layout of the table claims for the same status (a ``TCP``
    line is a network event, not a resource access)."""
    event_words, claimed = _column_words(layouts)
    if layout.words:
        if word in layout.words:
            return True
        return layout.word_is_free and word.isupper() and word not in event_words
    if layout.classes:
        return word in layout.classes
    if word in claimed.get(status, ()):
        return False
    return word not in event_words and word.replace("_", "").replace("-", "").isalnum()


def _implausibility(layout: Layout, values: dict[str, str]) -> float:
    """What a reading costs beyond its cuts: an admin record is recognised by its Command,
    so an unknown Event word (+2) or a Command that does not start with a selang verb (+30)
    makes any other reading of the line preferable (the latter is part of the cut's cost:
    see ``_spans`` and ``_command_cost``)."""
    if not layout.word_is_free:
        return 0.0
    return 0.0 if values.get("event_name") in layout.words else 2.0


def _command_cost(values: dict[str, str], tables: CodeTables) -> float:
    command = values.get("command")
    if command is None or tables.is_selang(command):
        return 0.0
    return _NOT_SELANG


def _shape_cost(values: dict[str, str]) -> float:
    """What one-token values cost by their shape (see the module docstring)."""
    return sum(_start_cost(_KIND[key], value) for key, value in values.items())


def _start_cost(kind: str, word: str) -> float:
    """The shape cost of a value of ``kind``: ``word`` is a path's first token, a name whole."""
    if "\\" not in word:
        return 0.0
    if kind == "word" or (kind == "name" and word.count("\\") > 1):
        return _BACKSLASH_WORD
    if kind == "path" and not looks_like_path_start(word):
        return _PATH_FRAGMENT
    return 0.0


def _fit(
    ending: Ending,
    toks: Tokens,
    start: int,
    tables: CodeTables,
    limit: float = float("inf"),
) -> tuple[float, dict[str, str], dict[str, str] | None] | None:
    """The cheapest way (costing at most ``limit``) to read ``ending`` from token ``start`` to
    the end, its values, and the values of another cut at the same cost if there is one.

    Ties inside one layout are rare (they need two multi-token values); the first found (the
    one whose earlier values are shortest) wins, and the caller warns.
    """
    order = ending.keys
    last = len(order) - 1 if not ending.complete else -1  # an early end's last column shows
    if limit < 0:
        return None
    if limit < 0.5 and not _plan(order)[1]:
        return None  # below 0.5 only an exact fit (tried before) or free text can read it
    n = len(toks)
    best: list[float] = [limit]
    best_spans: list[dict[str, tuple[int, int]]] = []
    spans: dict[str, tuple[int, int]] = {}

    def walk(k: int, i: int, score: float) -> None:
        if score > best[0] or (score == best[0] and len(best_spans) > 1):
            return
        if k == len(order):
            if i == n:
                if score < best[0]:
                    best[0] = score
                    best_spans[:] = [dict(spans)]
                else:
                    best_spans.append(dict(spans))
            return
        key = order[k]
        for j, cost in _spans(key, order, k, toks, i, tables):
            if k == last and j == i:
                continue  # an early end stops after a column that shows
            spans[key] = (i, j)
            walk(k + 1, j, score + cost)
        spans.pop(key, None)

    walk(0, start, 0.0)
    if not best_spans:
        return None
    values = [{k: toks.text(a, b) for k, (a, b) in cut.items() if b > a} for cut in best_spans]
    return best[0], values[0], (values[1] if len(values) > 1 else None)


def _fit_exact(ending: Ending, toks: Tokens, start: int) -> dict[str, str] | None:
    """Read a line whose values are all one token (with or without the optional columns),
    but for free text, which takes the rest: the search's cheapest reading, found directly
    (its cost is the caller's: ``_shape_cost`` and the admin costs)."""
    words = toks.words
    order = ending.keys
    kinds, has_text, has_session, has_flags = _plan(order)
    # an early end that stops after an optional column shows it
    must_flags = not ending.complete and kinds[-1] == "flags"
    if has_text:
        return _fit_exact_text(order, kinds, toks, start)
    rest = len(words) - start
    base = len(order) - has_session - has_flags
    if not (base <= rest <= base + has_session + 2 * has_flags):
        return None
    for with_session in (True, False) if has_session else (False,):
        for with_flags in (True, False) if has_flags and not must_flags else (has_flags,):
            if base + with_session + 2 * with_flags != rest:
                continue
            values: dict[str, str] = {}
            i = start
            ok = True
            for key, kind in zip(order, kinds, strict=True):
                if kind == "session":
                    if with_session:
                        if not SESSION.match(words[i]):
                            ok = False
                            break
                        values[key] = words[i]
                        i += 1
                    elif SESSION.match(words[i]):
                        ok = False  # a session ID left unread: the search decides
                        break
                    continue
                if kind == "flags":
                    if with_flags:
                        if words[i] != _OS or words[i + 1] != _USER:
                            ok = False
                            break
                        values[key] = OS_USER
                        i += 2
                    elif i + 1 < len(words) and words[i] == _OS and words[i + 1] == _USER:
                        ok = False
                        break
                    continue
                if not _token_fits(kind, words[i]):
                    ok = False
                    break
                values[key] = words[i]
                i += 1
            if ok and i == len(words):
                return values
    return None


@cache
def _plan(order: tuple[str, ...]) -> tuple[tuple[str, ...], bool, bool, bool]:
    """The kinds of an order's fields, and whether it has free text, a session, flags."""
    kinds = tuple(_KIND[k] for k in order)
    return kinds, "text" in kinds, "session" in kinds, "flags" in kinds


def _fit_exact_text(
    order: tuple[str, ...], kinds: tuple[str, ...], toks: Tokens, start: int
) -> dict[str, str] | None:
    words = toks.words
    n = len(words)
    values: dict[str, str] = {}
    i = start
    for k, (key, kind) in enumerate(zip(order, kinds, strict=True)):
        if kind == "session":
            if i < n and SESSION.match(words[i]):
                values[key] = words[i]
                i += 1
        elif kind == "flags":
            if i + 1 < n and words[i] == _OS and words[i + 1] == _USER:
                values[key] = OS_USER
                i += 2
        elif kind == "text":
            end = n
            trailing_flags = n - 2 > i and words[n - 2] == _OS and words[n - 1] == _USER
            if k + 1 < len(order) and trailing_flags:
                end = n - 2
            if end <= i:
                return None
            values[key] = toks.text(i, end)
            i = end
        elif i >= n or not _token_fits(kind, words[i]):
            return None
        else:
            values[key] = words[i]
            i += 1
    return values if i == n else None


def _token_fits(kind: str, word: str) -> bool:
    if kind == "int":
        return is_code(word)
    return True


def _spans(
    key: str, order: tuple[str, ...], k: int, toks: Tokens, i: int, tables: CodeTables
) -> list[tuple[int, float]]:
    """Where the value for ``key`` starting at token ``i`` may end, and what each choice costs."""
    words = toks.words
    n = len(words)
    kind = _KIND[key]
    if kind == "session":
        if i < n and SESSION.match(words[i]):
            return [(i + 1, 0.0), (i, 1.0)]
        return [(i, 0.0)]
    if kind == "flags":
        if i + 1 < n and words[i] == _OS and words[i + 1] == _USER:
            return [(i + 2, 0.0), (i, 5.0)]
        return [(i, 0.0)]
    if i >= n:
        return []
    if kind == "int":
        return [(i + 1, 0.0)] if _token_fits("int", words[i]) else []
    if kind == "word":
        return [(i + 1, _start_cost(kind, words[i]))]
    if kind == "text":
        after = order[k + 1 :]
        if any(_KIND[a] != "flags" for a in after):
            return []  # free text always runs to the end (but for a trailing AuditFlags)
        out = [(n, 0.0)]
        if after and n - 2 > i and words[n - 2] == _OS and words[n - 1] == _USER:
            out = [(n - 2, 0.0), (n, 5.0)]  # a trailing "(OS user)" is the AuditFlags column
        if key == "command" and not tables.is_selang(words[i]):
            return [(j, cost + _NOT_SELANG) for j, cost in out]
        return out
    out = [(i + 1, _start_cost(kind, words[i]))]
    # a path with spaces is a Windows path: one that does not begin like one costs 1 more,
    # and 2 more once it holds a backslash (it is the end of another path)
    relative = kind == "path" and not looks_like_path_start(words[i])
    cost = 1.0 if relative else 0.0
    backslash = "\\" in words[i]
    for j in range(i + 1, min(n, i + MAX_SPAN)):
        if toks.wide_gap_before(j):
            cost += 10.0
        if kind == "path":
            cost += 1.0 + (3.0 if looks_like_path_start(words[j]) else 0.0)
            backslash = backslash or "\\" in words[j]
            out.append((j + 1, cost + (_PATH_FRAGMENT if relative and backslash else 0.0)))
        else:  # name
            value = toks.text(i, j + 1)
            out.append((j + 1, cost + _name_cost(value, j - i) + _start_cost(kind, value)))
    return out


def _name_cost(value: str, spaces: int) -> float:
    """What reading a user name of ``spaces + 1`` tokens costs: 3 a space, but the space of a
    known spaced domain (``NT AUTHORITY\\``) or well-known account only 0.5 in all."""
    upper = value.upper()
    if upper in SPACED_ACCOUNTS:
        return 0.5
    for domain in SPACED_DOMAINS:
        if upper.startswith(domain):
            return 0.5 + 3.0 * (spaces - domain.count(" "))
    return 3.0 * spaces


def _settle_tie(top: list[_Reading], platform: str | None) -> tuple[_Reading, list[str]]:
    """Choose among equally good readings by documented rules, and say so."""
    layouts = []
    for r in top:
        if r.layout.id not in layouts:
            layouts.append(r.layout.id)
    if len(layouts) > 1:
        chosen = top[0]
        others = ", ".join(layouts[1:])
        warning = f"ambiguous line: also reads as {others}; chose {chosen.layout.id} (table order)"
        return chosen, [warning]
    # one layout, two platforms that read the values differently (trace: effective user or real UID)
    clue = _platform_clue(top[0].values)
    for r in top:
        if r.platform == clue:
            return r, []
    chosen = next((r for r in top if r.platform == "unix"), top[0])
    return chosen, [
        f"platform unknown: read {chosen.layout.id} in the UNIX field order "
        "(give --platform windows if the line came from Windows)"
    ]


def _platform_clue(values: dict[str, str]) -> str | None:
    """The platform the values show (a backslash, a drive, a UNIX path); free text (trace,
    command) is left out: it may quote anything, including the other platform's paths."""
    values = {k: v for k, v in values.items() if _KIND[k] != "text"}
    if any(has_windows_clue(v) for v in values.values()):
        return "windows"
    if any(v.startswith("/") for k, v in values.items() if _KIND[k] == "path"):
        return "unix"
    return None


def _build(
    reading: _Reading,
    timestamp: str,
    status: str,
    tables: CodeTables,
    platform: str | None,
    toks: Tokens,
    warnings: tuple[str, ...],
    origin: Origin | None,
) -> AuditRecord:
    layout = reading.layout
    kwargs: dict[str, object] = {
        "event": layout.id,
        "timestamp": timestamp,
        "status": status,
        "warnings": warnings,
        "origin": origin,
    }
    for key, value in reading.values.items():
        kwargs[FIELD_BY_KEY[key].attr] = _typed(key, value)
    for key in reading.ending.keys:  # an AuditFlags column the line reaches but leaves empty
        if _KIND[key] == "flags" and key not in kwargs:
            kwargs[key] = ""
    kwargs.update(tables.derived(layout, kwargs))
    if layout.platform_dependent:
        plat = platform or _platform_clue(reading.values)
        if plat is None and layout.windows and reading.platform is not None:
            # the order itself told (e.g. "(OS user)" before or after the effective user)
            other = "windows" if reading.platform == "unix" else "unix"
            if not any(
                _fit_exact(ending, toks, 5) is not None
                or _fit(ending, toks, 5, tables, reading.score) is not None
                for ending in layout.endings(other)
            ):
                plat = reading.platform
        if plat is None and layout.id == "trace":
            plat = reading.platform
        if plat is not None:
            kwargs["platform"] = plat
    return AuditRecord(**kwargs)  # type: ignore[arg-type]


def _typed(key: str, value: str) -> int | str:
    if key in INT_KEYS:
        return int(value)
    if key in INT_OR_STR and is_code(value):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# rendering

#: what the text output formats show for a column a record lacks (seaudit itself never lacks
#: one; records written through the API may); the renderers refuse such records by default
MISSING = "-"

#: column padding of the padded rendering (REFERENCE.md section 1): key -> (width, right-aligned)
PADDING: dict[str, tuple[int, bool]] = {
    "event_name": (12, False),
    "class": (12, False),
    "stage": (5, True),
    "reason": (3, True),
    "resource": (20, False),
}


def positional_values(
    record: AuditRecord,
    *,
    sessionid: bool = False,
    platform: str | None = None,
    missing: str | None = None,
    to_gap: bool = False,
) -> list[tuple[str, str]]:
    """The (key, text) pairs of the non-detailed line, in order, empty columns left out.

    The line stops after the last column the record holds, but never inside the layout's
    required core: a line that stopped early renders as it was read, without ``missing``.
    ``to_gap``: it stops before the first column past the core that the record lacks (the
    detailed rendering shows the held columns after it under their labels)."""
    from seaudit.schema.events import LAYOUT_BY_ID

    layout = LAYOUT_BY_ID.get(record.event)
    if layout is None:
        raise ValueError(f"unknown event {record.event!r}")
    plat = record.platform or platform
    order = layout.order(plat)
    printed = printed_columns(record, order, layout.required(plat), to_gap=to_gap)
    out: list[tuple[str, str]] = []
    for key in order[:printed]:
        kind = _KIND[key]
        if kind == "session":
            session = record.get(key)
            if sessionid and session:
                out.append((key, escape_controls(str(session))))
            continue
        if kind == "flags":
            if is_os_user(record.get(key)):
                out.append((key, OS_USER))
            continue
        value = record.get(key)
        if value is None and key == "event_name":
            value = layout.words[0]
        if value is None:
            if missing is None:
                raise ValueError(f"a {record.event} record needs {key!r} to be rendered")
            value = missing  # a record written through the API may lack a column
        out.append((key, escape_controls(str(value))))
    return out


def printed_columns(
    record: AuditRecord, order: tuple[str, ...], required: int, *, to_gap: bool = False
) -> int:
    """How many leading columns of ``order`` a record's line holds: up to the last one the
    record has a value for (event_name always has one), never fewer than ``required``; with
    ``to_gap``, up to the first column past ``required`` that the record lacks (an optional
    column, which prints nothing when empty, is no gap)."""
    held = [key == "event_name" or record.get(key) is not None for key in order]
    if to_gap:
        for k in range(required, len(order)):
            if not held[k] and _KIND[order[k]] not in OPTIONAL_KINDS:
                return k
        return len(order)
    last = max((k for k, h in enumerate(held) if h), default=-1)
    return max(required, last + 1)


def render_short(
    record: AuditRecord,
    *,
    sessionid: bool = False,
    platform: str | None = None,
    padded: bool = False,
    missing: str | None = None,
    to_gap: bool = False,
) -> str:
    """The non-detailed line of a record (no newline). Control characters are shown as ``\\xNN``;
    a column the record lacks raises ValueError, or shows ``missing`` when one is given
    (``to_gap``: see ``positional_values``)."""
    day, clock = split_timestamp(record.timestamp)
    parts = [escape_controls(day), *([clock] if clock else []), escape_controls(record.status)]
    values = positional_values(
        record, sessionid=sessionid, platform=platform, missing=missing, to_gap=to_gap
    )
    for key, text in values:
        if padded and key in PADDING:
            width, right = PADDING[key]
            text = text.rjust(width) if right else text.ljust(width)
        parts.append(text)
    return " ".join(parts).rstrip(" ")


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})


def escape_controls(text: str) -> str:
    """Terminal-safe one-line text: C0 and C1 control characters (newline, ESC, NUL, NEL, ...)
    become ``\\xNN`` and the Unicode line and paragraph separators ``\\u2028``/``\\u2029``."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL)
