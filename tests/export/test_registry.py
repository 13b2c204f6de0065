"""Every module of seaudit.export is a registered format, and every format writes records."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import seaudit.export as export_package
from seaudit.export import FORMAT_MODULES, Format, get_format, registry, write_records
from tests.export.conftest import seed_records

#: modules of the package that are not formats: the docs generator; ``_*`` are helpers
NOT_FORMATS = {"docs"}


def _modules() -> list[str]:
    return sorted(
        f"seaudit.export.{m.name}"
        for m in pkgutil.iter_modules(export_package.__path__)
        if not m.name.startswith("_") and m.name not in NOT_FORMATS
    )


def test_every_module_is_listed_and_registers_a_format() -> None:
    import importlib

    assert sorted(set(FORMAT_MODULES.values())) == _modules()
    for module_name in set(FORMAT_MODULES.values()):
        module = importlib.import_module(module_name)
        formats = module.FORMATS if hasattr(module, "FORMATS") else (module.FORMAT,)
        assert sorted(fmt.name for fmt in formats) == sorted(
            name for name, home in FORMAT_MODULES.items() if home == module_name
        )
        for fmt in formats:
            assert isinstance(fmt, Format)
            assert registry()[fmt.name] is fmt
            assert get_format(fmt.name) is fmt
            assert fmt.usage.strip()


@pytest.mark.parametrize("name", sorted(registry()))
def test_every_format_writes_the_seed_records(name: str, tmp_path: Path) -> None:
    recs = list(seed_records())
    path = tmp_path / f"out.{name}"
    with path.open("wb") as sink:
        assert write_records(recs, sink, name) == len(recs)
    data = path.read_bytes()
    assert data
    if not get_format(name).binary:
        data.decode("utf-8")
