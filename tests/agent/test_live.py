"""The agent under a real, private auditd: real actions under a fresh login uid become records
in the store within seconds. Skipped, with the reason, where the kernel offers no audit."""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seaudit.agent.kernel import read_status
from seaudit.agent.lostmark import LostMarks, boot_id
from seaudit.agent.rules import RuleScope, audit_rules
from seaudit.schema.record import AuditRecord
from tests.agent.live import (
    auditctl,
    burst,
    machine_lock,
    make_workdir,
    private_auditd,
    run_actions,
    small_backlog,
    unavailable_reason,
)

REASON = unavailable_reason()
pytestmark = pytest.mark.skipif(REASON is not None, reason=f"no live audit: {REASON}")
ROOT = Path(__file__).resolve().parents[2]


def _stored(store: Path) -> list[AuditRecord]:
    from seaudit.query.spec import Filter
    from seaudit.query.where import parse_where
    from seaudit.store import Store

    if not (store / "seos.audit").exists():
        return []
    flt = Filter(parse_where("status ~ '*'"))
    return [r for _, r in Store(store).select(flt)]


def _plugin(workdir: Path, store: Path, *options: str) -> Path:
    """The wrapper auditd runs as its plugin: ``seaudit agent --plugin`` into ``store``."""
    plugin = workdir / "seaudit-plugin"
    command = " ".join((sys.executable, "-m seaudit agent --plugin --store", str(store), *options))
    plugin.write_text(f"#!/bin/sh\ncd {ROOT}\nexec {command}\n")
    plugin.chmod(0o755)
    return plugin


def test_netlink_status_agrees_with_auditctl() -> None:
    with machine_lock():  # no live session changes the status meanwhile
        status = read_status()
        text = auditctl("-s")
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    assert int(fields["enabled"]) == status.enabled
    assert int(fields["backlog_limit"]) == status.backlog_limit
    assert int(fields["lost"]) <= read_status().lost


def test_real_actions_reach_the_store_through_the_plugin() -> None:
    workdir = make_workdir()
    store = workdir / "store"
    loginuid = random.randint(3_000_000, 3_900_000)
    key = f"seaudit-test-{loginuid}"
    plugin = _plugin(workdir, store, "--timeout 0.5")
    before = read_status()
    scope = RuleScope(dirs=(str(workdir / "watched"),), loginuid=loginuid, key=key)
    try:
        with private_auditd(
            workdir, audit_rules(scope), key=key, loginuid=loginuid, plugin=plugin
        ) as live:
            done = run_actions(live)
            wanted = {
                ("resource_access", "FILE", "P"),
                ("resource_access", "FILE", "D"),
                ("resource_access", "PROGRAM", "P"),
                ("resource_access", "SURROGATE", "P"),
                ("outbound_network", "TCP", "P"),
                ("inbound_network", "TCP", "P"),
                ("password_attempt", None, "A"),
                ("login", None, "P"),
            }
            deadline = time.monotonic() + 15
            seen: set[tuple[str, str | None, str]] = set()
            while time.monotonic() < deadline and not wanted <= seen:
                time.sleep(0.3)
                records = _stored(store)
                seen = {(r.event, r.class_, r.status) for r in records}
            assert wanted <= seen, f"missing {wanted - seen}"
        outbound = [r for r in _stored(store) if r.event == "outbound_network"]
        assert any(r.service == str(done["port"]) or r.host == "127.0.0.1" for r in outbound)
        assert all(r.service not in ("53", "domain") for r in outbound)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert key not in auditctl("-l")
    after = read_status()
    assert (after.enabled, after.pid) == (before.enabled, 0)
    leftover = subprocess.run(["pgrep", "-f", str(plugin)], capture_output=True)
    assert leftover.returncode == 1, "the plugin outlived auditd"


