"""``seaudit serve`` as a real process on loopback, spoken to over HTTP: filters in the URL,
keyset pages walked both ways, the record page, downloads read back, the live tail fed by
another process, bad requests, the token, the security headers."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from seaudit.query import TRUE, Filter, parse_where
from seaudit.store import Store
from tests.storefill import fill
from tests.web.conftest import free_port, serving
from tests.web.corpus import web_records

TOKEN = "test-token-abcdefghijklmnop"
SEQ = re.compile(r'<tr data-seq="(\d+)">')


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    recs = web_records()
    fill(root, recs, parquet=len(recs) - 40)
    return root


@pytest.fixture(scope="module")
def base(root: Path) -> Iterator[str]:
    with serving(root) as url:
        yield url


def seqs(store: Store, where: str = "") -> list[int]:
    return [s for s, _ in store.select(Filter(parse_where(where) if where else TRUE))]


def page_seqs(html: str) -> list[int]:
    return [int(s) for s in SEQ.findall(html)]


def link(html: str, name: str) -> str | None:
    m = re.search(rf'id="{name}" href="([^"]+)"', html)
    return m[1].replace("&amp;", "&") if m else None


def test_health_and_security_headers(base: str) -> None:
    response = httpx.get(f"{base}/healthz")
    assert response.status_code == 200
    page = httpx.get(f"{base}/")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp and "default-src 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text  # no inline script, only <script src=...>
    assert re.findall(r"<script[^>]*>", page.text) == [
        '<script src="/static/htmx.min.js" defer>',
        '<script src="/static/viewer.js" defer>',
    ]
    assert httpx.get(f"{base}/static/htmx.min.js").status_code == 200


def test_filter_in_the_url(base: str, root: Path) -> None:
    html = httpx.get(f"{base}/", params={"user": "bob", "status": "D", "size": "500"}).text
    assert page_seqs(html) == seqs(Store(root), "user = bob and status = D")[::-1]
    html = httpx.get(f"{base}/", params={"where": "stage >= 300", "order": "log"}).text
    assert page_seqs(html) == seqs(Store(root), "stage >= 300")
    assert 'value="stage &gt;= 300"' in html  # the form shows the filter it was given


def test_pages_walk_forward_and_back_without_loss(base: str, root: Path) -> None:
    for order, expect in (("newest", seqs(Store(root))[::-1]), ("log", seqs(Store(root)))):
        url: str | None = f"/?order={order}&size=20"
        pages = []
        while url:
            html = httpx.get(base + url).text
            pages.append(page_seqs(html))
            url = link(html, "older")
        assert [s for p in pages for s in p] == expect
        assert all(len(p) == 20 for p in pages[:-1])
        back = []
        url = link(html, "newer")
        while url:
            html = httpx.get(base + url).text
            back.append(page_seqs(html))
            url = link(html, "newer")
        assert back == pages[:-1][::-1]


def test_record_page(base: str, root: Path) -> None:
    store = Store(root)
    seq, _ = next(e for e in store.select(Filter(parse_where("user = pager"))))
    html = httpx.get(f"{base}/record/{seq}").text
    assert "Resource access" in html and "No step that allowed access" in html
    assert "paging.txt" in html  # provenance
    same = page_seqs(html.split("Same session")[1])
    assert seq in same and len(same) == 6  # itself and five later records of the session
    assert httpx.get(f"{base}/record/99999").status_code == 404


@pytest.mark.parametrize("kind", ["csv", "jsonl", "ocsf"])
def test_download_reads_back(base: str, root: Path, kind: str) -> None:
    response = httpx.get(f"{base}/download.{kind}", params={"user": "pager"})
    assert response.status_code == 200
    wanted = [r for _, r in Store(root).select(Filter(parse_where("user = pager")))]
    if kind == "csv":
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [row["resource"] for row in rows] == [r.resource for r in wanted]
    else:
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert len(lines) == len(wanted)
        if kind == "jsonl":
            assert [d["resource"] for d in lines] == [r.resource for r in wanted]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/?where=user%20%3D", 400, "--where"),
        ("/?before=x", 400, "seq number"),
        ("/?size=0", 400, "size takes"),
        ("/?since=whenever", 400, "cannot read the time"),
        ("/record/abc", 404, ""),
        ("/download.exe", 404, "no such download"),
        ("/reports/nosuch", 404, "no such report"),
    ],
)
def test_bad_requests_are_answered_plainly(base: str, url: str, status: int, message: str) -> None:
    response = httpx.get(base + url)
    assert response.status_code == status
    assert message in response.text
    assert "Traceback" not in response.text


def test_a_bad_filter_stays_in_the_form_to_be_corrected(base: str) -> None:
    html = httpx.get(f"{base}/", params={"where": "user =", "user": "<b>"}).text
    assert 'value="user ="' in html and 'value="&lt;b&gt;"' in html
    assert "expected a value" in html


def test_reports_pages(base: str) -> None:
    index = httpx.get(f"{base}/reports?user=bob").text
    assert index.count("/reports/") >= 10 and "user=bob" in index
    page = httpx.get(f"{base}/reports/denials", params={"user": "bob"}).text
    assert "<svg" in page and "Top users" in page and "filter: user ~ &#x27;bob&#x27;" in page


def test_live_tail_shows_records_another_process_appends(base: str, root: Path) -> None:
    mark = Store(root).last_seq()
    events: list[dict[str, object]] = []
    ready = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET", f"{base}/live", params={"user": "zed*", "after": mark}, timeout=30
        ) as response:
            ready.set()
            for line in response.iter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
                    if len(events) == 2:
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert ready.wait(10)
    lines = [
        "06 Mar 2024 12:00:00 D LOGIN zed1 5 1 tty7 /bin/login",
        "06 Mar 2024 12:00:01 D LOGIN other 5 1 tty7 /bin/login",
        "06 Mar 2024 12:00:02 P LOGIN zed2 19 1 tty7 /bin/login",
    ]
    feed = root.parent / "live.txt"
    feed.write_text("\n".join(lines) + "\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "seaudit",
            "import",
            "--store",
            str(root),
            "--node",
            "web01",
            str(feed),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    thread.join(20)
    assert [e["user"] for e in events] == ["zed1", "zed2"]
    assert [e["seq"] for e in events] == [mark + 1, mark + 3]


def test_token_required_and_checked(root: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with serving(root, "--token-file", str(token_file)) as url:
        refused = httpx.get(f"{url}/")
        assert refused.status_code == 401 and "Log in" in refused.text
        assert "data-seq" not in refused.text
        assert httpx.get(f"{url}/download.csv").status_code == 401
        assert httpx.get(f"{url}/", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert httpx.get(f"{url}/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        assert httpx.get(f"{url}/", auth=("me", TOKEN)).status_code == 200
        assert httpx.get(f"{url}/healthz").status_code == 200
        with httpx.Client(base_url=url) as client:
            assert client.post("/login", data={"token": "wrong"}).status_code == 401
            assert client.get("/").status_code == 401
            assert client.post("/login", data={"token": TOKEN}).status_code == 303
            assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--listen", "0.0.0.0:{port}"], "give --token-file"),
        (["--listen", "nonsense"], "--listen takes HOST:PORT"),
        (["--token-file", "/nonexistent/token"], "cannot read the token file"),
        (["--zone", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_serve_refuses_unsafe_or_bad_settings(root: Path, args: list[str], message: str) -> None:
    args = [a.replace("{port}", str(free_port())) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "seaudit", "serve", "--store", str(root), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_healthz_fails_when_the_store_cannot_be_read(tmp_path: Path) -> None:
    root = tmp_path / "store"
    fill(root, web_records()[:10], parquet=5)
    with serving(root) as url:
        assert httpx.get(f"{url}/healthz").status_code == 200
        log = root / "seos.audit"
        log.write_bytes(b"\xff" * 200 + log.read_bytes()[200:])  # the live log's header broken
        response = httpx.get(f"{url}/healthz")
        assert response.status_code == 503
        assert response.text.startswith("store not readable")
