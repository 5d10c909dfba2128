"""Keyword retrieval with bm25s over stemmed English tokens, stored as bm25s's plain files."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_stemmer(), return_ids=False, show_progress=False)


class KeywordIndex:
    """BM25 scores for every chunk, so filters and fusion see the whole ranking."""

    def __init__(self, retriever, size: int):
        self.retriever = retriever
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, path: Path) -> None:
        self.retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, size: int) -> KeywordIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=False), size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk (zeros when no query word is in the vocabulary)."""
        tokens = [t for t in tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)
