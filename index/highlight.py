"""Marking the sentences of a passage that best answer the question, as character offsets."""

from __future__ import annotations

import re

from index.bm25 import terms

SENTENCE = re.compile(r"[^\n.!?;]+(?:[.!?;]+|$)", re.MULTILINE)
MIN_SENTENCE = 12


def best_sentences(query: str, text: str, *, limit: int = 1) -> tuple[tuple[int, int], ...]:
    """Offsets of the `limit` sentences sharing most stemmed query words with the query (none if none do)."""
    wanted = terms(query)
    if not wanted:
        return ()
    spans = []
    for match in SENTENCE.finditer(text):
        sentence = match.group(0)
        stripped = sentence.strip()
        if len(stripped) < MIN_SENTENCE:
            continue
        overlap = len(wanted & terms(sentence))
        if overlap:
            start = match.start() + sentence.index(stripped[0])
            spans.append((overlap, -start, (start, start + len(stripped))))
    spans.sort(reverse=True)
    return tuple(sorted(span for _, _, span in spans[:limit]))
