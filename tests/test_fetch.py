"""`precedent fetch` against a recorded ModernGov site on 127.0.0.1: web service and public pages, faults,
the manifest, incremental runs, and the metadata the index then carries."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path

import pytest
from precedent.corpus.fetch import fetch_site
from precedent.corpus.moderngov import Meeting, attachment_id, document_url, parse_committees, parse_meeting
from precedent.corpus.polite_http import Politeness
from precedent.corpus.published import MANIFEST_NAME, read_manifest

from precedent.cli import main
from precedent.errors import FetchError
from tests.moderngov_site import RECORDED_HOST, SITE, RecordedSite, paper_texts, render_pdfs

SCRUTINY = "Scrutiny Co-ordination Committee"
QUICK = Politeness(delay=0.0, timeout=5.0, retries=1, backoff=0.01)
PACK_2015 = "/mgConvert2PDF.aspx?ID=52210"
BRIEFING = "/mgConvert2PDF.aspx?ID=72031"
FETCHED = {
    "/mgConvert2PDF.aspx?ID=41150",
    PACK_2015,
    "/mgConvert2PDF.aspx?ID=70410",
    "/mgConvert2PDF.aspx?ID=70599",
    "/mgConvert2PDF.aspx?ID=72020",
    BRIEFING,
}
"""The documents of the committee's meetings from 2013 on, as the web service links them."""


@pytest.fixture(scope="session")
def recorded_pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("moderngov-pdfs")
    paths = {name: folder / f"{name}.pdf" for name in paper_texts()}
    render_pdfs({paths[name]: text for name, text in paper_texts().items()})
    return paths


@pytest.fixture
def site(recorded_pdfs):
    with RecordedSite(recorded_pdfs) as running:
        yield running


def fetch(site, out: Path, politeness: Politeness = QUICK, **options):
    options.setdefault("committees", [SCRUTINY])
    options.setdefault("date_from", date(2013, 1, 1))
    return fetch_site(site.url, out, politeness=politeness, **options)


def documents_requested(site, status: int | None = None) -> set[str]:
    return {p for p in site.paths(status) if p.startswith(("/mgConvert2PDF", "/documents/"))}


def test_web_service_fetch_saves_each_document_with_what_the_site_states(site, tmp_path):
    report = fetch(site, tmp_path / "out")

    assert report.source == "web service"
    assert (report.meetings, len(report.downloaded), report.failures) == (5, 6, [])
    assert documents_requested(site) == FETCHED  # not the 2012 meeting's pack, not Cabinet's papers
    assert site.requests[0].path == "/robots.txt"
    assert all(r.headers["User-Agent"].startswith("Precedent/") for r in site.requests)
    manifest = read_manifest(tmp_path / "out")
    assert sorted(manifest) == sorted(report.downloaded)
    briefing = next(e for e in manifest.values() if e.url.endswith(BRIEFING))
    assert (briefing.committee, briefing.committee_id, briefing.meeting_id, briefing.meeting_date) == (
        SCRUTINY,
        "116",
        "13050",
        "2023-07-12",
    )
    assert (briefing.item, briefing.item_title, briefing.title) == (
        "4",
        "Coventry Community Safety Plan",
        "Chief Legal Officer's Briefing Note",  # "&amp;#39;": encoded twice
    )
    assert briefing.published == "2023-07-04" and briefing.etag and briefing.last_modified
    for path, entry in manifest.items():
        assert hashlib.sha256((tmp_path / "out" / path).read_bytes()).hexdigest() == entry.sha256
        assert (tmp_path / "out" / path).read_bytes()[:5] == b"%PDF-"


def test_second_fetch_downloads_nothing_each_document_answered_304(site, tmp_path):
    fetch(site, tmp_path / "out")
    site.requests.clear()

    again = fetch(site, tmp_path / "out")

    assert (again.downloaded, len(again.unchanged), again.failures) == ([], 6, [])
    assert documents_requested(site) == documents_requested(site, 304) == FETCHED
    assert all("If-None-Match" in r.headers for r in site.requests if r.path in FETCHED)


