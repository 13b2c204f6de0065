"""``verify`` of a store's Parquet side: the files are exactly what the manifest lists.

Every listed file exists with its size and SHA-256, holds the rows and the seq range the
manifest gives, and every value of its lookup columns is in the Bloom filter the manifest
keeps for it (a filter that misses one would hide records from queries); all files together
hold every seq from 1 to the watermark exactly once (but the ranges ``reindex --salvage``
recorded as lost); no other file lies in the tree; the watermark is not above the log's last
record.
Read-only, like every reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import SeauditError
from seaudit.store import manifest as mf
from seaudit.store import swap
from seaudit.store.tree import READ_OPTIONS, SCAN


@dataclass(frozen=True, slots=True)
class StoreReport:
    files: int
    watermark: int
    problems: tuple[str, ...]
    notes: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_store(root: Path, log_last: int) -> StoreReport:
    """Check the tree of the store at ``root`` against its manifest and the log's last seq."""
    tree = swap.current(root)
    if tree is None:
        return StoreReport(0, 0, (), ("no Parquet files yet: queries read the log",))
    try:
        manifest = mf.load(tree)
    except SeauditError as exc:
        return StoreReport(0, 0, (f"{exc} ({mf.REINDEX_HINT})",), ())
    problems: list[str] = []
    notes: list[str] = []
    if manifest.legacy:
        notes.append(f"{tree}: no manifest yet (an older store): the next import writes it")
    if manifest.watermark > log_last:
        problems.append(
            f"{tree / mf.MANIFEST}: watermark {manifest.watermark} is above the log's last "
            f"record {log_last}"
        )
    for lost in manifest.lost:
        notes.append(f"records {lost[0]}..{lost[1]} were lost (recorded by reindex --salvage)")
    salvaged = sum(f.rows for f in manifest.files if f.salvaged)
    if salvaged:
        notes.append(f"{salvaged} records were salvaged from older Parquet files")
    good = [f for f in manifest.files if _file_ok(tree, f, manifest.legacy, problems)]
    problems += _extra_files(tree, manifest)
    if len(good) == len(manifest.files):
        problems += _coverage(tree, manifest)
    return StoreReport(len(manifest.files), manifest.watermark, tuple(problems), tuple(notes))


def _file_ok(tree: Path, entry: mf.FileEntry, legacy: bool, problems: list[str]) -> bool:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    path = tree / entry.path
    try:
        size = path.stat().st_size
        if not legacy:
            if size != entry.size:
                problems.append(f"{path}: {size} bytes, the manifest says {entry.size}")
                return False
            if mf.sha256_of(path) != entry.sha256:
                problems.append(f"{path}: content differs from the manifest (SHA-256)")
                return False
        meta = pq.ParquetFile(path).metadata
    except FileNotFoundError:
        problems.append(f"{path}: listed in the manifest but missing")
        return False
    except Exception as exc:  # pyarrow's errors for a file that is not Parquet
        problems.append(f"{path}: not a readable Parquet file: {exc}")
        return False
    if not legacy and meta.num_rows != entry.rows:
        problems.append(f"{path}: {meta.num_rows} rows, the manifest says {entry.rows}")
        return False
    missed = _bloom_misses(path, entry)
    if missed:
        problems.append(
            f"{path}: the manifest's Bloom filter of {missed[0]} lacks {missed[1]!r}, a value "
            "the file holds (queries for it would skip the file)"
        )
        return False
    return True


def _bloom_misses(path: Path, entry: mf.FileEntry) -> tuple[str, str] | None:
    """A (column, value) of the file that its filter in the manifest does not hold."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.parquet as pq

    if not entry.blooms:
        return None
    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    for column, bloom in entry.blooms:
        if column not in names:
            continue
        for value in pc.unique(parquet.read(columns=[column]).column(0)).drop_null().to_pylist():
            if not bloom.may_hold(value):
                return column, value
    return None


def _extra_files(tree: Path, manifest: mf.Manifest) -> list[str]:
    listed = {f.path for f in manifest.files} | {mf.MANIFEST}
    if manifest.legacy:
        listed.add(mf.LEGACY_WATERMARK)
    return [
        f"{path}: not in the manifest (a leftover: the next import or reindex removes it)"
        for path in sorted(tree.rglob("*"))
        if path.is_file() and path.relative_to(tree).as_posix() not in listed
    ]


def _coverage(tree: Path, manifest: mf.Manifest) -> list[str]:
    """Each file's rows lie in its seq range; all together hold 1..watermark once each."""
    import duckdb

    if not manifest.files:
        return [] if manifest.watermark == 0 else [_short(1, manifest.watermark)]
    paths = [str(tree / f.path) for f in manifest.files]
    con = duckdb.connect(":memory:")
    try:
        per_file = con.execute(
            "SELECT filename, min(seq), max(seq) "
            f"FROM read_parquet(?, {READ_OPTIONS}, filename = true) GROUP BY filename",
            [paths],
        ).fetchall()
        row = con.execute(
            f"SELECT count(*), count(DISTINCT seq) FROM {SCAN} WHERE seq BETWEEN 1 AND ?",
            [paths, manifest.watermark],
        ).fetchone()
    except duckdb.Error as exc:
        return [f"the Parquet files cannot be read: {exc}"]
    finally:
        con.close()
    problems = []
    spans = {str(tree / f.path): (f.first, f.last) for f in manifest.files}
    for name, low, high in per_file:
        first, last = spans[name]
        if (low, high) != (first, last):
            problems.append(f"{name}: holds seqs {low}..{high}, the manifest says {first}..{last}")
    total, distinct = row if row else (0, 0)
    rows = sum(f.rows for f in manifest.files) if not manifest.legacy else total
    lost = sum(b - a + 1 for a, b in manifest.lost)
    expected = manifest.watermark - lost
    if rows != total:
        problems.append(f"{total} of the {rows} rows lie between seq 1 and the watermark")
    if distinct != total:
        problems.append(f"{total - distinct} seqs are held by more than one row")
    elif distinct != expected:
        problems.append(
            f"the files hold {distinct} distinct seqs up to the watermark "
            f"{manifest.watermark}, {expected} were expected: some are missing"
        )
    return problems


def _short(first: int, last: int) -> str:
    return f"records {first}..{last} are under the watermark but in no Parquet file"
