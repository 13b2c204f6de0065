"""Values as the kernel and libaudit encode them, decoded.

A string the kernel cannot print safely (any byte ``"``, below 0x21 or above 0x7e) is written
as upper-case hex without quotes; a safe one is written in double quotes; a missing one as
``(null)``. Only some fields carry such strings (``ENCODED``): ``ino=1234`` is a number, not
hex. Ids of 4294967295 (``(uid_t)-1``) mean "unset".
"""

from __future__ import annotations

import shlex
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass

UNSET = 4294967295
#: fields whose unquoted value is hex-encoded text (kernel audit_log_untrustedstring, libaudit
#: audit_encode_nv_string); execve arguments ``aN`` and ``aN[i]`` are handled by name
ENCODED = frozenset(
    {
        "name",
        "comm",
        "exe",
        "cwd",
        "proctitle",
        "key",
        "acct",
        "cmd",
        "path",
        "data",
        "old",
        "new",
        "new-chardev",
        "old-chardev",
        "new-disk",
        "old-disk",
        "grp",
        "new_group",
        "id_name",
    }
)
KEY_SEPARATOR = "\x01"
#: a command line longer than this is cut, and says how much was cut (a record stays small)
MAX_COMMAND = 8192


def is_encoded(field: str) -> bool:
    """Whether an unquoted value of this field is hex-encoded text."""
    return field in ENCODED or (field[:1] == "a" and field[1:2].isdigit() and "_" not in field)


def text(field: str, raw: str) -> str | None:
    """The text a value stands for: quotes removed, hex decoded; None for ``(null)``/``?``."""
    if raw.startswith('"'):
        return raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
    if raw in ("(null)", "?", "(none)"):
        return None
    if is_encoded(field):
        return unhex(raw)
    return raw


def unhex(raw: str) -> str:
    """Hex text decoded to a string (undecodable bytes kept as surrogates); text that is not
    hex is returned as it is (some writers leave a safe value bare)."""
    if len(raw) % 2 or not _ishex(raw):
        return raw
    return bytes.fromhex(raw).decode("utf-8", "surrogateescape")


def _ishex(raw: str) -> bool:
    return all(c in "0123456789ABCDEFabcdef" for c in raw)


def keys(raw: str | None) -> tuple[str, ...]:
    """A rule key value, which holds several keys separated by 0x01."""
    if not raw:
        return ()
    return tuple(k for k in raw.split(KEY_SEPARATOR) if k)


def number(raw: str | None) -> int | None:
    """A decimal (or 0x/ hex for ``a0``.. syscall arguments) number, or None."""
    if raw is None:
        return None
    try:
        return int(raw, 10)
    except ValueError:
        try:
            return int(raw, 16)
        except ValueError:
            return None


def ident(raw: str | None) -> int | None:
    """A uid/gid/auid/ses value; None when unset (4294967295, -1) or not a number."""
    value = number(raw)
    if value is None or value in (UNSET, -1):
        return None
    return value


@dataclass(frozen=True, slots=True)
class SockAddr:
    """A decoded ``saddr``: family and, for inet families, address and port."""

    family: int
    address: str | None = None
    port: int | None = None

    @property
    def is_inet(self) -> bool:
        return self.family in (socket.AF_INET, socket.AF_INET6)


def sockaddr(raw: str | None) -> SockAddr | None:
    """``saddr`` hex: the family in host (little-endian) order, port and address in network
    order. None when it is not a sockaddr."""
    if not raw or len(raw) < 4 or len(raw) % 2 or not _ishex(raw):
        return None
    data = bytes.fromhex(raw)
    (family,) = struct.unpack_from("<H", data)
    if family == socket.AF_INET and len(data) >= 8:
        (port,) = struct.unpack_from("!H", data, 2)
        return SockAddr(family, socket.inet_ntop(socket.AF_INET, data[4:8]), port)
    if family == socket.AF_INET6 and len(data) >= 24:
        (port,) = struct.unpack_from("!H", data, 2)
        return SockAddr(family, socket.inet_ntop(socket.AF_INET6, data[8:24]), port)
    if family == socket.AF_UNIX:
        path = data[2:].split(b"\x00", 1)[0] if data[2:3] != b"\x00" else data[3:]
        return SockAddr(family, path.decode("utf-8", "surrogateescape"))
    return SockAddr(family)


def encode_sockaddr(addr: SockAddr) -> str:
    """The ``saddr`` hex of an inet address (the inverse of ``sockaddr``, for tests and docs)."""
    family = struct.pack("<H", addr.family)
    port = struct.pack("!H", addr.port or 0)
    if addr.family == socket.AF_INET:
        body = port + socket.inet_pton(socket.AF_INET, addr.address or "0.0.0.0") + bytes(8)
    else:
        body = port + bytes(4) + socket.inet_pton(socket.AF_INET6, addr.address or "::") + bytes(4)
    return (family + body).hex().upper()


def encode_text(value: str) -> str:
    """How the kernel writes an untrusted string: quoted when safe, else upper-case hex."""
    data = value.encode("utf-8", "surrogateescape")
    if data and all(0x21 <= b <= 0x7E and b != 0x22 for b in data):
        return f'"{value}"'
    return data.hex().upper()


def execve_args(fields: Mapping[str, str]) -> list[str]:
    """The arguments of an EXECVE record: ``argc``, then ``aN`` each (quoted or hex), or, for
    an argument too long for one record, ``aN_len`` and its hex pieces ``aN[0]``, ``aN[1]``...
    A piece missing (a record lost) ends the argument where the pieces stop."""
    argc = number(fields.get("argc")) or 0
    args: list[str] = []
    for i in range(argc):
        whole = fields.get(f"a{i}")
        if whole is not None:
            args.append(text(f"a{i}", whole) or "")
            continue
        if f"a{i}_len" not in fields:
            break
        pieces = []
        j = 0
        while (piece := fields.get(f"a{i}[{j}]")) is not None:
            pieces.append(piece)
            j += 1
        if all(p.startswith('"') for p in pieces):  # a safe argument, cut in quoted pieces
            args.append("".join(p.strip('"') for p in pieces))
        else:  # hex pieces: joined before decoding (a character may span two)
            args.append(unhex("".join(pieces)))
    return args


def command_line(args: list[str]) -> str | None:
    """The arguments as one command line a shell reads back (``shlex.join``: an argument with
    a space or a quote is quoted, so the line is unambiguous), cut at ``MAX_COMMAND``
    characters with a note of what was cut; None for no arguments. Control characters stay
    in the value: every output escapes them in its own way."""
    if not args:
        return None
    line = shlex.join(args)
    if len(line) <= MAX_COMMAND:
        return line
    return f"{line[:MAX_COMMAND]} [cut: {len(line) - MAX_COMMAND} more characters]"
