"""The detailed rendering: the positional (non-detailed) part, then ``Label: value`` pairs.

Parsing splits the line where the ``Event type:`` (or ``Event:``) label names a known event,
reads the positional part with the short parser, then reads the labels. Label spellings and
their aliases come from the layout table; a value may contain colons (``Result: 'P'``); a free
text value (trace information, command) that repeats the positional one is taken whole, so
labels inside it are not mistaken for real ones. Fields only labels carry (effective and real
user IDs, command type, a session ID the positional part lacks) are kept. Where a label
disagrees with the positional part, the positional value stands and the record says so in
its warnings.
"""

from __future__ import annotations

import re
from functools import cache

from seaudit.errors import ParseError
from seaudit.schema.codes import CodeTables, default_tables
from seaudit.schema.events import LABEL_KEYS, LABEL_OF, LAYOUT_BY_ID, LAYOUT_BY_TITLE, LAYOUTS
from seaudit.schema.fields import FIELD_BY_KEY, INT_KEYS, INT_OR_STR, KEYS, is_code
from seaudit.schema.record import AuditRecord, Origin
from seaudit.text.short import escape_controls, parse_short, printed_columns, render_short
from seaudit.text.timefmt import split_timestamp
from seaudit.text.tokens import is_os_user

_FREE_TEXT = frozenset({"trace", "command"})
#: keys the title, Status, Date and Time labels show (and the parser derives from them)
_SHOWN_BY_TITLE = frozenset({"event", "status", "timestamp", "platform"})


@cache
def _title_pattern() -> re.Pattern[str]:
    titles = sorted(
        {t for lay in LAYOUTS for t in (lay.title, lay.windows_title) if t}, key=len, reverse=True
    )
    alternation = "|".join(re.escape(t) for t in titles)
    return re.compile(
        rf"(?:^|(?<=\s))(?:Event type|Event)\s*:\s*(?P<title>{alternation})(?=\s|$)", re.I
    )


@cache
def _label_pattern() -> re.Pattern[str]:
    labels = sorted(LABEL_KEYS, key=len, reverse=True)
    alternation = "|".join(re.escape(lab) for lab in labels)
    return re.compile(rf"(?:^|(?<=\s))({alternation}):[ ]?")


def find_labels(line: str) -> int:
    """Where the labelled part of a detailed line starts, or -1 for a non-detailed line."""
    match = _title_pattern().search(line)
    return match.start() if match else -1


def parse_detailed(
    line: str,
    *,
    platform: str | None = None,
    tables: CodeTables | None = None,
    source: str = "<input>",
    lineno: int = 0,
) -> AuditRecord:
    """Parse one detailed record (a block already joined into one line)."""
    tables = tables or default_tables()
    text = line.rstrip("\r\n")
    title_match = _title_pattern().search(text)
    if title_match is None:
        raise ParseError(
            "no 'Event type:' label naming a known event",
            source=source,
            line=lineno,
            excerpt=text[:120],
        )
    split = title_match.start()
    pairs = _label_pairs(text[split:])
    title = title_match["title"]  # as matched: any case, any spacing after it
    layout, title_platform = LAYOUT_BY_TITLE[title.lower()]
    positional = text[:split].rstrip(" ")
    try:  # the label names the event: read the positional part as that event if it fits
        record = parse_short(
            positional,
            platform=platform or title_platform,
            tables=tables,
            source=source,
            lineno=lineno,
            events=(layout.id,),
        )
    except ParseError:
        record = parse_short(
            positional,
            platform=platform or title_platform,
            tables=tables,
            source=source,
            lineno=lineno,
        )
    warnings = list(record.warnings)
    if record.event != layout.id:
        warnings.append(
            f"the positional part reads as {record.event} but the label says {title!r}; "
            f"kept {record.event}"
        )
    values, label_warnings = _apply_labels(record, pairs, text[split:], tables)
    warnings += label_warnings
    if title_platform and not record.platform:
        values["platform"] = title_platform
    record = record.replace(
        **values, warnings=tuple(warnings), origin=Origin(source, lineno, text) if lineno else None
    )
    return record


_Pair = tuple[str, str, int, int]  # label, value (stripped), label start, value start


def _label_pairs(labelled: str) -> list[_Pair]:
    matches = list(_label_pattern().finditer(labelled))
    out = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(labelled)
        out.append((m.group(1), labelled[m.end() : end].strip(), m.start(), m.end()))
    return out


def _apply_labels(
    record: AuditRecord,
    pairs: list[_Pair],
    labelled: str,
    tables: CodeTables,
) -> tuple[dict[str, object], list[str]]:
    values: dict[str, object] = {}
    warnings: list[str] = []
    seen: dict[str, object] = {}
    i = 0
    while i < len(pairs):
        label, value, _, start = pairs[i]
        key = LABEL_KEYS[label]
        if key in _FREE_TEXT:
            whole = record.get(key)
            if isinstance(whole, str) and whole and labelled[start:].startswith(whole):
                stop = start + len(whole)
                value = whole
                # skip the label matches that fall inside the free text
                while i + 1 < len(pairs) and pairs[i + 1][2] < stop:
                    i += 1
        i += 1
        _apply_one(record, key, label, value, values, warnings, seen, tables)
    return values, warnings


