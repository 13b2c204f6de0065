"""The few syscalls the agent maps, by number per audit architecture (``arch=`` of SYSCALL)."""

from __future__ import annotations

X86_64 = "c000003e"
AARCH64 = "c00000b7"

_TABLES: dict[str, dict[int, str]] = {
    X86_64: {
        2: "open",
        257: "openat",
        437: "openat2",
        85: "creat",
        76: "truncate",
        77: "ftruncate",
        59: "execve",
        322: "execveat",
        42: "connect",
        43: "accept",
        288: "accept4",
        49: "bind",
        105: "setuid",
        113: "setreuid",
        117: "setresuid",
        122: "setfsuid",
    },
    AARCH64: {
        56: "openat",
        437: "openat2",
        46: "ftruncate",
        45: "truncate",
        221: "execve",
        281: "execveat",
        203: "connect",
        202: "accept",
        242: "accept4",
        200: "bind",
        146: "setuid",
        145: "setreuid",
        147: "setresuid",
        151: "setfsuid",
    },
}

OPEN = frozenset({"open", "openat", "openat2", "creat", "truncate", "ftruncate"})
EXEC = frozenset({"execve", "execveat"})
ACCEPT = frozenset({"accept", "accept4"})
SETUID = frozenset({"setuid", "setreuid", "setresuid", "setfsuid"})


def syscall_name(arch: str | None, number: str | None) -> str | None:
    """The name of a syscall number on an architecture, None when not one the agent maps."""
    if arch is None or number is None or not number.isdigit():
        return None
    return _TABLES.get(arch.lower(), {}).get(int(number))
