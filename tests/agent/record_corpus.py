"""Record a real audit.log into tests/corpus/auditd/ (run as root on a machine with audit):
``python -m tests.agent.record_corpus NAME``. The live session of ``live`` runs the actions
of ``actions`` under a fresh login uid; the log is copied as auditd wrote it."""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from pathlib import Path

from seaudit.agent.rules import RuleScope, audit_rules
from tests.agent.live import make_workdir, private_auditd, run_actions

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "auditd"


def record(name: str) -> Path:
    workdir = make_workdir()
    loginuid = random.randint(3_000_000, 3_900_000)
    key = f"seaudit-rec-{loginuid}"
    scope = RuleScope(dirs=(str(workdir / "watched"),), loginuid=loginuid, key=key)
    try:
        with private_auditd(workdir, audit_rules(scope), key=key, loginuid=loginuid) as live:
            done = run_actions(live)
            time.sleep(0.5)
        CORPUS.mkdir(parents=True, exist_ok=True)
        target = CORPUS / f"{name}.log"
        shutil.copyfile(workdir / "audit.log", target)
        meta = {"loginuid": loginuid, "workdir": str(workdir), "node": live.node, **done}
        (CORPUS / f"{name}.json").write_text(json.dumps(meta, indent=1) + "\n")
        return target
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    print(record(sys.argv[1]))
