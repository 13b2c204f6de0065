"""Delivery to a real rsyslogd over UDP, TCP (octet counting) and TLS: every record arrives
intact, as rsyslog itself parses it (header, structured data via mmpstrucdata, message)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from seaudit.export._siem import aware, neutral, severity
from seaudit.export.syslog import SyslogOptions, format_message
from seaudit.route import forward
from seaudit.schema.record import AuditRecord
from tests.export.conftest import seed_records as seed_examples
from tests.route.rsyslogd import Rsyslog, free_port

ROOT = Path(__file__).parents[2]


def seed_records() -> list[AuditRecord]:
    """The seed pages' examples (each read as detailed and as short output)."""
    return list(seed_examples())


def sample_records() -> list[AuditRecord]:
    """Seed records when the spec is at hand, and always a few made here, hostile ones too."""
    made = [
        AuditRecord(
            event="login",
            timestamp="2024-03-01T08:00:00",
            status="P",
            user="root",
            terminal="tty1",
            program="/bin/login",
            stage=59,
            reason=2,
        ),
        AuditRecord(
            event="resource_access",
            timestamp="2024-03-01T08:00:01",
            status="D",
            class_="FILE",
            user='ev"il]\\',
            access="Read",
            stage=69,
            reason=3,
            resource="/etc/shadow\n<13>1 forged - - - - - x",
            program="/bin/cat",
            terminal="=cmd|' /C calc'!A0",
            effective_user="x\u2028y\x00\udcfe",
        ),
        AuditRecord(
            event="db_admin",
            timestamp="2024-03-01T08:00:02",
            status="S",
            class_="USER",
            user="DOMAIN\\admin",
            object="bob",
            stage=305,
            reason=0,
            command='nu bob] [seaudit@32473 forged="1"',
            terminal="t",
        ),
    ]
    return seed_records() + made


def expected_sd(record: AuditRecord) -> dict[str, str]:
    return {key: neutral(str(value)) for key, value in record.to_dict().items()}


def check_arrived(record: AuditRecord, parsed: dict[str, Any], options: SyslogOptions) -> None:
    assert parsed["msgid"] == record.event
    assert parsed["app-name"] == "seaudit"
    assert int(parsed["pri"]) == options.facility * 8 + severity(record).syslog
    assert parsed["timereported"] == aware(record, options.tz).isoformat(timespec="seconds")
    assert parsed["$!"]["rfc5424-sd"] == {options.sd_id: expected_sd(record)}
    assert parsed["msg"] == options.render_inner(record)


def by_raw(arrived: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["rawmsg"]: entry for entry in arrived}


@pytest.mark.parametrize(
    "kind,inner", [("udp", "short"), ("tcp", "cef"), ("tls", "leef"), ("mtls", "json")]
)
def test_every_record_arrives_intact(rsyslog: Rsyslog, kind: str, inner: str) -> None:
    records = [r for r in sample_records() if kind != "udp" or len(str(r.to_dict())) < 60000]
    options: dict[str, Any] = {"inner": inner, "tz": "+01:00", "hostname": "node1"}
    if kind in ("tls", "mtls"):
        options["ca"] = rsyslog.ca
    if kind == "mtls":
        options["cert"] = str(rsyslog.directory / "client.pem")
        options["key"] = str(rsyslog.directory / "client.key")
    if inner == "leef":
        options["delimiter"] = "^"  # rsyslog escapes a TAB on receipt (#011)
    result = forward(records, rsyslog.url(kind), **options)
    assert (result.sent, result.failed) == (len(records), 0), result.last_error
    arrived = rsyslog.wait_for(len(records))
    assert len(arrived) == len(records)
    message_options = SyslogOptions.of(
        {k: v for k, v in options.items() if k not in ("ca", "cert", "key")}
    )
    received = by_raw(arrived)
    for record in records:
        message = format_message(record, message_options)
        assert message in received, f"not received intact: {message[:200]}"
        check_arrived(record, received[message], message_options)
        assert received[message]["hostname"] == "node1"
    assert sorted(rsyslog.raw()) == sorted(received)  # one raw line per message: no split


def test_64k_value_over_tcp_and_refused_over_udp(rsyslog: Rsyslog) -> None:
    big = AuditRecord(
        event="trace", timestamp="2024-03-01T08:00:00", status="P", user="u", trace=']"\\\n' * 16384
    )
    tcp = forward([big], rsyslog.url("tcp"), inner="none")
    assert (tcp.sent, tcp.failed) == (1, 0)
    arrived = rsyslog.wait_for(1)
    # mmpstrucdata gives up on structured data past about 64 KB: check rsyslog's own split of
    # the message (its structured-data property) and the value by the RFC's unescaping
    structured = arrived[0]["structured-data"]
    assert arrived[0]["rawmsg"] == format_message(big, SyslogOptions.of({"inner": "none"}))
    value = structured.split(' trace="', 1)[1].rsplit('"]', 1)[0]
    assert re.sub(r'\\(["\\\]])', r"\1", value) == neutral(big.trace or "")
    udp = forward([big], rsyslog.url("udp"), inner="none")
    assert (udp.sent, udp.failed) == (0, 1)
    assert "over max_size 65507" in (udp.last_error or "")


