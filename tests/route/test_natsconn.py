"""NATS destination URLs: what is accepted, and secrets kept out of URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from seaudit.errors import UsageError
from seaudit.route.natsconn import NatsTarget


def test_a_full_url() -> None:
    got = NatsTarget.parse(
        "nats://127.0.0.1:4333/audit_1?ca=/c.pem&cert=/me.pem&key=/me.key&batch=64"
    )
    assert (got.host, got.port, got.stream, got.batch) == ("127.0.0.1", 4333, "audit_1", 64)
    assert (
        got.tls and got.server == "tls://127.0.0.1:4333" and got.subject("web01") == "audit_1.web01"
    )
    assert got.with_files(creds="/x.creds").creds == Path("/x.creds")
    plain = NatsTarget.parse("nats://localhost/audit")
    assert plain.port == 4222 and not plain.tls and plain.server == "nats://localhost:4222"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nats://u:p@127.0.0.1/a", "credentials in a file"),
        ("nats://127.0.0.1/", "stream name"),
        ("nats://127.0.0.1/a.b", "stream name"),
        ("nats://127.0.0.1:99999/a", "bad port"),
        ("nats://127.0.0.1/a?token=x", "no option 'token'"),
        ("nats://127.0.0.1/a?batch=many", "batch must be"),
        ("http://127.0.0.1/a", "is not nats://"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        NatsTarget.parse(url)


def test_credentials_files(tmp_path: Path) -> None:
    good = tmp_path / "a.creds"
    good.write_text("web01:s3cret\n")
    options = NatsTarget.parse(f"nats://127.0.0.1/a?creds={good}").connect_options()
    assert (options["user"], options["password"]) == ("web01", "s3cret")
    bad = tmp_path / "b.creds"
    bad.write_text("no colon here\n")
    with pytest.raises(UsageError, match="USER:PASSWORD"):
        NatsTarget.parse(f"nats://127.0.0.1/a?creds={bad}").connect_options()
