"""The Parquet tree: zstd files partitioned by day and node, written in log order.

Invariant: every log record with ``seq <= watermark`` is in exactly one Parquet file, and
no file holds a record above the watermark. A batch is written as temporary files, renamed,
and only then is the watermark advanced (written atomically); on open, files of a batch
that did not reach the watermark (a crash in between) are removed, so they are rewritten
from the log instead of being counted twice.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from seaudit.schema.record import AuditRecord
from seaudit.store.columns import node_of, to_table
from seaudit.store.location import LOCAL_NODE, NODE_NAME

_FILE = re.compile(r"seq-(\d+)-(\d+)\.parquet")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
ROW_GROUP = 128 * 1024


def day_of(record: AuditRecord) -> str:
    day = record.timestamp[:10]
    return day if _DAY.fullmatch(day) else "0000-00-00"


def node_dir(node: str | None) -> str:
    if node is None:
        return LOCAL_NODE
    if NODE_NAME.fullmatch(node):
        return node
    digest = hashlib.blake2b(node.encode("utf-8", "surrogateescape"), digest_size=8)
    return "_x" + digest.hexdigest()


class ParquetTree:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._mark = self.root / "_watermark"
        self.watermark = int(self._mark.read_text()) if self._mark.exists() else 0
        self._recover()

    def _recover(self) -> None:
        for path in self.root.rglob("*"):
            if path.name.endswith(".tmp"):
                path.unlink()
                continue
            m = _FILE.fullmatch(path.name)
            if m and int(m[2]) > self.watermark:
                path.unlink()

    def files(self) -> list[Path]:
        return sorted(p for p in self.root.glob("day=*/node=*/seq-*.parquet"))

    def write(self, entries: Sequence[tuple[int, AuditRecord]]) -> int:
        """Append entries (ascending seq, all above the watermark); returns how many."""
        import pyarrow.parquet as pq

        entries = [e for e in entries if e[0] > self.watermark]
        if not entries:
            return 0
        first, last = entries[0][0], entries[-1][0]
        groups: dict[tuple[str, str], list[int]] = {}
        for i, (_, record) in enumerate(entries):
            groups.setdefault((day_of(record), node_dir(node_of(record))), []).append(i)
        table = to_table(entries)
        done: list[tuple[Path, Path]] = []
        for (day, node), rows in groups.items():
            part = table if len(groups) == 1 else table.take(rows)
            directory = self.root / f"day={day}" / f"node={node}"
            directory.mkdir(parents=True, exist_ok=True)
            final = directory / f"seq-{first:012d}-{last:012d}.parquet"
            tmp = final.with_name(final.name + ".tmp")
            pq.write_table(part, tmp, compression="zstd", row_group_size=ROW_GROUP)
            done.append((tmp, final))
        for tmp, final in done:
            os.replace(tmp, final)
        self._set_watermark(last)
        return len(entries)

    def _set_watermark(self, seq: int) -> None:
        tmp = self._mark.with_name("_watermark.tmp")
        tmp.write_text(str(seq))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self._mark)
        self.watermark = seq

    def clear(self) -> None:
        """Remove every Parquet file (for a rebuild from the log)."""
        for path in sorted(self.root.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir():
                path.rmdir()
        self.watermark = 0
