"""The dev-set answer rule, per-query metrics against hand calculations, and the reports built on them."""

from __future__ import annotations

import json
import math
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from precedent.eval.metrics import (
    METRICS,
    RESAMPLES,
    Judgement,
    aggregate,
    aggregate_by_type,
    best_ndcg,
    failures,
    judge,
    judge_question,
    latency_summary,
    paired_difference,
)
from precedent.eval.report import failure_view, markdown_table, per_type_table, write_chart
from precedent.eval.scoring import (
    Evidence,
    Question,
    QuestionFileError,
    answers,
    load_questions,
    longest_shared_run,
    normalise,
    shares_run,
)

ROOT = Path(__file__).resolve().parents[1]
DEV_SET = ROOT / "eval" / "coventry_dev.jsonl"
EXTRA_SET = ROOT / "eval" / "coventry_extra.jsonl"
EXTRA2_SET = ROOT / "eval" / "coventry_extra2.jsonl"
HOLDOUT_SET = ROOT / "eval" / "coventry_holdout.jsonl"
FRESH_SET = ROOT / "eval" / "coventry_fresh.jsonl"
SEEDS = ROOT / "corpus" / "coventry"

# Exactly 100 characters of already-normalised text (checked in the tests that rely on it).
QUOTE_100 = "the committee asked the chair to write to the city's three mps about benefit sanctions and delay now"
QUOTE_A = "in 2014 over 1300 tribunals were supported by the centre and the success rate continued to exceed 80%."
QUOTE_B = "compass, the local young person's treatment service, receives 250 referrals a year."
FILLER = "Agenda item 9: apologies for absence were received from members of the board."


def test_normalise_drops_markup_tags_entities_and_white_space():
    assert normalise("**Minute 43**  Dog\ncontrol &amp; <sup>th</sup> | `x` > [a]_b_ #h \\(c\\)") == (
        "minute 43 dog control & th x ab h (c)"
    )
    assert normalise("31<sup>st</sup> January") == "31st january"
    assert normalise("A &#65; &nbsp; b") == "a a b"
    assert normalise("  ") == ""


def test_quote_100_is_normalised_and_100_characters():
    assert normalise(QUOTE_100) == QUOTE_100
    assert len(QUOTE_100) == 100
    assert "0" not in QUOTE_100


def test_partial_overlap_needs_half_the_quote():
    # The quote is 100 characters, so at least 50 must be shared. "0" is not in the quote, so the runs
    # below are exactly as long as the slice of the quote they contain.
    assert not answers("0000" + QUOTE_100[:49] + "0000", QUOTE_100)  # 49% shared
    assert answers("0000" + QUOTE_100[:51] + "0000", QUOTE_100)  # 51% shared
    assert answers("0000" + QUOTE_100[:50] + "0000", QUOTE_100)  # exactly half is enough
    # 101 characters: half is 50.5, so 50 is not enough and 51 is.
    quote_101 = QUOTE_100 + "s"
    assert not answers("0000" + quote_101[:50] + "0000", quote_101)
    assert answers("0000" + quote_101[:51] + "0000", quote_101)


def test_short_quotes_need_twenty_shared_characters():
    # 17 characters: even a verbatim match shares fewer than 20, so it can never be answered.
    assert len(normalise("Fry Housing Trust")) == 17
    assert not answers("Fry Housing Trust – perpetrator service", "Fry Housing Trust")
    # 40 characters: 20 shared is both half and the minimum; 19 is neither.
    quote = "fry housing trust – perpetrator service."
    assert len(quote) == 40
    assert answers("0" + quote[:20] + "0", quote)
    assert not answers("0" + quote[:19] + "0", quote)


def test_markup_in_quotes_and_passages_is_ignored():
    plain = "The group was created and first convened on 18th March 2013. Members were appointed."
    assert answers(plain, "The group was created and first convened on 18<sup>th</sup> March 2013.")
    table = "Religion and belief NI There is nothing proposed in the Plan that would affect this group."
    assert answers(table, "| Religion and belief | NI | There is nothing proposed in the Plan")
    assert answers("Minute 43 Dog Control Orders call-in was considered.", "**Minute 43** **Dog Control Orders**")
    # Markup in the passage rather than the quote.
    assert answers("| **Opiates Only** | 91,560 | 47 | &amp; more", "Opiates Only 91,560 47 & more")


