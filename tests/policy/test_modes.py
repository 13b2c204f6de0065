"""AUDIT values: every spelling, and how a mode is named back."""

from __future__ import annotations

import pytest

from seaudit.policy.modes import ALL, DEFAULT_USER_AUDIT, Audit, mode_text, parse_mode_word


@pytest.mark.parametrize(
    ("word", "mode"),
    [
        ("none", Audit.NONE),
        ("failure", Audit.FAIL),
        ("FAIL", Audit.FAIL),
        ("success", Audit.SUCCESS),
        ("loginfailure", Audit.LOGINFAIL),
        ("LOGINFAIL", Audit.LOGINFAIL),
        ("loginsuccess", Audit.LOGINSUCCESS),
        ("interactive", Audit.INTERACTIVE),
        ("trace", ALL | Audit.TRACE),
        ("all", ALL),
        ("bogus", None),
    ],
)
def test_mode_words(word: str, mode: Audit | None) -> None:
    assert parse_mode_word(word) == mode


def test_all_is_the_documented_sum_and_names() -> None:
    assert ALL == (
        Audit.FAIL | Audit.SUCCESS | Audit.LOGINFAIL | Audit.LOGINSUCCESS | Audit.INTERACTIVE
    )
    assert mode_text(ALL) == "ALL" and mode_text(ALL | Audit.TRACE) == "TRACE"
    assert mode_text(Audit.NONE) == "NONE"
    assert mode_text(DEFAULT_USER_AUDIT) == "FAIL LOGINFAIL LOGINSUCCESS"
