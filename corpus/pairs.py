"""Training pairs mined from papers' own structure: a heading and the text it heads.

An item's title and its RESOLVED block, a title and its item's text, a section heading and its section: pairs
an embedding model can be adapted on with in-batch negatives, with no questions written by hand.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from precedent.corpus.chunking import Chunk, ChunkerSettings, chunk_document, dense_texts
from precedent.corpus.markup import clean_line, flat, letters
from precedent.corpus.minutes import REPLY
from precedent.corpus.structure import ParsedDocument

from precedent.errors import CorpusError

MIN_ANCHOR_LETTERS = 12
MIN_POSITIVE_LETTERS = 60
PER_ANCHOR = 4
"""Positives kept per heading: a long item gives many windows, and one heading should not fill a batch."""
GENERIC_DOCUMENTS = 3
"""A heading found in more documents than this ("Apologies", "Minutes of the previous meeting") heads
different text every time, so it teaches nothing about any one text."""
NUMBERING = re.compile(r"^\s*(?:\(?[\dA-Za-z]{1,3}(?:\.\d{1,2})*[.)]|\d{1,2}(?:\.\d{1,2})+)\s+")
"""A heading's own number ("5. ", "1.6 ", "(b) "): no question asks for it."""
LEADING = re.compile(r"^[\s.;,:)\]-]+")
"""What a window keeps of the separator it was cut at (". The reasons ...")."""
SUBMITTED = re.compile(r"(?i)\bsubmitted by\b")
"""\"Question submitted by Councillor X\" names who asked, not what about; the question itself is the anchor."""
ASKER = re.compile(r"(?is)^.{0,160}?\bsubmitted by\b.{0,80}?(?=[“\"‘]|\b[I|l!1] will )")
"""The heading before a question when the title line was not the first: "Question submitted by Councillor X"."""
OCR_I = re.compile(r"^[|l!1] will\b")
"""A scanned "I will ask" read as "| will ask" or "l will ask"."""
SCAN_NOTE = re.compile(r"\*?<small>Scanned page[^<]*</small>\*?|^[ \t]*-{3,}[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""The note and rule the scanned Limerick minutes carry at each page break."""
MAX_QUESTION_CHARS = 500
QUESTION = re.compile(r"(?i)^(?:how|what|when|where|which|who|why|is|are|does|do|can|will|should)\b|\?$")


@dataclass(frozen=True)
class Pair:
    """One (anchor, positive) training pair and the structure it came from."""

    anchor: str
    positive: str
    kind: str
    """"resolved" (item title -> RESOLVED text), "item" (item title -> item text), "section" (heading -> section
    text), "question" (a heading worded as a question -> its section) or "reply" (a councillor's question or
    motion -> its written reply)."""
    doc_id: str


def _heading(text: str) -> str:
    return NUMBERING.sub("", clean_line(text))


def _kind(chunk: Chunk) -> tuple[str, str] | None:
    """The heading a passage's text answers to, and the kind of pair it makes; None if it has none."""
    if chunk.item is not None and chunk.item_title:
        if SUBMITTED.search(chunk.item_title):
            return None
        return _heading(chunk.item_title), "resolved" if chunk.kind == "resolved" else "item"
    if chunk.kind in ("section", "recommendation") and chunk.section:
        title = _heading(chunk.section)
        return title, "question" if QUESTION.search(title) else "section"
    return None


def _replies(parsed: ParsedDocument) -> list[tuple[int, int, str]]:
    """Items holding a question or motion and its written reply: (reply start, item end, the question)."""
    text = parsed.document.text
    found = []
    for paper in parsed.papers:
        for item in paper.items:
            marker = REPLY.search(text, item.start, item.end)
            if marker is None:
                continue
            title_end = text.find("\n", item.start, marker.start())
            question = flat(SCAN_NOTE.sub(" ", text[title_end if title_end >= 0 else item.start : marker.start()]))
            question = OCR_I.sub("I will", ASKER.sub("", question)).strip(" \"“”'-")
            if len(letters(question)) >= MIN_ANCHOR_LETTERS:
                found.append((marker.end(), item.end, question[:MAX_QUESTION_CHARS]))
    return found


def _windows(chunk: Chunk, start: int, window: int) -> list[str]:
    """The chunk's text from `start` on, cut as the index cuts it for embedding, without the header."""
    piece = replace(chunk, text=chunk.text[max(0, start - chunk.start) :], header="")
    texts, _ = dense_texts([piece], window) if piece.text.strip() else ([], [])
    return [LEADING.sub("", SCAN_NOTE.sub("", t)).strip() for t in texts]


def document_pairs(parsed: ParsedDocument, settings: ChunkerSettings = ChunkerSettings()) -> list[Pair]:
    """Every non-trivial (heading, text) pair of one document, its texts cut as the index embeds them."""
    pairs = []
    replies = _replies(parsed)
    for chunk in chunk_document(parsed, settings):
        if chunk.private:
            continue
        reply = next((r for r in replies if chunk.end > r[0] and chunk.start < r[1]), None)
        if reply is not None:
            anchor, kind, texts = reply[2], "reply", _windows(chunk, reply[0], settings.dense_window)
        elif any(chunk.start < r[1] and chunk.end > r[0] - MAX_QUESTION_CHARS * 4 for r in replies):
            continue  # the question's own text: it is the anchor, not a positive
        else:
            found = _kind(chunk)
            if found is None:
                continue
            anchor, kind = found
            texts = _windows(chunk, chunk.start, settings.dense_window)
        if len(letters(anchor)) < MIN_ANCHOR_LETTERS:
            continue
        for positive in texts:
            if len(letters(positive)) < MIN_POSITIVE_LETTERS:
                continue
            if letters(anchor) in letters(positive):  # the positive restates its heading: nothing to learn
                continue
            pairs.append(Pair(anchor, positive, kind, chunk.doc_id))
    return pairs


def mine_pairs(documents: Iterable[ParsedDocument], *, max_pairs: int | None = None, seed: int = 0) -> list[Pair]:
    """Pairs from every document, deduplicated, generic headings dropped, at most `PER_ANCHOR` per heading.

    Args:
        documents: parsed documents, as `precedent index` parses them.
        max_pairs: keep a seeded random sample of this many (None keeps all).
    """
    by_anchor: dict[str, list[Pair]] = {}
    seen: set[tuple[str, str]] = set()
    for parsed in documents:
        for pair in document_pairs(parsed):
            key = (letters(pair.anchor), letters(pair.positive))
            if key not in seen:
                seen.add(key)
                by_anchor.setdefault(key[0], []).append(pair)
    rng = random.Random(seed)
    pairs: list[Pair] = []
    for group in by_anchor.values():
        if len({p.doc_id for p in group}) > GENERIC_DOCUMENTS:
            continue
        resolved = [p for p in group if p.kind == "resolved"]
        rest = [p for p in group if p.kind != "resolved"]
        rng.shuffle(rest)
        pairs += (resolved + rest)[:PER_ANCHOR]
    rng.shuffle(pairs)
    return pairs[:max_pairs] if max_pairs is not None else pairs


def corpus_pairs(paths: Sequence[str | Path], *, max_pairs: int | None = None, seed: int = 0) -> list[Pair]:
    """Read and parse `paths` as `precedent index` does and mine their pairs."""
    from precedent.corpus.papers import parse_document
    from precedent.corpus.readers import read_corpus

    read = read_corpus(paths)
    if not read.documents:
        raise CorpusError(f"nothing readable in {', '.join(map(str, paths))}; pass the papers `precedent index` takes")
    return mine_pairs((parse_document(doc) for doc in read.documents), max_pairs=max_pairs, seed=seed)