def test_a_changed_document_is_downloaded_again_the_unchanged_ones_are_not(site, tmp_path, recorded_pdfs):
    first = fetch(site, tmp_path / "out")
    briefing = next(p for p in first.downloaded if "72031" in p)
    changed = recorded_pdfs["pack-2013-11-06"].read_bytes()
    site.faults.bodies[BRIEFING] = (changed, "application/pdf")
    site.requests.clear()

    again = fetch(site, tmp_path / "out")

    assert again.downloaded == again.changed == [briefing]
    assert documents_requested(site, 304) == FETCHED - {BRIEFING}
    assert (tmp_path / "out" / briefing).read_bytes() == changed
    assert read_manifest(tmp_path / "out")[briefing].sha256 == hashlib.sha256(changed).hexdigest()


@pytest.mark.parametrize("web_service", ["off", "forbidden"])
def test_web_service_off_or_refused_reads_the_public_pages(site, tmp_path, web_service):
    site.faults.web_service = web_service

    report = fetch(site, tmp_path / "out")

    assert report.source == "public pages"
    assert "web service unusable" in report.notes[0]
    assert (report.meetings, len(report.downloaded), report.failures) == (5, 6, [])
    # the page's link is relative, holds spaces and is broken over two lines
    assert f"/documents/g10010/Public reports pack 04th-Mar-2015 10.00 {SCRUTINY}.pdf?T=10" in site.paths(200)
    manifest = read_manifest(tmp_path / "out")
    briefing = next(e for e in manifest.values() if "/documents/s72031/" in e.url)
    assert (briefing.meeting_date, briefing.item, briefing.item_title) == (
        "2023-07-12",
        "4",
        "Coventry Community Safety Plan",
    )
    assert {e.meeting_date for e in manifest.values()} == {"2013-11-06", "2015-03-04", "2023-03-14", "2023-07-12"}


def test_a_refused_document_is_reported_by_name_and_the_rest_fetched(site, tmp_path):
    site.faults.forbidden.add(BRIEFING)

    report = fetch(site, tmp_path / "out")

    assert len(report.downloaded) == 5
    assert [(url.removeprefix(site.url.rstrip("/")), "HTTP 403" in why) for url, why in report.failures] == [
        (BRIEFING, True)
    ]


def test_a_site_refusing_everything_is_one_line_and_exit_1(site, tmp_path, capsys):
    site.faults.web_service = "forbidden"
    site.faults.forbidden |= {"/mgListCommittees.aspx"}

    code = main(["fetch", site.url, "--committee", SCRUTINY, "--out", str(tmp_path / "out"), "--delay", "0"])

    err = capsys.readouterr().err.strip()
    assert code == 1
    assert err.startswith(f"precedent: error: {site.url}mgListCommittees.aspx: refused (HTTP 403)")
    assert "\n" not in err


def test_an_answer_slower_than_the_timeout_is_retried_then_reported(site, tmp_path):
    site.faults.slow[BRIEFING] = 2.0

    report = fetch(site, tmp_path / "out", Politeness(delay=0.0, timeout=0.5, retries=1, backoff=0.01))

    assert len(report.downloaded) == 5
    assert [why for _, why in report.failures] == ["no answer within 0.5 s; a slow site may need a longer --timeout"]
    assert [p for p in site.paths() if p == BRIEFING] == [BRIEFING, BRIEFING]


def test_a_busy_answer_is_retried_after_a_pause(site, tmp_path):
    site.faults.unavailable[BRIEFING] = 2
    pauses = []

    report = fetch_site(
        site.url,
        tmp_path / "out",
        committees=[SCRUTINY],
        date_from=date(2013, 1, 1),
        politeness=Politeness(delay=0.0, timeout=5.0, retries=2, backoff=0.05),
        sleep=pauses.append,
    )

    assert (len(report.downloaded), report.failures) == (6, [])
    assert [r.status for r in site.requests if r.path == BRIEFING] == [503, 503, 200]
    assert pauses == [0.05, 0.1]  # the back-off doubles


