"""The structure facts of the bundled papers: packs, minutes, items, RESOLVED blocks, private business."""

from __future__ import annotations

from datetime import date

import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.document import Document
from precedent.corpus.minutes import resolved_blocks
from precedent.corpus.papers import parse_document


def parsed(prefix: str):
    path = next(BUNDLED_CORPUS.glob(f"{prefix}_*.txt"))
    return parse_document(Document(path.name, str(path), path.read_text(encoding="utf-8")))


def only_minutes(doc):
    minutes = doc.minutes()
    assert len(minutes) == 1
    return minutes[0]


@pytest.mark.parametrize(
    ("prefix", "pack_date", "minutes_date", "numbers", "number", "title"),
    [
        (
            "000",
            date(2015, 3, 4),
            date(2015, 2, 4),
            range(41, 50),
            43,
            "Call-In Stage 2 - Public Space Protection Order (Coventry Dog Control)",
        ),
        ("002", date(2023, 3, 14), date(2023, 3, 1), range(41, 46), 43, "Draft Climate Change Strategy"),
        ("003", date(2023, 7, 12), date(2023, 4, 19), range(52, 59), 56, "Public Space Protection Orders"),
        ("004", date(2013, 11, 6), date(2013, 10, 9), range(31, 39), 33, "Coventry – A Marmot City"),
    ],
)
def test_agenda_packs_hold_minutes_of_the_previous_meeting(prefix, pack_date, minutes_date, numbers, number, title):
    doc = parsed(prefix)
    assert doc.committee == "Scrutiny Co-ordination Committee"
    assert doc.meeting_date == pack_date
    assert doc.papers[0].paper_type == "agenda"
    minutes = only_minutes(doc)
    assert minutes.meeting_date == minutes_date
    assert [i.number for i in minutes.items] == list(numbers)
    item = next(i for i in minutes.items if i.number == number)
    assert item.title == title


def test_dog_control_call_in_has_its_resolution():
    text = (BUNDLED_CORPUS / "000_598379763418fa6f.txt").read_text(encoding="utf-8")
    item = next(i for i in only_minutes(parsed("000")).items if i.number == 43)
    assert len(item.resolved) == 1
    start, end = item.resolved[0]
    assert text[start:end] == (
        "**RESOLVED that the Committee concur with the decisions of Cabinet, rejecting the valid part of the Call-in.**"
    )


IRISH_MINUTES = """MINUTES OF PROCEEDINGS AT MONTHLY MEETING OF THE MUNICIPAL DISTRICT OF ADARE-RATHKEALE
HELD ON TUESDAY, 8TH APRIL, 2025, AT 10.00 A.M.

**1.**

**Adoption of Minutes**

Circulated, copy of Minutes of Monthly Meeting held on 11th March, 2025.

Proposed by Councillor Teskey;

Seconded by Councillor Collins;

And Resolved:

“That the draft Minutes, as circulated, be taken as read and adopted and signed”.

**2.**

**Community Grants**

The Members discussed the scheme. Co. Limerick groups had applied.

On the proposal of Councillor Ruddle, seconded by Councillor Collins, it was agreed to allocate
€500 to Dromcollogher Graveyard Committee. The Members welcomed the allocation.

**3.**

**Notice of Motion**

The motion was discussed at length and it was proposed by Councillor Galvin to defer it.

The Cathaoirleach declared the motion carried. This concluded the Meeting.
"""


def test_motions_minuted_as_proposed_seconded_and_resolved_are_decisions():
    # Irish councils minute a decision as a motion, not under RESOLVED; its block ends where the decision does.
    doc = parse_document(Document("adare.txt", "adare.txt", IRISH_MINUTES, "Minutes - Adare-Rathkeale"))
    (minutes,) = doc.minutes()
    decided = {item.number: [IRISH_MINUTES[s:e] for s, e in item.resolved] for item in minutes.items}
    assert decided[1] == [
        "Proposed by Councillor Teskey;\n\nSeconded by Councillor Collins;\n\nAnd Resolved:\n\n"
        "“That the draft Minutes, as circulated, be taken as read and adopted and signed”."
    ]
    assert decided[2] == [
        "On the proposal of Councillor Ruddle, seconded by Councillor Collins, it was agreed to allocate\n"
        "€500 to Dromcollogher Graveyard Committee."
    ]
    assert decided[3] == ["The Cathaoirleach declared the motion carried."]  # a proposal mid-sentence is not one


