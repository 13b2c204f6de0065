"""Per-destination checkpoints: the last seq a destination acknowledged, kept on disk.

One small file per destination (``<sha256 of the URL>.seq``, holding ``SEQ URL``), replaced
atomically (write, fsync, rename, fsync the directory) only after the destination's
acknowledgement: a crash leaves the old value or the new one, so a record can be sent again
after a crash (at least once) but never skipped.
"""

from __future__ import annotations

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

    def save(self, destination: str, seq: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(destination)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
        try:
            os.write(fd, f"{seq} {destination}\n".encode("utf-8", "surrogateescape"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        dir_fd = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
