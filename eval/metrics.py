"""Per-query judgements of a ranked list against the dev set's evidence, and their metrics.

A passage answers an evidence item by `eval.scoring.answers`; each evidence item counts once, at the
first rank that answers it. With `first_ranks` those ranks (None if never answered), for a cut-off k:

- Success@k: 1 if any evidence item is answered within the first k passages, else 0.
- MRR@k: 1 / (first rank answering any item) if that rank is <= k, else 0.
- Recall@k: fraction of evidence items answered within the first k.
- nDCG@k, binary gains over distinct evidence items: the gain at rank r is 1 when the passage at r
  answers at least one item not answered at an earlier rank (i.e. r is some item's first rank), else 0;
  DCG@k = sum of gain_r / log2(r + 1) over r = 1..k; IDCG@k = sum over i = 1..min(n_evidence, k) of
  1 / log2(i + 1); nDCG@k = DCG@k / IDCG@k. One passage answering two items therefore earns one gain:
  a question with two items both first answered at rank 1 scores 1 / (1 + 1/log2 3) = 0.613.
- Highlight@k: 1 if the first passage within k that answers an item also marks that item: its highlighted
  sentence and the item's quote share a run of at least half the shorter of the two (`eval.scoring.holds`).
  This is what an officer copying the marked wording gets; 0 when nothing within k answers.

Aggregates are plain means over questions, overall and per question `type`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from precedent.eval.scoring import PASSAGE_CHARS, Evidence, Question, answers, answers_normalised, holds, normalise

CUTOFFS = (1, 5, 10)
METRICS = (
    "success@1",
    "success@5",
    "success@10",
    "mrr@10",
    "recall@10",
    "ndcg@10",
    "highlight@10",
    "answer@1",
    "group@1",
)


@dataclass(frozen=True)
class Judgement:
    """How one ranked list fared against one question's evidence (ranks are 1-based)."""

    quotes: tuple[str, ...]
    first_ranks: tuple[int | None, ...]
    top_passage: str | None = None
    question_id: str = ""
    type: str = ""
    highlighted: bool = False
    """Whether the first answering passage's highlighted sentences hold an item it answers."""
    answered: bool = False
    """Whether the answer's text (`index.ask.Answer.text`) answers an evidence item."""
    grouped: bool = False
    """Whether the first card (one paper item) holds a passage answering an evidence item."""

    @property
    def first_rank(self) -> int | None:
        """Rank of the first passage answering any evidence item, or None."""
        return min((r for r in self.first_ranks if r is not None), default=None)

    def success(self, k: int) -> float:
        first = self.first_rank
        return 1.0 if first is not None and first <= k else 0.0

    def mrr(self, k: int = 10) -> float:
        first = self.first_rank
        return 1.0 / first if first is not None and first <= k else 0.0

    def recall(self, k: int = 10) -> float:
        if not self.first_ranks:
            return 0.0
        return sum(1 for r in self.first_ranks if r is not None and r <= k) / len(self.first_ranks)

    def ndcg(self, k: int = 10) -> float:
        gain_ranks = {r for r in self.first_ranks if r is not None and r <= k}
        dcg = sum(1.0 / math.log2(r + 1) for r in gain_ranks)
        idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(self.first_ranks), k) + 1))
        return dcg / idcg if idcg else 0.0

    def scores(self) -> dict[str, float]:
        """All of `METRICS` for this query."""
        return {
            **{f"success@{k}": self.success(k) for k in CUTOFFS},
            "mrr@10": self.mrr(10),
            "recall@10": self.recall(10),
            "ndcg@10": self.ndcg(10),
            "highlight@10": float(self.highlighted and self.success(10) == 1.0),
            "answer@1": float(self.answered),
            "group@1": float(self.grouped),
        }


def judge(
    passages: Sequence[str],
    evidence: Iterable[Evidence | str],
    *,
    question_id: str = "",
    type: str = "",
    highlights: Sequence[Sequence[tuple[int, int]]] | None = None,
    answer: str | None = None,
    first_group: Sequence[str] = (),
) -> Judgement:
    """Find, per evidence item, the first rank whose passage answers it.

    Args:
        passages: passage texts in rank order, rank 1 first.
        evidence: `Evidence` items or bare quotes.
        highlights: per passage, the (start, end) offsets search marked in it (`Hit.highlights`).
        question_id, type: carried into the judgement for per-type means and the failure view.
        answer: the answer's text, judged by the same rule (Answer@1).
        first_group: the texts shown in the first card (Group@1).
    """
    quotes = tuple(e.quote if isinstance(e, Evidence) else e for e in evidence)
    targets = [normalise(q) for q in quotes]
    first: list[int | None] = [None] * len(quotes)
    for rank, passage in enumerate(passages, start=1):
        if all(r is not None for r in first):
            break
        text = normalise(passage[:PASSAGE_CHARS])
        for i, target in enumerate(targets):
            if first[i] is None and answers_normalised(text, target):
                first[i] = rank
    answered = min((r for r in first if r is not None), default=None)
    highlighted = False
    if highlights and answered is not None:
        passage = passages[answered - 1]
        marked = [passage[start:end] for start, end in highlights[answered - 1]]
        answered_there = [q for q, r in zip(quotes, first, strict=True) if r == answered]
        highlighted = any(holds(m, q) for m in marked for q in answered_there)
    return Judgement(
        quotes=quotes,
        first_ranks=tuple(first),
        top_passage=passages[0] if passages else None,
        question_id=question_id,
        type=type,
        highlighted=highlighted,
        answered=bool(answer) and any(answers(answer, q) for q in quotes),
        grouped=any(answers(text, q) for text in first_group for q in quotes),
    )


