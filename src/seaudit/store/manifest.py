"""The manifest: which Parquet files make the store, up to which log seq (the public API of
the tree for every reader: queries, ``verify``, and later Spark and ``compact``).

One JSON file, ``parquet/_manifest.json``, holds the store schema version, the watermark
(every log record with ``seq <= watermark`` is in exactly one listed file, or listed as lost
by ``reindex --salvage``) and every file with its seq range, rows, size, SHA-256 and the Bloom
filters of its lookup columns (``bloom``: absent in files written before them, which every
query then reads).
It is replaced atomically (temporary file, fsync, rename, fsync of the directory), so a
reader's snapshot is one read; files not listed are not part of the store, whatever lies
in the tree. A store written before the manifest existed (``parquet/_watermark``, files
named by their seqs) is read as the files at or below that watermark, without hashes,
until its first writer writes the manifest (``tree.open_tree``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from seaudit.errors import StoreCorruptError
from seaudit.store.bloom import LOOKUP_COLUMNS, Bloom

MANIFEST = "_manifest.json"
LEGACY_WATERMARK = "_watermark"  # the store before the manifest: the watermark alone
#: 1: the first manifest; 2: files are read by column name (``tree.READ_OPTIONS``), so a file
#: may lack a column added after it was written. A version 1 store is read as it is and
#: becomes version 2 at its next write; an older seaudit refuses a version 2 store.
STORE_SCHEMA_VERSION = 2
FILE_NAME = re.compile(r"seq-(\d+)-(\d+)\.parquet")
PARQUET_MAGIC = b"PAR1"
REINDEX_HINT = "run `seaudit reindex` to rebuild the Parquet files from the audit log"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One Parquet file of the store; ``path`` is relative to the tree (``parquet/``)."""

    path: str
    first: int
    last: int
    rows: int
    size: int
    sha256: str  # "" in a store read before its migration (no hash known)
    salvaged: bool = False  # rows kept from an older Parquet file, the log having lost them
    #: (column, filter) for the lookup columns (``bloom``); none in files written before them
    blooms: tuple[tuple[str, Bloom], ...] = ()

    def bloom(self, column: str) -> Bloom | None:
        """The file's filter of ``column``, or None when it has none (it may hold anything)."""
        return next((b for c, b in self.blooms if c == column), None)

    @property
    def day(self) -> str:
        return _partition_value(self.path, "day")

    @property
    def node(self) -> str:
        """The node directory (``node_dir`` of the records' node)."""
        return _partition_value(self.path, "node")

    def to_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "first": self.first,
            "last": self.last,
            "rows": self.rows,
            "size": self.size,
            "sha256": self.sha256,
        }
        if self.salvaged:
            out["salvaged"] = True
        if self.blooms:
            out["bloom"] = {column: b.to_text() for column, b in self.blooms}
        return out


@dataclass(frozen=True, slots=True)
class Manifest:
    watermark: int = 0
    files: tuple[FileEntry, ...] = ()
    #: seq ranges ``reindex --salvage`` could not recover from the log or from Parquet
    lost: tuple[tuple[int, int], ...] = ()
    version: int = STORE_SCHEMA_VERSION
    legacy: bool = field(default=False, compare=False)  # read from a ``_watermark`` store

    def with_files(self, added: Iterable[FileEntry], watermark: int) -> Manifest:
        files = tuple(sorted((*self.files, *added), key=lambda f: (f.first, f.path)))
        return Manifest(watermark, files, self.lost)

    def to_bytes(self) -> bytes:
        doc = {
            "version": self.version,
            "watermark": self.watermark,
            "lost": [list(r) for r in self.lost],
            "files": [f.to_json() for f in self.files],
        }
        return json.dumps(doc, indent=1).encode() + b"\n"


def _partition_value(path: str, key: str) -> str:
    for part in path.split("/"):
        name, sep, value = part.partition("=")
        if sep and name == key:
            return value
    return ""


def seq_range_of_name(name: str) -> tuple[int, int] | None:
    m = FILE_NAME.fullmatch(name)
    return (int(m[1]), int(m[2])) if m else None


