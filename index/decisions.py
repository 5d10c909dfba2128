"""The decisions view: RESOLVED blocks about a topic as a timeline, latest meeting first."""

from __future__ import annotations

from dataclasses import replace

from index.filters import Filters
from index.hit import Hit
from index.index import Index
from index.search import renumber, search


def decisions(index: Index, topic: str, *, k: int = 10, filters: Filters = Filters()) -> list[Hit]:
    """The `k` resolutions most about `topic`, ordered by meeting date, newest first."""
    hits = search(index, topic, k=k, filters=replace(filters, kinds=("resolved",)))
    hits.sort(key=lambda h: (h.chunk.meeting_date, -h.rank), reverse=True)
    return renumber(hits)


def all_decisions(index: Index) -> list[dict]:
    """Every resolution in the index with its item, title and meeting date, newest first."""
    rows = [
        {"meeting_date": c.meeting_date, "item": c.item, "item_title": c.item_title, "doc": c.doc_id, "text": c.text}
        for c in index.chunks
        if c.kind == "resolved"
    ]
    return sorted(rows, key=lambda r: (r["meeting_date"], r["item"] or 0), reverse=True)
