"""A replay killed (SIGKILL) at a random moment and started again stores every record once:
the checkpoint says where to resume, the store's import keys catch the batch a kill cut off
from its checkpoint. Each seed is a real process killed at a different time; SEAUDIT_LONG=1
runs 30 seeds instead of 3."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.agent.synthetic import write_log

SEEDS = range(30 if os.environ.get("SEAUDIT_LONG") else 3)
EVENTS = 12_000


def _agent(*args: str) -> list[str]:
    return [sys.executable, "-m", "seaudit", "agent", *args]


def _dump(store: Path) -> list[bytes]:
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "--store", str(store), "--to", "jsonl"],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def log_and_expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[bytes]]:
    base = tmp_path_factory.mktemp("crash")
    log = base / "audit.log"
    write_log(log, EVENTS)
    clean = base / "clean"
    subprocess.run(
        _agent("--from-log", str(log), "--store", str(clean)),
        check=True,
        timeout=300,
        capture_output=True,
    )
    expected = _dump(clean)
    assert len(expected) > EVENTS / 2
    return log, expected


@pytest.mark.parametrize("seed", SEEDS)
def test_killed_replay_resumes_without_loss_or_duplicates(
    seed: int, tmp_path: Path, log_and_expected: tuple[Path, list[bytes]]
) -> None:
    log, expected = log_and_expected
    store = tmp_path / "store"
    proc = subprocess.Popen(
        _agent("--from-log", str(log), "--store", str(store)),
        stderr=subprocess.DEVNULL,
    )
    time.sleep(random.Random(seed).uniform(0.3, 3.0))
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    done = subprocess.run(
        _agent("--from-log", str(log), "--store", str(store)), capture_output=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert _dump(store) == expected