def load(tree: Path) -> Manifest:
    """The manifest of the tree at ``tree`` as it is now (one read); an empty manifest when
    there is none yet. Never writes."""
    try:
        data = (tree / MANIFEST).read_bytes()
    except FileNotFoundError:
        return _legacy(tree)
    except OSError as exc:
        raise StoreCorruptError(f"cannot read {tree / MANIFEST}: {exc.strerror}") from None
    return parse(data, tree / MANIFEST)


def parse(data: bytes, where: Path) -> Manifest:
    """A manifest from its bytes; damage is a ``StoreCorruptError`` naming ``where``."""
    try:
        doc = json.loads(data)
        version = doc["version"]
        if not isinstance(version, int) or version > STORE_SCHEMA_VERSION or version < 1:
            raise ValueError(f"store schema version {version!r} is not one this seaudit reads")
        files = tuple(_entry(f) for f in doc["files"])
        lost = tuple((_int(a), _int(b)) for a, b in doc.get("lost", []))
        return Manifest(_int(doc["watermark"]), files, lost, version)
    except (ValueError, KeyError, TypeError, RecursionError) as exc:
        err = StoreCorruptError(f"{where}: not a valid manifest: {exc}")
        err.hint = REINDEX_HINT
        raise err from None


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{value!r} is not a sequence number")
    return value


def _entry(doc: dict[str, object]) -> FileEntry:
    path = doc["path"]
    sha = doc["sha256"]
    if not isinstance(path, str) or path.startswith("/") or ".." in path.split("/"):
        raise ValueError(f"file path {path!r} is not inside the tree")
    if not isinstance(sha, str):
        raise ValueError(f"{path}: sha256 {sha!r} is not text")
    entry = FileEntry(
        path,
        _int(doc["first"]),
        _int(doc["last"]),
        _int(doc["rows"]),
        _int(doc["size"]),
        sha,
        bool(doc.get("salvaged", False)),
        _blooms(path, doc.get("bloom", {})),
    )
    if entry.first > entry.last:
        raise ValueError(f"{path}: seq range {entry.first}..{entry.last} is empty")
    return entry


def _blooms(path: str, doc: object) -> tuple[tuple[str, Bloom], ...]:
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: bloom {doc!r} is not an object")
    out = []
    for column, text in doc.items():
        if column not in LOOKUP_COLUMNS or not isinstance(text, str):
            raise ValueError(f"{path}: bloom of {column!r} is not a filter of a lookup column")
        try:
            out.append((column, Bloom.from_text(text)))
        except ValueError as exc:
            raise ValueError(f"{path}: bloom of {column!r}: {exc}") from None
    return tuple(out)


def _legacy(tree: Path) -> Manifest:
    """A store of the format before the manifest: the watermark and the files under it."""
    mark_path = tree / LEGACY_WATERMARK
    try:
        text = mark_path.read_text(encoding="ascii", errors="replace").strip()
    except FileNotFoundError:
        return Manifest()
    except OSError as exc:
        raise StoreCorruptError(f"cannot read {mark_path}: {exc.strerror}") from None
    if not text.isdigit():
        err = StoreCorruptError(f"{mark_path}: {text[:40]!r} is not a sequence number")
        err.hint = REINDEX_HINT
        raise err
    mark = int(text)
    files = []
    for path in tree.glob("day=*/node=*/seq-*.parquet"):
        span = seq_range_of_name(path.name)
        if span is not None and span[1] <= mark:
            rel = path.relative_to(tree).as_posix()
            files.append(FileEntry(rel, span[0], span[1], 0, -1, ""))
    files.sort(key=lambda f: (f.first, f.path))
    return Manifest(mark, tuple(files), legacy=True)


def describe(path: Path, first: int, last: int, rows: int, tree: Path) -> FileEntry:
    """The entry of a Parquet file just written (its hash read back from the file)."""
    rel = path.relative_to(tree).as_posix()
    return FileEntry(rel, first, last, rows, path.stat().st_size, sha256_of(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write(tree: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (the writer holds the log's lock)."""
    final = tree / MANIFEST
    tmp = final.with_name(MANIFEST + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(manifest.to_bytes())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, final)
    sync_dir(tree)


def sync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
