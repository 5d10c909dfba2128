"""Chunks are verbatim, stay inside their item or section, and carry what a citation needs."""

from __future__ import annotations

import pytest

from corpus import BUNDLED_CORPUS
from corpus.chunking import ChunkerSettings, chunk_document
from corpus.document import Document
from corpus.papers import parse_document


def load(name: str):
    path = BUNDLED_CORPUS / name
    return parse_document(Document(name, str(path), path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt")))
def test_chunks_are_verbatim_and_never_cross_items(name):
    parsed = load(name)
    text = parsed.document.text
    chunks = chunk_document(parsed)
    assert chunks
    items = [(i.start, i.end) for p in parsed.papers if p.paper_type != "agenda" for i in p.items]
    papers = [(p.start, p.end) for p in parsed.papers]
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= ChunkerSettings().chunk_size
        assert any(s <= chunk.start and chunk.end <= e for s, e in papers)
        if chunk.item is not None:
            assert any(s <= chunk.start and chunk.end <= e for s, e in items)
        assert "intentionally left blank" not in chunk.text.lower()


def test_resolution_is_its_own_passage_with_item_and_date():
    chunks = chunk_document(load("000_598379763418fa6f.txt"))
    resolved = [c for c in chunks if c.kind == "resolved" and c.item == 43]
    assert len(resolved) == 1
    chunk = resolved[0]
    assert chunk.text.startswith("**RESOLVED that the Committee concur with the decisions of Cabinet")
    assert chunk.meeting_date == "2015-02-04"
    assert chunk.paper_type == "minutes"
    assert chunk.item_title == "Call-In Stage 2 - Public Space Protection Order (Coventry Dog Control)"
    assert chunk.header == (
        "Minutes of the meeting of 4 February 2015 | Minute 43: Call-In Stage 2 - Public Space Protection "
        "Order (Coventry Dog Control) | Resolution"
    )
    assert chunk.indexed_text == chunk.header + "\n" + chunk.text


def test_attendance_is_findable():
    chunks = chunk_document(load("003_93324c32ccbf2837.txt"))
    attendance = [c for c in chunks if c.kind == "attendance"]
    assert attendance and all(c.meeting_date == "2023-04-19" for c in attendance)
    assert any("Apologies" in c.text for c in attendance)


def test_headers_can_be_switched_off():
    chunks = chunk_document(load("001_e0088b1ccd8f89d9.txt"), ChunkerSettings(headers=False))
    assert all(c.header == "" and c.indexed_text == c.text for c in chunks)
