"""The AuditFlags spellings: one declaration, consistent with itself and with ``is_os_user``."""

from __future__ import annotations

from seaudit.schema.flags import OS_USER, OS_USER_PREFIX, OS_USER_SPELLINGS, OS_USER_TOKENS
from seaudit.text.tokens import is_os_user


def test_the_spellings_agree() -> None:
    assert " ".join(OS_USER_TOKENS) == OS_USER
    assert OS_USER.lower() in OS_USER_SPELLINGS
    assert OS_USER.lower().startswith(OS_USER_PREFIX)
    assert all(is_os_user(s) and is_os_user(s.upper()) for s in OS_USER_SPELLINGS)
    assert not is_os_user("") and not is_os_user("AC database user")
