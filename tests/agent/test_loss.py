from __future__ import annotations

import io
from pathlib import Path

from seaudit.agent.kernel import KernelStatus
from seaudit.agent.loss import AGENT_USER, KernelWatch, SerialWatch
from seaudit.agent.lostmark import LostMarks, LostReading
from seaudit.agent.parse import EventId
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.run import ListSink, run_plugin
from seaudit.schema.record import AuditRecord


def _id(serial: int, seconds: int = 100) -> EventId:
    return EventId(None, seconds, 0, serial)


def test_a_serial_out_of_order_is_not_lost() -> None:
    w = SerialWatch(timeout=2)
    for serial in (1, 3, 2, 4):
        w.see(_id(serial))
    assert w.expire(1000) == []


def test_a_serial_that_never_comes_is_lost_after_the_timeout() -> None:
    w = SerialWatch(timeout=2)
    w.see(_id(1))
    w.see(_id(5))
    assert w.expire(101) == []
    assert w.expire(102) == [(2, 4, 100.0)]


def test_a_new_boot_is_not_a_gap() -> None:
    w = SerialWatch()
    w.see(_id(50_000_000))
    w.see(_id(1))
    assert w.expire(10**9, final=True) == []


def test_gaps_in_a_stream_become_product_error_records() -> None:
    sink = ListSink()
    pipeline = Pipeline(sink, node="web01", source="t")
    for serial in (10, 11, 15, 16):
        pipeline.feed(
            f"type=USER_ACCT msg=audit(1700000000.000:{serial}): pid=1 uid=0 auid=0 ses=1 "
            'msg=\'op=PAM:accounting acct="root" exe="/usr/sbin/cron" res=success\'',
            serial,
        )
    pipeline.finish()
    (record,) = sink.take()
    assert (record.event, record.status, record.class_, record.resource) == (
        "trace",
        "C",
        "AUDIT",
        "serial",
    )
    assert record.trace == "3 audit events lost: serials 12-14 never arrived"
    assert record.origin is not None and record.origin.node == "web01"
    assert pipeline.tally.lost == 3


def _status(lost: int, backlog: int) -> KernelStatus:
    return KernelStatus(1, 1, 0, 0, 64, lost, backlog)


def test_a_rise_of_the_kernel_lost_counter_is_reported_once() -> None:
    w = KernelWatch()
    assert w.check(_status(5, 0)) == []
    assert w.check(_status(5, 0)) == []
    (what, count, text) = w.check(_status(12, 0))[0]
    assert (what, count) == ("kernel.lost", 7)
    assert "5 -> 12" in text


def test_a_backlog_near_its_limit_is_reported_when_it_gets_there() -> None:
    w = KernelWatch()
    assert w.check(_status(0, 10)) == []
    assert [x[0] for x in w.check(_status(0, 60))] == ["kernel.backlog"]
    assert w.check(_status(0, 62)) == []


def test_a_rise_while_the_agent_was_down_is_reported_at_its_first_reading() -> None:
    w = KernelWatch(LostReading("boot-a", 5), boot="boot-a")
    ((what, count, text),) = w.check(_status(12, 0))
    assert (what, count) == ("kernel.lost", 7)
    assert text == (
        "7 audit events lost while the agent was not running: kernel lost counter 5 -> 12"
    )
    assert w.check(_status(12, 0)) == []  # reported once
    assert w.reading() == LostReading("boot-a", 12)


def test_no_rise_while_down_says_nothing() -> None:
    assert KernelWatch(LostReading("b", 5), boot="b").check(_status(5, 0)) == []


def test_after_a_reboot_the_baseline_is_zero_not_the_last_boots_figure() -> None:
    w = KernelWatch(LostReading("old-boot", 40), boot="new-boot")
    ((what, count, text),) = w.check(_status(3, 0))
    assert (what, count) == ("kernel.lost", 3)
    assert "3 audit events lost while the agent was not running" in text
    assert "since the kernel restarted" in text
    assert KernelWatch(LostReading("old-boot", 40), boot="new-boot").check(_status(0, 0)) == []


def test_a_counter_that_went_down_is_said_and_no_loss_is_invented() -> None:
    """A reset (``auditctl --reset-lost``) in the same boot: what the counter shows now was
    lost since the reset; what was lost before it is unknown, and the record says so."""
    w = KernelWatch(LostReading("b", 50), boot="b")
    ((what, count, text),) = w.check(_status(0, 0))
    assert (what, count) == ("kernel.lost", 0)
    assert "reset (50 -> 0)" in text and "unknown" in text
    live = KernelWatch()
    live.check(_status(9, 0))
    ((_, count, text),) = live.check(_status(2, 0))
    assert count == 2 and "was reset (9 -> 2)" in text


def test_the_plugin_run_keeps_its_last_reading_and_the_next_start_reports_the_rise(
    tmp_path: Path,
) -> None:
    """Two runs of ``run_plugin`` with a reading source and the file beside the store: the
    kernel lost 30 events between them, and the second run's first record says so."""
    path = tmp_path / "agent-kernel.json"
    counter = [100]

    def read() -> KernelStatus:
        return _status(counter[0], 0)

    def run() -> list[AuditRecord]:
        sink = ListSink()
        pipeline = Pipeline(sink, node="web01", source="<auditd>")
        run_plugin(pipeline, io.BytesIO(b""), status=read, marks=LostMarks(path), boot="b1")
        return sink.take()

    assert run() == []  # the first reading ever is the baseline
    assert LostMarks(path).get("web01") == LostReading("b1", 100)
    counter[0] = 130
    (record,) = run()
    assert (record.status, record.resource, record.user) == ("C", "kernel.lost", AGENT_USER)
    assert record.trace is not None and record.trace.startswith(
        "30 audit events lost while the agent was not running"
    )
    assert LostMarks(path).get("web01") == LostReading("b1", 130)
    assert run() == []
