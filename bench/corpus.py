"""A seeded generator of realistic seaudit text for the benchmarks:
``python bench/corpus.py N OUT [SEED]``.

What the corpus looks like (the issue asks the benchmarks to say):

- **One node's trail of about a month, in time order.** Sessions start at the rate that
  would spread ``count`` records over ``DAYS`` days; sessions come out a little shorter
  than planned, so the trail runs a few days longer (10 M records: 1 May to 3 June 2024).
  Activity follows the clock: working hours (08-18) of weekdays are about four times busier
  than nights and weekends.
- **Activity comes in sessions.** A user logs in on a terminal, works for minutes to hours
  (log-normal: median 12 minutes, one in ten longer than an hour, at most 8 hours), and
  every record of that work (file and program access, sudo, surrogate, outbound network,
  a user trace now and then) lies inside that window; then the user logs out. A session ID
  has the product's form (``4922ae61:00000132``): eight hex digits that grow with the
  session's start time, a colon, a counter. About one login in twenty fails (no session
  follows).
- **Names are skewed (Zipf-like, exponent 1.1).** A few users (root, oracle, the service
  accounts) do most of the work and a long tail of ``USERS`` users do little; resources,
  programs, terminals and hosts are skewed the same way, each user keeping to a few
  terminals.
- **All fourteen event types.** Outside sessions: inbound network connections, database
  administration, password checks and attempts, account enable/disable, untrusted
  programs, daemon start and stop; one record in ten is a Windows one (``DOMAIN\\user``,
  ``C:\\...``). Status letters follow the kind: most access is permitted, some denied, some
  in warning mode.

Lines are rendered by ``render_short``/``render_detailed`` through templates: the renderer
draws each record *shape* once with markers where the names go, and the markers are
filled per record (``_Templates``), which is byte for byte ``render_short`` (checked on
every record by ``python bench/corpus.py --check N``) at several times its speed, so that
ten million records take a minute rather than most of an hour.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
import itertools
import math
import random
import sys
import zlib
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.short import render_short
from seaudit.text.timefmt import MONTHS

DAYS = 30
LAST_DAY = datetime(2024, 5, 30)  # the trail ends on this day (the store bench's "today")
FIRST_DAY = LAST_DAY - timedelta(days=DAYS - 1)
ZIPF = 1.1
USERS = 2000
RECORDS_PER_SESSION = 24  # on average, login and logout included
SESSION_MEDIAN_MINUTES = 12.0
SESSION_SIGMA = 1.4  # log-normal spread: one session in ten lasts over an hour
SESSION_MAX_SECONDS = 8 * 3600
WINDOWS = 0.1  # share of sessions on Windows nodes' form of names and paths
#: the session the store bench looks up (a real one: the generator gives it this ID)
SESSION = "4922ae61:00000132"
SESSION_NUMBER = 0x132  # the session given that ID (sessions are numbered from 0)

HEAD_USERS = ("root", "oracle", "svc_app", "jenkins", "www-data", "backup", "admabc")
WIN_USERS = ("MACHINE\\Administrator", "DOMAIN\\john", "CORP\\svc_sql", "CORP\\alice")
CLASSES = (("FILE", 70), ("PROGRAM", 12), ("SUDO", 6), ("SURROGATE", 5), ("TERMINAL", 3))
ACCESS = (("Read", 60), ("Write", 18), ("Execute", 12), ("Update", 5), ("Chdir", 3))
STATUS_ACCESS = (("P", 85), ("D", 10), ("W", 5))
FILE_ROOTS = ("/etc", "/var/log", "/home", "/opt/app", "/usr/local/bin", "/tmp", "/srv/data")
PROGRAMS = (
    "/bin/bash",
    "/usr/bin/vi",
    "/bin/cat",
    "/usr/bin/sudo",
    "/usr/local/bin/tcsh",
    "/usr/bin/ssh",
    "/usr/bin/python3",
    "/usr/bin/less",
    "/usr/sbin/sshd",
    "/bin/login",
)
WIN_FILES = ("C:\\Windows\\system32\\drivers\\etc\\hosts", "C:\\data\\report.xlsx")
WIN_PROGRAMS = ("C:\\Windows\\explorer.exe", "C:\\Windows\\system32\\cmd.exe")
SERVICES = (("ssh", 40), ("http", 25), ("telnet", 10), ("ftp", 10), ("smtp", 15))
DB_OBJECTS = ("dfdok", "users", "payroll", "audit_cfg")


class _Zipf:
    """Items drawn with probability proportional to 1 / rank ** ZIPF."""

    def __init__(self, items: Sequence[str]) -> None:
        self.items = tuple(items)
        self.cum = list(itertools.accumulate(1 / (rank**ZIPF) for rank in range(1, len(items) + 1)))

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _weighted(pairs: Sequence[tuple[str, int]]) -> _Weighted:
    return _Weighted(pairs)


class _Weighted:
    def __init__(self, pairs: Sequence[tuple[str, int]]) -> None:
        self.items = tuple(p[0] for p in pairs)
        self.cum = list(itertools.accumulate(p[1] for p in pairs))

    def __call__(self, rng: random.Random) -> str:
        return self.items[bisect.bisect(self.cum, rng.random() * self.cum[-1])]


def _site(seed: int) -> dict[str, _Zipf]:
    """The names of one site, each list in rank order (the most used first)."""
    rng = random.Random(seed * 7919 + 1)
    tail = [f"user{i:03d}" for i in range(USERS - len(HEAD_USERS))]
    rng.shuffle(tail)  # which user is busy is the seed's
    users = [*HEAD_USERS, *tail]
    files = [
        f"{rng.choice(FILE_ROOTS)}/{rng.choice(('conf', 'data', 'log', 'lib', 'share'))}/f{i}"
        for i in range(5000)
    ]
    files[:4] = ["/etc/passwd", "/etc/shadow", "/etc/hosts", "/var/log/messages"]
    terminals = ["localhost", "_CRONJOB_"] + [f"tty{i}" for i in range(40)]
    terminals += [f"10.{i // 250}.{i % 250}.{rng.randrange(1, 255)}" for i in range(800)]
    hosts = [f"host{i:03d}.example.com" for i in range(300)] + ["db01", "web01"]
    rng.shuffle(hosts)
    return {
        "user": _Zipf(users),
        "file": _Zipf(files),
        "program": _Zipf(PROGRAMS),
        "terminal": _Zipf(terminals),
        "host": _Zipf(hosts),
    }


_CLASS = _weighted(CLASSES)
_ACCESS = _weighted(ACCESS)
_STATUS = _weighted(STATUS_ACCESS)
_SERVICE = _weighted(SERVICES)


def _stamp(t: float) -> str:
    return (FIRST_DAY + timedelta(seconds=int(t))).strftime("%Y-%m-%dT%H:%M:%S")


def _busy(t: float) -> float:
    """How busy the clock is at ``t`` seconds into the trail (relative)."""
    when = FIRST_DAY + timedelta(seconds=int(t))
    working = when.weekday() < 5 and 8 <= when.hour < 18
    return 4.0 if working else 1.0


def _session_records(
    rng: random.Random, site: dict[str, _Zipf], start: float, number: int
) -> list[tuple[float, AuditRecord]]:
    """One login and what follows it: the session's records with their times."""
    win = rng.random() < WINDOWS
    user = rng.choice(WIN_USERS) if win else site["user"](rng)
    # a user keeps to a few terminals: drawn from a generator seeded by the user
    terminal = site["terminal"](random.Random(zlib.crc32(user.encode()) * 3 + rng.randrange(3)))
    ts = _stamp(start)
    if rng.random() < 0.05:  # a failed login: no session follows
        fail = AuditRecord(
            event="login", timestamp=ts, status="D", event_name="LOGIN", user=user,
            stage=59, reason=rng.choice((1, 2, 4)), terminal=terminal,
            program="/bin/login", audit_flags="",
        )  # fmt: skip
        return [(start, fail)]
    session = SESSION if number == SESSION_NUMBER else f"{int(start) + 0x40000000:08x}:{number:08x}"
    length = min(
        SESSION_MAX_SECONDS,
        60 * SESSION_MEDIAN_MINUTES * math.exp(rng.gauss(0, SESSION_SIGMA)),
    )
    count = max(0, int(rng.expovariate(1 / (RECORDS_PER_SESSION - 2))))
    times = sorted(start + 1 + rng.random() * length for _ in range(count))
    out = [
        (
            start,
            AuditRecord(
                event="login", timestamp=ts, status="P", event_name="LOGIN", user=user,
                session_id=session, stage=59, reason=2, terminal=terminal,
                program="/bin/login", audit_flags="",
            ),
        )
    ]  # fmt: skip
    for t in times:
        out.append((t, _in_session(rng, site, _stamp(t), user, session, terminal, win)))
    end = (times[-1] if times else start) + 1 + rng.random() * 30
    logout = AuditRecord(
        event="logout", timestamp=_stamp(end), status="O", event_name="LOGIN", user=user,
        session_id=session, stage=49, reason=0, terminal=terminal, audit_flags="",
    )  # fmt: skip
    out.append((end, logout))
    return out


