"""``integrity``: the store's audit log walked along its hash chain (``verify_log``: always the
whole log, whatever the filter), the records per node with their seq and time range, and the
gaps in the stored sequence numbers of the selected records' nodes."""

from __future__ import annotations

from seaudit.errors import SeauditError
from seaudit.report.model import TOP, Context, Report, Row, Section
from seaudit.report.sections import first


def _chain(ctx: Context) -> list[Row]:
    from seaudit.log import verify_log

    rows: list[Row] = []
    for label, store, _ in ctx.each_store():
        try:
            found = verify_log(store.cfg)
        except SeauditError as exc:
            rows.append((f"{label}log", f"not checked: {exc}"))
            continue
        rows += [
            (f"{label}files", len(found.files)),
            (f"{label}records checked", found.records_checked),
            (f"{label}chain", "HMAC-SHA256" if found.keyed else "SHA-256"),
            (f"{label}state", "intact" if found.ok else f"TAMPERED: {found.first_problem}"),
        ]
        rows += [(f"{label}note", note) for note in found.notes]
    return rows


REPORT = Report(
    name="integrity",
    title="Integrity",
    about="hash chain of the log (verify), records per node, sequence gaps",
    sections=(
        Section("Hash chain of the audit log", ("check", "result"), compute=_chain),
        Section(
            "Records per node",
            ("node", "records", "first seq", "last seq", "first", "last"),
            "SELECT node, count(*), min(seq), max(seq), min(timestamp), max(timestamp) "
            f"FROM records GROUP BY 1 ORDER BY {first('1')}",
        ),
        Section(
            "Gaps in the stored sequence (seqs filtered out count as gaps when filtering)",
            ("after seq", "before seq", "missing"),
            "WITH s AS (SELECT seq, lead(seq) OVER (ORDER BY seq) AS next FROM records) "
            "SELECT seq, next, next - seq - 1 FROM s WHERE next > seq + 1 "
            f"ORDER BY seq LIMIT {TOP}",
            empty="no gaps",
        ),
    ),
)
