"""The real app under load, rebuilt while it serves, and its web safety: escaping, files, host, auth, limits.

The load test drives the named `/search` API of the app over the real index with 16 `gradio_client` clients on
loopback; latencies are printed, not asserted (the CI machine is shared). Escaping is checked on
`search_app.render_answered` directly, with a tag-by-tag parse of its HTML.
"""

from __future__ import annotations

import json
import shutil
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import replace
from html.parser import HTMLParser
from itertools import cycle, islice
from pathlib import Path

import httpx
import pytest
from precedent.corpus import BUNDLED_CORPUS

from tests.conftest import ROOT, FakeEncoder
from tests.test_app import launch

REQUESTS = 200
CLIENTS = 16
QUOKKA_PAPER = """Minutes of the Meeting of Quokka Lane Residents Panel held at 6.00 pm on Monday, 2 March 2026

12. Apologies for absence

There were no apologies.

13. Quokka Lane zebra crossing

The panel considered the consultation on a zebra crossing on Quokka Lane near the primary school.

RESOLVED that the Quokka Lane zebra crossing be approved and installed before September 2026.
"""


def questions() -> list[str]:
    with open(ROOT / "eval" / "coventry_dev.jsonl", encoding="utf-8") as handle:
        return [json.loads(line)["query"] for line in handle if line.strip()]


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


# --- load, and a rebuild while serving ---------------------------------------------------------------------


def timed_search(client, query: str, log: list[tuple[float, float, str]], record: threading.Lock) -> None:
    """One /search call for 5 hits, logged as (start, end, error or "") under `record`."""
    started = time.perf_counter()
    try:
        result = client.predict(query, 5, "", "", "", "", api_name="/search")
        assert result["query"] == query and [r["rank"] for r in result["results"]] == [1, 2, 3, 4, 5]
        error = ""
    except Exception as err:  # noqa: BLE001 - every failure is counted and shown
        error = f"{type(err).__name__}: {err}"
    with record:
        log.append((started, time.perf_counter(), error))


def test_200_searches_with_a_rebuild_in_the_middle_fail_none_and_find_the_new_paper(real_index_copy, tmp_path):
    from gradio_client import Client
    from precedent.index.build import build_index
    from precedent.index.store import read_manifest

    papers = tmp_path / "papers"
    shutil.copytree(BUNDLED_CORPUS, papers)
    blocks, url = launch(real_index_copy)
    served = read_manifest(real_index_copy)["generation"]
    log: list[tuple[float, float, str]] = []  # (start, end, error or "")
    record = threading.Lock()
    work = list(islice(cycle(questions()), REQUESTS))

    def client_run(share: list[str]) -> None:
        client = Client(url, verbose=False)
        for query in share:
            timed_search(client, query, log, record)

    try:
        probe = Client(url, verbose=False)
        before = probe.predict("Quokka Lane zebra crossing", 5, "", "", "", "", api_name="/search")
        assert "quokka.txt" not in {r["doc"] for r in before["results"]}
        began = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_run, work[i::CLIENTS]) for i in range(CLIENTS)]
            while len(log) < REQUESTS // 4 and not all(f.done() for f in futures):
                time.sleep(0.05)
            (papers / "quokka.txt").write_text(QUOKKA_PAPER, encoding="utf-8")
            rebuild_start = time.perf_counter()
            report = build_index([papers], real_index_copy, progress=False)  # the directory the app serves
            rebuild_end = time.perf_counter()
            after = probe.predict("Quokka Lane zebra crossing", 5, "", "", "", "", api_name="/search")
            done, pending = wait(futures, timeout=600)
            assert not pending, "the load did not finish within 10 minutes"
            for future in done:
                future.result()
        elapsed = time.perf_counter() - began
    finally:
        blocks.close()

    errors = [error for _, _, error in log if error]
    latencies = sorted(1000 * (end - start) for start, end, _ in log)
    during = sum(1 for start, end, _ in log if start < rebuild_end and end > rebuild_start)
    print(
        f"\n{len(log)} searches by {CLIENTS} clients in {elapsed:.1f}s, {len(errors)} errors; latency p50 "
        f"{percentile(latencies, 0.5):.0f} ms, p95 {percentile(latencies, 0.95):.0f} ms, max {latencies[-1]:.0f} ms; "
        f"rebuild took {rebuild_end - rebuild_start:.1f}s ({report.embedded} embedded), {during} searches overlapped it"
    )
    assert errors == [] and len(log) == REQUESTS
    assert report.embedded == ["quokka.txt"] and len(report.reused) == 5
    assert read_manifest(real_index_copy)["generation"] != served
    first = after["results"][0]
    assert first["doc"] == "quokka.txt" and "Quokka Lane zebra crossing" in first["text"], first
    assert during > 0


