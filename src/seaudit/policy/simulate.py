"""Seeded, realistic event streams run through a policy: what a site's log would hold.

Per host and day: the hourly cron job (root from ``_CRONJOB_``), user sessions (login, then
file, program and network accesses, then logout, all under one session ID, minutes to hours
long, mostly in working hours), admin ``selang`` sessions, password changes, inbound
connections, and the named attack scenarios (``SCENARIOS``), each once a day on a host and at
a time drawn from the seed. Users and resources are drawn with Zipf-like weights (a few are
busy, most are rare). Sessions end by midnight, so each day is generated on its own: memory
holds one day of events (``rate`` x 24 x ``hosts``). Hosts are UNIX hosts.

Everything comes from ``random.Random`` seeded with ``SEED:DAY:HOST``: the same settings give
the same events, so the same records and the same bytes.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

from seaudit.policy.decide import decide
from seaudit.policy.event import Event
from seaudit.policy.model import Policy
from seaudit.schema.record import AuditRecord

SCENARIOS: tuple[str, ...] = (
    "password_guessing",
    "surrogate_escalation",
    "shadow_read",
    "lateral_movement",
    "audit_tampering",
)
#: the site's people; more users than names get numbered accounts (user042)
NAMES: tuple[str, ...] = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
    "yvonne",
)  # fmt: skip
ADMINS = 2  # the first names are the site's administrators
INSIDER = "mallory"  # the user the scenarios act as (traced by the example policy)
AUDIT_LOG = "/opt/CA/AccessControl/log/seos.audit"
SEAUDIT_BIN = "/opt/CA/AccessControl/bin/seaudit"
ATTACKER_TERMINAL = "198.51.100.23"
#: the events of one day across all hosts, which are held in memory to be put in time order
MAX_DAY_EVENTS = 4_000_000

_WORK_FILES = (
    "/srv/app/config.yml",
    "/srv/app/data/orders.csv",
    "/srv/app/data/customers.csv",
    "/srv/app/logs/app.log",
    "/etc/hosts",
    "/etc/passwd",
    "/var/log/messages",
    "/etc/ssh/sshd_config",
    "/srv/finance/payroll.xlsx",
    "/etc/sudoers",
)
_EDITORS = ("/usr/bin/vi", "/usr/bin/less", "/bin/cat", "/usr/bin/python3", "/bin/grep")
_PROGRAMS = ("/usr/bin/ssh", "/usr/bin/scp", "/usr/bin/sudo", "/usr/bin/crontab", "/bin/tar")
_SERVICES = ("https", "ssh", "ldap", "smtp", "postgresql")
_CRON_FILES = ("/var/log/messages", "/etc/logrotate.conf", "/var/spool/cron/root")


@dataclass(frozen=True, slots=True)
class SimConfig:
    seed: int = 1
    days: int = 1
    hosts: int = 1
    users: int = 12
    rate: float = 40.0  # intercepted events per host and hour, on average
    start: date = date(2024, 3, 4)
    scenarios: tuple[str, ...] = SCENARIOS

    def __post_init__(self) -> None:
        if not (1 <= self.days <= 36500 and 1 <= self.hosts <= 10_000):
            raise ValueError("days must be 1 to 36500, hosts 1 to 10000")
        if not 3 <= self.users <= 1_000_000:
            raise ValueError("users at least 3 (and at most 1000000)")
        if not 0 < self.rate <= 100_000:
            raise ValueError("rate must be above 0 and at most 100000 events an hour")
        if self.rate * 24 * self.hosts > MAX_DAY_EVENTS:  # one day is held in memory
            raise ValueError(
                f"one simulated day would hold {self.rate * 24 * self.hosts:.0f} events "
                f"(at most {MAX_DAY_EVENTS}): lower the rate or the hosts, add days instead"
            )
        unknown = set(self.scenarios) - set(SCENARIOS)
        if unknown:
            raise ValueError(f"unknown scenario {sorted(unknown)[0]!r} (known: {SCENARIOS})")


def host_names(count: int) -> list[str]:
    kinds = ("web", "db", "app", "file")
    return [f"{kinds[i % len(kinds)]}{i // len(kinds) + 1:02d}" for i in range(count)]


def user_names(count: int) -> list[str]:
    names = list(NAMES[:count])
    names += [f"user{i:03d}" for i in range(len(names) + 1, count + 1)]
    return names


class _Zipf:
    """Draws from ``items`` with weight 1/rank^s: the first few are drawn most."""

    def __init__(self, items: Sequence[str], s: float = 1.1) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(1 / (i + 1) ** s for i in range(len(items))))

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_left(self.cum, rng.random() * self.cum[-1])]


@dataclass
class _Day:
    """One host's day being generated: events keyed by second, and the session counter."""

    rng: random.Random
    day: str
    host: str
    host_index: int
    sessions: itertools.count[int]
    events: list[tuple[int, int, Event]] = field(default_factory=list)
    stamps: dict[int, str] = field(default_factory=dict)

    def at(self, second: int, kind: str, **fields: object) -> None:
        second = min(max(second, 0), 86399)
        stamp = self.stamps.get(second)
        if stamp is None:
            h, rest = divmod(second, 3600)
            stamp = self.stamps[second] = f"{self.day}T{h:02d}:{rest // 60:02d}:{rest % 60:02d}"
        event = Event(kind, stamp, **fields)  # type: ignore[arg-type]
        self.events.append((second, len(self.events), event))

    def session_id(self, second: int) -> str:
        base = (self.host_index * 86400 + second) & 0xFFFFFFFF
        return f"{base:08x}:{next(self.sessions) & 0xFFFFFFFF:08x}"


