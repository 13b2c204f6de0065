"""The access check: the steps of the engine, in order, for one access to one resource.

Category (52), owner and ACL (55; TCP 409, and 421 for its ``uid(*)`` entry), the resource's
``defacc`` (59; TCP 408), the class's ``_default`` UACC (1059), else nothing allowed it (69).
The first step that decides, decides; its stage code is what the record prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from seaudit.policy import codes as C
from seaudit.policy.model import DEFAULT_RECORD, Accessor, Policy, Resource, access_word, grants


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """The step of the engine that decided an access: allowed or not, its stage code, what it
    was (naming the rule), and the resource record found."""

    granted: bool
    stage: int
    step: str
    resource: Resource | None


def check_access(
    policy: Policy, acc: Accessor, user: str, cls: str, name: str, access: str
) -> AccessCheck:
    """Walk the steps of the engine for one access; the first step that decides, decides."""
    res = policy.resource(cls, name)
    tcp = cls == "TCP"
    if res is None:
        return AccessCheck(
            True, C.STAGE_CLASS_UACC, f"no {cls} record protects {name!r}: allowed", None
        )
    word = access_word(access)
    where = f"{cls} {res.name}"
    if res.categories and not res.categories <= acc.categories:
        lacking = ", ".join(sorted(res.categories - acc.categories))
        return AccessCheck(False, C.STAGE_CATEGORY, f"{where} needs category {lacking}", res)
    if res.owner is not None and (res.owner == user or res.owner in acc.groups):
        return AccessCheck(True, C.STAGE_ACL, f"{user} owns {where} ({res.owner_from})", res)
    entry = res.user_acl.get(user)
    if entry is not None:
        stage = C.STAGE_TCP_ACL if tcp else C.STAGE_ACL
        verdict = "allows" if entry.grants(word) else "does not allow"
        return AccessCheck(
            entry.grants(word), stage, f"{where}: {verdict} {access} ({entry.source})", res
        )
    if acc.groups and res.group_acl:
        entries = [e for g, e in res.group_acl.items() if g in acc.groups]
        if entries:
            granting = next((e for e in entries if e.grants(word)), None)
            stage = C.STAGE_TCP_ACL if tcp else C.STAGE_ACL
            if granting is not None:
                return AccessCheck(
                    True, stage, f"{where}: allows {access} ({granting.source})", res
                )
            names = "; ".join(str(e.source) for e in entries)
            return AccessCheck(
                False, stage, f"{where}: groups' entries do not allow {access} ({names})", res
            )
    star = res.user_acl.get("*")
    if star is not None:
        stage = C.STAGE_TCP_STAR if tcp else C.STAGE_ACL
        verdict = "allows" if star.grants(word) else "does not allow"
        return AccessCheck(
            star.grants(word), stage, f"{where}: uid(*) {verdict} {access} ({star.source})", res
        )
    if res.defacc is not None:
        granted = grants(res.defacc, word)
        if res.name == DEFAULT_RECORD:
            stage = C.STAGE_CLASS_UACC if granted else C.STAGE_NO_STEP
            label = f"the class UACC ({res.defacc_from})"
        elif tcp:
            stage, label = C.STAGE_TCP_DEFACC, f"defacc ({res.defacc_from})"
        else:
            stage = C.STAGE_UACC if granted else C.STAGE_NO_STEP
            label = f"defacc ({res.defacc_from})"
        verdict = "allows" if granted else "does not allow"
        return AccessCheck(granted, stage, f"{where}: {label} {verdict} {access}", res)
    if res.name != DEFAULT_RECORD:
        default = policy.resources.get((cls, DEFAULT_RECORD))
        if default is not None and default.defacc is not None:
            granted = grants(default.defacc, word)
            verdict = "allows" if granted else "does not allow"
            return AccessCheck(
                granted,
                C.STAGE_CLASS_UACC if granted else C.STAGE_NO_STEP,
                f"{where} has no defacc; the class UACC ({default.defacc_from}) {verdict} {access}",
                res,
            )
    stage = C.STAGE_TCP_DEFACC if tcp else C.STAGE_NO_STEP
    return AccessCheck(False, stage, f"{where}: no step allowed {access}", res)
