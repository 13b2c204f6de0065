"""The AuditFlags column's spellings, declared once (the parsers, the renderers and the SQL
line renderer derive from here): a non-detailed line shows ``(OS user)`` for an enterprise
(OS) user and nothing for a database user; a detailed one may spell it otherwise."""

from __future__ import annotations

#: what a non-detailed line shows for an enterprise user
OS_USER = "(OS user)"
#: the same, as the line's two tokens
OS_USER_TOKENS: tuple[str, str] = ("(OS", "user)")
#: the spellings (stripped, lower case) that mark an OS user, and the prefix that does too
OS_USER_SPELLINGS = ("(os user)", "os user", "enterprise user")
OS_USER_PREFIX = "(os user"
