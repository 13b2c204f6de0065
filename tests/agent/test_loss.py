from __future__ import annotations

from seaudit.agent.kernel import KernelStatus
from seaudit.agent.loss import KernelWatch, SerialWatch
from seaudit.agent.parse import EventId
from seaudit.agent.pipeline import Pipeline
from seaudit.agent.run import ListSink


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
