"""Audit events -> access events (README "Agent: mapping" is the table of what maps to what).

Stateful in two small ways: ``bind`` calls are remembered per (pid, socket) so an ``accept`` on
that socket knows its service port, and uid -> name lookups are cached. Everything else is a
function of one event.
"""

from __future__ import annotations

import functools
import pwd
import socket
import zlib
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from seaudit.agent import syscalls
from seaudit.agent.access import DENIED, FAILED, PERMITTED, Access, local_time
from seaudit.agent.decode import SockAddr, command_line, execve_args, ident, sockaddr, text
from seaudit.agent.group import Event
from seaudit.agent.parse import AuditLine
from seaudit.agent.rules import ACCOUNT_FILES
from seaudit.schema.record import Origin

EACCES, EPERM, ENOENT, EINPROGRESS = 13, 1, 2, 115
DNS_PORT = 53
#: programs that authenticate through PAM: their identity changes are told by USER_* records
PAM_SURROGATES = frozenset({"su", "sudo", "runuser", "sudoedit"})
CRON = frozenset({"cron", "crond"})
#: the terminal of a process without one (a daemon, a cron job's children) when no node is known
NO_TERMINAL = "localhost"
#: who stopped auditd when the kernel could not tell (``auid=-1 uid=-1``)
UNKNOWN_USER = "unknown"
CRON_TERMINAL = "_CRONJOB_"  # what the product's login records of cron jobs show
MAX_BINDS = 65_536
#: the user-space record types that can make a record (besides ADMIN)
USER_KINDS = frozenset(
    {
        "USER_LOGIN",
        "USER_LOGOUT",
        "USER_AUTH",
        "USER_START",
        "USER_CMD",
        "DAEMON_START",
        "DAEMON_END",
    }
)
ADMIN = {
    "ADD_USER": ("USER", "Add user"),
    "DEL_USER": ("USER", "Delete user"),
    "USER_MGMT": ("USER", "Modify user"),
    "USER_CHAUTHTOK": ("USER", "Change password"),
    "ADD_GROUP": ("GROUP", "Add group"),
    "DEL_GROUP": ("GROUP", "Delete group"),
    "GRP_MGMT": ("GROUP", "Modify group"),
    "GRP_CHAUTHTOK": ("GROUP", "Change password"),
    "CONFIG_CHANGE": ("AUDIT", "Modify audit rules"),
}
ACCOUNT_CLASS = {"/etc/group": "GROUP", "/etc/gshadow": "GROUP"}
#: the SYSCALL argument holding an open's flags
FLAGS_ARG = {"open": "a1", "openat": "a2", "openat2": "a2"}
#: syscalls whose mapping reads the mapper's state (the port a bind gave a socket): the
#: bulk path carries that state in order (``bulk.BulkReader``)
STATEFUL = frozenset({"bind"}) | syscalls.ACCEPT
#: SYSCALL fields read only for some syscalls (all others' are in ``UNREAD``)
SYSCALL_READS: dict[str, tuple[str, ...]] = {
    **{name: (arg,) for name, arg in FLAGS_ARG.items()},
    **{name: ("a0",) for name in syscalls.SETUID},
    **{name: ("a0", "pid") for name in STATEFUL},
}
#: fields of each record type that ``Mapper`` never reads (``SYSCALL_READS`` aside), and
#: record types none of whose fields it reads (``ALL``): an event's shape (``agent.shape``)
#: leaves them out, so events that differ only there map alike. A property test varies
#: them and checks the mapping does not change.
ALL = frozenset({"*"})
UNREAD: dict[str, frozenset[str]] = {
    "SYSCALL": frozenset(
        {"a0", "a1", "a2", "a3", "items", "ppid", "pid", "gid", "suid", "fsuid", "egid"}
        | {"sgid", "fsgid", "key"}
    ),
    "PATH": frozenset(
        {"item", "inode", "dev", "mode", "ouid", "ogid", "rdev", "cap_fp", "cap_fi"}
        | {"cap_fe", "cap_fver", "cap_frootid"}
    ),
    "PROCTITLE": ALL,
    "BPRM_FCAPS": ALL,
}


def user_name(uid: int) -> str:
    """The name of a uid on this host, else the number."""
    try:
        return pwd.getpwuid(uid).pw_name
    except (KeyError, OverflowError):
        return str(uid)


