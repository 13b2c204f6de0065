"""The command line's side of the warm query service: send ``seaudit``'s arguments to a
running service and copy its answer out, or say "run it yourself" (None) whenever the
service cannot be used: none is running, its socket's directory is not this user's alone,
it is busy with another query, it is another installation's, or it stopped before it
wrote anything. An answer cut off after output began is an error (exit 2), never a short
answer passed off as whole. Kept light: it runs before anything else is imported."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence

from seaudit.errors import SeauditError
from seaudit.warm import protocol

#: False inside the service itself (which answers its queries; it must not ask itself)
ENABLED = True
ACCEPT_TIMEOUT = 0.5  # seconds the service has to take the request (else it is busy)


def remote(argv: Sequence[str]) -> int | None:
    """The exit status of the query ``argv`` (the verb and its arguments) answered by the
    service, or None when the caller must run it itself."""
    if not ENABLED or not protocol.answerable(argv):
        return None
    path = protocol.socket_path()
    if not os.path.exists(path) or not protocol.private_dir(path):
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with sock:
        sock.settimeout(ACCEPT_TIMEOUT)
        try:
            sock.connect(path)
            sock.sendall(protocol.encode_request(argv, tty=sys.stdout.isatty()))
            first = protocol.read_frame(sock)
        except (OSError, SeauditError):
            return None
        if first is None or first[0] != protocol.ACCEPTED:
            return None
        sock.settimeout(None)
        return _copy(sock)


def _copy(sock: socket.socket) -> int | None:
    out, err = sys.stdout.buffer, sys.stderr.buffer
    wrote = False
    while True:
        try:
            got = protocol.read_frame(sock)
        except (OSError, SeauditError):
            got = None
        if got is None:
            if not wrote:
                return None  # nothing shown yet: the query runs here instead
            out.flush()
            err.write(b"seaudit: the query service stopped before its answer was complete\n")
            err.flush()
            return 2
        kind, payload = got
        if kind == protocol.OUT:
            out.write(payload)
            wrote = True
        elif kind == protocol.ERR:
            out.flush()
            err.write(payload)
            err.flush()
            wrote = True
        elif kind == protocol.EXIT:
            out.flush()
            text = payload.decode("ascii", "replace")
            return int(text) if text.isdigit() else 2
