"""``compliance``: PCI DSS v4.0 requirements 10.2.1.1 to 10.2.1.7 mapped to the records that
evidence each, with how many there are (none: the policy does not audit it, or nothing
happened), and requirement 10.2.2: which required elements the records lack.

Cardholder-data resources are named by masks (``--cardholder``, default ``CARDHOLDER``);
audit logs by ``AUDIT_LOGS``. Each requirement is a filter in the query language, so the
mapping reads like the standard and is compiled to the same SQL as any query."""

from __future__ import annotations

from dataclasses import dataclass

from seaudit.query.expr import Cmp, Expr, all_of, any_of, to_sql
from seaudit.query.where import parse_where
from seaudit.report.model import Context, Report, Row, Section

CARDHOLDER = ("*cardholder*", "*/pci/*")
AUDIT_LOGS = ("*seos.audit*", "*/seos/log/*", "*\\seos\\log\\*", "/var/log/*")
#: the changes to identification and authentication that db_admin command types name
CREDENTIAL_CHANGES = ("Add user", "Modify user", "Remove user", "Password", "Add group", "Join")


@dataclass(frozen=True, slots=True)
class Requirement:
    id: str
    what: str
    evidence: str  # which records evidence it, in words
    missing: str  # what to audit when nothing evidences it


def _masks(field: str, masks: tuple[str, ...]) -> Expr:
    return any_of([Cmp(field, "~", m) for m in masks])


REQUIREMENTS: tuple[Requirement, ...] = (
    Requirement(
        "10.2.1.1",
        "user access to cardholder data",
        "resource access to cardholder-data resources",
        "audit the cardholder-data resources (chres ... audit(all)); name them with --cardholder",
    ),
    Requirement(
        "10.2.1.2",
        "actions by administrators",
        "security database administration",
        "audit ADMIN users (chusr ... audit(all))",
    ),
    Requirement(
        "10.2.1.3",
        "access to audit logs",
        "resource access to audit log files",
        "define the audit log files as FILE resources with audit(all)",
    ),
    Requirement(
        "10.2.1.4",
        "invalid logical access attempts",
        "denied records and invalid password attempts",
        "audit failures (the default FAIL mode)",
    ),
    Requirement(
        "10.2.1.5",
        "changes to identification and authentication",
        "user and group administration, password changes, login enable/disable, surrogate use",
        "audit SURROGATE and the user administration commands",
    ),
    Requirement(
        "10.2.1.6",
        "audit log start, stop and pause",
        "daemon START and SHUTDOWN",
        "keep the seosd start and shutdown records",
    ),
    Requirement(
        "10.2.1.7",
        "creation and deletion of system-level objects",
        "Add and Remove admin commands, Create and Delete accesses",
        "audit the object classes' create and delete accesses",
    ),
)


def _conditions(cardholder: tuple[str, ...]) -> list[Expr]:
    """Each requirement's filter, in ``REQUIREMENTS`` order."""
    credential = any_of([Cmp("command_type", "~", f"{t}*") for t in CREDENTIAL_CHANGES])
    return [
        all_of([Cmp("event", "=", "resource_access"), _masks("resource", cardholder)]),
        parse_where("event = db_admin"),
        all_of([Cmp("event", "=", "resource_access"), _masks("resource", AUDIT_LOGS)]),
        parse_where("status = D or status = A"),
        any_of(
            [
                credential,
                parse_where(
                    "event = password_verification or event = login_enabled "
                    "or event = login_disabled or class = SURROGATE"
                ),
            ]
        ),
        parse_where("event = startup or event = shutdown"),
        any_of(
            [
                parse_where("command_type ~ 'Add*' or command_type ~ 'Remove*'"),
                parse_where(
                    "event = resource_access and (access ~ 'Create*' or access ~ 'Delete*')"
                ),
            ]
        ),
    ]


def _coverage(ctx: Context) -> list[Row]:
    cardholder = ctx.options.get("cardholder") or CARDHOLDER
    counts, params = [], []
    for expr in _conditions(tuple(cardholder)):
        sql, bound = to_sql(expr, ctx.selection.dialect)
        counts.append(f"count(*) FILTER (WHERE {sql})")
        params += bound
    row = ctx.selection.sql(f"SELECT {', '.join(counts)} FROM records", *params)[0]
    return [
        (
            req.id,
            req.what,
            req.evidence,
            int(n),
            "covered" if n else f"NOT EVIDENCED: {req.missing}",
        )
        for req, n in zip(REQUIREMENTS, row, strict=True)
    ]


#: 10.2.2's elements, each with the columns that can hold it in some event type
ELEMENTS: tuple[tuple[str, str], ...] = (
    ("user identification", '"user" IS NOT NULL OR service IS NOT NULL OR module IS NOT NULL'),
    ("type of event", "event IS NOT NULL"),
    ("date and time", "timestamp LIKE '____-__-__T__:__:__'"),
    ("success or failure", "status IS NOT NULL"),
    ("origination", "terminal IS NOT NULL OR host IS NOT NULL OR node IS NOT NULL"),
    (
        "affected data, component, resource or service",
        "resource IS NOT NULL OR object IS NOT NULL OR service IS NOT NULL OR file IS NOT NULL "
        'OR "user" IS NOT NULL',
    ),
)


def _content(ctx: Context) -> list[Row]:
    counts = ", ".join(f"count(*) FILTER (WHERE NOT ({cond}))" for _, cond in ELEMENTS)
    row = ctx.selection.sql(f"SELECT count(*), {counts} FROM records")[0]
    total = int(row[0])
    return [(name, total - int(n), int(n)) for (name, _), n in zip(ELEMENTS, row[1:], strict=True)]


REPORT = Report(
    name="compliance",
    title="PCI DSS v4.0 requirement 10.2",
    about="PCI DSS 10.2.1.1-10.2.1.7 and 10.2.2 mapped to the records that evidence them",
    sections=(
        Section(
            "Requirement 10.2.1: evidence",
            ("requirement", "what", "evidenced by", "records", "state"),
            compute=_coverage,
        ),
        Section(
            "Requirement 10.2.2: record content",
            ("element", "records with it", "records without it"),
            compute=_content,
        ),
    ),
)
