"""Corpus-wide BM25 statistics, so each shard of a sharded index scores exactly as one index would.

bm25s bakes idf and length normalisation into the score matrix it stores. A shard's matrix is therefore
built with the document frequencies and average length of the whole corpus (summed over every shard),
not its own; its stored scores are then the ones a single index of all the passages would hold.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from precedent.index.bm25 import K1, B, KeywordIndex, tokenize


def lucene_idf(df: int, n: int) -> float:
    """BM25's (Lucene) inverse document frequency, as `KeywordIndex.idf` computes it."""
    return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))


@dataclass
class CorpusTerms:
    """Document frequency of every term, passage count and total length over all shards."""

    df: dict[str, int] = field(default_factory=dict)
    passages: int = 0
    length: int = 0

    @classmethod
    def count(cls, tokens: Iterable[Sequence[str]]) -> CorpusTerms:
        """One shard's statistics from its passages' tokens (`bm25.tokenize`)."""
        df: Counter[str] = Counter()
        passages = length = 0
        for doc in tokens:
            df.update(set(doc))
            passages += 1
            length += len(doc)
        return cls(dict(df), passages, length)

    @classmethod
    def total(cls, parts: Iterable[CorpusTerms]) -> CorpusTerms:
        df: Counter[str] = Counter()
        passages = length = 0
        for part in parts:
            df.update(part.df)
            passages += part.passages
            length += part.length
        return cls(dict(df), passages, length)

    @property
    def average_length(self) -> np.float64:
        """As bm25s computes it: a NumPy float64 (a Python float would leave its float32 arithmetic in float32),
        and the mean of integer lengths is exact below 2**53 tokens."""
        return np.float64(self.length) / self.passages if self.passages else np.float64(0.0)

    def coverage(self, query: str) -> float:
        """The share of the query's terms that occur anywhere in the corpus, as `KeywordIndex.coverage`."""
        tokens = tokenize([query])[0]
        return sum(t in self.df for t in tokens) / len(tokens) if tokens else 1.0

    def idf(self, wanted: Iterable[str]) -> dict[str, float]:
        """Corpus-wide idf of each stemmed term, as `KeywordIndex.idf` gives it for a single index."""
        return {t: lucene_idf(self.df[t], self.passages) for t in wanted if self.df.get(t)}

    def save(self, path: Path) -> None:
        data = {"passages": self.passages, "length": self.length, "df": self.df}
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> CorpusTerms:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["df"], data["passages"], data["length"])


def build_keywords(texts: Sequence[str], corpus: CorpusTerms) -> KeywordIndex:
    """A `KeywordIndex` over `texts` whose stored scores use `corpus`'s statistics instead of their own."""
    retriever = _corpus_bm25(corpus)
    retriever.index(tokenize(texts), show_progress=False)
    return KeywordIndex(retriever, len(texts))


def _corpus_bm25(corpus: CorpusTerms):
    """A bm25s.BM25 (Lucene, `K1`, `B`) whose idf and average length come from `corpus`."""
    import bm25s
    import scipy.sparse as sp
    from bm25s.scoring import _build_idf_array, _build_scores_and_indices_for_matrix, _select_idf_scorer

    class CorpusBM25(bm25s.BM25):
        def build_index_from_tokens(self, corpus_tokens, show_progress=True, leave_progress=False):
            self.nonoccurrence_array = None  # Lucene BM25 scores nothing for absent terms
            vocab = {term: i for i, term in enumerate(sorted(bm25s.get_unique_tokens(corpus_tokens, False)))}
            ids = [[vocab[t] for t in doc] for doc in corpus_tokens]
            local = Counter(i for doc in ids for i in set(doc))
            idf = _build_idf_array(
                doc_frequencies={i: corpus.df.get(term, 0) for term, i in vocab.items()},
                n_docs=corpus.passages,
                compute_idf_fn=_select_idf_scorer(self.idf_method),
                dtype=self.dtype,
            )
            data, rows, cols = _build_scores_and_indices_for_matrix(
                corpus_token_ids=ids,
                idf_array=idf,
                avg_doc_len=corpus.average_length,
                doc_frequencies=local,
                k1=self.k1,
                b=self.b,
                delta=self.delta,
                nonoccurrence_array=None,
                method=self.method,
                dtype=self.dtype,
                int_dtype=self.int_dtype,
                show_progress=False,
            )
            matrix = sp.csc_matrix((data, (rows, cols)), shape=(len(ids), len(vocab)), dtype=self.dtype)
            scores = {"data": matrix.data, "indices": matrix.indices, "indptr": matrix.indptr, "num_docs": len(ids)}
            return scores, vocab

    return CorpusBM25(k1=K1, b=B)
