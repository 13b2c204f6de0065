"""``Store.select_lines`` (DuckDB renders the ``short`` lines column-wise) writes byte for
byte what the record path writes (``export.textfmt`` ``short`` over ``Store.select``): for
any record, hostile ones included, for every option, with rows in Parquet and in the live
tail; rows DuckDB cannot promise fall back to Python in their place."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaudit.export import get_format
from seaudit.query import TRUE, parse_where
from seaudit.query.spec import Filter
from seaudit.schema.events import LAYOUT_BY_ID, LAYOUTS
from seaudit.schema.fields import FIELD_BY_KEY, INT_KEYS
from seaudit.schema.record import AuditRecord, Origin
from seaudit.store import Store
from seaudit.store.lines import line_sql
from seaudit.text.detailed import parse_detailed
from seaudit.text.short import MISSING, render_short
from tests.strategies import SESSION_IDS, records
from tests.text.test_seeds import LINES

OPTIONS: tuple[dict[str, Any], ...] = tuple(
    {"sessionid": s, "platform": p} for s in (False, True) for p in (None, "unix", "windows")
)
INT64 = st.integers(-(2**63), 2**63 - 1)

# --- hostile records ---------------------------------------------------------------------

#: text an attacker may put in any string value: controls, separators, quotes, odd spaces
HOSTILE = st.one_of(
    st.text(max_size=12),
    st.text(
        st.sampled_from(" '\"\\\x00\x1b\n\t\x7f\x85\x9f\xa0\u2028\u2029\u00e9\u212a()"), max_size=6
    ),
    st.sampled_from(("", " ", "  x  ", "-", "(OS user)", "NULL", "é ü", "x'); --")),
)
FLAGS = st.one_of(
    st.none(),
    HOSTILE,
    st.sampled_from(
        (
            "",
            "(OS user)",
            " (os USER) ",
            "OS user",
            "enterprise user",
            "(OS user) and more",
            "\u00a0(OS user)",
            "(OS user)\u2028",
            "AC database user",
            "Enterprise User",
            "\u212a",
        )
    ),
)
REAL_UIDS = st.one_of(
    st.none(),
    st.integers(0, 2**40),
    HOSTILE,
    st.sampled_from(("007", "0", "000", "12a", "\u0661\u0662", "\u00b2", "", "9" * 30)),
)


@st.composite
def timestamps(draw: st.DrawFn, good: str) -> str:
    """The record's timestamp, or one of another shape that the renderer still prints
    (``split_timestamp`` only needs ``int(ts[5:7])`` to name a month)."""
    kind = draw(st.sampled_from(("good", "good", "suffix", "mangled", "month", "short")))
    if kind == "good":
        return good
    if kind == "suffix":
        return good + draw(st.sampled_from((".123", "+02:00", "Z", " x", "\x1b")))
    if kind == "month":
        return good[:5] + draw(st.sampled_from(("00", " 5", "5 ", "+1", "١٢"))) + good[7:]
    if kind == "short":
        return good[: draw(st.integers(7, 18))]
    pos = draw(st.sampled_from((0, 3, 4, 7, 9, 10, 13, 16, 18)))
    char = draw(
        st.sampled_from((" ", "x", "\x00", "\u2028", "é", "e\u0301", "\U0001f600", "T", "-", ""))
    )
    if pos < 7 and len(char) != 1:
        char = "x"  # ts[5:7] must stay a number for the renderer
    return good[:pos] + char + good[pos + 1 :]


@st.composite
def hostile_records(draw: st.DrawFn) -> AuditRecord:
    """A record of any event and platform (tests.strategies), with values replaced by hostile
    text, absent values, odd flags, real user IDs, timestamps, statuses and platforms."""
    record = draw(records(early=True))
    changes: dict[str, Any] = {}
    layout = LAYOUT_BY_ID[record.event]
    for key in (*layout.unix, *layout.windows):
        attr = FIELD_BY_KEY[key].attr
        roll = draw(st.integers(0, 9))
        if roll == 0:
            changes[attr] = None
        elif roll == 1:
            if key in INT_KEYS:
                changes[attr] = draw(INT64)
            elif key == "audit_flags":
                changes[attr] = draw(FLAGS)
            elif key == "real_uid":
                changes[attr] = draw(REAL_UIDS)
            else:
                changes[attr] = draw(HOSTILE)
    if draw(st.integers(0, 4)) == 0:
        changes["session_id"] = draw(st.one_of(st.none(), SESSION_IDS, HOSTILE))
    if draw(st.integers(0, 4)) == 0:
        changes["audit_flags"] = draw(FLAGS)
    if draw(st.integers(0, 4)) == 0:
        changes["real_uid"] = draw(REAL_UIDS)
    if draw(st.integers(0, 5)) == 0:
        changes["status"] = draw(HOSTILE)
    if draw(st.integers(0, 3)) == 0:
        changes["platform"] = draw(st.sampled_from((None, "", "unix", "windows", "Windows")))
    changes["timestamp"] = draw(timestamps(record.timestamp))
    return record.replace(**changes)


# --- the two paths -----------------------------------------------------------------------


def by_records(store: Store, flt: Filter, limit: int | None = None, **options: Any) -> bytes:
    sink = io.BytesIO()
    records = (r for _, r in store.select(flt, limit=limit))
    get_format("short").write(records, sink, **{k: v for k, v in options.items() if v})
    return sink.getvalue()


def by_lines(store: Store, flt: Filter, limit: int | None = None, **options: Any) -> bytes:
    return b"".join(bytes(c) for c in store.select_lines(flt, limit=limit, **options))


def build(root: Path, stored: Sequence[AuditRecord], tail: Sequence[AuditRecord] = ()) -> Store:
    """A store with ``stored`` in Parquet and ``tail`` only in the log's live tail."""
    store = Store(root)
    with store.open_log() as log:
        if stored:
            log.append_batch(stored)
            store.catch_up()
        if tail:
            log.append_batch(tail)
    assert store.tree.watermark == len(stored)
    return store