def test_a_motion_that_introduces_a_list_keeps_its_list():
    text = (
        "On the proposal of Councillor Keary, seconded by Councillor Ward, it was agreed to\n\n"
        "allocate the following:\n\n\uf0b7 \u20ac2,000 to Adare Civic Trust.\n\n"
        "\uf0b7 \u20ac4,000 to Croagh Camogie Club."
    )
    after = "\n\nThe Members welcomed the allocations."
    assert [(text + after)[a:b] for a, b in resolved_blocks(text + after, 0, len(text + after))] == [text]


def test_web_page_of_14_march_2023():
    doc = parsed("001")
    assert [p.paper_type for p in doc.papers] == ["web page"]
    assert doc.meeting_date == date(2023, 3, 14)
    assert doc.committee == "Scrutiny Co-ordination Committee"
    items = doc.papers[0].items
    assert [i.number for i in items] == list(range(46, 52))
    assert items[2].number == 48 and items[2].title == "One Coventry Plan 2022- 2030"


def test_private_business_is_flagged_on_the_agenda():
    agenda = parsed("004").papers[0]
    flags = {i.number: i.private for i in agenda.items}
    assert flags[9] is True
    assert flags[8] is False
    assert all(not i.private for i in only_minutes(parsed("004")).items)


def test_papers_in_a_pack_have_types_and_titles():
    found = [(p.paper_type, p.title) for p in parsed("003").papers]
    assert found == [
        ("agenda", "Agenda"),
        ("minutes", "Minutes of the meeting of 19 April 2023"),
        ("briefing note", "Coventry Community Safety Plan"),
        ("briefing note", "Domestic Abuse Early Intervention Project Update and Evaluation"),
        ("work programme", "SCRUCO Work Programme 2023-24"),
    ]


def test_numbered_report_sections_are_not_minute_items():
    doc = parsed("002")
    report = next(p for p in doc.papers if p.paper_type == "report")
    assert report.items == ()
    assert any(s.title.startswith("1. Context") for s in report.sections)
    assert [p.paper_type for p in doc.papers if p.items] == ["agenda", "minutes"]


def test_every_span_is_inside_its_paper():
    for prefix in ("000", "001", "002", "003", "004"):
        doc = parsed(prefix)
        for paper in doc.papers:
            assert 0 <= paper.start < paper.end <= len(doc.document.text)
            for item in paper.items:
                assert paper.start <= item.start < item.end <= paper.end
                for start, end in item.resolved:
                    assert item.start <= start < end <= item.end


def test_appendices_know_the_report_they_belong_to():
    appendices = [p for p in parsed("002").papers if p.paper_type == "appendix"]
    assert [(p.title, p.parent) for p in appendices] == [
        ("Title of EIA – One Coventry Plan 2022-2030", "One Coventry Plan 2022-2030"),
        ("Summary of engagement feedback on the One Coventry Plan February 2023", "One Coventry Plan 2022-2030"),
        ("COVENTRY SUBSTANCE MISUSE NEEDS ASSESSMENT", "Drugs and Alcohol Strategy Update"),
    ]
    assert all(p.parent == "" for p in parsed("002").papers if p.paper_type != "appendix")


def test_agenda_item_lines_of_bold_runs_are_sections():
    # "**10.10 a.m.****4. Coventry Drugs Strategy (2015 - 2017) (Pages 13 - 30)**", a time slot alone on its
    # line ("**10.55 a.m.**"), and "**5. Progress Update ...** (Pages 31 - 36)" with the pages after the bold.
    doc = parsed("000")
    agenda = doc.papers[0]
    assert agenda.paper_type == "agenda"
    titles = [s.title for s in agenda.sections]
    assert "4. Coventry Drugs Strategy (2015 - 2017) (Pages 13 - 30)" in titles
    assert (
        "5. Progress Update on the Implementation of the New Domestic Violence and Abuse (DVA) Commissioned "
        "Services for Coventry (Pages 31 - 36)" in titles
    )
    assert "7. Scrutiny Co-ordination Committee Work Programme 2014/2015 (Pages 37 - 40)" in titles
    assert not any("a.m." in title for title in titles)
    item_4 = next(s for s in agenda.sections if s.title.startswith("4. "))
    assert "Commander Claire Bell, West Midlands Police" in doc.document.text[item_4.start : item_4.end]


