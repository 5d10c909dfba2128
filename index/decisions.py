"""The decisions view: RESOLVED blocks about a topic as a timeline, latest meeting first."""

from __future__ import annotations

from dataclasses import replace

from corpus.chunking import Chunk
from index.filters import Filters
from index.hit import Hit
from index.index import Index
from index.search import renumber, search


def decisions(index: Index, topic: str, *, k: int = 10, filters: Filters = Filters()) -> list[Hit]:
    """The `k` resolutions most about `topic`, each whole RESOLVED block once, newest meeting first."""
    hits = search(index, topic, k=k, filters=replace(filters, kinds=("resolved",)))
    whole: dict[tuple[str, int], Hit] = {}
    for hit in hits:
        block = _whole_block(index, hit.chunk)
        key = (block.doc_id, block.start)
        if key not in whole:
            whole[key] = replace(hit, chunk=block, highlights=())
    ordered = sorted(whole.values(), key=lambda h: (h.chunk.meeting_date, -h.rank), reverse=True)
    return renumber(ordered)


def _whole_block(index: Index, chunk: Chunk) -> Chunk:
    """The full RESOLVED block a passage belongs to (numbered resolutions are indexed one by one)."""
    record = index.documents.get(chunk.doc_id)
    for paper in record["papers"] if record else ():
        for item in paper["items"]:
            for start, end in item["resolved"]:
                if start <= chunk.start < end:
                    return replace(chunk, start=start, end=end, text=record["text"][start:end])
    return chunk
