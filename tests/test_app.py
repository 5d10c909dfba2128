"""The real Gradio app over the real index: named API through gradio_client, and Chromium via Playwright."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
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
CORPUS_PROBE = """Minutes of the Meeting of Probe <img src=x onerror=window.xss=4// Committee held at 10.00 am on \
Wednesday, 1 March 2023

41. Zebra crossing on Quokka Lane

RESOLVED that the zebra crossing consultation on Quokka Lane be noted.
"""
CORPUS_RECORD = {
    "_id": "<script>window.xss=5</script>.txt",
    "title": '<img src=x onerror="window.xss=6"> Budget" autofocus onfocus="window.xss=7',
    "text": "Quokka crossing budget <iframe src=javascript:window.xss=8></iframe> agreed at £40,000.",
}
REFUSED = [  # arguments of the named /search API, and the message its caller gets
    (["   ", 5, "", "", "", ""], "the question is empty; type a few words, e.g. 'dog control order call-in'"),
    (["dog control " * 100, 5, "", "", "", ""], "the question is 1199 characters; shorten it to at most 1000"),
    (["dog control", 1000, "", "", "", ""], "k must be between 1 and 100; got 1000"),
    (["dog control", "ten", "", "", "", ""], "k must be a whole number between 1 and 100; got 'ten'"),
    ([42, 5, "", "", "", ""], "query must be text; got 42"),
    (["dog control", 5, "", "2015-02-30", "", ""], "From must be a date written YYYY-MM-DD, e.g. 2015-02-04; got "
     "'2015-02-30'"),
    (["dog control", 5, "", "", "", "memo"], "unknown paper type 'memo'; valid types are: agenda, minutes, briefing "
     "note, report, appendix, work programme, web page, document"),
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(index_dir: Path):
    import search_app

    port = free_port()
    blocks = search_app.serve(index_dir, port=port, block=False)
    return blocks, f"http://127.0.0.1:{port}/"


@contextmanager
def app_process(index_dir: Path, log: Path):
    """`python search_app.py` as users start it, its stdout and stderr going to `log`; yields its URL."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, str(ROOT / "search_app.py"), "--index", str(index_dir), "--port", str(port)]
    with (
        open(log, "w") as out,
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT) as app,
    ):
        try:
            deadline = time.monotonic() + 180
            while f"127.0.0.1:{port}" not in log.read_text() and app.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
            assert app.poll() is None and f"127.0.0.1:{port}" in log.read_text(), log.read_text()
            yield f"http://127.0.0.1:{port}/"
        finally:
            app.terminate()
            app.wait(timeout=30)


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
    cards.first.locator("details.context summary").click()
    context = cards.first.locator("div.context")
    context.wait_for(state="visible")
    assert "33. Coventry – A Marmot City" in context.inner_text()
    assert context.locator("mark").count() == 1
    shot(page, "context")


def test_a_recommendation_reads_without_markup_and_its_first_item_is_marked(page):
    cards = ask(
        page, "What were councillors asked to do with the draft 2015-17 drugs strategy when it came to scrutiny?"
    )
    passages = [cards.nth(i).locator(".passage").first.inner_text() for i in range(cards.count())]
    assert not any("**" in p or "\n## " in p for p in passages)
    marks = cards.first.locator(".passage mark").all_inner_texts()
    assert any(
        m.startswith("- 2.1 It is recommended that the Scrutiny Coordination Committee:")
        and m.endswith(
            "(i) Review the strategy, and endorse the vision for Coventry and three priority themes identified;"
        )
        for m in marks
    ), marks
    shot(page, "lead-in")


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
    count = int(text.split(" decision")[0].split()[-1])  # "1 decision about ...", "3 decisions about ..."
    assert f"{count} decision{'' if count == 1 else 's'} about “dog control”, newest first." in text
    shot(page, "decisions")


def test_hostile_markup_in_a_paper_shows_as_text(browser, tmp_path):
    from precedent.index.build import build_index

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


def test_refused_input_gets_its_reason_and_no_traceback_reaches_the_server_log(browser, real_index_dir, tmp_path):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    log = tmp_path / "server.log"
    with app_process(real_index_dir, log) as url:
        client = Client(url, verbose=False)
        answers = []
        for args, _ in REFUSED:
            with pytest.raises(AppError) as refused:
                client.predict(*args, api_name="/search")
            answers.append(str(refused.value))
        page = browser.new_page()
        page.goto(url)
        page.wait_for_selector("#query textarea", timeout=60_000)
        notices = []
        for question in ["", "dog control " * 100]:
            page.fill("#query textarea", question)
            page.click("#search-button")
            page.wait_for_function(
                "(seen) => { const n = document.querySelector('#results .notice'); return n && n.innerText !== seen; }",
                arg=notices[-1] if notices else "",
                timeout=60_000,
            )
            notices.append(page.locator("#results .notice").inner_text())
        page.close()
        answered = client.predict("dog control order call-in", 3, "", "", "", "", api_name="/search")
        output = log.read_text()

    assert answers == [message for _, message in REFUSED]
    assert notices == [REFUSED[0][1], REFUSED[1][1]]
    assert answered["results"][0]["doc"] == "000_598379763418fa6f.txt"
    assert f"Running on local URL:  {url.rstrip('/')}" in output  # the log holds what the server printed
    assert "Traceback" not in output and not any(message in output for _, message in REFUSED), output


def test_hostile_titles_and_committees_show_as_text_in_the_corpus_tab(browser, tmp_path):
    from precedent.index.build import build_index

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "probe.txt").write_text(CORPUS_PROBE, encoding="utf-8")
    (papers / "records.jsonl").write_text(json.dumps(CORPUS_RECORD) + "\n", encoding="utf-8")
    build_index([papers], tmp_path / "ix", progress=False)
    blocks, url = launch(tmp_path / "ix")
    try:
        page = browser.new_page(viewport={"width": 1600, "height": 1000})
        page.goto(url)
        page.get_by_role("tab", name="Corpus").click()
        table = page.locator("#corpus-table")
        table.get_by_text("probe.txt", exact=True).wait_for(timeout=60_000)
        shown = table.inner_text()
        injected = table.locator("img, iframe, script, [onerror], [onload], [onfocus], [autofocus]").count()
        xss = page.evaluate("() => window.xss")
        shot(page, "xss-corpus")
        page.close()
    finally:
        blocks.close()

    for payload in [
        "Probe <img src=x onerror=window.xss=4// Committee",
        CORPUS_RECORD["_id"],
        CORPUS_RECORD["title"],
    ]:
        assert payload in shown, (payload, shown)
    assert (injected, xss) == (0, None)


DOG_HEADING = (
    "Scrutiny Co-ordination Committee, 4 February 2015, Minute 43: Call-In Stage 2 - Public Space Protection Order "
    "(Coventry Dog Control)"
)


def test_the_answer_comes_first_with_its_citation(page):
    cards = ask(page, "did scrutiny agree with cabinet on the dog control order call-in")
    answer = page.locator("#results #answer")

    assert answer.locator(".answer-kind").inner_text().lower() == "decision"
    assert answer.locator(".answer-text").inner_text().startswith("RESOLVED that the Committee concur")
    assert answer.locator(".answer-cite").inner_text().startswith(DOG_HEADING)
    above = page.evaluate(
        "() => document.querySelector('#answer').compareDocumentPosition(document.querySelector('#results .hit'))"
    )
    assert above & 4  # the first card follows the answer
    assert cards.first.locator(".cite").inner_text().startswith(DOG_HEADING)
    assert not cards.first.locator("details.scores .meta").first.is_visible()  # scores wait behind "details"
    shot(page, "answer")


def test_one_card_per_minute_with_the_resolution_parts_in_order(page):
    ask(page, "what was agreed about the climate change strategy?")
    headings = page.locator("#results .hit .cite").all_inner_texts()
    minute = [h for h in headings if "Minute 43: Draft Climate Change Strategy" in h]

    assert len(minute) == 1 and len(headings) == len(set(headings))
    card = page.locator("#results .hit", has_text="Minute 43: Draft Climate Change Strategy")
    block = card.locator(".resolution").inner_text()
    parts = [block.index(f"{n}) That") for n in (1, 2, 3)]
    assert parts == sorted(parts)
    assert card.locator(".resolution mark").count() >= 1
    shot(page, "one-card-per-minute")


def test_a_paper_table_shows_as_a_table(page):
    cards = ask(page, "who were the contributors and approvers of the report")
    table = cards.first.locator("table.paper-table").first

    assert table.locator("th").first.inner_text() == "Contributor/ approver name"
    assert table.locator("tr").count() >= 2 and table.locator("td").count() >= 5
    assert "|--" not in page.locator("#results").inner_text()
    shot(page, "table")


def test_the_source_link_opens_the_paper_at_the_passage(page):
    cards = ask(page, "did scrutiny agree with cabinet on the dog control order call-in")
    with page.context.expect_page() as opened:
        cards.first.locator("a.open").first.click()
    paper = opened.value
    paper.wait_for_selector("#paper-view #paper-at mark", timeout=60_000)

    assert "RESOLVED that the Committee concur" in paper.locator("#paper-at mark").first.inner_text()
    assert "43. Call-In Stage 2" in paper.locator("#paper-at").inner_text()
    # opened at the passage, not at the paper's first page
    paper.wait_for_function("document.querySelector('#paper-at mark').getBoundingClientRect().top < innerHeight")
    assert paper.evaluate("scrollY") > 0
    shot(paper, "paper-view")
    paper.close()


def test_the_decisions_timeline_shows_the_pspo_decisions_only_and_exports_csv(page):
    import csv

    page.get_by_role("tab", name="Decisions").click()
    page.fill("#topic textarea", "public space protection order")
    page.click("#decisions-button")
    page.wait_for_selector("#decision-results .decision", timeout=60_000)
    entries = page.locator("#decision-results .decision .cite").all_inner_texts()
    points = page.locator("#decision-results svg.timeline circle")

    assert any(DOG_HEADING in e for e in entries)
    assert all("Public Space Protection Order" in e for e in entries), entries  # no unrelated decision
    assert points.count() == len(entries)
    points.last.click()
    assert page.evaluate("() => location.hash").startswith("#decision-")
    page.wait_for_function("() => document.querySelector('#download-csv a, a#download-csv, #download-csv')")
    with page.expect_download() as download:
        page.click("#download-csv")
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert [r["meeting_date"] for r in rows] == sorted((r["meeting_date"] for r in rows), reverse=True)
    assert any(r["meeting_date"] == "2015-02-04" and r["item"] == "43" for r in rows)
    shot(page, "decisions-timeline")


def test_a_decision_names_the_meeting_it_follows_when_the_archive_does_not_hold_it(page):
    ask(page, "what did scrutiny resolve about the dog control order?")
    refs = page.locator("#answer .refs").first
    assert refs.inner_text() == "Refers to: Cabinet, 6 January 2015 (not in this archive)"
    assert refs.locator("a").count() == 0  # nothing to open


def test_a_cross_reference_opens_the_minute_it_names(page):
    ask(page, "what did the chair agree to follow up about unused allotment plots?")
    cards = page.locator("#results .hit")
    card = cards.filter(has=page.locator(".cite", has_text="14 March 2023, Minute 47: Minutes"))
    link = card.locator(".refs a", has_text="1 March 2023, Minute 43: Draft Climate Change Strategy")

    assert link.count() == 1
    with page.context.expect_page() as opened:
        link.click()
    paper = opened.value
    paper.wait_for_selector("#paper-view #paper-at mark", timeout=60_000)
    assert "Climate Change Strategy" in paper.locator("#paper-at mark").first.inner_text()
    shot(paper, "cross-reference")
    paper.close()
    # the minute it names says, on its own card, which later minute refers to it
    ask(page, "what did scrutiny say about the draft climate change strategy in March 2023?")
    referred = cards.filter(has=page.locator(".cite", has_text="1 March 2023, Minute 43: Draft Climate Change"))
    assert "Referred to by" in referred.first.locator(".refs").inner_text()
    assert "14 March 2023, Minute 47" in referred.first.locator(".refs").inner_text()
