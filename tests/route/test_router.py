"""``seaudit route`` end to end with real processes: a real nats-server, real router and
collector processes, real files and commands; checkpoints, selectors, a down destination,
SIGHUP and SIGTERM."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from seaudit.route.checkpoint import Checkpoints
from tests.route.endpoints import assert_exactly, assert_in_order, fill, record, stored
from tests.route.natsd import NatsServer, seaudit, spawn


def rules_file(path: Path, *blocks: str) -> Path:
    path.write_text("\n".join(blocks))
    return path


def minimal(url: str) -> str:
    return f"rule\nhost {url}\n.\n"


def test_route_once_then_collect_stores_every_record_once(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    fill(tmp_path / "ep", "web01", 700)
    rules = rules_file(tmp_path / "selogrd.cfg", minimal(nats_server.stream_url()))
    first = seaudit(
        "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "web01", "--once"
    )
    assert first.returncode == 0, first.stderr
    assert "700 records sent, acknowledged up to seq 700: ok" in first.stdout
    fill(tmp_path / "ep", "web01", 300, start=700)
    again = seaudit(
        "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "web01", "--once"
    )
    assert "300 records sent, acknowledged up to seq 1000" in again.stdout  # from the checkpoint
    central = tmp_path / "central"
    done = seaudit(
        "collect", "--store", str(central), "--from", nats_server.stream_url(), "--until-idle", "1"
    )
    assert done.returncode == 0, done.stderr
    assert_exactly(stored(central), {"web01": range(1000)})
    assert_in_order(central)
    nodes = seaudit("verify", "--nodes", "--store", str(central))
    assert nodes.returncode == 0, nodes.stdout
    assert "OK web01: last seq 1000, 1000 records" in nodes.stdout
    count = seaudit("--store", str(central), "--count", "--where", "status = D")
    assert count.stdout.strip() == str(sum(1 for i in range(1000) if i % 5 == 0))


def test_selectors_route_some_records_and_the_chain_still_joins(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    fill(tmp_path / "ep", "db01", 400)
    out = tmp_path / "denied.jsonl"
    rules = rules_file(
        tmp_path / "selogrd.cfg",
        "denied\n"
        f"host {nats_server.stream_url()}\n"
        f"host file://{out}?format=jsonl\n"
        "status D\n"
        "exclude user user0,user1\n"
        ".\n",
    )
    done = seaudit(
        "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "db01", "--once"
    )
    assert done.returncode == 0, done.stderr
    chosen = [i for i in range(400) if i % 5 == 0 and i % 11 not in (0, 1)]
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert [x["terminal"] for x in lines] == [f"db01/{i}" for i in chosen]
    central = tmp_path / "central"
    seaudit(
        "collect",
        "--store",
        str(central),
        "--from",
        nats_server.stream_url(),
        "--until-idle",
        "1",
        check=True,
    )
    got = stored(central)
    assert [t for _, t in got] == [f"db01/{i}" for i in chosen]
    nodes = seaudit("verify", "--nodes", "--store", str(central))
    assert nodes.returncode == 0, nodes.stdout
    assert f"{len(chosen)} records, {400 - len(chosen)} not routed" in nodes.stdout


def test_exec_destination_gets_records_on_stdin_in_the_rules_format(tmp_path: Path) -> None:
    fill(tmp_path / "ep", "app", 50)
    sink = tmp_path / "sink.csv"
    script = tmp_path / "take.py"
    script.write_text(f"import sys\nopen({str(sink)!r}, 'ab').write(sys.stdin.buffer.read())\n")
    rules = rules_file(
        tmp_path / "r.cfg", f"rule\nhost exec:{sys.executable} {script}\nformat csv\n.\n"
    )
    done = seaudit(
        "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "app", "--once"
    )
    assert done.returncode == 0, done.stderr
    text = sink.read_text()
    assert text.startswith("event,") or "login" in text
    assert sum(1 for i in range(50) if f"app/{i}," in text) == 50


def test_a_down_destination_is_retried_and_does_not_hold_the_others(
    tmp_path: Path, nats_server: NatsServer
) -> None:
    fill(tmp_path / "ep", "web02", 200)
    failing = f"exec:{sys.executable} -c 'import sys; sys.exit(3)'"
    out = tmp_path / "all.jsonl"
    rules = rules_file(
        tmp_path / "r.cfg",
        minimal(failing),
        minimal(f"file://{out}"),
        minimal(nats_server.stream_url()),
    )
    done = seaudit(
        "route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--node", "web02", "--once"
    )
    assert done.returncode == 1
    assert "exit status 3" in done.stderr and "FAILED" in done.stderr
    assert len(out.read_text().splitlines()) == 200
    marks = Checkpoints(tmp_path / "ep" / "seos.route")
    assert marks.get(failing) == 0 and marks.get(f"file://{out}") == 200
    assert marks.get(nats_server.stream_url()) == 200


def test_daemon_follows_appends_rereads_rules_on_sighup_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    ep = tmp_path / "ep"
    fill(ep, "n1", 10)
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    rules = rules_file(tmp_path / "r.cfg", minimal(f"file://{one}"))
    ini = ep / "seos.ini"
    ini.write_text(ini.read_text() + f"\n[selogrd]\nRouteFile = {rules}\nInterval = 0.05\n")
    router = spawn("route", "--config", str(ini), "--node", "n1")
    try:
        _wait_lines(one, 10)
        fill(ep, "n1", 5, start=10)
        _wait_lines(one, 15)
        rules_file(rules, minimal(f"file://{one}"), minimal(f"file://{two}"))
        router.send_signal(signal.SIGHUP)
        _wait_lines(two, 15)  # the new destination starts from its own (empty) checkpoint
        router.send_signal(signal.SIGTERM)
        assert router.wait(timeout=20) == 0
    finally:
        if router.poll() is None:
            router.kill()
    assert len(one.read_text().splitlines()) == 15


def test_bad_route_files_are_refused_with_file_and_line(tmp_path: Path) -> None:
    fill(tmp_path / "ep", "n", 1)
    rules = rules_file(tmp_path / "r.cfg", "rule\nhost file:///tmp/x\nflavour vanilla\n.\n")
    done = seaudit("route", "--store", str(tmp_path / "ep"), "--rules", str(rules), "--once")
    assert done.returncode == 2
    assert f"{rules}:3: unknown statement 'flavour'" in done.stderr
    assert "Traceback" not in done.stderr


def _wait_lines(path: Path, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {count} lines")


def test_record_helper_is_deterministic() -> None:
    assert record("a", 3) == record("a", 3) and record("a", 3) != record("a", 4)


def test_link_reader_reads_on_and_rereads_a_jump(tmp_path: Path) -> None:
    from seaudit.log import LogConfig
    from seaudit.log.links import LinkRun, links_after
    from seaudit.route.router import LinkReader
    from seaudit.route.wire import Batch

    ep = tmp_path / "ep"
    fill(ep, "n", 30)
    cfg = LogConfig.load(ep / "seos.ini")
    reader = LinkReader(cfg, 0)
    first = reader.take(10)
    assert list(first.seqs) == list(range(1, 11))
    assert first == Batch.of(0, list(links_after(cfg))[:10])  # the links, column by column
    assert list(reader.take(100).seqs) == list(range(11, 31))
    assert len(reader.take(10)) == 0
    fill(ep, "n", 5, start=30)
    again = reader.take(10)
    assert list(again.seqs) == list(range(31, 36)) and again.prev_seq == 30
    # a reader whose walk jumps (as a hidden segment would make it) reads again, then
    # gives up and sends the jump for the collector to report
    runs = [
        LinkRun(k.seq, [k.payload or b""], [k.prev], [k.hash], k.segments, k.keyed)
        for k in links_after(cfg)
    ]
    jumpy = LinkReader(cfg, 0)
    jumpy._walk = iter(runs[:5] + runs[7:])
    assert list(jumpy.take(50).seqs) == [1, 2, 3, 4, 5]
    assert list(jumpy.take(50).seqs)[:2] == [6, 7]  # the fresh listing has them all


def test_link_reader_batches_are_the_links_whatever_the_cut(tmp_path: Path) -> None:
    """Reading in takes of any size (runs split across takes, segment headers on the run
    they precede) gives exactly the links ``links_after`` gives, and the messages a NATS
    destination makes of them are those of the links."""
    from seaudit.log import LogConfig
    from seaudit.log.links import links_after
    from seaudit.route.router import LinkReader
    from seaudit.route.wire import Batch, encode, encode_links

    ep = tmp_path / "ep"
    fill(ep, "n", 700, batch=90)
    ini = ep / "seos.ini"
    ini.write_text(ini.read_text().replace("audit_size = 4096", "audit_size = 40"))
    fill(ep, "n", 700, start=700, batch=90)
    cfg = LogConfig.load(ini)
    links = list(links_after(cfg))
    assert sum(bool(k.segments) for k in links) > 2  # rotations: headers travel
    for size in (1, 7, 90, 1000):
        reader = LinkReader(cfg, 0)
        taken: list[Batch] = []
        while len(batch := reader.take(size)):
            taken.append(batch)
        assert [k for batch in taken for k in batch.links] == links
        for batch in taken[:3]:
            assert encode(batch) == encode_links(batch.links, batch.prev_seq)
            half = len(batch) // 2
            assert encode(batch.part(half, len(batch), 5)) == encode_links(batch.links[half:], 5)


def test_link_reader_rewound_in_the_middle_of_a_file(tmp_path: Path) -> None:
    """A delivery that fails rewinds the reader while its walk is inside a file: the walk
    is closed cleanly (its memory map released) and reading starts again from the mark."""
    from seaudit.log import LogConfig
    from seaudit.route.router import LinkReader

    fill(tmp_path / "ep", "n", 50)
    reader = LinkReader(LogConfig.load(tmp_path / "ep" / "seos.ini"), 0)
    assert list(reader.take(5).seqs) == [1, 2, 3, 4, 5]
    assert list(reader.take(5).seqs) == [6, 7, 8, 9, 10]
    reader.rewind(3)
    assert list(reader.take(4).seqs) == [4, 5, 6, 7]
    reader.rewind(0)
    assert list(reader.take(100).seqs) == list(range(1, 51))
