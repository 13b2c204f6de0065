"""One store, many processes at once (issue 8, "Done when"): an importer of a large file with
many rotations, SIGKILLed at random points and run again; readers counting and listing in a
loop; two followers; a second importer and reindex attempts the lock refuses. After each
seed: every fed record once (``--count`` and the full listing), every follower saw every
record from its start once and in order, every reader's listing was a prefix of the final
one, ``verify`` OK on log and store, no temporary file left.

The suite runs a short mode (seconds); ``SEAUDIT_STRESS=long`` runs many seeds on large
files (minutes).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.store.damage import cli, env, feed, new_store

LONG = os.environ.get("SEAUDIT_STRESS") == "long"
SEEDS = range(12) if LONG else range(1)
LINES = 200_000 if LONG else 6_000
KILLS = 5 if LONG else 2
KILL_AFTER = (0.2, 3.0) if LONG else (0.2, 1.0)  # seconds into an importer's life
CATCH_UP_SECONDS = 30  # a follower printing nothing for that long has stopped following


def spawn(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "seaudit", *args],
        env=env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


class Follower:
    """``seaudit --follow --to jsonl``, its users collected by a thread."""

    def __init__(self, store: Path) -> None:
        self.proc = spawn("--store", str(store), "--follow", "--to", "jsonl", "--interval", "0.02")
        self.users: list[str] = []
        self.thread = threading.Thread(target=self._read)
        self.thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.users.append(json.loads(line)["user"])

    def stop(self, expected: int) -> str:
        """Stop once it printed ``expected`` records (or has been silent for a while)."""
        seen, quiet = len(self.users), time.monotonic()
        while len(self.users) < expected and time.monotonic() - quiet < CATCH_UP_SECONDS:
            time.sleep(0.1)
            if len(self.users) != seen:
                seen, quiet = len(self.users), time.monotonic()
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self.thread.join()
        assert self.proc.stderr is not None
        err = self.proc.stderr.read().decode()
        assert code == 130, err
        return err


class Readers:
    """``--count`` and full listings in a loop: every answer exit 0, counts never go back,
    every listing kept to be checked against the final one."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self.stop = threading.Event()
        self.counts: list[int] = []
        self.listings: list[list[str]] = []
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run)
        self.thread.start()

    def _run(self) -> None:
        try:
            self._loop()
        except subprocess.TimeoutExpired as exc:
            self.errors.append(f"{exc.cmd}: no answer in {exc.timeout} s")

    def _loop(self) -> None:
        while not self.stop.is_set():
            counted = cli("--store", str(self.store), "--count")
            listed = cli("--store", str(self.store), "--to", "short")
            for done in (counted, listed):
                if done.returncode != 0:
                    self.errors.append(done.stderr)
            if counted.returncode == 0:
                self.counts.append(int(counted.stdout))
            if listed.returncode == 0:
                self.listings.append([line.split()[6] for line in listed.stdout.splitlines()])

    def finish(self) -> None:
        self.stop.set()
        self.thread.join()


def probe_until_followed(store: Path, followers: list[Follower], tmp: Path) -> int:
    """Import one-line probes until every follower printed one (they are listening)."""
    for k in range(200):
        probe = tmp / f"probe{k}.audit"
        probe.write_text(f"01 Jan 2024 00:00:00 P LOGIN probe{k} 59 2 tty1 /bin/login\n")
        assert cli("import", "--store", str(store), str(probe)).returncode == 0
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and not all(f.users for f in followers):
            time.sleep(0.05)
        if all(f.users for f in followers):
            return k + 1
    raise AssertionError("the followers never printed a record")


def contenders(store: Path, source: Path, stop: threading.Event, seen: list[str]) -> None:
    """A second importer and reindex, tried again and again: refused by the lock while the
    importer holds it (or run, between its lives: the import then stores nothing new)."""
    while not stop.is_set():
        for args in (["import", str(source)], ["reindex"]):
            done = cli(*args, "--store", str(store))
            if done.returncode not in (0, 1) and "LogLockedError" not in done.stderr:
                seen.append(f"{args[0]}: {done.returncode}: {done.stderr}")
        time.sleep(0.05)


@pytest.mark.parametrize("seed", SEEDS)
def test_many_processes_on_one_store(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = new_store(tmp_path / "store")
    source = feed(tmp_path / "web01.audit", LINES)
    followers = [Follower(store), Follower(store)]
    try:
        probes, readers, problems = run_everything(store, source, followers, tmp_path, rng)
        total = LINES + probes
        listing = cli("--store", str(store), "--to", "short").stdout
        users = [line.split()[6] for line in listing.splitlines()]
        starts = [users.index(f.users[0]) for f in followers]
        errors = [f.stop(total - start) for f, start in zip(followers, starts, strict=True)]
    finally:
        for follower in followers:
            if follower.proc.poll() is None:
                follower.proc.kill()
                follower.proc.wait()
    assert cli("--store", str(store), "--count").stdout == f"{total}\n"
    assert len(users) == total
    assert sorted(u for u in users if not u.startswith("probe")) == sorted(
        f"u{i}" for i in range(LINES)
    )
    assert not problems, problems
    for follower, err, start in zip(followers, errors, starts, strict=True):
        assert "Traceback" not in err and "Error" not in err, err
        assert follower.users == users[start:]  # every record from its start, once, in order
    assert not readers.errors, readers.errors[:3]
    assert readers.counts == sorted(readers.counts) and readers.listings
    for seen in readers.listings:
        assert seen == users[: len(seen)]
    checked = cli("verify", "--store", str(store))
    assert checked.returncode == 0 and "OK: store" in checked.stdout, checked.stdout
    leftovers = [p for p in store.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers and not (store / "parquet.new").exists()
    assert not (store / "parquet.old").exists()


def run_everything(
    store: Path, source: Path, followers: list[Follower], tmp: Path, rng: random.Random
) -> tuple[int, Readers, list[str]]:
    """Probes until the followers listen, then the importer's lives and its final run, with
    readers and contenders around it; returns the probes fed, the readers, the contenders'
    unexpected answers."""
    probes = probe_until_followed(store, followers, tmp)
    readers = Readers(store)
    stop = threading.Event()
    problems: list[str] = []
    other = threading.Thread(target=contenders, args=(store, source, stop, problems))
    other.start()
    try:
        for _ in range(KILLS):
            importer = spawn("import", "--store", str(store), str(source))
            time.sleep(rng.uniform(*KILL_AFTER))
            importer.send_signal(signal.SIGKILL)
            importer.wait()
        stop.set()
        other.join()
        final = cli("import", "--store", str(store), str(source), timeout=900)
        assert final.returncode == 0, final.stderr
    finally:
        stop.set()
        if other.is_alive():
            other.join()
        readers.finish()
    return probes, readers, problems
