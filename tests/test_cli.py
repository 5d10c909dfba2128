"""The `precedent` command: JSON output, one-line errors with exit code 1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.test_search import DOG_QUERY


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "precedent.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def test_search_json(real_index_dir):
    result = run("search", DOG_QUERY, "--json", "--k", "3", "--index", str(real_index_dir))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["query"] == DOG_QUERY
    assert [r["rank"] for r in data["results"]] == [1, 2, 3]
    first = data["results"][0]
    assert first["doc"] == "000_598379763418fa6f.txt" and first["item"] == 43
    assert first["meeting_date"] == "2015-02-04" and first["paper_type"] == "minutes"
    assert "RESOLVED" in first["text"] and "Minute 43" in first["citation"]


def test_search_text_shows_the_wording_without_markup_and_json_keeps_the_stored_text(real_index_dir):
    shown = run("search", DOG_QUERY, "--k", "1", "--index", str(real_index_dir))
    assert shown.returncode == 0, shown.stderr
    assert "   RESOLVED that the Committee concur with the decisions of Cabinet" in shown.stdout
    assert "**" not in shown.stdout
    stored = json.loads(run("search", DOG_QUERY, "--k", "1", "--json", "--index", str(real_index_dir)).stdout)
    assert stored["results"][0]["text"].startswith("**RESOLVED that the Committee concur")


def test_search_uses_precedent_index_env(real_index_dir):
    result = run("search", "allotments", "--k", "1", env={"PRECEDENT_INDEX": str(real_index_dir)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Answer (") and "\n1. [" in result.stdout


def test_missing_index_is_one_line_naming_the_fix(tmp_path):
    result = run("search", "anything", "--index", str(tmp_path / "none"))
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"precedent: error: no index at {tmp_path / 'none'}; build it with "
        f"`precedent index --index {tmp_path / 'none'}`"
    )
    assert "Traceback" not in result.stderr


def test_bad_date_is_one_line(real_index_dir):
    result = run("search", "dogs", "--from", "4/2/2015", "--index", str(real_index_dir))
    assert result.returncode == 1
    assert "--from must be a date written YYYY-MM-DD" in result.stderr


def test_index_status_lists_failures(tmp_path, small_corpus):
    (small_corpus / "broken.pdf").write_bytes(b"not a pdf at all")
    index_dir = tmp_path / "ix"
    result = run("index", str(small_corpus), "--index", str(index_dir))
    assert result.returncode == 0, result.stderr
    assert "could not read" in result.stdout and "broken.pdf" in result.stdout
    status = run("index", "--status", "--index", str(index_dir))
    assert "3 documents" in status.stdout and "broken.pdf" in status.stdout


def test_eval_compare_reports_every_config_its_differences_and_files(real_index_dir, tmp_path):
    report = tmp_path / "report"
    result = run(
        "eval", "--compare", "--index", str(real_index_dir), "--limit", "12", "--report", str(report),
        "--output", str(tmp_path / "RUN.json"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("12 questions, index ")
    for name in ("bm25", "dense", "hybrid-plain", "hybrid-no-dates", "hybrid"):
        assert f"| {name} | " in out
    # Each configuration against the default, with an interval and a p-value per metric.
    assert "| config - hybrid | success@1 | mrr@10 | ndcg@10 |" in out
    dense_row = next(
        line for line in out.splitlines() if line.startswith("| dense | -") or line.startswith("| dense | +")
    )
    assert dense_row.count(" p ") == 3 and dense_row.count("[") == 3
    assert "per question type (hybrid)" in out
    assert {p.name for p in report.iterdir()} >= {"table.md", "metrics.png", "run-hybrid.json", "run-bm25.json"}
    run_file = json.loads((tmp_path / "RUN.json").read_text(encoding="utf-8"))
    assert run_file["config"]["name"] == "hybrid" and len(run_file["queries"]) == 12
    first = run_file["queries"][0]
    assert first["id"] == "dev-001" and isinstance(first["answer_highlighted"], bool)
    assert set(run_file["metrics"]) >= {"mrr@10", "highlight@10", "p50_ms"}


def test_eval_beir_compare_builds_an_index_and_sets_configs_against_the_default(tmp_path):
    from tests.test_eval_beir import _write_beir

    root = _write_beir(tmp_path / "tiny")
    result = run("eval", "--beir", str(root), "--compare", "--index", str(tmp_path / "index"))
    assert result.returncode == 0, result.stderr
    assert "BEIR tiny: 3 documents, 2 queries" in result.stdout
    rows: dict[str, str] = {}  # the first table's row of each configuration
    for line in result.stdout.splitlines():
        if line.startswith("| "):
            rows.setdefault(line.split(" | ")[0].strip("| "), line)
    assert {"bm25", "dense", "hybrid-plain", "hybrid-no-dates", "hybrid"} <= set(rows)
    assert "| config - hybrid | nDCG@10 |" in result.stdout
    # BM25 ranks every document sharing a word with the query, however low its score on three documents (the
    # "no good match" cut is for users, not benchmarks): q1 finds d1 but not "3" (no shared word), q2 finds d2.
    assert rows["bm25"].split(" | ")[1:4] == ["0.807", "0.750", "1.000"]  # nDCG@10, R@100, RR@10


def test_eval_beir_writes_trec_runs_and_scores_other_systems_runs_beside_its_own(tmp_path):
    from tests.test_eval_beir import _write_beir

    root = _write_beir(tmp_path / "tiny")
    index, ours, report = tmp_path / "index", tmp_path / "ours.trec", tmp_path / "report"
    first = run("eval", "--beir", str(root), "--index", str(index), "--output", str(ours), "--report", str(report))
    assert first.returncode == 0, first.stderr
    hybrid = next(line for line in first.stdout.splitlines() if line.startswith("| hybrid |"))
    lines = [line.split(" ") for line in ours.read_text(encoding="utf-8").splitlines()]
    assert {line[0] for line in lines} == {"q1", "q2"} and {line[5] for line in lines} == {"precedent-hybrid"}
    assert (report / "run-hybrid.trec").read_text(encoding="utf-8") == ours.read_text(encoding="utf-8")

    perfect = tmp_path / "perfect.trec"  # every judged document first, for both queries
    perfect.write_text("q1 Q0 d1 1 2.0 oracle\nq1 Q0 3 2 1.0 oracle\nq2 Q0 d2 1 1.0 oracle\n", encoding="utf-8")
    second = run("eval", "--beir", str(root), "--index", str(index), "--run", str(ours), "--run", str(perfect))
    assert second.returncode == 0, second.stderr
    rows: dict[str, list[str]] = {}  # the first table's nDCG@10, R@100, RR@10 of each run
    for line in second.stdout.splitlines():
        if line.startswith("| "):
            rows.setdefault(line.split(" | ")[0].strip("| "), line.split(" | ")[1:4])
    assert rows["ours.trec"] == hybrid.split(" | ")[1:4]  # our own ranking, read back from its file, scores the same
    assert rows["perfect.trec"] == ["1.000", "1.000", "1.000"]
    gap = 1 - float(rows["ours.trec"][0])
    assert "| config - hybrid | nDCG@10 |" in second.stdout and f"| perfect.trec | +{gap:.3f} [" in second.stdout

    unrelated = tmp_path / "unrelated.trec"
    unrelated.write_text("x1 Q0 d1 1 1.0 other\n", encoding="utf-8")
    third = run("eval", "--beir", str(root), "--index", str(index), "--run", str(unrelated))
    assert third.returncode == 1 and "unrelated.trec: none of its 1 queries has judgements" in third.stderr
    alone = run("eval", "--run", str(perfect))
    assert alone.returncode == 1 and "add --beir DIR" in alone.stderr