def test_malformed_meeting_xml_reads_that_meetings_documents_page(site, tmp_path):
    site.faults.bodies["/mgWebService.asmx/GetMeeting?lMeetingId=10010"] = (
        b"<?xml version='1.0'?><getmeeting><meeting><meetingid>10010</meeting>",
        "text/xml",
    )

    report = fetch(site, tmp_path / "out")

    assert report.source == "web service" and report.failures == []
    assert "malformed XML" in report.notes[0]
    urls = {e.url.removeprefix(site.url.rstrip("/")) for e in read_manifest(tmp_path / "out").values()}
    assert (
        "/documents/g10010/Public%20reports%20pack%2004th-Mar-2015%2010.00%20Scrutiny%20Co-ordination%20Committee.pdf?T=10"
        in urls
    )
    assert PACK_2015 not in urls and len(urls) == 6


def test_an_html_page_behind_a_pdf_link_is_refused_by_name_never_saved(site, tmp_path):
    login = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Please sign in</body></html>"
    site.faults.bodies[BRIEFING] = (login, "application/pdf")

    report = fetch(site, tmp_path / "out")

    assert [why for _, why in report.failures] == [
        "an HTML page served as application/pdf (a login, cookie or error page?); refused, not saved"
    ]
    assert not any("72031" in p for p in read_manifest(tmp_path / "out"))
    assert not any(b"Please sign in" in f.read_bytes() for f in (tmp_path / "out").rglob("*") if f.is_file())


def test_a_document_over_the_size_cap_is_refused(site, tmp_path, recorded_pdfs):
    cap = recorded_pdfs["briefing-2023-07-12-item4"].stat().st_size + 1
    report = fetch(site, tmp_path / "out", Politeness(delay=0.0, timeout=5.0, retries=0, max_bytes=cap))

    assert sorted(p.split("/")[-1][:5] for p in report.downloaded) == ["70599", "72031"]  # the two smallest
    assert len(report.failures) == 4 and all(f"over the cap of {cap:,} bytes" in why for _, why in report.failures)


def test_robots_txt_is_honoured(site, tmp_path):
    site.faults.bodies["/robots.txt"] = (b"User-agent: *\nDisallow: /mgConvert2PDF.aspx\n", "text/plain")

    report = fetch(site, tmp_path / "out")

    assert report.downloaded == [] and len(report.failures) == 6
    assert all("robots.txt disallows" in why for _, why in report.failures)
    assert documents_requested(site) == set()


def test_an_interrupted_run_keeps_what_it_finished_and_the_next_run_fetches_the_rest(site, tmp_path):
    saved = []

    def stop_after_two(line: str) -> None:
        saved.append(line)
        if len(saved) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(site, tmp_path / "out", log=stop_after_two)

    kept = read_manifest(tmp_path / "out")
    assert len(kept) == 2 and all((tmp_path / "out" / p).exists() for p in kept)
    assert not list((tmp_path / "out").rglob(".part-*"))
    rest = fetch(site, tmp_path / "out")
    assert len(rest.downloaded) == 4 and sorted(rest.unchanged) == sorted(kept)


def test_an_unknown_committee_is_refused_naming_the_valid_ones(site, tmp_path):
    with pytest.raises(FetchError, match=r"no committee 'Planning' on the site; pass a name or id from: Cabinet; "):
        fetch(site, tmp_path / "out", committees=["Planning"])
    assert documents_requested(site) == set()


