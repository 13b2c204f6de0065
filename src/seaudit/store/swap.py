"""Where a store's Parquet tree is, and how ``reindex`` puts a new one in its place.

``reindex`` builds the new tree, manifest last, in ``parquet.new``; the swap renames
``parquet`` to ``parquet.old``, ``parquet.new`` to ``parquet``, syncs the directory and
removes ``parquet.old``. A crash at any point leaves a usable tree: the old one (the build
was not complete: ``parquet`` still exists) or the new one (``parquet.new`` holds a complete
manifest). ``recover``, run by every writer under the log's lock, finishes or undoes it.
Readers never rename or delete: they read whichever tree is current (``current``) and hold
their files open (``snapshot``), so a swap under them changes nothing they read.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from seaudit.store.manifest import MANIFEST, sync_dir

TREE = "parquet"
BUILD = "parquet.new"
OLD = "parquet.old"


def current(root: Path) -> Path | None:
    """The tree readers use now: ``parquet``; during a swap's instant between its two
    renames, the complete ``parquet.new``; None when neither is there (no tree yet)."""
    tree = root / TREE
    if tree.is_dir():
        return tree
    build = root / BUILD
    if (build / MANIFEST).is_file():
        return build
    return tree if tree.is_dir() else None  # renamed into place meanwhile


def swap_in(root: Path) -> None:
    """Make the complete tree in ``parquet.new`` the store's tree (the writer holds the lock)."""
    tree, build, old = root / TREE, root / BUILD, root / OLD
    shutil.rmtree(old, ignore_errors=True)
    if tree.exists():
        os.rename(tree, old)
    os.rename(build, tree)
    sync_dir(root)
    shutil.rmtree(old, ignore_errors=True)


def recover(root: Path) -> None:
    """Finish a swap a crash interrupted, or drop an unfinished build (under the lock)."""
    tree, build, old = root / TREE, root / BUILD, root / OLD
    if not tree.exists():
        if (build / MANIFEST).is_file():
            os.rename(build, tree)
        elif old.is_dir():
            os.rename(old, tree)
        sync_dir(root)
    shutil.rmtree(build, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
