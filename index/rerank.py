"""Second-stage ranking features over the fused candidates, each switchable for `eval --compare`."""

from __future__ import annotations

import re

from corpus.chunking import Chunk

DECISION_WORDS = re.compile(
    r"\b(agree[sd]?|agreement|decid\w*|decision\w*|resolv\w*|resolution\w*|recommend\w*|outcome"
    r"|concur\w*|endors\w*|conclu\w*)\b",
    re.IGNORECASE,
)


def asks_for_decision(query: str) -> bool:
    """ "What did scrutiny agree/decide/resolve about X" asks for RESOLVED text, not the discussion."""
    return bool(DECISION_WORDS.search(query))


def boost_decisions(query: str, chunks: list[Chunk], fused: dict[int, float], factor: float) -> dict[int, float]:
    """Raise RESOLVED passages when the question asks what was decided."""
    if factor == 1.0 or not asks_for_decision(query):
        return fused
    return {cid: score * factor if chunks[cid].kind == "resolved" else score for cid, score in fused.items()}
