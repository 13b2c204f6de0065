"""A private auditd for the live tests and for recording the corpus; it leaves nothing behind.

The kernel's audit state is machine-wide, so: one live session at a time on this machine (a
lock file), never while another auditd is registered, rules added with a key of their own and
deleted by that key only (never ``-D`` alone, never ``-e 2``), auditd stopped and the
enabled flag put back as it was found, whatever happens in between.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from seaudit.agent.kernel import AuditUnavailable, read_status

LOCK = Path(tempfile.gettempdir()) / "seaudit-live-audit.lock"
CONF = """\
local_events = yes
write_logs = yes
log_file = {log}
log_group = root
log_format = RAW
flush = data
freq = 0
max_log_file = 100
num_logs = 2
priority_boost = 0
name_format = USER
name = {node}
max_log_file_action = ROTATE
space_left = 2
space_left_action = IGNORE
admin_space_left = 1
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
use_libwrap = no
tcp_listen_queue = 5
tcp_max_per_addr = 1
tcp_client_max_idle = 0
transport = TCP
distribute_network = no
q_depth = 2000
overflow_action = SYSLOG
max_restarts = 10
plugin_dir = {plugins}
end_of_event_timeout = 2
"""
PLUGIN = """\
active = yes
direction = out
path = {path}
type = always
format = string
"""


def unavailable_reason() -> str | None:
    """Why live tests cannot run here, or None when they can."""
    if os.geteuid() != 0:
        return "live auditd tests need root"
    for tool in ("auditd", "auditctl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/test installs the auditd package)"
    try:
        status = read_status()
    except AuditUnavailable as exc:
        return f"this kernel offers no audit here: {exc}"
    if status.enabled == 2:
        return "audit rules are locked (enabled 2) on this machine"
    if status.pid:
        return f"an audit daemon (pid {status.pid}) already holds the kernel's audit here"
    return None


@dataclass(frozen=True, slots=True)
class LiveAudit:
    dir: Path
    log: Path
    key: str
    loginuid: int
    node: str


def auditctl(*args: str, check: bool = True) -> str:
    done = subprocess.run(["auditctl", *args], capture_output=True, text=True, timeout=20)
    if check and done.returncode != 0:
        raise RuntimeError(f"auditctl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


@contextmanager
def machine_lock(timeout: float = 300.0) -> Iterator[None]:
    with open(LOCK, "a") as f:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError("another live audit session holds the lock") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextmanager
def private_auditd(
    workdir: Path, rules: list[list[str]], *, key: str, loginuid: int, plugin: Path | None = None
) -> Iterator[LiveAudit]:
    """auditd on ``workdir`` with these rules (each ending ``-k key``),
    the plugin program ``plugin`` when given; torn down on exit."""
    with machine_lock():
        found = read_status()
        if found.pid:
            raise RuntimeError(f"another audit daemon (pid {found.pid}) is registered")
        node = "seaudit-live"
        plugins = workdir / "plugins.d"
        plugins.mkdir(parents=True, exist_ok=True)
        log = workdir / "audit.log"
        (workdir / "auditd.conf").write_text(CONF.format(log=log, plugins=plugins, node=node))
        if plugin is not None:
            (plugins / "seaudit.conf").write_text(PLUGIN.format(path=plugin))
        daemon = subprocess.Popen(
            ["auditd", "-n", "-s", "enable", "-c", str(workdir)],
            stdout=subprocess.DEVNULL,
            stderr=open(workdir / "auditd.err", "wb"),  # noqa: SIM115
            start_new_session=True,
        )
        try:
            _wait_registered(daemon)
            for rule in rules:
                if rule[-2:] != ["-k", key]:
                    raise ValueError(f"rule without the session's key: {rule}")
                auditctl(*rule)
            yield LiveAudit(workdir, log, key, loginuid, node)
        finally:
            auditctl("-D", "-k", key, check=False)
            _stop(daemon)
            auditctl("-e", str(found.enabled), check=False)


def _wait_registered(daemon: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if daemon.poll() is not None:
            raise RuntimeError(f"auditd exited with {daemon.returncode}")
        if read_status().pid == daemon.pid:
            return
        time.sleep(0.05)
    raise RuntimeError("auditd did not register with the kernel in 10 s")


def _stop(daemon: subprocess.Popen[bytes]) -> None:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(daemon.pid, signal.SIGKILL)
            daemon.wait(5)


def run_actions(live: LiveAudit, *stage: str) -> dict[str, int]:
    """The actions of ``tests.agent.actions`` under the session's login uid (``stage``:
    ``odd`` for its odd stage)."""
    import json
    import sys

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.agent.actions", str(live.loginuid), str(live.dir), *stage],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(json.loads(done.stdout))


def make_workdir() -> Path:
    """A directory every user may traverse (the denied open must fail on the file itself)."""
    path = Path(tempfile.mkdtemp(prefix="seaudit-live-"))
    path.chmod(0o755)
    watched = path / "watched"
    watched.mkdir()
    watched.chmod(0o755)
    secret = watched / "secret.txt"
    secret.write_text("root only\n")
    secret.chmod(0o600)
    return path


@contextmanager
def small_backlog(limit: int = 8) -> Iterator[None]:
    """The kernel's backlog made tiny and its wait zero, so a burst loses events; the values
    found are put back (call inside ``private_auditd``, which holds the machine lock)."""
    found = dict(line.split(" ", 1) for line in auditctl("-s").splitlines() if line.count(" ") == 1)
    try:
        auditctl("-b", str(limit), "--backlog_wait_time", "0")
        yield
    finally:
        auditctl("-b", found["backlog_limit"], check=False)
        auditctl("--backlog_wait_time", found["backlog_wait_time"], check=False)


def burst(live: LiveAudit, opens: int) -> None:
    """Many audited opens, fast, under the session's login uid."""
    import sys

    code = (
        "import sys; open('/proc/self/loginuid', 'w').write(sys.argv[1])\n"
        "path = sys.argv[2]\n"
        "for _ in range(int(sys.argv[3])): open(path).close()\n"
    )
    target = str(live.dir / "watched" / "secret.txt")
    subprocess.run(
        [sys.executable, "-c", code, str(live.loginuid), target, str(opens)],
        check=True,
        timeout=120,
    )