def test_what_follows_a_report_authors_block_is_an_appendix_unless_it_lists_contributors():
    # The needs assessment follows "Enquiries should be directed to the above person." with no "Appendix 1"
    # line of its own; the briefing note's last section ("6.4 One Coventry Plan") must not swallow it.
    doc = parsed("002")
    note = next(p for p in doc.papers if p.title == "Drugs and Alcohol Strategy Update")
    assert (
        doc.document.text[note.start : note.end].rstrip().endswith("Enquiries should be directed to the above person.")
    )
    strategy = next(p for p in parsed("000").papers if p.paper_type == "appendix")
    assert strategy.title == "Coventry Partnership Drug Strategy [draft] 01 April 2015 – 31 March 2017"
    assert strategy.parent == "Coventry Drug Strategy (2015 – 2017)"
    # A report's table of contributors after its authors stays in the report.
    report = next(p for p in parsed("004").papers if p.paper_type == "report")
    assert "Contributor/approver name" in parsed("004").document.text[report.start : report.end]


def test_headings_in_capitals_are_sections_and_a_recurring_one_is_part_of_the_one_above():
    assessment = next(p for p in parsed("002").papers if p.title == "COVENTRY SUBSTANCE MISUSE NEEDS ASSESSMENT")
    titles = [s.title for s in assessment.sections]
    assert "SERVICE PROVISION - PRISONS – RECOMMENDATIONS" in titles
    assert "THE WIDER PICTURE – POLICE – KEY FINDINGS" in titles
    assert "RECOMMENDATIONS" not in titles and "KEY FINDINGS" not in titles
    # "COVENTRY" and "ONE COVENTRY" alone on a page are the council's logo, not headings.
    every_title = {s.title for p in parsed("002").papers for s in p.sections}
    assert not any(t.endswith("COVENTRY") and len(t) <= len("ONE COVENTRY") for t in every_title)


@pytest.mark.parametrize(
    ("prefix", "paper_title", "first_entry", "last_entry", "next_section"),
    [
        ("000", "Coventry Partnership Drug Strategy", "1.\tVision for Coventry\t7", "6.\tOutcomes\t18", "Foreword"),
        # The list breaks into a second table ("| Delivery requirements | 22 |") and goes on.
        # The plan is printed inside the assessment's "4.0 Approval", which goes on after the list.
        ("002", "Title of EIA", "| Introduction..... | 3 |", "| Measuring success..... | 23 |", "4.0 Approval"),
        ("002", "Summary of engagement feedback", "| 1) Background | 3 |", "| 9) Next Steps | 15 |", ""),
    ],
)
def test_a_contents_list_is_one_section_and_its_entries_are_not_headings(
    prefix, paper_title, first_entry, last_entry, next_section
):
    doc = parsed(prefix)
    paper = next(
        p for p in doc.papers if p.title.startswith(paper_title) and any(s.title == "Contents" for s in p.sections)
    )
    titles = [s.title for s in paper.sections]
    contents = paper.sections[titles.index("Contents")]
    listed = doc.document.text[contents.start : contents.end]
    assert first_entry in listed and listed.rstrip().endswith(last_entry)
    follows = paper.sections[titles.index("Contents") + 1]
    assert follows.title == next_section
    # Before, "2.\tPolicy and Evidence\t8" was read as a numbered heading: a section named with its page.
    assert not any(t[:1].isdigit() and t.split()[-1].isdigit() for t in titles), titles


def test_a_paper_opening_with_its_authors_block_is_read():
    from precedent.corpus.sections import AUTHORS_TITLE, sections

    text = (
        "Report Author(s):\nName: Joy Adams\nTitle: Head of Service\nE-mail: joy.adams@coventry.gov.uk\n\n"
        "The strategy sets out how partners will reduce harm from drugs over the next three years.\n"
    )
    found = sections(text, 0, len(text))  # raised IndexError: no section before the block to go on with
    assert [s.title for s in found] == [AUTHORS_TITLE, ""]
    assert "Joy Adams" in text[found[0].start : found[0].end]
    assert text[found[1].start : found[1].end].strip().startswith("The strategy sets out")


