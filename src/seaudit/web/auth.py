"""Access to the viewer: a token read from a file, presented as ``Authorization: Bearer
TOKEN``, as the password of HTTP basic authentication (any user name), or as the cookie the
``/login`` form sets. Without a token file the viewer is open, which ``seaudit serve`` allows
only on a loopback address."""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from seaudit.errors import UsageError

COOKIE = "seaudit_token"
MIN_TOKEN = 16


@dataclass(frozen=True, slots=True)
class Token:
    value: str

    @classmethod
    def load(cls, path: Path) -> Token:
        try:
            text = path.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the token file {path}: {exc}") from None
        if len(text) < MIN_TOKEN or any(c.isspace() or not c.isprintable() for c in text):
            raise UsageError(
                f"{path}: a token must be one line of at least {MIN_TOKEN} printable "
                "characters without spaces",
                "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'",
            )
        return cls(text)

    def matches(self, presented: str | None) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8"), self.value.encode("utf-8"))

    def admits(self, authorization: str | None, cookie: str | None) -> bool:
        """Whether a request with this Authorization header and cookie may read."""
        if self.matches(cookie):
            return True
        scheme, _, credentials = (authorization or "").partition(" ")
        if scheme.lower() == "bearer":
            return self.matches(credentials.strip())
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return self.matches(decoded.partition(":")[2])
        return False


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
