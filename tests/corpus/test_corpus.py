"""Real-looking sample files: each parses to the expected counts, with the rejects where the
file has bad lines, and the non-detailed files render back line for line."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from seaudit.schema.events import EVENT_IDS
from seaudit.schema.record import AuditRecord
from seaudit.text.detailed import render_detailed
from seaudit.text.reader import Reject, read_file
from seaudit.text.short import render_short

HERE = Path(__file__).resolve().parent
SAMPLE = HERE.parents[1] / "samples" / "sample.txt"

#: file -> (platform given, records, reject line numbers)
CORPUS: dict[str, tuple[str | None, int, tuple[int, ...]]] = {
    "unix_plain.txt": ("unix", 40, ()),
    "unix_padded.txt": ("unix", 40, ()),
    "unix_sessionid.txt": ("unix", 40, ()),
    "windows.txt": ("windows", 40, ()),
    "detailed_oneline.txt": (None, 30, ()),
    "detailed_blocks.txt": (None, 30, ()),
    "hostile.txt": (None, 8, (2, 3, 4, 5, 7, 8, 10, 12, 14)),
}


def read(path: Path, platform: str | None) -> tuple[list[AuditRecord], list[Reject]]:
    items = list(read_file(str(path), platform=platform))
    records = [i for i in items if isinstance(i, AuditRecord)]
    rejects = [i for i in items if isinstance(i, Reject)]
    assert len(records) + len(rejects) == len(items)
    return records, rejects


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_file_counts(name: str) -> None:
    platform, count, reject_lines = CORPUS[name]
    records, rejects = read(HERE / name, platform)
    assert len(records) == count
    assert tuple(r.line for r in rejects) == reject_lines
    for reject in rejects:
        assert str(reject).startswith(f"{HERE / name}:{reject.line}: ")
    if name != "hostile.txt":
        assert set(Counter(r.event for r in records)) == set(EVENT_IDS)
        # mixed-platform files read without --platform: only a clueless trace may say so
        warnings = [w for r in records for w in r.warnings]
        assert all(w.startswith("platform unknown") for w in warnings), warnings
        assert len(warnings) <= (0 if platform else 2)


@pytest.mark.parametrize(
    "name", ["unix_plain.txt", "unix_padded.txt", "unix_sessionid.txt", "windows.txt"]
)
def test_non_detailed_files_render_back_line_for_line(name: str) -> None:
    platform = CORPUS[name][0]
    records, _ = read(HERE / name, platform)
    lines = (HERE / name).read_text("utf-8").splitlines()
    for record, line in zip(records, lines, strict=True):
        variants = {
            render_short(record, sessionid=s, padded=p)
            for s in (False, True)
            for p in (False, True)
        }
        assert line in variants


def test_detailed_blocks_render_back() -> None:
    records, _ = read(HERE / "detailed_blocks.txt", None)
    text = (HERE / "detailed_blocks.txt").read_text("utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    for record, block in zip(records, blocks, strict=True):
        assert block.strip("\n") in {
            render_detailed(record, block=True, sessionid=s) for s in (False, True)
        }


def test_hostile_file_keeps_escape_sequences_and_invalid_utf8_as_data() -> None:
    records, rejects = read(HERE / "hostile.txt", None)
    by_line = {r.origin.line: r for r in records if r.origin}
    assert by_line[9].user == "\x1b[31madm\x1b[0m"
    assert "\x1b" not in render_short(by_line[9])  # escaped on output
    assert by_line[11].user is not None
    assert by_line[11].user.encode("utf-8", "surrogateescape") == b"r\xc3(oot"
    assert by_line[6].timestamp == "2024-02-29T15:37:43"
    assert {r.line: r.reason.split(":")[0] for r in rejects}[4] == "not a valid date and time"


def test_the_bundled_sample() -> None:
    records, rejects = read(SAMPLE, None)
    assert len(records) == 336
    assert [r.line for r in rejects] == [61, 132, 203, 264, 325]
    assert set(r.event for r in records) == set(EVENT_IDS)
    assert {r.timestamp[:10] for r in records} == {"2024-03-04"}
    assert [r.timestamp for r in records] == sorted(r.timestamp for r in records)


def test_the_bundled_sample_is_one_simulated_day_of_the_example_policy() -> None:
    """Without its malformed lines, the sample is `seaudit simulate --seed 1 --sessionid`."""
    from seaudit.cli.simulate import load_run_policy
    from seaudit.policy.simulate import SimConfig, simulate

    _, rejects = read(SAMPLE, None)
    bad = {r.line for r in rejects}
    lines = SAMPLE.read_text("utf-8").splitlines()
    kept = [line for number, line in enumerate(lines, 1) if number not in bad]
    policy = load_run_policy(None, None)
    made = [render_short(r, sessionid=True) for _, r in simulate(SimConfig(seed=1), policy)]
    assert kept == made
