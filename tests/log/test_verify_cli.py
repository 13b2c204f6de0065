"""``seaudit verify`` as a user runs it: a real process, exit codes 0 / 1 / 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from seaudit.log import AuditLog, LogConfig
from seaudit.log.frame import Scan

from .conftest import make_record

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _run(*args: str, store: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    if store is not None:
        env["SEAUDIT_STORE"] = str(store)
    return subprocess.run(
        [sys.executable, "-m", "seaudit", "verify", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_verify_cli_exit_codes(log_cfg: Callable[..., LogConfig], tmp_path: Path) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(300))
    ini = tmp_path / "seos.ini"
    ini.write_text(
        f"[logmgr]\naudit_log = {cfg.audit_log}\nBackUp_Date = yes\naudit_max_files = 0\n"
    )
    ok = _run("--config", str(ini))
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 300 records"), ok.stderr
    assert _run("--log", str(cfg.audit_log)).returncode == 0
    data = bytearray(cfg.audit_log.read_bytes())
    last = list(Scan(bytes(data)))[-1]
    data[last.record_offset(last.count - 1) + 3] ^= 1  # inside the last record
    cfg.audit_log.write_bytes(bytes(data))
    bad = _run("--config", str(ini))
    assert bad.returncode == 1 and bad.stdout.startswith("TAMPERED: ")
    where = f"offset {last.record_offset(last.count - 1)} seq {last.last_seq}: edited"
    assert where in bad.stdout
    usage = _run(store=tmp_path / "no-store")
    assert usage.returncode == 2 and "no store at" in usage.stderr
    assert "--config" in usage.stderr and "Traceback" not in usage.stderr
    assert not (tmp_path / "no-store").exists()  # verify makes no store
    missing = _run("--log", str(tmp_path / "nothing"))
    assert missing.returncode == 2 and "no audit log" in missing.stderr


def test_verify_cli_keyed(log_cfg: Callable[..., LogConfig], tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(os.urandom(32).hex().encode())
    cfg = log_cfg(hmac_key_file=key)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i) for i in range(10))
    no_key = _run("--log", str(cfg.audit_log))
    assert no_key.returncode == 2 and "keyed" in no_key.stderr and "--key-file" in no_key.stderr
    good = _run("--log", str(cfg.audit_log), "--key-file", str(key))
    assert good.returncode == 0 and "HMAC-SHA256" in good.stdout
    wrong = tmp_path / "wrong"
    wrong.write_bytes(os.urandom(32).hex().encode())
    assert _run("--log", str(cfg.audit_log), "--key-file", str(wrong)).returncode == 1


def test_verify_cli_checks_a_store_log_by_default(tmp_path: Path) -> None:
    store = tmp_path / "store"
    text = tmp_path / "web01.audit"
    text.write_text(
        "28 Oct 2008 12:15:01 P LOGIN root 59 2 tty1 /bin/login\n"
        "28 Oct 2008 12:16:01 D LOGIN bob 59 2 tty2 /bin/login\n"
    )
    env = {**os.environ, "PYTHONPATH": SRC, "SEAUDIT_STORE": str(store)}
    imported = subprocess.run(
        [sys.executable, "-m", "seaudit", "import", str(text)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    by_env = _run(store=store)
    assert by_env.returncode == 0 and by_env.stdout.startswith("OK: 2 records"), by_env.stderr
    by_option = _run("--store", str(store))
    assert by_option.returncode == 0 and by_option.stdout.startswith("OK: 2 records")
    log = store / "seos.audit"
    data = bytearray(log.read_bytes())
    data[150] ^= 1
    log.write_bytes(bytes(data))
    assert _run("--store", str(store)).returncode == 1
