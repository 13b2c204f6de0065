"""The recorded real log (tests/corpus/auditd/basic.log, made by tests.agent.actions under a
fresh login uid) becomes the records the actions call for, and nothing else of theirs."""

from __future__ import annotations

import json
from pathlib import Path

from seaudit.agent.pipeline import Pipeline
from seaudit.agent.run import ListSink, replay
from seaudit.schema.record import AuditRecord

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"


def _records(name: str = "basic") -> tuple[list[AuditRecord], dict[str, object]]:
    sink = ListSink()
    pipeline = Pipeline(sink, node=None, source=f"{name}.log")
    replay(pipeline, [str(CORPUS / f"{name}.log")])
    meta = json.loads((CORPUS / f"{name}.json").read_text())
    return sink.take(), meta


def test_each_action_makes_its_record() -> None:
    records, meta = _records()
    watched = f"{meta['workdir']}/watched"
    mine = [r for r in records if r.user == str(meta["loginuid"])]
    by = {(r.event, r.class_, r.status, r.resource, r.access) for r in mine}
    assert ("resource_access", "FILE", "P", f"{watched}/secret.txt", "Read") in by
    assert ("resource_access", "FILE", "P", f"{watched}/notes.txt", "Write") in by
    assert ("resource_access", "FILE", "D", f"{watched}/secret.txt", "Read") in by
    assert ("resource_access", "SURROGATE", "P", "USER.nobody", "Surrogate") in by
    assert ("resource_access", "PROGRAM", "P", "/usr/bin/true", "Execute") in by
    su = [r for r in mine if r.program == "/usr/bin/su" and r.class_ == "SURROGATE"]
    assert [(r.status, r.resource, r.effective_user) for r in su] == [
        ("P", "USER.nobody", "nobody")
    ]  # from su's USER_START; su's own setuid calls make none
    assert not [r for r in mine if r.class_ == "PROGRAM" and r.status == "F"]  # PATH search
    outbound = [r for r in mine if r.event == "outbound_network"]
    assert [(r.host, r.service) for r in outbound] == [("127.0.0.1", str(meta["port"]))]
    inbound = [r for r in records if r.event == "inbound_network"]
    assert [(r.host, r.service) for r in inbound] == [("127.0.0.1", str(meta["port"]))]
    logins = [(r.event, r.status, r.user, r.terminal) for r in records if r.event_name == "LOGIN"]
    assert logins == [
        ("password_attempt", "A", "seaudit-test", "ssh"),
        ("login", "P", "seaudit-test", "ssh"),
        ("logout", "O", "seaudit-test", "ssh"),
    ]


def test_a_denial_names_the_effective_user_and_the_session() -> None:
    records, _ = _records()
    (denied,) = [r for r in records if r.status == "D"]
    assert denied.effective_user == "nobody"
    assert denied.stage == 17
    login = next(r for r in records if r.event == "login")
    assert denied.session_id is not None and denied.session_id == login.session_id
    head, tail = denied.session_id.split(":")
    assert len(head) == len(tail) == 8 and int(tail, 16) > 0


def test_a_dns_connect_is_not_a_connection() -> None:
    records, _ = _records()
    assert all(r.service not in ("53", "domain") for r in records)


def test_every_record_renders_and_parses_back() -> None:
    from seaudit.text.short import parse_short, render_short

    records, _ = _records()
    assert records
    for record in records:
        line = render_short(record, sessionid=True)
        back = parse_short(line)
        assert render_short(back, sessionid=True) == line
        assert (back.event, back.status, back.user, back.resource) == (
            record.event,
            record.status,
            record.user,
            record.resource,
        )


def test_a_program_run_carries_its_arguments_decoded() -> None:
    """The odd stage's program run (tests.agent.actions.ODD_ARGS: hex-encoded arguments and
    one split into aN[i] pieces) and sudo's, in the log auditd rotated."""
    import shlex

    from seaudit.agent.decode import MAX_COMMAND
    from tests.agent.actions import ODD_ARGS

    records, meta = _records("rotated")
    runs = [r for r in records if r.class_ == "PROGRAM" and r.user == str(meta["loginuid"])]
    args = ["/bin/true", *(a.decode("utf-8", "surrogateescape") for a in ODD_ARGS)]
    whole = shlex.join(args)
    (odd,) = [r for r in runs if r.command and r.command.startswith("/bin/true 'two words'")]
    assert odd.command == f"{whole[:MAX_COMMAND]} [cut: {len(whole) - MAX_COMMAND} more characters]"
    assert "/bin/true 'by sudo'" in {r.command for r in runs}
    assert "sudo -n -u nobody /bin/true 'by sudo'" in {r.command for r in runs}
    sudo = [(r.class_, r.resource) for r in records if r.program == "/usr/bin/sudo"]
    assert ("SUDO", "/bin/true by sudo") in sudo and ("SURROGATE", "USER.nobody") in sudo


def test_a_rotated_log_is_replayed_whole() -> None:
    records, _ = _records("rotated")
    assert [r.event for r in records if r.event in ("startup", "shutdown")] == [
        "startup",
        "shutdown",
    ]  # auditd started before the rotation (rotated.log.1) and stopped after it
    assert any(r.event == "login" for r in records)  # from the first part
    assert any(r.command and "two words" in r.command for r in records)  # the second
