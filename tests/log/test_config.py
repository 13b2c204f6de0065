from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.errors import LogKeyError, UsageError
from seaudit.log import FlushPolicy, LogConfig


def test_defaults_are_the_products() -> None:
    cfg = LogConfig()
    assert cfg.audit_log == Path("log/seos.audit")
    assert cfg.audit_back == Path("log/seos.audit.bak")  # beside the log
    assert (cfg.audit_size, cfg.audit_max_files, cfg.backup_date) == (1024, 50, "no")
    assert str(cfg.flush) == "record" and cfg.on_full == "refuse" and not cfg.timestamped


def test_load_reads_logmgr_with_product_and_own_keys(tmp_path: Path) -> None:
    ini = tmp_path / "seos.ini"
    ini.write_text(
        "[seos]\nfoo = bar\n\n[logmgr]\n"
        "audit_log = log/seos.audit   ; comment\n"
        "audit_back = /var/back/seos.audit.bak\n"
        "audit_size = 2048\naudit_max_files = 0\nBackUp_Date = Daily\n"
        "flush = every:100\non_full = rotate\nhmac_key_file = key.bin\n"
    )
    cfg = LogConfig.load(ini)
    assert cfg.audit_log == tmp_path / "log" / "seos.audit"
    assert cfg.audit_back == Path("/var/back/seos.audit.bak")
    assert cfg.audit_size == 2048 and cfg.audit_max_files == 0
    assert cfg.backup_date == "daily" and cfg.timestamped
    assert cfg.flush == FlushPolicy("every", 100)
    assert cfg.on_full == "rotate" and cfg.hmac_key_file == tmp_path / "key.bin"


def test_size_is_clamped_to_the_products_range() -> None:
    assert LogConfig(audit_size=1).audit_size == 50
    assert LogConfig(audit_size=10**9).audit_size == 2 * 1024 * 1024


@pytest.mark.parametrize(
    "text, expected",
    [
        ("record", FlushPolicy("record", 1)),
        ("every:10", FlushPolicy("every", 10)),
        ("ms:250", FlushPolicy("ms", 250)),
    ],
)
def test_flush_policies_parse(text: str, expected: FlushPolicy) -> None:
    assert FlushPolicy.parse(text) == expected
    assert FlushPolicy.parse(str(expected)) == expected


@pytest.mark.parametrize("bad", ["sometimes", "every:0", "ms:-1", "every:x"])
def test_bad_flush_policy_is_a_usage_error(bad: str) -> None:
    with pytest.raises(UsageError, match="flush"):
        FlushPolicy.parse(bad)


def test_bad_values_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="BackUp_Date"):
        LogConfig(backup_date="hourly")
    with pytest.raises(UsageError, match="on_full"):
        LogConfig(on_full="panic")
    ini = tmp_path / "seos.ini"
    ini.write_text("[logmgr]\naudit_size = big\n")
    with pytest.raises(UsageError, match="audit_size"):
        LogConfig.load(ini)
    ini.write_text("[other]\n")
    with pytest.raises(UsageError, match=r"\[logmgr\]"):
        LogConfig.load(ini)
    with pytest.raises(UsageError, match="cannot read"):
        LogConfig.load(tmp_path / "absent.ini")


def test_key_file_is_read_and_checked(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(b"0123456789abcdef0123\n")
    assert LogConfig(hmac_key_file=key).key() == b"0123456789abcdef0123"
    key.write_bytes(b"short")
    with pytest.raises(LogKeyError, match="shorter"):
        LogConfig(hmac_key_file=key).key()
