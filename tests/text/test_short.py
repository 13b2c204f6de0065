"""The non-detailed codec: round trips for every layout, padding, Windows values, free text,
ambiguity warnings, and one regression test per bug found."""

from __future__ import annotations

from seaudit.text.short import parse_short


def test_spaced_account_names_are_not_stretched_over_the_next_column() -> None:
    # bug: the 0.5 discount of a spaced domain applied to a name of any length, so the user
    # "NT AUTHORITY\NETWORK SERVICE" swallowed the next name and the trace was cut wrongly
    line = ("07 Oct 2018 16:47:10 W TRACE NT AUTHORITY\\NETWORK SERVICE DOMAIN_NAME\\computer "
            "NT AUTHORITY\\NETWORK SERVICE SPECIALPGM SBIN_CRON 326 PROCESS > kill")
    r = parse_short(line, platform="windows")
    assert r.user == "NT AUTHORITY\\NETWORK SERVICE"
    assert r.real_uid == "DOMAIN_NAME\\computer"
    assert r.real_user == "NT AUTHORITY\\NETWORK SERVICE"
    assert (r.class_, r.resource, r.stage, r.trace) == ("SPECIALPGM", "SBIN_CRON", 326,
                                                        "PROCESS > kill")
    assert r.warnings == ()


def test_a_spaced_domain_does_not_excuse_further_spaces() -> None:
    # same bug: "NT AUTHORITY\SYSTEM DOMAIN\user USER_DIR" cost as little as the name alone
    line = ("09 Apr 2027 14:44:32 W TRACE DOMAIN\\user NT AUTHORITY\\SYSTEM DOMAIN\\user "
            "USER_DIR     C:\\Documents and Settings\\john\\My Documents\\notes.txt   334 "
            "PROCESS > x")
    r = parse_short(line, platform="windows")
    assert r.real_uid == "NT AUTHORITY\\SYSTEM"
    assert r.real_user == "DOMAIN\\user"
    assert r.class_ == "USER_DIR"
    assert r.resource == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"


def test_a_network_class_line_is_not_read_as_resource_access() -> None:
    # bug: a CONNECT/TCP line with a spaced Windows program fitted resource access with one-token
    # values (cost 0) and beat the outbound network reading
    line = ("23 Aug 2029 23:34:09 D CONNECT http MACHINE\\john 3 1 computer.org "
            "C:\\Program Files\\App\\app.exe ws042.corp.example")
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
    line = ("01 Jul 2002 07:21:51 S UPDATE PROCESS MACHINE\\john 0 0 "
            "C:\\Documents and Settings\\john\\My Documents\\notes.txt computer.com "
            "chusr alice audit(all) comment('a: b [c]') (OS user)")
    r = parse_short(line)
    assert r.object == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"
    assert r.terminal == "computer.com"
    assert r.command == "chusr alice audit(all) comment('a: b [c]')"
    assert (r.command_type, r.audit_flags) == ("Modify user", "(OS user)")


def test_a_spaced_path_is_not_cut_after_its_first_word() -> None:
    # bug: "C:\Program Files\App\app.exe HKEY_...\Microsoft" read as resource "C:\Program" and
    # program "Files\App\app.exe HKEY_...\Microsoft" at the same cost, silently
    line = ("21 Dec 2032 23:11:41 D GSUDO MACHINE\\Administrator Create 570 49 "
            "C:\\Program Files\\App\\app.exe HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft WS042 "
            "DOMAIN\\user")
    r = parse_short(line, platform="windows")
    assert r.resource == "C:\\Program Files\\App\\app.exe"
    assert r.program == "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft"
    assert (r.terminal, r.effective_user) == ("WS042", "DOMAIN\\user")
    line = ("25 Dec 2034 11:01:36 N USER_DIR     CORP\\svc-sql Write    20  44 "
            "C:\\Documents and Settings\\john\\My Documents\\notes.txt sshd WS042 CORP\\svc-sql")
    r = parse_short(line, platform="windows")
    assert r.resource == "C:\\Documents and Settings\\john\\My Documents\\notes.txt"
    assert r.program == "sshd"


def test_a_tie_inside_one_layout_is_reported() -> None:
    # bug: two cuts of the same layout at the same cost were chosen between silently
    # two relative names, "my file" and "app.exe": "my" + "file app.exe" costs the same
    line = ("10 Nov 2008 10:14:53 D FILE MACHINE\\john Read 69 3 my file app.exe WS042 "
            "MACHINE\\john")
    r = parse_short(line, platform="windows")
    assert (r.resource, r.program) == ("my", "file app.exe")
    assert r.warnings == ("ambiguous line: resource_access also reads with resource 'my file', "
                          "program 'app.exe'; kept the reading whose earlier values are shortest",)


def test_a_trailing_os_user_after_free_text_is_the_audit_flags_column() -> None:
    # bug (made visible by the tie warning): free text with or without the trailing "(OS user)"
    # cost the same, so the documented rule "it is the AuditFlags column" was a silent tie-break
    line = ("31 Dec 2016 22:59:59 S UPDATE GSUDO DOMAIN\\user 385 16 C:\\Program Files\\x WS042 "
            "newres PROGRAM C:\\Program Files\\App\\app.exe defaccess(x) (OS user)")
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
    line = ("30 Jun 1997 05:14:17 W TRACE nobody oracle www-data PROCESS /opt/CA/bin/seosd 3953 "
            "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe) Result: 'P'")
    r = parse_short(line)
    assert (r.platform, r.effective_user, r.real_uid) == ("unix", "oracle", None)
    line = ("30 Jun 1997 05:14:17 W TRACE nobody oracle www-data PROCESS sshd 3953 "
            "WINSERVICE > (C:\\WINDOWS\\system32\\services.exe)")
    r = parse_short(line)
    assert (r.platform, r.effective_user) == ("unix", "oracle")
    assert r.warnings == ("platform unknown: read trace in the UNIX field order (give --platform "
                          "windows if the line came from Windows)",)
