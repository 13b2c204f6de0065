"""The detailed codec: round trips for every layout (one line and blocks), the quirks the seed
pages show, and one regression test per bug found."""

from __future__ import annotations

from seaudit.text.detailed import parse_detailed


def test_the_event_type_label_decides_between_layouts_that_fit() -> None:
    # bug: the positional part was read on its own (status C fits every login-type layout, the
    # first won) and the label naming the event only produced a warning
    line = ("01 Mar 2020 10:00:00 C LOGIN bob 8 2 tty1 /bin/login Event type: Password attempt "
            "Status: Error UserName: bob")
    r = parse_detailed(line)
    assert r.event == "password_attempt"
    assert (r.user, r.stage, r.reason, r.terminal, r.program) == ("bob", 8, 2, "tty1",
                                                                   "/bin/login")
    assert r.warnings == ()


def test_a_positional_part_that_does_not_fit_the_label_keeps_its_own_reading() -> None:
    line = ("01 Mar 2020 10:00:00 P LOGIN bob 59 2 tty1 /bin/login Event type: Resource access "
            "Status: Permitted")
    r = parse_detailed(line)
    assert r.event == "login"
    assert r.warnings == ("the positional part reads as login but the label says "
                          "'Resource access'; kept login",)