ANIMALS = ["numbat", "bilby", "dingo", "wombat", "echidna", "dunnart"]
"""One paper added by each rebuild; rebuilds run in pairs, the second straight after the first."""


def animal_paper(animal: str) -> str:
    return QUOKKA_PAPER.replace("Quokka", animal.capitalize()).replace("quokka", animal)


def test_back_to_back_rebuilds_during_a_reload_fail_no_search_and_the_last_generation_is_served(
    real_index_copy, tmp_path, monkeypatch
):
    """Each round: rebuild, hold the app's reload of that generation, rebuild again (deleting it), let go."""
    import precedent.index.index
    from gradio_client import Client
    from precedent.index.build import build_index
    from precedent.index.store import read_manifest

    papers = tmp_path / "papers"
    shutil.copytree(BUNDLED_CORPUS, papers)
    real_read_stored = precedent.index.index.read_stored
    hold, reloading, release = threading.Event(), threading.Event(), threading.Event()
    vanished: list[str] = []

    def read_stored(gen: Path):
        if threading.current_thread() is not threading.main_thread() and hold.is_set():  # the app, not a build
            hold.clear()
            reloading.set()
            release.wait(timeout=120)
        try:
            return real_read_stored(gen)
        except FileNotFoundError:
            vanished.append(gen.name)
            raise

    monkeypatch.setattr(precedent.index.index, "read_stored", read_stored)
    blocks, url = launch(real_index_copy)
    log: list[tuple[float, float, str]] = []
    record, stop = threading.Lock(), threading.Event()

    def client_run(share: list[str]) -> None:
        client = Client(url, verbose=False)
        for query in cycle(share):
            if stop.is_set():
                return
            timed_search(client, query, log, record)

    generations: list[str] = []
    held: list[tuple[float, float]] = []  # when a reload of a generation being deleted was waiting
    try:
        probe = Client(url, verbose=False)
        work = questions()
        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_run, work[i::CLIENTS]) for i in range(CLIENTS)]
            try:
                for first, second in zip(ANIMALS[::2], ANIMALS[1::2], strict=True):
                    (papers / f"{first}.txt").write_text(animal_paper(first), encoding="utf-8")
                    hold.set()  # the app's reload of what this build swaps in will wait for `release`
                    build_index([papers], real_index_copy, progress=False)
                    generations.append(read_manifest(real_index_copy)["generation"])
                    assert reloading.wait(timeout=120), "no search made the app reload the new generation"
                    reloading.clear()
                    held_from = time.perf_counter()
                    (papers / f"{second}.txt").write_text(animal_paper(second), encoding="utf-8")
                    build_index([papers], real_index_copy, progress=False)  # deletes the one being reloaded
                    generations.append(read_manifest(real_index_copy)["generation"])
                    release.set()
                    held.append((held_from, time.perf_counter()))
                    time.sleep(1)  # searches on the new generation before the next round
                    release.clear()
            finally:
                release.set()
                stop.set()
            done, pending = wait(futures, timeout=600)
            assert not pending, "the searches did not stop within 10 minutes"
            for future in done:
                future.result()
        found = {
            animal: probe.predict(f"{animal.capitalize()} Lane zebra crossing", 3, "", "", "", "", api_name="/search")
            for animal in ANIMALS
        }
    finally:
        blocks.close()

    errors = [error for _, _, error in log if error]
    waited = sum(1 for start, end, _ in log if any(start < until and end > since for since, until in held))
    latencies = sorted(1000 * (end - start) for start, end, _ in log)
    print(
        f"\n{len(generations)} rebuilds in back-to-back pairs ({' '.join(generations)}); {len(log)} searches by "
        f"{CLIENTS} clients, {waited} of them waited on a held reload, {len(errors)} errors; reloads that found "
        f"their generation deleted and loaded the next: {vanished}; p95 {percentile(latencies, 0.95):.0f} ms, "
        f"max {latencies[-1]:.0f} ms"
    )
    assert errors == [] and waited > 0
    assert vanished == generations[::2]  # each round, the reload's generation was deleted under it
    assert {p.name for p in real_index_copy.glob("gen-*")} == {generations[-1]}
    for animal, result in found.items():  # every paper of every rebuild is served: nothing lost
        first = result["results"][0]
        assert first["doc"] == f"{animal}.txt" and f"{animal.capitalize()} Lane zebra crossing" in first["text"]


# --- escaping of everything a page shows --------------------------------------------------------------------

