"""JSON lines made column-wise from bulk batches are byte for byte those of
``seaudit.export.jsonl.dumps`` over the reference reader's records (escapes, invalid UTF-8,
Unicode line breaks, records the fast path left to the reference), encoded in the worker
thread or at write time."""

from __future__ import annotations

import io

import orjson
from hypothesis import given, settings

from seaudit.export._jsonframe import json_lines, write_jsonl
from seaudit.export.jsonl import dumps
from seaudit.schema.record import AuditRecord
from seaudit.text.bulk import parse_batches
from seaudit.text.reader import read_stream
from tests.text.test_bulk import files


def jsonl(
    data: bytes, platform: str | None = None, batch_bytes: int = 1 << 20, in_worker: bool = True
) -> bytes:
    sink = io.BytesIO()
    for batch in parse_batches(
        io.BytesIO(data),
        source="f",
        platform=platform,
        batch_bytes=batch_bytes,
        encode=json_lines if in_worker else None,
    ):
        write_jsonl(batch, sink)
    return sink.getvalue()


def jsonl_reference(data: bytes, platform: str | None = None) -> bytes:
    records = [
        i
        for i in read_stream(io.BytesIO(data), source="f", platform=platform)
        if isinstance(i, AuditRecord)
    ]
    return b"".join(dumps(r) + b"\n" for r in records)


@settings(max_examples=20)
@given(files())
def test_write_jsonl_is_byte_identical(file: tuple[bytes, str | None]) -> None:
    data, platform = file
    expected = jsonl_reference(data, platform)
    assert jsonl(data, platform, 100) == expected
    assert jsonl(data, platform, 1 << 20, in_worker=False) == expected


def test_write_jsonl_escapes_like_orjson() -> None:
    values = ['quote " back \\ slash', "tab\tnl\\n", "é ü 中文 \u2028 \u2029 \x7f", "ctl\x01\x1f"]
    data = (
        "\n".join(
            f"01 Jan 2024 10:00:00 D FILE u Read 69 3 {v.replace(' ', '_')} /bin/sh tty u"
            for v in values
        ).encode()
        + b"\n01 Jan 2024 10:00:00 D FILE u Read 69 3 /tmp/\xff /bin/sh tty u\n"
    )
    out = jsonl(data)
    assert out == jsonl_reference(data) == jsonl(data, in_worker=False)
    clean = b"\n".join(data.split(b"\n")[:4]) + b"\n"
    assert jsonl(clean) == jsonl_reference(clean)  # one batch, all fast: JSON made by the worker
    first = out.split(b"\n")[0]
    assert orjson.loads(first)["resource"] == 'quote_"_back_\\_slash'
    assert b"\\udcff" in out.split(b"\n")[4]  # invalid UTF-8 kept (the reference dumps)
