"""Log retention waits for routing: the writer's pruning (``audit_max_files``) and its
full-disk drop (``on_full = rotate``) never delete a backup a route destination has not
acknowledged; when such held backups fill a real (tmpfs) disk, ``WhenHeldFull`` decides:
refuse the record, stop the writer, or drop the backup with a record saying so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from seaudit.errors import LogFullError, LogWriteError, UsageError
from seaudit.log import AuditLog, LogConfig, log_files, read_log, verify_log
from seaudit.log.rotate import prune
from seaudit.route.holds import checkpoints_of, choice_of, owed_after, released, save_choice
from seaudit.route.settings import RouteSettings
from tests.route.endpoints import record

DEST = "nats://127.0.0.1:4222/audit"


def rotating(folder: Path, **more: object) -> LogConfig:
    return LogConfig(
        audit_log=folder / "seos.audit",
        audit_size=50,
        backup_date="yes",
        **more,  # type: ignore[arg-type]
    )


def fill(log: AuditLog, start: int, count: int) -> None:
    for i in range(start, start + count):
        log.append(record("ep", i).replace(resource="r" * 300))


def test_pruning_keeps_every_backup_a_destination_still_owes(tmp_path: Path) -> None:
    cfg = rotating(tmp_path, audit_max_files=2)
    marks = checkpoints_of(cfg)
    marks.register(DEST)  # registered, nothing acknowledged: it holds everything
    assert owed_after(cfg) == 0
    with AuditLog(cfg) as log:
        fill(log, 0, 1200)
    held = [p for p in log_files(cfg) if p != cfg.audit_log]
    assert len(held) > 4  # beyond audit_max_files: all kept
    assert [e.seq for e in read_log(cfg)] == list(range(1, 1201))
    marks.save(DEST, 1200)  # all of those routed: the next rotation prunes them
    with AuditLog(cfg) as log:
        fill(log, 1200, 400)
    after = [p for p in log_files(cfg) if p != cfg.audit_log]
    assert len(after) < len(held)
    assert released(cfg, after[:-2]) == []  # what is beyond the maximum is still owed
    assert _first(after[0]) <= 1201  # and holds records after the checkpoint
    assert verify_log(cfg).ok


def test_the_prune_function_waits_for_the_route_too(tmp_path: Path) -> None:
    cfg = rotating(tmp_path)  # audit_max_files 0 while writing: nothing pruned yet
    with AuditLog(cfg) as log:
        fill(log, 0, 800)
    backups = [p for p in log_files(cfg) if p != cfg.audit_log]
    limited = cfg.with_(audit_max_files=1)
    checkpoints_of(cfg).register(DEST)
    assert prune(limited) == []  # the destination has taken nothing
    checkpoints_of(cfg).save(DEST, _first(backups[2]) - 1)  # it has the first two backups
    assert prune(limited) == backups[:2]
    assert [p for p in log_files(cfg) if p != cfg.audit_log] == backups[2:]


def test_released_stops_at_the_first_backup_still_owed(tmp_path: Path) -> None:
    cfg = rotating(tmp_path)
    with AuditLog(cfg) as log:
        fill(log, 0, 800)
    backups = [p for p in log_files(cfg) if p != cfg.audit_log]
    assert released(cfg, backups) == backups  # not routed: no holds
    marks = checkpoints_of(cfg)
    marks.save(DEST, 0)
    marks.save("file:///var/audit/copy.jsonl", 800)
    assert released(cfg, backups) == []
    files = log_files(cfg)
    second_last = _first(files[2]) - 1  # the last seq of the second backup
    marks.save(DEST, second_last)
    assert released(cfg, backups) == backups[:2]


def _first(path: Path) -> int:
    from seaudit.log.rotate import first_seq_of

    return first_seq_of(path)


def full_disk(tmpfs: Callable[[str], Path], choice: str) -> LogConfig:
    """A routed log on a tiny disk whose one destination has taken nothing yet."""
    cfg = rotating(tmpfs("256k"), on_full="rotate")
    checkpoints_of(cfg).register(DEST)
    save_choice(cfg, choice)
    return cfg


@pytest.mark.parametrize("choice", ["refuse", "stop"])
def test_held_backups_filling_the_disk_refuse_or_stop(
    tmpfs: Callable[[str], Path], choice: str
) -> None:
    cfg = full_disk(tmpfs, choice)
    log = AuditLog(cfg)
    accepted = 0
    with pytest.raises(LogFullError, match=f"not yet routed to {DEST}; WhenHeldFull = {choice}"):
        for i in range(5000):
            log.append(record("ep", i).replace(resource="r" * 300))
            accepted += 1
    assert accepted > 200
    if choice == "stop":
        with pytest.raises(LogWriteError, match="closed"):
            log.append(record("ep", 0))
    else:
        checkpoints_of(cfg).save(DEST, accepted)  # routing caught up: room can be made
        log.append(record("ep", accepted).replace(resource="r" * 300))
        accepted += 1
    log.close()
    seqs = [e.seq for e in read_log(cfg)]
    assert seqs == list(range(seqs[0], accepted + 1))
    if choice == "stop":
        assert seqs[0] == 1  # nothing held was deleted
    assert verify_log(cfg).ok


def test_held_backups_filling_the_disk_drop_with_a_record_saying_so(
    tmpfs: Callable[[str], Path],
) -> None:
    cfg = full_disk(tmpfs, "drop")
    with AuditLog(cfg) as log:
        for i in range(3000):
            log.append(record("ep", i).replace(resource="r" * 300))
    entries = list(read_log(cfg))
    notices = [e for e in entries if e.record.event == "trace" and e.record.user == "seaudit"]
    assert entries[0].seq > 1 and notices  # the oldest were dropped, and that is said
    first = notices[0].record
    assert first.status == "W" and "deleted for room before" in (first.trace or "")
    assert DEST in (first.trace or "") and "WhenHeldFull = drop" in (first.trace or "")
    routed = [e for e in entries if e not in notices]
    assert [e.record.terminal for e in routed][-1] == "ep/2999"
    assert verify_log(cfg).ok


def test_the_choice_is_read_from_seos_ini_and_checked(tmp_path: Path) -> None:
    ini = tmp_path / "seos.ini"
    ini.write_text("[selogrd]\nWhenHeldFull = Drop\n")
    assert RouteSettings.load(ini).when_held_full == "drop"
    ini.write_text("[selogrd]\n")
    assert RouteSettings.load(ini).when_held_full == "refuse"
    ini.write_text("[selogrd]\nWhenHeldFull = later\n")
    with pytest.raises(UsageError, match="WhenHeldFull = 'later': choose one of refuse, stop"):
        RouteSettings.load(ini)
    cfg = rotating(tmp_path)
    assert choice_of(cfg) == "refuse"
    save_choice(cfg, "stop")
    assert choice_of(cfg) == "stop"
