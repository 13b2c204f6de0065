"""file:// destinations: any format, fsynced, rotated past their size."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.file_dest import FileDestination
from seaudit.route.wire import Batch
from tests.route.endpoints import record


def test_rotates_past_its_size_and_keeps_every_record(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    dest = FileDestination(f"file://{out}?format=csv&size=1")
    for start in range(0, 60, 10):
        entries = [(i + 1, record("n", i)) for i in range(start, start + 10)]
        asyncio.run(dest.deliver("n", Batch(start), entries))
    files = [out, *sorted(tmp_path.glob("out.csv.bak.*"))]
    assert len(files) >= 2
    text = "".join(f.read_text() for f in files)
    assert all(f"n/{i}," in text for i in range(60))


def test_binary_formats_write_one_file_per_batch(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    dest = FileDestination(f"file://{out}?format=parquet")
    asyncio.run(dest.deliver("n", Batch(0), [(i + 1, record("n", i)) for i in range(5)]))
    assert (tmp_path / "out.parquet.1-5").stat().st_size > 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file://host/x", "not file:///"),
        ("file:///x?format=klingon", "unknown output format"),
        ("file:///x?size=0", "size is a number of KB"),
        ("file:///x?colour=red", "no option 'colour'"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        FileDestination(url)