def test_oversized_message_is_counted_failed_and_the_stream_goes_on(rsyslog: Rsyslog) -> None:
    small = sample_records()[-3:]
    huge = small[0].replace(resource="x" * 250_000)
    result = forward([small[0], huge, *small[1:]], rsyslog.url("tcp"))
    assert (result.sent, result.failed) == (3, 1)
    options = SyslogOptions.of({})
    arrived = rsyslog.wait_for(3)
    assert sorted(e["rawmsg"] for e in arrived) == sorted(format_message(r, options) for r in small)


def test_restart_mid_stream_loses_nothing_sent(rsyslog: Rsyslog) -> None:
    """rsyslog stops and comes back between two records: the forwarder sees the close and
    reconnects, so every record counted as sent arrives."""
    records = sample_records()
    half = len(records) // 2

    def stream() -> Iterator[AuditRecord]:
        yield from records[:half]
        rsyslog.wait_for(half)
        rsyslog.stop()
        rsyslog.start()
        yield from records[half:]

    result = forward(stream(), rsyslog.url("tcp"), retries=10, backoff=0.05)
    assert (result.sent, result.failed) == (len(records), 0)
    assert len(rsyslog.wait_for(len(records))) == len(records)


def test_records_sent_while_the_receiver_is_down_are_counted_failed(rsyslog: Rsyslog) -> None:
    records = sample_records()[:9]

    def stream() -> Iterator[AuditRecord]:
        yield from records[:3]
        rsyslog.wait_for(3)
        rsyslog.stop()
        yield from records[3:6]  # nobody listens: retried, then given up quickly
        rsyslog.start()
        yield from records[6:]

    started = time.monotonic()
    result = forward(stream(), rsyslog.url("tcp"), retries=2, backoff=0.01)
    assert time.monotonic() - started < 30
    assert result.failed >= 3 and result.sent + result.failed == len(records)
    arrived = rsyslog.wait_for(result.sent)
    assert len(arrived) == result.sent  # counted sent <=> arrived: nothing lost, nothing twice
    options = SyslogOptions.of({})
    assert {e["rawmsg"] for e in arrived} <= {format_message(r, options) for r in records}


def test_wrong_ca_fails_every_record(rsyslog: Rsyslog) -> None:
    records = sample_records()[:3]
    wrong = str(rsyslog.directory / "client.pem")  # a certificate, but not the server's CA
    result = forward(records, rsyslog.url("tls"), ca=wrong, retries=0)
    assert (result.sent, result.failed) == (0, 3)
    assert "CERTIFICATE_VERIFY_FAILED" in (result.last_error or "")


def test_no_receiver_is_a_count_not_a_crash() -> None:
    result = forward(
        sample_records()[:4], f"syslog+tcp://127.0.0.1:{free_port()}", retries=1, backoff=0.01
    )
    assert (result.sent, result.failed) == (0, 4)
    assert str(result).endswith("(4 failed)")


def test_cli_forward(rsyslog: Rsyslog, tmp_path: Path) -> None:
    records = seed_records()[:5] or sample_records()[:1]
    source = tmp_path / "audit.txt"
    from seaudit.text.short import render_short

    source.write_text("".join(render_short(r) + "\n" for r in records))
    url = rsyslog.url("tcp")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "forward", "--inner", "cef", url, str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"sent {len(records)} records to {url} (0 failed)"
    arrived = rsyslog.wait_for(len(records))
    assert len(arrived) == len(records)
    assert all(entry["msg"].startswith("CEF:0|") for entry in arrived)


def test_cli_forward_reports_failures_without_traceback(tmp_path: Path) -> None:
    url = f"syslog+tcp://127.0.0.1:{free_port()}"
    source = tmp_path / "audit.txt"
    source.write_text("28 Oct 2008 12:15:01 P LOGIN root 59 2 _CRONJOB_ SBIN_CRON\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "forward", "--retries", "0", url, str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stdout.strip() == f"sent 0 records to {url} (1 failed)"
    assert "Traceback" not in done.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "seaudit", "forward", "http://x", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode == 2 and "no forwarder" in bad.stderr
