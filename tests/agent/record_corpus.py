"""Record a real audit.log into tests/corpus/auditd/ (run as root on a machine with audit):
``python -m tests.agent.record_corpus NAME [--rotated]``. The live session of ``live`` runs
the actions of ``actions`` under a fresh login uid; the log is copied as auditd wrote it.
With ``--rotated`` auditd rotates its log after the first actions (SIGUSR1, auditd's
"rotate now"), then the odd stage runs: ``NAME.log.1`` and ``NAME.log`` are kept, a replay of
``NAME.log`` reads both. The agent's records of it are written beside it
(``NAME.expected.jsonl``, times in UTC) to be read over by eye before they are committed:
``tests/agent/test_run.py`` holds replays to them, ``test_oracle.py`` checks the parsing
against ausearch."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from seaudit.agent.kernel import read_status
from seaudit.agent.rules import RuleScope, audit_rules
from tests.agent.live import make_workdir, private_auditd, run_actions

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"


def record(name: str, *, rotated: bool = False) -> Path:
    workdir = make_workdir()
    loginuid = random.randint(3_000_000, 3_900_000)
    key = f"seaudit-rec-{loginuid}"
    scope = RuleScope(dirs=(str(workdir / "watched"),), loginuid=loginuid, key=key)
    try:
        with private_auditd(workdir, audit_rules(scope), key=key, loginuid=loginuid) as live:
            done: dict[str, object] = dict(run_actions(live))
            if rotated:
                time.sleep(0.5)
                os.kill(read_status().pid, signal.SIGUSR1)
                _wait_for(workdir / "audit.log.1")
                done.update(run_actions(live, "odd"))
            time.sleep(0.5)
        CORPUS.mkdir(parents=True, exist_ok=True)
        target = CORPUS / f"{name}.log"
        shutil.copyfile(workdir / "audit.log", target)
        if rotated:
            shutil.copyfile(workdir / "audit.log.1", CORPUS / f"{name}.log.1")
        _write_expected(target)
        meta = {"loginuid": loginuid, "workdir": str(workdir), "node": live.node, **done}
        (CORPUS / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
        return target
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _write_expected(log: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "agent", "--from-log", str(log), "--to", "jsonl"],
        capture_output=True,
        check=True,
        env={**os.environ, "TZ": "UTC"},
    )
    log.with_name(log.name.replace(".log", ".expected.jsonl")).write_bytes(done.stdout)


def _wait_for(path: Path, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"auditd did not rotate its log into {path}")
        time.sleep(0.05)


if __name__ == "__main__":
    print(record(sys.argv[1], rotated="--rotated" in sys.argv[2:]))
