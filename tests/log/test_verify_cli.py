"""``seaudit verify`` as a user runs it: a real process, exit codes 0 / 1 / 2."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from seaudit.log import AuditLog, LogConfig

from .conftest import make_record

SRC = str(Path(__file__).resolve().parents[2] / "src")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.run([sys.executable, "-m", "seaudit", "verify", *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_verify_cli_exit_codes(log_cfg: Callable[..., LogConfig], tmp_path: Path) -> None:
    cfg = log_cfg(audit_size=50, backup_date="yes", audit_max_files=0)
    with AuditLog(cfg) as log:
        log.append_batch(make_record(i, pad=400) for i in range(300))
    ini = tmp_path / "seos.ini"
    ini.write_text(f"[logmgr]\naudit_log = {cfg.audit_log}\nBackUp_Date = yes\n"
                   "audit_max_files = 0\n")
    ok = _run("--config", str(ini))
    assert ok.returncode == 0 and ok.stdout.startswith("OK: 300 records"), ok.stderr
    assert _run("--log", str(cfg.audit_log)).returncode == 0
    data = bytearray(cfg.audit_log.read_bytes())
    data[200] ^= 1
    cfg.audit_log.write_bytes(bytes(data))
    bad = _run("--config", str(ini))
    assert bad.returncode == 1 and bad.stdout.startswith("TAMPERED: ")
    assert "offset 128" in bad.stdout and "edited" in bad.stdout
    usage = _run()
    assert usage.returncode == 2 and "--config" in usage.stderr and "Traceback" not in usage.stderr
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