def simulate_events(cfg: SimConfig) -> Iterator[tuple[str, Event]]:
    """(host, event) for every intercepted event, in time order (hosts interleaved)."""
    hosts = host_names(cfg.hosts)
    users = user_names(cfg.users)
    pick_user = _Zipf(users[ADMINS:] or users)
    pick_file = _Zipf(_WORK_FILES)
    counter = itertools.count(0x132)
    for day_index in range(cfg.days):
        day = (cfg.start + timedelta(days=day_index)).isoformat()
        plan = random.Random(f"{cfg.seed}:{day}:plan")
        targets = {name: plan.randrange(len(hosts)) for name in cfg.scenarios}
        merged: list[tuple[int, int, int, Event]] = []
        for index, host in enumerate(hosts):
            gen = _Day(random.Random(f"{cfg.seed}:{day}:{host}"), day, host, index, counter)
            _routine(gen, cfg, users, pick_user, pick_file)
            for name, target in targets.items():
                if target == index:
                    _SCENARIO_FNS[name](gen, users)
            merged += [(s, index, n, e) for s, n, e in gen.events]
        merged.sort(key=lambda item: item[:3])
        for _, index, _, event in merged:
            yield hosts[index], event


def simulate(cfg: SimConfig, policy: Policy) -> Iterator[tuple[str, AuditRecord]]:
    """(host, record) for every record the policy writes, in log order."""
    for host, event in simulate_events(cfg):
        decision = decide(event, policy)
        if decision.record is not None:
            yield host, decision.record
        if decision.trace is not None:
            yield host, decision.trace


def example_policy_text() -> str:
    """The bundled example policy (a small site), selang."""
    return resources.files("seaudit.policy").joinpath("example.selang").read_text("utf-8")


def example_auditcfg_text() -> str:
    return resources.files("seaudit.policy").joinpath("example_audit.cfg").read_text("utf-8")


# --- the routine of a host's day ---------------------------------------------------------------


def _workstation(rng: random.Random) -> str:
    return f"ws{rng.randrange(1, 60):03d}.corp.example"


