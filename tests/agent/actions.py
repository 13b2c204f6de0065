"""Real actions under a fresh login uid, for the live auditd tests and the recorded corpus.

Run as root: ``python -m tests.agent.actions LOGINUID WORKDIR [odd]``. It sets its own login uid
(allowed while unset), then opens a watched file, is denied an open as another user (after a
setuid, itself audited), runs a program, runs su to nobody (PAM reports it), connects to a
loopback listener and accepts the connection, makes a UDP "DNS" connect, and reports a failed
and a successful authentication and a login through libaudit's ``audit_log_acct_message``, as
sshd does. Prints what a test needs to know (pids, the port) as JSON. The ``odd`` stage
(``odd_actions``) runs programs with arguments the kernel must hex-encode or split, sudo when
it is installed, and writes a watched file.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

AUDIT_USER_AUTH = 1100
AUDIT_USER_ACCT = 1101
AUDIT_USER_LOGIN = 1112
AUDIT_USER_LOGOUT = 1113
NOBODY = 65534
TEST_USER = "seaudit-test"


def set_loginuid(uid: int) -> None:
    with open("/proc/self/loginuid", "w") as f:
        f.write(str(uid))


def acct_message(kind: int, op: str, user: str, result: int) -> None:
    """One user-space message through libaudit, as sshd sends it."""
    name = ctypes.util.find_library("audit")
    if name is None:
        raise RuntimeError("libaudit is not installed")
    lib = ctypes.CDLL(name)
    fd = lib.audit_open()
    if fd < 0:
        raise RuntimeError("audit_open failed")
    try:
        rc = lib.audit_log_acct_message(
            fd,
            kind,
            b"/usr/sbin/sshd",
            op.encode(),
            user.encode(),
            ctypes.c_uint(0xFFFFFFFF),
            b"localhost",
            b"127.0.0.1",
            b"ssh",
            result,
        )
        if rc <= 0:
            raise RuntimeError(f"audit_log_acct_message failed: {rc}")
    finally:
        lib.audit_close(fd)


def denied_open(path: Path) -> int:
    """A child that becomes nobody and tries to read a root-only file; its pid."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setuid(NOBODY)
            try:
                open(path).close()
            except PermissionError:
                code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("the open as nobody was not denied")
    return pid


def network() -> dict[str, int]:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]  # a free port, bound by its number: the service port
    probe.close()
    server = socket.socket()
    server.bind(("127.0.0.1", port))
    server.listen(1)
    client = socket.create_connection(("127.0.0.1", port))
    conn, _ = server.accept()
    conn.close()
    client.close()
    server.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.connect(("127.0.0.1", 53))  # what a resolver does: not a connection
    udp.close()
    return {"port": port}


#: arguments the kernel writes hex-encoded (a space, a quote, a control, bytes not UTF-8,
#: non-ASCII), and one longer than its 7,500-byte record limit, split into aN[i] pieces
ODD_ARGS: tuple[bytes, ...] = (
    b"two words",
    b'say "hi"',
    b"tab\there",
    b"line\nbreak",
    b"\x1b[31mred",
    b"\xff\xfe not utf-8",
    "ünïcödé".encode(),
    b"plain-arg",
    b"x" * 9000 + b" tail",
)


def odd_actions(workdir: Path) -> dict[str, object]:
    """Programs with odd arguments, sudo (when installed) and a watched write."""
    subprocess.run([b"/bin/true", *ODD_ARGS], check=True)
    (workdir / "watched" / "odd name\twith tab.txt").write_text("odd\n")
    done: dict[str, object] = {"odd_pid": os.getpid()}
    if shutil.which("sudo"):
        subprocess.run(
            ["sudo", "-n", "-u", "nobody", "/bin/true", "by sudo"], check=True, timeout=30
        )
        done["sudo"] = True
    return done


def main(argv: list[str]) -> int:
    loginuid, workdir = int(argv[0]), Path(argv[1])
    set_loginuid(loginuid)
    if argv[2:] == ["odd"]:
        print(json.dumps(odd_actions(workdir)))
        return 0
    watched = workdir / "watched"
    (watched / "secret.txt").read_text()
    (watched / "notes.txt").write_text("written by the live test\n")
    done: dict[str, object] = {"pid": os.getpid()}
    done["denied_pid"] = denied_open(watched / "secret.txt")
    subprocess.run(["/bin/true", "seaudit live test"], check=True)
    # su through PAM (libpam reports USER_AUTH, CRED_ACQ, USER_START... itself)
    subprocess.run(["su", "nobody", "-s", "/bin/true"], check=True, timeout=30)
    done.update(network())
    acct_message(AUDIT_USER_AUTH, "PAM:authentication", TEST_USER, 0)
    acct_message(AUDIT_USER_AUTH, "PAM:authentication", TEST_USER, 1)
    acct_message(AUDIT_USER_LOGIN, "login", TEST_USER, 1)
    acct_message(AUDIT_USER_LOGOUT, "login", TEST_USER, 1)
    print(json.dumps(done))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