def test_web_service_quirks_are_read_as_the_site_means_them():
    body = (SITE / "mgWebService.asmx" / "GetCommittees.xml").read_bytes()
    committees = parse_committees(body, "GetCommittees")
    assert [(c.id, c.title, c.deleted) for c in committees] == [
        ("101", "Cabinet", False),
        ("116", SCRUTINY, False),  # " 116": the id carries a space
        ("99", "Scrutiny Board 5 (Health & Social Care)", True),  # "&amp;amp;", "True"
    ]
    body = (SITE / "mgWebService.asmx" / "GetMeeting" / "12901.xml").read_bytes()
    detail = parse_meeting(body, "GetMeeting", Meeting("12901", "116", None))
    assert str(detail.meeting.day) == "2023-03-14"
    assert [(i.number, i.title, i.restricted) for i in detail.items][-2:] == [
        ("6", "Work Programme and Outstanding Issues 2022/23", False),
        ("8", "Exempt Appendix - Property Matters", True),
    ]
    assert detail.items[4].minutes == "RESOLVED that the Drugs and Alcohol Strategy be noted."
    assert [link.title for link in detail.links] == [
        f"Public reports pack 14th-Mar-2023 10.00 {SCRUTINY}",
        f"Printed minutes 14th-Mar-2023 10.00 {SCRUTINY}",
    ]
    wrapped = ASMX_STRING.replace(b"COMMITTEES", body_escaped(committees_xml()))
    assert [c.title for c in parse_committees(wrapped, "GetCommittees")] == ["Cabinet"]


ASMX_STRING = (
    b'<?xml version="1.0" encoding="utf-8"?>\n<string xmlns="http://moderngov.co.uk/namespaces">COMMITTEES</string>'
)


def committees_xml() -> bytes:
    cabinet = b"<committeeid>101</committeeid><committeetitle>Cabinet</committeetitle>"
    return b"<committees><committee>" + cabinet + b"</committee></committees>"


def body_escaped(xml: bytes) -> bytes:
    return xml.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b">", b"&gt;")


def test_links_as_pages_write_them_become_addresses():
    page = "https://democracy.example.gov.uk/ieListDocuments.aspx?CId=116&MId=10010"
    href = "documents/g10010/Public reports pack 04th-Mar-2015 10.00 Scrutiny Co-ordination\r\n Committee.pdf?T=10"
    url = document_url(page, href)
    assert url == (
        "https://democracy.example.gov.uk/documents/g10010/Public%20reports%20pack%2004th-Mar-2015%2010.00%20"
        "Scrutiny%20Co-ordination%20Committee.pdf?T=10"
    )
    assert (attachment_id(url), attachment_id("https://x.gov.uk/mgConvert2PDF.aspx?ID=52210")) == ("g10010", "52210")