@functools.lru_cache(maxsize=65536)
def session_id(node: str | None, ses: int | None) -> str | None:
    """The kernel session in the product's form ``HHHHHHHH:HHHHHHHH``: the node's CRC-32,
    then ``ses``: unique per login session on a node (``ses`` only repeats after a reboot)."""
    if ses is None:
        return None
    return f"{zlib.crc32((node or '').encode()):08x}:{ses & 0xFFFFFFFF:08x}"


@functools.lru_cache(maxsize=1024)
def service_name(port: int) -> str:
    try:
        return socket.getservbyport(port, "tcp")
    except OSError:
        return str(port)


@dataclass(frozen=True, slots=True)
class Who:
    """What every access of one event shares: when, who, in which session, from where."""

    timestamp: str
    user: str | None
    session_id: str | None
    terminal: str | None
    program: str | None
    origin: Origin


def _make(
    who: Who,
    event: str,
    class_: str,
    resource: str,
    outcome: str,
    *,
    access: str | None = None,
    host: str | None = None,
    service: str | None = None,
    effective_uid: int | None = None,
    effective_user: str | None = None,
    command: str | None = None,
    command_type: str | None = None,
) -> Access:
    return Access(
        event=event,
        class_=class_,
        resource=resource,
        user=who.user,
        access=access,
        program=who.program,
        terminal=who.terminal,
        host=host,
        service=service,
        outcome=outcome,
        timestamp=who.timestamp,
        session_id=who.session_id,
        effective_user=effective_user,
        effective_uid=effective_uid,
        command=command,
        command_type=command_type,
        origin=who.origin,
    )


