"""The manifest: what it writes it reads back (property test); any damaged bytes are a
``StoreCorruptError`` naming the file, never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seaudit.errors import StoreCorruptError
from seaudit.store import manifest as mf
from seaudit.store.bloom import LOOKUP_COLUMNS, Bloom

seqs = st.integers(min_value=1, max_value=2**62)
names = st.from_regex(r"day=\d{4}-\d{2}-\d{2}/node=[a-z0-9]{1,8}", fullmatch=True)


@st.composite
def entries(draw: st.DrawFn) -> mf.FileEntry:
    first = draw(seqs)
    last = first + draw(st.integers(min_value=0, max_value=10**6))
    return mf.FileEntry(
        f"{draw(names)}/seq-{first:012d}-{last:012d}.parquet",
        first,
        last,
        draw(st.integers(min_value=1, max_value=10**6)),
        draw(st.integers(min_value=12, max_value=2**40)),
        draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True)),
        draw(st.booleans()),
        tuple(
            (column, Bloom.of(values))
            for column, values in draw(
                st.dictionaries(
                    st.sampled_from(LOOKUP_COLUMNS), st.lists(st.text(max_size=8), max_size=5)
                )
            ).items()
        ),
    )


manifests = st.builds(
    mf.Manifest,
    seqs,
    st.lists(entries(), max_size=8).map(tuple),
    st.lists(st.tuples(seqs, seqs).map(sorted).map(tuple), max_size=3).map(tuple),
)


@given(manifests)
def test_a_manifest_reads_back_as_written(manifest: mf.Manifest) -> None:
    assert mf.parse(manifest.to_bytes(), Path("m")) == manifest


@given(st.binary(max_size=200) | manifests.map(lambda m: m.to_bytes()[:-7]))
def test_damaged_bytes_are_a_clear_error(data: bytes) -> None:
    try:
        mf.parse(data, Path("where/_manifest.json"))
    except StoreCorruptError as exc:
        assert "where/_manifest.json" in str(exc)


@pytest.mark.parametrize(
    "bloom", [{"user": "not base64!"}, {"user": ""}, {"program": "AAAAAAAAAAA="}, ["user"]]
)
def test_a_damaged_bloom_filter_is_a_clear_error(bloom: object) -> None:
    entry = mf.FileEntry("day=2024-01-01/node=a/seq-1-2.parquet", 1, 2, 2, 99, "ab")
    doc = json.loads(mf.Manifest(2, (entry,)).to_bytes())
    doc["files"][0]["bloom"] = bloom
    with pytest.raises(StoreCorruptError, match="bloom"):
        mf.parse(json.dumps(doc).encode(), Path("where/_manifest.json"))


def test_write_is_atomic_and_load_reads_it(tmp_path: Path) -> None:
    entry = mf.FileEntry(
        "day=2024-01-01/node=a/seq-000000000001-000000000002.parquet", 1, 2, 2, 99, "ab"
    )
    manifest = mf.Manifest(2, (entry,), ((5, 6),))
    mf.write(tmp_path, manifest)
    assert mf.load(tmp_path) == manifest
    assert sorted(p.name for p in tmp_path.iterdir()) == ["_manifest.json"]
    assert (entry.day, entry.node) == ("2024-01-01", "a")
    with pytest.raises(StoreCorruptError, match="not a sequence number"):
        (tmp_path / "_manifest.json").unlink()
        (tmp_path / "_watermark").write_text("x1")
        mf.load(tmp_path)
