"""``integrity``: the store's audit log walked along its hash chain (``verify_log``: always the
whole log, whatever the filter), each sender node's chain and gaps as the collectors saw them
(``verify --nodes``: the node state file of a collector's store, when there is one), the
records per node with their seq and time range, and the gaps in the stored sequence numbers
of the selected records' nodes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from seaudit.errors import SeauditError
from seaudit.report.model import TOP, Context, Report, Row, Section
from seaudit.report.sections import first

if TYPE_CHECKING:
    from seaudit.route.nodestate import NodeState

#: the collectors' node state file in a store (``collect --state``'s default)
NODE_STATE = "nodes.sqlite"


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


def node_states(ctx: Context) -> tuple[list[NodeState], list[tuple[str, str, int]]]:
    """Each sender node's state and the messages rejected from senders, read from the store's
    node state file (none when the store is not a collector's: nothing is created)."""
    from seaudit.route.nodestate import NodeStates

    path = ctx.store.root / NODE_STATE
    if not path.is_file():
        return [], []
    if "nodes" not in ctx.shared:
        states = NodeStates(path, read_only=True)
        try:
            ctx.shared["nodes"] = (states.all(), states.rejected())
        finally:
            states.close()
    return ctx.shared["nodes"]  # type: ignore[return-value]


def gaps_text(state: NodeState) -> str:
    return ", ".join(f"{a}..{b}" if a != b else str(a) for a, b in state.gaps) or "none"


def chain_text(state: NodeState) -> str:
    if state.break_seq is None:
        return "chain intact"
    return f"chain BROKEN at seq {state.break_seq}: {state.break_what}"


def _nodes(ctx: Context) -> list[Row]:
    return [
        (
            s.node,
            "OK" if s.intact else "PROBLEM",
            s.last_seq,
            s.records,
            s.skipped,
            s.duplicates,
            gaps_text(s),
            chain_text(s),
        )
        for s in node_states(ctx)[0]
    ]


def _rejected(ctx: Context) -> list[Row]:
    return list(node_states(ctx)[1])


REPORT = Report(
    name="integrity",
    title="Integrity",
    about="hash chain of the log (verify), each collected node's chain, records per node, gaps",
    sections=(
        Section("Hash chain of the audit log", ("check", "result"), compute=_chain),
        Section(
            "Sender nodes at the collectors (verify --nodes)",
            (
                "node",
                "state",
                "last seq",
                "records",
                "not routed",
                "duplicates",
                "gaps",
                "chain",
            ),
            compute=_nodes,
            empty="not a collector's store: no node state",
        ),
        Section(
            "Messages rejected from sender nodes",
            ("node", "reason", "messages"),
            compute=_rejected,
        ),
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
