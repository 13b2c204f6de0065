"""Splitting a non-detailed line into space-separated tokens, remembering where each one
stands so that a value made of several tokens is cut from the line with its own spacing."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seaudit.schema.flags import OS_USER_PREFIX, OS_USER_SPELLINGS

_TOKEN = re.compile(r"[^ ]+")
SESSION = re.compile(r"[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,16}\Z")
#: Windows account domains that contain a space (so "NT AUTHORITY\SYSTEM" is one user name)
SPACED_DOMAINS = (
    "NT AUTHORITY\\",
    "NT SERVICE\\",
    "IIS APPPOOL\\",
    "WINDOW MANAGER\\",
    "FONT DRIVER HOST\\",
)
#: well-known Windows accounts whose own name contains a space (upper case)
SPACED_ACCOUNTS = frozenset(
    {
        "NT AUTHORITY\\NETWORK SERVICE",
        "NT AUTHORITY\\LOCAL SERVICE",
        "NT AUTHORITY\\ANONYMOUS LOGON",
    }
)


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of a line; positions are kept only for padded lines (single-spaced lines,
    the common case, rebuild a multi-token value by joining with one space)."""

    line: str
    words: list[str]
    starts: tuple[int, ...] = ()
    ends: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.words)

    def text(self, a: int, b: int) -> str:
        """Tokens a..b-1 as they stand in the line, inner spacing kept."""
        if not self.starts:
            return self.words[a] if b == a + 1 else " ".join(self.words[a:b])
        return self.line[self.starts[a] : self.ends[b - 1]]

    def wide_gap_before(self, i: int) -> bool:
        """True where column padding (two spaces or more) separates token i from the one before."""
        return bool(self.starts) and i > 0 and self.starts[i] - self.ends[i - 1] > 1


def tokenize(line: str) -> Tokens:
    if "  " not in line and not line.startswith(" "):
        return Tokens(line, line.split(" ") if line else [])
    matches = list(_TOKEN.finditer(line))
    return Tokens(
        line,
        [m.group() for m in matches],
        tuple(m.start() for m in matches),
        tuple(m.end() for m in matches),
    )


def looks_like_path_start(word: str) -> bool:
    """An absolute path begins here: ``/x``, ``C:\\x``, ``\\\\server``, a registry key
    ``HKEY_LOCAL_MACHINE\\x`` (the REGKEY class's resource names)."""
    if word.startswith(("/", "\\\\")) or word[:5].upper() == "HKEY_":
        return True
    return len(word) >= 3 and word[1] == ":" and word[2] in "\\/" and word[0].isalpha()


def has_windows_clue(value: str) -> bool:
    return "\\" in value or (len(value) >= 2 and value[1] == ":" and value[0].isalpha())


def is_os_user(flags: str | None) -> bool:
    """Whether an AuditFlags value (short or detailed spelling) marks an enterprise (OS) user."""
    if not flags:
        return False
    lowered = flags.strip().lower()
    return lowered in OS_USER_SPELLINGS or lowered.startswith(OS_USER_PREFIX)
