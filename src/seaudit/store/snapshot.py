"""A reader's snapshot of the Parquet tree: one read of the manifest, and every file it lists
(those the query can reach) opened at once and read through its descriptor.

DuckDB is given ``/proc/self/fd/N`` paths, so what a query reads is fixed when it starts: a
flush, a recovery or a ``reindex`` swap meanwhile may rename or delete files, the query
still reads the ones it took. A file whose size or Parquet magic bytes disagree with the
manifest is refused with the path and the fix (``seaudit reindex``); DuckDB's own errors
are given back with the real path. Taking a snapshot never creates, renames or deletes.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import StoreCorruptError
from seaudit.store import swap
from seaudit.store.manifest import (
    MANIFEST,
    PARQUET_MAGIC,
    REINDEX_HINT,
    FileEntry,
    Manifest,
    load,
)
from seaudit.store.prune import ANY, Scope

RETRIES = 50  # a manifest replaced while its files were being opened: read it again
_FD_PATH = re.compile(r"/proc/self/fd/(\d+)")


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What one query reads: the manifest, and the files in scope, held open."""

    tree: Path | None
    manifest: Manifest
    entries: tuple[FileEntry, ...]
    fds: tuple[int, ...]

    @property
    def watermark(self) -> int:
        return self.manifest.watermark

    @property
    def paths(self) -> list[str]:
        """The files for DuckDB, in manifest order (by first seq)."""
        return [f"/proc/self/fd/{fd}" for fd in self.fds]

    def real_path(self, text: str) -> str:
        """``text`` with every descriptor path of this snapshot replaced by the file's path."""
        names = {fd: self._path(e) for fd, e in zip(self.fds, self.entries, strict=True)}
        return _FD_PATH.sub(lambda m: names.get(int(m[1]), m[0]), text)

    def _path(self, entry: FileEntry) -> str:
        assert self.tree is not None
        return str(self.tree / entry.path)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)

    @contextlib.contextmanager
    def errors_named(self) -> Iterator[None]:
        """DuckDB's errors while reading this snapshot, as ``StoreCorruptError`` naming the
        files by their paths."""
        import duckdb

        try:
            yield
        except duckdb.Error as exc:
            err = StoreCorruptError(f"cannot read the store: {self.real_path(str(exc))}")
            err.hint = f"run `seaudit verify`; {REINDEX_HINT}"
            raise err from None


def take(root: Path, scope: Scope = ANY) -> Snapshot:
    """The store's tree as it is now (its files within ``scope`` opened)."""
    for _ in range(RETRIES):
        tree = swap.current(root)
        if tree is None:
            return Snapshot(None, Manifest(), (), ())
        manifest = load(tree)
        entries = tuple(f for f in manifest.files if scope.admits_entry(f))
        try:
            fds = _open_all(tree, entries)
        except FileNotFoundError as missing:
            if _unchanged(root, tree, manifest):
                err = StoreCorruptError(
                    f"{missing.filename}: listed in {tree / MANIFEST} but missing"
                )
                err.hint = REINDEX_HINT
                raise err from None
            continue  # the tree changed under us: read its new manifest
        return Snapshot(tree, manifest, entries, fds)
    raise StoreCorruptError(f"{root}: the store changed {RETRIES} times while being opened")


def _unchanged(root: Path, tree: Path, manifest: Manifest) -> bool:
    again = swap.current(root)
    return again == tree and load(tree) == manifest


def _open_all(tree: Path, entries: tuple[FileEntry, ...]) -> tuple[int, ...]:
    _room_for(len(entries))
    fds: list[int] = []
    try:
        for entry in entries:
            path = tree / entry.path
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            fds.append(fd)
            _check(path, fd, entry)
        return tuple(fds)
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _check(path: Path, fd: int, entry: FileEntry) -> None:
    """The file is the one the manifest lists: its size, and Parquet's magic at both ends."""
    size = os.fstat(fd).st_size
    why = ""
    if entry.size >= 0 and size != entry.size:
        why = f"{size} bytes, the manifest says {entry.size}"
    elif size < 12:
        why = f"{size} bytes: too short for a Parquet file"
    elif os.pread(fd, 4, 0) != PARQUET_MAGIC or os.pread(fd, 4, size - 4) != PARQUET_MAGIC:
        why = "not a whole Parquet file (its first or last bytes are not PAR1)"
    if why:
        err = StoreCorruptError(f"{path}: {why}")
        err.hint = REINDEX_HINT
        raise err


def _room_for(files: int) -> None:
    """Raise the soft limit of open files when a snapshot needs more than it allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = files + 256
    if want > soft and (hard == resource.RLIM_INFINITY or soft < hard):
        new = want if hard == resource.RLIM_INFINITY else min(hard, max(want, soft))
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