def test_only_the_first_2000_characters_of_a_passage_count():
    # Raw characters are cut before normalising: 1,950 filler characters leave 50 of the quote (half).
    assert answers("0" * 1950 + QUOTE_100, QUOTE_100)
    assert not answers("0" * 1951 + QUOTE_100, QUOTE_100)  # 49 left inside the window
    assert not answers("0" * 2000 + QUOTE_100, QUOTE_100)
    assert longest_shared_run("0" * 1951 + QUOTE_100, QUOTE_100) == 49


@settings(max_examples=300, deadline=None)
@given(
    quote=st.text(alphabet="ab c", min_size=1, max_size=60),
    before=st.text(alphabet="abd ", max_size=40),
    after=st.text(alphabet="abd ", max_size=40),
    cut=st.tuples(st.integers(0, 60), st.integers(0, 60)),
    length=st.integers(1, 70),
)
def test_shares_run_agrees_with_difflib_longest_match(quote, before, after, cut, length):
    passage = before + quote[min(cut) : max(cut)] + after
    longest = SequenceMatcher(None, passage, quote, autojunk=False).find_longest_match().size
    assert shares_run(passage, quote, length) == (longest >= length)


def test_shares_run_finds_every_slice_of_a_quote_at_every_length():
    # Distinct characters, so the longest shared run is exactly the slice: checks every anchor offset.
    quote = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL"
    for start in range(len(quote)):
        for end in range(start + 1, len(quote) + 1):
            passage = "0" + quote[start:end] + "1"
            for length in range(1, len(quote) + 2):
                assert shares_run(passage, quote, length) == (end - start >= length), (start, end, length)


ALL_TYPES = {"decision", "fact", "who_when", "semantic", "number", "table", "keyword"}


@pytest.mark.parametrize(
    ("path", "count", "types"),
    [
        (DEV_SET, 45, ALL_TYPES),
        (EXTRA_SET, 60, ALL_TYPES),
        (EXTRA2_SET, 40, {"decision", "table", "fact"}),
        (HOLDOUT_SET, 60, ALL_TYPES),
        (FRESH_SET, 50, ALL_TYPES),
    ],
)
def test_question_sets_load_and_every_quote_is_answered_by_its_own_source(path, count, types):
    questions = load_questions(path)
    assert len(questions) == count
    assert {q.type for q in questions} == types
    assert questions[0].evidence[0].doc == "000_598379763418fa6f.txt"
    for question in questions:
        for evidence in question.evidence:
            source = " ".join((SEEDS / evidence.doc).read_text(encoding="utf-8").split())
            quote = " ".join(evidence.quote.split())
            at = source.index(quote)  # quotes are verbatim after collapsing white space
            passage = source[max(0, at - 300) : at + len(quote) + 300]
            assert answers(passage, evidence.quote), (question.id, evidence.quote)
            assert not answers(FILLER, evidence.quote)


@pytest.mark.parametrize(("name", "count"), [("limerick_dev", 40), ("limerick_holdout", 60), ("limerick_fresh", 60)])
def test_limerick_questions_load_and_each_quote_answers_itself_and_not_filler(name, count):
    # Their corpus (975 minutes, 18 MB) stays out of the repository; `precedent eval --corpus PATH` takes it.
    questions = load_questions(ROOT / "eval" / f"{name}.jsonl")
    assert len(questions) == count and {q.type for q in questions} == ALL_TYPES - {"table"}
    assert len({e.doc for q in questions for e in q.evidence}) >= 30  # spread over many meetings
    for question in questions:
        for evidence in question.evidence:
            assert answers(evidence.quote, evidence.quote) and not answers(FILLER, evidence.quote), question.id


def test_the_fresh_limerick_set_shares_no_document_with_the_others():
    docs = {
        name: {e.doc for q in load_questions(ROOT / "eval" / f"{name}.jsonl") for e in q.evidence}
        for name in ("limerick_dev", "limerick_holdout", "limerick_fresh")
    }
    assert not docs["limerick_fresh"] & (docs["limerick_dev"] | docs["limerick_holdout"])


