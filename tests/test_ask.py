"""Answers and cards on the real index: the decision first, one card per minute, tables as tables."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date

from precedent.index.ask import _holds_figure, ask, question_kind
from precedent.index.decisions import decisions, register, to_csv, to_json
from precedent.index.filters import Filters
from precedent.index.search import DEFAULT_CONFIG

from precedent.display import to_html, to_text
from tests.conftest import DOG
from tests.test_cli import run
from tests.test_search import DOG_QUERY

LOOSE = replace(DEFAULT_CONFIG, min_dense=0.0)
"""A few tiny papers and a fake encoder: no "no good match" floor."""


def tiny_index(tmp_path, encoder, papers: dict[str, str]):
    """An index of a few small papers, built with the fake encoder."""
    from precedent.index.build import build_index
    from precedent.index.index import Index

    folder = tmp_path / "papers"
    folder.mkdir()
    for name, text in papers.items():
        (folder / name).write_text(text, encoding="utf-8")
    build_index([folder], tmp_path / "index", model=encoder.name, encoder=encoder, progress=False)
    return Index.load(tmp_path / "index")


DOG_HEADING = (
    "Scrutiny Co-ordination Committee, 4 February 2015, Minute 43: Call-In Stage 2 - Public Space Protection Order "
    "(Coventry Dog Control)"
)


def test_a_decision_question_is_answered_with_the_whole_resolution_and_its_minute(real_index):
    answered = ask(real_index, DOG_QUERY)

    answer = answered.answer
    assert answer.kind == "decision" and answer.confident
    assert answer.citation.heading().startswith(DOG_HEADING)
    assert answer.text.startswith("RESOLVED that the Committee concur with the decisions of Cabinet")
    stored = real_index.documents[DOG]["text"]
    assert stored[answer.start : answer.end].lstrip("*").startswith("RESOLVED that the Committee concur")
    assert answered.groups[0].citation.heading().startswith(DOG_HEADING)
    # what came before it: the Cabinet decision called in, named though the archive does not hold it
    assert [p.to_dict() for p in answer.refers_to] == [
        {"heading": "Cabinet, 6 January 2015", "doc": None, "start": None}
    ]
    assert answered.groups[0].refers_to == answer.refers_to


def test_one_card_per_minute_with_its_passages_in_document_order(real_index):
    answered = ask(real_index, "what was agreed about the climate change strategy?", k=10)

    keys = [
        (g.citation.doc_id, g.citation.paper_title, g.citation.meeting_date, g.citation.item) for g in answered.groups
    ]
    assert len(keys) == len(set(keys))  # no minute spread over two cards
    for group in answered.groups:
        starts = [h.chunk.start for h in group.hits]
        assert starts == sorted(starts)
        if group.resolution:
            start, end = group.resolution
            assert all(start <= s < end for s, _ in group.resolution_marks)
    assert sum(len(g.hits) for g in answered.groups) == len(answered.hits) == 10
    assert [g.rank for g in answered.groups] == sorted(g.rank for g in answered.groups)


def test_the_json_carries_the_answer_and_groups_and_keeps_the_result_fields(real_index):
    data = ask(real_index, DOG_QUERY, k=5).to_dict(real_index)

    assert set(data) == {"query", "answer", "groups", "results"}
    assert data["answer"]["heading"].startswith(DOG_HEADING) and data["answer"]["kind"] == "decision"
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4, 5]
    assert sorted(rank for g in data["groups"] for rank in g["passages"]) == [1, 2, 3, 4, 5]
    json.dumps(data)


def test_question_kinds():
    assert question_kind("what did scrutiny resolve about the dog control order?") == "decision"
    assert question_kind("how many people use drug and alcohol treatment services?") == "figure"
    assert question_kind("when did the committee last consider the drugs strategy?") == "date"
    assert question_kind("who chaired the meeting?") == "names"
    assert question_kind("At the June 2016 meeting, who proposed the motion?") == "names"
    assert question_kind("Do people who get out of jail keep going with their treatment?") == "passage"
    assert question_kind("Marmot City") == "passage"


def test_who_chaired_is_answered_with_the_line_naming_the_chair_not_the_meetings_title(real_index):
    # The title line shares the question's date; the answer names a person.
    answer = ask(real_index, "Who was in the chair at the 19 April 2023 scrutiny meeting?").answer
    assert answer.kind == "names"
    assert "Councillor N Akhtar (Chair)" in answer.text and "held at 10.00 am" not in answer.text


def test_a_number_question_is_answered_with_a_figure_or_not_at_all(real_index):
    fine = ask(real_index, "How much is the fixed penalty for breaching a PSPO?", k=5).answer
    assert fine.kind == "figure" and fine.confident and "£100" in fine.text
    # the papers' figure ("almost 1800 individuals in treatment") is not among the passages found: no number, no answer
    treatment = ask(real_index, "how many people use drug and alcohol treatment services?", k=5).answer
    assert treatment.kind == "passage" and not treatment.confident


def test_a_money_question_is_answered_with_an_amount_before_another_number(tmp_path, fake_encoder):
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "spc.txt": (
                "Minutes of the meeting of the Economic Development Committee held on 26 April 2021\n\n"
                "3. URDF Funding Briefing\n\n"
                "The URDF projects funded in Limerick will create 12,000 jobs in Limerick over 20 years. "
                "In all, €73.4m was granted to the four applications.\n"
            ),
            "other.txt": (
                "Minutes of the meeting of the Planning Committee held on 3 May 2021\n\n"
                "4. Parks Strategy\n\nThe committee endorsed the parks strategy for the next ten years.\n"
            ),
        },
    )
    money = ask(
        index, "How much URDF funding was granted to Limerick projects?", config=LOOSE, encoder=fake_encoder
    ).answer
    assert money.kind == "figure" and money.text.startswith("In all, €73.4m was granted")
    # a question asking for no amount keeps the sentence sharing most of its words
    jobs = ask(
        index, "How many jobs will the URDF projects in Limerick create?", config=LOOSE, encoder=fake_encoder
    ).answer
    assert jobs.kind == "figure" and jobs.text.startswith("The URDF projects funded in Limerick will create 12,000")


def test_who_proposed_is_answered_with_the_proposer_and_seconder_lines(tmp_path, fake_encoder):
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "annual.txt": (
                "Minutes of the Annual Meeting of the Municipal District held on 10 June 2019\n\n"
                "1. Election of Cathaoirleach\n\n"
                "The outgoing Cathaoirleach invited nominations for the office of Cathaoirleach.\n\n"
                "Proposed by Councillor M. Ryan;\nSeconded by Councillor Egan;\n\n"
                "“That Councillor Michael Donegan be appointed Cathaoirleach of the Municipal District.”\n\n"
                "As there were no other nominations, Councillor Donegan was declared elected.\n"
            ),
        },
    )
    question = "Who proposed and seconded Councillor Michael Donegan as Cathaoirleach?"
    answer = ask(index, question, config=LOOSE, encoder=fake_encoder).answer
    assert answer.kind == "names"
    assert "Proposed by Councillor M. Ryan;" in answer.text and "Seconded by Councillor Egan;" in answer.text
    assert "Michael Donegan be appointed" in answer.text
    # a question that does not ask who proposed keeps to the marked sentence
    plain = ask(
        index, "Who chaired the nominations for Cathaoirleach in June 2019?", config=LOOSE, encoder=fake_encoder
    )
    assert "Proposed by" not in plain.answer.text


def test_an_answer_ending_in_a_lead_in_goes_on_with_its_list(real_index):
    answer = ask(real_index, "Which existing domestic abuse services were going to be decommissioned?").answer
    assert answer.text.startswith("A number of current services will be decommissioned. These include:")
    assert "- Coventry Haven Supported Accommodation Service" in answer.text
    assert "- Defuze (support for children)" in answer.text  # the whole list, within the answer's length
    assert "The new service will replace" not in answer.text


def test_who_is_answered_with_whoever_the_passage_says_did_it_unless_a_table_row_names_them(real_index):
    chaired = ask(real_index, "Who was chairing the Strategic Built Environment Group in November 2013?").answer
    assert chaired.text.startswith("It is currently chaired by Sara Roach, Deputy Director.")
    # a work programme's row names its lead officer in a cell, without a title: the marked row stays the answer
    lead = ask(real_index, "Who was the lead officer for air quality on the 2014/15 scrutiny work programme?").answer
    assert "Hamish Simmonds" in lead.text


def test_who_was_elected_is_answered_with_the_winners_nomination_and_the_declaration(tmp_path, fake_encoder):
    # Two candidates: the last nomination shares the question's words as well as the first; the vote decides.
    votes = " ".join(f"Councillor Member{n}," for n in range(60))
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "annual.txt": (
                "Minutes of the Annual Meeting of Limerick City and County Council held on 27 June 2016\n\n"
                "1. Election of Mayor of the City and County of Limerick\n\n"
                "The outgoing Mayor invited nominations for the Office of Mayor for the coming year.\n\n"
                "Proposed by Councillor Collins (M);\nSeconded by Councillor Collins (J);\n\n"
                "“That, Councillor Kieran O’Hanlon be appointed Mayor of the City and County of\n\n"
                "Limerick to hold office to the next Annual Meeting.”\n\n"
                "Proposed by Councillor Keller;\nSeconded by Councillor Prendiville;\n\n"
                "“That, Councillor Cian Prendiville be appointed Mayor of the City and County of Limerick\n\n"
                "to hold office to the next Annual Meeting.”\n\n"
                f"A vote was taken which resulted as follows:\n\nFor Councillor O’Hanlon: {votes} **(31)**\n\n"
                "The outgoing Mayor declared Councillor O’Hanlon elected as Mayor of the City and\n\n"
                "County of Limerick and congratulated him on his election.\n\n"
                "2. Election of Deputy Mayor\n\nNoted.\n"
            ),
        },
    )
    question = "Who was elected Mayor of Limerick City and County at the annual meeting in June 2016?"
    answer = ask(index, question, config=LOOSE, encoder=fake_encoder).answer
    assert answer.kind == "names"
    assert answer.text.startswith("Proposed by Councillor Collins (M);")
    assert "Kieran O’Hanlon be appointed Mayor" in answer.text and "Prendiville be appointed" not in answer.text
    assert " ".join(answer.text.split()).endswith(
        "declared Councillor O’Hanlon elected as Mayor of the City and County of Limerick and "
        "congratulated him on his election."
    )
    assert "(31)" not in answer.text


def test_a_decision_question_answered_from_a_debate_also_gives_its_items_decision(tmp_path, fake_encoder):
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "md.txt": (
                "Minutes of the meeting of the Metropolitan District held on 20 July 2015\n\n"
                "13. Notice of Motion\n\n"
                "Councillor Prendiville moved that Irish Water stop installing water meters and divert those resources "
                "and staff to replacing all lead piping in the city.\n\n"
                "Members debated the cost of the programme at length.\n\n"
                "The Mayor declared the amended motion carried.\n\n"
                "14. Correspondence\n\nNoted.\n"
            ),
        },
    )
    # no decision boost: the outcome's passage carries the item's opening words in its header, and would be first
    loose = replace(LOOSE, decision_boost=1.0)
    question = "What was decided about replacing lead piping instead of installing water meters?"
    answered = ask(index, question, config=loose, encoder=fake_encoder)
    assert answered.hits[0].chunk.kind != "resolved"  # the debate is the best passage
    answer = answered.answer
    assert answer.kind == "decision"
    assert "replacing all lead piping" in answer.text and answer.text.endswith(
        "The Mayor declared the amended motion carried."
    )
    # shown as one stretch of the minutes, both parts marked, when they are close ...
    from search_app import render_answer

    shown = render_answer(index, answer)
    assert "debated the cost" in shown and shown.count("<mark>") == 2
    # ... and apart when the decision comes pages later
    record = index.documents[answer.doc_id]
    far = "Members debated the cost of the programme at length. " * 40
    text = record["text"].replace("Members debated the cost of the programme at length.", far)
    moved = len(far) - len("Members debated the cost of the programme at length.")
    spread = replace(
        answer, end=answer.end + moved, marks=(answer.marks[0], (answer.marks[1][0] + moved, answer.end + moved))
    )
    index.documents[answer.doc_id] = {**record, "text": text}
    shown = render_answer(index, spread)
    assert shown.count("debated the cost") == 1 and " … " in shown  # not the forty repeats between


def test_a_figure_is_an_amount_not_a_label_or_a_year():
    assert _holds_figure("25 perpetrators have started the programme")
    assert _holds_figure("the success rate continued to exceed 80%")
    assert _holds_figure("2019 €1.5m")
    for label in (
        "the reduction of young people in (tier 3) treatment",
        "in the aftermath of Covid-19",
        "services commissioned in 2022/23 will continue",
        "in accordance with Section 183",
    ):
        assert not _holds_figure(label), label


def test_a_filter_narrows_the_results_instead_of_emptying_them(real_index):
    """Whether anything matches well is judged on the whole archive, then the filter keeps its range."""
    april = Filters(date_from=date(2023, 4, 1), date_to=date(2023, 4, 30))
    minutes_2023 = Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31), paper_types=("minutes",))

    filtered = ask(real_index, "domestic violence", k=5, filters=april)
    readme = ask(real_index, "domestic abuse", k=5, filters=minutes_2023)
    future = ask(real_index, "domestic violence", k=5, filters=Filters(date_from=date(2030, 1, 1)))

    assert len(filtered.hits) == 5 and all(h.chunk.meeting_date == "2023-04-19" for h in filtered.hits)
    assert filtered.answer.citation.heading().startswith(
        "Scrutiny Co-ordination Committee, 19 April 2023, Minute 54: West Midlands Police"
    )
    assert len(readme.hits) == 5 and all(h.chunk.paper_type == "minutes" for h in readme.hits)
    assert future.hits == () and future.answer is None


def test_pipe_tables_render_as_tables_in_html_and_aligned_text():
    text = "Outcomes\n| AREA | OUTCOME |\n|--|---|\n| Health <b>x</b> | Good |\n| Jobs | Fair |\nEnd."
    start = text.index("Health")

    html = to_html(text, [(start, start + 6)])

    assert html == (
        "Outcomes\n<table class='paper-table'><tr><th>AREA</th><th>OUTCOME</th></tr>"
        "<tr><td><mark>Health</mark> x</td><td>Good</td></tr><tr><td>Jobs</td><td>Fair</td></tr></table>End."
    )
    assert "|--|" not in html and "<b>" not in html
    assert to_text(text) == "Outcomes\nAREA      OUTCOME\nHealth x  Good\nJobs      Fair\nEnd."


def test_the_register_holds_every_resolution_and_a_topic_only_its_own(real_index):
    everything = register(real_index)
    pspo = decisions(real_index, "public space protection order")

    assert len(everything) >= 10
    dates = [d.citation.meeting_date for d in everything]
    assert dates == sorted(dates, reverse=True)
    assert pspo and all(d in everything or d.text in {e.text for e in everything} for d in pspo)
    assert any(d.citation.meeting_date == "2015-02-04" and d.citation.item == 43 for d in pspo)
    assert not any("climate" in d.text.lower() or "police" in d.citation.item_title.lower() for d in pspo)
    rows = list(csv.DictReader(io.StringIO(to_csv(pspo))))
    assert [r["meeting_date"] for r in rows] == [d.citation.meeting_date for d in pspo]
    assert json.loads(to_json(pspo))["decisions"][0]["heading"] == pspo[0].citation.heading()


def test_cli_prints_the_answer_first_and_exports_decisions(real_index_dir):
    shown = run("search", DOG_QUERY, "--k", "3", "--index", str(real_index_dir))
    exported = run("decisions", "dog control", "--format", "json", "--index", str(real_index_dir))

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith(f"Answer (decision): {DOG_HEADING}")
    assert shown.stdout.splitlines()[1].startswith("   RESOLVED that the Committee concur")
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout)["decisions"][0]["meeting_date"] == "2015-02-04"


def test_a_cards_overlapping_passages_show_their_shared_sentence_once(tmp_path, fake_encoder):
    from search_app import render_groups

    sentences = " ".join(
        f"Sentence {n} of the reply says the estate road number {n} is in the snag list." for n in range(40)
    )
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "md.txt": (
                "Minutes of the meeting of the Municipal District held on 6 February 2019\n\n"
                f"8. Knights Court estate\n\n{sentences}\n\n9. Correspondence\n\nNoted.\n"
            ),
        },
    )
    answered = ask(index, "estate road snag list", config=LOOSE, encoder=fake_encoder)
    [card] = [g for g in answered.groups if g.citation.item == 8]
    ordered = sorted(card.hits, key=lambda h: h.chunk.start)
    assert any(b.chunk.start < a.chunk.end for a, b in zip(ordered, ordered[1:], strict=False))  # they overlap
    shown = render_groups(index, replace(answered, groups=(card,)))
    passages = "".join(part.split("</div>")[0] for part in shown.split("<div class='passage' data-rank=")[1:])
    assert all(passages.count(f"Sentence {n} of the reply") <= 1 for n in range(40))
    held = {n for hit in ordered for n in range(40) if f"Sentence {n} of the reply" in hit.text}
    assert all(f"Sentence {n} of the reply" in passages for n in held)  # and none is lost


def test_an_answer_stops_before_the_next_part_of_a_list(tmp_path, fake_encoder):
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "md.txt": (
                "Minutes of the meeting of the Municipal District held on 6 February 2019\n\n"
                "8. Question submitted by Councillor L. Galvin\n\nREPLY:\n(a)\nA schedule of works has been issued.\n"
                "(b)\nThere is a bond of €36,000 in place and the full amount of the bond has been claimed.\n"
                "(c)\nThis is included in the snag list.\n"
            ),
        },
    )
    answer = ask(index, "What about the developer's bond?", config=LOOSE, encoder=fake_encoder).answer
    assert answer.text.endswith("the full amount of the bond has been claimed.")


def test_an_answer_does_not_run_on_into_the_next_motion(tmp_path, fake_encoder):
    index = tiny_index(
        tmp_path,
        fake_encoder,
        {
            "annual.txt": (
                "Minutes of the Annual Meeting of the Municipal District held on 11 June 2019\n\n"
                "1. Election of Cathaoirleach and Leas-Cathaoirleach\n\n"
                "As there were no other nominations, the outgoing Cathaoirleach declared Councillor Sheahan "
                "elected as Cathaoirleach.\n\n"
                "Proposed by Councillor O'Donoghue;\nSeconded by Councillor Keary;\n\n"
                "“That Councillor O'Brien be appointed Leas-Cathaoirleach.”\n"
            )
        },
    )
    answer = ask(index, "Who was declared elected as Cathaoirleach?", config=LOOSE, encoder=fake_encoder).answer
    assert answer.kind == "names" and "Councillor Sheahan" in answer.text
    assert "O'Donoghue" not in answer.text