def _routine(
    gen: _Day, cfg: SimConfig, users: list[str], pick_user: _Zipf, pick_file: _Zipf
) -> None:
    rng = gen.rng
    for hour in range(24):  # the hourly cron job
        _cron(gen, hour * 3600 + rng.randrange(0, 120))
    per_session = 14  # events of a session, on average, with its login and logout
    sessions = max(1, round(cfg.rate * 24 / per_session))
    for _ in range(sessions):
        start = int(min(max(rng.gauss(13.5, 3.0), 6.0), 22.5) * 3600) + rng.randrange(3600)
        _session(gen, pick_user(rng), start, pick_file)
    for i, admin in enumerate(users[:ADMINS]):
        if i == 0 or rng.random() < 0.5:  # one administration session a day at least
            _selang_session(gen, admin, rng.randrange(8 * 3600, 18 * 3600), users)
    for _ in range(rng.randrange(1, 4)):
        who = pick_user(rng)
        second = rng.randrange(7 * 3600, 19 * 3600)
        gen.at(second, "password_change", user=who, code=rng.choice((3, 5, 9, 24)))
    for _ in range(rng.randrange(0, 3)):  # scanners knocking on telnet
        second = rng.randrange(86400)
        peer = f"203.0.113.{rng.randrange(1, 255)}"
        gen.at(second, "connect_in", cls="TCP", service="telnet", host=peer, program="inetd")


def _cron(gen: _Day, second: int) -> None:
    sid = gen.session_id(second)
    common = {"user": "root", "terminal": "_CRONJOB_", "session_id": sid}
    gen.at(second, "login", program="SBIN_CRON", **common)
    for i, path in enumerate(_CRON_FILES[: gen.rng.randrange(1, 4)]):
        gen.at(second + 1 + i, "access", cls="FILE", resource=path, access="Read",
               program="/usr/sbin/logrotate", **common)  # fmt: skip
    gen.at(second + 5 + gen.rng.randrange(60), "logout", **common)


def _session(gen: _Day, user: str, start: int, pick_file: _Zipf) -> None:
    rng = gen.rng
    sid = gen.session_id(start)
    terminal = _workstation(rng)
    common = {"user": user, "terminal": terminal, "session_id": sid}
    gen.at(start, "login", program="/usr/sbin/sshd", **common)
    length = int(min(rng.expovariate(1 / 5400), 8 * 3600)) + 120
    count = max(1, int(rng.expovariate(1 / 12)))
    for offset in sorted(rng.randrange(1, length) for _ in range(count)):
        second = start + offset
        roll = rng.random()
        if roll < 0.70:
            access = "Read" if rng.random() < 0.8 else "Write"
            gen.at(second, "access", cls="FILE", resource=pick_file(rng), access=access,
                   program=rng.choice(_EDITORS), **common)  # fmt: skip
        elif roll < 0.88:
            gen.at(second, "access", cls="PROGRAM", resource=rng.choice(_PROGRAMS),
                   access="Execute", program="/bin/bash", **common)  # fmt: skip
        else:
            gen.at(second, "connect_out", cls="TCP", service=rng.choice(_SERVICES),
                   host=f"{rng.choice(('db', 'web', 'ldap'))}0{rng.randrange(1, 4)}.corp.example",
                   program="/usr/bin/ssh", **common)  # fmt: skip
    gen.at(start + length, "logout", **common)


_SELANG = (
    ("USER", "{user}", "chusr {user} audit(failure loginfailure loginsuccess)"),
    ("FILE", "/srv/app/data/*", "authorize FILE /srv/app/data/* gid(staff) access(read)"),
    ("FILE", "/srv/app/releases", "newres FILE /srv/app/releases defacc(read) audit(failure)"),
    ("GROUP", "staff", "join {user} group(staff)"),
    ("USER", "{user}", "showusr {user}"),
)


def _selang_session(gen: _Day, admin: str, start: int, users: list[str]) -> None:
    rng = gen.rng
    sid = gen.session_id(start)
    terminal = _workstation(rng)
    gen.at(start, "login", user=admin, terminal=terminal, program="selang", session_id=sid)
    for i in range(rng.randrange(1, 4)):
        cls, obj, command = rng.choice(_SELANG)
        target = rng.choice(users)
        gen.at(start + 20 + 40 * i, "admin", user=admin, cls=cls, object=obj.format(user=target),
               command=command.format(user=target), terminal=terminal)  # fmt: skip
    gen.at(start + 200, "logout", user=admin, terminal=terminal, session_id=sid)


