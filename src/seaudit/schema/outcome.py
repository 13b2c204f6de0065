"""What each status letter means as an outcome, declared once: ``success``, ``failure`` or
``unknown``. ECS ``event.outcome``, CEF and LEEF ``outcome`` and OCSF ``status_id`` are all
derived from this table (a test holds it to the status letters of ``codes.toml``)."""

from __future__ import annotations

from typing import Literal

Outcome = Literal["success", "failure", "unknown"]

#: status letter -> outcome; a letter not listed (a site's own) is ``unknown``
OUTCOME: dict[str, Outcome] = {
    **dict.fromkeys("PWNSOEIM", "success"),  # permitted, succeeded, or an event that happened
    **dict.fromkeys("DFAC", "failure"),  # denied, failed, invalid password, product error
    "U": "unknown",  # a trusted program or file changed: neither
}


def outcome(status: str) -> Outcome:
    return OUTCOME.get(status, "unknown")
