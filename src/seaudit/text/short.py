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
  and would otherwise swallow any line, or the end of a spaced Object path).

The cheapest reading wins. Where two different readings cost the same (across layouts or
within one), the first in table order is taken and the record carries a warning naming the
other: nothing is guessed silently.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from seaudit.errors import ParseError
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LAYOUTS, Layout
from seaudit.schema.fields import FIELD_BY_KEY, INT_KEYS, INT_OR_STR
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.timefmt import split_timestamp, to_timestamp
from seaudit.text.tokens import (
    OS_USER,
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
MAX_CODE_DIGITS = 18
_NOT_SELANG = 30.0  # an admin Command that does not start with a selang verb (see the docstring)
_EVENT_WORDS = frozenset(w for lay in LAYOUTS for w in lay.words)
_KIND = {key: field.kind for key, field in FIELD_BY_KEY.items()}
#: status letter -> the classes that layouts with a class list claim for it
_CLAIMED: dict[str, frozenset[str]] = {
    s: frozenset(c for lay in LAYOUTS if s in lay.statuses for c in lay.classes)
    for s in {s for lay in LAYOUTS for s in lay.statuses}
}


@dataclass(frozen=True, slots=True)
class _Reading:
    score: float
    priority: int
    layout: Layout
    platform: str | None
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
        shown = ", ".join(f"{k} {v!r}" for k, v in chosen.other.items()
                          if chosen.values.get(k) != v)
        warnings.append(f"ambiguous line: {chosen.layout.id} also reads with {shown}; "
                        "kept the reading whose earlier values are shortest")

    record = _build(chosen, timestamp, status, tables, platform, toks)
    record = record.replace(
        warnings=tuple(warnings), origin=Origin(source, lineno, text) if lineno else None
    )
    return record


def _readings(
    toks: Tokens,
    status: str,
    platform: str | None,
    tables: CodeTables,
    events: Collection[str] | None = None,
) -> list[_Reading]:
    out: list[_Reading] = []
    first = toks.words[5]
    for priority, layout in enumerate(LAYOUTS):
        if events is not None and layout.id not in events:
            continue
        if status not in layout.statuses and status != "C":
            continue
        if not _column_fits(layout, first, status):
            continue
        platforms: tuple[str | None, ...]
        if layout.windows and platform is None:
            platforms = ("unix", "windows")
        else:
            platforms = (platform,)
        for plat in platforms:
            order = layout.order(plat)
            found = _fit(order, toks, 5, tables)
            if found is not None:
                score, values, other = found
                score += _implausibility(layout, values, tables)
                out.append(_Reading(score, priority, layout, plat, values, other))
    return out


def _column_fits(layout: Layout, word: str, status: str) -> bool:
    """Whether ``word`` may stand in the layout's Event/Class column. A layout open to any class
    leaves alone the classes another layout claims for the same status (a ``TCP`` line is a
    network event, not a resource access)."""
    if layout.words:
        if word in layout.words:
            return True
        return layout.word_is_free and word.isupper() and word not in _EVENT_WORDS
    if layout.classes:
        return word in layout.classes
    if word in _CLAIMED.get(status, ()):
        return False
    return word not in _EVENT_WORDS and word.replace("_", "").replace("-", "").isalnum()


def _implausibility(layout: Layout, values: dict[str, str], tables: CodeTables) -> float:
    """What a reading costs beyond its cuts: an admin record is recognised by its Command,
    so an unknown Event word (+2) or a Command that does not start with a selang verb (+30)
    makes any other reading of the line preferable (the latter is part of the cut's cost:
    see ``_spans``)."""
    if layout.id != "db_admin":
        return 0.0
    return 0.0 if values.get("event_name") in layout.words else 2.0


def _fit(
    order: tuple[str, ...], toks: Tokens, start: int, tables: CodeTables
) -> tuple[float, dict[str, str], dict[str, str] | None] | None:
    """The cheapest way to read ``order`` from token ``start`` to the end, its values, and
    the values of another cut at the same cost if there is one.

    Ties inside one layout are rare (they need two multi-token values); the first found (the
    one whose earlier values are shortest) wins, and the caller warns.
    """
    n = len(toks)
    exact = _fit_exact(order, toks, start)
    if exact is not None:
        return 0.0, exact, None
    best: list[float] = [float("inf")]
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
            spans[key] = (i, j)
            walk(k + 1, j, score + cost)
        spans.pop(key, None)

    walk(0, start, 0.0)
    if not best_spans:
        return None
    values = [{k: toks.text(a, b) for k, (a, b) in cut.items() if b > a} for cut in best_spans]
    return best[0], values[0], (values[1] if len(values) > 1 else None)


def _fit_exact(order: tuple[str, ...], toks: Tokens, start: int) -> dict[str, str] | None:
    """Read a line whose values are all one token (with or without the optional columns)."""
    words = toks.words
    rest = len(words) - start
    kinds = [_KIND[k] for k in order]
    if "text" in kinds:
        return None
    has_session = "session" in kinds
    has_flags = "flags" in kinds
    base = len(order) - has_session - has_flags
    for with_session in (True, False) if has_session else (False,):
        for with_flags in (True, False) if has_flags else (False,):
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
                        if words[i] != "(OS" or words[i + 1] != "user)":
                            ok = False
                            break
                        values[key] = OS_USER
                        i += 2
                    elif i + 1 < len(words) and words[i] == "(OS" and words[i + 1] == "user)":
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


def _token_fits(kind: str, word: str) -> bool:
    if kind == "int":
        return word.isascii() and word.isdigit() and len(word) <= MAX_CODE_DIGITS
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
        if i + 1 < n and words[i] == "(OS" and words[i + 1] == "user)":
            return [(i + 2, 0.0), (i, 5.0)]
        return [(i, 0.0)]
    if i >= n:
        return []
    if kind == "int":
        return [(i + 1, 0.0)] if _token_fits("int", words[i]) else []
    if kind == "word":
        return [(i + 1, 0.0)]
    if kind == "text":
        after = order[k + 1 :]
        if any(_KIND[a] != "flags" for a in after):
            return []  # free text always runs to the end (but for a trailing AuditFlags)
        out = [(n, 0.0)]
        if after and n - 2 > i and words[n - 2] == "(OS" and words[n - 1] == "user)":
            out = [(n - 2, 0.0), (n, 5.0)]  # a trailing "(OS user)" is the AuditFlags column
        if key == "command" and not tables.is_selang(words[i]):
            return [(j, cost + _NOT_SELANG) for j, cost in out]
        return out
    out = [(i + 1, 0.0)]
    # a path with spaces is a Windows path: one that does not begin like one costs 1 more
    cost = 0.0 if kind != "path" or looks_like_path_start(words[i]) else 1.0
    for j in range(i + 1, min(n, i + MAX_SPAN)):
        if toks.wide_gap_before(j):
            cost += 10.0
        if kind == "path":
            cost += 1.0 + (3.0 if looks_like_path_start(words[j]) else 0.0)
            out.append((j + 1, cost))
        else:  # name
            out.append((j + 1, cost + _name_cost(toks.text(i, j + 1), j - i)))
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
        return chosen, [f"ambiguous line: also reads as {others}; chose {chosen.layout.id} (table order)"]
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
) -> AuditRecord:
    layout = reading.layout
    kwargs: dict[str, object] = {"event": layout.id, "timestamp": timestamp, "status": status}
    for key, value in reading.values.items():
        kwargs[FIELD_BY_KEY[key].attr] = _typed(key, value)
    if "audit_flags" in layout.unix and "audit_flags" not in kwargs:
        kwargs["audit_flags"] = ""
    stage = kwargs.get("stage")
    if isinstance(stage, int):
        message = tables.message(layout.details_table, stage)
        if message is not None:
            kwargs["stage_message"] = message
    if layout.id == "db_admin":
        kwargs["command_type"] = tables.command_type(str(kwargs.get("command", "")))
    if layout.platform_dependent:
        plat = platform or _platform_clue(reading.values)
        if plat is None and layout.windows and reading.platform is not None:
            # the order itself told (e.g. "(OS user)" before or after the effective user)
            other = "windows" if reading.platform == "unix" else "unix"
            if _fit(layout.order(other), toks, 5, tables) is None:
                plat = reading.platform
        if plat is None and layout.id == "trace":
            plat = reading.platform
        if plat is not None:
            kwargs["platform"] = plat
    return AuditRecord(**kwargs)  # type: ignore[arg-type]


