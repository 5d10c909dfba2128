"""The real Gradio app over the real index: named API through gradio_client, and Chromium via Playwright."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.conftest import ROOT

ARTIFACTS = ROOT / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
XSS_PAPER = """Minutes of the Meeting of Probe Committee held at 10.00 am on Wednesday, 1 March 2023

41. Hostile markup probe

The clerk pasted <script>window.__xss = 1</script> and <img src=x onerror="window.__xss = 2"> into the minutes
while discussing the zebra crossing consultation on Quokka Lane.

RESOLVED that the zebra crossing consultation on Quokka Lane be noted.
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(index_dir: Path):
    import search_app

    port = free_port()
    blocks = search_app.serve(index_dir, port=port, block=False)
    return blocks, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def app_url(real_index_dir):
    blocks, url = launch(real_index_dir)
    yield url
    blocks.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, app_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(app_url)
    page.wait_for_selector("#query textarea", timeout=60_000)
    yield page
    page.close()


def ask(page, question: str):
    page.fill("#query textarea", question)
    page.click("#search-button")
    page.wait_for_selector("#results .hit", timeout=60_000)
    return page.locator("#results .hit")


def shot(page, name: str):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_named_api_returns_the_cli_json_shape(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict(
        "did scrutiny agree with cabinet on the dog control order call-in", 3, "", "", "", "", api_name="/search"
    )
    assert [r["rank"] for r in result["results"]] == [1, 2, 3]
    first = result["results"][0]
    assert first["item"] == 43 and first["meeting_date"] == "2015-02-04"
    assert "Minute 43" in first["citation"] and "4 February 2015" in first["citation"]


def test_ask_shows_the_citation_first_and_opens_context(page):
    cards = ask(page, "What did the committee agree in October 2013 about Coventry's Marmot City work?")
    first = cards.first.locator(".cite").inner_text()
    assert "Minute 33: Coventry – A Marmot City" in first and "9 October 2013" in first
    shot(page, "ask")
    cards.first.locator("summary").click()
    context = cards.first.locator(".context")
    context.wait_for(state="visible")
    assert "33. Coventry – A Marmot City" in context.inner_text()
    assert context.locator("mark").count() == 1
    shot(page, "context")


def test_date_filter_changes_results(page):
    cards = ask(page, "domestic abuse services")
    before = [cards.nth(i).locator(".cite").inner_text() for i in range(cards.count())]
    assert any("2013" in c or "2015" in c for c in before)
    page.get_by_text("Filters").click()
    page.fill("#date-from textarea, #date-from input", "2023-01-01")
    page.click("#search-button")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#results .hit .cite')].every(e => e.innerText.includes('2023'))",
        timeout=60_000,
    )
    after = [c.inner_text() for c in page.locator("#results .hit .cite").all()]
    assert after and after != before
    shot(page, "date-filter")


def test_decisions_tab_lists_the_dog_control_resolution(page):
    page.get_by_role("tab", name="Decisions").click()
    page.fill("#topic textarea", "dog control")
    page.click("#decisions-button")
    page.wait_for_selector("#decision-results .hit", timeout=60_000)
    text = page.locator("#decision-results").inner_text()
    assert "4 February 2015" in text and "concur with the decisions of Cabinet" in text
    shot(page, "decisions")


def test_hostile_markup_in_a_paper_shows_as_text(browser, tmp_path):
    from index.build import build_index

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "probe.txt").write_text(XSS_PAPER, encoding="utf-8")
    build_index([papers], tmp_path / "ix", progress=False)
    blocks, url = launch(tmp_path / "ix")
    try:
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#query textarea", timeout=60_000)
        ask(page, "<b>zebra</b> crossing Quokka Lane <script>window.__xss=3</script>")
        results = page.locator("#results").inner_text()
        assert "<script>window.__xss = 1</script>" in results
        assert "onerror=" in results
        assert page.evaluate("() => window.__xss") is None
        assert page.locator("#results img").count() == 0
        shot(page, "xss-probe")
        page.close()
    finally:
        blocks.close()
