"""The non-detailed codec: round trips for every layout, padding, Windows values, free text,
ambiguity warnings, and one regression test per bug found."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import ParseError
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord
from seaudit.text.short import parse_short, render_short
from tests.strategies import PLATFORMS, Sample, lines, records


def test_spaced_account_names_are_not_stretched_over_the_next_column() -> None:
    # bug: the 0.5 discount of a spaced domain applied to a name of any length, so the user
    # "NT AUTHORITY\NETWORK SERVICE" swallowed the next name and the trace was cut wrongly
    line = (
        "07 Oct 2018 16:47:10 W TRACE NT AUTHORITY\\NETWORK SERVICE DOMAIN_NAME\\computer "
        "NT AUTHORITY\\NETWORK SERVICE SPECIALPGM SBIN_CRON 326 PROCESS > kill"
    )
    r = parse_short(line, platform="windows")
    assert r.user == "NT AUTHORITY\\NETWORK SERVICE"
    assert r.real_uid == "DOMAIN_NAME\\computer"
    assert r.real_user == "NT AUTHORITY\\NETWORK SERVICE"
    assert (r.class_, r.resource, r.stage, r.trace) == (
        "SPECIALPGM",
        "SBIN_CRON",
        326,
        "PROCESS > kill",
    )
    assert r.warnings == ()


def test_a_spaced_domain_does_not_excuse_further_spaces() -> None:
    # same bug: "NT AUTHORITY\SYSTEM DOMAIN\user USER_DIR" cost as little as the name alone
    line = (
        "09 Apr 2027 14:44:32 W TRACE DOMAIN\\user NT AUTHORITY\\SYSTEM DOMAIN\\user "
        "USER_DIR     C:\\Documents and Settings\\john\\My Documents\\notes.txt   334 "
        "PROCESS > x"
    )
    r = parse_short(line, platform="windows")
    assert r.real_uid == "NT AUTHORITY\\SYSTEM"
    assert r.real_user == "DOMAIN\\user"
    assert r.class_ == "USER_DIR"
    assert r.resource == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"


def test_a_network_class_line_is_not_read_as_resource_access() -> None:
    # bug: a CONNECT/TCP line with a spaced Windows program fitted resource access with one-token
    # values (cost 0) and beat the outbound network reading
    line = (
        "23 Aug 2029 23:34:09 D CONNECT http MACHINE\\john 3 1 computer.org "
        "C:\\Program Files\\App\\app.exe ws042.corp.example"
    )
    r = parse_short(line)
    assert r.event == "outbound_network"
    assert (r.service, r.user, r.host) == ("http", "MACHINE\\john", "computer.org")
    assert (r.program, r.terminal) == ("C:\\Program Files\\App\\app.exe", "ws042.corp.example")


def test_a_program_class_is_still_a_resource_access_class() -> None:
    # PROGRAM is claimed by untrust for status U only: with P it is a resource class
    line = "01 Mar 2020 10:00:00 P PROGRAM root Execute 59 3 /usr/bin/vi /bin/bash pts/1 root"
    assert parse_short(line).event == "resource_access"
    line = "01 Mar 2020 10:00:00 U PROGRAM seoswd 1 0 /usr/bin/vi"
    assert parse_short(line).event == "untrust"


def test_an_admin_object_with_spaces_is_not_cut_into_the_command() -> None:
    # bug: a Command not starting with a selang verb cost only 3, less than a 4-token Object
    # path, so the Object was cut after its first word and the rest became the Command
    line = (
        "01 Jul 2002 07:21:51 S UPDATE PROCESS MACHINE\\john 0 0 "
        "C:\\Documents and Settings\\john\\My Documents\\notes.txt computer.com "
        "chusr alice audit(all) comment('a: b [c]') (OS user)"
    )
    r = parse_short(line)
    assert r.object == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"
    assert r.terminal == "computer.com"
    assert r.command == "chusr alice audit(all) comment('a: b [c]')"
    assert (r.command_type, r.audit_flags) == ("Modify user", "(OS user)")


def test_a_spaced_path_is_not_cut_after_its_first_word() -> None:
    # bug: "C:\Program Files\App\app.exe HKEY_...\Microsoft" read as resource "C:\Program" and
    # program "Files\App\app.exe HKEY_...\Microsoft" at the same cost, silently
    line = (
        "21 Dec 2032 23:11:41 D GSUDO MACHINE\\Administrator Create 570 49 "
        "C:\\Program Files\\App\\app.exe HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft WS042 "
        "DOMAIN\\user"
    )
    r = parse_short(line, platform="windows")
    assert r.resource == "C:\\Program Files\\App\\app.exe"
    assert r.program == "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft"
    assert (r.terminal, r.effective_user) == ("WS042", "DOMAIN\\user")
    line = (
        "25 Dec 2034 11:01:36 N USER_DIR     CORP\\svc-sql Write    20  44 "
        "C:\\Documents and Settings\\john\\My Documents\\notes.txt sshd WS042 CORP\\svc-sql"
    )
    r = parse_short(line, platform="windows")
    assert r.resource == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"
    assert r.program == "sshd"


def test_a_tie_inside_one_layout_is_reported() -> None:
    # bug: two cuts of the same layout at the same cost were chosen between silently
    # two relative names, "my file" and "app.exe": "my" + "file app.exe" costs the same
    line = "10 Nov 2008 10:14:53 D FILE MACHINE\\john Read 69 3 my file app.exe WS042 MACHINE\\john"
    r = parse_short(line, platform="windows")
    assert (r.resource, r.program) == ("my", "file app.exe")
    assert r.warnings == (
        "ambiguous line: resource_access also reads with resource 'my file', "
        "program 'app.exe'; kept the reading whose earlier values are shortest",
    )


def test_a_trailing_os_user_after_free_text_is_the_audit_flags_column() -> None:
    # bug (made visible by the tie warning): free text with or without the trailing "(OS user)"
    # cost the same, so the documented rule "it is the AuditFlags column" was a silent tie-break
    line = (
        "31 Dec 2016 22:59:59 S UPDATE GSUDO DOMAIN\\user 385 16 C:\\Program Files\\x WS042 "
        "newres PROGRAM C:\\Program Files\\App\\app.exe defaccess(x) (OS user)"
    )
    r = parse_short(line)
    assert r.command == "newres PROGRAM C:\\Program Files\\App\\app.exe defaccess(x)"
    assert r.audit_flags == "(OS user)"
    assert r.warnings == ()
    # in a trace the AuditFlags column stands before the text: a trailing "(OS user)" is text
    r = parse_short("03 Nov 2008 10:38:47 P TRACE root john root FILE /tmp/f 55 FILE > (OS user)")
    assert (r.trace, r.audit_flags, r.warnings) == ("FILE > (OS user)", "", ())


def test_free_text_is_no_platform_clue() -> None:
    # bug: a UNIX trace whose text quoted a Windows path was read in the Windows field order
    # (real UID instead of effective user), silently
    line = (
        "30 Jun 1997 05:14:17 W TRACE nobody oracle www-data PROCESS /opt/CA/bin/seosd 3953 "
        "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe) Result: 'P'"
    )
    r = parse_short(line)
    assert (r.platform, r.effective_user, r.real_uid) == ("unix", "oracle", None)
    line = (
        "30 Jun 1997 05:14:17 W TRACE nobody oracle www-data PROCESS sshd 3953 "
        "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe)"
    )
    r = parse_short(line)
    assert (r.platform, r.effective_user) == ("unix", "oracle")
    assert r.warnings == (
        "platform unknown: read trace in the UNIX field order (give --platform "
        "windows if the line came from Windows)",
    )


# ---------------------------------------------------------------------------------------------
# round trips


@pytest.mark.parametrize("event", EVENT_IDS)
@given(data=st.data())
def test_parse_of_render_is_the_record(event: str, data: st.DataObject) -> None:
    sample = data.draw(lines(event, detailed=False, early=True))
    record = parse_short(sample.text, platform=sample.platform)
    assert record == sample.record
    assert record.warnings == ()


@pytest.mark.parametrize("event", EVENT_IDS)
@given(data=st.data())
def test_render_of_parse_is_the_line(event: str, data: st.DataObject) -> None:
    sessionid = data.draw(st.booleans(), "sessionid")
    padded = data.draw(st.booleans(), "padded")
    sample = data.draw(lines(event, detailed=False, sessionid=sessionid, padded=padded, early=True))
    record = parse_short(sample.text, platform=sample.platform)
    assert render_short(record, sessionid=sessionid, padded=padded) == sample.text


@pytest.mark.parametrize("platform", PLATFORMS)
@given(data=st.data())
def test_padded_lines_read_as_plain_ones(platform: str, data: st.DataObject) -> None:
    record = data.draw(records(platform=platform))
    plain = render_short(record, sessionid=True)
    padded = render_short(record, sessionid=True, padded=True)
    assert (
        parse_short(padded, platform=record.platform)
        == parse_short(plain, platform=record.platform)
        == record
    )


@given(sample=lines("trace", "windows", detailed=False))
def test_without_a_platform_a_windows_trace_is_read_from_its_clues_or_warns(
    sample: Sample,
) -> None:
    record = parse_short(sample.text)
    if record.platform == "windows":
        assert record == sample.record
    else:
        assert record.warnings, record


@given(record=records())
def test_a_line_with_trailing_spaces_and_crlf_reads_the_same(record: AuditRecord) -> None:
    line = render_short(record, sessionid=True) + "   \r\n"
    assert parse_short(line, platform=record.platform) == record


# ---------------------------------------------------------------------------------------------
# hand-written lines: padding, Windows values, free text, ambiguity

PADDED = (
    "18 Nov 2008 15:23:56 D FILE         admabc 4922ae61:00000132 Read    69   3 /tmp/one"
    "             /usr/local/bin/tcsh localhost (OS user) admabc"
)


def test_column_padded_resource_access() -> None:
    r = parse_short(PADDED)
    assert (r.event, r.class_, r.user, r.session_id, r.access) == (
        "resource_access",
        "FILE",
        "admabc",
        "4922ae61:00000132",
        "Read",
    )
    assert (r.stage, r.reason, r.resource, r.program, r.terminal) == (
        69,
        3,
        "/tmp/one",
        "/usr/local/bin/tcsh",
        "localhost",
    )
    assert (r.audit_flags, r.effective_user, r.platform) == ("(OS user)", "admabc", "unix")
    assert r.warnings == ()
    assert render_short(r, sessionid=True, padded=True) == PADDED


def test_padding_separates_a_spaced_windows_path_from_the_next_column() -> None:
    line = (
        "05 Nov 2008 15:45:12 P FILE         NT AUTHORITY\\SYSTEM Read    69   3 "
        "C:\\Program Files\\App\\app.exe   C:\\Windows\\explorer.exe WS042 "
        "NT AUTHORITY\\SYSTEM (OS user)"
    )
    r = parse_short(line)
    assert (r.user, r.effective_user) == ("NT AUTHORITY\\SYSTEM", "NT AUTHORITY\\SYSTEM")
    assert (r.resource, r.program) == (
        "C:\\Program Files\\App\\app.exe",
        "C:\\Windows\\explorer.exe",
    )
    assert (r.audit_flags, r.platform) == ("(OS user)", "windows")


def test_windows_login_with_domain_user_and_spaced_program() -> None:
    line = (
        "28 Oct 2008 12:15:01 D LOGIN CORP\\alice 4922ae61:00000132 8 2 WS042 "
        "C:\\Program Files\\CA\\AccessControl\\bin\\selang.exe (OS user)"
    )
    r = parse_short(line)
    assert (r.event, r.user, r.session_id, r.stage, r.reason) == (
        "login",
        "CORP\\alice",
        "4922ae61:00000132",
        8,
        2,
    )
    assert r.program == "C:\\Program Files\\CA\\AccessControl\\bin\\selang.exe"
    assert (r.terminal, r.audit_flags, r.stage_message) == (
        "WS042",
        "(OS user)",
        "Password validity checkings",
    )


def test_admin_command_with_spaces_colons_and_brackets() -> None:
    command = "chusr alice comment('on call: [ops] (night)') audit(all)"
    line = f"05 Nov 2008 15:45:12 F UPDATE USER root 322 2 alice tty1 {command}"
    r = parse_short(line)
    assert (r.event, r.status, r.class_, r.user, r.object) == (
        "db_admin",
        "F",
        "USER",
        "root",
        "alice",
    )
    assert (r.command, r.command_type, r.audit_flags) == (command, "Modify user", "")
    assert r.stage_message == "There is no rule allowing this operation"


def test_unknown_codes_and_unknown_commands_still_parse() -> None:
    r = parse_short("05 Nov 2008 15:45:12 S UPDATE FILE root 9999 77 x tty1 showres FILE x")
    assert (r.stage, r.reason, r.stage_message) == (9999, 77, None)
    assert r.command_type == "Administrative command"


def test_every_status_letter_of_the_login_family_picks_its_event() -> None:
    base = "28 Oct 2008 12:15:01 {} LOGIN root 49 2 tty1 /bin/login"
    for letter, event in (
        ("E", "login_enabled"),
        ("I", "login_disabled"),
        ("A", "password_attempt"),
    ):
        assert parse_short(base.format(letter)).event == event
    logout = parse_short("28 Oct 2008 12:15:01 O LOGIN root 49 2 tty1")
    assert (logout.event, logout.stage_message) == (
        "logout",
        "Logout detected after last process terminated",
    )


def test_a_line_that_fits_several_layouts_says_so() -> None:
    r = parse_short("28 Oct 2008 12:15:01 C LOGIN root 49 2 tty1 /bin/login")
    assert r.event == "login"
    assert r.warnings == (
        "ambiguous line: also reads as login_enabled, login_disabled, "
        "password_attempt; chose login (table order)",
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("", "too short"),
        ("31 Feb 2009 15:37:43 D TCP telnet root 408 2 h p t", "not a valid date"),
        ("21 Foo 2009 15:37:43 D TCP telnet root 408 2 h p t", "not a valid date"),
        ("21 Jan 2009 25:37:43 D TCP telnet root 408 2 h p t", "not a valid date"),
        ("21 Jan 2009 15:37:43 Q TCP telnet root 408 2 h p t", "unknown status letter"),
        ("21 Jan 2009 15:37:43 D BOGUS", "no event layout fits"),
        ("21 Jan 2009 15:37:43 D", "too short"),
        ("21 Jan 2009 15:37:43 D LOGIN root x y tty1 prog", "no event layout fits"),
    ],
)
def test_bad_lines_raise_parse_error_with_the_reason(line: str, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse_short(line, source="audit.txt", lineno=7)
    assert reason in caught.value.reason
    assert str(caught.value).startswith("audit.txt:7: ")


def test_control_characters_are_escaped_when_rendered() -> None:
    record = parse_short("28 Oct 2008 12:15:01 P LOGIN root 59 2 tty1 /bin/login").replace(
        terminal="tty\x1b[31m1\n"
    )
    line = render_short(record)
    assert "\x1b" not in line and "\n" not in line
    assert "tty\\x1b[31m1\\x0a" in line


def test_status_session_and_timestamp_are_escaped_too() -> None:
    """Every piece of the line: a record written through the API may hold anything."""
    record = parse_short("28 Oct 2008 12:15:01 P LOGIN root 59 2 tty1 /bin/login").replace(
        status="D\n", session_id="4922ae61:\x1b]0;x\x07"
    )
    line = render_short(record, sessionid=True)
    assert line == (
        "28 Oct 2008 12:15:01 D\\x0a LOGIN root 4922ae61:\\x1b]0;x\\x07 59 2 tty1 /bin/login"
    )
    odd = record.replace(status="P", timestamp="2008-00-28T12:15:01\r")
    assert render_short(odd) == "2008-00-28T12:15:01\\x0d P LOGIN root 59 2 tty1 /bin/login"
    spaced = record.replace(status="P", timestamp="2008-10-28 12:15:01")
    assert render_short(spaced).startswith("28 Oct 2008 12:15:01 P LOGIN ")
