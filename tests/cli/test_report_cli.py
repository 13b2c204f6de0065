"""``seaudit report`` as a real process: the list, text tables, the HTML file, bad input."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from seaudit.report import REPORTS
from tests.report.scenario import scenario
from tests.storefill import fill


def seaudit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "seaudit", *args], capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    fill(root, scenario(), parquet=20)
    return root


def test_report_alone_lists_the_reports() -> None:
    done = seaudit("report")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(REPORTS)


def test_summary_prints_the_records_it_covers(store: Path) -> None:
    done = seaudit("report", "summary", "--store", str(store))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    total = lines.index("Total")
    assert lines[total + 2].split() == ["records", "first", "last"]
    assert lines[total + 4].split() == [
        str(len(scenario())),
        "2024-03-04T06:00:00",
        "2024-03-09T12:00:00",
    ]
    filtered = seaudit("report", "summary", "--store", str(store), "--user", "bob", "--status", "D")
    assert "filter: status ~ 'D' and user ~ 'bob'" in filtered.stdout
    assert re.search(r"^\s*9\s+2024-03-04T10:00:00", filtered.stdout, re.M)


def test_text_columns_are_aligned(store: Path) -> None:
    done = seaudit("report", "logins", "--store", str(store))
    block = done.stdout.split("By user\n=======\n")[1].split("\n\n")[0].splitlines()
    _header, rule, *body = block
    starts = [m.start() for m in re.finditer(r"-+", rule)]
    assert len(starts) == 4
    for line in body:  # numbers end where their column's rule ends
        for end in [m.end() for m in re.finditer(r"-+", rule)][1:]:
            assert line[end - 1].isdigit(), line


def test_html_file(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "denials.html"
    done = seaudit("report", "denials", "--store", str(store), "--html", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text("utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and "<script" not in page


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "nosuch"], "no report 'nosuch'"),
        (["report", "summary", "--where", "user ="], "--where"),
        (["report", "summary", "--since", "the day after"], "cannot read the time"),
    ],
)
def test_bad_input_is_a_usage_error(store: Path, args: list[str], message: str) -> None:
    done = seaudit(*args, "--store", str(store))
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr
