"""The workshop dashboard in headless Chromium: `pushpull dashboard` runs as a subprocess
on a free port of 127.0.0.1 and Playwright drives Debian's chromium.

Without chromium these tests skip with a one-line reason, unless
``PUSHPULL_REQUIRE_BROWSER=1`` (set by CI), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlsplit

import pytest

from pushpull_sim.dashboard.browser import (
    JS_NODE,
    MISSING_BROWSER,
    DashboardServer,
    find_chromium,
    launch,
)

REQUIRED = os.environ.get("PUSHPULL_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(f"{reason} (PUSHPULL_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright not installed: pip install -e '.[test]'")
    if find_chromium() is None:
        _unavailable(MISSING_BROWSER)
    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(browser):
    srv = DashboardServer().start()
    yield srv
    # Ctrl-C stops it cleanly: status 0, one last line, no error from our code (Bokeh
    # may log a traceback of its own when a tab's websocket closes before its session
    # is attached)
    assert srv.stop() == 0, "\n".join(srv.output)
    assert srv.output[-1] == "pushpull dashboard: stopped"
    ours = [line for line in srv.output if "pushpull_sim" in line or "KeyboardInterrupt" in line]
    assert not ours, "\n".join(srv.output)


@pytest.fixture
def open_page(browser, server):
    """Open the dashboard in a new tab (a new session); returns (page, requests)."""
    pages = []

    def opener():
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.goto(server.url)
        page.locator(".pp-month-now").wait_for(timeout=60_000)
        pages.append(page)
        return page, requests

    yield opener
    for page in pages:
        page.close()


def text(page, selector: str) -> str:
    return page.locator(selector).first.inner_text()


def month(page) -> int:
    return int(text(page, ".pp-month-now"))


def side_months(page) -> tuple[int, int]:
    return int(text(page, ".pp-head-a .pp-month")), int(text(page, ".pp-head-b .pp-month"))


def wait_for(predicate, timeout: float = 30.0):
    end = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # the element is being re-rendered
            value = None
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def click(page, cls: str) -> None:
    page.locator(f".{cls} button").first.click()


def test_the_page_works_offline_step_advances_both_sides_play_then_pause_stops(open_page, server):
    page, requests = open_page()
    wait_for(lambda: side_months(page) == (0, 0))
    assert "siloed" in text(page, ".pp-head-a .pp-side-head")
    assert "layered" in text(page, ".pp-head-b .pp-side-head")
    click(page, "pp-step")
    wait_for(lambda: side_months(page) == (1, 1) and month(page) == 1)
    click(page, "pp-step")
    wait_for(lambda: side_months(page) == (2, 2) and month(page) == 2)
    click(page, "pp-play")
    wait_for(lambda: month(page) >= 5)
    click(page, "pp-play")
    wait_for(lambda: "Play" in text(page, ".pp-play button"))
    stopped = wait_for(lambda: side_months(page)[0] == month(page) and month(page))
    page.wait_for_timeout(1500)
    assert month(page) == stopped and side_months(page) == (stopped, stopped)
    assert stopped < 96
    # every request the page made (scripts, styles, fonts, the websocket) went to the server
    host = urlsplit(server.url).netloc
    outside = [
        u
        for u in requests
        if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc != host
    ]
    assert len(requests) > 10 and not outside, outside
    assert any(u.startswith("ws://") for u in requests)
    assert urlsplit(server.url).hostname == "127.0.0.1"


def test_a_changed_budget_survives_reset_and_the_rebuilt_models_use_it(open_page):
    page, _ = open_page()
    before = int(text(page, ".pp-facts-a .pp-served").replace(",", ""))
    assert "250,000" in text(page, ".pp-facts-a .pp-budget")
    box = page.locator(".pp-budget-input input").first
    box.fill("100000")
    box.press("Enter")
    wait_for(lambda: "press Reset" in text(page, ".pp-pending .pp-warn"))
    click(page, "pp-step")
    wait_for(lambda: month(page) == 1)
    click(page, "pp-reset")
    # the facts line is written from each rebuilt model (its scenario and its households)
    for s in ("a", "b"):
        wait_for(lambda s=s: "100,000" in text(page, f".pp-facts-{s} .pp-budget"))
    wait_for(lambda: month(page) == 0 and side_months(page) == (0, 0))
    after = int(text(page, ".pp-facts-a .pp-served").replace(",", ""))
    assert after < before  # a smaller budget serves fewer households
    assert page.locator(".pp-budget-input input").first.input_value() == "100000"
    assert page.locator(".pp-pending .pp-warn").count() == 0
    # a second Reset keeps it too
    click(page, "pp-reset")
    page.wait_for_timeout(500)
    assert page.locator(".pp-budget-input input").first.input_value() == "100000"
    assert "100,000" in text(page, ".pp-facts-a .pp-budget")


def test_two_tabs_are_independent(open_page):
    first, _ = open_page()
    second, _ = open_page()
    click(first, "pp-step")
    click(first, "pp-step")
    wait_for(lambda: month(first) == 2)
    click(second, "pp-step")
    wait_for(lambda: month(second) == 1)
    first.wait_for_timeout(300)
    assert month(first) == 2 and side_months(first) == (2, 2)
    assert side_months(second) == (1, 1)


def test_a_household_click_shows_its_path_and_story_and_a_screenshot_is_written(
    open_page, tmp_path
):
    page, _ = open_page()
    for m in (1, 2, 3):
        click(page, "pp-step")
        wait_for(lambda m=m: month(page) == m)
    node = page.evaluate(JS_NODE, [7, 1])  # side B's eighth household in the village
    page.mouse.click(node["x"], node["y"])
    wait_for(lambda: text(page, ".pp-household") == str(node["id"]))
    for s in ("a", "b"):
        story = text(page, f".pp-story-{s} .pp-story")
        assert story.splitlines()[-1].startswith("Now (month 3):"), story
    titles = page.evaluate(
        """() => Bokeh.documents.flatMap(d => [...d._all_models.values()])
            .filter(m => m.type === 'Figure' && m.title && m.title.text)
            .map(m => m.title.text)"""
    )
    assert "Productive assets (USD PPP)" in titles
    # the same household is highlighted on both sides
    selected = page.evaluate(
        """() => Bokeh.documents.flatMap(d => [...d._all_models.values()])
            .filter(m => m.type === 'ColumnDataSource' && m.data.marker)
            .map(m => m.selected.indices)"""
    )
    assert selected == [[7], [7]]
    path = tmp_path / "dashboard.png"
    page.screenshot(path=str(path), full_page=True)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width == 1600 and height > 1500
