"""The package's public names resolve lazily, and importing the package stays light."""

from __future__ import annotations

import importlib
import subprocess
import sys

import seaudit


def test_every_public_name_resolves_to_its_module() -> None:
    homes = {name: module for module, names in seaudit._HOME.items() for name in names}
    assert sorted(seaudit.__all__) == sorted(homes)
    for name in seaudit.__all__:
        assert getattr(seaudit, name) is getattr(importlib.import_module(homes[name]), name)


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        seaudit.nothing_here  # noqa: B018
    except AttributeError as exc:
        assert "nothing_here" in str(exc)
    else:
        raise AssertionError("no AttributeError")


def test_importing_the_package_loads_no_parser() -> None:
    code = "import sys, seaudit; print(sorted(m for m in sys.modules if m.startswith('seaudit')))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "['seaudit', 'seaudit._lazy']"