HOSTILE_MINUTES = """Minutes of the Meeting of Probe <img src=x onerror=alert(1)// Committee held at 10.00 am on \
Wednesday, 1 March 2023

41. Zebra <img src=x onerror=alert(2)// crossing on Quokka Lane

The clerk pasted <script>alert(3)</script> and <img src=x onerror="alert(4)"> while discussing the quokka
crossing consultation, and a "quoted' attribute breaker" for good measure.

RESOLVED that the Quokka Lane crossing <svg onload=alert(5)> be noted.

42. Close of meeting

The meeting closed at 11.15 am after the quokka crossing item.
"""
HOSTILE_RECORD = {
    "_id": "<script>alert(6)</script>.txt",
    "title": '<img src=x onerror=alert(7)> Budget" autofocus onfocus="alert(8)',
    "text": "Quokka crossing budget <iframe src=javascript:alert(9)></iframe> agreed at £40,000 for the crossing.",
}
PAYLOAD_QUERY = "<script>alert(10)</script> quokka crossing <img src=x onerror=alert(11)>"
APP_TAGS = {"div", "span", "mark", "input", "details", "summary", "a", "table", "tr", "th", "td"}
APP_ATTRIBUTES = {
    "class",
    "data-rank",
    "style",
    "readonly",
    "aria-label",
    "value",
    "onclick",
    "href",
    "target",
    "rel",
    "id",
}
APP_ONCLICK = "this.select();navigator.clipboard&&navigator.clipboard.writeText(this.value)"