def judge_question(
    question: Question,
    passages: Sequence[str],
    highlights: Sequence[Sequence[tuple[int, int]]] | None = None,
    answer: str | None = None,
    first_group: Sequence[str] = (),
) -> Judgement:
    """`judge` for a dev-set question, keeping its id and type."""
    return judge(
        passages,
        question.evidence,
        question_id=question.id,
        type=question.type,
        highlights=highlights,
        answer=answer,
        first_group=first_group,
    )


def best_ndcg(answering: Sequence[Iterable[int]], k: int = 10) -> float:
    """The highest nDCG@k any ranking can reach, given which passages answer each evidence item.

    Each gain needs a passage answering an item no earlier passage answered, so the most gains is a
    maximum matching of items to distinct passages holding them: items found only in one shared passage
    earn one gain between them.

    Args:
        answering: per evidence item, the ids of the passages that answer it.
    """
    owner: dict[int, int] = {}

    def place(item: int, seen: set[int]) -> bool:  # augmenting path (Kuhn's algorithm)
        for passage in candidates[item]:
            if passage not in seen:
                seen.add(passage)
                if passage not in owner or place(owner[passage], seen):
                    owner[passage] = item
                    return True
        return False

    candidates = [sorted(set(passages)) for passages in answering]
    gains = min(k, sum(place(item, set()) for item in range(len(candidates))))
    idcg = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(candidates), k) + 1))
    return sum(1.0 / math.log2(r + 1) for r in range(1, gains + 1)) / idcg if idcg else 0.0


@dataclass(frozen=True)
class Difference:
    """How much better one configuration did than another over the same questions, and how sure that is."""

    mean: float
    """Mean per-question difference (b - a)."""
    low: float
    high: float
    """95% paired bootstrap interval of the mean difference."""
    p: float
    """Two-sided p-value of a paired sign-flip randomisation test: how often flipping the sign of each
    question's difference at random gives a mean at least this far from zero."""


RESAMPLES = 10_000


def paired_difference(
    a: Sequence[float], b: Sequence[float], *, resamples: int = RESAMPLES, seed: int = 0
) -> Difference:
    """Compare per-question scores of two configurations on the same questions (e.g. each one's MRR@10).

    On 45-255 questions a difference of 0.01 MRR is often one question moving; this says whether it is
    more than that. Seeded, so a run reproduces.
    """
    import numpy as np

    if len(a) != len(b) or not len(a):
        raise ValueError(f"need the same non-zero number of scores on both sides; got {len(a)} and {len(b)}")
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = d[rng.integers(0, len(d), size=(resamples, len(d)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    flipped = np.abs((rng.choice([-1.0, 1.0], size=(resamples, len(d))) * d).mean(axis=1))
    extreme = int(np.sum(flipped >= abs(d.mean()) - 1e-12))
    return Difference(float(d.mean()), float(low), float(high), (1 + extreme) / (1 + resamples))


def aggregate(judgements: Iterable[Judgement], metrics: Sequence[str] = METRICS) -> dict[str, float]:
    """Mean of each metric over the judgements, plus `n` (the number of questions)."""
    rows = [j.scores() for j in judgements]
    if not rows:
        raise ValueError("no judgements to aggregate")
    out = {m: sum(r[m] for r in rows) / len(rows) for m in metrics}
    out["n"] = len(rows)
    return out


def aggregate_by_type(judgements: Iterable[Judgement], metrics: Sequence[str] = METRICS) -> dict[str, dict[str, float]]:
    """`aggregate` per question type, types in sorted order."""
    groups: dict[str, list[Judgement]] = {}
    for j in judgements:
        groups.setdefault(j.type, []).append(j)
    return {t: aggregate(groups[t], metrics) for t in sorted(groups)}


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """Median and 95th percentile (linear interpolation, as numpy's default) of per-query latencies."""
    if not latencies_ms:
        raise ValueError("no latencies to summarise")
    return {"p50_ms": _percentile(latencies_ms, 50), "p95_ms": _percentile(latencies_ms, 95)}


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def failures(judgements: Iterable[Judgement], k: int = 1) -> list[Judgement]:
    """Judgements with no evidence answered within the first k passages, in input order."""
    return [j for j in judgements if not j.success(k)]
