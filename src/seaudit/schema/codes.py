"""Code tables as data: stage, reason, password-quality and untrust codes, status letters and
the selang command -> command type map. Messages live in ``codes.toml``; an unknown code still
parses and renders (as its number, or as "Stage code N" where a message is needed).

A site's own ``seaudit -t`` text extends or overrides the bundled tables
(:func:`load_site_tables`); :func:`render_tables` prints the tables in that same text form, so
what ``seaudit -t`` prints can be loaded back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from seaudit.errors import CodeTableError

if TYPE_CHECKING:
    from seaudit.schema.events import Layout

#: numbered tables: id -> (title printed by `seaudit -t`, words that recognise the title)
NUMBERED: dict[str, tuple[str, tuple[str, ...]]] = {
    "stage": ("Stage codes", ("stage", "authorization")),
    "reason": ("Reason codes", ("reason",)),
    "password_quality": ("Password quality codes", ("password", "quality")),
    "untrust": ("Untrust codes", ("untrust", "trust")),
}
STATUS_TITLE = "Status letters"
_FALLBACK = {
    "stage": "Stage code {}",
    "reason": "Reason code {}",
    "password_quality": "Password quality code {}",
    "untrust": "Untrust code {}",
}
ADMIN_COMMAND = "Administrative command"


@dataclass(frozen=True, slots=True)
class Status:
    letter: str
    word: str  # as the detailed output's "Status:" label prints it
    meaning: str


@dataclass(frozen=True)
class CodeTables:
    numbered: Mapping[str, Mapping[int, str]]
    statuses: Mapping[str, Status]
    command_types: Mapping[str, str]
    selang_verbs: frozenset[str] = frozenset()
    _status_by_word: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = {s.word.lower(): s.letter for s in self.statuses.values()}
        words["success"] = "S"  # REFERENCE.md spells it so; the seed prints "Successful"
        object.__setattr__(self, "_status_by_word", MappingProxyType(words))

    def message(self, table: str, code: int) -> str | None:
        """The message of a code, or None when the table does not know it."""
        return self.numbered[table].get(code)

    def describe(self, table: str, code: int) -> str:
        """The message of a code, or a readable stand-in for an unknown one."""
        return self.numbered[table].get(code) or _FALLBACK[table].format(code)

    def derived(self, layout: Layout, values: Mapping[str, object]) -> dict[str, object]:
        """What a record's codes say beyond themselves: the message the catalog knows for its
        Details code, and an admin record's command type (from its command)."""
        out: dict[str, object] = {}
        stage = values.get("stage")
        if isinstance(stage, int):
            message = self.message(layout.details_table, stage)
            if message is not None:
                out["stage_message"] = message
        if layout.id == "db_admin":
            out["command_type"] = self.command_type(str(values.get("command", "")))
        return out

    def status_word(self, letter: str) -> str:
        status = self.statuses.get(letter)
        return status.word if status else letter

    def status_letter(self, word: str) -> str | None:
        """The letter a detailed ``Status:`` word stands for (``Denied`` -> ``D``)."""
        word = word.strip().rstrip(".").lower()
        if len(word) == 1 and word.upper() in self.statuses:
            return word.upper()
        return self._status_by_word.get(word)

    def command_type(self, command: str) -> str:
        """The command type of a selang command, from its first word (short forms included)."""
        verb = command.split(None, 1)[0].lower() if command.strip() else ""
        return self.command_types.get(verb, ADMIN_COMMAND)

    def is_selang(self, command: str) -> bool:
        """Whether a command starts with a selang verb this catalog knows."""
        verb = command.split(None, 1)[0].lower() if command.strip() else ""
        return verb in self.command_types or verb in self.selang_verbs

    def extended(self, other: CodeTables) -> CodeTables:
        """These tables with ``other``'s entries added on top (other wins)."""
        numbered = {t: {**self.numbered[t], **other.numbered.get(t, {})} for t in NUMBERED}
        return CodeTables(
            numbered={t: MappingProxyType(v) for t, v in numbered.items()},
            statuses=MappingProxyType({**self.statuses, **other.statuses}),
            command_types=MappingProxyType({**self.command_types, **other.command_types}),
            selang_verbs=self.selang_verbs | other.selang_verbs,
        )


