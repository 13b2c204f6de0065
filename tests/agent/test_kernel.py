"""The netlink reply parser (the live read is checked against ``auditctl -s`` in test_live)."""

from __future__ import annotations

import errno
import struct

import pytest

from seaudit.agent.kernel import _HEADER, AUDIT_GET, NLMSG_ERROR, KernelStatus, _status_in


def _message(kind: int, body: bytes) -> bytes:
    data = _HEADER.pack(_HEADER.size + len(body), kind, 0, 1, 0) + body
    return data + bytes(-len(data) % 4)


def test_the_status_after_an_ack() -> None:
    ack = _message(NLMSG_ERROR, struct.pack("=i", 0) + bytes(16))
    status = _message(AUDIT_GET, struct.pack("=11I", 0, 1, 1, 4242, 0, 64, 17, 3, 0, 0, 0))
    assert _status_in(ack) is None
    assert _status_in(ack + status) == KernelStatus(1, 1, 4242, 0, 64, 17, 3)


def test_a_refusal_raises_the_errno() -> None:
    refusal = _message(NLMSG_ERROR, struct.pack("=i", -errno.EPERM) + bytes(16))
    with pytest.raises(PermissionError):
        _status_in(refusal)


def test_a_truncated_reply_is_no_status() -> None:
    assert _status_in(b"\x01\x00") is None
    assert _status_in(_message(AUDIT_GET, b"\x00" * 8)) is None