def _in_session(
    rng: random.Random,
    site: dict[str, _Zipf],
    ts: str,
    user: str,
    session: str,
    terminal: str,
    win: bool,
) -> AuditRecord:
    """One record of a user's work inside a session."""
    pick = rng.random()
    flags = "(OS user)" if rng.random() < 0.1 else ""
    if pick < 0.86:
        cls = _CLASS(rng)
        resource = (
            rng.choice(WIN_FILES)
            if win
            else site["program"](rng)
            if cls == "PROGRAM"
            else site["file"](rng)
        )
        if cls in ("SUDO", "SURROGATE"):
            resource = f"USER.{site['user'](rng)}" if cls == "SURROGATE" else "root"
        if cls == "TERMINAL":
            resource = terminal
        return AuditRecord(
            event="resource_access", timestamp=ts, status=_STATUS(rng), class_=cls, user=user,
            session_id=session, access=_ACCESS(rng), stage=rng.choice((69, 55, 8, 11)),
            reason=rng.randint(0, 5), resource=resource,
            program=rng.choice(WIN_PROGRAMS) if win else site["program"](rng),
            terminal=terminal, audit_flags=flags, effective_user=user,
            platform="windows" if win else "unix",
        )  # fmt: skip
    if pick < 0.97:
        return AuditRecord(
            event="outbound_network", timestamp=ts, status=rng.choice("PPPPD"), class_="TCP",
            user=user, session_id=session, service=_SERVICE(rng), stage=rng.choice((408, 409)),
            reason=rng.randint(0, 3), host=site["host"](rng), program=site["program"](rng),
            terminal=terminal, audit_flags=flags,
        )  # fmt: skip
    resource = site["file"](rng)
    return AuditRecord(
        event="trace", timestamp=ts, status="P", event_name="TRACE", user=user,
        effective_user=user, real_user=user, class_="FILE", resource=resource, stage=55,
        audit_flags="", trace=f"FILE > Result: 'P' [stage=55 gstag=55 ACEEH=8 rv=0({resource}",
        platform="unix",
    )  # fmt: skip


