from __future__ import annotations

from seaudit.agent.access import Access, Verdict, local_time, record_for
from seaudit.schema.record import AuditRecord


def _access(outcome: str) -> Access:
    return Access(
        event="resource_access",
        class_="FILE",
        resource="/etc/shadow",
        user="bob",
        access="Read",
        program="/bin/cat",
        terminal="pts/0",
        host=None,
        service=None,
        outcome=outcome,
        timestamp="2026-01-02T03:04:05",
    )


def test_without_a_policy_the_kernel_decides() -> None:
    assert (record_for(_access("denied")) or _fail()).status == "D"
    assert (record_for(_access("permitted")) or _fail()).status == "P"
    assert (record_for(_access("failed")) or _fail()).status == "F"


def test_a_policy_plugs_in_as_one_callable() -> None:
    def warn_on_shadow(access: Access) -> Verdict | None:
        return Verdict("W", 55, 3) if access.resource == "/etc/shadow" else None

    record = record_for(_access("permitted"), warn_on_shadow)
    assert record is not None and (record.status, record.stage, record.reason) == ("W", 55, 3)
    assert record_for(_access("permitted"), lambda a: None) is None


def _fail() -> AuditRecord:
    raise AssertionError("no record")


def test_fields_an_event_does_not_have_are_left_out() -> None:
    access = _access("permitted")
    inbound = Access(
        **{**_fields(access), "event": "inbound_network", "host": "10.0.0.1", "service": "ssh"}
    )
    record = record_for(inbound)
    assert record is not None
    assert record.user is None and record.resource is None and record.access is None
    assert (record.host, record.service) == ("10.0.0.1", "ssh")


def test_local_time_has_the_records_shape() -> None:
    assert len(local_time(1_700_000_000)) == len("2023-11-14T22:13:20")


def _fields(access: Access) -> dict[str, object]:
    return {name: getattr(access, name) for name in Access.__slots__}
