"""The path users run: bundled model -> FAISS + BM25 -> fused, filtered hits with citations."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from precedent.index.filters import Filters
from precedent.index.fusion import convex_fusion
from precedent.index.highlight import best_sentences, sentence_spans
from precedent.index.rerank import LATEST_AMONG, about_period, boost_period, dates_named, query_period
from precedent.index.search import CONFIGS, DEFAULT_CONFIG, search

from precedent.errors import InvalidQuery

DOG_QUERY = "did scrutiny agree with cabinet on the dog control order call-in"


def test_dog_control_call_in_answers_with_minute_43_resolution_first(real_index):
    hit = search(real_index, DOG_QUERY, k=10)[0]
    assert hit.chunk.doc_id == "000_598379763418fa6f.txt"
    assert hit.chunk.item == 43
    assert "RESOLVED that the Committee concur with the decisions of Cabinet" in hit.text
    citation = hit.citation().line()
    assert "Minute 43" in citation and "4 February 2015" in citation
    assert set(hit.retrievers) == {"bm25", "dense"}


def test_apologies_in_april_2023_finds_the_attendance(real_index):
    hits = search(real_index, "apologies April 2023", k=3)
    assert hits[0].chunk.kind == "attendance"
    assert hits[0].chunk.meeting_date == "2023-04-19"


@pytest.mark.parametrize(
    ("question", "kind", "boost", "answer"),
    [
        (
            "who chaired the April 2023 scrutiny meeting",
            "attendance",
            "attendance_boost",
            "Councillor N Akhtar (Chair)",
        ),
        (
            "where did the March 2023 scrutiny committee meet",
            "attendance",
            "attendance_boost",
            "Venue: Diamond Rooms 1",
        ),
        (
            "who should I contact about the Community Safety Plan",
            "contact",
            "contact_boost",
            "EMAIL: joy.adams@coventry.gov.uk",
        ),
        (
            "what is the committee asked to do about the domestic abuse early intervention evaluation",
            "recommendation",
            "recommendation_boost",
            "Support the following recommendations as a result of the Project",
        ),
        (
            "what did scrutiny ask officers to do about the closure of the Independent Living Fund",
            "resolved",
            "decision_boost",
            "**(4) Officers be requested to investigate the legal and equality implications",
        ),
    ],
)
def test_a_question_asking_for_a_kind_of_passage_gets_that_kind_first(real_index, question, kind, boost, answer):
    """Who chaired or attended, where a meeting was held, who wrote a paper, what the meeting was asked to do,
    what was decided or asked of officers."""
    top = search(real_index, question, k=1)[0]
    assert top.chunk.kind == kind and answer in top.text
    # without the kind's boost (and the named month's, which alone lifts the April 2023 meeting's passages) it
    # is not first
    unboosted = search(real_index, question, k=1, config=replace(DEFAULT_CONFIG, **{boost: 1.0, "period_boost": 1.0}))
    assert unboosted[0].chunk.kind != kind


def test_who_wrote_a_paper_finds_that_papers_author_block(real_index, monkeypatch):
    # The block names no topic ("Report Author(s): ... Rachel Chapman, Consultant in Public Health") and
    # "wrote" is not in it: it is found through its paper, the briefing note the question names.
    import precedent.index.search

    question = "who wrote the briefing note on the drugs and alcohol strategy"
    top = search(real_index, question, k=1)[0]
    assert top.chunk.kind == "contact" and top.chunk.paper_title == "Drugs and Alcohol Strategy Update"
    assert "Rachel Chapman, Consultant in Public Health" in top.text
    # A filter that excludes author blocks keeps them out: lifting never brings in a filtered passage.
    filtered = search(real_index, question, k=10, filters=Filters(kinds=("section", "recommendation")))
    assert filtered and all(hit.chunk.kind != "contact" for hit in filtered)
    monkeypatch.setattr(
        precedent.index.search, "lift_to_paper", lambda kind, query, chunks, fused, by_paper, allowed: fused
    )
    assert search(real_index, question, k=1)[0].chunk.kind != "contact"


def test_attendance_of_the_meeting_named_and_author_blocks_are_cited_by_section(real_index):
    chaired = search(real_index, "who chaired the April 2023 scrutiny meeting", k=1)[0]
    assert chaired.chunk.meeting_date == "2023-04-19"
    authors = search(real_index, "Community Safety Plan report author email", k=1)[0]
    assert authors.chunk.section == "Report author(s) and contact" and "NAME: Joy Adams" in authors.text
    asked = search(real_index, "what did the committee ask officers to investigate about the Independent Living Fund")
    assert asked[0].chunk.item == 44


def test_a_clear_keyword_winner_keeps_its_lead_in_fusion(real_index):
    """The PSPO report's "smaller numbers of enforcement does not mean behaviours are not being addressed" is
    BM25's clear winner (1.0 after normalising, the next 0.75) and only the dense model's 11th. Convex fusion
    keeps that margin; RRF keeps only ranks and lets passages both retrievers rank fairly well overtake it."""
    question = "PSPO enforcement figures low does that mean behaviour ignored"
    answer = "does not mean behaviours are not being addressed"
    assert answer in search(real_index, question, k=1)[0].text
    assert answer not in search(real_index, question, k=1, config=replace(DEFAULT_CONFIG, fusion="rrf"))[0].text


def test_convex_fusion_weighs_normalised_scores():
    bm25 = {1: 30.0, 2: 10.0, 3: 9.0}
    dense = {1: 0.50, 2: 0.60, 3: 0.55}
    fused = convex_fusion({"bm25": bm25, "dense": dense}, {"bm25": 1.0, "dense": 0.5})
    assert fused[1] == pytest.approx(2 / 3)  # best on BM25, worst on dense
    assert fused[2] == pytest.approx(2 / 3 * 1 / 21 + 1 / 3)
    assert fused[3] == pytest.approx(1 / 3 * 0.5)
    assert convex_fusion({"bm25": {7: 4.0}}, {"bm25": 1.0}) == {7: 0.0}  # one candidate: no spread, no error


@pytest.mark.parametrize(
    ("question", "period"),
    [
        ("apologies April 2023", ("2023-04", "2023-04")),
        ("who chaired on 4th February 2015", ("2015-02-04", "2015-02-04")),
        ("Sept 2013 work programme", ("2013-09", "2013-09")),
        ("PSPO enforcement since 2015", ("2015", "9999")),
        ("minutes in 2014 about welfare reform", ("2014", "2014")),
        ("what did the last scrutiny meeting decide", ("2023-07-12", "2023-07-12")),
        ("tribunals supported in 2014", None),  # a bare year is about the content, not the meeting
        ("council decisions 2015", None),  # "dec..." is not December
        ("what did the last meeting decide", None),  # without knowing the latest meeting: no period
    ],
)
def test_the_meeting_period_a_question_names(question, period):
    latest = "" if question == "what did the last meeting decide" else "2023-07-12"
    assert query_period(question, latest) == period


@pytest.mark.parametrize(
    ("question", "meeting"),
    [
        ("community safety plan scrutiny April 2023", "2023-04-19"),
        ("the work programme at the 14 March 2023 meeting", "2023-03-14"),
    ],
)
def test_a_meeting_the_question_names_comes_first(real_index, question, meeting):
    assert search(real_index, question, k=1)[0].chunk.meeting_date == meeting
    assert search(real_index, question, k=1, config=CONFIGS["hybrid-no-dates"])[0].chunk.meeting_date != meeting


@pytest.mark.parametrize(
    "question",
    [
        "what did the chair agree to follow up on allotments when the 1 March 2023 minutes were signed",
        "allotments: what did the chair take on when signing the 1 March 2023 minutes",
    ],
)
def test_minutes_of_a_date_are_found_where_they_were_signed(real_index, question):
    # The 14 March 2023 minutes record the 1 March minutes being signed and the chair's follow-up; counting
    # only meeting dates raised the 1 March meeting's own "Minutes" item above them.
    top = search(real_index, question, k=1)[0]
    assert top.chunk.meeting_date == "2023-03-14"
    assert "Minutes of the meeting held on 1 March, 2023" in top.text


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("what survey was run in June 2013", "June 2013 - A survey for parents"),
        ("what engagement happened in February 2022", "In February 2022, a wide range"),
    ],
)
def test_a_passage_naming_the_month_asked_about_comes_first(real_index, question, answer):
    # Both answers are in papers for later meetings; only the month they name matches the question.
    top = search(real_index, question, k=1)[0]
    assert answer in top.text and not top.chunk.meeting_date.startswith(query_period(question)[0])
    assert answer not in search(real_index, question, k=1, config=CONFIGS["hybrid-no-dates"])[0].text


def test_a_passage_naming_many_dates_is_about_none_of_them(real_index):
    signing = next(c for c in real_index.chunks if "Minutes of the meeting held on 1 March, 2023" in c.text)
    calendar = next(
        c
        for c in real_index.chunks
        if c.paper_title == "SCRUCO Work Programme 2023-24" and "2023-03-14" in dates_named(c.text)
    )
    assert about_period(signing, ("2023-03-01", "2023-03-01"))
    assert len(dates_named(calendar.text)) > 2 and calendar.meeting_date != "2023-03-14"
    assert not about_period(calendar, ("2023-03-14", "2023-03-14"))


def test_an_open_period_is_about_meetings_not_dates_named(real_index):
    chunk = replace(real_index.chunks[0], meeting_date="2013-11-06", text="A review is due in March 2016.")
    assert about_period(chunk, ("2016-03", "2016-03"))
    assert not about_period(chunk, ("2015", "9999"))  # "since 2015"


def test_the_last_meeting_is_the_latest_among_the_best_passages(real_index):
    scores = {cid: 1.0 / (1 + cid) for cid in range(len(real_index.chunks))}
    best = sorted(scores, key=scores.get, reverse=True)[:LATEST_AMONG]
    latest = max(real_index.chunks[cid].meeting_date for cid in best)
    raised = boost_period("what did the most recent meeting decide", real_index.chunks, scores, 1.3)
    changed = {cid for cid in scores if raised[cid] != scores[cid]}
    assert changed and {real_index.chunks[cid].meeting_date for cid in changed} == {latest}


def test_one_character_words_are_searchable(real_index):
    # bm25s's default token pattern drops "5" and "E"; the question is then just "police".
    top = search(real_index, "police 5 E's", k=1, config=CONFIGS["bm25"])[0]
    assert 'Police look to use what they refer to as "The 5 E\'s"' in top.text


def test_date_filter_keeps_only_meetings_in_range(real_index):
    unfiltered = search(real_index, "domestic abuse services", k=10)
    assert {h.chunk.meeting_date[:4] for h in unfiltered} & {"2013", "2015"}
    hits = search(
        real_index,
        "domestic abuse services",
        k=10,
        filters=Filters(date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)),
    )
    assert hits and all(h.chunk.meeting_date.startswith("2023") for h in hits)


def test_paper_type_filter(real_index):
    hits = search(real_index, "climate change strategy", k=10, filters=Filters(paper_types=("minutes",)))
    assert hits and all(h.chunk.paper_type == "minutes" for h in hits)


def test_bad_queries_say_what_to_do(real_index):
    with pytest.raises(InvalidQuery, match="empty"):
        search(real_index, "   ")
    with pytest.raises(InvalidQuery, match="at most 1000"):
        search(real_index, "x" * 1001)
    with pytest.raises(InvalidQuery, match="valid types are: agenda, minutes"):
        Filters(paper_types=("memo",))


def test_hits_serialise_to_the_shared_json_shape(real_index):
    data = search(real_index, DOG_QUERY, k=2)[0].to_dict()
    assert list(data)[:15] == [
        "rank",
        "score",
        "text",
        "doc",
        "title",
        "paper_type",
        "committee",
        "meeting_date",
        "item",
        "item_title",
        "section",
        "page",
        "start",
        "end",
        "citation",
    ]
    text = real_index.documents[data["doc"]]["text"]
    assert text[data["start"] : data["end"]] == data["text"]


OFF_TOPIC = ["xyzzy plugh frobnicate", "best pizza recipe with pineapple", "premier league results", "weather in paris"]


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_nonsense_says_no_match_instead_of_returning_neighbours(real_index, query):
    assert search(real_index, query) == []


@pytest.mark.parametrize("query", ["allotments", "apologies", "dog"])
def test_one_word_on_topic_still_answers(real_index, query):
    assert search(real_index, query)


def test_duplicate_text_is_shown_once_with_every_source(real_index):
    from dataclasses import replace

    from precedent.index.duplicates import merge_duplicates
    from precedent.index.hit import Hit

    first, other = search(real_index, DOG_QUERY, k=2)
    reprint = replace(first.chunk, doc_id="001_e0088b1ccd8f89d9.txt", paper_type="web page", start=0, end=0)
    hits = [first, Hit(reprint, first.score * 0.9, 2), replace(other, rank=3)]
    merged = merge_duplicates(hits)
    assert [h.chunk.chunk_id for h in merged] == [first.chunk.chunk_id, other.chunk.chunk_id]
    assert [c.doc_id for c in merged[0].also_in] == ["001_e0088b1ccd8f89d9.txt"]
    assert merged[0].to_dict()["also_in"] == [Hit(reprint, 0, 1).citation().line()]


def test_best_sentence_is_highlighted(real_index):
    hit = search(real_index, "apologies April 2023", k=1)[0]
    (start, end), *_ = hit.highlights
    marked = hit.text[start:end]
    assert "Apologies" in marked or "April 2023" in marked
    assert len(marked) < len(hit.text)


@pytest.mark.parametrize(
    ("question", "marked"),
    [
        # Counting shared words marked the attendance block's title line, which repeats "meeting" and
        # "scrutiny"; weighting rare words (idf) and discounting words of the header marks the answer.
        ("which councillors substituted at the April 2023 scrutiny meeting", "(Substitute for Councillor"),
    ],
)
def test_the_highlight_weighs_rare_words_over_the_topic(real_index, question, marked):
    hit = search(real_index, question, k=1)[0]
    marks = [hit.text[start:end] for start, end in hit.highlights]
    assert marks and all(marked in m for m in marks)
    assert len(marks) == 2  # both substitutes: sentences that tie with the best are marked too
    plain = best_sentences(question, hit.text)[0]
    assert marked not in hit.text[plain[0] : plain[1]]


def test_a_short_year_range_matches_its_long_form(real_index):
    from precedent.index.bm25 import tokenize

    assert tokenize(["the 2015-17 strategy, 2022/23 and 2014 / 15"]) == [
        ["2015", "2017", "strategi", "2022", "2023", "2014", "2015"]
    ]
    # "the 2015-17 drug strategy" finds "Coventry Drug Strategy (2015 – 2017)" by its years too.
    top = search(real_index, "steering group 2015-17 drug strategy", k=1, config=CONFIGS["bm25"])[0]
    assert "2015 – 2017" in top.chunk.header


def test_a_sentence_runs_on_past_a_time_or_a_section_number():
    text = "Minutes of the Meeting held at 2.00 pm on 9 October 2013. Present: Councillor Mrs Fletcher (Chair)."
    (start, end), *_ = best_sentences("what time was the meeting held", text)
    assert text[start:end] == "Minutes of the Meeting held at 2.00 pm on 9 October 2013."
    text = "3.1 The Council commissioned an early intervention project. 3.2 Caseworkers came from two charities."
    (start, end), *_ = best_sentences("who supplied the caseworkers", text)
    assert text[start:end] == "3.2 Caseworkers came from two charities."


def test_a_scanned_pages_sentence_runs_on_across_its_printed_lines():
    # OCR'd minutes break after every printed line; the sentence marked is the whole sentence, line breaks kept.
    text = (
        "The Cathaoirleach declared the\nmotion carried by 16 votes to\n4 against, with one abstention.\n\n"
        "Other business was taken\nnext and the members then\nadjourned at noon."
    )
    (start, end), *_ = best_sentences("was the motion carried", text)
    assert text[start:end] == text[: text.index("\n\n")]
    typed = "Present: Councillor Smith\nCouncillor Jones\nApologies were received from three members."
    (start, end), *_ = best_sentences("who was present", typed)  # not hard-wrapped: a line is a sentence
    assert typed[start:end] == "Present: Councillor Smith"


@pytest.mark.parametrize(
    ("question", "item"),
    [
        (
            "What were councillors asked to do with the draft 2015-17 drugs strategy when it came to scrutiny?",
            "(i) Review the strategy, and endorse the vision for Coventry and three priority themes identified;",
        ),
        (
            "What was the committee recommended to do with the March 2015 progress report on the new domestic "
            "abuse services?",
            "1. Note the progress of the new commissioned services against key performance indicators.",
        ),
    ],
)
def test_a_lead_in_is_marked_with_its_first_item(real_index, question, item):
    # The words of such questions are in the lead-in ("It is recommended that the Committee:"); marked alone it
    # tells the reader nothing, so the item it introduces is marked with it.
    hit = search(real_index, question, k=1)[0]
    marks = [hit.text[start:end] for start, end in hit.highlights]
    assert any("recommended" in m and m.endswith(item) for m in marks), marks


def test_overlapping_marks_are_joined():
    text = "The committee is recommended to:\nNote the committee report on parks.\nSomething else entirely here."
    spans = best_sentences("committee", text)  # the lead-in (with its item) and the item tie
    assert spans == ((0, text.index("\nSomething")),)


def test_a_councillors_question_is_answered_by_its_reply_not_by_the_question_as_asked():
    # The question as asked shares the most words with the user's question; its written reply answers it.
    text = (
        "*I will ask at the next Meeting for the following information on Knights Court, Newcastle West:*\n\n"
        "*the amount of the developer's bond on the Knights Court estate.*\n\n"
        "**REPLY:** There is a bond of €36,000 in place and the full amount of the bond has been claimed.\n\n"
        "Replying, the Engineer said that works would start in the spring."
    )
    question = "What did councillors learn about the developer's bond on the Knights Court estate?"
    [(start, end)] = best_sentences(question, text)
    assert text[start:end].endswith("the full amount of the bond has been claimed.")
    # with no reply sharing a word, the question as asked is still marked rather than nothing
    asked_only = text[: text.index("**REPLY")] + "REPLY: Noted."
    assert "Knights Court" in asked_only[slice(*best_sentences(question, asked_only)[0])]


@pytest.mark.parametrize(
    "notice",
    [
        "‘I will move at the next meeting that the Council would promote “The Buddy Scheme” for the elderly; "
        "I would also move that the Council write to An Garda Síochána to seek support for the Buddy Scheme’.",
        "***I will move at the next Meeting that the Council would promote The Buddy Scheme for***\n\n"
        "***the elderly and write to An Garda Síochána to seek support for the Buddy Scheme.***",
        "I will move at the next meeting that the Council would promote The Buddy Scheme for the elderly. "
        "I would also move that the Council write to An Garda Síochána to seek support for the Buddy Scheme.",
    ],
)
def test_a_motion_is_answered_by_what_became_of_it_not_by_the_motion_as_submitted(notice):
    # A notice of motion with no REPLY line: what was said and decided after it answers "what became of it".
    text = (
        f"Notice of Motion submitted by Councillor L. Galvin\n\n{notice}\n\n"
        "The Chief Superintendent stated that new legislation was due on the Scheme and said this motion should "
        "be deferred to a Sub Committee."
    )
    question = "What was the outcome of Cllr Galvin's motion that the council promote the Buddy Scheme?"
    [(start, end)] = best_sentences(question, text)
    assert text[start:end].startswith("The Chief Superintendent stated")
    alone = text[: text.index("The Chief")] + "Noted."  # nothing after it shares a word: the notice is marked
    assert "Buddy Scheme" in alone[slice(*best_sentences(question, alone)[0])]


def test_an_items_own_title_line_is_not_its_answer():
    # The title names the topic every sentence of the item shares; the sentence after it says what happened.
    text = "7. Coventry Community Safety Plan\nThis item of business was deferred to a future meeting."
    question = "What happened to the Coventry Community Safety Plan item?"
    title = "Coventry Community Safety Plan"
    assert [text[a:b] for a, b in best_sentences(question, text, title=title)] == [
        "This item of business was deferred to a future meeting."
    ]
    # a title a scan wraps over two lines, unpunctuated, is its title line still, though the scan's line joining
    # runs it on into the next paragraph
    wrapped = (
        "1. To elect a Cathaoirleach of the Municipal District to hold\nAnnual Meeting or until L\n\n"
        "The outgoing Cathaoirleach, Councillor Teskey invited nominations for the Office of\n"
        "Cathaoirleach for the coming year.\n\n"
        "As there were no other nominations, the outgoing Cathaoirleach declared Councillor\n"
        "Sheahan elected as Cathaoirleach of the Municipal District and offered him best\n"
        "wishes for the coming year."
    )
    marked = best_sentences(
        "who was elected Cathaoirleach of the Municipal District?",
        wrapped,
        title="1. To elect a Cathaoirleach of the Municipal District to hold",  # a section title keeps its number
    )
    assert [wrapped[a:b].startswith("As there were no other nominations") for a, b in marked] == [True]
    # a title line is still marked when it alone shares the question's words
    assert [text[a:b] for a, b in best_sentences("community safety", text, title=title)] == [
        "Coventry Community Safety Plan"
    ]


def test_a_double_spaced_scan_keeps_its_sentences_whole():
    # Scans printed with a blank line after every line: the blank lines inside a sentence do not end it.
    scan = (
        "The Senior Engineer stated that Part 8 Planning was approved for the scheme in May 2018\n\n"
        "and costings had been prepared at that time. It is estimated that the scheme in its current form\n\n"
        "will cost approximately €12m to complete.\n\n"
        "**Deputation**\n\nThe Cathaoirleach welcomed the group.\n\n"
        "Scrutiny Co-ordination Committee is recommended to:-\n\n1. Note the progress."
    )
    sentences = [scan[a:b] for a, b in sentence_spans(scan)]
    figure = "It is estimated that the scheme in its current form\n\nwill cost approximately €12m to complete."
    assert figure in sentences
    assert "**Deputation**" in sentences  # a heading stays apart
    assert "Scrutiny Co-ordination Committee is recommended to:-" in sentences  # so does a list's lead-in


def test_a_passage_of_a_double_spaced_scan_keeps_its_sentences_whole_though_it_alone_does_not_show_it():
    # Headings and a list leave few blank lines inside sentences; the document as a whole is a scan.
    passage = (
        "**(b)Detailed plans**\n\nThe layout of the scheme is attached overleaf.\n\n"
        "**(c) Costings**\n\nThe estimated cost of the project is €15.5m. "
        "There is a commitment of funding from Transport\n\nInfrastructure Ireland (TII) of €5M.\n\n"
        "**(d)Start dates**\n\n(Image omitted)\n(Image omitted)\n(Image omitted)"
    )
    cost = "There is a commitment of funding from Transport\n\nInfrastructure Ireland (TII) of €5M."
    assert cost not in [passage[a:b] for a, b in sentence_spans(passage)]
    assert cost in [passage[a:b] for a, b in sentence_spans(passage, wrapped=True)]
    assert "**(c) Costings**" in [passage[a:b] for a, b in sentence_spans(passage, wrapped=True)]


def test_a_scan_bolding_each_printed_line_keeps_its_sentences_whole():
    # Each line closes and reopens the bold: the figure's sentence ended at "amounts to", without the figure.
    scan = (
        "**The 2016 draft Budget reflects the need to continue a strong financial management**\n\n"
        "**ethos while making every effort to meet the demands on the services of**\n\n"
        "**Limerick City and County Council.**\n\n**Analysis of Expenditure Requirements 2016**\n\n"
        "**The total estimated expenditure included in the Draft Budget for 2016 amounts to**\n\n"
        "**€239.477 million, an increase of €84 million on the adopted figure for 2015.**\n\n"
        "**- Housing Assistance Payment**"
    )
    sentences = [scan[a:b] for a, b in sentence_spans(scan)]
    assert (
        "**The total estimated expenditure included in the Draft Budget for 2016 amounts to**\n\n"
        "**€239.477 million, an increase of €84 million on the adopted figure for 2015.**" in sentences
    )
    assert sentences[0].endswith("the services of**\n\n**Limerick City and County Council.**")
    assert "**Analysis of Expenditure Requirements 2016**" in sentences  # a heading stays apart
    assert sentences[-1] == "**- Housing Assistance Payment**"  # so does a list's item
