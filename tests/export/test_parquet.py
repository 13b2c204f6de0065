"""Parquet: every value read back, by polars and by pyarrow, equals the record's."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seaudit.errors import UsageError
from seaudit.export import get_format
from seaudit.export.parquet import COLUMNS, arrow_schema
from seaudit.schema.fields import FIELDS, INT_OR_STR, KEYS
from seaudit.schema.record import AuditRecord, Origin
from tests.export.conftest import records, seed_records


def expected_row(record: AuditRecord) -> dict[str, Any]:
    row = {key: record.get(key) for key in KEYS}
    for key in INT_OR_STR:
        if row[key] is not None:
            row[key] = str(row[key])
    origin = record.origin
    row["source"] = origin.source if origin else None
    row["line"] = origin.line if origin else None
    row["node"] = origin.node if origin else None
    return row


def record_from_row(row: dict[str, Any]) -> AuditRecord:
    """What a reader does: drop provenance, give real_uid back its int when all digits."""
    data = {k: v for k, v in row.items() if k in KEYS}
    for key in INT_OR_STR:
        if isinstance(data.get(key), str) and data[key].isdigit():
            data[key] = int(data[key])
    return AuditRecord.from_dict(data)


def write(recs: list[AuditRecord], **options: Any) -> bytes:
    sink = io.BytesIO()
    assert get_format("parquet").write(recs, sink, **options) == len(recs)
    return sink.getvalue()


def test_seed_records_through_a_real_file(tmp_path: Path) -> None:
    recs = list(seed_records())
    path = tmp_path / "out.parquet"
    with path.open("wb") as sink:
        assert get_format("parquet").write(recs, sink) == len(recs)
    by_polars = pl.read_parquet(path).to_dicts()
    by_arrow = pq.read_table(path).to_pylist()
    assert by_polars == by_arrow == [expected_row(r) for r in recs]
    assert [record_from_row(row) for row in by_polars] == recs


def test_schema_types_and_compression(tmp_path: Path) -> None:
    path = tmp_path / "out.parquet"
    path.write_bytes(write(list(seed_records())))
    parquet_file = pq.ParquetFile(path)
    assert parquet_file.schema_arrow == arrow_schema()
    assert [name for name, _, _ in COLUMNS] == [*KEYS, "source", "line", "node"]
    column = parquet_file.metadata.row_group(0).column(0)
    assert column.compression == "ZSTD"
    frame = pl.read_parquet(path)
    for f in FIELDS:
        want = pl.Int64 if f.type is int and f.key not in INT_OR_STR else pl.String
        assert frame.schema[f.key] == want, f.key


def test_row_groups_bound_the_batches() -> None:
    recs = list(seed_records()) * 3
    data = write(recs, row_group_size=4)
    parquet_file = pq.ParquetFile(io.BytesIO(data))
    assert parquet_file.metadata.num_row_groups == -(-len(recs) // 4)
    assert parquet_file.read().to_pylist() == [expected_row(r) for r in recs]


def test_empty_stream_writes_a_valid_empty_file() -> None:
    frame = pl.read_parquet(io.BytesIO(write([])))
    assert frame.shape == (0, len(COLUMNS))


def test_lone_surrogates_become_replacement_characters() -> None:
    record = AuditRecord(
        event="login",
        timestamp="2008-10-28T12:15:01",
        status="P",
        user="ro\udcffot",
        origin=Origin("f\udcfe", 1),
    )
    row = pl.read_parquet(io.BytesIO(write([record]))).row(0, named=True)
    assert row["user"] == "ro\ufffdot"
    assert row["source"] == "f\ufffd"


@pytest.mark.parametrize("bad", [0, "x", -3])
def test_bad_row_group_size_is_a_usage_error(bad: object) -> None:
    with pytest.raises(UsageError):
        write(list(seed_records()), row_group_size=bad)


@settings(max_examples=150, deadline=None)
@given(st.lists(records(), min_size=1, max_size=20), st.integers(1, 7))
def test_generated_records_read_back_exactly(recs: list[AuditRecord], group: int) -> None:
    data = write(recs, row_group_size=group)
    assert pl.read_parquet(io.BytesIO(data)).to_dicts() == [expected_row(r) for r in recs]
    back = [record_from_row(row) for row in pq.read_table(io.BytesIO(data)).to_pylist()]
    for original, read in zip(recs, back, strict=True):
        if isinstance(original.real_uid, str) and original.real_uid.isdigit():
            original = original.replace(real_uid=int(original.real_uid))  # documented
        assert read == original
