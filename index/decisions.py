"""The decisions register: every RESOLVED block of the archive, and the ones about a topic, newest first."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace

from precedent.index.filters import Filters
from precedent.index.hit import Citation
from precedent.index.index import Index
from precedent.index.search import MAX_K, search

from precedent.display import readable, shown_slice

RELATIVE_CUTOFF = 0.85
"""A decision is about the topic when its best passage scores at least this share of the best decision's
score (docs/design.md: precision and recall of the cut-off on the question sets' decision questions)."""
FIELDS = (
    "meeting_date",
    "committee",
    "item",
    "item_title",
    "text",
    "parts",
    "doc",
    "start",
    "end",
    "page",
    "refers_to",
)


@dataclass(frozen=True)
class Decision:
    """One RESOLVED block: where and when it was made, its text, its numbered parts in order."""

    citation: Citation
    start: int
    end: int
    text: str
    """The block's wording as a reader sees it; `start`/`end` point into the stored text."""
    parts: tuple[str, ...] = ()
    score: float | None = None
    refers_to: tuple[str, ...] = ()
    """Headings of the minutes or meetings the decision's item refers to."""

    def to_dict(self) -> dict:
        c = self.citation
        return {
            "meeting_date": c.meeting_date or None,
            "committee": c.committee,
            "item": c.item,
            "item_title": c.item_title,
            "heading": c.heading(),
            "text": self.text,
            "parts": list(self.parts),
            "doc": c.doc_id,
            "start": self.start,
            "end": self.end,
            "page": c.page,
            "score": None if self.score is None else round(self.score, 6),
            "refers_to": list(self.refers_to),
        }


def register(index: Index, filters: Filters = Filters()) -> list[Decision]:
    """Every RESOLVED block in the index that `filters` keep, newest meeting first."""
    allowed = filters.mask(index.chunks) if filters.active else None
    out = []
    for (doc_id, start, end), positions in _blocks(index).items():
        if allowed is not None and not any(allowed[p] for p in positions):
            continue
        out.append(_decision(index, doc_id, start, end, [index.chunks[p] for p in positions]))
    return _newest_first(out)


def decisions(
    index: Index, topic: str = "", *, filters: Filters = Filters(), cutoff: float = RELATIVE_CUTOFF
) -> list[Decision]:
    """The decisions about `topic` (all of them when it is empty), newest meeting first.

    A decision is kept when one of its passages scores at least `cutoff` times the best decision's score.
    """
    if not topic.strip():
        return register(index, filters)
    hits = search(index, topic, k=MAX_K, filters=replace(filters, kinds=("resolved",)))
    if not hits:
        return []
    best = hits[0].score
    scores: dict[tuple[str, int, int], float] = {}
    for hit in hits:
        if hit.score < cutoff * best:
            break
        key = _block_of(index, hit.chunk)
        scores[key] = max(scores.get(key, 0.0), hit.score)
    blocks = _blocks(index)
    found = []
    for (doc_id, start, end), score in scores.items():
        members = [index.chunks[p] for p in blocks[doc_id, start, end]]
        found.append(replace(_decision(index, doc_id, start, end, members), score=score))
    return _newest_first(found)


def _newest_first(found: list[Decision]) -> list[Decision]:
    return sorted(found, key=lambda d: (d.citation.meeting_date, d.citation.doc_id, -d.start), reverse=True)


def to_csv(found: list[Decision]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS, extrasaction="ignore")
    writer.writeheader()
    for decision in found:
        row = decision.to_dict()
        writer.writerow({**row, "parts": " | ".join(row["parts"]), "refers_to": " | ".join(row["refers_to"])})
    return out.getvalue()


def to_json(found: list[Decision]) -> str:
    return json.dumps({"decisions": [d.to_dict() for d in found]}, ensure_ascii=False, indent=1)


def block_span(record: dict, offset: int) -> tuple[int, int] | None:
    """The whole RESOLVED block holding `offset` in a stored document record, or None."""
    for paper in record["papers"]:
        for start, end in [block for item in paper["items"] for block in item["resolved"]] + paper.get("resolved", []):
            if start <= offset < end:
                return start, end
    return None


def item_decision(record: dict, offset: int) -> tuple[int, int] | None:
    """The decision of the minute item holding `offset`: its first RESOLVED block (or minuted motion) from
    `offset` on, else its last before; None when the item records none. A motion's debate comes before
    its outcome."""
    for paper in record["papers"]:
        for item in paper["items"]:
            if item["start"] <= offset < item["end"] and item["resolved"]:
                later = [tuple(block) for block in item["resolved"] if block[1] > offset]
                return later[0] if later else tuple(item["resolved"][-1])
    return None


def item_election(record: dict, offset: int) -> list[tuple[int, int]]:
    """The result of the election the minute item (or itemless paper) holding `offset` minutes: the nomination of
    the one declared elected, from its proposer's line, and the declaration ("... declared Councillor Scanlan
    elected as Cathaoirleach"), the first from `offset` on, else the item's first; [] when it declares none."""
    from precedent.corpus.markup import letters
    from precedent.corpus.minutes import DECLARED, NOMINATION

    text = record["text"]
    for paper in record["papers"]:
        if not paper["start"] <= offset < paper["end"]:
            continue
        start, end = next(
            ((i["start"], i["end"]) for i in paper["items"] if i["start"] <= offset < i["end"]),
            (paper["start"], paper["end"]),
        )
        declared = DECLARED.search(text, offset, end) or DECLARED.search(text, start, end)
        if declared is None:
            return []
        found = [_sentence(text, declared.start(), start, end)]
        name = re.sub(r"\([^)]*\)", "", declared[1] or declared[2]).split()
        elected = letters(name[-1]) if name else ""
        nominated = [
            m
            for m in NOMINATION.finditer(text, start, declared.start())
            if elected and letters(re.sub(r"\([^)]*\)", "", m[1])).endswith(elected)
        ]
        if nominated:
            nomination = nominated[-1]
            lines = list(PROPOSED.finditer(text, max(start, nomination.start() - PROPOSER_LINES), nomination.start()))
            first = lines[-1].start() if lines else nomination.start()
            found.insert(0, (first, _sentence(text, nomination.start(), start, end)[1]))
        return found
    return []


SENTENCE_STOP = re.compile(r"[.!?][”\"’*]*(?=\s|$)|[”\"]\**(?=\s*\n)")
"""Where a minuted sentence ends, line breaks aside (a scan breaks inside sentences): at a full stop, or at the
close of a quoted resolution at a line end."""


LEADING_COUNT = re.compile(r"[\s*]*(?:\(\d+\)[\s*]*)?")


def _sentence(text: str, at: int, start: int, end: int) -> tuple[int, int]:
    """The sentence holding offset `at`, within `start`..`end`, whatever the scan's line breaks."""
    before = [m.end() for m in SENTENCE_STOP.finditer(text, max(start, at - 400), at)]
    first = before[-1] if before else max(start, text.rfind("\n\n", start, at) + 2)
    first = min(at, LEADING_COUNT.match(text, first).end())  # not the vote count ending the list before it
    stop = SENTENCE_STOP.search(text, at, min(end, at + 800))
    return first, stop.end() if stop else min(end, at + 800)


PROPOSER_LINES = 200
"""How far above a nomination its "Proposed by ...; Seconded by ..." lines may start."""
PROPOSED = re.compile(r"(?i)\bproposed\b")


def _blocks(index: Index) -> dict[tuple[str, int, int], list[int]]:
    """Each RESOLVED block of the index with the positions of its passages in text order, found once per loaded
    index: a topic query then looks its blocks up instead of walking every passage of a large archive."""
    cached = vars(index).get("_resolved_blocks")
    if cached is not None and cached[0] is index.chunks:
        return cached[1]
    by_block: dict[tuple[str, int, int], list[int]] = {}
    for position, chunk in enumerate(index.chunks):
        if chunk.kind == "resolved":
            by_block.setdefault(_block_of(index, chunk), []).append(position)
    for positions in by_block.values():
        positions.sort(key=lambda p: index.chunks[p].start)
    vars(index)["_resolved_blocks"] = (index.chunks, by_block)
    return by_block


def _block_of(index: Index, chunk) -> tuple[str, int, int]:
    """The whole RESOLVED block a resolved passage belongs to (numbered parts are indexed one by one)."""
    record = index.documents.get(chunk.doc_id)
    span = block_span(record, chunk.start) if record else None
    return (chunk.doc_id, *(span or (chunk.start, chunk.end)))


def _decision(index: Index, doc_id: str, start: int, end: int, chunks: list) -> Decision:
    from precedent.index.ask import cross_references

    first = chunks[0]
    record = index.documents[doc_id]
    citation = replace(Citation.of(first), section="").spanning(record.get("page_starts"), start, end)
    refers_to = tuple(p.heading for p in cross_references(index, first)[0])
    text = shown_slice(record["text"], start, end, record.get("furniture", ())).strip()
    parts = tuple(readable(c.text, furniture=c.furniture)[0].strip() for c in chunks) if len(chunks) > 1 else ()
    return Decision(citation, start, end, text, parts, refers_to=refers_to)
