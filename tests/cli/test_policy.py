"""``seaudit policy explain`` and ``seaudit policy check``: real processes, real files."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import run_cli

POLICY = """\
nu bob audit(failure)
nr FILE /etc/shadow defacc(none) audit(all)
nr FILE /srv/* defacc(read) notify(bob)
"""


def test_explain_prints_the_decision_and_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "site.selang"
    path.write_text(POLICY)
    args = ["--policy", str(path), "--class", "FILE", "--user", "bob", "--access", "Read"]
    out = run_cli("policy", "explain", *args, "--resource", "/etc/shadow")
    text = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    assert "status: D  stage: 69  reason: 2" in text
    assert "line 2: nr FILE /etc/shadow defacc(none) audit(all)" in text
    assert "line 1: nu bob audit(failure)" in text
    assert "record: " in text and " D FILE bob Read 69 2 /etc/shadow" in text
    notified = run_cli("policy", "explain", *args, "--resource", "/srv/a")
    assert "status: N" in notified.stdout.decode() and "notify: bob" in notified.stdout.decode()


def test_explain_with_audit_cfg_and_other_event_kinds(tmp_path: Path) -> None:
    (tmp_path / "p").write_text(POLICY)
    (tmp_path / "audit.cfg").write_text("FILE;/etc/*;*;*;*;D\n")
    out = run_cli("policy", "explain", "--policy", str(tmp_path / "p"), "--auditcfg",
                  str(tmp_path / "audit.cfg"), "--class", "FILE", "--user", "bob",
                  "--access", "Read", "--resource", "/etc/shadow")  # fmt: skip
    assert "record: none" in out.stdout.decode() and "line 1" in out.stdout.decode()
    login = run_cli("policy", "explain", "--policy", str(tmp_path / "p"), "--event", "login",
                    "--user", "bob", "--terminal", "tty1", "--program", "/bin/login")  # fmt: skip
    assert login.returncode == 0 and "status: P" in login.stdout.decode()


def test_check_lists_rules_that_never_match(tmp_path: Path) -> None:
    cfg = tmp_path / "audit.cfg"
    cfg.write_text("LOGIN;root;*;*;SBIN_CRON;P\nFILE;*;*;*;*;S\n")
    out = run_cli("policy", "check", str(cfg))
    assert out.returncode == 1
    assert f"{cfg}:2: never matches: Result 'S'" in out.stdout.decode()
    cfg.write_text("LOGIN;root;*;*;SBIN_CRON;P\n")
    assert run_cli("policy", "check", str(cfg)).returncode == 0


def test_bad_files_are_clear_errors_not_tracebacks(tmp_path: Path) -> None:
    bad = tmp_path / "bad.selang"
    bad.write_text("nu bob\nchusr bob audit(faliure)\n")
    out = run_cli("policy", "explain", "--policy", str(bad), "--class", "FILE",
                  "--resource", "x", "--user", "bob", "--access", "r")  # fmt: skip
    assert out.returncode == 2
    assert f"{bad}:2:17: unknown AUDIT value 'faliure'" in out.stderr.decode()
    cfg = tmp_path / "audit.cfg"
    cfg.write_bytes(b"FILE;/x\n")
    out = run_cli("policy", "check", str(cfg))
    assert out.returncode == 2 and b"Traceback" not in out.stderr
    assert f"{cfg}:1:1: a resource rule has 6 fields" in out.stderr.decode()
    cfg.write_bytes(b"LOGIN;root;*;*;*;O\n\xff\n")
    out = run_cli("policy", "check", str(cfg))
    assert out.returncode == 2 and f"{cfg}:2:1: not UTF-8 text" in out.stderr.decode()
    missing = run_cli("policy", "check", str(tmp_path / "nope.cfg"))
    assert missing.returncode == 2 and b"cannot use" in missing.stderr
    lacking = run_cli("policy", "explain", "--policy", str(bad))
    assert lacking.returncode == 2 and b"Traceback" not in lacking.stderr


def test_explain_takes_every_field_an_event_kind_needs(tmp_path: Path) -> None:
    """Regression: --command and --file once landed in the dispatcher's and the audit.cfg
    argument's places (the admin record said "policy", untrust said --file was missing)."""
    path = tmp_path / "p.selang"
    path.write_text("nu alice admin\n")
    admin = run_cli("policy", "explain", "--policy", str(path), "--event", "admin", "--user",
                    "alice", "--class", "USER", "--object", "bob",
                    "--command", "chusr bob audit(all)")  # fmt: skip
    assert admin.returncode == 0, admin.stderr
    assert "S UPDATE USER alice 305 0 bob localhost chusr bob audit(all)" in admin.stdout.decode()
    untrust = run_cli("policy", "explain", "--policy", str(path), "--event", "untrust",
                      "--class", "PROGRAM", "--file", "/bin/x", "--code", "4")  # fmt: skip
    assert untrust.returncode == 0 and "U PROGRAM seoswd 4 0 /bin/x" in untrust.stdout.decode()
    lacking = run_cli("policy", "explain", "--policy", str(path), "--event", "untrust")
    assert lacking.returncode == 2 and b"needs --class" in lacking.stderr
    bogus = run_cli("policy", "explain", "--policy", str(path), "--event", "bogus")
    assert bogus.returncode == 2 and b"--event is one of access, login" in bogus.stderr