def test_events_the_kernel_loses_become_product_error_records() -> None:
    workdir = make_workdir()
    store = workdir / "store"
    loginuid = random.randint(3_000_000, 3_900_000)
    key = f"seaudit-test-{loginuid}"
    plugin = _plugin(workdir, store)
    before = auditctl("-s")
    scope = RuleScope(dirs=(str(workdir / "watched"),), loginuid=loginuid, key=key)
    try:
        with private_auditd(
            workdir, audit_rules(scope), key=key, loginuid=loginuid, plugin=plugin
        ) as live:
            # the plugin counts rises from its first reading of the counters, taken with its
            # first line: a loss before it is up would not be its to report
            ready = time.monotonic() + 60
            while not _stored(store) and time.monotonic() < ready:
                time.sleep(0.2)
            lost_before = read_status().lost
            with small_backlog():
                for _ in range(5):
                    burst(live, 20_000)
                    if read_status().lost > lost_before:
                        break
            lost = read_status().lost - lost_before
            assert lost > 0, "the kernel lost nothing: no loss to report"
            # the agent writes its records at least once a second, even behind a backlog
            deadline = time.monotonic() + 90
            errors: list[AuditRecord] = []
            while time.monotonic() < deadline and not any(
                r.resource == "kernel.lost" for r in errors
            ):
                time.sleep(0.3)
                errors = [r for r in _stored(store) if r.status == "C"]
            assert any(r.resource == "kernel.lost" for r in errors), (
                f"the kernel lost {lost} events and no kernel.lost record says so: {errors}"
            )
            assert all("lost" in (r.trace or "") or "risk" in (r.trace or "") for r in errors)
        # auditd has stopped its plugin: the agent kept its last reading for its next start
        kept = LostMarks(store / "agent-kernel.json").get(None)
        assert kept is not None and kept.boot == boot_id()
        assert kept.lost >= lost_before + lost
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    after = auditctl("-s")
    assert _settings(after) == _settings(before)


def _settings(status: str) -> dict[str, str]:
    keep = ("enabled", "backlog_limit", "backlog_wait_time", "failure", "rate_limit", "pid")
    pairs = (line.split(" ", 1) for line in status.splitlines() if line.count(" ") == 1)
    return {k: v for k, v in pairs if k in keep}


def test_the_plugin_decides_through_a_policy() -> None:
    """The same real actions with ``--policy``: the write and the program run the policy
    denies come as W, the kernel's denial as D, the allowed read is not written (no mode asks
    for a success)."""
    workdir = make_workdir()
    store = workdir / "store"
    loginuid = random.randint(3_000_000, 3_900_000)
    key = f"seaudit-test-{loginuid}"
    policy = workdir / "site.selang"
    policy.write_text(
        f"setoptions class+(FILE PROGRAM)\nchres FILE _default defacc(read)\n"
        f"newres FILE {workdir}/watched/* defacc(read)\nnewres PROGRAM /usr/bin/true defacc(none)\n"
    )
    plugin = _plugin(workdir, store, "--timeout 0.5 --policy", str(policy))
    scope = RuleScope(dirs=(str(workdir / "watched"),), loginuid=loginuid, key=key)
    try:
        with private_auditd(
            workdir, audit_rules(scope), key=key, loginuid=loginuid, plugin=plugin
        ) as live:
            run_actions(live)
            wanted = {("FILE", "Write", "W"), ("FILE", "Read", "D"), ("PROGRAM", "Execute", "W")}
            deadline = time.monotonic() + 15
            seen: set[tuple[str | None, str | None, str]] = set()
            while time.monotonic() < deadline and not wanted <= seen:
                time.sleep(0.3)
                accesses = [r for r in _stored(store) if r.event == "resource_access"]
                seen = {(r.class_, r.access, r.status) for r in accesses}
            assert wanted <= seen, f"missing {wanted - seen}"
        files = [r for r in _stored(store) if r.class_ == "FILE"]
        assert all(r.status != "P" for r in files)  # the read came first, and was not written
        assert {(r.status, r.stage, r.reason) for r in files} == {("W", 69, 4), ("D", 17, 2)}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    assert key not in auditctl("-l")