LIMERICK_MINUTES = """*<small>Scanned page, text may contain errors. See original file for clarity</small>*

**MINUTES OF PROCEEDINGS AT ONLINE SPECIAL MEETING OF THE MUNICIPAL DISTRICT OF ADARE-**

**RATHKEALE HELD IN THE** **COUNCIL CHAMBER, MERCHANT'S QUAY,** **LIMERICK, ON MONDAY, 15TH** **MAY, 2017**

**PRESENT IN THE CHAIR:** Councillor A. Teskey, An Cathaoirleach.

**MEMBERS PRESENT:** Councillors Collins, Keary, O'Brien, O'Donoghue and Sheahan.

1. Adoption of Minutes

Circulated, copy of draft Minutes of Meeting of the Municipal District held on 10th April, 2017.

Proposed by Councillor Keary;
Seconded by Councillor Sheahan;
And Resolved:
"That, the Minutes be adopted."

2. Public Realm Works in Adare

The Senior Engineer outlined the public realm works in the village.

3. Any Other Business

There was no other business.
"""


def test_minutes_of_proceedings_are_minutes_of_the_body_and_day_their_heading_names():
    # Limerick's minutes open "MINUTES OF PROCEEDINGS AT ... MEETING OF <body> HELD ... ON <day>", in bold runs
    # broken across lines, after a scanner's note; the first date in their text is the previous meeting's.
    doc = parse_document(Document("md.txt", "md.txt", LIMERICK_MINUTES, "Minutes - Special Meeting"))
    assert doc.committee == "Municipal District of Adare-Rathkeale"
    (minutes,) = doc.papers  # the scanner's note is part of the minutes, not a paper of its own
    assert minutes.paper_type == "minutes" and minutes.meeting_date == date(2017, 5, 15)
    assert [(i.number, i.title) for i in minutes.items] == [
        (1, "Adoption of Minutes"),
        (2, "Public Realm Works in Adare"),
        (3, "Any Other Business"),
    ]


def test_a_heading_date_the_scan_garbled_is_read_from_the_records_title():
    text = LIMERICK_MINUTES.replace("15TH** **MAY, 2017", "15™ MAY, 2O17")
    doc = parse_document(
        Document("md.txt", "md.txt", text, "Minutes - Meeting of the Municipal District - 15th May 2017")
    )
    assert [p.meeting_date for p in doc.papers] == [date(2017, 5, 15)]


@pytest.mark.parametrize(
    ("head", "committee"),
    [
        (
            "MINUTES OF PROCEEDINGS AT MEETING OF LIMERICK CITY AND COUNTY\nCOUNCIL HELD IN THE COUNCIL CHAMBER",
            "Limerick City and County Council",
        ),
        (
            "**MINUTES OF PROCEEDINGS AT DRAFT BUDGETARY PLAN MEETING FOR THE METROPOLITAN**\n"
            "**DISTRICT OF LIMERICK HELD",
            "Metropolitan District of Limerick",
        ),
        (
            "**COMMUNITY, LEISURE & EMERGENCY SERVICES STRATEGIC POLICY** **COMMITTEE**\n\nA meeting of the Community, "
            "Leisure & Emergency Services Strategic Policy Committee was held in Castlemahon",
            "Community, Leisure & Emergency Services Strategic Policy Committee",
        ),
        (
            "MINUTES OF PROCEEDINGS AT MEETING OF THE MUNICIPAL DISTRICT OF ADARE- RATHKEALE JPC SUB COMMITTEE HELD ON",
            "Municipal District of Adare-Rathkeale JPC Sub Committee",
        ),
        ("MINUTES OF PROCEEDINGS AT MEETING OF THE COUNCIL HELD ON", "Council"),
    ],
)
def test_the_committee_is_the_body_whose_meeting_it_is_written_as_a_name(head, committee):
    assert parse_document(Document("m.txt", "m.txt", head + "\n\nThe meeting began.\n")).committee == committee


def test_a_minute_number_on_a_line_of_its_own_takes_the_title_below_it():
    # Limerick's Metropolitan District prints "**1.**", a blank line, then "**Adoption of Minutes**".
    text = LIMERICK_MINUTES
    for number, title in [(1, "Adoption of Minutes"), (2, "Public Realm Works in Adare"), (3, "Any Other Business")]:
        text = text.replace(f"{number}. {title}\n", f"**{number}.**\n\n**{title}**\n")
    (minutes,) = parse_document(Document("md.txt", "md.txt", text, "Minutes - Special Meeting")).papers
    assert [(i.number, i.title) for i in minutes.items] == [
        (1, "Adoption of Minutes"),
        (2, "Public Realm Works in Adare"),
        (3, "Any Other Business"),
    ]


