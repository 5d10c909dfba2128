"""Property tests: random text and bytes through every reader, the structure finder and the chunker.

Every reader may refuse a file, but only with `UnreadableFile` and a reason of its own (never the catch-all
that `corpus.readers` keeps for reader bugs), within a time limit, and every chunk is a verbatim slice, also
of papers of 50 MB, which must take linear time.
"""

from __future__ import annotations

import signal
import tempfile
from contextlib import contextmanager
from datetime import timedelta
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from precedent.corpus.chunking import chunk_document
from precedent.corpus.document import Document
from precedent.corpus.papers import parse_document
from precedent.corpus.readers import SUPPORTED_SUFFIXES, read_file
from precedent.index.highlight import best_sentences

from precedent.errors import UnreadableFile
from tests.test_readers import DATA, TWO_PAGES, garbage_docx, make_docx, make_pdf
from tests.test_reliability import run

EXAMPLE_SECONDS = 10
"""A hang guard per example: far above the slowest honest example (a few hundred ms), far below CI's patience."""
CHECKS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
CATCH_ALL = "could not be read ("
"""The reason `corpus.readers` gives when a reader raised something other than `UnreadableFile`."""

FRAGMENTS = [
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\x0c",
    "\xa0",
    "1. Apologies for absence\n",
    "2. Minutes\n",
    "43. Call-In Stage 2 - Public Space Protection Order\n",
    "RESOLVED that the report be noted.\n",
    "  **RESOLVED** that Cabinet be advised\n",
    "## Background\n",
    "**Recommendations**\n",
    "1.1 Purpose of the report\n",
    "Minutes of the Meeting of Scrutiny Co-ordination Committee held at 10.00 am on Wednesday, 4 February 2015\n",
    "Coventry City Council\n",
    "Briefing Note\n",
    "Public report\n",
    "Report title: Dog control\n",
    "Appendix A\n",
    "Scrutiny Work Programme 2014-15\n",
    "This page is intentionally left blank\n",
    "Time and Date\n",
    "Agenda and minutes\n\nCabinet - Tuesday, 14th March, 2023 10.00 am\n\nItems\nNo. Item\n\n",
    "Private business\n",
    "<b>",
    "</p>",
    "[link](http://x)",
    "The committee noted the report on the £2m budget. ",
    "word ",
    "é",
    "\U0001f600",
    "\ud800",
]
council_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=60).map("".join)
any_text = st.one_of(st.text(max_size=3000), council_text)


class Hung(BaseException):
    """Not an `Exception`, so no reader's or library's `except Exception` can swallow it and keep going."""


