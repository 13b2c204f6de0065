"""The routing daemons' collector settings take effect in their own process."""

from __future__ import annotations

import subprocess
import sys

from tests.route.natsd import SRC

PROBE = """
import gc
from seaudit.route.heap import YOUNG_THRESHOLD, settle_heap
before = gc.get_threshold()
settle_heap()
assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:]), gc.get_threshold()
assert gc.get_freeze_count() > 0
assert gc.isenabled()  # cycles are still collected
"""


def test_settle_heap_freezes_start_up_and_raises_the_young_threshold() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env={"PYTHONPATH": SRC}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
