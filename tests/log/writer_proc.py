"""A writer process for the crash test: appends forever, printing what it was told is safe.

``A seq`` after an append returned (handed to the kernel: survives SIGKILL),
``D seq`` when the flush policy reports the record durable (survives a power cut).
The record of sequence number s is ``record_for(s)``, so the checker knows what to expect.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from seaudit.log import AuditLog, LogConfig
from seaudit.schema.record import AuditRecord, Origin


def record_for(seq: int) -> AuditRecord:
    pad = "p" * (seq * 7919 % 900)
    return AuditRecord(
        event="resource_access",
        timestamp="2026-02-06T14:43:30",
        status="D",
        user=f"u{seq}",
        resource=f"/data/{seq}/{pad}",
        class_="FILE",
        origin=Origin("import.txt", seq, raw=f"raw {seq}", node="n"),
    )


def main() -> None:
    folder, flush, seed = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rng = random.Random(seed)
    cfg = LogConfig(
        audit_log=folder / "seos.audit",
        audit_size=50,
        backup_date="yes",
        audit_max_files=0,
        flush=flush,
    )
    out = sys.stdout
    with AuditLog(cfg) as log:
        durable = log.durable_seq
        print(f"O {log.last_seq}", file=out, flush=True)
        while True:
            n = rng.choice((1, 1, 1, 5, 40))
            start = log.last_seq + 1
            if n == 1:
                last = log.append(record_for(start))
            else:
                last = log.append_batch(record_for(s) for s in range(start, start + n))
            lines = [f"A {last}"]
            if log.durable_seq != durable:
                durable = log.durable_seq
                lines.append(f"D {durable}")
            out.write("\n".join(lines) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
