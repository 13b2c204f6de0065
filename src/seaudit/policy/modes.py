"""AUDIT modes: the property of users, groups and resources that says which outcomes are logged.

The product's values (REFERENCE.md §5), as flags so that "the sum of the groups' modes" is an OR.
``ALL`` is FAIL+SUCCESS+LOGINFAIL+LOGINSUCCESS+INTERACTIVE; ``TRACE`` is ALL plus every system
event of the user (a TRACE record beside each access), so parsing ``trace`` sets ALL too.
"""

from __future__ import annotations

import enum
from functools import cache


class Audit(enum.IntFlag):
    NONE = 0
    FAIL = 1
    SUCCESS = 2
    LOGINFAIL = 4
    LOGINSUCCESS = 8
    INTERACTIVE = 16
    TRACE = 32


ALL = Audit.FAIL | Audit.SUCCESS | Audit.LOGINFAIL | Audit.LOGINSUCCESS | Audit.INTERACTIVE
#: lang.ini [newusr] DefaultAudit: the system-wide mode when nothing else gives one
DEFAULT_USER_AUDIT = Audit.FAIL | Audit.LOGINFAIL | Audit.LOGINSUCCESS
#: a resource defined without audit(...) (the product's default for new resources)
DEFAULT_RESOURCE_AUDIT = Audit.FAIL
#: the modes a resource may carry (the login and session modes are the accessor's)
RESOURCE_MODES = Audit.FAIL | Audit.SUCCESS

#: selang spelling (lower case; the product's own upper-case names are accepted too) -> mode
MODE_WORDS: dict[str, Audit] = {
    "none": Audit.NONE,
    "failure": Audit.FAIL,
    "fail": Audit.FAIL,
    "success": Audit.SUCCESS,
    "loginfailure": Audit.LOGINFAIL,
    "loginfail": Audit.LOGINFAIL,
    "loginsuccess": Audit.LOGINSUCCESS,
    "interactive": Audit.INTERACTIVE,
    "trace": ALL | Audit.TRACE,
    "all": ALL,
}


def parse_mode_word(word: str) -> Audit | None:
    """One AUDIT value (``failure``, ``LOGINSUCCESS``, ``all``...), or None when unknown."""
    return MODE_WORDS.get(word.lower())


@cache
def mode_text(mode: Audit | int) -> str:
    """The mode as the product names it: ``ALL``, ``TRACE``, ``FAIL LOGINSUCCESS``, ``NONE``."""
    mode = Audit(mode)
    if mode & Audit.TRACE:
        return "TRACE"
    if mode == ALL:
        return "ALL"
    names = [m.name for m in Audit if m and m & mode and m.name]
    return " ".join(n for n in names if n) or "NONE"