# --- the scenarios -------------------------------------------------------------------------------


def _password_guessing(gen: _Day, users: list[str]) -> None:
    rng, victim = gen.rng, "oracle"
    start = rng.randrange(1 * 3600, 5 * 3600)
    common = {"user": victim, "terminal": ATTACKER_TERMINAL, "program": "/usr/sbin/sshd"}
    tries = rng.randrange(5, 9)
    for i in range(tries):
        gen.at(start + 3 * i, "password_attempt", **common)
    gen.at(start + 3 * tries, "login", **common)  # denied: no session begins
    gen.at(start + 3 * tries + 1, "account_disabled", user=victim, terminal=ATTACKER_TERMINAL,
           program="serevu")  # fmt: skip
    gen.at(start + 4 * 3600, "account_enabled", user=victim, terminal="localhost",
           program="serevu")  # fmt: skip


def _insider_session(gen: _Day, start: int) -> dict[str, object]:
    sid = gen.session_id(start)
    common: dict[str, object] = {"user": INSIDER, "terminal": _workstation(gen.rng),
                                 "session_id": sid}  # fmt: skip
    gen.at(start, "login", program="/usr/sbin/sshd", **common)
    gen.at(start + 1800, "logout", **common)
    return common


def _surrogate_escalation(gen: _Day, users: list[str]) -> None:
    start = gen.rng.randrange(10 * 3600, 16 * 3600)
    common = _insider_session(gen, start)
    gen.at(start + 60, "access", cls="PROGRAM", resource="/usr/bin/su", access="Execute",
           program="/bin/bash", **common)  # fmt: skip
    gen.at(start + 61, "access", cls="SURROGATE", resource="USER.root", access="Read",
           program="/usr/bin/su", **common)  # fmt: skip
    gen.at(start + 90, "access", cls="SUDO", resource="root_shell", access="Execute",
           program="/usr/bin/sudo", **common)  # fmt: skip


def _shadow_read(gen: _Day, users: list[str]) -> None:
    start = gen.rng.randrange(10 * 3600, 16 * 3600)
    common = _insider_session(gen, start)
    for i, program in enumerate(("/bin/cat", "/usr/bin/less", "/usr/bin/python3")):
        gen.at(start + 120 + 30 * i, "access", cls="FILE", resource="/etc/shadow", access="Read",
               program=program, **common)  # fmt: skip


def _lateral_movement(gen: _Day, users: list[str]) -> None:
    start = gen.rng.randrange(10 * 3600, 16 * 3600)
    common = _insider_session(gen, start)
    for i in range(1, gen.rng.randrange(5, 9)):
        gen.at(start + 300 + 2 * i, "connect_out", cls="TCP", service="ssh",
               host=f"db{i:02d}.corp.example", program="/usr/bin/ssh", **common)  # fmt: skip


def _audit_tampering(gen: _Day, users: list[str]) -> None:
    start = gen.rng.randrange(17 * 3600, 22 * 3600)
    common = _insider_session(gen, start)
    for i, access in enumerate(("Write", "Delete")):
        gen.at(start + 600 + i, "access", cls="FILE", resource=AUDIT_LOG, access=access,
               program="/bin/rm" if access == "Delete" else "/usr/bin/vi", **common)  # fmt: skip
    sid = gen.session_id(start + 700)
    gen.at(start + 700, "shutdown", user="root", service="seosd", session_id=sid)
    gen.at(start + 760, "untrust", cls="PROGRAM", file=SEAUDIT_BIN, code=4, message_id="0")
    gen.at(start + 762, "startup", service="seosd")


_SCENARIO_FNS = {
    "password_guessing": _password_guessing,
    "surrogate_escalation": _surrogate_escalation,
    "shadow_read": _shadow_read,
    "lateral_movement": _lateral_movement,
    "audit_tampering": _audit_tampering,
}
