"""Faults with real processes (nats-server, routers, collectors; loopback only), set up as
production is (TLS with client certificates, a NATS user per endpoint allowed only its own
subject, a collector user: ``route.natsconf``): SIGKILL of each, NATS down with rotations
meanwhile, a full collector disk, several routers into two collectors, and an edit on an
endpoint. After each, the collectors hold exactly the union of what the endpoints wrote,
once, each sender in order, and ``verify --nodes`` is clean.

``SEAUDIT_LONG=1`` runs the many-routers test at 4 x 100 k records (the suite: 4 x 4 k).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from seaudit.log import LogConfig, read_log
from seaudit.route.checkpoint import Checkpoints
from tests.route.endpoints import assert_exactly, assert_in_order, fill, stored
from tests.route.natsd import SecureNats, seaudit, spawn

LONG = bool(os.environ.get("SEAUDIT_LONG"))


def until(test: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def setup_endpoint(root: Path, node: str, count: int, url: str, **selogrd: str) -> Path:
    """An endpoint store with ``count`` records and a seos.ini routing it all to ``url``."""
    fill(root, node, count)
    rules = root / "selogrd.cfg"
    rules.write_text(f"rule\nhost {url}\n.\n")
    extra = "".join(f"{k} = {v}\n" for k, v in selogrd.items())
    ini = root / "seos.ini"
    ini.write_text(ini.read_text() + f"\n[selogrd]\nRouteFile = selogrd.cfg\n{extra}")
    return ini


def collect(central: Path, url: str, *more: str, idle: str = "1.5") -> None:
    done = seaudit("collect", "--store", str(central), "--from", url, "--until-idle", idle, *more)
    assert done.returncode == 0, done.stderr


def nodes_clean(central: Path, *more: str) -> str:
    done = seaudit("verify", "--nodes", "--store", str(central), *more)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PROBLEM" not in done.stdout
    return done.stdout


NODES = ("r1", "c1", "n1", "f1", "e1", "ep0", "ep1", "ep2", "ep3")


@pytest.fixture
def secure(tmp_path: Path, certificates: Path) -> Iterator[SecureNats]:
    """nats-server with TLS, client certificates and a user per endpoint node (allowed
    only its own subject) and one for the collectors, the stream made by the collector
    user (endpoints may not make streams)."""
    nats = SecureNats(tmp_path / "nats", certificates, NODES)
    nats.server.start()
    try:
        nats.make_stream()
        yield nats
    finally:
        nats.server.kill()


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    running: list[subprocess.Popen[str]] = []
    yield running
    for proc in running:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_router_killed_mid_batch_resends_and_nothing_is_doubled(
    tmp_path: Path, secure: SecureNats, processes: list[subprocess.Popen[str]]
) -> None:
    url = secure.endpoint_url("r1")
    ini = setup_endpoint(tmp_path / "ep", "r1", 20_000, url, BatchSize="500")
    router = spawn("route", "--config", str(ini), "--node", "r1")
    processes.append(router)
    marks = Checkpoints(tmp_path / "ep" / "seos.route")
    until(lambda: marks.get(url) >= 2000, "some batches acknowledged")
    router.send_signal(signal.SIGKILL)
    router.wait()
    assert marks.get(url) < 20_000
    seaudit("route", "--config", str(ini), "--node", "r1", "--once", check=True)
    central = tmp_path / "central"
    collect(central, secure.collector_url())
    assert_exactly(stored(central), {"r1": range(20_000)})
    assert_in_order(central)
    assert "last seq 20000, 20000 records" in nodes_clean(central)


def test_collector_killed_mid_append_stores_each_record_once(
    tmp_path: Path, secure: SecureNats, processes: list[subprocess.Popen[str]]
) -> None:
    url = secure.endpoint_url("c1", "batch=100")  # a fetch is some thousands of records
    ini = setup_endpoint(tmp_path / "ep", "c1", 30_000, url)
    seaudit("route", "--config", str(ini), "--node", "c1", "--once", check=True)
    central = tmp_path / "central"
    collector = spawn("collect", "--store", str(central), "--from", secure.collector_url())
    processes.append(collector)

    def appended() -> int:
        return sum(p.stat().st_size for p in central.glob("seos.audit*") if p.is_file())

    until(lambda: appended() > 400_000, "the collector appending")
    collector.send_signal(signal.SIGKILL)
    collector.wait()
    collect(central, secure.collector_url(), idle="2")
    assert_exactly(stored(central), {"c1": range(30_000)})
    assert_in_order(central)
    nodes_clean(central)


def test_nats_down_then_back_with_rotations_meanwhile(
    tmp_path: Path, secure: SecureNats, processes: list[subprocess.Popen[str]]
) -> None:
    url = secure.endpoint_url("n1")
    ep = tmp_path / "ep"
    ini = setup_endpoint(ep, "n1", 3000, url, Interval="0.05", MaxBackoff="0.5")
    settings = ini.read_text().replace("audit_size = 4096", "audit_size = 50")
    # pruning would keep 3 backups: it waits for the route instead (route.holds)
    ini.write_text(settings.replace("audit_max_files = 0", "audit_max_files = 3"))
    router = spawn("route", "--config", str(ini), "--node", "n1")
    processes.append(router)
    marks = Checkpoints(ep / "seos.route")
    until(lambda: marks.get(url) >= 3000, "the first records acknowledged")
    secure.server.kill()  # mid-stream: the router is polling and sending
    fill(ep, "n1", 4000, start=3000)  # 50 KB segments: many rotations while NATS is down
    backups = list(ep.glob("seos.audit.bak*"))
    assert len(backups) > 3  # past audit_max_files: what the destination lacks is kept
    on_endpoint = [e.seq for e in read_log(LogConfig.load(ini))]
    assert on_endpoint[0] <= 3001 and on_endpoint[-1] == 7000
    time.sleep(1)
    assert marks.get(url) == 3000  # nothing acknowledged while down, nothing skipped
    secure.server.start()  # same port, same file store
    until(lambda: marks.get(url) >= 7000, "the router catching up after NATS came back")
    router.send_signal(signal.SIGTERM)
    assert router.wait(timeout=30) == 0
    central = tmp_path / "central"
    collect(central, secure.collector_url())
    assert_exactly(stored(central), {"n1": range(7000)})
    nodes_clean(central)


def test_collector_disk_full_then_freed(
    tmp_path: Path,
    secure: SecureNats,
    processes: list[subprocess.Popen[str]],
    tmpfs: Callable[[str], Path],
) -> None:
    url = secure.endpoint_url("f1")
    ini = setup_endpoint(tmp_path / "ep", "f1", 12_000, url)
    seaudit("route", "--config", str(ini), "--node", "f1", "--once", check=True)
    central = tmpfs("1m")
    output = tmp_path / "collector.out"
    collector = spawn(
        "collect",
        "--store",
        str(central),
        "--from",
        secure.collector_url(),
        "--state",
        str(tmp_path / "n.sqlite"),
        log=output,
    )
    processes.append(collector)

    def full() -> bool:
        return "No space left on device" in output.read_text()

    until(full, "the collector to hit the full disk")
    assert collector.poll() is None  # it waits, it does not die
    subprocess.run(["mount", "-o", "remount,size=64m", str(central)], check=True)
    state = tmp_path / "n.sqlite"

    def all_in() -> bool:
        done = seaudit("verify", "--nodes", "--state", str(state))
        return "last seq 12000, 12000 records" in done.stdout

    until(all_in, "the collector to store everything once the disk has room", timeout=90)
    collector.send_signal(signal.SIGTERM)
    assert collector.wait(timeout=30) == 0
    assert_exactly(stored(central), {"f1": range(12_000)})
    assert_in_order(central)
    nodes_clean(central, "--state", str(state))


def test_four_routers_into_two_collectors(
    tmp_path: Path, secure: SecureNats, processes: list[subprocess.Popen[str]]
) -> None:
    count = 100_000 if LONG else 4000
    names = [f"ep{k}" for k in range(4)]
    inis = [setup_endpoint(tmp_path / n, n, count, secure.endpoint_url(n)) for n in names]
    url = secure.collector_url()
    state = tmp_path / "shared-nodes.sqlite"
    centrals = [tmp_path / "central-a", tmp_path / "central-b"]
    collectors = [
        spawn(
            "collect", "--store", str(c), "--from", url, "--state", str(state), "--until-idle", "3"
        )
        for c in centrals
    ]
    processes.extend(collectors)
    routers = [
        spawn("route", "--config", str(i), "--node", n, "--once")
        for i, n in zip(inis, names, strict=True)
    ]
    processes.extend(routers)
    for proc in routers:
        assert proc.wait(timeout=600) == 0
    for proc in collectors:
        assert proc.wait(timeout=600) == 0, proc.stderr.read() if proc.stderr else ""
    assert_exactly(stored(*centrals), {n: range(count) for n in names})
    for central in centrals:
        assert_in_order(central)
    report = seaudit("verify", "--nodes", "--state", str(state))
    assert report.returncode == 0, report.stdout
    for n in names:
        assert f"OK {n}: last seq {count}, {count} records" in report.stdout


def test_a_record_edited_on_the_endpoint_before_routing_is_reported(
    tmp_path: Path, secure: SecureNats
) -> None:
    from tests.log.tamper import edit_block

    ini = setup_endpoint(tmp_path / "ep", "e1", 50, secure.endpoint_url("e1"))
    log = tmp_path / "ep" / "seos.audit"
    # seq 21 (a record of user9's) changed, its block's head CRC made right: the router's
    # check of the block's link finds it, the record's CRC says which one it is
    edit_block(log, 21, lambda p: p.replace(b"user9", b"user0"), recrc=False)
    seaudit("route", "--config", str(ini), "--node", "e1", "--once", check=True)
    central = tmp_path / "central"
    collect(central, secure.collector_url())
    report = seaudit("verify", "--nodes", "--store", str(central))
    assert report.returncode == 1
    assert "PROBLEM e1: last seq 50" in report.stdout
    assert "chain BROKEN at seq 21: chain hash mismatch (record edited)" in report.stdout
