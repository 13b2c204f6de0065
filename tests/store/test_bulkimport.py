"""The bulk import stores what the per-record path stores: the same log frames (payload
bytes, seqs), the same Parquet rows and partitions, the same query answers and the same
line accounting; the chain verifies; importing again stores nothing new."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seaudit.log import log_files, verify_log
from seaudit.log.frame import Scan
from seaudit.query import TRUE
from seaudit.query.spec import Filter
from seaudit.schema.record import AuditRecord
from seaudit.store import Store
from seaudit.store.bulkimport import LineCounter, Tally, import_stream
from seaudit.store.columns import dedup_key
from seaudit.store.frames import with_node
from seaudit.store.ingest import Progress, _Counting, read_items
from seaudit.text.badinput import BadInput
from seaudit.text.detailed import render_detailed
from seaudit.text.reader import Reject
from seaudit.text.short import render_short
from tests.strategies import lines

SMALL_LOG = """\
[logmgr]
audit_log = seos.audit
audit_back = seos.audit.bak
audit_size = 50
audit_max_files = 0
BackUp_Date = yes
"""


def reference_import(store: Store, path: Path, node: str | None) -> Tally:
    """The per-record import this module replaces: ``read_items``, ``append_batch``,
    ``Store.ingest``, 10 000 records at a time."""
    tally = Tally()
    progress = Progress()
    chunk: list[tuple[AuditRecord, int]] = []
    with store.open_log(read_back=False) as log:

        def flush() -> None:
            keys = [
                dedup_key(node, r.origin.line, r.origin.raw) if r.origin else None for r, _ in chunk
            ]
            seen = store.existing_keys(k for k in keys if k is not None)
            fresh = []
            for (record, n), key in zip(chunk, keys, strict=True):
                if key is not None and key in seen:
                    tally.duplicates += 1
                    tally.duplicate_lines += n
                else:
                    fresh.append(record)
                    tally.stored += 1
                    tally.stored_lines += n
            if fresh:
                last = log.append_batch(fresh)
                store.ingest(
                    list(zip(range(last - len(fresh) + 1, last + 1), fresh, strict=True)),
                    flush=False,
                )
            chunk.clear()

        for item, n in read_items(str(path), progress):
            if isinstance(item, Reject):
                tally.rejects += 1
                tally.rejected_lines += n
                continue
            chunk.append((with_node(item, node), n))
            if len(chunk) >= 10_000:
                flush()
        flush()
        store.flush()
    tally.lines, tally.blank = progress.lines, progress.blank_lines
    return tally


def bulk_import(
    store: Store,
    path: Path,
    node: str | None,
    batch_bytes: int = 1 << 20,
) -> tuple[Tally, list[Reject]]:
    rejects: list[Reject] = []
    with store.open_log(read_back=False) as log, open(path, "rb") as raw:
        tally = import_stream(
            store,
            log,
            raw,
            source=str(path),
            node=node,
            bad=BadInput(emit=lambda message: None, keep=rejects.append),
            batch_bytes=batch_bytes,
        )
        store.flush()
    return tally, rejects


def frames_of(store: Store) -> list[tuple[int, bytes]]:
    out = []
    for path in log_files(store.cfg):
        for block in Scan(path.read_bytes()):
            out.extend(enumerate(block.payloads(), block.first_seq))
    return out


def parquet_of(store: Store) -> dict[str, pa.Table]:
    """Each partition directory's rows, in seq order."""
    parts: dict[str, list[pa.Table]] = {}
    for path in store.tree.files():
        parts.setdefault(str(path.parent.relative_to(store.tree.root)), []).append(
            pq.read_table(path)
        )
    return {k: pa.concat_tables(v).sort_by("seq") for k, v in parts.items()}


def answers(store: Store) -> list[tuple[int, AuditRecord, object]]:
    return [(s, r, r.origin) for s, r in store.select(Filter(TRUE))]


def same_stores(a: Store, b: Store) -> None:
    assert frames_of(a) == frames_of(b)
    pa_, pb = parquet_of(a), parquet_of(b)
    assert pa_.keys() == pb.keys()
    for key, table in pa_.items():
        assert table.equals(pb[key]), key
    assert answers(a) == answers(b)