def _apply_one(
    record: AuditRecord,
    key: str,
    label: str,
    value: str,
    values: dict[str, object],
    warnings: list[str],
    seen: dict[str, object],
    tables: CodeTables,
) -> None:
    def disagree(shown: object, kept: object) -> None:
        warnings.append(
            f"label {label!r} says {shown!r} but the positional part says {kept!r}; kept {kept!r}"
        )

    if key == "title":
        return
    if key == "status":
        letter = tables.status_letter(value)
        if letter != record.status:
            disagree(value, record.status)
        return
    if key in ("date", "time"):
        day, clock = split_timestamp(record.timestamp)
        shown = day if key == "date" else clock
        if not (value == shown or (key == "time" and len(value) == 5 and shown.startswith(value))):
            disagree(value, shown)
        return
    if key == "stage_message":
        if _placeholder(record, value, tables):
            return  # "Stage code N" for a code without a message: the renderer's, no message
        if "stage_message" in seen and seen["stage_message"] != value:
            warnings.append(f"label {label!r} repeated with the value {value!r}; kept the first")
            return
        seen[key] = value
        values[key] = value
        return
    if key == "audit_flags":
        positional = record.audit_flags
        if positional is not None and is_os_user(positional) != is_os_user(value):
            disagree(value, positional)
            return
        if key not in seen:
            values[key] = value
            seen[key] = value
        return
    if key == "command_type":
        seen.setdefault(key, value)
        values[key] = seen[key]
        return
    typed = _typed(key, value)
    if typed is None:
        warnings.append(f"label {label!r} has a value that is not a number: {value[:40]!r}")
        return
    current = seen.get(key, record.get(key))
    if current is None:
        values[FIELD_BY_KEY[key].attr] = typed
        seen[key] = typed
    elif current != typed:
        disagree(typed, current)


def _placeholder(record: AuditRecord, value: str, tables: CodeTables) -> bool:
    """Whether a Details value is what the renderer shows for a code without a message."""
    table = LAYOUT_BY_ID[record.event].details_table
    stage = record.stage
    return (
        stage is not None
        and tables.message(table, stage) is None
        and value == tables.describe(table, stage)
    )


def _typed(key: str, value: str) -> object:
    if key in INT_KEYS:
        return int(value) if is_code(value) else None
    if key in INT_OR_STR and is_code(value):
        return int(value)
    return value


# ---------------------------------------------------------------------------------------------
# rendering


def render_detailed(
    record: AuditRecord,
    *,
    sessionid: bool = False,
    platform: str | None = None,
    block: bool = False,
    tables: CodeTables | None = None,
    missing: str | None = None,
) -> str:
    """The detailed rendering: the positional part, the layout's labels in the seed pages'
    order, then every other field the record holds under its label (``LABEL_OF``), in the
    field table's order: nothing a record holds is lost on the way to text and back."""
    tables = tables or default_tables()
    layout = LAYOUT_BY_ID[record.event]
    plat = record.platform or platform
    positional = render_short(
        record, sessionid=sessionid, platform=plat, missing=missing, to_gap=True
    )
    day, clock = split_timestamp(record.timestamp)
    order = layout.order(plat)
    printed = order[: printed_columns(record, order, layout.required(plat), to_gap=True)]
    pairs: list[tuple[str, str]] = []
    for label in layout.labels:
        key = label.key
        value: object
        if key == "title":
            value = layout.titled(plat)
        elif key == "status":
            value = tables.status_word(record.status)
        elif key == "date":
            value = day
        elif key == "time":
            value = clock[:5]
        elif key == "stage_message":
            if record.stage is None:
                continue
            # a code without a known message shows "Stage code N", which reads back as none
            value = record.stage_message or tables.describe(layout.details_table, record.stage)
        elif key == "audit_flags":
            if record.audit_flags is None or (not record.audit_flags and key in printed):
                continue  # an empty AuditFlags column the line reaches says it
            value = record.audit_flags
        else:
            value = record.get(key)
            if value is None:
                continue
        pairs.append((label.spelled(plat), escape_controls(str(value))))
    shown = {label.key for label in layout.labels} | set(printed) | _SHOWN_BY_TITLE
    for key in KEYS:
        value = record.get(key)
        if value is not None and key not in shown and key in LABEL_OF:
            pairs.append((LABEL_OF[key], escape_controls(str(value))))
    if block:
        return positional + "".join(f"\n    {lab}: {val}" for lab, val in pairs)
    return positional + "".join(f" {lab}: {val}" for lab, val in pairs)
