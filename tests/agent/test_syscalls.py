from __future__ import annotations

from seaudit.agent.syscalls import AARCH64, X86_64, syscall_name


def test_numbers_per_architecture() -> None:
    assert syscall_name(X86_64, "257") == "openat"
    assert syscall_name(X86_64.upper(), "59") == "execve"
    assert syscall_name(AARCH64, "203") == "connect"
    assert syscall_name(X86_64, "0") is None  # read: not mapped
    assert syscall_name("40000003", "5") is None  # i386: not mapped
    assert syscall_name(X86_64, "x") is None
    assert syscall_name(None, "2") is None
