"""The service answers one request at a time, refuses what is not a query request (and goes on),
refuses another installation's client, will not share a directory with other users, and
will not start twice on one socket."""

from __future__ import annotations

import json
import os
import socket
import struct
from pathlib import Path

from seaudit.warm import protocol
from tests.warm.conftest import seaudit


def ask(sock: Path, data: bytes) -> list[tuple[bytes, bytes]]:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(str(sock))
        conn.sendall(data)
        frames = []
        while (got := protocol.read_frame(conn)) is not None:
            frames.append(got)
        return frames


def test_what_is_not_a_request_is_refused_and_the_service_goes_on(service) -> None:  # type: ignore[no-untyped-def]
    _, sock = service
    junk = [
        struct.pack(">I", 5) + b"{nope",
        struct.pack(">I", 2) + b"[]",
        struct.pack(">I", protocol.MAX_REQUEST + 1),
    ]
    for data in junk:
        frames = ask(sock, data)
        assert frames[-1] == (protocol.EXIT, b"2")
        assert b"not a query request" in frames[0][1] or b"bytes: more than" in frames[0][1]
    body = json.dumps(
        {"argv": ["query", "--count"], "cwd": "/", "env": {"PATH": "/x"}, "tty": False,
         "package": protocol.PACKAGE}
    ).encode()  # fmt: skip
    assert ask(sock, struct.pack(">I", len(body)) + body)[-1] == (protocol.EXIT, b"2")
    for argv in (["import", "/etc/passwd"], ["query", "-o", "/tmp/x"], []):
        body = json.dumps(
            {"argv": argv, "cwd": "/", "env": {}, "tty": False, "package": protocol.PACKAGE}
        ).encode()
        frames = ask(sock, struct.pack(">I", len(body)) + body)
        assert frames[-1] == (protocol.EXIT, b"2") and b"queries only" in frames[0][1]
    done = seaudit("formats", socket=sock)  # still answering (formats runs locally anyway)
    assert done.returncode == 0


def test_another_installations_client_is_refused(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, sock = service
    body = json.dumps(
        {"argv": ["query", "--count"], "cwd": str(tmp_path), "env": {}, "tty": False,
         "package": "/elsewhere/seaudit"}
    ).encode()  # fmt: skip
    assert ask(sock, struct.pack(">I", len(body)) + body) == [(protocol.REFUSED, b"")]


def test_it_will_not_start_twice_nor_in_a_shared_directory(service, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, sock = service
    again = seaudit("warm", "--socket", str(sock), socket=sock)
    assert again.returncode == 2 and b"already listens" in again.stderr
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    refused = seaudit("warm", "--socket", str(shared / "q.sock"), socket=None)
    assert refused.returncode == 2 and b"other users" in refused.stderr
    assert not (shared / "q.sock").exists()