def test_a_minutes_heading_scanned_one_word_a_line_still_makes_minutes_with_items():
    # 90 of Limerick's records print "MINUTES", "OF", "PROCEEDINGS", ... each on a line of its own
    words = "MINUTES OF PROCEEDINGS AT MEETING OF THE".split()
    head = "\n\n".join(words) + "\n\nMUNICIPAL DISTRICT OF NEWCASTLE WEST HELD ON FRIDAY, 10TH FEBRUARY, 2023\n\n"
    body = "".join(
        f"{n}.\n\nMatter number {n}\n\nThe Members discussed matter {n} and noted it.\n\n" for n in (1, 2, 3)
    )
    (minutes,) = parse_document(Document("nw.txt", "nw.txt", head + body, "Minutes - Monthly Meeting")).papers
    assert minutes.paper_type == "minutes"
    assert [(i.number, i.title) for i in minutes.items] == [(n, f"Matter number {n}") for n in (1, 2, 3)]


@pytest.mark.parametrize(
    "heading",
    [
        "Minutes of Rathkeale Area Committee Meeting",
        "MINUTES OF NEWCASTLE AREA COMMITTEE MEETING HELD ON 7TH MAY, 2014",
        "**Minutes of Meeting of Kilmallock Area Committee held in Kilmallock on Thursday 24th April 2014**",
        "A meeting of the Community, Leisure & Emergency Services Strategic Policy Committee was held on 2nd December",
    ],
)
def test_the_ways_limerick_heads_its_minutes_make_minutes(heading):
    body = "".join(f"{n}. Matter number {n}\n\nThe Members discussed matter {n}.\n\n" for n in (1, 2, 3))
    papers = parse_document(Document("m.txt", "m.txt", f"{heading}\n\nPresent: Councillor Daly.\n\n{body}")).papers
    assert [(p.paper_type, len(p.items)) for p in papers] == [("minutes", 3)]


def test_minutes_mentioned_inside_minutes_start_no_paper_of_their_own():
    head = "Minutes of Rathkeale Area Committee Meeting\n\nPresent: Councillor Daly.\n\n"
    body = (
        "1. Adoption of Minutes\n\n"
        "Minutes of meeting of 16th September were proposed by Cllr. Mitchell and seconded by Cllr. Collins.\n\n"
        "2. Matters Arising\n\n"
        "A Special Meeting of the Council will be held on 25th February to discuss the budget.\n\n"
        "Minutes of the July meeting.\n\n"
        "3. Any Other Business\n\nNone.\n"
    )
    papers = parse_document(Document("m.txt", "m.txt", head + body)).papers
    assert [(p.paper_type, [i.number for i in p.items]) for p in papers] == [("minutes", [1, 2, 3])]


def test_items_minuted_under_item_headings_are_items_not_attendance():
    # Limerick's strategic policy committees print "**Item 3**" over "**URDF Funding Briefing**"; the only
    # numbered lines are "1." and "2." under any other business.
    head = "MINUTES OF PROCEEDINGS OF MEETING OF THE ECONOMIC DEVELOPMENT SPC\n\nApologies: Cllr. O'Donoghue.\n\n"
    titles = ["Adoption of Minutes", "Revised Standing Orders", "URDF Funding Briefing", "Any Other Business"]
    body = "".join(
        f"**Item {n}**\n\n**{title}**\n\nMembers discussed the {title.lower()} and noted the report.\n\n"
        for n, title in enumerate(titles, start=1)
    )
    aob = "1. The Chairman thanked the members.\n\n2. Next Meeting – 21st June, 2021.\n"
    text = head + body + aob + "Item 5 on the next agenda was noted.\n"
    (minutes,) = parse_document(Document("spc.txt", "spc.txt", text, "Minutes - Meeting of the SPC")).papers
    assert [(i.number, i.title) for i in minutes.items] == list(enumerate(titles, start=1))
    urdf = minutes.items[2]
    assert text[urdf.start : urdf.end].startswith("**Item 3**") and "URDF" not in text[minutes.items[3].start :]
    inline = "Item 2 – Delegation Kilfinny Group Water\n\nItem 3: Update Gortadroma Landfill\n"
    (paper,) = parse_document(Document("md.txt", "md.txt", head + inline, "Minutes - Meeting")).papers
    assert [(i.number, i.title) for i in paper.items] == [
        (2, "Delegation Kilfinny Group Water"),
        (3, "Update Gortadroma Landfill"),
    ]