@st.composite
def files(draw: st.DrawFn) -> bytes:
    parts: list[bytes] = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(
            st.sampled_from(["line", "line", "line", "detailed", "junk", "blank", "undecodable"])
        )
        if kind == "line":
            parts.append(draw(lines(padded=None, sessionid=None)).text.encode())
        elif kind == "detailed":
            parts.append(draw(lines(detailed=True, block=None)).text.encode())
        elif kind == "undecodable":  # kept exactly in the log: the batch's ``extra`` records
            text = draw(lines()).text.encode()
            at = draw(st.integers(len(text) // 2, len(text) - 1))
            parts.append(text[:at] + b"\xff" + text[at:])
        elif kind == "junk":
            parts.append(
                draw(
                    st.sampled_from(
                        ["not a record", "Status: Denied", "  Class: FILE", "x", " \x0b "]
                    )
                ).encode()
            )
        else:
            parts.append(draw(st.sampled_from(["", " ", "\t", "\r", "\x1c", "\u3000 "])).encode())
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    end = draw(st.sampled_from([b"", newline]))
    return newline.join(parts) + end if parts else end


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    text=files(),
    node=st.sampled_from([None, "web01"]),
    batch=st.sampled_from([64, 512, 1 << 20]),
    twice=st.booleans(),
)
def test_bulk_import_stores_what_the_record_path_stores(
    tmp_path_factory: object,
    text: bytes,
    node: str | None,
    batch: int,
    twice: bool,
) -> None:
    root = tmp_path_factory.mktemp("imp")  # type: ignore[attr-defined]
    path = root / "in.txt"
    path.write_bytes(text)
    old, new = Store(root / "old"), Store(root / "new")
    expected = reference_import(old, path, node)
    tally, rejects = bulk_import(new, path, node, batch)
    assert tally == expected
    assert tally.lines == (
        tally.stored_lines + tally.rejected_lines + tally.duplicate_lines + tally.blank
    )
    assert [r.line for r in rejects] == sorted(r.line for r in rejects)
    same_stores(old, new)
    assert verify_log(new.cfg).ok
    if twice:  # a second import of the same file: every record a duplicate, nothing stored
        before = frames_of(new)
        again, _ = bulk_import(new, path, node, batch)
        assert again.stored == 0 and again.duplicates == tally.stored
        assert again.duplicate_lines == tally.stored_lines
        assert frames_of(new) == before


def test_rotation_splits_a_batch_and_the_chain_verifies(tmp_path: Path) -> None:
    """A 50 KB log rotates many times inside one batch; the import still equals the record
    path, backups included, and verify passes."""
    records = [
        AuditRecord(
            event="login",
            timestamp=f"2024-05-{1 + i % 3:02d}T09:00:{i % 60:02d}",
            status="PD"[i % 2],
            event_name="LOGIN",
            user=f"user{i % 7}",
            stage=59,
            reason=2,
            terminal="tty1",
            program="/bin/login",
            audit_flags="",
        )
        for i in range(1500)
    ]
    text = [render_short(r) for r in records]
    text.insert(100, render_detailed(records[0], block=True))
    text.insert(50, "")
    path = tmp_path / "web01.audit"
    data = ("\n".join(text) + "\n").encode()
    path.write_bytes(data.replace(b"user3", b"us\xffer3", 2))  # two records in ``extra``
    stores = []
    for name in ("old", "new"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "seos.ini").write_text(SMALL_LOG)
        stores.append(Store(tmp_path / name))
    expected = reference_import(stores[0], path, "web01")
    tally, _ = bulk_import(stores[1], path, "web01", batch_bytes=20_000)
    assert tally == expected and tally.stored == 1501
    assert len(log_files(stores[1].cfg)) > 5
    same_stores(*stores)
    assert verify_log(stores[1].cfg).ok
    users = [r.user for _, r in stores[1].tail(0)]
    assert users.count("us\udcffer3") == 2  # the undecodable byte, exact in the log


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                b"a",
                b" ",
                b"\t",
                b"\r",
                b"\n",
                b"\n",
                b"x y",
                b"\x0b",
                b"\x1c",
                "\u2028".encode(),
                b"\xe2",
                b"\xc2\x85",
            ]
        ),
        max_size=60,
    ),
    st.integers(1, 7),
    st.integers(2, 6),
)
def test_line_counter_counts_as_the_line_reader(
    parts: list[bytes], size: int, max_line: int
) -> None:
    """Lines and blank lines as ``ingest`` counts them reading line by line (over-long lines,
    read in pieces, are never blank)."""
    data = b"".join(parts)
    counter = LineCounter(io.BytesIO(data), max_line)
    while counter.read(size):
        pass
    reference = _Counting(io.BytesIO(data))  # type: ignore[arg-type]
    while True:
        chunk = reference.readline(max_line + 1)
        if not chunk:
            break
        if len(chunk) > max_line and not chunk.endswith(b"\n"):
            while (more := reference.readline(max_line)) and not more.endswith(b"\n"):
                pass
    assert (counter.lines, counter.blank_lines(), counter.blank_total) == (
        reference.lines,
        reference.blank,
        len(reference.blank),
    )
