"""Shared test set-up: hypothesis profiles (``HYPOTHESIS_PROFILE=thorough`` runs the property
tests with many more examples) and small tmpfs mounts for full-disk tests."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
settings.register_profile(
    "thorough", parent=settings.get_profile("default"), max_examples=2000, derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs file systems (needs root; the test is skipped otherwise), unmounted in
    teardown."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        point = tmp_path / f"fs{len(mounts)}"
        point.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True
        )
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
        mounts.append(point)
        return point

    yield mount
    for point in reversed(mounts):
        subprocess.run(["umount", "-l", str(point)], check=False)


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    """The one SparkSession of the test run (``local[2]``): every test using it is marked
    ``xdist_group("spark")``, so one worker starts one JVM. pyspark and Java 17 are part of
    the test set-up (``scripts/test``): their absence fails, never skips."""
    from seaudit.spark.session import session, stop_all

    yield session("local[2]")
    stop_all()