def test_one_missing_minute_number_does_not_cut_the_items_before_it():
    # A scan that lost "5." (or minutes that skip a withdrawn item) keeps items 1-4 and 6-11 alike.
    numbers = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11]
    body = "".join(
        f"**{n}.**\n\n**Matter number {n}**\n\nThe Members discussed matter {n} at some length and noted it.\n\n"
        for n in numbers
    )
    text = "MINUTES OF PROCEEDINGS AT MEETING OF THE METROPOLITAN DISTRICT\n\nPresent: Councillor Daly.\n\n" + body
    (minutes,) = parse_document(Document("md.txt", "md.txt", text, "Minutes - Monthly Meeting")).papers
    assert [i.number for i in minutes.items] == numbers
    assert minutes.items[0].title == "Matter number 1"


def test_an_item_the_minutes_take_out_of_order_is_an_item():
    # "it was agreed to take item No. 7 at this time": item 7's minutes follow item 2's, then 3 to 6 resume.
    def item(n, title, body):
        return f"{n}.\n\n{title}\n\n{body}\n\n"

    text = (
        "MINUTES OF PROCEEDINGS AT MEETING OF LIMERICK CITY AND COUNTY COUNCIL\n\nPresent: Councillor Daly.\n\n"
        + item(1, "Adoption of Minutes", "The minutes were adopted.")
        + item(
            2,
            "Fixing of Date",
            "With the Mayor's permission, it was agreed to take item No. 7 on the Agenda at this time.",
        )
        + item(7, "Environment and Water", "Disposal of lands at Gortadroma Landfill for a Gasification Plant.")
        + "".join(item(n, f"Matter number {n}", f"Matter {n} was noted.") for n in (3, 4, 5, 6, 8))
        + "The Members discussed 4. Other business and noted it."
    )
    (minutes,) = parse_document(Document("m.txt", "m.txt", text, "Minutes - Full Meeting")).papers
    assert [i.number for i in minutes.items] == [1, 2, 7, 3, 4, 5, 6, 8]
    seven = minutes.items[2]
    assert seven.title == "Environment and Water" and "Gasification" in text[seven.start : seven.end]
    assert "Gasification" not in text[minutes.items[1].start : minutes.items[1].end]


def test_a_motion_starting_mid_line_is_a_decision_from_its_own_sentence():
    # Scanned minutes wrap lines anywhere, so a decision often starts after another sentence on its line.
    text = (
        "Members welcomed the proposed construction of the boundary wall. It was proposed by Councillor\n\n"
        "Slattery, seconded by Councillor Kiely and agreed to approve the Part 8. Members then\n\n"
        "noted the report and it was proposed by Councillor Galvin to defer the next matter."
    )
    assert [text[a:b] for a, b in resolved_blocks(text, 0, len(text))] == [
        "It was proposed by Councillor\n\nSlattery, seconded by Councillor Kiely and agreed to approve the Part 8."
    ]


def test_a_quoted_resolution_reads_on_over_a_page_break_but_ends_at_a_paragraph_gap():
    # A scan's page break ("---" and the page number, both furniture) is no paragraph end: the resolution's
    # sum is on the next page. An unclosed quote still ends at a real paragraph gap.
    head = (
        "MINUTES OF PROCEEDINGS AT MEETING OF LIMERICK CITY AND COUNTY COUNCIL\n\n"
        "3.\n\nDisposal of Land\n\nProposed by Councillor O'Hanlon;\n\nSeconded by Councillor Egan;\n\n"
        "And Resolved:\n\n“That the disposal of the Opera Site to Limerick Twenty Thirty"
    )
    rest = "\n\nStrategic Development DAC, for the sum of €16,000,000, be approved.”\n\n4.\n\nCorrespondence\n\nNoted."
    text = head + "\n---\n8" + rest
    furniture = ((len(head) + 1, len(head) + 4), (len(head) + 5, len(head) + 6))
    doc = Document("m.txt", "m.txt", text, "Minutes - Full Meeting", furniture=furniture)
    (minutes,) = parse_document(doc).papers
    [(start, end)] = minutes.items[0].resolved
    assert text[start:end].startswith("Proposed by Councillor O'Hanlon")
    assert text[start:end].endswith("for the sum of €16,000,000, be approved.”")

    unclosed = "It was proposed by Councillor Egan and resolved “That the report be noted\n\n\nThe Mayor thanked staff."
    [(start, end)] = resolved_blocks(unclosed, 0, len(unclosed))
    assert unclosed[start:end].endswith("be noted")


