"""Findings of the adversarial review (issue 8, items 5 and 7-9), each reproduced end to end
with real processes: hostile masks on the live tail, years 1-9999, the same file in and out,
and errors a user can cause that used to end in exit 3 or a misleading message."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.schema.record import AuditRecord
from seaudit.text.short import render_short
from tests.cli.test_store_cli import RECORDS, seaudit

YEARS = ["0001", "0500", "0999", "1000", "1999", "2024", "9999"]


def _record(year: str, **values: object) -> AuditRecord:
    base = RECORDS[0].to_dict()
    base.update(timestamp=f"{year}-06-01T12:00:00", **values)
    return AuditRecord.from_dict(base)


@pytest.fixture()
def year_store(tmp_path: Path) -> Path:
    store = tmp_path / "store"
    text = "".join(render_short(_record(y)) + "\n" for y in YEARS)
    text += render_short(_record("9999").replace(timestamp="9999-12-31T23:59:59")) + "\n"
    source = tmp_path / "years.audit"
    source.write_text(text, encoding="utf-8")
    done = seaudit("import", str(source), store=store)
    assert done.returncode == 0, done.stderr
    return store


@pytest.mark.parametrize(
    ("option", "bound"),
    [("--since", b) for b in ("0001-01-01", "0500-01-01", "0999-12-31", "1000-06-01T12:00")]
    + [("--until", b) for b in ("0500-01-01", "1000-01-01", "9999-12-31T23:59:59")],
)
def test_time_bounds_hold_for_every_year(year_store: Path, option: str, bound: str) -> None:
    stamps = [f"{y}-06-01T12:00:00" for y in YEARS] + ["9999-12-31T23:59:59"]
    limit = bound if "T" in bound else bound + "T00:00:00"
    limit = limit if limit.count(":") == 2 else limit + ":00"
    want = sum((s >= limit) if option == "--since" else (s < limit) for s in stamps)
    out = seaudit("--count", option, bound, store=year_store)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == want


def test_year_0000_is_not_a_date(tmp_path: Path) -> None:
    line = render_short(RECORDS[0]).replace("15 May 2024", "15 May 0000")
    out = seaudit("parse", "-", stdin=line.encode() + b"\n")
    assert out.returncode == 1
    assert b"<stdin>:1:" in out.stderr and out.stdout == b""


@pytest.mark.parametrize("fmt", ["cef", "leef", "syslog", "ecs", "ocsf", "jsonl", "csv"])
@pytest.mark.parametrize("zone", [None, "Asia/Tokyo", "America/Los_Angeles"])
def test_every_export_writes_the_calendar_ends(year_store: Path, fmt: str, zone: str) -> None:
    options: list[str] = []
    if zone is not None and fmt in ("cef", "leef", "syslog"):
        options = ["--opt", f"tz={zone}"]
    elif zone is not None and fmt in ("ecs", "ocsf"):
        options = ["--opt", f"timezone={zone}"]
    out = seaudit("--to", fmt, *options, store=year_store)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(YEARS) + 1 + (fmt == "csv")


def test_a_hostile_value_does_not_stall_the_live_tail(tmp_path: Path) -> None:
    """The tail (records not yet in Parquet) is filtered in Python: a 100 k-character path
    against a many-star mask used to backtrack for minutes."""
    store = tmp_path / "store"
    path = tmp_path / "tail.audit"
    path.write_text(
        render_short(AuditRecord.from_dict(RECORDS[2].to_dict() | {"resource": "/" * 100_000}))
        + "\n"
        + render_short(RECORDS[2])
        + "\n",
        encoding="utf-8",
    )
    assert seaudit("import", str(path), store=store).returncode == 0
    out = seaudit("-r", "FILE", "*/*/*/*/*/*/*/*/*/*/*.conf*", "*", "--count", store=store)
    assert out.returncode == 0 and out.stdout.strip() == b"0"
    out = seaudit("-r", "FILE", "/etc/*", "*", "--count", store=store)
    assert out.stdout.strip() == b"1"


@pytest.mark.parametrize(
    "argv",
    [
        ["parse", "-o", "{f}", "{f}"],
        ["parse", "--rejects", "{f}", "{f}"],
        ["import", "--rejects", "{f}", "{f}"],
        ["parse", "-o", "{link}", "{f}"],
    ],
)
def test_the_same_file_in_and_out_is_refused(tmp_path: Path, argv: list[str]) -> None:
    source = tmp_path / "in.txt"
    text = render_short(RECORDS[0]) + "\nnot a record\n"
    source.write_text(text, encoding="utf-8")
    (tmp_path / "link.txt").symlink_to(source)
    args = [a.format(f=source, link=tmp_path / "link.txt") for a in argv]
    out = seaudit(*args, store=tmp_path / "store")
    assert out.returncode == 2
    assert b"is also an input" in out.stderr
    assert source.read_text(encoding="utf-8") == text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--where", "(" * 600 + "user = x" + ")" * 600], b"nested"),
        (["--where", "not " * 600 + "user = x"], b"nested"),
        (["--limit", "-1"], b"--limit"),
        (["--limit", "99999999999999999999"], b"--limit"),
        (["--since", ""], b"cannot read the time"),
        (["--until", "  "], b"cannot read the time"),
        (["--where", "stage = 99999999999999999999"], b"stage"),
    ],
)
def test_user_errors_are_clear(tmp_path: Path, argv: list[str], message: bytes) -> None:
    out = seaudit(*argv, store=tmp_path / "store")
    assert out.returncode == 2, out.stderr
    assert message in out.stderr
    assert b"internal error" not in out.stderr and b"Traceback" not in out.stderr


def test_store_option_before_the_verb(tmp_path: Path) -> None:
    source = tmp_path / "web01.audit"
    source.write_text(render_short(RECORDS[0]) + "\n", encoding="utf-8")
    store = tmp_path / "store"
    done = seaudit("--store", str(store), "import", str(source))
    assert done.returncode == 0, done.stderr
    for argv in (["--store", str(store), "query", "--count"], ["--store", str(store), "--count"]):
        out = seaudit(*argv)
        assert out.returncode == 0 and out.stdout.strip() == b"1", out.stderr
    out = seaudit("--store", str(store), "verify")
    assert out.returncode == 0, out.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf16_file_gets_one_clear_hint(tmp_path: Path, encoding: str) -> None:
    source = tmp_path / "export.txt"
    lines = [render_short(r) for r in RECORDS[:2]]
    source.write_bytes("\r\n".join(lines).encode(encoding))
    for verb in (["parse"], ["import", "--store", str(tmp_path / "s")]):
        out = seaudit(*verb, str(source))
        assert out.returncode == 2, out.stderr
        assert b"UTF-16" in out.stderr or b"UTF-32" in out.stderr
        assert out.stderr.count(b"\n") <= 3