class Tags(HTMLParser):
    """Every start tag with its attributes, as a browser would parse the fragment."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def assert_only_the_apps_own_markup(fragment: str) -> str:
    parsed = Tags(fragment)
    assert {tag for tag, _ in parsed.tags} <= APP_TAGS
    for tag, attrs in parsed.tags:
        assert {name for name, _ in attrs} <= APP_ATTRIBUTES, (tag, attrs)
        assert all(value == APP_ONCLICK for name, value in attrs if name == "onclick")
        assert all(value.startswith("?doc=") for name, value in attrs if name == "href"), attrs
    lowered = fragment.lower()
    assert not any(f"<{bad}" in lowered for bad in ("script", "img", "svg", "iframe"))
    return "".join(parsed.text)


@pytest.fixture
def hostile_app(tmp_path, monkeypatch):
    from precedent.index.build import build_index

    import search_app

    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "probe.txt").write_text(HOSTILE_MINUTES, encoding="utf-8")
    (papers / "records.jsonl").write_text(json.dumps(HOSTILE_RECORD) + "\n", encoding="utf-8")
    build_index([papers], tmp_path / "ix", model=FakeEncoder.name, encoder=FakeEncoder(), progress=False)
    return search_app.App(tmp_path / "ix")


def test_every_rendered_field_and_the_query_are_escaped(hostile_app):
    from precedent.index.ask import ask

    import search_app

    index = hostile_app.index()
    answered = ask(index, PAYLOAD_QUERY, k=10, encoder=FakeEncoder())
    hits = answered.hits
    assert {h.chunk.doc_id for h in hits} == {"probe.txt", HOSTILE_RECORD["_id"]}
    probe = next(h for h in hits if h.chunk.doc_id == "probe.txt")
    assert "<img" in probe.chunk.committee and "<img" in probe.chunk.item_title  # the payloads reach the page

    page = search_app.render_answered(index, answered)
    shown = assert_only_the_apps_own_markup(page)
    for payload in [
        "<script>alert(3)</script>",
        '<img src=x onerror="alert(4)">',
        "<svg onload=alert(5)>",
        "Zebra <img src=x onerror=alert(2)// crossing",
        "Probe <img src=x onerror=alert(1)// Committee",
        HOSTILE_RECORD["_id"],
        HOSTILE_RECORD["title"],
        "<iframe src=javascript:alert(9)></iframe>",
    ]:
        assert payload in shown, payload  # shown as text, not dropped
    values = [value for tag, attrs in Tags(page).tags for name, value in attrs if name == "value"]
    assert any(HOSTILE_RECORD["title"] in value for value in values)  # the quote did not end the attribute

    nothing = search_app.render_answered(index, replace(answered, answer=None, groups=(), hits=()))
    assert PAYLOAD_QUERY in assert_only_the_apps_own_markup(nothing)


def test_the_app_functions_escape_what_they_render(hostile_app, monkeypatch):
    import precedent.index.ask

    import search_app

    real_search = precedent.index.ask.search
    monkeypatch.setattr(
        precedent.index.ask, "search", lambda *a, **k: real_search(*a, **{**k, "encoder": FakeEncoder()})
    )
    blocks = search_app.build_blocks(hostile_app)
    fns = {fn.fn.__name__: fn.fn for fn in blocks.fns.values() if fn.fn}

    asked = fns["ask_page"](PAYLOAD_QUERY, "", "", "", [], 10)
    refused = fns["ask_page"]("<script>alert(12)</script>" * 100, "", "", "", [], 10)

    assert "<script>alert(3)</script>" in assert_only_the_apps_own_markup(asked)
    assert "shorten it to at most 1000" in assert_only_the_apps_own_markup(refused)
    rows = fns["corpus_table"]()  # a Dataframe shows cells as text
    assert {row[0] for row in rows} == {"probe.txt", HOSTILE_RECORD["_id"]}


# --- what the server exposes ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(real_index_dir):
    blocks, url = launch(real_index_dir)
    yield blocks, url
    blocks.close()


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), or None on a loopback-only machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_binds_loopback_only_by_default(served):
    import inspect

    import search_app
    from precedent.cli import build_parser

    blocks, url = served
    assert inspect.signature(search_app.serve).parameters["host"].default == "127.0.0.1"
    assert build_parser().parse_args(["serve"]).host == "127.0.0.1"
    assert blocks.server_name == "127.0.0.1"
    address = outward_address()
    if address:
        with pytest.raises(OSError):
            socket.create_connection((address, blocks.server_port), timeout=2).close()
    print(
        f"\nbound to {blocks.server_name}:{blocks.server_port}; connect via {address or '(no outward address)'} refused"
    )


def test_no_file_outside_the_app_is_served(served, real_index_dir):
    _, url = served
    secret = Path("/etc/passwd").read_text(encoding="utf-8").splitlines()[0]
    manifest = str(real_index_dir / "manifest.json")
    paths = [
        "gradio_api/file=/etc/passwd",
        "file=/etc/passwd",
        "gradio_api/file/etc/passwd",
        f"gradio_api/file={manifest}",
        f"file={manifest}",
        "gradio_api/file=../../../../../../etc/passwd",
        "gradio_api/file=%2Fetc%2Fpasswd",
        "static/../../../../../../etc/passwd",
        "static/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "assets/..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",
        "gradio_api/proxy=file:///etc/passwd",
    ]
    answers = {path: raw_get(url, "/" + path) for path in paths}
    for path, (status, body) in answers.items():
        assert secret not in body and '"format_version"' not in body, path
        assert status in (400, 403, 404), (path, status)
    print("\n" + "\n".join(f"GET /{path} -> {status}" for path, (status, _) in answers.items()))


def raw_get(url: str, path: str) -> tuple[int, str]:
    """GET `path` exactly as written: an HTTP client would resolve "../" before sending it."""
    port = httpx.URL(url).port
    with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
        conn.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        response = b""
        while chunk := conn.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode("utf-8", "replace")


def test_oversize_and_empty_queries_are_refused_with_the_reason(served):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    _, url = served
    client = Client(url, verbose=False)
    with pytest.raises(AppError) as too_long:
        client.predict("dog control " * 100, 5, "", "", "", "", api_name="/search")
    with pytest.raises(AppError) as empty:
        client.predict("   ", 5, "", "", "", "", api_name="/search")
    with pytest.raises(AppError) as bad_k:
        client.predict("dog control", 1000, "", "", "", "", api_name="/search")

    assert str(too_long.value) == "the question is 1199 characters; shorten it to at most 1000"
    assert str(empty.value) == "the question is empty; type a few words, e.g. 'dog control order call-in'"
    assert str(bad_k.value) == "k must be between 1 and 100; got 1000"


def test_basic_auth_when_precedent_auth_is_set(real_index_dir, monkeypatch):
    from gradio_client import Client

    monkeypatch.setenv("PRECEDENT_AUTH", "clerk:s3cret")
    blocks, url = launch(real_index_dir)
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            anonymous = http.post("gradio_api/call/search", json={"data": ["dog control", 3, "", "", "", ""]})
            config = http.get("config")
        with pytest.raises(Exception) as refused:
            Client(url, verbose=False)
        with pytest.raises(Exception) as wrong:
            Client(url, auth=("clerk", "guess"), verbose=False)
        client = Client(url, auth=("clerk", "s3cret"), verbose=False)
        result = client.predict("dog control order call-in", 3, "", "", "", "", api_name="/search")
    finally:
        blocks.close()

    assert anonymous.status_code == 401 and config.status_code == 401
    print(f"\nanonymous: {anonymous.status_code}, {type(refused.value).__name__}; wrong password: {wrong.value}")
    assert [r["rank"] for r in result["results"]] == [1, 2, 3]
    assert result["results"][0]["doc"] == "000_598379763418fa6f.txt"