WRAPPED_REPORT = """3 Background and Information

- 3.2 The EIP team comprised domestic abuse case workers from Coventry Haven
Women's Aid (CHWA), and Panahghar. All of them brought the expertise and specialty
of their agencies to the team to engage with and safeguard survivors.

2.1 Background
No change.

14.4 Findings from consultation on children's provision
See below.

2.7 Will there be any potential impacts on Council staff from protected groups?
Coventry City Council is committed to making a positive difference to the lives of
local people and to promoting equality of opportunity for its residents.

10. DIRECTOR OF SERVICE REPORT ON THE EXTINGUISHMENT OF PUBLIC
RIGHT OF WAY THROUGH PEDESTRIAN GATE AT GREEN PARK CLOSE, LIMERICK.
"""


def test_a_pdfs_wrapped_numbered_paragraph_is_not_a_heading_and_headings_over_text_stay():
    from precedent.corpus.sections import sections

    titles = [s.title for s in sections(WRAPPED_REPORT, 0, len(WRAPPED_REPORT))]
    assert titles == [
        "3 Background and Information",  # the wrapped "3.2 The EIP team ... Coventry Haven" stays inside it
        "2.1 Background",  # narrower than a page's measure
        "14.4 Findings from consultation on children's provision",  # over a short line
        "2.7 Will there be any potential impacts on Council staff from protected groups?",  # a question
        "10. DIRECTOR OF SERVICE REPORT ON THE EXTINGUISHMENT OF PUBLIC",  # a title in capitals
    ]


def test_lines_set_in_bold_or_larger_type_are_headings_but_bold_decisions_and_paragraphs_are_not():
    from precedent.corpus.typeset import Run, heading_lines

    def line(text: str, y: float, bold: bool = False, size: float = 10.5) -> Run:
        return Run(text, y, size, bold)

    page = [
        line("Foreword", 700, size=14),  # larger type
        line("Whilst most people do not use drugs, drug misuse can be found across all", 686),
        line("communities in society.", 672),
        line("5. Progress Update on the Implementation of the New Domestic Violence and", 640, bold=True),
        line("Abuse (DVA) Commissioned Services for Coventry", 626, bold=True),  # one title over two lines
        line("The report set out the progress made since the services began in", 600),
        line("in treatment as a rate of the projected number of children affected by", 586, bold=True),  # mid-paragraph
        line("parental misuse is low.", 572),
        line("RESOLVED that:", 540, bold=True),
        line("(1) The report be welcomed", 510, bold=True),  # a decision, below a gap
        line("Minutes were noted", 490),
        line("Key Findings", 460, bold=True),
        line("• Enforcement notice served", 420, bold=True),  # a list item
        line("The Chair thanked officers for the report, which was", 400),
        line("Gender Identity in Coventry", 370, bold=True),
        line("Bold paragraph text that runs over", 340, bold=True),
        line("two lines and ends a sentence.", 326, bold=True),
    ]
    assert heading_lines(page, body=10.5) == [
        ("Foreword", False),
        ("5. Progress Update on the Implementation of the New Domestic Violence and", False),
        ("Abuse (DVA) Commissioned Services for Coventry", True),
        ("Key Findings", False),
        ("Gender Identity in Coventry", False),
    ]


def test_resolved_starting_a_wrapped_line_is_no_decision():
    text = (
        "Matters raised included:\n\n"
        "- What the Committee could do to help publicise the national issues that had yet to be\n"
        "resolved\n"
        "- Where poor decisions had been made, were individuals held to account\n\n"
        "RESOLVED that the report be noted.\n"
    )
    [block] = resolved_blocks(text, 0, len(text))
    assert text[block[0] : block[1]] == "RESOLVED that the report be noted."
