"""Requests and frames read back as written, whatever the arguments hold; a stream cut inside
a message is a clear error, the end between frames is not."""

from __future__ import annotations

import socket

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.warm import protocol

argvs = st.lists(st.text(), max_size=6)
envs = st.dictionaries(st.sampled_from(protocol.ENV_KEYS), st.text(max_size=20))


@given(argv=argvs, env=envs, tty=st.booleans())
def test_a_request_reads_back(argv: list[str], env: dict[str, str], tty: bool) -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(protocol.encode_request(argv, tty=tty, env=env))
        got = protocol.read_request(right)
    assert got[0] == tuple(argv) and dict(got[2]) == env and got[3] is tty
    assert got[4] == protocol.PACKAGE


@given(frames=st.lists(st.tuples(st.sampled_from(sorted(protocol.KINDS)), st.binary())))
def test_frames_read_back(frames: list[tuple[bytes, bytes]]) -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"".join(protocol.frame(k, p) for k, p in frames))
        left.shutdown(socket.SHUT_WR)
        got = []
        while (one := protocol.read_frame(right)) is not None:
            got.append(one)
    assert got == frames


@pytest.mark.parametrize("data", [b"O\x00\x00", b"O\x00\x00\x00\x05abc", b"Z\x00\x00\x00\x00"])
def test_a_cut_or_unknown_frame_is_a_clear_error(data: bytes) -> None:
    left, right = socket.socketpair()
    with left, right:
        left.sendall(data)
        left.shutdown(socket.SHUT_WR)
        with pytest.raises(UsageError):
            protocol.read_frame(right)
