"""The warm query service: ``seaudit warm`` listens on ``protocol.socket_path()`` and runs each
query it is sent exactly as ``seaudit`` would (``cli.main`` on the same arguments, in the
client's directory and with its store location, "now" and time zone), writing the output
back as frames. Requests run one at a time, because a query reads that process-wide
state; a client that finds the service busy runs its query itself. A query reads a new
snapshot of the store each time, as a fresh process does: the service holds no result.

Only its user can reach it (the socket's directory is private). Stopped by SIGINT or
SIGTERM, it removes its socket.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

from seaudit.errors import SeauditError, UsageError
from seaudit.warm import protocol

REQUEST_TIMEOUT = 5.0  # seconds a connected client has to send its request
BACKLOG = 64


class _FrameWriter(io.RawIOBase):
    """A writable stream whose bytes go to the client as frames of one kind."""

    def __init__(self, sock: socket.socket, kind: bytes, *, tty: bool = False) -> None:
        self.sock, self.kind, self.tty = sock, kind, tty

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        """Whether the client's own stream is a terminal (a binary format is refused there)."""
        return self.tty

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(data).cast("B")
        step = protocol.MAX_FRAME
        for start in range(0, len(view), step):
            self.sock.sendall(protocol.frame(self.kind, bytes(view[start : start + step])))
        return len(view)


def serve(path: str | None = None, *, ready: bool = True) -> int:
    """Listen and answer queries until SIGINT or SIGTERM; returns the exit status."""
    from seaudit.warm import client

    client.ENABLED = False
    path = path or protocol.socket_path()
    listener = _listen(path)
    if ready:
        print(f"seaudit: query service listening on {path}", file=sys.stderr, flush=True)
    stop = _stop_on_signals()
    _warm_up()
    try:
        while not stop:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except InterruptedError:
                continue
            with conn:
                _answer(conn)
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    return 0


def _listen(path: str) -> socket.socket:
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if not protocol.private_dir(path):
        raise UsageError(
            f"{folder} may be entered by other users: the query service needs a directory "
            "of its own (mode 0700)"
        )
    if os.path.exists(path):
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(path)
        except OSError:
            os.unlink(path)  # left by a service that is gone
        else:
            probe.close()
            raise UsageError(f"a query service already listens on {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(BACKLOG)
    listener.settimeout(0.5)  # to see a stop request between clients
    return listener


def _stop_on_signals() -> list[int]:
    """A list that becomes non-empty when SIGINT or SIGTERM arrives."""
    stop: list[int] = []

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.append(signum)

    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)
    return stop


def _warm_up() -> None:
    """Load what every query needs, before the first one."""
    import duckdb  # noqa: F401

    import seaudit.cli.query
    import seaudit.store  # noqa: F401
    from seaudit.store import Store

    Store.shared_database()


def _answer(conn: socket.socket) -> None:
    conn.settimeout(REQUEST_TIMEOUT)
    try:
        argv, cwd, env, tty, package = protocol.read_request(conn)
    except (SeauditError, OSError) as exc:
        with contextlib.suppress(OSError):
            conn.sendall(protocol.frame(protocol.ERR, f"seaudit: {exc}\n".encode()))
            conn.sendall(protocol.frame(protocol.EXIT, b"2"))
        return
    conn.settimeout(None)
    try:
        if package != protocol.PACKAGE:
            conn.sendall(protocol.frame(protocol.REFUSED))
            return
        if not protocol.answerable(argv):
            message = "seaudit: the query service answers queries only (no -o, --follow)\n"
            conn.sendall(protocol.frame(protocol.ERR, message.encode()))
            conn.sendall(protocol.frame(protocol.EXIT, b"2"))
            return
        conn.sendall(protocol.frame(protocol.ACCEPTED))
        status = _run(conn, argv, cwd, dict(env), tty)
        conn.sendall(protocol.frame(protocol.EXIT, str(status).encode()))
    except OSError:
        return  # the client went away (Ctrl-C, a closed pipe): nothing more to send


def _run(
    conn: socket.socket, argv: tuple[str, ...], cwd: str, env: dict[str, str], tty: bool
) -> int:
    """``seaudit ARGV`` as the client would have run it."""
    from seaudit.cli import main

    raw: Any = _FrameWriter(conn, protocol.OUT, tty=tty)  # a RawIOBase: typeshed's protocol
    errors: Any = _FrameWriter(conn, protocol.ERR)
    out = io.TextIOWrapper(io.BufferedWriter(raw, 1 << 16), encoding="utf-8")
    err = io.TextIOWrapper(
        errors,
        encoding="utf-8",
        errors="backslashreplace",
        write_through=True,
    )
    redirected = contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)
    with _client_state(cwd, env), redirected[0], redirected[1]:
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse on a bad option: usage on stderr, exit 2
            status = _exit_status(exc.code)
        finally:
            with contextlib.suppress(OSError, ValueError):
                out.flush()
    return status


@contextlib.contextmanager
def _client_state(cwd: str, env: dict[str, str]) -> Iterator[None]:
    """The client's directory and query environment for the time of one request."""
    saved_cwd = os.getcwd()
    saved = {k: os.environ.get(k) for k in protocol.ENV_KEYS}
    try:
        os.chdir(cwd)
        for key in protocol.ENV_KEYS:
            if key in env:
                os.environ[key] = env[key]
            else:
                os.environ.pop(key, None)
        time.tzset()
        yield
    finally:
        os.chdir(saved_cwd)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        time.tzset()


def _exit_status(code: object) -> int:
    """The status a process would exit with after ``SystemExit(code)``."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1