GOOD = {"id": "x", "query": "q", "type": "fact", "answer": "a", "evidence": [{"doc": "d", "quote": QUOTE_A}]}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"id": "x", "query": "q"', "not valid JSON"),
        ('["not", "an", "object"]', "expected a JSON object"),
        (json.dumps(GOOD | {"answer": ""}), "field 'answer'"),
        (json.dumps(GOOD | {"evidence": []}), '"evidence"'),
        (json.dumps(GOOD | {"evidence": [{"doc": "d"}]}), "evidence[0]"),
        (json.dumps(GOOD | {"evidence": [{"doc": "d", "quote": "**Fry Housing**"}]}), "shorter than 20"),
    ],
)
def test_malformed_question_lines_are_named_by_file_and_line(tmp_path, line, message):
    good = DEV_SET.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "dev.jsonl"
    path.write_text(good + "\n\n" + line + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError) as error:
        load_questions(path)
    assert f"{path}:3:" in str(error.value)
    assert message in str(error.value)


def test_duplicate_ids_and_missing_files_are_reported(tmp_path):
    good = DEV_SET.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "dev.jsonl"
    path.write_text(good + "\n" + good + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match=r"dev\.jsonl:2: duplicate question id 'dev-001'"):
        load_questions(path)
    with pytest.raises(QuestionFileError, match=r"missing\.jsonl: cannot read"):
        load_questions(tmp_path / "missing.jsonl")


def _close(actual: dict[str, float], expected: dict[str, float]) -> None:
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=1e-6), key


def test_duplicate_evidence_counts_once():
    # Rank 1 answers nothing, ranks 2 and 3 both answer A, rank 4 answers B.
    passages = [FILLER, f"Welfare: {QUOTE_A}", f"Again, {QUOTE_A}", f"Youth: {QUOTE_B}", FILLER]
    j = judge(passages, [QUOTE_A, Evidence("000.txt", QUOTE_B)])
    assert j.first_ranks == (2, 4)
    assert j.first_rank == 2
    # DCG: gains at ranks 2 and 4 only (rank 3 repeats A) = 1/log2(3) + 1/log2(5) = 0.630930 + 0.430677
    #      = 1.061606; counting rank 3 too would add 1/log2(4) = 0.5.
    # IDCG with 2 evidence items = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930.
    # nDCG@10 = 1.061606 / 1.630930 = 0.650921.
    _close(
        j.scores(),
        {
            "success@1": 0.0,
            "success@5": 1.0,
            "success@10": 1.0,
            "mrr@10": 0.5,  # first answering rank is 2
            "recall@10": 1.0,  # both items within 10
            "ndcg@10": 0.650921,
        },
    )


def test_one_passage_answering_two_items_earns_one_gain():
    j = judge([f"{QUOTE_A} Also, {QUOTE_B}"], [QUOTE_A, QUOTE_B])
    assert j.first_ranks == (1, 1)
    # DCG = 1/log2(2) = 1; IDCG = 1 + 1/log2(3) = 1.630930; nDCG = 1 / 1.630930 = 0.613147.
    _close(j.scores(), {"success@1": 1.0, "mrr@10": 1.0, "recall@10": 1.0, "ndcg@10": 0.613147})


def test_partial_recall_and_answers_beyond_ten():
    # Three items, only the second answered, at rank 3.
    j = judge([FILLER, FILLER, QUOTE_B], [QUOTE_A, QUOTE_B, QUOTE_100])
    assert j.first_ranks == (None, 3, None)
    # Recall = 1/3; MRR = 1/3; DCG = 1/log2(4) = 0.5;
    # IDCG = 1 + 1/log2(3) + 1/log2(4) = 1 + 0.630930 + 0.5 = 2.130930; nDCG = 0.5 / 2.130930 = 0.234639.
    _close(
        j.scores(),
        {"success@1": 0.0, "success@5": 1.0, "mrr@10": 1 / 3, "recall@10": 1 / 3, "ndcg@10": 0.234639},
    )
    late = judge([FILLER] * 10 + [QUOTE_A], [QUOTE_A])
    assert late.first_ranks == (11,)
    assert late.scores() == dict.fromkeys(METRICS, 0.0)
    assert judge([], [QUOTE_A]).scores() == dict.fromkeys(METRICS, 0.0)


