"""Which events of a chunk the bulk path takes, and each one's shape.

Lines are grouped by event id (node, seconds, millis, serial) as a group-by. An event is
**regular** when the per-event ``group.Grouper`` would make of it exactly the event the
group-by makes: its lines are all plain (``agent.lines``), it is a kernel event (not from
user space, no EOE marker), it has one PROCTITLE and that is its last line (the kernel's
end of a syscall event), and no later line's time had passed its timeout before it ended.
Every other event goes to the per-event path, line by line, in order. (A bind or accept,
whose mapping reads the mapper's state, ``mapping.STATEFUL``, is regular too: the bulk
path carries that state in order, ``bulk``.)

An event's **shape** is its records' types and bodies in order, less the fields the mapping
never reads (``mapping.UNREAD``, ``SYSCALL_READS``): events of one shape, node and second
map to the same records but for their origin, so the mapping runs once a shape.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from seaudit.agent import syscalls
from seaudit.agent.group import EOE, LAST_OF_SYSCALL, is_user_space
from seaudit.agent.mapping import ALL, SYSCALL_READS, UNREAD

#: an event spanning more lines than this is left to the per-event path (its open events
#: are bounded by ``group.MAX_OPEN``; the bulk path never holds one open)
MAX_SPAN = 1000
SEPARATOR = "\x1f"  # between the records of a shape (never in a plain line)


def _removing(fields: Iterable[str]) -> str:
    names = "|".join(sorted(fields))
    return rf"(?:^| )(?:{names})=[^ ]*"


#: the SYSCALL fields read by name: the syscall's, and those ``SYSCALL_READS`` names
READS = sorted({f for fields in SYSCALL_READS.values() for f in fields})
CALL_FIELDS = ("arch", "syscall", *READS)


def _record_shape() -> pl.Expr:
    """A record's part of its event's shape: its type, then its body less unread fields,
    then the SYSCALL fields its syscall reads (columns of ``_calls``)."""
    body = pl.col("body")
    for kind, unread in UNREAD.items():
        kept = pl.lit("") if unread == ALL else body.str.replace_all(_removing(unread), "")
        body = pl.when(pl.col("type") == kind).then(kept).otherwise(body)
    extra = [
        pl.when(pl.col("syscall").is_in([n for n, fs in SYSCALL_READS.items() if f in fs]))
        .then(pl.concat_str([pl.lit(f" {f}="), pl.col(f)], ignore_nulls=True))
        .otherwise(pl.lit(""))
        for f in READS
    ]
    return pl.concat_str([pl.col("type"), pl.lit(" "), body, *extra], ignore_nulls=True)


def _calls(heads: pl.DataFrame) -> pl.DataFrame:
    """Plain SYSCALL lines: ``idx``, the ``CALL_FIELDS`` (the first of each name: ``repeat``
    says one came twice, which ``parse_line`` would read as the last: such an event is left
    to the per-event path), and ``syscall``, the name (``syscalls.syscall_name``, once per
    distinct arch and number; "" for one the agent does not map)."""
    calls = heads.filter((pl.col("type") == "SYSCALL") & pl.col("plain")).select(
        "idx",
        *[pl.col("body").str.extract(rf"(?:^| ){f}=([^ ]*)", 1).alias(f) for f in CALL_FIELDS],
        pl.any_horizontal(
            [pl.col("body").str.count_matches(rf"(?:^| ){f}=") > 1 for f in CALL_FIELDS]
        ).alias("repeat"),
    )
    pairs = calls.select("arch", "syscall").unique().rows()
    names = {f"{a}/{n}": syscalls.syscall_name(a, n) or "" for a, n in pairs}
    pair = pl.concat_str([pl.col("arch"), pl.lit("/"), pl.col("syscall")])
    name = pair.replace_strict(names, default="", return_dtype=pl.String).fill_null("")
    return calls.with_columns(name.alias("syscall"))


def events(lines: pl.DataFrame, latest: float, timeout: float) -> pl.DataFrame:
    """The chunk's events, one row each in order of their first line: the id columns,
    ``first`` and ``last`` line, ``count`` of lines, ``first_type``, ``regular``, ``syscall``
    (its name when the agent maps it) and, for regular ones, ``shape``. ``latest`` is the
    event time the grouper has reached."""
    return reached_by(chunk_events(lines, timeout), latest, timeout)


def reached_by(found: pl.DataFrame, latest: float, timeout: float) -> pl.DataFrame:
    """``chunk_events``' events, no longer regular where the grouper's event time ``latest``
    (known only once the chunks before are fed) had passed their timeout: the rest of
    ``events``, apart so the chunk's own part can be made ahead, in a thread."""
    return found.with_columns(pl.col("regular") & (pl.lit(latest) < _due(timeout)))


def _due(timeout: float) -> pl.Expr:
    """When an event's timeout passes, in event time."""
    return pl.col("seconds") + pl.col("millis") / 1000 + timeout


def chunk_events(lines: pl.DataFrame, timeout: float) -> pl.DataFrame:
    """``events`` as far as the chunk alone decides it (``reached_by`` does the rest)."""
    # lines whose head the bulk path cannot read (the per-event path may: their time is
    # unknown here), counted so far: an event with one amid its lines is not regular
    lines = lines.with_columns(pl.col("type").is_null().cum_sum().alias("unread"))
    heads = lines.filter(pl.col("type").is_not_null())
    time = pl.col("seconds") + pl.col("millis") / 1000
    heads = heads.with_columns(time.cum_max().alias("reached"))
    heads = heads.join(_calls(heads), on="idx", how="left")
    heads = heads.with_columns(pl.when(pl.col("plain")).then(_record_shape()).alias("shape"))
    keys = ["node", "seconds", "millis", "serial"]
    grouped = heads.group_by(keys, maintain_order=True).agg(
        pl.col("idx").first().alias("first"),
        pl.col("idx").last().alias("last"),
        pl.len().alias("count"),
        pl.col("type").first().alias("first_type"),
        pl.col("type").last().alias("last_type"),
        (pl.col("type") == LAST_OF_SYSCALL).sum().alias("ends"),
        (pl.col("type") == EOE).any().alias("eoe"),
        (pl.col("plain") & ~pl.col("repeat").fill_null(False)).all().alias("plain"),
        pl.col("syscall").drop_nulls().first().alias("syscall"),
        pl.col("reached").last().alias("reached"),
        (pl.col("unread").last() - pl.col("unread").first()).alias("unread"),
        pl.col("shape").str.join(SEPARATOR).alias("shape"),
    )
    user_space = {t for t in grouped["first_type"].unique().to_list() if is_user_space(t)}
    from_user = pl.col("first_type").is_in(sorted(user_space))
    kernel = ~from_user & (pl.col("ends") == 1) & (pl.col("last_type") == LAST_OF_SYSCALL)
    regular = (
        pl.col("plain")
        & ~pl.col("eoe")
        & (kernel | (from_user & (pl.col("count") == 1)))
        & (pl.col("last") - pl.col("first") < MAX_SPAN)
        & (pl.col("unread") == 0)
        & (pl.col("reached") < _due(timeout))
    )
    return grouped.with_columns(regular.alias("regular")).select(
        *keys, "first", "last", "count", "first_type", "regular", "shape", "syscall"
    )
