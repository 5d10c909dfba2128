"""BEIR loading, passage-to-document aggregation and ir-measures scoring against hand calculations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from precedent.eval.beir import (
    BeirDataError,
    BeirDataset,
    BeirDoc,
    evaluate_run,
    load_beir,
    passages_to_documents,
    per_query,
    read_trec_run,
    write_trec_run,
)


def _write_beir(root: Path) -> Path:
    (root / "qrels").mkdir(parents=True)
    corpus = [
        {"_id": "d1", "title": "Tribunals", "text": "Over 1300 tribunals were supported."},
        {"_id": "d2", "title": "", "text": "Compass receives 250 referrals a year."},
        {"_id": 3, "text": "An id given as a number, no title."},
    ]
    queries = [
        {"_id": "q1", "text": "tribunals supported"},
        {"_id": "q2", "text": "young people referrals"},
        {"_id": "q3", "text": "a query with no judgements"},
    ]
    (root / "corpus.jsonl").write_text("\n".join(json.dumps(r) for r in corpus) + "\n", encoding="utf-8")
    (root / "queries.jsonl").write_text("\n".join(json.dumps(r) for r in queries) + "\n", encoding="utf-8")
    (root / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\t3\t1\nq2\td2\t1\n", encoding="utf-8"
    )
    return root


def test_load_beir_keeps_only_queries_with_qrels(tmp_path):
    data = load_beir(_write_beir(tmp_path / "tiny"))
    assert data == BeirDataset(
        corpus={
            "d1": BeirDoc("d1", "Tribunals", "Over 1300 tribunals were supported."),
            "d2": BeirDoc("d2", "", "Compass receives 250 referrals a year."),
            "3": BeirDoc("3", "", "An id given as a number, no title."),
        },
        queries={"q1": "tribunals supported", "q2": "young people referrals"},
        qrels={"q1": {"d1": 1, "3": 1}, "q2": {"d2": 1}},
    )


@pytest.mark.parametrize("missing", ["corpus.jsonl", "queries.jsonl", "qrels/test.tsv"])
def test_load_beir_names_the_missing_file(tmp_path, missing):
    root = _write_beir(tmp_path / "tiny")
    (root / missing).unlink()
    with pytest.raises(BeirDataError, match="file not found") as error:
        load_beir(root)
    assert str(root / missing) in str(error.value)


def test_load_beir_names_the_malformed_line(tmp_path):
    root = _write_beir(tmp_path / "tiny")
    with (root / "corpus.jsonl").open("a", encoding="utf-8") as f:
        f.write('{"title": "no id"}\n')
    with pytest.raises(BeirDataError, match=r"corpus\.jsonl:4: expected a JSON object with an \"_id\""):
        load_beir(root)
    (root / "qrels" / "dev.tsv").write_text("q1\td1\n", encoding="utf-8")
    with pytest.raises(BeirDataError, match=r"dev\.tsv:1: expected query-id"):
        load_beir(root, split="dev")


def test_passages_to_documents_keeps_each_documents_best_passage():
    ranked = [("d2", 0.9), ("d1", 0.8), ("d2", 0.95), ("d3", 0.1), ("d1", 0.2)]
    assert passages_to_documents(ranked) == {"d2": 0.95, "d1": 0.8, "d3": 0.1}
    assert list(passages_to_documents(ranked)) == ["d2", "d1", "d3"]
    assert passages_to_documents([]) == {}


def test_evaluate_run_matches_hand_calculation():
    qrels = {"q1": {"d1": 1, "d2": 1, "d9": 0}, "q2": {"d5": 1}}
    run = {
        # q1 ranking: d3 (not relevant), d1 (relevant), d9 (judged not relevant), d2 (relevant).
        "q1": {"d3": 0.9, "d1": 0.8, "d9": 0.7, "d2": 0.6},
        # q2 is missing from the run and scores 0; q7 has no qrels and is ignored.
        "q7": {"d1": 1.0},
    }
    # q1: DCG@10 = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677 = 1.061606
    #     IDCG@10 = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930; nDCG@10 = 0.650921
    #     RR@10 = 1/2 (first relevant at rank 2); R@100 = 2/2 = 1.
    # Means over q1 and q2 (0 everywhere): nDCG@10 = 0.325461, RR@10 = 0.25, R@100 = 0.5.
    result = evaluate_run(qrels, run)
    assert list(result) == ["nDCG@10", "R@100", "RR@10"]
    assert result["nDCG@10"] == pytest.approx(0.325461, abs=1e-6)
    assert result["RR@10"] == pytest.approx(0.25)
    assert result["R@100"] == pytest.approx(0.5)
    only_q1 = evaluate_run({"q1": qrels["q1"]}, run, measures=["nDCG@10", "P@2"])
    assert only_q1 == pytest.approx({"nDCG@10": 0.650921, "P@2": 0.5}, abs=1e-6)


def test_per_query_scores_every_judged_query_and_averages_to_the_run_score():
    qrels = {"q1": {"d1": 1, "d2": 1, "d9": 0}, "q2": {"d5": 1}}
    run = {"q1": {"d3": 0.9, "d1": 0.8, "d9": 0.7, "d2": 0.6}, "q7": {"d1": 1.0}}
    scores = per_query(qrels, run)
    assert scores == pytest.approx({"q1": 0.650921, "q2": 0.0}, abs=1e-6)  # as hand-calculated above
    assert sum(scores.values()) / len(scores) == pytest.approx(evaluate_run(qrels, run)["nDCG@10"])


def test_evaluate_run_cuts_ndcg_at_ten():
    # The only relevant document at rank 11 earns nothing at 10 but counts for R@100.
    run = {"q1": {f"x{i}": 100.0 - i for i in range(10)} | {"d1": 1.0}}
    result = evaluate_run({"q1": {"d1": 1}}, run)
    assert result == {"nDCG@10": 0.0, "R@100": 1.0, "RR@10": 0.0}


def test_trec_run_round_trips_best_first_and_scores_the_same(tmp_path):
    run = {"q1": {"3": 0.25, "d1": 0.9, "d2": 0.5}, "q2": {"d2": 1.0}}
    path = tmp_path / "runs" / "ours.trec"
    write_trec_run(path, run, tag="precedent-hybrid")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "q1 Q0 d1 1 0.900000 precedent-hybrid",
        "q1 Q0 d2 2 0.500000 precedent-hybrid",
        "q1 Q0 3 3 0.250000 precedent-hybrid",
        "q2 Q0 d2 1 1.000000 precedent-hybrid",
    ]
    assert read_trec_run(path) == run
    qrels = {"q1": {"d1": 1, "3": 1}, "q2": {"d2": 1}}
    assert evaluate_run(qrels, read_trec_run(path)) == evaluate_run(qrels, run)


def test_read_trec_run_names_the_file_and_line(tmp_path):
    path = tmp_path / "other.trec"
    with pytest.raises(BeirDataError, match="file not found; pass the path of a TREC run file"):
        read_trec_run(path)
    path.write_text("q1 Q0 d1 1 2.5 bm25\n\nq1 Q0 d2 2 high bm25\n", encoding="utf-8")
    with pytest.raises(BeirDataError, match=r"other\.trec:3: expected six columns.*'q1 Q0 d2 2 high bm25'"):
        read_trec_run(path)
    path.write_text("q1\tQ0\td1\t1\t2.5\tbm25\nq1 Q0 d1 2 1.5 bm25\n", encoding="utf-8")
    with pytest.raises(BeirDataError, match=r"other\.trec:2: document 'd1' is listed twice for query 'q1'"):
        read_trec_run(path)
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(BeirDataError, match="no ranked documents found"):
        read_trec_run(path)
