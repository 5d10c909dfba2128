"""The same text printed twice (minutes reprinted in the next pack, a web page and a pack) shown once."""

from __future__ import annotations

import re
from dataclasses import replace

from precedent.index.hit import Hit

NOISE = re.compile(r"<[^>]+>|[*_#|\\`>\[\]]|\s+")


def _key(text: str) -> str:
    return " ".join(NOISE.sub(" ", text).lower().split())


def merge_duplicates(hits: list[Hit]) -> list[Hit]:
    """Keep the best-ranked copy of each passage; the others become its `also_in` citations."""
    kept: list[Hit] = []
    keys: list[str] = []
    for hit in hits:
        key = _key(hit.text)
        twin = next(
            (
                i
                for i, other in enumerate(keys)
                if key and (key == other or (len(key) > 80 and (key in other or other in key)))
            ),
            None,
        )
        if twin is None:
            kept.append(hit)
            keys.append(key)
        else:
            kept[twin] = replace(kept[twin], also_in=(*kept[twin].also_in, hit.citation()))
    return kept
