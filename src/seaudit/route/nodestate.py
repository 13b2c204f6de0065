"""Each sender node's state at the collectors: a small SQLite table, queryable as it is.

``nodes`` (one row per node)::

    node        the sender (``route --node``)
    last_seq    the last seq of that node stored (or passed as not routed)
    last_hash   the chain hash there
    records     records stored             skipped     seqs routed as not selected
    duplicates  records received again     gaps        JSON [[first, last], ...] never received
    break_seq   first seq whose chain link failed (NULL: intact)   break_what  why
    pending_by  a collector appending this node's records now (its store path), else NULL
    pending     JSON of that append: where it lands in the collector's log, the sender's
                seqs (``first`` and ``count`` when they follow each other), the state after
    pending_hashes  the sender's chain hash of each of those records, 32 bytes each

Several collectors sharing one JetStream consumer share this file (``collect --state``):
a collector claims a node's next records in one transaction (``BEGIN IMMEDIATE``), appends
them to its own log and makes them durable, then commits the claim; another collector
meanwhile waits for that node. A collector killed between claim and commit finds its claim
when it starts again and settles it from its own log (``settle``): the records that landed
count, the rest come again from the stream.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from seaudit.errors import UsageError

SCHEMA = """
CREATE TABLE IF NOT EXISTS nodes (
    node TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_hash BLOB NOT NULL DEFAULT x'',
    records INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    duplicates INTEGER NOT NULL DEFAULT 0,
    gaps TEXT NOT NULL DEFAULT '[]',
    break_seq INTEGER,
    break_what TEXT,
    updated_ns INTEGER NOT NULL DEFAULT 0,
    pending_by TEXT,
    pending TEXT,
    pending_hashes BLOB
);
CREATE TABLE IF NOT EXISTS rejected (
    node TEXT NOT NULL,
    reason TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (node, reason)
);
"""


@dataclass(frozen=True, slots=True)
class NodeState:
    node: str
    last_seq: int = 0
    last_hash: bytes = b""
    records: int = 0
    skipped: int = 0
    duplicates: int = 0
    gaps: tuple[tuple[int, int], ...] = ()
    break_seq: int | None = None
    break_what: str | None = None

    @property
    def intact(self) -> bool:
        return self.break_seq is None and not self.gaps

    def to_json(self) -> dict[str, object]:
        return {
            "last_seq": self.last_seq,
            "last_hash": self.last_hash.hex(),
            "records": self.records,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "gaps": [list(g) for g in self.gaps],
            "break_seq": self.break_seq,
            "break_what": self.break_what,
        }

    @classmethod
    def from_json(cls, node: str, data: dict[str, object]) -> NodeState:
        return cls(
            node,
            int(data["last_seq"]),  # type: ignore[call-overload]
            bytes.fromhex(str(data["last_hash"])),
            int(data["records"]),  # type: ignore[call-overload]
            int(data["skipped"]),  # type: ignore[call-overload]
            int(data["duplicates"]),  # type: ignore[call-overload]
            tuple((int(a), int(b)) for a, b in data["gaps"]),  # type: ignore[attr-defined]
            data["break_seq"],  # type: ignore[arg-type]
            data["break_what"],  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class Claim:
    """An append in progress: this node's records land at ``log_first`` onwards in the
    collector's log; ``seqs`` and ``hashes`` (32 bytes each, one after the other) are the
    sender's seq and chain hash of each; ``after`` the state once all have landed."""

    node: str
    log_first: int
    seqs: tuple[int, ...]
    hashes: bytes
    after: NodeState

    def settled(self, log_last: int) -> NodeState:
        """The state once the collector's log ends at ``log_last``: everything when all the
        records landed, else the state at the last one that did (the rest comes again)."""
        landed = max(0, min(len(self.seqs), log_last - self.log_first + 1))
        if landed == len(self.seqs):
            return self.after
        if landed == 0:
            raise _NothingLanded
        return replace(
            self.after,
            last_seq=self.seqs[landed - 1],
            last_hash=self.hashes[(landed - 1) * 32 : landed * 32],
            records=self.after.records - (len(self.seqs) - landed),
        )


class _NothingLanded(Exception):
    pass