@contextmanager
def time_limit(seconds: float):
    """Turn a hang in Python code into a failure naming where it hung."""

    def alarm(signum, frame):
        raise Hung(f"no result after {seconds}s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def scratch():
    """One folder for every example (hypothesis runs many examples per test, function fixtures once)."""
    with tempfile.TemporaryDirectory() as folder:
        warm = Path(folder) / "warm"
        warm.mkdir()
        # Import pypdf, python-docx and bs4 before the first timed example.
        for name, data in [("a.pdf", make_pdf(TWO_PAGES)), ("a.html", b"<p>x</p>"), ("a.docx", garbage_docx())]:
            (warm / name).write_bytes(data)
            try:
                read_file(warm / name, name)
            except UnreadableFile:
                pass
        yield Path(folder)


def check_read(folder: Path, suffix: str, data: bytes) -> None:
    path = folder / f"paper{suffix}"
    path.write_bytes(data)
    try:
        with time_limit(EXAMPLE_SECONDS):
            documents = read_file(path, path.name)
    except UnreadableFile as failure:
        assert failure.path == str(path)
        assert failure.reason and not failure.reason.startswith(CATCH_ALL), failure.reason
        event(f"{suffix} refused: {failure.reason.split(':')[0][:40]}")
        return
    event(f"{suffix} read")
    assert documents
    for doc in documents:
        assert isinstance(doc.text, str) and doc.text.strip()
        assert "\r" not in doc.text
        assert len(doc.title) <= 200 and "\n" not in doc.title
        assert list(doc.page_starts) == sorted(doc.page_starts)
        assert all(0 <= start <= len(doc.text) for start in doc.page_starts)
        if suffix != ".jsonl":
            assert (doc.doc_id, doc.source) == (path.name, str(path))


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@CHECKS
@given(data=st.binary(max_size=4096))
def test_random_bytes_never_crash_a_reader(scratch, suffix, data):
    check_read(scratch, suffix, data)


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
@CHECKS
@given(text=any_text, encoding=st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1"]))
def test_random_text_never_crashes_a_reader(scratch, suffix, text, encoding):
    check_read(scratch, suffix, text.encode(encoding, errors="replace"))


def _mutations(original: bytes):
    """A real file with bytes overwritten, inserted or deleted: how files arrive from a failing disk or download."""
    edit = st.tuples(st.integers(0, len(original) - 1), st.binary(max_size=8), st.integers(0, 8))
    return st.lists(edit, min_size=1, max_size=6).map(lambda edits: _apply(original, edits))


def _apply(data: bytes, edits) -> bytes:
    for position, insert, delete in edits:
        position %= max(1, len(data))
        data = data[:position] + insert + data[position + delete :]
    return data


@cache
def real_file(suffix: str) -> bytes:
    if suffix == ".pdf":
        return make_pdf(TWO_PAGES)
    if suffix == ".html":
        return (DATA / "moderngov.html").read_bytes()
    with tempfile.TemporaryDirectory() as folder:
        make_docx(Path(folder) / "report.docx")
        return (Path(folder) / "report.docx").read_bytes()


@pytest.mark.parametrize("suffix", [".pdf", ".docx", ".html"])
@CHECKS
@given(data=st.data())
def test_damaged_real_files_fail_with_a_reason_or_read(scratch, suffix, data):
    original = real_file(suffix)
    cut = st.integers(0, len(original)).map(lambda n: original[:n])
    check_read(scratch, suffix, data.draw(st.one_of(_mutations(original), cut), label="damaged file"))


@CHECKS
@given(text=any_text, pages=st.lists(st.integers(0, 3000), max_size=4))
def test_structure_and_chunks_are_verbatim_slices(text, pages):
    doc = Document("paper.txt", "paper.txt", text, "", page_starts=tuple(sorted({0, *pages})) if pages else ())
    with time_limit(EXAMPLE_SECONDS):
        parsed = parse_document(doc)
        chunks = chunk_document(parsed)
    for paper in parsed.papers:
        assert 0 <= paper.start <= paper.end <= len(text)
        for item in paper.items:
            assert paper.start <= item.start <= item.end <= paper.end
            for start, end in item.resolved:
                assert item.start <= start <= end <= item.end
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(text)
        assert chunk.text == text[chunk.start : chunk.end]
        assert chunk.doc_id == "paper.txt"
        assert chunk.page == doc.page_at(chunk.start)
        assert chunk.indexed_text.endswith(chunk.text)


# --- huge papers ---------------------------------------------------------------------------------------------

LINEAR = """
import sys, time
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.chunking import chunk_document
from precedent.corpus.document import Document
from precedent.corpus.papers import parse_document
if sys.argv[1] == "pack":
    pack = "".join(path.read_text(encoding="utf-8") for path in sorted(BUNDLED_CORPUS.glob("*.txt")))
    text = (pack * (50 * 2**20 // len(pack) + 1))[: 50 * 2**20]
else:
    text = "Minutes of the meeting of Planning Committee held on 4 February 2015\\n\\n" + "".join(
        f"{i % 999 + 1}. Application {i} for a new dwelling\\n\\nRESOLVED that it be approved.\\n\\n"
        for i in range(80_000)
    )
started = time.perf_counter()
parsed = parse_document(Document("paper.txt", "paper.txt", text, ""))
chunks = chunk_document(parsed)
seconds = time.perf_counter() - started
assert all(text[c.start : c.end] == c.text for c in chunks)
print(len(text), len(parsed.papers), sum(len(p.items) for p in parsed.papers), len(chunks), round(seconds, 1))
"""


@pytest.mark.parametrize(
    ("kind", "papers", "items", "chunks"),
    [
        ("pack", 3357, 3488, 80_000),  # the five bundled papers again and again: 50 MB
        ("register", 1, 999, 78_000),  # one minutes paper of 80,000 numbered lines: 5.9 MB
    ],
)
def test_huge_papers_parse_and_chunk_in_linear_time(kind, papers, items, chunks):
    """Spans were trimmed by copying all the text before them, and every numbered line started its own walk of
    the rest: 10 MB of pack took 53 s to parse and 20 MB over 14 minutes; 40,000 numbered lines took 48 s."""
    child = run(LINEAR, kind, timeout=150)

    assert child.returncode == 0, child.stderr
    size, found_papers, found_items, found_chunks, seconds = map(float, child.stdout.split())
    print(f"{kind}: {size / 2**20:.1f} MB, {found_papers:.0f} papers, {found_items:.0f} items, ", end="")
    print(f"{found_chunks:.0f} passages, parsed and chunked in {seconds}s")
    assert (found_papers, found_items) == (papers, items) and found_chunks > chunks


@CHECKS
@given(
    question=st.one_of(st.sampled_from(["dog control order", "what was recommended?"]), st.text(max_size=40)),
    text=any_text,
)
def test_highlights_are_ordered_separate_spans_of_the_passage(question, text):
    with time_limit(EXAMPLE_SECONDS):
        spans = best_sentences(question, text)
    assert len(spans) <= 3
    assert all(0 <= start < end <= len(text) for start, end in spans)
    assert all(end <= following for (_, end), (following, _) in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("run_of", [".", "!", ";"])
def test_a_long_run_of_stops_is_passed_over_quickly(run_of):
    with time_limit(EXAMPLE_SECONDS):  # a hang guard: 50,000 "!" took 18 s with the first lead-in pattern
        assert best_sentences("dots", run_of * 50_000 + "\n" + run_of * 50_000) == ()


# --- builds of any mix of readable documents --------------------------------------------------------------

short_text = st.one_of(st.sampled_from(["Agenda", "Noted.", "Item 1", "", " \n"]), st.text(max_size=15))
paper_text = st.one_of(short_text, council_text, st.sampled_from(FRAGMENTS).map(lambda f: (f + " ") * 30))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(paper_text, min_size=1, max_size=6))
def test_any_mix_of_readable_documents_builds_or_says_there_is_no_text(texts, fake_encoder):
    from precedent.corpus.readers import read_corpus
    from precedent.index.build import build_index
    from precedent.index.index import Index

    from precedent.errors import CorpusError

    with tempfile.TemporaryDirectory() as folder:
        papers = Path(folder) / "papers"
        papers.mkdir()
        for number, text in enumerate(texts):
            (papers / f"{number}.txt").write_text(text, encoding="utf-8", errors="replace")
        readable = {doc.doc_id for doc in read_corpus([papers]).documents}
        try:
            report = build_index(
                [papers], Path(folder) / "ix", encoder=fake_encoder, model="test:hashing", progress=False
            )
        except CorpusError as error:
            event("refused: no text")
            assert ("too short for a passage; add papers with text" in str(error)) == bool(readable), str(error)
            return
        event("built")
        index = Index.load(Path(folder) / "ix")
        assert set(index.documents) == readable
        with_passages = {chunk.doc_id for chunk in index.chunks}
        assert with_passages and set(report.empty) == readable - with_passages
        for chunk in index.chunks:
            assert index.documents[chunk.doc_id]["text"][chunk.start : chunk.end] == chunk.text