def _background(rng: random.Random, site: dict[str, _Zipf], ts: str) -> AuditRecord:
    """A record outside any session: daemons, admin, network servers, password checks."""
    pick = rng.random()
    user = site["user"](rng)
    if pick < 0.45:
        return AuditRecord(
            event="inbound_network", timestamp=ts, status=rng.choice("PPPD"), class_="TCP",
            service=_SERVICE(rng), stage=rng.choice((408, 409, 12)), reason=rng.randint(0, 3),
            host=site["host"](rng), program="/usr/sbin/sshd",
        )  # fmt: skip
    if pick < 0.65:
        obj = rng.choice(DB_OBJECTS)
        return AuditRecord(
            event="db_admin", timestamp=ts, status=rng.choice("SSSF"), event_name="UPDATE",
            class_="FILE", user=user, stage=305, reason=0, object=obj,
            terminal=site["terminal"](rng), command=f"cr file {obj} defacc(r)", audit_flags="",
        )  # fmt: skip
    if pick < 0.75:
        return AuditRecord(
            event="password_verification", timestamp=ts, status="F", event_name="PASSWORD",
            user=user, stage=rng.randint(1, 9), reason=0, audit_flags="",
        )  # fmt: skip
    if pick < 0.9:
        status = rng.choice("EIA")
        event = {"E": "login_enabled", "I": "login_disabled", "A": "password_attempt"}[status]
        return AuditRecord(
            event=event, timestamp=ts, status=status, event_name="LOGIN", user=user,
            stage=rng.choice((1, 2)), reason=rng.randint(0, 9), terminal=site["terminal"](rng),
            program="/bin/login", audit_flags="",
        )  # fmt: skip
    if pick < 0.95:
        return AuditRecord(
            event="untrust", timestamp=ts, status="U", class_="PROGRAM", module="seoswd",
            stage=rng.randint(1, 4), message_id=str(rng.randint(1, 99)),
            file=site["program"](rng),
        )  # fmt: skip
    if pick < 0.975:
        return AuditRecord(
            event="startup", timestamp=ts, status="M", event_name="START",
            service=rng.choice(("seosd", "seagent", "seoswd")),
        )  # fmt: skip
    return AuditRecord(
        event="shutdown", timestamp=ts, status="M", event_name="SHUTDOWN", user="root",
        stage=1, service="seosd", audit_flags="",
    )  # fmt: skip


