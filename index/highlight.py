"""Marking the sentences of a passage that best answer the question, as character offsets."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from index.bm25 import terms

SENTENCE = re.compile(r"[^\n.!?;]+(?:[.!?;]+|$)", re.MULTILINE)
MIN_SENTENCE = 12


HEADER_WEIGHT = 0.5
"""A question word the passage's header already has (its paper, item or section title) names the topic
every sentence of the passage shares, not the answer, so it counts half. Highlight@10 (`eval.metrics`) with
BM25 idf weights and this discount, against counting shared words: 97 against 89 of the 141 developed-on
questions answered in the top 10, 70 against 61 of the 107 held-out ones; marking ties too: 98 and 70."""


def best_sentences(
    query: str,
    text: str,
    *,
    limit: int = 3,
    weights: Mapping[str, float] | None = None,
    header: str = "",
) -> tuple[tuple[int, int], ...]:
    """Offsets, in text order, of the sentence sharing the most query-word weight and of any that tie with it
    (a list of substitutes, of equally matching table rows), at most `limit`; none if no sentence shares a word.

    Args:
        weights: how much each stemmed query word counts (BM25 idf, `KeywordIndex.idf`); 1 for words not in it.
        header: the passage's context header; its words count `HEADER_WEIGHT` as much.
    """
    wanted = terms(query)
    if not wanted:
        return ()
    weights = weights or {}
    topic = terms(header) if header else set()
    weight = {t: weights.get(t, 1.0) * (HEADER_WEIGHT if t in topic else 1.0) for t in wanted}
    spans = []
    for match in SENTENCE.finditer(text):
        sentence = match.group(0)
        stripped = sentence.strip()
        if len(stripped) < MIN_SENTENCE:
            continue
        shared = wanted & terms(sentence)
        if shared:
            start = match.start() + sentence.index(stripped[0])
            spans.append((sum(weight[t] for t in shared), -start, (start, start + len(stripped))))
    spans.sort(reverse=True)
    best = spans[0][0] if spans else 0.0
    return tuple(sorted(span for score, _, span in spans[:limit] if math.isclose(score, best)))