class Mapper:
    def __init__(self, *, node: str | None, source: str, names: Callable[[int], str] = user_name):
        self.node = node
        self.source = source
        self._names = names
        self._name_cache: dict[int, str] = {}
        self._binds: OrderedDict[tuple[int, int], int] = OrderedDict()

    def accesses(self, event: Event) -> list[Access]:
        """The access events of one audit event (none for most)."""
        first = event.records[0]
        if (
            first.type in ADMIN
            or first.type.startswith("USER_")
            or first.type.startswith("DAEMON_")
        ):
            found = self._user_space(event, first)
            return [found] if found is not None else []
        call = event.first("SYSCALL")
        if call is None:
            return []
        name = syscalls.syscall_name(call.get("arch"), call.get("syscall"))
        if name is None:
            return []
        found = self._syscall(event, call, name)
        return [found] if found is not None else []

    # --- helpers -----------------------------------------------------------------------

    def _name(self, uid: int | None) -> str | None:
        if uid is None:
            return None
        name = self._name_cache.get(uid)
        if name is None:
            name = self._name_cache[uid] = self._names(uid)
        return name

    def _base(self, event: Event, line: AuditLine) -> Who:
        fields = line.as_dict()
        ses = ident(fields.get("ses"))
        auid = ident(fields.get("auid"))
        uid = ident(fields.get("uid"))
        call = event.first("SYSCALL")
        if auid is None and uid is None and call is not None:  # CONFIG_CHANGE: the caller's
            uid = ident(call.get("uid"))
        tty = text("tty", fields.get("tty") or "(none)") or text(
            "terminal", fields.get("terminal") or "?"
        )
        node = event.id.node or self.node
        tty = tty or node or NO_TERMINAL
        return Who(
            timestamp=local_time(event.id.seconds),
            user=self._name(auid if auid is not None else uid),
            session_id=session_id(node, ses),
            terminal=tty,
            program=text("exe", fields.get("exe") or "?"),
            origin=Origin(self.source, event.id.serial, f"audit({event.id.stamp()})", node),
        )

    # --- kernel syscalls ---------------------------------------------------------------

    def _syscall(self, event: Event, call: AuditLine, name: str) -> Access | None:
        fields = call.as_dict()
        exit_code = _int(fields.get("exit"))
        success = fields.get("success") == "yes"
        who = self._base(event, call)
        euid = ident(fields.get("euid"))
        outcome = _outcome(success, exit_code)
        if name in syscalls.OPEN:
            return self._file(event, call, name, outcome, who, euid)
        if name in syscalls.EXEC:
            if exit_code == -ENOENT:
                return None  # execvp trying each directory of PATH: no program, no access
            exe = text("exe", fields.get("exe") or "?")
            program = (exe if success else _path(event) or exe) or "?"
            return _make(
                who,
                "resource_access",
                "PROGRAM",
                program,
                outcome,
                access="Execute",
                effective_user=self._name(euid),
                effective_uid=euid,
                command=_arguments(event),
            )
        addr = _address(event, call)
        if name == "bind":
            port = bound_port(event, call)
            if port is not None:
                self.remember_bind(socket_of(call), port)
            return None
        if name == "connect":
            return _connect(exit_code, success, addr, who)
        if name in syscalls.ACCEPT:
            if not success or addr is None or not addr.is_inet:
                return None
            port = self.bound(socket_of(call))
            service = service_name(port) if port is not None else "unknown"
            return _make(
                who,
                "inbound_network",
                "TCP",
                service,
                PERMITTED,
                host=addr.address,
                service=service,
            )
        if name in syscalls.SETUID:
            if text("comm", fields.get("comm") or "?") in PAM_SURROGATES:
                return None  # su and sudo are told by their USER_* records
            target = _hexint(fields.get("a0"))
            if target is None or target == 0xFFFFFFFF:
                target = euid
            return _make(
                who,
                "resource_access",
                "SURROGATE",
                f"USER.{self._name(target)}",
                outcome,
                access="Surrogate",
                effective_user=self._name(euid),
                effective_uid=euid,
            )
        return None

    def _file(
        self,
        event: Event,
        call: AuditLine,
        name: str,
        outcome: str,
        who: Who,
        euid: int | None,
    ) -> Access | None:
        path = _path(event)
        if path is None:
            return None
        flags_arg = FLAGS_ARG.get(name)
        flags = _hexint(call.get(flags_arg)) if flags_arg else 1
        access = "Read" if flags is not None and flags & 3 == 0 else "Write"
        if path in ACCOUNT_FILES and access == "Write":
            group = ACCOUNT_CLASS.get(path)
            return _make(
                who,
                "db_admin",
                group or "USER",
                path,
                outcome,
                access=access,
                command=f"write {path}",
                command_type="Modify group" if group else "Modify user",
            )
        return _make(
            who,
            "resource_access",
            "FILE",
            path,
            outcome,
            access=access,
            effective_user=self._name(euid),
            effective_uid=euid,
        )

    def remember_bind(self, socket: tuple[int, int], port: int) -> None:
        """A bind gave ``socket`` (``socket_of``) this port: an accept on it serves it."""
        self._binds[socket] = port
        while len(self._binds) > MAX_BINDS:
            self._binds.popitem(last=False)

    def bound(self, socket: tuple[int, int]) -> int | None:
        """The port a bind gave ``socket``, if one is remembered."""
        return self._binds.get(socket)

    # --- user space (PAM, shadow-utils, auditd) ------------------------------------------

    def _user_space(self, event: Event, line: AuditLine) -> Access | None:
        kind = line.type
        if kind not in ADMIN and kind not in USER_KINDS:
            return None
        who = self._base(event, line)
        fields = line.as_dict()
        res = (fields.get("res") or "").lower()
        ok = res in ("success", "1", "yes")
        acct = text("acct", fields.get("acct") or "?") or self._name(ident(fields.get("id")))
        prog = (who.program or "").rsplit("/", 1)[-1]
        terminal = text("terminal", fields.get("terminal") or "?")
        if terminal:
            who = replace(who, terminal=terminal)
        hostname = text("hostname", fields.get("hostname") or "?")
        host = hostname or text("addr", fields.get("addr") or "?")
        if kind in ADMIN:
            cls, command_type = ADMIN[kind]
            op = text("op", fields.get("op") or "?") or kind.lower()
            target = acct or text("key", fields.get("key") or "?") or "?"
            return _make(
                who,
                "db_admin",
                cls,
                target,
                PERMITTED if ok else FAILED,
                command=f"{op} {target}",
                command_type=command_type,
            )
        if kind in ("DAEMON_START", "DAEMON_END"):
            daemon = replace(who, program=None, user=who.user or UNKNOWN_USER)
            event_id = "startup" if kind == "DAEMON_START" else "shutdown"
            return _make(daemon, event_id, "DAEMON", "auditd", PERMITTED, service="auditd")
        if prog in PAM_SURROGATES:
            return _surrogate(kind, ok, acct, line, who, host)
        user = replace(who, user=acct or who.user)
        where = str(who.terminal)
        if kind == "USER_LOGIN":
            return _make(user, "login", "TERMINAL", where, PERMITTED if ok else DENIED, host=host)
        if kind == "USER_LOGOUT":
            return _make(user, "logout", "TERMINAL", where, PERMITTED, host=host)
        if kind == "USER_AUTH" and not ok:
            return _make(user, "password_attempt", "TERMINAL", where, DENIED, host=host)
        if kind == "USER_START" and prog in CRON:
            cron = replace(user, terminal=CRON_TERMINAL)
            return _make(cron, "login", "TERMINAL", CRON_TERMINAL, PERMITTED if ok else DENIED)
        return None


