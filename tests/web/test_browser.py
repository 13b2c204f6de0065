"""The viewer in a real browser: Debian's chromium driven by Playwright (the system browser,
no download). Filter, page forward and back, open a record, watch the live tail show a
record another process appends, download a CSV and read it back, log in and be refused
without the token, dates in the browser's locale and zone, browsing with JavaScript off,
and hostile record strings shown inert. Screenshots go to ``tests/artifacts/``."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from seaudit.query import Filter, parse_where
from seaudit.store import Store
from tests.storefill import fill
from tests.web.conftest import serving
from tests.web.corpus import HOSTILE_VALUES, web_records

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (scripts/test installs it)"
)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
TOKEN = "browser-token-0123456789abcdef"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    recs = web_records()
    fill(root, recs, parquet=len(recs) - 30)
    return root


@pytest.fixture(scope="module")
def base(root: Path) -> Iterator[str]:
    with serving(root) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object, base: str) -> Iterator[object]:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=base, locale="en-GB", timezone_id="UTC", accept_downloads=True
    )
    pg = context.new_page()
    yield pg
    context.close()


def shot(page: object, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def shown_seqs(page: object) -> list[int]:
    rows = page.locator("#records tbody tr")  # type: ignore[attr-defined]
    return [int(s) for s in rows.evaluate_all("rs => rs.map(r => r.dataset.seq)")]


def test_filter_from_the_form(page: object, root: Path) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.fill("input[name=user]", "bob")  # type: ignore[attr-defined]
    page.fill("input[name=status]", "D")  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"user=bob&status=D"))  # type: ignore[attr-defined]
    want = [s for s, _ in Store(root).select(Filter(parse_where("user = bob and status = D")))]
    assert shown_seqs(page) == want[::-1]
    shot(page, "records-filtered")


def test_page_forward_and_back(page: object) -> None:
    page.goto("/?size=20")  # type: ignore[attr-defined]
    first = shown_seqs(page)
    assert len(first) == 20
    page.click("#older")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"before=\d+"))  # type: ignore[attr-defined]
    second = shown_seqs(page)
    assert len(second) == 20 and max(second) < min(first)
    shot(page, "records-page-2")
    page.click("#newer")  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"after=\d+"))  # type: ignore[attr-defined]
    assert shown_seqs(page) == first
    page.go_back()  # type: ignore[attr-defined]
    page.wait_for_url(re.compile(r"before=\d+"))  # type: ignore[attr-defined]
    assert shown_seqs(page) == second


def test_open_a_record(page: object) -> None:
    page.goto("/?user=pager&size=5")  # type: ignore[attr-defined]
    seq = shown_seqs(page)[0]
    page.click(f"#records tr[data-seq='{seq}'] a")  # type: ignore[attr-defined]
    page.wait_for_url(f"**/record/{seq}")  # type: ignore[attr-defined]
    assert page.inner_text("h1") == f"Record {seq}"  # type: ignore[attr-defined]
    assert "No step that allowed access" in page.inner_text("#stage-message")  # type: ignore[attr-defined]
    assert "Event type: Resource access" in page.inner_text("pre.detailed")  # type: ignore[attr-defined]
    shot(page, "record")


def test_dates_in_the_browser_locale_and_zone(browser: object, base: str) -> None:
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=base, locale="fr-FR", timezone_id="Europe/Paris"
    )
    pg = context.new_page()
    pg.goto("/?user=alice&order=log")
    first = pg.locator("#records time").first
    assert first.get_attribute("title") == "recorded 2024-03-04T09:30:00"
    assert first.inner_text() == "04/03/2024 10:30:00"  # UTC recorded, shown in Paris time
    context.close()


def test_browsing_works_with_javascript_off(browser: object, base: str) -> None:
    context = browser.new_context(base_url=base, java_script_enabled=False)  # type: ignore[attr-defined]
    pg = context.new_page()
    pg.goto("/?size=20")
    first = shown_seqs(pg)
    pg.click("#older")
    pg.wait_for_url(re.compile(r"before=\d+"))
    assert max(shown_seqs(pg)) < min(first)
    pg.fill("input[name=user]", "carol")
    pg.click("button[type=submit]")
    pg.wait_for_url(re.compile(r"user=carol"))
    assert len(shown_seqs(pg)) == 2
    assert pg.locator("#records time").first.inner_text() == "2024-03-04T12:00:00"
    context.close()


def test_live_tail_shows_a_record_appended_by_another_process(page: object, root: Path) -> None:
    page.goto("/?user=live*")  # type: ignore[attr-defined]
    page.check("#live-toggle")  # type: ignore[attr-defined]
    page.wait_for_timeout(700)  # type: ignore[attr-defined]
    feed = root.parent / "browser-live.txt"
    feed.write_text(
        "06 Mar 2024 13:00:00 D LOGIN liveuser 5 1 tty8 /bin/login\n"
        "06 Mar 2024 13:00:01 D LOGIN nobody 5 1 tty8 /bin/login\n"
    )
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
    row = page.locator("#records tbody tr", has_text="liveuser")  # type: ignore[attr-defined]
    row.wait_for(timeout=15000)
    assert page.locator("#records tbody tr").count() == 1  # type: ignore[attr-defined]
    shot(page, "live-tail")


def test_download_csv_and_read_it_back(page: object, root: Path) -> None:
    page.goto("/?user=pager")  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("text=CSV")  # type: ignore[attr-defined]
    path = info.value.path()
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    want = [r for _, r in Store(root).select(Filter(parse_where("user = pager")))]
    assert [r["resource"] for r in rows] == [r.resource for r in want]
    assert {r["user"] for r in rows} == {"pager"}


def test_login_refused_without_the_token(browser: object, root: Path, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    with serving(root, "--token-file", str(token_file)) as url:
        context = browser.new_context(base_url=url)  # type: ignore[attr-defined]
        pg = context.new_page()
        response = pg.goto("/")
        assert response.status == 401
        assert pg.locator("#records").count() == 0
        pg.fill("input[name=token]", "not-the-token")
        pg.click("button[type=submit]")
        assert "That token is not right" in pg.inner_text("main")
        assert pg.locator("#records").count() == 0
        shot(pg, "login-refused")
        pg.fill("input[name=token]", TOKEN)
        pg.click("button[type=submit]")
        pg.wait_for_selector("#records")
        assert len(shown_seqs(pg)) > 0
        context.close()


def test_hostile_strings_are_shown_inert(page: object, base: str, root: Path) -> None:
    dialogs: list[str] = []
    requests: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))  # type: ignore[attr-defined]
    page.on("request", lambda r: requests.append(r.url))  # type: ignore[attr-defined]
    hostile = Filter(parse_where("event = db_admin or event = trace"))
    seqs = [s for s, r in Store(root).select(hostile) if r.user in HOSTILE_VALUES]
    assert len(seqs) == 2 * len(HOSTILE_VALUES)
    urls = [
        "/?where=event%20%3D%20db_admin%20or%20event%20%3D%20trace&size=100",
        *(f"/record/{s}" for s in seqs),
        "/reports/admin",
        "/reports/summary",
    ]
    for url in urls:
        page.goto(url)  # type: ignore[attr-defined]
        page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
        page.mouse.move(200, 300)  # type: ignore[attr-defined]
        assert page.evaluate("window.__pwned") is None, url  # type: ignore[attr-defined]
        tags = page.evaluate(  # type: ignore[attr-defined]
            "[...document.querySelectorAll('main *')].map(e => e.tagName.toLowerCase())"
        )
        assert not {"script", "img", "iframe", "style", "link", "object", "embed"} & set(tags)
        handlers = page.evaluate(  # type: ignore[attr-defined]
            "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes]"
            ".filter(a => a.name.startsWith('on') || a.name.startsWith('hx-get')"
            " && !e.closest('nav')).map(a => a.name))"
        )
        assert handlers == [], url
        hrefs = page.evaluate(  # type: ignore[attr-defined]
            "[...document.querySelectorAll('a')].map(a => a.href)"
        )
        assert not [h for h in hrefs if not h.startswith(base)], url
    page.goto(urls[0])  # type: ignore[attr-defined]
    text = page.inner_text("#records")  # type: ignore[attr-defined]
    for value in HOSTILE_VALUES[:12]:
        assert value.split("\n")[0] in text
    shot(page, "hostile")
    assert dialogs == []
    assert [u for u in requests if not u.startswith(base)] == []
    assert {re.sub(r"\?.*", "", u[len(base) :]) for u in requests} <= {
        *(re.sub(r"\?.*", "", u) for u in urls),
        "/static/viewer.css",
        "/static/htmx.min.js",
        "/static/viewer.js",
    }


def test_report_page_with_charts(page: object) -> None:
    page.goto("/reports/denials?user=bob")  # type: ignore[attr-defined]
    assert page.inner_text("h1") == "Denials"  # type: ignore[attr-defined]
    bars = page.locator("svg.chart rect")  # type: ignore[attr-defined]
    assert bars.count() >= 4
    assert page.locator("input[name=user]").input_value() == "bob"  # type: ignore[attr-defined]
    shot(page, "report-denials")
    page.goto("/reports/summary")  # type: ignore[attr-defined]
    shot(page, "report-summary")