def _typed(key: str, value: str) -> int | str:
    if key in INT_KEYS:
        return int(value)
    if key in INT_OR_STR and value.isascii() and value.isdigit() and len(value) <= MAX_CODE_DIGITS:
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# rendering

#: column padding of the padded rendering (REFERENCE.md section 1): key -> (width, right-aligned)
PADDING: dict[str, tuple[int, bool]] = {
    "event_name": (12, False),
    "class": (12, False),
    "stage": (5, True),
    "reason": (3, True),
    "resource": (20, False),
}


def positional_values(
    record: AuditRecord, *, sessionid: bool = False, platform: str | None = None
) -> list[tuple[str, str]]:
    """The (key, text) pairs of the non-detailed line, in order, empty columns left out."""
    from seaudit.schema.events import LAYOUT_BY_ID

    layout = LAYOUT_BY_ID.get(record.event)
    if layout is None:
        raise ValueError(f"unknown event {record.event!r}")
    order = layout.order(record.platform or platform)
    out: list[tuple[str, str]] = []
    for key in order:
        if key == "session_id":
            if sessionid and record.session_id:
                out.append((key, record.session_id))
            continue
        if key == "audit_flags":
            if is_os_user(record.audit_flags):
                out.append((key, OS_USER))
            continue
        value = record.get(key)
        if value is None and key == "event_name":
            value = layout.words[0]
        if value is None:
            raise ValueError(f"a {record.event} record needs {key!r} to be rendered")
        out.append((key, escape_controls(str(value))))
    return out


def render_short(
    record: AuditRecord,
    *,
    sessionid: bool = False,
    platform: str | None = None,
    padded: bool = False,
) -> str:
    """The non-detailed line of a record (no newline). Control characters are shown as ``\\xNN``."""
    day, clock = split_timestamp(record.timestamp)
    parts = [day, clock, record.status]
    for key, text in positional_values(record, sessionid=sessionid, platform=platform):
        if padded and key in PADDING:
            width, right = PADDING[key]
            text = text.rjust(width) if right else text.ljust(width)
        parts.append(text)
    return " ".join(parts).rstrip(" ")


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def escape_controls(text: str) -> str:
    """Terminal-safe text: control characters (newline, ESC, NUL, ...) become ``\\xNN``."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL)