def _connect(
    exit_code: int | None, success: bool, addr: SockAddr | None, who: Who
) -> Access | None:
    if addr is None or not addr.is_inet or addr.port is None:
        return None
    if addr.port == DNS_PORT:
        return None  # a resolver's UDP connect sends nothing: not a connection
    if not success and exit_code not in (-EINPROGRESS, -EACCES, -EPERM):
        return None  # refused or unreachable: no connection was made, no access decided
    outcome = DENIED if exit_code in (-EACCES, -EPERM) else PERMITTED
    return _make(
        who,
        "outbound_network",
        "TCP",
        f"{addr.address}:{addr.port}",
        outcome,
        host=addr.address,
        service=service_name(addr.port),
    )


def _surrogate(
    kind: str, ok: bool, acct: str | None, line: AuditLine, who: Who, host: str | None
) -> Access | None:
    """su and sudo: the session they open (USER_START), a failed authentication, and each
    command sudo runs (USER_CMD, class SUDO)."""
    outcome = PERMITTED if ok else DENIED
    if kind == "USER_CMD":
        command = text("cmd", line.get("cmd") or "?") or "?"
        return _make(who, "resource_access", "SUDO", command, outcome, access="Execute")
    if kind == "USER_START" or (kind == "USER_AUTH" and not ok):
        return _make(
            who,
            "resource_access",
            "SURROGATE",
            f"USER.{acct}",
            outcome,
            access="Surrogate",
            effective_user=acct,
        )
    return None


def _arguments(event: Event) -> str | None:
    """The command line of an execve: its EXECVE records (a long argument spans several,
    all of the event) decoded and joined (``decode.command_line``)."""
    records = event.all("EXECVE")
    if not records:
        return None
    fields: dict[str, str] = {}
    for record in records:
        fields.update(record.as_dict())
    return command_line(execve_args(fields))


def _path(event: Event) -> str | None:
    """The object of a file syscall: the PATH item that is not the parent directory, made
    absolute with CWD."""
    chosen = None
    for record in event.all("PATH"):
        if record.get("nametype") != "PARENT":
            chosen = record
            break
    if chosen is None:
        return None
    name = text("name", chosen.get("name") or "(null)")
    if name is None:
        return None
    if not name.startswith("/"):
        cwd_line = event.first("CWD")
        cwd = text("cwd", cwd_line.get("cwd") or "?") if cwd_line else None
        if cwd:
            name = f"{cwd.rstrip('/')}/{name}"
    return name


def _outcome(success: bool, exit_code: int | None) -> str:
    if success:
        return PERMITTED
    return DENIED if exit_code in (-EACCES, -EPERM) else FAILED


def socket_of(call: AuditLine) -> tuple[int, int]:
    """The (pid, socket) a bind or an accept names (its SYSCALL's): where a port is kept."""
    fd = _hexint(call.get("a0"))
    return (_int(call.get("pid")) or 0, fd if fd is not None else -1)


def bound_port(event: Event, call: AuditLine) -> int | None:
    """The port a bind event gives its socket; None when it gives none (failed, not inet)."""
    addr = _address(event, call)
    if call.get("success") == "yes" and addr is not None and addr.is_inet and addr.port:
        return addr.port
    return None


def _address(event: Event, call: AuditLine) -> SockAddr | None:
    return sockaddr((event.first("SOCKADDR") or call).get("saddr"))


def _int(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        return None


def _hexint(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw, 16)
    except ValueError:
        return None
