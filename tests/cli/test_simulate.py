"""``seaudit simulate``: text on stdout by default, same seed same bytes, a store that queries
back, clear errors. Real processes."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import run_cli


def test_default_is_short_text_and_the_same_seed_gives_the_same_bytes() -> None:
    first = run_cli("simulate", "--seed", "9", "--hosts", "2")
    again = run_cli("simulate", "--seed", "9", "--hosts", "2")
    other = run_cli("simulate", "--seed", "10", "--hosts", "2")
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout != other.stdout
    lines = first.stdout.decode().splitlines()
    assert len(lines) > 200 and all(line[2] == " " and line[6] == " " for line in lines)


def test_output_imports_cleanly(tmp_path: Path) -> None:
    out = run_cli("simulate", "--seed", "3", "--days", "2", "--sessionid")
    path = tmp_path / "site.txt"
    path.write_bytes(out.stdout)
    count = len(out.stdout.splitlines())
    done = run_cli("import", "--store", str(tmp_path / "store"), str(path))
    assert done.returncode == 0, done.stderr
    summary = f"{count} lines read = {count} stored ({count} records) + 0 rejected"
    assert summary in done.stderr.decode()
    counted = run_cli("--store", str(tmp_path / "store"), "--count")
    assert counted.stdout.decode().strip() == str(count)


def test_store_mode_keeps_hosts_as_nodes(tmp_path: Path) -> None:
    store = tmp_path / "store"
    done = run_cli("simulate", "--hosts", "3", "--store", str(store))
    assert done.returncode == 0, done.stderr
    total = int(done.stderr.decode().split()[1])
    text = run_cli("simulate", "--hosts", "3")
    assert total == len(text.stdout.splitlines())
    web = run_cli("--store", str(store), "--node", "web01", "--count")
    db = run_cli("--store", str(store), "--node", "db01", "--count")
    assert int(web.stdout) > 0 and int(db.stdout) > 0 and int(web.stdout) + int(db.stdout) < total


def test_other_formats_and_errors() -> None:
    jsonl = run_cli("simulate", "--to", "jsonl", "--scenarios", "none")
    assert jsonl.returncode == 0 and jsonl.stdout.startswith(b'{"event":')
    for args, message in [
        (["--users", "1"], b"users at least 3"),
        (["--start", "yesterday"], b"--start takes YYYY-MM-DD"),
        (["--scenarios", "heist"], b"unknown scenario 'heist'"),
        (["--policy", "/nonexistent.selang"], b"cannot use"),
        (["--to", "nope"], b"unknown output format"),
    ]:
        out = run_cli("simulate", *args)
        assert out.returncode == 2, (args, out.stderr)
        assert message in out.stderr and b"Traceback" not in out.stderr


def test_a_killed_store_run_keeps_a_verified_prefix_of_the_stream(tmp_path: Path) -> None:
    """SIGKILL in the middle: once the next writer opened it (cutting a batch the kill cut
    short), the log verifies and holds the stream's first records, in order, none twice
    (whole batches are appended)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.cli.test_commands import SRC

    store = tmp_path / "store"
    args = ["simulate", "--days", "20", "--hosts", "2"]
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seaudit", *args, "--store", str(store)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from seaudit.log import AuditLog, LogConfig
    from seaudit.log.frame import Scan

    log = store / "seos.audit"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and next(iter(Scan(log.read_bytes())), None):  # a whole batch is in
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    # the kill may land inside a write(2) of a batch: the next writer cuts that torn tail
    with AuditLog(LogConfig.load(store / "seos.ini")):
        pass
    verified = run_cli("verify", "--store", str(store))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    stored = run_cli("--store", str(store), "--to", "short", "--sessionid").stdout.splitlines()
    whole = run_cli(*args, "--sessionid").stdout.splitlines()
    assert stored == whole[: len(stored)]
    assert 0 < len(stored) < len(whole)  # killed in the middle, after the first batch
