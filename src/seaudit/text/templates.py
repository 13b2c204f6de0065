"""The bulk path's readings, generated from the layout table: one ``Template`` for every way a
single-spaced non-detailed line of one-token values can be read at no cost.

A template is a layout, a platform order, one of its endings (``Layout.endings``) and a choice
for each optional column (the session ID shown or not, ``(OS user)`` shown or not), laid out
on token positions: which key each position fills, which positions must hold a number, a
session ID or ``(OS user)``, and which must not (the reference reader takes an optional column
wherever it stands: leaving one unread costs). A free-text column (trace, command) takes the
rest of the line from its position, but for a trailing ``(OS user)`` where the order puts
AuditFlags after it. Nothing here names a layout: a layout added to the table gets its
templates with no other change.

Templates that give the same values (the UNIX and Windows orders of a resource record without
the columns that differ) form one ``Reading``; a reading whose templates name the same
positions with different keys (trace: the effective user or, on Windows, the real UID) needs
the platform to tell its values, as the reference's tie rule does (``short._settle_tie``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from seaudit.schema.events import LAYOUTS, Layout, Platform
from seaudit.schema.fields import FIELD_BY_KEY

#: tokens before the first positional column: date (3 tokens with the time), status
FIRST = 5
#: the free-text key that must start with a selang verb (``short._command_cost``), and whose
#: first word tells the derived command type (``CodeTables.derived``)
COMMAND = "command"


@dataclass(frozen=True, slots=True)
class Template:
    """One exact reading of a layout on token positions (see the module docstring)."""

    layout: Layout
    platform: Platform | None
    slots: tuple[tuple[str, int], ...]  # key -> token position, one-token values
    #: tokens the line holds; for a free-text template the position its text starts at
    size: int
    text: str | None  # the free-text key, which runs from ``size`` to the end
    tail_flags: bool | None  # free text followed by AuditFlags: whether it ends "(OS user)"
    sessions: tuple[int, ...]  # positions that must hold a session ID
    no_sessions: tuple[int, ...]  # ... that must not
    flags: int | None  # position of "(OS" (then "user)")
    no_flags: tuple[int, ...]  # positions where "(OS user)" must not stand
    ints: tuple[int, ...]  # positions that must hold a code
    flags_column: bool  # the line reaches the AuditFlags column (shown or empty)
    #: positions whose value costs something when it holds a backslash, by field kind
    shaped: tuple[tuple[str, int], ...]

    @property
    def positions(self) -> tuple[tuple[int, str], ...]:
        """What the template reads, key names aside: equal for templates of equal values."""
        kinds = tuple((pos, FIELD_BY_KEY[key].kind) for key, pos in self.slots)
        return (
            *kinds,
            (self.size, self.text or ""),
            (-1, f"{self.flags} {self.tail_flags} {self.flags_column}"),
        )

    @property
    def keys(self) -> frozenset[str]:
        out = {key for key, _ in self.slots}
        if self.text:
            out.add(self.text)
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class Reading:
    """Templates of one layout that read the same positions (see the module docstring)."""

    index: int
    layout: Layout
    templates: tuple[Template, ...]

    @property
    def needs_platform(self) -> bool:
        """Its templates put different keys on the same positions: the platform chooses."""
        return len({t.slots for t in self.templates}) > 1

    def template(self, platform: Platform | None) -> Template:
        return next((t for t in self.templates if t.platform == platform), self.templates[0])


@dataclass(frozen=True, slots=True)
class Plan:
    """Every reading of a layout table for one ``--platform`` setting."""

    readings: tuple[Reading, ...]
    platform: Platform | None
    layouts: tuple[Layout, ...]

    @property
    def templates(self) -> tuple[Template, ...]:
        return tuple(t for r in self.readings for t in r.templates)

    @property
    def width(self) -> int:
        """Token columns the classification reads: every template's positions, and one more
        (that tells a longer line from a template's exact size)."""
        return max(t.size for t in self.templates) + 1


@cache
def plan(platform: Platform | None, layouts: tuple[Layout, ...] = LAYOUTS) -> Plan:
    templates = [t for lay in layouts for t in _layout_templates(lay, platform)]
    groups: dict[tuple[str, tuple[tuple[int, str], ...]], list[Template]] = {}
    for t in templates:
        groups.setdefault((t.layout.id, t.positions), []).append(t)
    readings = tuple(
        Reading(i, members[0].layout, tuple(members)) for i, members in enumerate(groups.values())
    )
    return Plan(readings, platform, layouts)


def _layout_templates(layout: Layout, platform: Platform | None) -> list[Template]:
    both = layout.windows and platform is None
    platforms: tuple[Platform | None, ...] = ("unix", "windows") if both else (platform,)
    out: list[Template] = []
    for plat in platforms:
        for ending in layout.endings(plat):
            kinds = [FIELD_BY_KEY[key].kind for key in ending.keys]
            # an early end that stops after AuditFlags shows it
            shown = not ending.complete and kinds[-1] == "flags"
            text_then_flags = "text" in kinds and kinds.index("text") < len(kinds) - 1
            for with_session in (True, False) if "session" in kinds else (False,):
                for with_flags in (True, False) if "flags" in kinds and not shown else (shown,):
                    tails = (True, False) if text_then_flags else (None,)
                    if text_then_flags and with_flags:
                        continue  # AuditFlags after the text: only the tail can show it
                    for tail in tails:
                        out.append(
                            _template(layout, plat, ending.keys, with_session, with_flags, tail)
                        )
    return out


def _template(
    layout: Layout,
    platform: Platform | None,
    order: tuple[str, ...],
    with_session: bool,
    with_flags: bool,
    tail: bool | None,
) -> Template:
    i = FIRST
    slots: list[tuple[str, int]] = []
    sessions: list[int] = []
    no_sessions: list[int] = []
    no_flags: list[int] = []
    ints: list[int] = []
    shaped: list[tuple[str, int]] = []
    flags: int | None = None
    text: str | None = None
    text_at = 0
    for key in order:
        kind = FIELD_BY_KEY[key].kind
        if text is not None:
            continue  # after free text only AuditFlags stands: the tail reads it
        if kind == "session":
            if with_session:
                sessions.append(i)
                slots.append((key, i))
                i += 1
            else:
                no_sessions.append(i)
        elif kind == "flags":
            if with_flags:
                flags = i
                i += 2
            else:
                no_flags.append(i)
        elif kind == "text":
            text, text_at = key, i
        else:
            if kind == "int":
                ints.append(i)
            if kind in ("word", "name", "path"):
                shaped.append((kind, i))
            slots.append((key, i))
            i += 1
    size = text_at if text is not None else i
    # "(OS user)" left unread is checked only where two tokens follow (``short._fit_exact``)
    last = size if text is None else size + 1
    kept = tuple(p for p in no_flags if p + 1 < last or text is not None)
    return Template(
        layout,
        platform,
        tuple(slots),
        size,
        text,
        tail,
        tuple(sessions),
        tuple(no_sessions),
        flags,
        kept,
        tuple(ints),
        any(FIELD_BY_KEY[key].kind == "flags" for key in order),
        tuple(shaped),
    )
