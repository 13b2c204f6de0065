"""What the web tests serve: the report scenario, a run of ordinary records to page through,
and hostile records whose strings try to become markup, script, style or template code."""

from __future__ import annotations

from seaudit.schema.record import AuditRecord, Origin
from tests.report.scenario import scenario

#: values a browser must show as text, never run
HOSTILE_VALUES: tuple[str, ...] = (
    "<script>window.__pwned=1;alert('xss')</script>",
    '"><img src=x onerror="window.__pwned=1;alert(1)">',
    "<svg/onload=window.__pwned=1>",
    "javascript:window.__pwned=1",
    '<a href="javascript:alert(1)">click</a>',
    "<style>body{display:none}</style>",
    "</td></tr></table><iframe src=//127.0.0.2/x></iframe>",
    "{{ 7*7 }}{% for x in range(3) %}{{x}}{% endfor %}",
    "${7*7}<%= 7*7 %>",
    "<link rel=stylesheet href=http://127.0.0.2/x.css>",
    "' onmouseover='window.__pwned=1' x='",
    '<div hx-get="/download.csv" hx-trigger="load">htmx</div>',
    "\u202eevil\x1b[31m\x00",
)
PAGE_RUN = 130  # ordinary records, more than two pages of 50


def web_records() -> list[AuditRecord]:
    out = list(scenario())
    for i in range(PAGE_RUN):
        out.append(
            AuditRecord(
                event="resource_access",
                timestamp=f"2024-03-06T{10 + i // 60:02d}:{i % 60:02d}:00",
                status="P",
                class_="FILE",
                user="pager",
                effective_user="pager",
                audit_flags="",
                resource=f"/srv/page/{i:03d}",
                access="Read",
                program="/bin/cat",
                terminal="tty5",
                stage=69,
                reason=3,
                session_id="4922ae61:00000132",
                origin=Origin("paging.txt", i + 1, None, "web01"),
            )
        )
    for i, value in enumerate(HOSTILE_VALUES):
        out.append(
            AuditRecord(
                event="db_admin",
                timestamp="2024-03-07T08:00:00",
                status="S",
                user=value,
                class_="USER",
                object=value,
                command=value,
                command_type="Modify user",
                stage=305,
                origin=Origin(value, i + 1, value, "web01"),
            )
        )
        out.append(
            AuditRecord(
                event="trace",
                timestamp="2024-03-07T08:00:01",
                status="P",
                user=value,
                resource=value,
                program=value,
                trace=value,
                class_="FILE",
                origin=Origin("hostile.txt", i + 1, value, "web01"),
            )
        )
    return out
