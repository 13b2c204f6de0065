"""Write docs/formats.md from the code: ``python -m seaudit.export.docs > docs/formats.md``.

Everything printed comes from the tables the writers run on (LAYOUTS, the code tables, the
Parquet columns, the OCSF and ECS rule tables), so the docs cannot drift from the code; a test
compares the committed file with this output. A format module may define
``mapping_doc() -> str`` (markdown) to add its own section.
"""

from __future__ import annotations

import importlib
import re
import sys
from collections.abc import Iterable, Sequence

from seaudit.export import FORMAT_MODULES, registry
from seaudit.export._mapping import Const, Context, Derived, Rules
from seaudit.schema.codes import default_tables
from seaudit.schema.events import LAYOUTS
from seaudit.schema.outcome import outcome
from seaudit.schema.record import AuditRecord


def _nothing(record: AuditRecord, ctx: Context) -> None:
    return None


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def effective(rules: Rules) -> Rules:
    """The rules as applied: a later rule for the same path wins."""
    last = {path: i for i, (path, _) in enumerate(rules)}
    return tuple(rule for i, rule in enumerate(rules) if last[rule[0]] == i)


def rules_table(rules: Rules, header: str = "attribute") -> str:
    return table((header, "source"), ((f"`{p}`", s.describe()) for p, s in effective(rules)))


def _code(keys: Iterable[str]) -> str:
    return " ".join(f"`{k}`" for k in keys) or "—"


def layouts_section() -> str:
    rows = []
    for lay in LAYOUTS:
        title = lay.title + (f" / {lay.windows_title} (Windows)" if lay.windows_title else "")
        words = (
            ", ".join(lay.words)
            if lay.words
            else "(the class: " + (", ".join(lay.classes) if lay.classes else "any") + ")"
        )
        rows.append(
            (
                f"`{lay.id}`",
                title,
                words,
                lay.statuses,
                _code(lay.unix),
                _code(lay.windows) if lay.windows else "same",
            )
        )
    return "## Event layouts\n\n" + table(
        ("event id", "title", "Event column", "statuses", "fields (UNIX)", "fields (Windows)"), rows
    )


def status_section() -> str:
    from seaudit.export import ocsf

    rows = []
    for letter, status in default_tables().statuses.items():
        out = ocsf.OUTCOMES.get(letter)
        rows.append(
            (
                f"`{letter}`",
                status.word,
                status.meaning,
                f"{out.status_id} {ocsf.STATUS_CAPTIONS[out.status_id]}" if out else "",
                f"{out.action_id} {ocsf.ACTION_CAPTIONS[out.action_id]}"
                if out and out.action_id
                else "—",
                f"{out.disposition_id} {ocsf.DISPOSITION_CAPTIONS[out.disposition_id]}"
                if out and out.disposition_id
                else "—",
                f"{out.severity_id} {ocsf.SEVERITY_CAPTIONS[out.severity_id]}" if out else "",
                outcome(letter),
            )
        )
    return "## Status letters\n\n" + table(
        (
            "letter",
            "word",
            "meaning",
            "OCSF status_id",
            "OCSF action_id",
            "OCSF disposition_id",
            "OCSF severity_id",
            "ECS event.outcome",
        ),
        rows,
    )


def parquet_section() -> str:
    from seaudit.export import parquet

    rows = [
        (f"`{name}`", "Int64" if kind is int else "String", meaning)
        for name, kind, meaning in parquet.COLUMNS
    ]
    return (
        "## parquet\n\n"
        + _doc_intro(parquet.__doc__)
        + "\n\n"
        + table(("column", "type", "meaning"), rows)
    )


def _doc_intro(doc: str | None) -> str:
    """A module docstring without its first line, for the docs."""
    if not doc:
        return ""
    text = "\n".join(doc.strip().splitlines()[2:]).replace("``", "`").strip()
    return re.sub(r":(?:data|mod|func):`([^`]+)`", r"`\1`", text)


def ocsf_section() -> str:
    from seaudit.export import ocsf

    parts = [
        "## ocsf\n",
        _doc_intro(ocsf.__doc__) + "\n",
        "### Attributes of every event\n",
        rules_table((*ocsf.HEADER_DOC, *ocsf._STATUS_RULES, *ocsf._COMMON)),
        "`unmapped`: every record key that no rule below carries by name (same key), plus "
        "`stage_message` and `reason_message` from the code tables and `origin_source`, "
        "`origin_line`. `metadata.profiles`: `host` when `actor` or `device` is present, "
        "`security_control` when `action`/`disposition` are.\n",
    ]
    maps = [
        (event_id + (" (class FILE)" if event_id == "resource_access" else ""), emap)
        for event_id, emap in ocsf.EVENT_MAPS.items()
    ]
    maps.append(("resource_access (class not FILE)", ocsf.NON_FILE_ACCESS))
    for event_id, emap in maps:
        cls = emap.cls
        parts.append(
            f"### `{event_id}` → {cls.name} ({cls.uid}), category {cls.category_name} "
            f"({cls.category_uid})\n"
        )
        activity = emap.activity
        activity_text = (
            f"`{activity.constant}` ({cls.activities[activity.constant]})"
            if isinstance(activity, Const)
            else activity.describe()
        )
        rules: Rules = (
            ("activity_id", Derived("activity", activity_text, _nothing)),
            *(r for r in emap.status_rules if emap.status_rules is not ocsf._STATUS_RULES),
            *emap.rules,
        )
        parts.append(rules_table(rules))
        if emap.host_rules:
            parts.append(
                "Only when the endpoint is known (origin node or option `device`), "
                "`host` profile:\n\n" + rules_table(emap.host_rules)
            )
    return "\n".join(parts)


def ecs_section() -> str:
    from seaudit.export import ecs

    parts = [
        "## ecs\n",
        _doc_intro(ecs.__doc__) + "\n",
        "### Fields of every document\n",
        rules_table(ecs.COMMON, "field"),
        "`seaudit.*`: every record key that no rule carries by name (same key), plus "
        "`stage_message`, `reason_message`, `origin_source`, `origin_line`. A rule below "
        "overrides a common one for the same field.\n",
    ]
    maps = [
        (event_id + (" (class not FILE)" if event_id == "resource_access" else ""), rules)
        for event_id, rules in ecs.EVENT_RULES.items()
    ]
    maps.append(("resource_access (class FILE)", ecs.FILE_ACCESS_RULES))
    for event_id, rules in maps:
        parts.append(f"### `{event_id}`\n")
        parts.append(rules_table(rules, "field"))
    return "\n".join(parts)


def formats_section() -> str:
    rows = [(f"`{fmt.name}`", fmt.usage) for fmt in registry().values()]
    return "## Formats\n\n" + table(("format", "usage"), rows)


def render() -> str:
    sections = [
        "# Output formats and their mappings\n\n"
        "Generated by `python -m seaudit.export.docs > docs/formats.md` from the tables in "
        "the code; do not edit by hand.\n",
        formats_section(),
        layouts_section(),
        status_section(),
        parquet_section(),
        ocsf_section(),
        ecs_section(),
    ]
    for module_name in dict.fromkeys(FORMAT_MODULES.values()):
        module = importlib.import_module(module_name)
        if hasattr(module, "mapping_doc"):
            sections.append(module.mapping_doc())
    return "\n".join(s.rstrip("\n") + "\n" for s in sections)


def main() -> int:
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
