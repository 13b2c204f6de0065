"""The simulator: realistic sessions and scenarios, output that reads back exactly and imports
cleanly, and the same seed giving the same bytes."""

from __future__ import annotations

import io
import os
from collections import Counter

import pytest

from seaudit.export import write_records
from seaudit.policy import parse_auditcfg, parse_policy
from seaudit.policy.model import Policy
from seaudit.policy.simulate import (
    SCENARIOS,
    SimConfig,
    example_auditcfg_text,
    example_policy_text,
    simulate,
    simulate_events,
)
from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord
from seaudit.text.reader import Reject, read_stream


def example() -> Policy:
    return parse_policy(example_policy_text()).with_auditcfg(
        parse_auditcfg(example_auditcfg_text())
    )


def records(cfg: SimConfig) -> list[AuditRecord]:
    return [r for _, r in simulate(cfg, example())]


def text(recs: list[AuditRecord], **options: object) -> bytes:
    sink = io.BytesIO()
    write_records(recs, sink, "short", **options)
    return sink.getvalue()


#: SEAUDIT_SIM_SEEDS=200 reads back 200 seeds (the long mode); the suite runs 6
SEEDS = int(os.environ.get("SEAUDIT_SIM_SEEDS", "6"))


@pytest.mark.parametrize("seed", range(1, SEEDS + 1))
def test_output_reads_back_exactly(seed: int) -> None:
    recs = records(SimConfig(seed=seed, hosts=2, users=25, rate=60))
    items = list(read_stream(io.BytesIO(text(recs, sessionid=True)), platform="unix"))
    assert not [i for i in items if isinstance(i, Reject)]
    assert items == recs  # every field, session IDs included
    plain = list(read_stream(io.BytesIO(text(recs)), platform="unix"))
    assert plain == [r.replace(session_id=None) for r in recs]  # the product's default view


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    cfg = SimConfig(seed=5, days=2, hosts=2)
    assert text(records(cfg)) == text(records(cfg))
    assert text(records(cfg)) != text(records(SimConfig(seed=6, days=2, hosts=2)))


def test_a_day_holds_every_event_type_and_is_in_time_order() -> None:
    recs = records(SimConfig(seed=1))
    assert set(Counter(r.event for r in recs)) == set(EVENT_IDS)
    assert [r.timestamp for r in recs] == sorted(r.timestamp for r in recs)
    assert {r.timestamp[:10] for r in recs} == {"2024-03-04"}


def test_sessions_share_one_id_from_login_to_logout() -> None:
    events = [e for _, e in simulate_events(SimConfig(seed=2, hosts=2, users=20))]
    logins = {e.session_id: e for e in events if e.kind == "login" and e.session_id}
    logouts = {e.session_id: e for e in events if e.kind == "logout"}
    assert logins.keys() == logouts.keys() and len(logins) > 40
    for sid, login in logins.items():
        logout = logouts[sid]
        assert logout.user == login.user and logout.terminal == login.terminal
        assert login.timestamp < logout.timestamp
    inside = [e for e in events if e.kind == "access" and e.session_id in logins]
    for e in inside:
        login, logout = logins[str(e.session_id)], logouts[str(e.session_id)]
        assert login.timestamp <= e.timestamp <= logout.timestamp and e.user == login.user
    lengths = [_seconds(logouts[s].timestamp) - _seconds(logins[s].timestamp) for s in logins]
    assert min(lengths) >= 5 and max(lengths) > 3600  # minutes to hours
    cron = [e for e in events if e.kind == "login" and e.terminal == "_CRONJOB_"]
    assert len(cron) == 2 * 24 and {e.user for e in cron} == {"root"}


def _seconds(stamp: str) -> int:
    h, m, s = stamp[11:].split(":")
    return int(h) * 3600 + int(m) * 60 + int(s)


def test_users_and_resources_are_skewed() -> None:
    events = [e for _, e in simulate_events(SimConfig(seed=3, days=3, users=40, rate=200))]
    users = Counter(e.user for e in events if e.kind == "access" and e.terminal != "_CRONJOB_")
    counts = sorted(users.values(), reverse=True)
    assert counts[0] > 4 * counts[len(counts) // 2]
    files = Counter(e.resource for e in events if e.kind == "access" and e.cls == "FILE")
    top = files.most_common()
    assert top[0][1] > 4 * top[len(top) // 2][1]


def test_the_attack_scenarios_show_in_the_records() -> None:
    recs = records(SimConfig(seed=4))
    by = Counter((r.event, r.status) for r in recs)
    guessing = [r for r in recs if r.event == "password_attempt"]
    assert len(guessing) >= 5 and by[("login_disabled", "I")] == 1
    assert by[("login_enabled", "E")] == 1
    assert any(r.class_ == "SURROGATE" and r.status == "D" for r in recs)
    assert any(r.resource == "/etc/shadow" and r.status == "D" for r in recs)
    lateral = {r.host for r in recs if r.event == "outbound_network" and r.status == "D"}
    assert len(lateral) >= 4
    assert any(r.resource and r.resource.endswith("seos.audit") and r.status == "D" for r in recs)
    assert by[("shutdown", "M")] == by[("startup", "M")] == by[("untrust", "U")] == 1
    quiet = records(SimConfig(seed=4, scenarios=()))
    assert not any(r.event == "password_attempt" or r.class_ == "SURROGATE" for r in quiet)


def test_bad_settings_are_refused() -> None:
    for kwargs in (
        {"users": 2},
        {"days": 0},
        {"rate": 0.0},
        {"rate": float("nan")},
        {"scenarios": ("nope",)},
        {"rate": 100_000.0, "hosts": 10},  # a day of 24 M events would not fit in memory
    ):
        with pytest.raises(ValueError):
            SimConfig(**kwargs)  # type: ignore[arg-type]
    assert set(SCENARIOS) == set(SimConfig().scenarios)
