"""Per-destination checkpoints: the last seq a destination acknowledged, kept on disk.

One small file per destination (``<sha256 of the URL>.seq``, holding ``SEQ URL``), replaced
atomically (write, fsync, rename, fsync the directory) only after the destination's
acknowledgement: a crash leaves the old value or the new one, so a record can be sent again
after a crash (at least once) but never skipped. On a full disk (no room for the new file)
the file is rewritten in place, one write within its one block: the log's backups wait for
these checkpoints (``holds.py``), so they must move for routing to free the disk.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import UsageError


@dataclass(frozen=True, slots=True)
class Checkpoints:
    directory: Path

    def path(self, destination: str) -> Path:
        digest = hashlib.sha256(destination.encode("utf-8", "surrogateescape")).hexdigest()
        return self.directory / f"{digest[:32]}.seq"

    def get(self, destination: str) -> int:
        """The last seq ``destination`` acknowledged (0: nothing yet)."""
        path = self.path(destination)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return 0
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read checkpoint {path}: {exc}") from None
        number, _, url = text.rstrip("\n").partition(" ")
        if not number.isdigit() or url != destination:
            raise UsageError(f"{path}: not a checkpoint of {destination!r}; remove it to resend")
        return int(number)

    def all(self) -> dict[str, int]:
        """Every destination's checkpoint (one that cannot be read counts as 0: it holds
        everything, rather than letting retention delete what it may still need)."""
        out: dict[str, int] = {}
        try:
            paths = sorted(self.directory.glob("*.seq"))
        except OSError:
            return out
        for path in paths:
            try:
                number, _, url = path.read_text(encoding="utf-8").rstrip("\n").partition(" ")
            except (OSError, UnicodeDecodeError):
                number, url = "0", path.name
            out[url or path.name] = int(number) if number.isdigit() else 0
        return out

    def register(self, destination: str) -> None:
        """Give ``destination`` a checkpoint of 0 when it has none, so it holds the log's
        backups (``holds.py``) before it has acknowledged anything."""
        if not self.path(destination).exists():
            self.save(destination, 0)

    def save(self, destination: str, seq: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(destination)
        tmp = path.with_suffix(".tmp")
        data = f"{seq} {destination}\n".encode("utf-8", "surrogateescape")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno != errno.ENOSPC or not path.exists():
                raise
            self._overwrite(path, data)  # a full disk must not stop routing freeing it
            return
        os.replace(tmp, path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @staticmethod
    def _overwrite(path: Path, data: bytes) -> None:
        """Rewrite an existing checkpoint in place (its block is already allocated, so a
        full disk does not refuse it): the log's backups wait for this checkpoint, so a
        router on a full disk must still move it. One small write within one block."""
        fd = os.open(path, os.O_WRONLY)
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)
