"""BEIR-format benchmarks (corpus.jsonl, queries.jsonl, qrels/<split>.tsv) scored with ir-measures."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from precedent.errors import PrecedentError

MEASURES = ("nDCG@10", "R@100", "RR@10")

Qrels = Mapping[str, Mapping[str, int]]
Run = Mapping[str, Mapping[str, float]]


class BeirDataError(PrecedentError):
    """A BEIR directory that cannot be read; the message names the file."""


@dataclass(frozen=True)
class BeirDoc:
    id: str
    title: str
    text: str


@dataclass(frozen=True)
class BeirDataset:
    """A BEIR split: only the queries that have qrels are kept."""

    corpus: dict[str, BeirDoc]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(directory: str | Path, split: str = "test") -> BeirDataset:
    """Load `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv` from a BEIR dataset directory.

    Raises:
        BeirDataError: a file is missing or malformed (the message names it).
    """
    directory = Path(directory)
    qrels = _read_qrels(directory / "qrels" / f"{split}.tsv")
    corpus = {
        doc_id: BeirDoc(doc_id, str(r.get("title") or ""), str(r.get("text") or ""))
        for doc_id, r in _read_jsonl(directory / "corpus.jsonl")
    }
    queries = {qid: str(r.get("text") or "") for qid, r in _read_jsonl(directory / "queries.jsonl") if qid in qrels}
    missing = sorted(set(qrels) - set(queries))
    if missing:
        raise BeirDataError(
            f"{directory / 'queries.jsonl'}: {len(missing)} queries in qrels/{split}.tsv have no text "
            f"(first: {missing[0]!r})"
        )
    return BeirDataset(corpus=corpus, queries=queries, qrels=qrels)


BEIR_LAYOUT = "a BEIR directory holds corpus.jsonl, queries.jsonl and qrels/<split>.tsv"


def _require(path: Path, hint: str = BEIR_LAYOUT) -> None:
    if not path.is_file():
        raise BeirDataError(f"{path}: file not found; {hint}")


def _read_jsonl(path: Path) -> Iterable[tuple[str, dict]]:
    _require(path)
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                record_id = str(record["_id"])
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise BeirDataError(f'{path}:{number}: expected a JSON object with an "_id" ({e})') from e
            yield record_id, record


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    _require(path)
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for number, row in enumerate(csv.reader(f, delimiter="\t"), start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            try:
                qid, doc_id, score = row
                qrels.setdefault(qid, {})[doc_id] = int(score)
            except ValueError as e:
                raise BeirDataError(f"{path}:{number}: expected query-id<TAB>corpus-id<TAB>score") from e
    if not qrels:
        raise BeirDataError(f"{path}: no judgements found")
    return qrels


def passages_to_documents(ranked: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Score each document by its best passage (max aggregation), highest first."""
    best: dict[str, float] = {}
    for doc_id, score in ranked:
        if doc_id not in best or score > best[doc_id]:
            best[doc_id] = score
    return dict(sorted(best.items(), key=lambda item: -item[1]))


def write_trec_run(path: Path, run: Run, tag: str) -> None:
    """Write `run` as a TREC run file (`query Q0 doc rank score tag`, best first), the format trec_eval,
    ir-measures and ranx read, so other tools can score or fuse Precedent's rankings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for qid, docs in run.items():
            ranked = sorted(docs.items(), key=lambda item: -item[1])
            f.writelines(f"{qid} Q0 {doc} {rank} {score:.6f} {tag}\n" for rank, (doc, score) in enumerate(ranked, 1))


def read_trec_run(path: Path) -> dict[str, dict[str, float]]:
    """Read a TREC run file (`query Q0 doc rank score tag`, white-space separated) as query -> doc -> score.

    Raises:
        BeirDataError: the file is missing, a line does not have six columns or a numeric score, or a
            document is listed twice for one query (the message names the file and line).
    """
    _require(path, "pass the path of a TREC run file written by another system")
    run: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            columns = line.split()
            try:
                qid, _, doc, _, score, _ = columns
                value = float(score)
            except ValueError:
                raise BeirDataError(
                    f"{path}:{number}: expected six columns, query Q0 doc rank score tag, with a numeric score; "
                    f"got {line.strip()[:80]!r}"
                ) from None
            if doc in run.setdefault(qid, {}):
                raise BeirDataError(f"{path}:{number}: document {doc!r} is listed twice for query {qid!r}")
            run[qid][doc] = value
    if not run:
        raise BeirDataError(f"{path}: no ranked documents found; a TREC run has lines 'query Q0 doc rank score tag'")
    return run


def evaluate_run(qrels: Qrels, run: Run, measures: Iterable[str] = MEASURES) -> dict[str, float]:
    """Mean nDCG@10, R@100 and RR@10 of a run with ir-measures (trec_eval semantics via pytrec_eval).

    Queries in the qrels that are missing from the run score 0; run queries without qrels are ignored.
    """
    import ir_measures

    parsed = [ir_measures.parse_measure(m) for m in measures]
    result = ir_measures.calc_aggregate(parsed, *_typed(qrels, run))
    return {str(m): float(result[m]) for m in parsed}


def per_query(qrels: Qrels, run: Run, measure: str = "nDCG@10") -> dict[str, float]:
    """One measure for every query in the qrels (0 for a query missing from the run), for paired comparisons."""
    import ir_measures

    scores = dict.fromkeys(qrels, 0.0)
    found = ir_measures.iter_calc([ir_measures.parse_measure(measure)], *_typed(qrels, run))
    scores.update({m.query_id: float(m.value) for m in found})
    return scores


def _typed(qrels: Qrels, run: Run) -> tuple[dict, dict]:
    """Relevance as int and scores as float, as pytrec_eval requires."""
    return (
        {q: {d: int(r) for d, r in docs.items()} for q, docs in qrels.items()},
        {q: {d: float(s) for d, s in docs.items()} for q, docs in run.items()},
    )
