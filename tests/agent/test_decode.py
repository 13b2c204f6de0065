from __future__ import annotations

import shlex
import socket

from hypothesis import given
from hypothesis import strategies as st

from seaudit.agent.decode import (
    MAX_COMMAND,
    SockAddr,
    command_line,
    encode_sockaddr,
    encode_text,
    execve_args,
    ident,
    keys,
    sockaddr,
    text,
    unhex,
)
from seaudit.agent.parse import parse_line


@given(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=60))
def test_kernel_encoded_text_decodes_back(value: str) -> None:
    assert text("name", encode_text(value)) == value


def test_hex_only_for_fields_that_carry_text() -> None:
    assert text("proctitle", "2F62696E2F7368002D63") == "/bin/sh\x00-c"
    assert text("inode", "1234") == "1234"
    assert text("a1", '"-p"') == "-p"
    assert text("a0", "2F746D702F6120622063") == "/tmp/a b c"
    assert text("name", "(null)") is None


def test_invalid_utf8_bytes_survive_as_surrogates() -> None:
    assert unhex("FF41").encode("utf-8", "surrogateescape") == b"\xffA"


def test_multiple_keys_split_on_0x01() -> None:
    assert keys(unhex("6B6579310165786563")) == ("key1", "exec")
    assert keys(None) == ()


def test_unset_ids_are_none() -> None:
    assert ident("4294967295") is None
    assert ident("-1") is None
    assert ident("1000") == 1000


def test_saddr_from_a_real_log() -> None:
    # connect to 127.0.0.1:36173 as recorded in tests/corpus/auditd/basic.log
    addr = sockaddr("02008D4D7F0000010000000000000000")
    assert addr == SockAddr(socket.AF_INET, "127.0.0.1", 36173)
    assert sockaddr("0100") == SockAddr(socket.AF_UNIX, "")
    assert sockaddr("zz") is None


@given(
    st.sampled_from([socket.AF_INET, socket.AF_INET6]),
    st.integers(0, 65535),
    st.ip_addresses(),
)
def test_saddr_round_trip(family: int, port: int, ip: object) -> None:
    address = str(ip)
    if (family == socket.AF_INET) != (":" not in address):
        return
    addr = SockAddr(family, socket.inet_ntop(family, socket.inet_pton(family, address)), port)
    assert sockaddr(encode_sockaddr(addr)) == addr


def _render_execve(args: list[str], cut: int) -> str:
    """An EXECVE body as the kernel writes it, arguments longer than ``cut`` bytes in pieces."""
    parts = [f"argc={len(args)}"]
    for i, arg in enumerate(args):
        data = arg.encode("utf-8", "surrogateescape")
        if len(data) <= cut:
            parts.append(f"a{i}={encode_text(arg)}")
            continue
        quoted = encode_text(arg).startswith('"')
        parts.append(f"a{i}_len={len(data) * (1 if quoted else 2)}")
        for j in range(0, len(data), cut):
            piece = data[j : j + cut]
            value = f'"{piece.decode()}"' if quoted else piece.hex().upper()
            parts.append(f"a{i}[{j // cut}]={value}")
    return " ".join(parts)


@given(
    st.lists(
        st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30), max_size=6
    ),
    st.integers(1, 12),
)
def test_execve_arguments_whole_or_in_pieces_decode_back(args: list[str], cut: int) -> None:
    line = parse_line(f"type=EXECVE msg=audit(1.000:1): {_render_execve(args, cut)}")
    assert execve_args(line.as_dict()) == args


def test_execve_from_the_recorded_log() -> None:
    body = 'argc=2 a0="/sbin/ldconfig" a1="-p"'
    line = parse_line(f"type=EXECVE msg=audit(1796014697.796:24): {body}")
    assert execve_args(line.as_dict()) == ["/sbin/ldconfig", "-p"]


_ARGS = st.lists(
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20), max_size=8
)


@given(_ARGS)
def test_a_command_line_reads_back_as_its_arguments(args: list[str]) -> None:
    line = command_line(args)
    if not args:
        assert line is None
    else:
        assert line is not None and shlex.split(line) == args


def test_a_long_command_line_is_cut_and_says_how_much() -> None:
    line = command_line(["/bin/echo", "x" * 10_000])
    assert line is not None
    cut = len(shlex.join(["/bin/echo", "x" * 10_000])) - MAX_COMMAND
    assert line.startswith("/bin/echo xxx") and line.endswith(f" [cut: {cut} more characters]")
    assert len(line) < MAX_COMMAND + 40
