"""The six examples of the seed pages (the law): every field of the parsed record, its warnings,
and the positional part rendered back character for character.

Decisions (issue 2): the positional value stands and a disagreeing label becomes a warning;
``audit_flags`` comes from the detailed label; ``stage_message`` is the label's text as shown.
"""

from __future__ import annotations

import pytest

from seaudit.text.detailed import find_labels, parse_detailed, render_detailed
from seaudit.text.short import parse_short, render_short
from tests.shared import shared_path


def seed_lines() -> dict[str, str]:
    """The example record lines of the seed pages, by page number (002 has two)."""
    found: dict[str, str] = {}
    for page in sorted(shared_path("spec", "seeds").glob("*.txt")):
        examples = [
            ln.rstrip("\n")
            for ln in page.read_text("utf-8").splitlines()
            if ln[:2].isdigit() and " 20" in ln[:12]
        ]
        for n, line in enumerate(examples):
            found[page.name[:3] + ("" if len(examples) == 1 else "ab"[n])] = line
    return found


#: the lines as printed on the seed pages (a copy, so the test runs without the spec tree)
LINES = {
    "000": "21 Jan 2009 15:37:43 D TCP telnet root 408 2 computer.org /usr/bin/telnet "
    "computer.com Event type: Outbound network connection Status: Denied Host name: computer.org "
    "Service:telnet Program: /usr/bin/telnet User name: Administrator Terminal: computer.com "
    "User name: root Date: 21 Jan 2009 Time: 15:37:43 Details: Default access of TCP service "
    "User Logon Session ID: 4977248c:0000012a5248 Audit flags: AC database user",
    "001": "18 Nov 2008 15:23:56 D FILE admabc 4922ae61:00000132 Read 69 3 /tmp/one "
    "/usr/local/bin/tcsh localhost admabc Event type: Resource access Status: Denied Class: FILE "
    "Resource: /tmp/one Access: Read User name: admabc Terminal: localhost Program: "
    "/usr/local/bin/tcsh Date: 18 Nov 2008 Time: 15:23 Details: No Step that allowed access "
    "User Logon Session ID: 4922ae61:00000132 Audit flags: AC database user Effective user name: "
    "admabc",
    "002a": "03 Nov 2008 10:38:47 P TRACE root 490daddd:00000140 john root FILE "
    "/home/jon/file.txt 55 FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0(/home/john/file.txt "
    "Event type: Trace message on a user Date: 03 Nov 2008 Time: 10:38 Details: Resource ACL "
    "check Trace information: FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 "
    "rv=0(/home/john/file.txt Class: FILE Resource: /home/admin/file.txt User name: root Real "
    "user ID: 108 Real user name: john Effective user ID: 108 Effective user name: root User "
    "Logon Session ID: 490daddd:00000140 Audit flags: AC database user",
    "002b": "10 Nov 2008 10:14:53 P TRACE MACHINE\\Administrator 00000000:172ef9ef MACHINE\\john "
    "MACHINE\\john WINSERVICE _default 1059 WINSERVICE > (C:\\WINDOWS\\system32\\services.exe) "
    "Result: 'P' [stage=1059 gstag=1059 ACEEH=6 rv=0x0 (WebClient)] Why? Default record universal "
    "access check Event type: Trace message on a user Date: 10 Nov 2008 Time: 10:14 Details: "
    "Default record universal access check Trace information: WINSERVICE > "
    "(C:\\WINDOWS\\system32\\services.exe) Result: 'P' [stage=1059 gstag=1059 ACEEH=6 rv=0x0 "
    "(WebClient)] Why? Default record universal access check Class: WINSERVICE Resource: _default "
    "User name: MACHINE\\Administrator Real user name: MACHINE\\john User Logon Session ID: "
    "00000000:172ef9ef Audit flags:AC database user",
    "003": "05 Nov 2008 15:45:12 S UPDATE FILE DOMAIN_NAME\\computer 305 0 dfdok computer.com cr "
    "file dfdok defacc(r) Event type: Security database administration Command type: Modify "
    "resource Status: Successful Administrator: DOMAIN_NAME\\computer Class: FILE Object: dfdok "
    "Terminal: computer.com Date: 05 Nov 2008 Time: 15:45 Details: Command successful for ADMIN "
    "user. Command: cr file dfdok defacc(r) Audit flags: AC database user",
    "004": "28 Oct 2008 12:15:01 P LOGIN root 49047159:0000034b 59 2 _CRONJOB_ SBIN_CRON Event: "
    "Login event Status: Permitted UserName: root Terminal: _CRONJOB_ Program: SBIN_CRON Date: 28 "
    "Oct 2008 Time: 12:15 Details: Resource UACC check SessionID: 49047159:0000034b AuditFlags: AC "
    "database user",
}