def records(count: int, seed: int = 1) -> Iterator[AuditRecord]:
    """``count`` records of one node over ``DAYS`` days, in time order (see the module)."""
    rng = random.Random(seed)
    site = _site(seed)
    span = DAYS * 86400.0
    sessions = max(1, count // RECORDS_PER_SESSION)
    mean_busy = 1.0 + 3.0 * (5 / 7) * (10 / 24)
    gap = span / sessions * mean_busy
    pending: list[tuple[float, int, AuditRecord]] = []
    order = itertools.count()
    t, number, made = 0.0, 0, 0
    while made < count:
        t += rng.expovariate(_busy(t) / gap) if t < span else gap
        made_session = _session_records(rng, site, t, number)
        for when, rec in made_session:
            heapq.heappush(pending, (when, next(order), rec))
        number += made_session[0][1].session_id is not None  # a failed login opens none
        if rng.random() < 0.08:
            heapq.heappush(pending, (t, next(order), _background(rng, site, _stamp(t))))
        while pending and pending[0][0] <= t and made < count:
            yield heapq.heappop(pending)[2]
            made += 1
    # the sessions still open end after the last start: not needed, ``count`` is reached


def record(rng: random.Random) -> AuditRecord:
    """One record of the realistic mix (no session around it), for benches that need single
    records (routing)."""
    site = _SITE_FOR_RECORD
    if rng.random() < 0.08:
        return _background(rng, site, _stamp(rng.random() * DAYS * 86400))
    session = _session_records(rng, site, rng.random() * DAYS * 86400, rng.getrandbits(20))
    return rng.choice(session)[1]


_SITE_FOR_RECORD = _site(1)

_MARK = "\ue000{}\ue001"  # where a name goes in a template (private use: never escaped)
_SENTINEL = "2000-01-01T00:00:00"
_SENTINEL_TEXT = "01 Jan 2000 00:00:00 "
_NAMES = tuple(
    f.name
    for f in dataclasses.fields(AuditRecord)
    if f.type == "str | None"
    and f.name not in ("event", "status", "event_name", "platform", "audit_flags")
)


class _Templates:
    """``render_short`` by template: a record's shape (everything but its timestamp and
    names) is rendered once with markers where the names go, then each record fills them."""

    def __init__(self, sessionid: bool) -> None:
        self.sessionid = sessionid
        self.cache: dict[tuple[object, ...], tuple[str, tuple[str, ...]]] = {}

    def render(self, rec: AuditRecord) -> str:
        values = [getattr(rec, n) for n in _NAMES]
        names = tuple(n for n, v in zip(_NAMES, values, strict=True) if v is not None)
        shape = (
            rec.event, rec.status, rec.event_name, rec.class_, rec.access, rec.stage,
            rec.reason, rec.audit_flags, rec.platform, names,
        )  # fmt: skip
        found = self.cache.get(shape)
        if found is None:
            marked = dataclasses.replace(
                rec,
                timestamp=_SENTINEL,
                **{n: _MARK.format(i) for i, n in enumerate(names)},
            )
            text = render_short(marked, sessionid=self.sessionid)
            assert text.startswith(_SENTINEL_TEXT), text
            body = text[len(_SENTINEL_TEXT) :].replace("{", "{{").replace("}", "}}")
            body = body.replace("\ue000", "{").replace("\ue001", "}")
            found = self.cache[shape] = (body, names)
        body, names = found
        ts = rec.timestamp
        day = f"{ts[8:10]} {MONTHS[int(ts[5:7]) - 1]} {ts[0:4]} {ts[11:19]} "
        return day + body.format(*(v for v in values if v is not None))


def lines(
    count: int,
    seed: int = 1,
    detailed: float = 0.0,
    junk: float = 0.0001,
    sessionid: float = 0.3,
) -> Iterator[str]:
    """``count`` records as non-detailed text (a fraction ``sessionid`` with the session ID
    column), a fraction ``detailed`` rendered detailed instead, a fraction ``junk``
    replaced by junk lines."""
    rng = random.Random(seed ^ 0x5EED)
    with_sid, without_sid = _Templates(True), _Templates(False)
    for rec in records(count, seed):
        roll = rng.random()
        if roll < junk:
            yield f"{rng.randint(1, 31):02d} {rng.choice(MONTHS)} 2024 garbage line {rng.random()}"
        elif roll < junk + detailed:
            yield render_detailed(rec)
        else:
            yield (with_sid if rng.random() < sessionid else without_sid).render(rec)


def write(
    count: int,
    path: str,
    seed: int = 1,
    detailed: float = 0.0,
    *,
    junk: float = 0.0001,
    sessionid: float = 0.3,
) -> int:
    """Write the corpus; returns its size in bytes."""
    size = 0
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        text = lines(count, seed, detailed, junk, sessionid)
        while chunk := list(itertools.islice(text, 10000)):
            block = "\n".join(chunk) + "\n"
            size += len(block.encode())
            out.write(block)
    return size


def check(count: int, seed: int = 1) -> int:
    """How many of ``count`` records the templates render differently from ``render_short``
    (0: the fast path is the renderer's)."""
    bad = 0
    with_sid, without_sid = _Templates(True), _Templates(False)
    for rec in records(count, seed):
        for templates in (with_sid, without_sid):
            if templates.render(rec) != render_short(rec, sessionid=templates.sessionid):
                bad += 1
    return bad


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        wrong = check(int(sys.argv[2]))
        print(f"{wrong} lines differ from render_short")
        raise SystemExit(1 if wrong else 0)
    print(write(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1))