def same_for_every_option(store: Store, flt: Filter, limit: int | None = None) -> None:
    for options in OPTIONS:
        expected = by_records(store, flt, limit, **options)
        assert by_lines(store, flt, limit, **options) == expected, options


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    stored=st.lists(hostile_records(), min_size=1, max_size=16),
    tail=st.lists(hostile_records(), max_size=3),
    where=st.sampled_from(
        (
            None,
            "status = D or stage > 100",
            "not user ~ '*x*'",
            "event = login or event ~ 'res*'",
            "event ~ '*_*' and stage > 3",
        )
    ),
    limit=st.one_of(st.none(), st.integers(0, 20)),
    options=st.sampled_from(OPTIONS),
)
def test_lines_are_the_record_path_bytes_for_any_record(
    stored: list[AuditRecord],
    tail: list[AuditRecord],
    where: str | None,
    limit: int | None,
    options: dict[str, Any],
) -> None:
    """(All six option sets per example would take 3x longer: the examples share them out.)"""
    with tempfile.TemporaryDirectory() as tmp:
        store = build(Path(tmp), stored, tail)
        flt = Filter(parse_where(where) if where else TRUE)
        assert by_lines(store, flt, limit, **options) == by_records(store, flt, limit, **options)


def seed_records() -> list[AuditRecord]:
    return [parse_detailed(line) for line in LINES.values()]


def test_seed_examples_render_in_duckdb(tmp_path: Path) -> None:
    """The seed pages' records, all rendered by the SQL expression (no fallback)."""
    recs = seed_records()
    store = build(tmp_path, recs)
    same_for_every_option(store, Filter(TRUE))
    files = [str(p) for p in store.tree.files()]
    import duckdb

    sql = (
        f"SELECT {line_sql(sessionid=True)} FROM read_parquet(?, hive_partitioning = false) "
        "ORDER BY seq"
    )
    got = [row[0] for row in duckdb.connect().execute(sql, [files]).fetchall()]
    assert got == [render_short(r, sessionid=True) + "\n" for r in recs]
    assert got[0].startswith("21 Jan 2009 15:37:43 D TCP telnet root 4977248c:0000012a5248 408")


def test_every_layout_renders_in_duckdb(tmp_path: Path) -> None:
    """One plain record per layout and platform: the SQL answers each (no NULL)."""
    import duckdb

    recs = [
        AuditRecord(
            event=lay.id,
            timestamp="2024-05-15T09:00:00",
            status=lay.statuses[0],
            **{
                FIELD_BY_KEY[k].attr: (7 if k in INT_KEYS else f"v{i}")
                for i, k in enumerate(lay.order(p))
                if k != "audit_flags"
            },
            audit_flags="(OS user)",
            platform=p,
        )
        for lay in LAYOUTS
        for p in ("unix", "windows")
    ]
    store = build(tmp_path, recs)
    files = [str(p) for p in store.tree.files()]
    for options in OPTIONS:
        sql = f"SELECT {line_sql(**options)} FROM read_parquet(?) ORDER BY seq"
        got = [row[0] for row in duckdb.connect().execute(sql, [files]).fetchall()]
        assert got == [render_short(r, **options) + "\n" for r in recs]


