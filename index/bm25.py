"""Keyword retrieval with bm25s over stemmed English tokens, stored as bm25s's plain files."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import numpy as np


@cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


TOKEN = r"(?u)\b\w+\b"
"""Words of one character count too (bm25s's default drops them): "the police 5 E's", "Plan B", "Type 2"."""
WORD = re.compile(TOKEN)


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


YEAR_RANGE = re.compile(r"\b((?:19|20)(\d{2}))\s*[-/–]\s*(\d{2})\b")
"""A year range with a short end ("2015-17", "2022/23") is the same words as its long form ("2015 – 2017")."""


def _years(text: str) -> str:
    return YEAR_RANGE.sub(lambda m: f"{m[1]} {m[1][:2]}{m[3]}", text)


def terms(text: str) -> set[str]:
    """The stemmed, stopword-free terms of one text, as `tokenize` makes them, without bm25s's per-call cost."""
    stop = _stopwords()
    return set(_stemmer().stemWords([w for w in WORD.findall(_years(text).lower()) if w not in stop]))


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    import bm25s

    return bm25s.tokenize(
        [_years(text) for text in texts],
        stopwords="en",
        stemmer=_stemmer(),
        token_pattern=TOKEN,
        return_ids=False,
        show_progress=False,
    )


K1 = 1.5
B = 0.5
"""Less length normalisation than the usual 0.75: every chunk carries the same context header, and long
passages of minutes are not padded (docs/design.md)."""


class KeywordIndex:
    """BM25 scores for every chunk, so filters and fusion see the whole ranking."""

    def __init__(self, retriever, size: int):
        self.retriever = retriever
        self.size = size
        self._document_frequency: np.ndarray | None = None

    @classmethod
    def build(cls, texts: Sequence[str]) -> KeywordIndex:
        import bm25s

        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, path: Path) -> None:
        self.retriever.save(str(path), show_progress=False)

    @classmethod
    def load(cls, path: Path, size: int) -> KeywordIndex:
        import bm25s

        return cls(bm25s.BM25.load(str(path), mmap=False), size)

    def coverage(self, query: str) -> float:
        """The share of the query's terms that occur anywhere in the corpus (1.0 for an empty query)."""
        tokens = tokenize([query])[0]
        return sum(t in self.retriever.vocab_dict for t in tokens) / len(tokens) if tokens else 1.0

    def idf(self, wanted: Iterable[str]) -> dict[str, float]:
        """BM25's (Lucene) inverse document frequency of each stemmed term (as `terms` makes them) in the corpus."""
        if self._document_frequency is None:
            # bm25s keeps one column of scores per vocabulary term: a term's document frequency is its length
            columns = self.retriever.scores["indptr"]
            self._document_frequency = np.diff(columns, append=len(self.retriever.scores["data"]))
        vocab, n = self.retriever.vocab_dict, self.size
        return {
            term: float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
            for term in wanted
            if term in vocab and (df := int(self._document_frequency[vocab[term]]))
        }

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk (zeros when no query word is in the vocabulary)."""
        tokens = [t for t in tokenize([query])[0] if t in self.retriever.vocab_dict]
        if not tokens or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.retriever.get_scores(tokens), dtype=np.float32)