@cache
def default_tables() -> CodeTables:
    """The bundled tables (REFERENCE.md section 4 and the seed pages)."""
    import os
    import tomllib  # here, not at start-up: most commands never need the tables

    # beside this module (importlib.resources would add 30 modules to `seaudit -t`'s start-up)
    with open(os.path.join(os.path.dirname(__file__), "codes.toml"), encoding="utf-8") as f:
        text = f.read()
    data = tomllib.loads(text)
    return CodeTables(
        numbered={
            t: MappingProxyType({int(k): str(v) for k, v in data[t].items()}) for t in NUMBERED
        },
        statuses=MappingProxyType({k: Status(k, v[0], v[1]) for k, v in data["status"].items()}),
        command_types=MappingProxyType({k.lower(): v for k, v in data["command_type"].items()}),
        selang_verbs=frozenset(v.lower() for v in data["selang"]["verbs"]),
    )


def render_tables(tables: CodeTables | None = None) -> str:
    """The text ``seaudit -t`` prints; :func:`load_site_tables` reads it back."""
    tables = tables or default_tables()
    lines = [STATUS_TITLE]
    lines += [f"  {s.letter}  {s.word:<12} {s.meaning}" for s in tables.statuses.values()]
    for table, (title, _) in NUMBERED.items():
        lines += ["", title]
        lines += [f"{code:>6}  {msg}" for code, msg in sorted(tables.numbered[table].items())]
    return "\n".join(lines) + "\n"


_ENTRY = re.compile(r"^\s*(\d{1,9})\s*[-:.)=]?\s+(\S.*?)\s*$")
_STATUS = re.compile(r"^\s*([A-Z])\s+(\S+)\s+(\S.*?)\s*$")
_RULE = re.compile(r"^[\s\-=_*#.:]*$")


def load_site_tables(text: str, *, source: str = "<code tables>") -> CodeTables:
    """Read a site's ``seaudit -t`` dump: section titles, then ``CODE message`` lines.

    Only the sections present are returned; combine with ``default_tables().extended(...)``.
    Raises CodeTableError naming the line that cannot be read.
    """
    numbered: dict[str, dict[int, str]] = {t: {} for t in NUMBERED}
    statuses: dict[str, Status] = {}
    section: str | None = None
    for number, line in enumerate(text.splitlines(), 1):
        if _RULE.match(line):
            continue
        title = _section_of(line)
        if title is not None:
            section = title
            continue
        if section == "status" and (m := _STATUS.match(line)):
            statuses[m[1]] = Status(m[1], m[2], m[3])
            continue
        if section in NUMBERED and (m := _ENTRY.match(line)):
            numbered[section][int(m[1])] = m[2]
            continue
        where = f"{source}:{number}"
        if section is None:
            raise CodeTableError(f"{where}: an entry before any section title: {line[:80]!r}")
        raise CodeTableError(f"{where}: not a 'CODE message' line: {line[:80]!r}")
    if not any(numbered.values()) and not statuses:
        raise CodeTableError(f"{source}: no code table found")
    return CodeTables(
        numbered={t: MappingProxyType(v) for t, v in numbered.items()},
        statuses=MappingProxyType(statuses),
        command_types=MappingProxyType({}),
    )


def _section_of(line: str) -> str | None:
    stripped = line.strip()
    if not stripped or stripped[0].isdigit():
        return None
    lowered = stripped.lower().rstrip(":")
    if "status" in lowered and ("letter" in lowered or lowered == "status"):
        return "status"
    if not lowered.endswith(("codes", "code", "table", "messages")):
        return None
    for table, (_, words) in NUMBERED.items():
        if any(w in lowered for w in words):
            return table
    return None
