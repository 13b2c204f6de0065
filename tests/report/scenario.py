"""A small trail with known answers for every report (times are the endpoint's own)."""

from __future__ import annotations

from seaudit.schema.record import AuditRecord, Origin


def _r(n: int, node: str = "web01", **fields: object) -> AuditRecord:
    fields.setdefault("status", "P")
    record = AuditRecord(**fields)  # type: ignore[arg-type]
    return record.replace(origin=Origin("scenario.txt", n, None, node))


def scenario() -> list[AuditRecord]:
    out: list[AuditRecord] = []

    def add(**fields: object) -> None:
        out.append(_r(len(out) + 1, **fields))

    add(event="startup", timestamp="2024-03-04T06:00:00", status="M", service="seosd")
    # eve: five wrong passwords in four minutes from tty9 (a burst); bob: four, spread out
    for minute in range(5):
        add(
            event="password_attempt",
            timestamp=f"2024-03-04T09:0{minute}:00",
            status="A",
            user="eve",
            terminal="tty9",
            program="/bin/login",
            stage=8,
            reason=1,
        )
    for hour in range(10, 14):
        add(
            event="login",
            timestamp=f"2024-03-04T{hour}:00:00",
            status="D",
            user="bob",
            terminal="tty1",
            program="/bin/login",
            stage=5,
            reason=1,
        )
    add(
        event="login",
        timestamp="2024-03-04T09:30:00",
        user="alice",
        terminal="tty1",
        program="/bin/login",
        stage=19,
        reason=1,
    )
    add(
        event="login",
        timestamp="2024-03-05T09:30:00",
        user="alice",
        terminal="ws2",
        program="/usr/sbin/sshd",
        stage=19,
        reason=1,
    )
    # denials: one in working hours, one at 23:00, one on a Saturday (2024-03-09)
    add(
        event="resource_access",
        timestamp="2024-03-04T11:00:00",
        status="D",
        user="bob",
        class_="FILE",
        resource="/etc/shadow",
        access="Read",
        program="/bin/cat",
        stage=59,
        reason=2,
        terminal="tty1",
    )
    add(
        event="resource_access",
        timestamp="2024-03-04T23:00:00",
        status="D",
        user="bob",
        class_="FILE",
        resource="/etc/shadow",
        access="Read",
        program="/bin/cat",
        stage=59,
        reason=2,
        terminal="tty1",
    )
    add(
        event="resource_access",
        timestamp="2024-03-09T12:00:00",
        status="D",
        user="mallory",
        class_="FILE",
        resource="/data/cardholder/pan.db",
        access="Read",
        program="/bin/cat",
        stage=55,
        reason=2,
        terminal="tty3",
    )
    # warning mode: carol would have been denied twice on /etc/hosts
    for _ in range(2):
        add(
            event="resource_access",
            timestamp="2024-03-04T12:00:00",
            status="W",
            user="carol",
            class_="FILE",
            resource="/etc/hosts",
            access="Write",
            program="/usr/bin/vi",
            stage=55,
            reason=2,
            terminal="tty4",
        )
    # administration: one success, one failure, one denial
    add(
        event="db_admin",
        timestamp="2024-03-04T13:00:00",
        status="S",
        user="admin1",
        class_="USER",
        object="dave",
        command="newusr dave",
        command_type="Add user",
        stage=305,
    )
    add(
        event="db_admin",
        timestamp="2024-03-04T13:05:00",
        status="F",
        user="admin1",
        class_="FILE",
        object="/x",
        command="rr FILE /x",
        command_type="Remove resource",
        stage=305,
    )
    add(
        event="db_admin",
        timestamp="2024-03-04T13:10:00",
        status="D",
        user="bob",
        class_="USER",
        object="root",
        command="rmusr root",
        command_type="Remove user",
        stage=302,
    )
    # surrogate: bob became root once, was refused twice
    add(
        event="resource_access",
        timestamp="2024-03-04T14:00:00",
        status="P",
        user="bob",
        class_="SURROGATE",
        resource="USER.root",
        access="Execute",
        program="/bin/su",
        stage=55,
        reason=2,
        terminal="tty1",
    )
    for minute in (1, 2):
        add(
            event="resource_access",
            timestamp=f"2024-03-04T14:0{minute}:00",
            status="D",
            user="bob",
            class_="SURROGATE",
            resource="USER.root",
            access="Execute",
            program="/bin/su",
            stage=55,
            reason=2,
            terminal="tty1",
        )
    # network: telnet from h1 denied twice, ssh permitted once
    for status in ("D", "D"):
        add(
            event="inbound_network",
            timestamp="2024-03-04T15:00:00",
            status=status,
            service="telnet",
            host="h1",
            program="/usr/sbin/telnetd",
            stage=55,
            reason=2,
        )
    add(
        event="inbound_network",
        timestamp="2024-03-04T15:00:00",
        service="ssh",
        host="h1",
        program="/usr/sbin/sshd",
        stage=55,
        reason=2,
    )
    # the daemon stops for 30 minutes
    add(event="shutdown", timestamp="2024-03-04T16:00:00", status="M", service="seosd")
    add(event="startup", timestamp="2024-03-04T16:30:00", status="M", service="seosd")
    return out
