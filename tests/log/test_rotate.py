from __future__ import annotations

import datetime as dt
from pathlib import Path

from seaudit.log import LogConfig
from seaudit.log.frame import Header, encode_header
from seaudit.log.rotate import backup_path, backups, next_boundary, prune, stamp


def test_stamp_is_the_products_backup_suffix() -> None:
    assert stamp(dt.datetime(2007, 2, 6, 14, 43, 30)) == "06-Feb-2007.144330"


def test_backup_path_single_or_timestamped_with_collision_suffix(tmp_path: Path) -> None:
    single = LogConfig(audit_log=tmp_path / "seos.audit", backup_date="none")
    when = dt.datetime(2007, 2, 6, 14, 43, 30)
    assert backup_path(single, when) == tmp_path / "seos.audit.bak"
    dated = single.with_(backup_date="yes")
    first = backup_path(dated, when)
    assert first.name == "seos.audit.bak.06-Feb-2007.144330"
    first.write_bytes(b"")
    assert backup_path(dated, when).name == "seos.audit.bak.06-Feb-2007.144330.1"


def _segment(path: Path, first_seq: int) -> None:
    path.write_bytes(encode_header(Header(first_seq, 0, 1, 0, bytes(32))))


def test_backups_are_ordered_by_first_seq_not_name_and_pruned(tmp_path: Path) -> None:
    cfg = LogConfig(audit_log=tmp_path / "seos.audit", backup_date="yes", audit_max_files=2)
    names = [
        "seos.audit.bak.01-Dec-2007.000000",
        "seos.audit.bak.02-Apr-2008.000000",
        "seos.audit.bak.03-Jan-2008.000000",
    ]
    for name, seq in zip(names, (1, 300, 200), strict=True):
        _segment(tmp_path / name, seq)
    (tmp_path / "seos.audit.bak.notes").write_text("not a backup")
    assert [p.name for p in backups(cfg)] == [names[0], names[2], names[1]]
    assert prune(cfg) == [tmp_path / names[0]]
    assert [p.name for p in backups(cfg)] == [names[2], names[1]]
    assert prune(cfg.with_(audit_max_files=0)) == []


def test_next_boundary() -> None:
    created = int(dt.datetime(2026, 3, 10, 15, 0).timestamp() * 1e9)  # a Tuesday
    expect = {
        "daily": dt.datetime(2026, 3, 11),
        "weekly": dt.datetime(2026, 3, 16),
        "monthly": dt.datetime(2026, 4, 1),
    }
    for mode, when in expect.items():
        assert next_boundary(mode, created) == when.timestamp()
    dec = int(dt.datetime(2026, 12, 31, 23, 0).timestamp() * 1e9)
    assert next_boundary("monthly", dec) == dt.datetime(2027, 1, 1).timestamp()
    assert next_boundary("yes", created) is None and next_boundary("none", created) is None
