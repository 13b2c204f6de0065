"""``file://PATH?format=NAME&size=KB``: records appended to a file in any export format.

Each batch is written, flushed and fsynced before it counts as taken. When the file has
reached ``size`` KB (default 10240) it is renamed to ``PATH.bak.DD-Mon-YYYY.HHMMSS`` (the
log's backup naming; ``.N`` added for a second rotation in the same second) and a new
file starts. A binary format (parquet) cannot be appended
to: each batch becomes its own file ``PATH.FIRST-LAST`` (written aside, then renamed).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from seaudit.errors import SeauditError, UsageError
from seaudit.export import Format, get_format
from seaudit.log.rotate import stamp
from seaudit.route.destination import DeliveryError, Entry
from seaudit.route.wire import Batch

DEFAULT_SIZE_KB = 10240


class FileDestination:
    wants_records = True

    def __init__(self, url: str) -> None:
        self.url = url
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or not parts.path:
            raise UsageError(f"{url!r} is not file:///ABSOLUTE/PATH?format=NAME")
        self.path = Path(unquote(parts.path))
        options = dict(parse_qsl(parts.query))
        unknown = sorted(set(options) - {"format", "size"})
        if unknown:
            raise UsageError(f"{url!r}: no option {unknown[0]!r} (format, size)")
        self.format: Format = get_format(options.get("format", "jsonl"))
        size = options.get("size", str(DEFAULT_SIZE_KB))
        if not size.isdigit() or int(size) < 1:
            raise UsageError(f"{url!r}: size is a number of KB (1 or more)")
        self.size = int(size) * 1024

    async def deliver(self, node: str, batch: Batch, entries: Sequence[Entry]) -> None:
        try:
            await asyncio.to_thread(self._write, entries)
        except (OSError, SeauditError) as exc:
            raise DeliveryError(f"{self.url}: {exc}") from None

    def _write(self, entries: Sequence[Entry]) -> None:
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        records = [record for _, record in entries]
        if self.format.binary:
            target = self.path.with_name(f"{self.path.name}.{entries[0][0]}-{entries[-1][0]}")
            tmp = target.with_name(target.name + ".tmp")
            with tmp.open("wb") as sink:
                self.format.write(records, sink)
                sink.flush()
                os.fsync(sink.fileno())
            os.replace(tmp, target)
            return
        if self.path.exists() and self.path.stat().st_size >= self.size:
            os.replace(self.path, self._backup_name())
        with self.path.open("ab") as sink:
            self.format.write(records, sink)
            sink.flush()
            os.fsync(sink.fileno())

    def _backup_name(self) -> Path:
        """``PATH.bak.DD-Mon-YYYY.HHMMSS``, with ``.N`` added when that second already has
        one (a rename over it would lose the older backup)."""
        base = self.path.with_name(f"{self.path.name}.bak.{stamp(dt.datetime.now())}")
        name, n = base, 0
        while name.exists():
            n += 1
            name = base.with_name(f"{base.name}.{n}")
        return name

    async def close(self) -> None:
        return None