def test_highlight_counts_when_the_first_answer_marks_its_evidence():
    passage = f"{FILLER} {QUOTE_A}"
    on_quote = ((len(FILLER) + 1, len(passage)),)
    on_filler = ((0, len(FILLER)),)
    assert judge([passage], [QUOTE_A], highlights=[on_quote]).scores()["highlight@10"] == 1.0
    assert judge([passage], [QUOTE_A], highlights=[on_filler]).scores()["highlight@10"] == 0.0
    # Only the first answering passage counts: a later one marking the quote does not.
    later = judge([passage, QUOTE_A], [QUOTE_A], highlights=[on_filler, ((0, len(QUOTE_A)),)])
    assert later.scores()["highlight@10"] == 0.0
    # Half of a long quote marked holds it; so does a marked sentence wider than the quote.
    half = ((len(FILLER) + 1, len(FILLER) + 1 + len(QUOTE_A) // 2 + 1),)
    assert judge([passage], [QUOTE_A], highlights=[half]).highlighted
    assert judge([passage], [QUOTE_A], highlights=[((0, len(passage)),)]).highlighted
    assert not judge([passage], [QUOTE_A]).highlighted  # no highlights given


def test_best_ndcg_matches_items_to_distinct_passages():
    # Two items found only in passage 7: one gain of the two possible. IDCG = 1 + 1/log2(3) = 1.630930.
    _close({"x": best_ndcg([[7], [7]])}, {"x": 1 / 1.630930})
    # The second item is also in passage 8: rank 8 first (answers B), then 7 (answers A): two gains.
    assert best_ndcg([[7], [7, 8]]) == 1.0
    # Kuhn's algorithm moves an earlier choice: A in {1, 2}, B in {1}, C in {2, 3} -> three gains.
    assert best_ndcg([[1, 2], [1], [2, 3]]) == 1.0
    assert best_ndcg([[], [4]]) == pytest.approx(1 / 1.630930) and best_ndcg([]) == 0.0


def test_paired_difference_says_how_sure_a_difference_is():
    same = paired_difference([1.0, 0.5, 0.0] * 10, [1.0, 0.5, 0.0] * 10)
    assert (same.mean, same.low, same.high, same.p) == (0.0, 0.0, 0.0, 1.0)
    # Every one of 30 questions better by 0.5: a random sign flip matches that only if all 30 agree.
    better = paired_difference([0.0] * 30, [0.5] * 30)
    assert better.mean == better.low == better.high == 0.5 and better.p == 1 / (1 + RESAMPLES)
    # Two questions of 45 moving the same way: a coin flip, whatever the bootstrap interval says.
    two = paired_difference([0.0] * 45, [1.0, 1.0] + [0.0] * 43)
    assert two.mean == pytest.approx(2 / 45) and two.low >= 0.0 and 0.45 < two.p < 0.55
    # Mixed: one up by 1, one down by 1: no difference.
    assert paired_difference([0.0, 1.0] * 10, [1.0, 0.0] * 10).p == 1.0
    assert paired_difference([0.2, 0.9], [0.4, 0.1], seed=3) == paired_difference([0.2, 0.9], [0.4, 0.1], seed=3)
    with pytest.raises(ValueError, match="same non-zero number"):
        paired_difference([1.0], [1.0, 2.0])


def test_aggregate_means_overall_and_per_type():
    a = judge_question(_question("q1", "fact", QUOTE_A), [QUOTE_A])  # every metric 1
    b = judge_question(_question("q2", "fact", QUOTE_B), [FILLER, QUOTE_B])  # rank 2
    c = judge_question(_question("q3", "table", QUOTE_100), [FILLER])  # every metric 0
    assert (a.question_id, a.type, b.first_rank) == ("q1", "fact", 2)
    # success@1: (1 + 0 + 0) / 3; success@5: (1 + 1 + 0) / 3; MRR: (1 + 1/2 + 0) / 3 = 0.5;
    # nDCG for b: (1/log2 3) / 1 = 0.630930, so the mean is (1 + 0.630930 + 0) / 3 = 0.543643.
    _close(
        aggregate([a, b, c]),
        {"success@1": 1 / 3, "success@5": 2 / 3, "mrr@10": 0.5, "ndcg@10": 0.543643, "n": 3},
    )
    by_type = aggregate_by_type([c, a, b])
    assert list(by_type) == ["fact", "table"]
    _close(by_type["fact"], {"success@1": 0.5, "mrr@10": 0.75, "ndcg@10": 0.815465, "n": 2})
    _close(by_type["table"], {"success@10": 0.0, "n": 1})
    assert [j.question_id for j in failures([a, b, c])] == ["q2", "q3"]
    assert [j.question_id for j in failures([a, b, c], k=10)] == ["q3"]


def test_latency_summary_interpolates_like_numpy():
    # p50 of 10..50 is 30; p95 sits at position 0.95 * 4 = 3.8, so 40 + 0.8 * (50 - 40) = 48.
    assert latency_summary([50, 10, 40, 20, 30]) == {"p50_ms": 30.0, "p95_ms": 48.0}


def _question(qid: str, qtype: str, quote: str) -> Question:
    return Question(qid, "query", qtype, "answer", (Evidence("doc.txt", quote),))


ROWS = [
    {"config": "bm25", "ndcg@10": 0.5, "mrr@10": 2 / 3, "p50_ms": 12.34567, "p95_ms": 40.0},
    {"config": "hybrid", "ndcg@10": 0.650921, "mrr@10": 0.75, "p50_ms": 48.2, "p95_ms": None},
]


def test_markdown_table_has_one_row_per_configuration_at_three_decimals():
    table = markdown_table(ROWS, ["config", "ndcg@10", "mrr@10", "p50_ms", "p95_ms"])
    assert table.splitlines() == [
        "| config | ndcg@10 | mrr@10 | p50_ms | p95_ms |",
        "|---|---|---|---|---|",
        "| bm25 | 0.500 | 0.667 | 12.346 | 40.000 |",
        "| hybrid | 0.651 | 0.750 | 48.200 | - |",
    ]


def test_per_type_table_lists_counts_and_means():
    a = judge_question(_question("q1", "fact", QUOTE_A), [QUOTE_A])
    b = judge_question(_question("q2", "table", QUOTE_B), [FILLER, QUOTE_B])
    table = per_type_table(aggregate_by_type([a, b]), ["success@1", "mrr@10"])
    assert table.splitlines() == [
        "| type | n | success@1 | mrr@10 |",
        "|---|---|---|---|",
        "| fact | 1 | 1.000 | 1.000 |",
        "| table | 1 | 0.000 | 0.500 |",
    ]


def test_write_chart_writes_a_png(tmp_path):
    path = write_chart(ROWS, ["ndcg@10", "mrr@10"], tmp_path / "out" / "chart.png", title="dev set")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 5_000
    assert data[12:16] == b"IHDR"


def test_failure_view_shows_failing_questions_with_rank_quote_and_top_passage():
    long_passage = "| Opiates Only | 91,560 | " + "word " * 200
    answered = judge_question(_question("dev-001", "number", QUOTE_A), [QUOTE_A])
    late = judge_question(_question("dev-002", "decision", QUOTE_B), [long_passage, QUOTE_B])
    missed = judge_question(_question("dev-003", "table", QUOTE_100), [FILLER])
    view = failure_view([answered, late, missed])
    lines = view.splitlines()
    assert lines[0] == "| id | type | first answering rank | gold quote | top passage |"
    assert len(lines) == 4  # header, rule, dev-002, dev-003
    assert lines[2].startswith(f"| dev-002 | decision | 2 | {QUOTE_B} | \\| Opiates Only \\| 91,560 \\| word")
    assert lines[3] == f"| dev-003 | table | - | {QUOTE_100} | {FILLER} |"
    top_cell = lines[2].split(" | ")[-1].rstrip(" |")
    assert top_cell.endswith("…")
    assert len(top_cell.replace("\\|", "|")) == 300
    assert failure_view([answered]).startswith("No failures")
    assert isinstance(missed, Judgement) and math.isclose(missed.ndcg(), 0.0)
