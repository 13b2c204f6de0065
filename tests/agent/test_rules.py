from __future__ import annotations

from seaudit.agent.rules import ACCOUNT_FILES, RuleScope, audit_rules, render_rules


def test_a_test_scope_gives_every_rule_its_key_and_login_uid() -> None:
    rules = audit_rules(RuleScope(dirs=("/srv/x",), loginuid=4242, key="k1"))
    for rule in rules:
        assert rule[-2:] == ["-k", "k1"]
        assert "auid=4242" in rule
        assert "-e" not in rule and "-D" not in rule
    assert "dir=/srv/x" in rules[0]


def test_default_rules_watch_the_account_files_and_every_kind_of_access() -> None:
    text = render_rules(audit_rules())
    for path in ACCOUNT_FILES:
        assert f"path={path} -F perm=wa" in text
    for kind in ("admin", "denied", "exec", "net", "setuid"):
        assert f"-k seaudit-{kind}" in text
    assert not any("-e" in line.split() for line in text.splitlines() if line[:1] != "#")
