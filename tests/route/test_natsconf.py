"""The nats-server configuration generator: what it writes runs a real server (the fault
and refusal tests use it); bad input is a clear error; the file is private to its owner."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.natsconf import ServerPlan, User
from tests.route.natsd import NATS_SERVER, seaudit


def creds(folder: Path, user: str) -> Path:
    path = folder / f"{user}.creds"
    path.write_text(f"{user}:pw-{user}\n")
    return path


def test_the_cli_writes_a_private_config_the_server_accepts(
    tmp_path: Path, certificates: Path
) -> None:
    out = tmp_path / "nats.conf"
    done = seaudit(
        "nats-config",
        "--out",
        str(out),
        "--store-dir",
        str(tmp_path / "js"),
        "--monitor",
        "127.0.0.1:8222",
        "--log-file",
        str(tmp_path / "nats.log"),
        "--endpoint",
        str(creds(tmp_path, "web01")),
        "--endpoint",
        str(creds(tmp_path, "db-01")),
        "--collector",
        str(creds(tmp_path, "central")),
        "--cert",
        str(certificates / "server.pem"),
        "--key",
        str(certificates / "server.key"),
        "--ca",
        str(certificates / "ca.pem"),
    )
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text()
    assert f'log_file: "{tmp_path / "nats.log"}"' in text
    assert '"audit.web01"' in text and '"audit.db-01"' in text and "verify: true" in text
    assert NATS_SERVER is not None
    checked = subprocess.run([NATS_SERVER, "-c", str(out), "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_bad_plans_are_refused(tmp_path: Path) -> None:
    base = dict(stream="audit", listen="127.0.0.1:4222", store_dir=tmp_path, collectors=[])
    with pytest.raises(UsageError, match="not a node name"):
        ServerPlan(endpoints=[User("bad name", "x")], **base).render()  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="given twice"):
        ServerPlan(endpoints=[User("a", "x"), User("a", "y")], **base).render()  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="HOST:PORT"):
        ServerPlan(endpoints=[], monitor="8222", **base).render()  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="both a server certificate and its key"):
        ServerPlan(endpoints=[], cert=tmp_path / "c.pem", **base).render()  # type: ignore[arg-type]
    bad = tmp_path / "bad.creds"
    bad.write_text("no colon here\n")
    with pytest.raises(UsageError, match="USER:PASSWORD"):
        User.from_file(bad)
    done = seaudit(
        "nats-config", "--out", str(tmp_path / "o"), "--store-dir", ".", "--endpoint", str(bad)
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