def test_absent_values_show_missing_in_duckdb(tmp_path: Path) -> None:
    """A record of each layout with no value at all (as the API may write one)."""
    import duckdb

    recs = [
        AuditRecord(event=lay.id, timestamp="2024-05-15T09:00:00", status="P", platform=p)
        for lay in LAYOUTS
        for p in (None, "unix", "windows")
    ]
    store = build(tmp_path, recs)
    files = [str(p) for p in store.tree.files()]
    for options in OPTIONS:
        sql = f"SELECT {line_sql(**options)} FROM read_parquet(?) ORDER BY seq"
        got = [row[0] for row in duckdb.connect().execute(sql, [files]).fetchall()]
        assert got == [render_short(r, missing=MISSING, **options) + "\n" for r in recs]


def test_lines_that_stopped_early_render_without_missing_in_duckdb(tmp_path: Path) -> None:
    """Each early end of each layout: the columns after the last one held are not printed
    (no ``-``), as ``render_short`` prints them."""
    import duckdb

    recs = [
        AuditRecord(
            event=lay.id,
            timestamp="2024-05-15T09:00:00",
            status=lay.statuses[0],
            **{FIELD_BY_KEY[k].attr: 1 if k in INT_KEYS else "v" for k in ending.keys},
        )
        for lay in LAYOUTS
        for ending in lay.endings("unix")
    ]
    store = build(tmp_path, recs)
    files = [str(p) for p in store.tree.files()]
    sql = f"SELECT {line_sql()} FROM read_parquet(?) ORDER BY seq"
    got = [row[0] for row in duckdb.connect().execute(sql, [files]).fetchall()]
    assert got == [render_short(r) + "\n" for r in recs]
    assert not any(line.endswith(" -\n") or " - " in line for line in got)


def test_controls_and_bad_timestamps_fall_back_in_place(tmp_path: Path) -> None:
    """Rows the SQL leaves NULL are rendered by Python, in log order, between zero-copy runs."""
    import duckdb

    good = AuditRecord(
        event="login",
        timestamp="2024-05-15T09:00:00",
        status="D",
        user="bob",
        stage=59,
        reason=2,
        terminal="tty1",
        program="/bin/login",
        audit_flags="",
    )
    odd = [
        good.replace(user="evil\x1b[2Jname"),
        good.replace(terminal="a\u2028b"),
        good.replace(timestamp="2024- 5-15T09:00:00"),
        good.replace(status="D\n"),
        good.replace(timestamp="2024-00-15T09:00:00"),
        good.replace(audit_flags="\u00a0(OS user)"),
        good.replace(program="\x85"),
        good.replace(program="x  "),
    ]
    sliced = good.replace(timestamp="2024-05-15 09:00:00.5+02")  # sliced, in DuckDB too
    recs = [good] * 3 + [x for o in odd for x in (o, good, sliced)]
    store = build(tmp_path, recs, tail=[good.replace(user="t\x00il"), good])
    files = [str(p) for p in store.tree.files()]
    sql = f"SELECT {line_sql()} FROM read_parquet(?) ORDER BY seq"
    nulls = [
        i for i, (v,) in enumerate(duckdb.connect().execute(sql, [files]).fetchall()) if v is None
    ]
    assert nulls == [3 + 3 * i for i in range(len(odd))]
    out = by_lines(store, Filter(TRUE))
    assert out == by_records(store, Filter(TRUE))
    lines = out.decode().split("\n")
    assert lines[3] == "15 May 2024 09:00:00 D LOGIN evil\\x1b[2Jname 59 2 tty1 /bin/login"
    # a timestamp of another shape is shown whole, not guessed at
    assert lines[9] == "2024- 5-15T09:00:00 D LOGIN bob 59 2 tty1 /bin/login"
    assert lines[10] == "15 May 2024 09:00:00 D LOGIN bob 59 2 tty1 /bin/login"
    assert lines[11] == "15 May 2024 09:00:00 D LOGIN bob 59 2 tty1 /bin/login"  # "T" or " "
    assert lines[12] == "15 May 2024 09:00:00 D\\x0a LOGIN bob 59 2 tty1 /bin/login"
    assert lines[15] == "2024-00-15T09:00:00 D LOGIN bob 59 2 tty1 /bin/login"
    assert lines[18] == "15 May 2024 09:00:00 D LOGIN bob 59 2 tty1 /bin/login (OS user)"
    assert lines[24] == "15 May 2024 09:00:00 D LOGIN bob 59 2 tty1 x"  # rstrip(" ")
    assert "t\\x00il" in lines[-3] and out.endswith(b"/bin/login\n")
    same_for_every_option(store, Filter(TRUE), limit=5)