EXPECTED: dict[str, tuple[dict[str, object], tuple[str, ...]]] = {
    "000": (
        {
            "event": "outbound_network",
            "timestamp": "2009-01-21T15:37:43",
            "status": "D",
            "class": "TCP",
            "user": "root",
            "session_id": "4977248c:0000012a5248",
            "stage": 408,
            "stage_message": "Default access of TCP service",
            "reason": 2,
            "program": "/usr/bin/telnet",
            "terminal": "computer.com",
            "host": "computer.org",
            "service": "telnet",
            "audit_flags": "AC database user",
        },
        (
            "label 'User name' says 'Administrator' but the positional part says 'root'; "
            "kept 'root'",
        ),
    ),
    "001": (
        {
            "event": "resource_access",
            "timestamp": "2008-11-18T15:23:56",
            "status": "D",
            "class": "FILE",
            "user": "admabc",
            "session_id": "4922ae61:00000132",
            "access": "Read",
            "stage": 69,
            "stage_message": "No Step that allowed access",
            "reason": 3,
            "resource": "/tmp/one",
            "program": "/usr/local/bin/tcsh",
            "terminal": "localhost",
            "effective_user": "admabc",
            "audit_flags": "AC database user",
            "platform": "unix",
        },
        (),
    ),
    "002a": (
        {
            "event": "trace",
            "timestamp": "2008-11-03T10:38:47",
            "status": "P",
            "event_name": "TRACE",
            "class": "FILE",
            "user": "root",
            "session_id": "490daddd:00000140",
            "stage": 55,
            "stage_message": "Resource ACL check",
            "resource": "/home/jon/file.txt",
            "effective_user": "john",
            "effective_uid": 108,
            "real_user": "root",
            "real_uid": 108,
            "audit_flags": "AC database user",
            "trace": "FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0(/home/john/file.txt",
            "platform": "unix",
        },
        (
            "label 'Resource' says '/home/admin/file.txt' but the positional part says "
            "'/home/jon/file.txt'; kept '/home/jon/file.txt'",
            "label 'Real user name' says 'john' but the positional part says 'root'; kept 'root'",
            "label 'Effective user name' says 'root' but the positional part says 'john'; "
            "kept 'john'",
        ),
    ),
    "002b": (
        {
            "event": "trace",
            "timestamp": "2008-11-10T10:14:53",
            "status": "P",
            "event_name": "TRACE",
            "class": "WINSERVICE",
            "user": "MACHINE\\Administrator",
            "session_id": "00000000:172ef9ef",
            "stage": 1059,
            "stage_message": "Default record universal access check",
            "resource": "_default",
            "real_user": "MACHINE\\john",
            "real_uid": "MACHINE\\john",
            "audit_flags": "AC database user",
            "trace": "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe) Result: 'P' [stage=1059 "
            "gstag=1059 ACEEH=6 rv=0x0 (WebClient)] Why? Default record universal access check",
            "platform": "windows",
        },
        (),
    ),
    "003": (
        {
            "event": "db_admin",
            "timestamp": "2008-11-05T15:45:12",
            "status": "S",
            "event_name": "UPDATE",
            "class": "FILE",
            "user": "DOMAIN_NAME\\computer",
            "stage": 305,
            "stage_message": "Command successful for ADMIN user.",
            "reason": 0,
            "object": "dfdok",
            "terminal": "computer.com",
            "audit_flags": "AC database user",
            "command": "cr file dfdok defacc(r)",
            "command_type": "Modify resource",
        },
        (),
    ),
    "004": (
        {
            "event": "login",
            "timestamp": "2008-10-28T12:15:01",
            "status": "P",
            "event_name": "LOGIN",
            "user": "root",
            "session_id": "49047159:0000034b",
            "stage": 59,
            "stage_message": "Resource UACC check",
            "reason": 2,
            "program": "SBIN_CRON",
            "terminal": "_CRONJOB_",
            "audit_flags": "AC database user",
        },
        (),
    ),
}


def test_the_copies_are_the_seed_pages_lines() -> None:
    assert seed_lines() == LINES


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_every_field_of_the_seed_example(seed: str) -> None:
    fields, warnings = EXPECTED[seed]
    record = parse_detailed(LINES[seed])
    assert record.to_dict() == fields
    assert record.warnings == warnings


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_the_positional_part_renders_back_character_for_character(seed: str) -> None:
    line = LINES[seed]
    positional = line[: find_labels(line)].rstrip(" ")
    record = parse_detailed(line)
    shows_session = record.session_id is not None and record.session_id in positional
    assert render_short(record, sessionid=shows_session) == positional
    assert render_detailed(record, sessionid=shows_session).startswith(positional + " ")


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_the_positional_part_alone_gives_the_same_positional_fields(seed: str) -> None:
    line = LINES[seed]
    positional = line[: find_labels(line)].rstrip(" ")
    detailed = parse_detailed(line)
    short = parse_short(positional, platform=detailed.platform)
    for key, value in short.to_dict().items():
        if key not in ("audit_flags", "stage_message"):
            assert detailed.get(key) == value, key
    assert short.audit_flags == ""  # a database user: the column is empty


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_the_detailed_rendering_reads_back_to_the_same_record(seed: str) -> None:
    record = parse_detailed(LINES[seed])
    for block in (False, True):
        again = parse_detailed(render_detailed(record, block=block).replace("\n", " "))
        assert again == record
        assert again.warnings == ()


def test_seed_003_command_type_is_derived_from_the_short_command_form() -> None:
    line = LINES["003"]
    record = parse_short(line[: find_labels(line)])
    assert record.command_type == "Modify resource"
    assert record.stage_message == "Command allowed for ADMIN user"  # the `seaudit -t` text
