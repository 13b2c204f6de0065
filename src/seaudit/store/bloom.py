"""Bloom filters of a Parquet file's lookup columns, kept in the manifest beside the file, so
a query for one user, session, resource, terminal or host opens only the files that can
hold that value, and a filter that matches nothing opens none.

Measured on the previous 10 M-record bench store (346 files, two busy cores): DuckDB's own
pruning (row-group min/max statistics, and Parquet Bloom filters written by pyarrow) skips
every row group for a value no file holds but still opens each file and reads its footer: a
count took 60-160 ms with or without Parquet Bloom filters, the first page of such a filter
160-500 ms. Deciding from the manifest costs microseconds per file. A filter says "maybe" or
"no", never a wrong "no": every distinct non-null value of the column in the file is in it.

Format (part of the manifest's format, fixed): ``HASHES`` bit positions per value,
``(h1 + i * h2) mod bits`` for i in 0..HASHES-1, where h1 and h2 are the little-endian
halves of the 16-byte BLAKE2b digest of the value's UTF-8 bytes (h2 made odd); bit p is
``byte[p // 8] & (1 << p % 8)``; the bytes are written in base64. About ``BITS_PER_VALUE``
bits per distinct value gives about 1 % false "maybe".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa  # type: ignore[import-untyped]

#: the stored columns that get a filter: what one looks up by a single value
LOOKUP_COLUMNS: tuple[str, ...] = ("user", "session_id", "resource", "terminal", "host")
HASHES = 7
BITS_PER_VALUE = 10
MIN_BYTES = 8


@dataclass(frozen=True, slots=True)
class Bloom:
    bits: bytes

    @classmethod
    def of(cls, values: Iterable[str]) -> Bloom:
        """The filter of ``values``: one BLAKE2b per value, the bit positions column-wise
        (``_bits``; held equal to setting each value's ``_positions`` by a property test)."""
        keys = [_key(v) for v in values]
        size = max(MIN_BYTES, (len(keys) * BITS_PER_VALUE + 7) // 8)
        return cls(_bits([k for k in keys if k is not None], size))

    def may_hold(self, value: str) -> bool:
        """False only when no value this filter was made of equals ``value``."""
        key = _key(value)
        if key is None or not self.bits:
            return True
        nbits = len(self.bits) * 8
        return all(self.bits[p >> 3] & (1 << (p & 7)) for p in _positions(key, nbits))

    def to_text(self) -> str:
        return base64.b64encode(self.bits).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> Bloom:
        """A filter from the manifest; ValueError when the text is not one."""
        try:
            bits = base64.b64decode(text.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise ValueError(f"not a Bloom filter: {exc}") from None
        if len(bits) < MIN_BYTES:
            raise ValueError(f"a Bloom filter of {len(bits)} bytes is too short")
        return cls(bits)


def _key(value: str) -> bytes | None:
    """The bytes hashed: the UTF-8 of the value, as Parquet holds it. A value that has no
    UTF-8 form (a lone surrogate from undecodable input) gives None: never pruned on."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _positions(key: bytes, nbits: int) -> list[int]:
    digest = hashlib.blake2b(key, digest_size=16).digest()
    h1 = int.from_bytes(digest[:8], "little")
    h2 = int.from_bytes(digest[8:], "little") | 1
    return [(h1 + i * h2) % nbits for i in range(HASHES)]


def _bits(keys: list[bytes], size: int) -> bytes:
    """The ``size`` bytes with every bit of every key's ``_positions`` set, made with
    polars: ``(h1 + i * h2) mod nbits`` is ``(h1 mod nbits + i * (h2 mod nbits)) mod
    nbits``, which stays below 2**64 in unsigned 64-bit columns; the positions are set in a
    boolean column, whose Arrow bitmap (bit p is ``byte[p // 8] >> p % 8``) is the filter."""
    if not keys:
        return bytes(size)
    import polars as pl
    import pyarrow as pa

    nbits = size * 8
    blake2b = hashlib.blake2b
    digests = b"".join([blake2b(key, digest_size=16).digest() for key in keys])
    halves = struct.unpack(f"<{2 * len(keys)}Q", digests)
    h1 = pl.Series(halves[0::2], dtype=pl.UInt64) % nbits
    h2 = (pl.Series(halves[1::2], dtype=pl.UInt64) | 1) % nbits
    positions = pl.concat([(h1 + i * h2) % nbits for i in range(HASHES)])
    flags = pl.zeros(nbits, pl.Boolean, eager=True).scatter(positions, True)
    bitmap = pa.concat_arrays([flags.to_arrow()])  # one chunk at offset 0, no nulls
    return bytes(bitmap.buffers()[1].to_pybytes()[:size])


def blooms_of(table: pa.Table) -> tuple[tuple[str, Bloom], ...]:
    """The filters of the rows of one file, for every lookup column (a column the table
    lacks reads as NULL everywhere: its filter is empty)."""
    import pyarrow.compute as pc  # type: ignore[import-untyped]

    out = []
    for column in LOOKUP_COLUMNS:
        values: list[str] = []
        if column in table.column_names:
            values = pc.unique(table.column(column)).drop_null().to_pylist()
        out.append((column, Bloom.of(values)))
    return tuple(out)
