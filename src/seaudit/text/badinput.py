"""How bad input is treated, the same way by every verb that reads seaudit text (``parse``,
``import``, ``forward``): each line that is not a record is reported as it comes
(``FILE:LINE: reason``, control characters escaped) and handed to whoever keeps rejects; after
``HINT_AFTER`` rejects at the start of a file that has shown no record, one hint says the
file may not be seaudit output; in strict mode reading stops at the first reject, keeping the
records before it.

Two adapters share the one policy: ``checked_batches`` for the bulk path's batches and
``checked_items`` for the reference reader's records and rejects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import BinaryIO

from seaudit.errors import UsageError
from seaudit.schema.record import AuditRecord
from seaudit.text.bulk import BulkBatch
from seaudit.text.reader import Item, Reject
from seaudit.text.short import escape_controls

HINT_AFTER = 20  # rejects in a row at the start of a file before the "not seaudit output?" hint


def to_stderr(message: str) -> None:
    sys.stderr.buffer.write(message.encode("utf-8", "backslashreplace") + b"\n")
    sys.stderr.buffer.flush()


@dataclass
class BadInput:
    """The bad lines of one run (over any number of files)."""

    strict: bool = False
    emit: Callable[[str], None] = to_stderr
    keep: Callable[[Reject], object] | None = None  # the rejects file, when there is one
    rejected: int = 0
    stopped: bool = False  # strict mode met a reject: read nothing more
    _leading: int = field(default=0, repr=False)
    _seen_record: bool = field(default=False, repr=False)

    def start(self) -> None:
        """A new file begins: its leading rejects are counted afresh."""
        self._leading, self._seen_record = 0, False

    def record_seen(self) -> None:
        self._seen_record = True

    def reject(self, reject: Reject) -> bool:
        """Report one reject; False when reading must stop here (strict mode)."""
        self.rejected += 1
        self.emit(escape_controls(f"{reject.source}:{reject.line}: {reject.reason}"))
        if self.keep is not None:
            self.keep(reject)
        if self.strict:
            self.stopped = True
            return False
        if not self._seen_record:
            self._leading += 1
            if self._leading == HINT_AFTER:
                self.emit(
                    escape_controls(
                        f"seaudit: hint: the first {HINT_AFTER} lines of {reject.source} were "
                        "all rejected; is it seaudit output (seaudit -a or seaudit -d)?"
                    )
                )
        return True


class RejectsWriter:
    """The rejects file (``--rejects PATH``), with the lifecycle every output has (``write``,
    ``flush``, ``close``): each rejected line as it was read, a detailed block as its lines
    joined by spaces, the bytes of invalid UTF-8 as they were. The sink stays open."""

    def __init__(self, sink: BinaryIO) -> None:
        self._sink = sink

    def write(self, rejects: Iterable[Reject]) -> int:
        count = 0
        for reject in rejects:
            self._sink.write(reject.raw.encode("utf-8", "surrogateescape") + b"\n")
            count += 1
        return count

    def keep(self, reject: Reject) -> None:
        """One reject (``BadInput.keep``)."""
        self.write((reject,))

    def flush(self) -> None:
        self._sink.flush()

    def close(self) -> None:
        self.flush()


@contextmanager
def rejects_file(path: str | None) -> Iterator[RejectsWriter | None]:
    """``--rejects PATH`` opened for the run (None: no rejects file), closed at its end."""
    if path is None:
        yield None
        return
    try:
        sink = open(path, "wb")  # noqa: SIM115 (closed below)
    except OSError as exc:
        raise UsageError(f"cannot write rejects to {path}: {exc.strerror}") from None
    with sink:
        writer = RejectsWriter(sink)
        try:
            yield writer
        finally:
            writer.close()


def checked_batches(batches: Iterable[BulkBatch], bad: BadInput) -> Iterator[BulkBatch]:
    """The batches of one file with their rejects reported; in strict mode the batch holding
    the first reject is cut before it and nothing follows."""
    for batch in batches:
        lines = [int(batch.frame["line"][0])] if batch.frame.height else []
        lines += [r.origin.line for r in batch.extra[:1] if r.origin]
        first_record = min(lines) if lines else None
        for reject in sorted(batch.rejects, key=lambda r: r.line):
            if first_record is not None and reject.line > first_record:
                bad.record_seen()
            if not bad.reject(reject):
                yield _before(batch, reject.line)
                return
        if first_record is not None:
            bad.record_seen()
        yield batch


def checked_items(items: Iterable[Item], bad: BadInput) -> Iterator[AuditRecord]:
    """The records of one file, its rejects reported; strict mode stops at the first."""
    for item in items:
        if isinstance(item, AuditRecord):
            bad.record_seen()
            yield item
        elif not bad.reject(item):
            return


def _before(batch: BulkBatch, line: int) -> BulkBatch:
    """The batch cut to the records before ``line``."""
    import polars as pl

    frame = batch.frame.filter(pl.col("line") < line)
    extra = [r for r in batch.extra if r.origin and r.origin.line < line]
    return BulkBatch(batch.source, frame, [], extra)
