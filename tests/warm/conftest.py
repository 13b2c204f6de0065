"""A real ``seaudit warm`` process on a socket in a private temporary directory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"


def env_with(socket: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "SEAUDIT_NOW": "2024-03-05T12:00"}
    env["SEAUDIT_QUERY_SOCKET"] = str(socket) if socket else "/nonexistent/seaudit/query.sock"
    return env


@pytest.fixture
def private(tmp_path: Path) -> Path:
    folder = tmp_path / "run"
    folder.mkdir(mode=0o700)
    return folder


@pytest.fixture
def service(private: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A running service and its socket (stopped and checked gone afterwards)."""
    sock = private / "query.sock"
    proc = subprocess.Popen(
        [sys.executable, "-m", "seaudit", "warm"],
        env=env_with(sock),
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "listening on ...", once it accepts
    assert b"listening on" in line, line
    try:
        yield proc, sock
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while sock.exists() and proc.returncode == 0 and time.monotonic() < deadline:
            time.sleep(0.05)


def seaudit(
    *args: str, socket: Path | None, cwd: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args],
        env=env_with(socket),
        capture_output=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )
