"""The viewer's token: read from a file, checked in constant time, presented three ways."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.web.auth import Token, is_loopback

SECRET = "s3cret-token-0123456789"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_token_is_presented_as_bearer_basic_or_cookie(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text(SECRET + "\n")
    token = Token.load(path)
    assert token.admits(f"Bearer {SECRET}", None)
    assert token.admits(basic("anyone", SECRET), None)
    assert token.admits(None, SECRET)
    assert not token.admits(None, None)
    assert not token.admits(f"Bearer {SECRET}x", None)
    assert not token.admits(basic(SECRET, "nope"), None)
    assert not token.admits("Basic !!!not-base64", None)
    assert not token.admits(f"Digest {SECRET}", "wrong")


@pytest.mark.parametrize("content", ["", "short", "has a space in it, long enough", "\x00" * 20])
def test_a_weak_or_malformed_token_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "token"
    path.write_text(content)
    with pytest.raises(UsageError, match="token"):
        Token.load(path)


def test_a_missing_token_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the token file"):
        Token.load(tmp_path / "absent")


def test_loopback() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    assert not is_loopback("example.com")
