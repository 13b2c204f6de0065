"""seos.ini routing settings: the product's section names, defaults, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.settings import RouteSettings


def test_sections_as_the_product_names_them(tmp_path: Path) -> None:
    ini = tmp_path / "seos.ini"
    ini.write_text(
        "[logmgr]\naudit_log = seos.audit\n"
        "[selogrd]\nRouteFile = selogrd.cfg\nInterval = 0.25\nMaxBackoff = 4\nOnceRetries = 0\n"
        "[ReportAgent]\nBatchSize = 1800\n"
        "[collectors]\ncentral = nats://127.0.0.1:4222/audit\n"
    )
    got = RouteSettings.load(ini)
    assert got == RouteSettings(
        tmp_path / "selogrd.cfg", 0.25, 4.0, 0, 1800, {"central": "nats://127.0.0.1:4222/audit"}
    )


def test_defaults_without_the_sections(tmp_path: Path) -> None:
    ini = tmp_path / "seos.ini"
    ini.write_text("[logmgr]\n")
    assert RouteSettings.load(ini) == RouteSettings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[selogrd]\nInterval = soon\n", "Interval = 'soon' is not a number"),
        ("[selogrd]\nInterval = 0\n", "Interval must be more than 0"),
        ("[ReportAgent]\nBatchSize = -5\n", "BatchSize must be more than 0"),
        ("no section header\n", "not an ini file"),
    ],
)
def test_bad_values_are_named(tmp_path: Path, text: str, message: str) -> None:
    ini = tmp_path / "seos.ini"
    ini.write_text(text)
    with pytest.raises(UsageError, match=message):
        RouteSettings.load(ini)
