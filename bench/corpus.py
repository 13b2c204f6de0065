"""A seeded generator of realistic mixed seaudit text (all fourteen event types, mostly
resource access and logins, some session IDs, ``(OS user)`` flags, Windows lines, a few detailed
records and junk lines), for the benchmark: ``python bench/corpus.py N OUT``."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator

from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import render_short
from seaudit.text.timefmt import MONTHS

USERS = ("root", "admabc", "john", "oracle", "www-data", "backup", "jenkins", "svc_app")
WIN_USERS = ("MACHINE\\Administrator", "DOMAIN\\john", "CORP\\svc_sql")
CLASSES = ("FILE", "PROGRAM", "SURROGATE", "SUDO", "TERMINAL", "PROCESS", "GSUDO")
FILES = (
    "/etc/passwd",
    "/tmp/one",
    "/home/john/file.txt",
    "/var/log/messages",
    "/etc/shadow",
    "/opt/app/conf/app.xml",
    "/usr/local/bin/tool",
)
PROGRAMS = ("/usr/bin/vi", "/usr/local/bin/tcsh", "/bin/bash", "/usr/bin/sudo", "/bin/cat")
WIN_FILES = ("C:\\Windows\\system32\\drivers\\etc\\hosts", "C:\\data\\report.xlsx")
WIN_PROGRAMS = ("C:\\Windows\\explorer.exe", "C:\\Windows\\system32\\cmd.exe")
TERMINALS = ("localhost", "computer.com", "10.0.0.12", "_CRONJOB_", "pts/3")
HOSTS = ("computer.org", "db01.example.com", "10.1.2.3")
SERVICES = ("telnet", "ssh", "ftp", "http", "smtp")
ACCESS = ("Read", "Write", "Execute", "Update", "Chdir", "Create")


def _stamp(rng: random.Random) -> str:
    year = rng.choice((2008, 2009, 2023, 2024))
    month = rng.randrange(12)
    day = rng.randint(1, 28)
    return (
        f"{year}-{month + 1:02d}-{day:02d}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:"
        f"{rng.randrange(60):02d}"
    )


def _session(rng: random.Random) -> str | None:
    return f"{rng.getrandbits(32):08x}:{rng.getrandbits(40):010x}" if rng.random() < 0.3 else None


def record(rng: random.Random) -> AuditRecord:
    """One record; the mix is weighted like a busy server's trail."""
    ts = _stamp(rng)
    pick = rng.random()
    flags = "(OS user)" if rng.random() < 0.1 else ""
    win = rng.random() < 0.1
    user = rng.choice(WIN_USERS if win else USERS)
    if pick < 0.55:
        return AuditRecord(
            event="resource_access",
            timestamp=ts,
            status=rng.choice("PDW"),
            class_=rng.choice(CLASSES),
            user=user,
            session_id=_session(rng),
            access=rng.choice(ACCESS),
            stage=rng.choice((69, 55, 8, 11)),
            reason=rng.randint(0, 5),
            resource=rng.choice(WIN_FILES if win else FILES),
            program=rng.choice(WIN_PROGRAMS if win else PROGRAMS),
            terminal=rng.choice(TERMINALS),
            audit_flags=flags,
            effective_user=user,
            platform="windows" if win else "unix",
        )
    if pick < 0.75:
        status = rng.choice("PDWOEIA")
        event = {
            "O": "logout",
            "E": "login_enabled",
            "I": "login_disabled",
            "A": "password_attempt",
        }.get(status, "login")
        extra = {} if event == "logout" else {"program": rng.choice(PROGRAMS)}
        sess = _session(rng) if event in ("login", "logout") else None
        return AuditRecord(
            event=event,
            timestamp=ts,
            status=status,
            event_name="LOGIN",
            user=user,
            session_id=sess,
            stage=rng.choice((59, 1, 2)),
            reason=rng.randint(0, 9),
            terminal=rng.choice(TERMINALS),
            audit_flags=flags,
            **extra,
        )
    if pick < 0.85:
        outbound = rng.random() < 0.5
        common = dict(
            timestamp=ts,
            status=rng.choice("PDW"),
            class_="TCP",
            service=rng.choice(SERVICES),
            stage=rng.choice((408, 409, 12)),
            reason=rng.randint(0, 3),
            host=rng.choice(HOSTS),
            program=rng.choice(PROGRAMS),
        )
        if outbound:
            return AuditRecord(
                event="outbound_network",
                user=user,
                session_id=_session(rng),
                terminal=rng.choice(TERMINALS),
                audit_flags=flags,
                **common,
            )
        return AuditRecord(event="inbound_network", **common)
    if pick < 0.9:
        return AuditRecord(
            event="trace",
            timestamp=ts,
            status="P",
            event_name="TRACE",
            user=user,
            effective_user=user,
            real_user=rng.choice(USERS),
            class_="FILE",
            resource=rng.choice(FILES),
            stage=55,
            audit_flags="",
            trace=f"FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0({rng.choice(FILES)}",
            platform="unix",
        )
    if pick < 0.94:
        obj = rng.choice(("dfdok", "users", "payroll"))
        return AuditRecord(
            event="db_admin",
            timestamp=ts,
            status=rng.choice("SF"),
            event_name="UPDATE",
            class_="FILE",
            user=user,
            stage=305,
            reason=0,
            object=obj,
            terminal=rng.choice(TERMINALS),
            command=f"cr file {obj} defacc(r)",
            audit_flags="",
        )
    if pick < 0.96:
        return AuditRecord(
            event="startup",
            timestamp=ts,
            status="M",
            event_name="START",
            service=rng.choice(("seosd", "seagent", "seoswd")),
        )
    if pick < 0.98:
        return AuditRecord(
            event="shutdown",
            timestamp=ts,
            status="M",
            event_name="SHUTDOWN",
            user=user,
            stage=1,
            service="seosd",
            audit_flags="",
        )
    if pick < 0.99:
        return AuditRecord(
            event="password_verification",
            timestamp=ts,
            status="F",
            event_name="PASSWORD",
            user=user,
            stage=rng.randint(1, 9),
            reason=0,
            audit_flags="",
        )
    return AuditRecord(
        event="untrust",
        timestamp=ts,
        status="U",
        class_="PROGRAM",
        module="seoswd",
        stage=rng.randint(1, 4),
        message_id=str(rng.randint(1, 99)),
        file=rng.choice(PROGRAMS),
    )


def lines(count: int, seed: int = 1, detailed: float = 0.0, junk: float = 0.0001) -> Iterator[str]:
    """``count`` records as non-detailed text (30% with the session ID column), a fraction
    ``detailed`` rendered detailed instead, a fraction ``junk`` replaced by junk lines."""
    rng = random.Random(seed)
    for _ in range(count):
        rec = record(rng)
        roll = rng.random()
        if roll < junk:
            yield f"{rng.randint(1, 31):02d} {rng.choice(MONTHS)} 2024 garbage line {rng.random()}"
        elif roll < junk + detailed:
            yield render_detailed(rec)
        else:
            yield render_short(rec, sessionid=rng.random() < 0.3)


def write(count: int, path: str, seed: int = 1, detailed: float = 0.0) -> int:
    """Write the corpus; returns its size in bytes."""
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        chunk: list[str] = []
        for text in lines(count, seed, detailed):
            chunk.append(text)
            if len(chunk) >= 10000:
                block = "\n".join(chunk) + "\n"
                size += len(block.encode())
                out.write(block)
                chunk.clear()
        if chunk:
            block = "\n".join(chunk) + "\n"
            size += len(block.encode())
            out.write(block)
    return size


if __name__ == "__main__":
    print(write(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1))