@pytest.mark.parametrize("limit", [0, 1, 4, 6, 7, 100])
def test_limit_counts_parquet_and_tail(tmp_path: Path, limit: int) -> None:
    recs = [
        AuditRecord(
            event="startup", timestamp=f"2024-05-15T09:00:0{i}", status="M", service=f"d{i}"
        )
        for i in range(8)
    ]
    store = build(tmp_path, recs[:5], recs[5:])
    out = by_lines(store, Filter(TRUE), limit=limit)
    assert out == by_records(store, Filter(TRUE), limit=limit)
    assert out.count(b"\n") == min(limit, 8)


def test_a_batch_starting_with_fallback_rows(tmp_path: Path) -> None:
    good = AuditRecord(
        event="startup", timestamp="2024-05-15T09:00:00", status="M", service="seosd"
    )
    bad = good.replace(service="\x07")
    store = build(tmp_path, [bad, bad, good, bad], [bad])
    assert by_lines(store, Filter(TRUE)) == by_records(store, Filter(TRUE))
    assert by_lines(store, Filter(TRUE)).count(b"\\x07") == 4


# --- the command line --------------------------------------------------------------------


def seaudit(store: Path, *args: str) -> bytes:
    env = {"PYTHONPATH": ":".join(p for p in sys.path if p), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "--store", str(store), *args],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and b"Traceback" not in done.stderr, done.stderr
    return done.stdout


def test_cli_short_output_is_the_record_path(tmp_path: Path) -> None:
    recs = [
        *seed_records(),
        seed_records()[1].replace(user="x\x1by", origin=Origin("f", 1, "raw")),
        AuditRecord(event="startup", timestamp="2024-05-15T09:00:00", status="M"),
    ]
    root = tmp_path / "s"
    build(root, recs, tail=seed_records()[:2])
    for extra in (
        (),
        ("--sessionid",),
        ("-sessionid", "--opt", "platform=windows"),
        ("--opt", "platform=windows"),
        ("--limit", "7"),
        ("--status", "D"),
    ):
        short = seaudit(root, *extra)
        query = [a for a in extra if a not in ("--opt", "platform=windows")]
        back = [
            AuditRecord.from_dict(json.loads(line))
            for line in seaudit(root, *query, "--to", "jsonl").splitlines()
        ]
        options = {
            "sessionid": "--sessionid" in extra or "-sessionid" in extra,
            "platform": "windows" if "windows" in " ".join(extra) else None,
        }
        sink = io.BytesIO()
        get_format("short").write(back, sink, **{k: v for k, v in options.items() if v})
        assert short == sink.getvalue(), extra
        assert short  # every query above matches records
    out = tmp_path / "out.txt"
    seaudit(root, "-o", str(out))
    assert out.read_bytes() == seaudit(root)
    assert seaudit(root, "--padded") != seaudit(root)  # the padded path is the record path


def test_a_renderer_built_for_some_events_leaves_the_others_to_python(tmp_path: Path) -> None:
    """``events`` narrows the SQL, never the output: other events' rows come out NULL."""
    recs = [r for r in seed_records() if r.event in ("outbound_network", "resource_access")]
    assert {r.event for r in recs} == {"outbound_network", "resource_access"}
    store = build(tmp_path, recs)
    files = [str(p) for p in store.tree.files()]
    import duckdb

    sql = (
        f"SELECT event, {line_sql(events={'resource_access'})} "
        "FROM read_parquet(?, hive_partitioning = false) ORDER BY seq"
    )
    rows = duckdb.connect().execute(sql, [files]).fetchall()
    assert all((line is None) == (event != "resource_access") for event, line in rows)
    narrowed = Filter(parse_where("event = resource_access or event = outbound_network"))
    same_for_every_option(store, narrowed)
