"""The kernel's audit status, read over netlink (``AUDIT_GET``), as ``auditctl -s`` reads it.

Needs CAP_AUDIT_CONTROL in the initial namespaces; elsewhere ``read_status`` raises
``AuditUnavailable`` saying why, so callers can tell "no audit here" from a failure.
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

from seaudit.errors import SeauditError

NETLINK_AUDIT = 9
AUDIT_GET = 1000
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
_HEADER = struct.Struct("=IHHII")
_STATUS = struct.Struct("=8I")  # mask enabled failure pid rate_limit backlog_limit lost backlog


class AuditUnavailable(SeauditError):
    """This kernel offers no audit to this process (container, no privilege, no support)."""

    hint = "Run as root on the host (initial namespaces), with a kernel built with audit."


@dataclass(frozen=True, slots=True)
class KernelStatus:
    enabled: int
    failure: int
    pid: int
    rate_limit: int
    backlog_limit: int
    lost: int
    backlog: int


def read_status(timeout: float = 2.0) -> KernelStatus:
    """One AUDIT_GET round trip."""
    try:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
    except OSError as exc:
        raise AuditUnavailable(f"no audit netlink socket: {exc.strerror or exc}") from None
    with sock:
        sock.settimeout(timeout)
        try:
            sock.bind((0, 0))
            seq = os.getpid() & 0xFFFF
            sock.send(_HEADER.pack(_HEADER.size, AUDIT_GET, NLM_F_REQUEST | NLM_F_ACK, seq, 0))
            while True:
                data = sock.recv(65536)
                status = _status_in(data)
                if status is not None:
                    return status
        except PermissionError:
            raise AuditUnavailable(
                "the kernel refused AUDIT_GET (needs CAP_AUDIT_CONTROL)"
            ) from None
        except (TimeoutError, OSError) as exc:
            raise AuditUnavailable(f"no answer to AUDIT_GET: {exc}") from None


def _status_in(data: bytes) -> KernelStatus | None:
    """The audit status in a netlink reply, None when this part holds only the ack; an error
    reply raises."""
    offset = 0
    while offset + _HEADER.size <= len(data):
        length, kind, _, _, _ = _HEADER.unpack_from(data, offset)
        if length < _HEADER.size:
            break
        body = offset + _HEADER.size
        if kind == NLMSG_ERROR:
            (errno,) = struct.unpack_from("=i", data, body)
            if errno:
                raise OSError(-errno, os.strerror(-errno))  # EPERM makes a PermissionError
        elif kind == AUDIT_GET and length >= _HEADER.size + _STATUS.size:
            _, enabled, failure, pid, rate, limit, lost, backlog = _STATUS.unpack_from(data, body)
            return KernelStatus(enabled, failure, pid, rate, limit, lost, backlog)
        offset += (length + 3) & ~3
    return None
