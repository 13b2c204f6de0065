"""The warm query service's wire format, on a Unix socket: one request, then frames.

The client sends one request: a 4-byte big-endian length, then that many bytes of JSON
``{"argv": [...], "cwd": "...", "env": {...}, "tty": false, "package": "..."}`` (``tty``:
the client's standard output is a terminal) (at most ``MAX_REQUEST`` bytes). The service
answers with frames, each a kind byte, a 4-byte big-endian length and the payload:

- ``A`` accepted: the service has taken the request (sent before the query runs; a client
  that does not get it soon runs the query itself);
- ``R`` refused: the client runs the query itself (the service is another installation's
  seaudit: the request names the client's package directory, ``package``);
- ``O`` bytes of standard output, ``E`` bytes of standard error, in order;
- ``X`` the exit status (the payload is its decimal digits): the answer is complete.

A stream that ends before ``X`` is an incomplete answer (the service stopped).
"""

from __future__ import annotations

import json
import os
import socket
import struct
from collections.abc import Mapping, Sequence

from seaudit.errors import UsageError

ACCEPTED, REFUSED, OUT, ERR, EXIT = b"A", b"R", b"O", b"E", b"X"
KINDS = frozenset({ACCEPTED, REFUSED, OUT, ERR, EXIT})
MAX_REQUEST = 1 << 20  # a command line is a few hundred bytes
MAX_FRAME = 16 << 20
_HEAD = struct.Struct(">cI")
_LENGTH = struct.Struct(">I")
#: the environment a query depends on (store location, "now", time zone), sent along
ENV_KEYS = ("SEAUDIT_STORE", "XDG_DATA_HOME", "HOME", "SEAUDIT_NOW", "TZ")
#: options whose query the client runs itself (files it writes, following, help)
LOCAL_ONLY = ("--follow", "--output", "--interval", "-h", "--help")
#: the one verb the service answers: a query reads, so the service never writes
VERB = "query"
#: this installation of seaudit (a service answers only clients of the same one)
PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))


#: (argv, cwd, env, tty, package) of one query; plain tuples, not a dataclass: this module is on the
#: client's start-up path, where importing ``dataclasses`` alone costs milliseconds
Request = tuple[tuple[str, ...], str, tuple[tuple[str, str], ...], bool, str]


def encode_request(
    argv: Sequence[str], *, tty: bool, env: Mapping[str, str] | None = None
) -> bytes:
    """This process's request for ``argv`` (its directory and the environment that matters;
    text that is not UTF-8, held as surrogates, travels escaped by ``ensure_ascii``)."""
    source = os.environ if env is None else env
    doc = {
        "argv": list(argv),
        "cwd": os.getcwd(),
        "env": {k: source[k] for k in ENV_KEYS if k in source},
        "tty": tty,
        "package": PACKAGE,
    }
    body = json.dumps(doc, ensure_ascii=True).encode("ascii")
    return _LENGTH.pack(len(body)) + body


def read_request(sock: socket.socket) -> Request:
    """The request on ``sock``; ``UsageError`` saying why when it is not one."""
    head = _read_exactly(sock, _LENGTH.size)
    (length,) = _LENGTH.unpack(head)
    if length > MAX_REQUEST:
        raise UsageError(f"request of {length} bytes: more than {MAX_REQUEST}")
    body = _read_exactly(sock, length)
    try:
        doc = json.loads(body)
        argv, cwd, env, tty = doc["argv"], doc["cwd"], doc["env"], doc["tty"]
        package = doc["package"]
        if not isinstance(tty, bool):
            raise ValueError("tty is not true or false")
        if not isinstance(package, str):
            raise ValueError("package is not a string")
        if not (isinstance(argv, list) and all(isinstance(a, str) for a in argv)):
            raise ValueError("argv is not a list of strings")
        if not isinstance(cwd, str):
            raise ValueError("cwd is not a string")
        if not isinstance(env, dict) or not all(
            k in ENV_KEYS and isinstance(v, str) for k, v in env.items()
        ):
            raise ValueError("env holds something other than the query's variables")
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        raise UsageError(f"not a query request: {exc}") from None
    return tuple(argv), cwd, tuple(sorted(env.items())), tty, package


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return _HEAD.pack(kind, len(payload)) + payload


def read_frame(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The next frame (kind, payload), or None when the stream ended cleanly between frames;
    ``UsageError`` for a stream that is not frames (or ends inside one)."""
    first = sock.recv(1)
    if not first:
        return None
    rest = _read_exactly(sock, _HEAD.size - 1)
    kind, length = _HEAD.unpack(first + rest)
    if kind not in KINDS or length > MAX_FRAME:
        raise UsageError(f"not a query service frame: kind {kind!r}, {length} bytes")
    return kind, _read_exactly(sock, length)


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    parts: list[bytes] = []
    while size:
        part = sock.recv(min(size, 1 << 20))
        if not part:
            raise UsageError("the query service's stream ended in the middle of a message")
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def socket_path() -> str:
    """Where the service listens: ``$SEAUDIT_QUERY_SOCKET``, else ``query.sock`` in
    ``$XDG_RUNTIME_DIR/seaudit``, else in ``/tmp/seaudit-UID`` (a directory only its user
    may enter: see ``private_dir``)."""
    given = os.environ.get("SEAUDIT_QUERY_SOCKET")
    if given:
        return given
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = os.path.join(runtime, "seaudit") if runtime else f"/tmp/seaudit-{os.getuid()}"
    return os.path.join(base, "query.sock")


def private_dir(path: str) -> bool:
    """Whether the socket's directory is this user's alone (so nobody else can stand in for
    the service or reach it)."""
    try:
        info = os.stat(os.path.dirname(path) or ".")
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o077


def answerable(argv: Sequence[str]) -> bool:
    """Whether the service may answer ``argv`` (the verb, then its arguments): a query that
    writes no file, follows nothing and asks for no help."""
    return bool(argv) and argv[0] == VERB and not any(_local_only(a) for a in argv[1:])


def _local_only(arg: str) -> bool:
    if arg in LOCAL_ONLY or arg.startswith(("--output=", "--follow=")):
        return True
    return arg.startswith("-o") and not arg.startswith("--")
