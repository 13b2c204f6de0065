"""A real ``seaudit serve`` process on a free loopback port, for the HTTP and browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(root: Path, *extra: str) -> Iterator[str]:
    """``seaudit serve --store root`` running; yields its base URL; stopped after."""
    port = free_port()
    env = {**os.environ, "TZ": "UTC"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "seaudit",
            "serve",
            "--store",
            str(root),
            "--listen",
            f"127.0.0.1:{port}",
            "--zone",
            "UTC",
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"serve exited: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("serve did not answer /healthz within 30 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
