"""Where the tests find the specification: ``../shared`` relative to the repository root.

A test that reads it fails loudly when it is missing: a skipped check of the law is no check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``, or the test fails saying where it looked."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.fail(
            f"the specification is missing: {path} (tests read ../shared relative to the "
            f"repository root {REPO})"
        )
    return path