def test_a_fetched_folder_indexes_with_what_the_site_states(site, tmp_path, fake_encoder):
    from precedent.index.build import build_index
    from precedent.index.hit import Citation
    from precedent.index.index import Index
    from precedent.index.search import search

    fetch(site, tmp_path / "out")
    assert (tmp_path / "out" / MANIFEST_NAME).exists()
    build_index([tmp_path / "out"], tmp_path / "index", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    index = Index.load(tmp_path / "index")

    chunks = index.chunks
    assert chunks and all(c.url.startswith(site.url) and c.committee == SCRUTINY for c in chunks)
    pack_2015 = [c for c in chunks if c.url.endswith(PACK_2015)]
    assert {c.meeting_date for c in pack_2015 if c.paper_type == "minutes"} == {"2015-02-04"}  # as printed
    assert {c.meeting_date for c in pack_2015 if c.paper_type != "minutes"} == {"2015-03-04"}  # as the site states
    briefing = [c for c in chunks if c.url.endswith(BRIEFING)]
    assert briefing and {c.meeting_date for c in briefing} == {"2023-07-12"} and all(c.page for c in briefing)
    assert {c.agenda_item for c in briefing} == {"4"}  # the item the site lists it under
    hit = search(index, "community safety plan briefing note", k=3, encoder=fake_encoder)[0]
    assert hit.to_dict()["url"] == hit.citation().url == hit.chunk.url
    cited = next(Citation.of(c) for c in briefing if c.paper_type == "briefing note")
    assert ", 12 July 2023, Item 4, Briefing note: " in cited.heading() and ", item 4 — " in cited.line()


def test_a_restricted_item_marks_its_passages_private():
    from dataclasses import replace

    from precedent.corpus.chunking import chunk_document
    from precedent.corpus.document import Document
    from precedent.corpus.papers import parse_document
    from precedent.corpus.published import Published

    doc = Document("exempt.txt", "exempt.txt", "Exempt Appendix\n\n" + "The property terms are confidential. " * 20)
    stated = Published("https://x.gov.uk/mgConvert2PDF.aspx?ID=9", committee="Cabinet", meeting_date="2023-03-14")
    public = chunk_document(parse_document(replace(doc, published=stated)))
    private = chunk_document(parse_document(replace(doc, published=replace(stated, restricted=True))))
    assert public and not any(c.private for c in public)
    assert private and all(c.private and c.committee == "Cabinet" and c.meeting_date == "2023-03-14" for c in private)


@pytest.mark.slow
def test_fetch_then_index_answers_the_dog_control_call_in_with_its_source(site, tmp_path, capsys):
    out, index = str(tmp_path / "out"), str(tmp_path / "index")
    fetch_args = [site.url, "--committee", SCRUTINY, "--from", "2013-01-01", "--out", out, "--delay", "0"]
    started = time.perf_counter()
    assert main(["fetch", *fetch_args]) == 0
    fetched = time.perf_counter()
    assert main(["index", out, "--index", index]) == 0
    indexed = time.perf_counter()
    assert main(["fetch", *fetch_args]) == 0
    assert "0 documents downloaded (0 changed), 6 unchanged, 0 failed" in capsys.readouterr().out

    query = "did scrutiny agree with cabinet on the dog control order call-in"
    assert main(["search", query, "--index", index, "--json", "--k", "3"]) == 0
    answered = json.loads(capsys.readouterr().out)
    top = answered["results"][0]
    assert answered["answer"]["url"] == top["url"]
    assert (top["item"], top["meeting_date"], top["paper_type"]) == (43, "2015-02-04", "minutes")
    assert top["page"] and top["url"] == f"{site.url}mgConvert2PDF.aspx?ID=52210"
    assert "Minute 43: Call-In Stage 2" in top["citation"] and f"p. {top['page']}" in top["citation"]
    assert main(["search", query, "--index", index, "--k", "1"]) == 0
    assert f"   {site.url}mgConvert2PDF.aspx?ID=52210" in capsys.readouterr().out
    print(f"fetch {fetched - started:.1f}s, index {indexed - fetched:.1f}s")


def test_index_fetch_fetches_then_indexes_in_one_step(site, tmp_path, capsys, monkeypatch, fake_encoder):
    monkeypatch.setattr("precedent.index.build.load_encoder", lambda model: fake_encoder)
    out, index = tmp_path / "out", tmp_path / "index"
    args = ["index", "--fetch", site.url, "--committee", "116", "--from", "2023-07-01", "--out", str(out)]

    assert main([*args, "--index", str(index), "--delay", "0"]) == 0

    printed = capsys.readouterr().out
    assert "1 meetings, 2 documents downloaded (0 changed), 0 unchanged, 0 failed" in printed
    assert "indexed 2 documents" in printed
    assert sorted(read_manifest(out)) == sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf"))


def test_the_app_links_a_fetched_passage_to_its_source_page():
    from dataclasses import replace

    from precedent.index.hit import Citation

    from search_app import _source

    cited = Citation("a.pdf", "Minutes", "minutes", SCRUTINY, "2015-02-04", 43, "Call-In", "", 5)
    fetched = replace(cited, url='https://x.gov.uk/mgConvert2PDF.aspx?ID=1&"x')

    assert "class='source'" not in _source(cited, 0)
    assert "href='https://x.gov.uk/mgConvert2PDF.aspx?ID=1&amp;&quot;x#page=5'" in _source(fetched, 0)


MEETING_13050 = "/mgWebService.asmx/GetMeeting?lMeetingId=13050"
DECLARATIONS = "<p>There were no declarations of interest.</p>"
SAFETY_MINUTES = (
    "<p>The Committee considered the Community Safety Plan 2023-24.</p>"
    "<p><strong>RESOLVED that the Committee endorse the Community Safety Plan and ask for a report on the "
    "Safer Streets programme in six months.</strong></p>"
)


def _with_minutes(site, minutes: dict[str, str]) -> None:
    """The site's web service answers meeting 13050 (no printed minutes linked) with minutes on its items."""
    xml = (
        (SITE / "mgWebService.asmx" / "GetMeeting" / "13050.xml").read_bytes().replace(RECORDED_HOST, site.url.encode())
    )
    empty = b"<minutestext></minutestext>"
    for title, text in minutes.items():
        at = xml.index(empty, xml.index(f"{title}</agendaitemtitle>".encode()))
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode()
        xml = xml[:at] + b"<minutestext>" + escaped + b"</minutestext>" + xml[at + len(empty) :]
    site.faults.bodies[MEETING_13050] = (xml, "text/xml; charset=utf-8")


def test_minutes_the_web_service_carries_are_saved_and_indexed_where_no_printed_minutes_are(
    site, tmp_path, fake_encoder
):
    from precedent.index.build import build_index
    from precedent.index.index import Index
    from precedent.index.search import search

    _with_minutes(site, {"Declarations of Interest": DECLARATIONS, "Coventry Community Safety Plan": SAFETY_MINUTES})
    out = tmp_path / "out"
    report = fetch(site, out)
    page = f"{site.url}ieListDocuments.aspx?CId=116&MId=13050"
    [saved] = [path for path, entry in read_manifest(out).items() if entry.url == page]
    assert saved in report.downloaded and len(report.downloaded) == 7 and report.failures == []
    assert (out / saved).read_text(encoding="utf-8") == (
        "Minutes of the meeting of Scrutiny Co-ordination Committee held on Wednesday, 12 July 2023\n\n"
        "2. Declarations of Interest\n\nThere were no declarations of interest.\n\n"
        "4. Coventry Community Safety Plan\n\nThe Committee considered the Community Safety Plan 2023-24.\n"
        "RESOLVED that the Committee endorse the Community Safety Plan and ask for a report on the Safer Streets "
        "programme in six months.\n"
    )
    # meeting 12901 carries minutes in the web service too, and links its printed minutes: those are fetched
    assert not any("MId=12901" in entry.url for entry in read_manifest(out).values())

    build_index([out], tmp_path / "index", model=fake_encoder.name, encoder=fake_encoder, progress=False)
    index = Index.load(tmp_path / "index")
    minutes = [c for c in index.chunks if c.url == page]
    assert {c.item for c in minutes} == {None, 2, 4} and all(  # None: the heading naming the meeting
        (c.paper_type, c.meeting_date, c.committee) == ("minutes", "2023-07-12", SCRUTINY) for c in minutes
    )
    hit = search(index, "Safer Streets programme report in six months", k=3, encoder=fake_encoder)[0]
    assert hit.chunk.url == page and hit.citation().url == page

    again = fetch(site, out)
    assert again.downloaded == [] and saved in again.unchanged

    _with_minutes(
        site,
        {
            "Declarations of Interest": DECLARATIONS,
            "Coventry Community Safety Plan": SAFETY_MINUTES.replace("six", "three"),
        },
    )
    changed = fetch(site, out)
    assert changed.downloaded == changed.changed == [saved]
    assert "three months" in (out / saved).read_text(encoding="utf-8")