@dataclass
class NodeStates:
    """The node state file; ``read_only``: for a reader (``verify --nodes``, reports), which
    creates nothing and writes nothing, beside a running collector or in a read-only
    store (see ``_open_read_only``)."""

    path: Path
    read_only: bool = False
    _db: sqlite3.Connection = field(init=False)

    def __post_init__(self) -> None:
        if self.read_only:
            self._db = _open_read_only(self.path)
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(nodes)")}
            if "pending_hashes" not in columns:  # a file of a collector before 2026-11-30
                self._db.execute("ALTER TABLE nodes ADD COLUMN pending_hashes BLOB")
        except sqlite3.Error as exc:
            raise UsageError(f"cannot use the node state file {self.path}: {exc}") from None

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One writer at a time across processes (``BEGIN IMMEDIATE``)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def get(self, node: str) -> tuple[NodeState, str | None]:
        """A node's committed state and who holds a claim on it (None: nobody)."""
        row = self._db.execute(
            "SELECT last_seq, last_hash, records, skipped, duplicates, gaps, break_seq, "
            "break_what, pending_by FROM nodes WHERE node = ?",
            (node,),
        ).fetchone()
        if row is None:
            return NodeState(node), None
        state = NodeState(
            node,
            row[0],
            bytes(row[1]),
            row[2],
            row[3],
            row[4],
            tuple((int(a), int(b)) for a, b in json.loads(row[5])),
            row[6],
            row[7],
        )
        return state, row[8]

    def put(self, state: NodeState) -> None:
        self._db.execute(
            "INSERT INTO nodes (node, last_seq, last_hash, records, skipped, duplicates, gaps, "
            "break_seq, break_what, updated_ns, pending_by, pending) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL) "
            "ON CONFLICT(node) DO UPDATE SET last_seq = excluded.last_seq, "
            "last_hash = excluded.last_hash, records = excluded.records, "
            "skipped = excluded.skipped, duplicates = excluded.duplicates, "
            "gaps = excluded.gaps, break_seq = excluded.break_seq, "
            "break_what = excluded.break_what, updated_ns = excluded.updated_ns, "
            "pending_by = NULL, pending = NULL, pending_hashes = NULL",
            (
                state.node,
                state.last_seq,
                state.last_hash,
                state.records,
                state.skipped,
                state.duplicates,
                json.dumps([list(g) for g in state.gaps]),
                state.break_seq,
                state.break_what,
                time.time_ns(),
            ),
        )

    def hold(self, claim: Claim, collector: str) -> None:
        """Record ``collector``'s claim on the node (the committed state stays as it is)."""
        self._db.execute(
            "INSERT INTO nodes (node) VALUES (?) ON CONFLICT(node) DO NOTHING", (claim.node,)
        )
        seqs = claim.seqs
        pending: dict[str, object] = {"log_first": claim.log_first, "after": claim.after.to_json()}
        if seqs and list(seqs) == list(range(seqs[0], seqs[0] + len(seqs))):
            pending |= {"first": seqs[0], "count": len(seqs)}  # the usual claim: no list
        else:
            pending["seqs"] = list(seqs)
        self._db.execute(
            "UPDATE nodes SET pending_by = ?, pending = ?, pending_hashes = ? WHERE node = ?",
            (collector, json.dumps(pending), claim.hashes, claim.node),
        )

    def claims_of(self, collector: str) -> list[Claim]:
        rows = self._db.execute(
            "SELECT node, pending, pending_hashes FROM nodes WHERE pending_by = ?", (collector,)
        ).fetchall()
        out = []
        for node, text, blob in rows:
            data = json.loads(text)
            if "steps" in data:  # written by a collector before 2026-11 (pairs of seq, hex)
                data["seqs"] = [s for s, _ in data["steps"]]
                data["hashes"] = "".join(h for _, h in data["steps"])
            if "first" in data:
                seqs = tuple(range(int(data["first"]), int(data["first"]) + int(data["count"])))
            else:
                seqs = tuple(int(s) for s in data["seqs"])
            out.append(
                Claim(
                    node,
                    int(data["log_first"]),
                    seqs,
                    bytes(blob) if blob is not None else bytes.fromhex(data["hashes"]),
                    NodeState.from_json(node, data["after"]),
                )
            )
        return out

    def settle(self, collector: str, log_last: int) -> None:
        """Turn ``collector``'s claims into states by what its log (ending at ``log_last``)
        holds."""
        with self.transaction():
            for claim in self.claims_of(collector):
                try:
                    self.put(claim.settled(log_last))
                except _NothingLanded:
                    self._db.execute(
                        "UPDATE nodes SET pending_by = NULL, pending = NULL, "
                        "pending_hashes = NULL WHERE node = ?",
                        (claim.node,),
                    )

    def reject(self, node: str, reason: str) -> None:
        self._db.execute(
            "INSERT INTO rejected (node, reason, count) VALUES (?, ?, 1) "
            "ON CONFLICT(node, reason) DO UPDATE SET count = count + 1",
            (node, reason),
        )

    def all(self) -> list[NodeState]:
        try:
            names = [r[0] for r in self._db.execute("SELECT node FROM nodes ORDER BY node")]
            return [self.get(name)[0] for name in names]
        except sqlite3.Error as exc:
            raise UsageError(f"cannot read the node state file {self.path}: {exc}") from None

    def rejected(self) -> list[tuple[str, str, int]]:
        try:
            return [
                (str(a), str(b), int(c))
                for a, b, c in self._db.execute(
                    "SELECT node, reason, count FROM rejected ORDER BY node, reason"
                )
            ]
        except sqlite3.Error as exc:
            raise UsageError(f"cannot read the node state file {self.path}: {exc}") from None


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that cannot write (``mode=ro``, ``query_only``). While a collector
    has the file open, its write-ahead log (``-wal``) exists and is read with it; when none
    does (every collector closed, so the log was folded into the file and removed), the
    file is opened ``immutable``, because a read-only open would otherwise create the
    ``-wal`` and ``-shm`` files beside it, and cannot in a read-only store."""
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?{mode}", uri=True, timeout=60)
        db.execute("PRAGMA query_only=ON")
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        raise UsageError(f"cannot read the node state file {path}: {exc}") from None
    return db
