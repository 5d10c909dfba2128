"""Chunks are verbatim, stay inside their item or section, and carry what a citation needs."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.chunking import ChunkerSettings, chunk_document
from precedent.corpus.document import Document
from precedent.corpus.papers import parse_document


def load(name: str):
    path = BUNDLED_CORPUS / name
    return parse_document(Document(name, str(path), path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt")))
def test_chunks_are_verbatim_and_never_cross_items(name):
    parsed = load(name)
    text = parsed.document.text
    chunks = chunk_document(parsed)
    assert chunks
    items = [(i.start, i.end) for p in parsed.papers if p.paper_type != "agenda" for i in p.items]
    papers = [(p.start, p.end) for p in parsed.papers]
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert len(chunk.text) <= ChunkerSettings().chunk_size
        assert any(s <= chunk.start and chunk.end <= e for s, e in papers)
        if chunk.item is not None:
            assert any(s <= chunk.start and chunk.end <= e for s, e in items)
        assert "intentionally left blank" not in chunk.text.lower()


def test_resolution_is_its_own_passage_with_item_and_date():
    chunks = chunk_document(load("000_598379763418fa6f.txt"))
    resolved = [c for c in chunks if c.kind == "resolved" and c.item == 43]
    assert len(resolved) == 1
    chunk = resolved[0]
    assert chunk.text.startswith("**RESOLVED that the Committee concur with the decisions of Cabinet")
    assert chunk.meeting_date == "2015-02-04"
    assert chunk.paper_type == "minutes"
    assert chunk.item_title == "Call-In Stage 2 - Public Space Protection Order (Coventry Dog Control)"
    assert chunk.header == (
        "Minutes of the meeting of 4 February 2015 | Minute 43: Call-In Stage 2 - Public Space Protection "
        "Order (Coventry Dog Control) | The Chair, Councillor Skipper reported that at their meeting on 6th "
        "January, 2015 Cabinet approved proposals about the creation of a City-wide Public Space … | Resolution"
    )
    assert chunk.indexed_text == chunk.header + "\n" + chunk.text


def test_attendance_is_findable():
    chunks = chunk_document(load("003_93324c32ccbf2837.txt"))
    attendance = [c for c in chunks if c.kind == "attendance"]
    assert attendance and all(c.meeting_date == "2023-04-19" for c in attendance)
    assert any("Apologies" in c.text for c in attendance)


def test_headers_can_be_switched_off():
    chunks = chunk_document(load("001_e0088b1ccd8f89d9.txt"), ChunkerSettings(headers=False))
    assert all(c.header == "" and c.indexed_text == c.text for c in chunks)


def test_appendix_passages_are_headed_by_their_report():
    chunks = chunk_document(load("004_56fbcfbcc01a2fd8.txt"))
    decommissioned = next(c for c in chunks if "A number of current services will be decommissioned" in c.text)
    assert decommissioned.paper_title == "Equality and Consultation Analysis Template"
    assert decommissioned.header.startswith(
        "Commissioning of Domestic Violence and Abuse Services – Equality and Consultation Analysis Template"
    )


CUT_INSIDE = ChunkerSettings(chunk_size=900, chunk_overlap=120)
"""Passages of this size cut the tables and the list below where these tests look."""


def test_passages_cut_from_a_table_carry_its_column_headings():
    chunks = chunk_document(load("002_4fffa3c2bb201242.txt"), CUT_INSIDE)
    headings = "Protected Characteristic | Impact type P, N, PN, NI | Nature of impact and any mitigations required"
    religion = next(c for c in chunks if c.text.startswith("| Religion and belief | NI |"))
    assert religion.header.endswith(headings)
    # The table goes on after a page break under an empty heading row: the headings above still apply.
    marriage = next(c for c in chunks if "| Marriage and Civil Partnership | NI |" in c.text)
    assert marriage.header.endswith(headings)
    # A passage that starts with the heading row itself does not repeat it; prose passages get none.
    assert all(
        " | ".join(["Protected Characteristic", "Impact type"]) not in c.header
        for c in chunks
        if not c.text.lstrip().startswith("|")
    )
    tab_table = next(c for c in chunks if c.text.startswith("| 2023/2024 | Coventry City of Culture Legacy"))
    assert tab_table.header.endswith("Date | Title | Detail | Cabinet Member/ Lead Officer")


def test_a_cover_sheet_label_is_kept_with_the_section_it_heads():
    chunks = chunk_document(load("004_56fbcfbcc01a2fd8.txt"))
    titled = [c for c in chunks if c.text.startswith("**Title:**\n\nStrategic Built Environment Group")]
    assert len(titled) == 1
    assert "### 1. Background" in titled[0].text
    unmerged = chunk_document(load("004_56fbcfbcc01a2fd8.txt"), ChunkerSettings(merge_labels=False))
    alone = [c for c in unmerged if c.text.startswith("**Title:**\n\nStrategic Built Environment Group")]
    assert alone and "Background" not in alone[0].text


def test_each_numbered_resolution_is_a_passage_with_its_lettered_sub_parts():
    chunks = chunk_document(load("003_93324c32ccbf2837.txt"))
    parts = [c.text for c in chunks if c.kind == "resolved" and c.item == 56]
    assert len(parts) == 3
    assert parts[0].startswith("RESOLVED that the Scrutiny Co-ordination Committee:-\n\n1) Requests that officers:-")
    assert "a) Investigate and consider strengthening PSPOs" in parts[0]
    assert "c) Share the PSPO evaluation report" in parts[0]
    assert parts[1].startswith("2) Recommends that the Cabinet Member for Policing and Equalities")
    assert parts[2].startswith("3) Express their support")


def test_a_long_markdown_heading_names_its_section_by_its_first_sentence():
    chunks = chunk_document(load("004_56fbcfbcc01a2fd8.txt"))
    workforce = next(c for c in chunks if "Currently 38 staff are employed by providers" in c.text)
    assert workforce.section == (
        "20. What will be the impact on the workforce following implementation of the final option?"
    )


def test_a_passage_cut_from_a_list_carries_the_sentence_introducing_it():
    chunks = chunk_document(load("002_4fffa3c2bb201242.txt"), CUT_INSIDE)
    lead_in = "The additional services commissioned in 2022/23 will be continued in 2023/24 including"
    listed = next(c for c in chunks if c.text.startswith("- Additional capacity and specific support for offenders"))
    assert listed.header.endswith(lead_in)
    assert lead_in not in listed.text  # the sentence ends the passage before; the header is not the text
    # A list under a sentence that does not end in a colon, or a passage starting with prose, gets none.
    assert not any(c.header.endswith(lead_in) for c in chunks if c is not listed)
    plain = chunk_document(load("002_4fffa3c2bb201242.txt"), replace(CUT_INSIDE, lead_ins=False))
    assert not any(c.header.endswith(lead_in) for c in plain)


@pytest.mark.parametrize(
    ("name", "first_line", "last_line"),
    [
        ("000_598379763418fa6f.txt", "### **Report Authors:**", "Enquiries should be directed to the above person."),
        ("002_4fffa3c2bb201242.txt", "Report Author(s):", "Enquiries should be directed to the above person."),
        ("003_93324c32ccbf2837.txt", "NAME: Joy Adams", "EMAIL: daryl.lyon@westmidlands.police.uk"),
        ("004_56fbcfbcc01a2fd8.txt", "#### **Report author(s):**", "Enquiries should be directed to the above persons"),
    ],
)
def test_report_authors_and_contacts_are_passages_of_their_own(name, first_line, last_line):
    chunks = chunk_document(load(name))
    contacts = [c for c in chunks if c.kind == "contact" and c.text.startswith(first_line)]
    assert len(contacts) == 1
    block = contacts[0]
    assert block.section == "Report author(s) and contact"
    assert block.text.rstrip().endswith(last_line)
    # The text after the block goes back to the section the block interrupted, or is an appendix.
    after = chunks[chunks.index(block) + 1]
    before = chunks[chunks.index(block) - 1]
    assert after.kind != "contact" and after.start >= block.end
    assert after.section == before.section or after.paper_type == "appendix"


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt")))
def test_every_resolution_is_in_a_passage_however_short(name):
    # "RESOLVED that the contents of the briefing note be noted." under the 50-letter item title "Statutory
    # Role of the Director of Public Health Annual Report" was dropped as if it were that title alone.
    parsed = load(name)
    chunks = chunk_document(parsed)
    text = parsed.document.text
    blocks = [block for paper in parsed.papers for item in paper.items for block in item.resolved]
    for start, end in blocks:
        words = [(m.start(), m.group()) for m in re.finditer(r"[A-Za-z]{4,}", text[start:end])]
        for offset, word in words:
            at = start + offset
            assert any(c.start <= at < c.end for c in chunks), (name, word, text[start:end][:80])
    if name.startswith("004"):
        noted = [c for c in chunks if c.kind == "resolved" and c.item == 35]
        assert [c.text for c in noted] == ["**RESOLVED that the contents of the briefing note be noted.**"]


def test_a_contents_list_is_a_passage_of_its_own_kind():
    chunks = chunk_document(load("002_4fffa3c2bb201242.txt"))
    listing = next(c for c in chunks if "| 2) Survey Overview | 4 |" in c.text)
    assert listing.kind == "contents" and listing.section == "Contents"
    survey = next(c for c in chunks if "In total, 845 surveys were completed" in c.text)
    assert survey.kind == "section" and "| Page |" not in survey.text and "Survey Overview | 4" not in survey.text


SCANNED = (
    "The Senior Engineer stated that the Council are guided by national priorities and it was\n\n"
    "felt that a bypass of the town would be more beneficial as it would take over 65% of the\n\n"
    "traffic away from the town. He outlined that the connections to the national road would be\n\n"
    "made at two points. Members welcomed the report and asked that the public be kept informed\n\n"
    "of progress on the scheme. The Cathaoirleach thanked the Senior Engineer for attending the\n\n"
    "meeting and for the detailed presentation on the Southern Distributor Road proposals.\n\n"
)


def test_a_scanned_page_is_cut_at_sentence_ends_not_at_its_line_ends():
    # Every printed line is followed by a break, so cutting at breaks split sentences between two passages.
    parsed = parse_document(Document("scan.txt", "scan.txt", SCANNED))
    chunks = chunk_document(parsed, ChunkerSettings(chunk_size=300, chunk_overlap=0, headers=False))
    assert len(chunks) >= 2
    assert all(c.text.endswith(".") for c in chunks), [c.text[-30:] for c in chunks]
    assert any("it was\n\nfelt that a bypass" in c.text for c in chunks)


@pytest.mark.parametrize("name", sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt")))
def test_the_bundled_papers_are_not_hard_wrapped(name):
    from precedent.corpus.chunking import hard_wrapped

    assert not hard_wrapped((BUNDLED_CORPUS / name).read_text(encoding="utf-8"))
    assert hard_wrapped(SCANNED)


def test_later_passages_of_an_item_carry_its_opening_in_their_header():
    # "Question submitted by Councillor X" names no topic; the question under it does.
    reply = " ".join(f"Sentence {n} of the reply about the works programme for the district." for n in range(40))
    text = (
        "MINUTES OF PROCEEDINGS AT MEETING OF THE MUNICIPAL DISTRICT OF NEWCASTLE WEST\n\nPresent: Cllr Galvin.\n\n"
        "**5.**\n\n**Question submitted by Councillor L. Galvin**\n\n"
        "***I will ask at the next Meeting that the footpath be repaired outside Pet World, Abbeyfeale.***\n\n"
        f"**REPLY:** {reply}\n\n"
        "**6.**\n\n**Disposal of Land**\n\n(a) Circulated, report on the disposal of a site at Main Street.\n\n"
        f"{reply}\n\n"
    )
    doc = Document("nw.txt", "nw.txt", text, "Minutes - Monthly Meeting of Newcastle West")
    chunks = chunk_document(parse_document(doc))
    question = [c for c in chunks if c.item == 5]
    assert len(question) >= 2
    assert "footpath be repaired" not in question[0].header  # the first passage holds the question itself
    assert all("I will ask at the next Meeting that the footpath be repaired" in c.header for c in question[1:])
    assert all(c.header.endswith("Minute 6: Disposal of Land") for c in chunks if c.item == 6)  # several matters


def test_each_lettered_matter_of_an_item_names_its_own_passages():
    # A directorate's item holds several matters; the opening names (a), so (b)'s passages carried (a)'s topic.
    talk = " ".join(f"The Senior Engineer said that phase {n} of the works would finish on time." for n in range(20))
    text = (
        "MINUTES OF PROCEEDINGS AT MEETING OF THE METROPOLITAN DISTRICT OF LIMERICK\n\nPresent: Cllr Hourigan.\n\n"
        "**3.**\n\n**Service Operations Directorate**\n\n**(a)**\n\n**Part 8 Procedure – Housing at Blackboy Road**\n\n"
        f"{talk}\n\n**(b)**\n\n**Update on the O’Connell Street Project**\n\n{talk}\n\n"
        f"(c) Discussion on Horizon Mall Site\n\n{talk}\n\n**4.**\n\n**Correspondence**\n\nNoted.\n"
    )
    doc = Document("metro.txt", "metro.txt", text, "Minutes - Monthly Meeting of Metropolitan District")
    chunks = [c for c in chunk_document(parse_document(doc)) if c.item == 3]
    b, c = text.index("**(b)**"), text.index("(c) Discussion")
    assert chunks[0].header.endswith("Minute 3: Service Operations Directorate")  # it holds the title itself
    for chunk in chunks[1:]:
        matter = (
            "(a) Part 8" if chunk.start < b else "(b) Update on the O’Connell" if chunk.start < c else "(c) Discussion"
        )
        assert chunk.header.split(" | ")[-1].startswith(matter), (chunk.start, chunk.header)
    assert {chunk.header.split(" | ")[-1][:3] for chunk in chunks[1:]} == {"(a)", "(b)", "(c)"}


def test_an_items_opening_leaves_out_the_page_furniture_it_crosses():
    reply = " ".join(f"Sentence {n} of the reply about the works programme for the district." for n in range(40))
    head = (
        "MINUTES OF PROCEEDINGS AT MEETING OF THE MUNICIPAL DISTRICT OF NEWCASTLE WEST\n\nPresent: Cllr Galvin.\n\n"
        "5. Question submitted by Councillor L. Galvin\n\n"
    )
    footer = "Page 3\n\nLimerick City and County Council"
    text = (
        f"{head}{footer}\n\nI will ask at the next Meeting that the footpath be repaired outside Pet World.\n\n"
        f"REPLY: {reply}\n\n6. Disposal of Land\n\n{reply}\n"
    )
    furniture = ((len(head), len(head) + len(footer)),)
    doc = Document("nw.txt", "nw.txt", text, "Minutes - Monthly Meeting of Newcastle West", furniture=furniture)
    question = [c for c in chunk_document(parse_document(doc)) if c.item == 5]
    assert len(question) >= 2 and all("footpath be repaired" in c.header for c in question[1:])
    assert not any("Page 3" in c.header or "Limerick City and County Council" in c.header for c in question)


def test_a_special_meetings_decision_is_a_decision_though_its_minutes_number_no_items():
    # A special meeting minutes its one matter without numbered items; its motion is still the meeting's decision.
    text = (
        "MINUTES OF PROCEEDINGS AT SPECIAL MEETING OF LIMERICK CITY AND COUNTY COUNCIL\n\n"
        "HELD ON MONDAY, 8TH NOVEMBER, 2021\n\nPRESENT IN THE CHAIR: Councillor Slattery, Cathaoirleach\n\n"
        "Circulated, report setting out proposals for the disposal of the Opera Site.\n\n"
        "The Chief Executive outlined the works to date on the site and the lease of the Library Building.\n\n"
        "Proposed by Councillor O'Hanlon;\n\nSeconded by Councillor Egan;\n\nAnd Resolved:\n\n"
        "“That the disposal of the Opera Site to Limerick Twenty Thirty DAC be approved.”\n\n"
        "The Cathaoirleach thanked the Members.\n"
    )
    parsed = parse_document(Document("special.txt", "special.txt", text, "Minutes - Special Meeting"))
    (minutes,) = [p for p in parsed.papers if p.paper_type == "minutes"]
    assert not minutes.items
    [(start, end)] = minutes.resolved
    assert text[start:end].startswith("Proposed by Councillor O'Hanlon;")
    assert text[start:end].endswith("Limerick Twenty Thirty DAC be approved.”")
    decided = [c for c in chunk_document(parsed) if c.kind == "resolved"]
    assert [c.text for c in decided] == [text[start:end]]
    assert all("Proposed by" not in c.text for c in chunk_document(parsed) if c.kind != "resolved")


def test_business_minuted_before_the_first_item_is_cited_as_proceedings_not_attendance():
    # A budget meeting minutes its whole debate before its one numbered item; only the lists are attendance.
    debate = " ".join(
        f"The Chief Executive said that budget line {n} would rise in line with the agreed plan for the year."
        for n in range(30)
    )
    text = (
        "MINUTES OF PROCEEDINGS AT BUDGET MEETING OF LIMERICK CITY AND COUNTY COUNCIL\n\n"
        "PRESENT IN THE CHAIR: Councillor Daly, Mayor\n\n"
        "MEMBERS PRESENT: Councillors Benson, Butler, Collins, Costelloe, Hartigan, Kiely, Leddin.\n\n"
        f"{debate}\n\n"
        "1. Adoption of Budget\n\nThe budget was adopted.\n\n2. Correspondence\n\nNoted.\n"
    )
    parsed = parse_document(Document("budget.txt", "budget.txt", text, "Minutes - Budget Meeting"))
    chunks = [c for c in chunk_document(parsed) if c.item is None]
    lists = [c for c in chunks if "MEMBERS PRESENT" in c.text]
    later = [c for c in chunks if c.start >= text.index("The Chief Executive said")]
    assert lists and all(c.kind == "attendance" and c.section == "Attendance" for c in lists)
    assert later and all(c.kind == "section" and c.section == "Proceedings" for c in later)
    assert all("Proceedings" in c.header for c in later)


def test_a_special_meetings_business_is_proceedings_not_its_last_attendance_heading():
    # Minutes without numbered items: the title's wrapped lines and the attendance lists carry headings of their
    # own, and the business below them was cited as "OFFICIALS IN ATTENDANCE" or a line of the title.
    business = " ".join(
        f"The Director said that phase {n} of the Opera development would include offices." for n in range(8)
    )
    text = (
        "MINUTES OF PROCEEDINGS AT SPECIAL MEETING OF\n\nLIMERICK CITY AND COUNTY COUNCIL HELD IN THE\n\n"
        "COUNCIL CHAMBER ON MONDAY, 23RD FEBRUARY, 2015, AT 10.30 A.M.\n\n"
        "**PRESENT IN THE CHAIR:**\n\nCouncillor K. Sheahan, Mayor.\n\n"
        "**MEMBERS PRESENT:**\n\nCouncillors Browne, Butler, Byrne, Collins, Crowley.\n\n"
        "Apologies for their inability to attend the Meeting were received from Councillors Clifford and Ryan.\n\n"
        "**OFFICIALS IN ATTENDANCE:**\n\nChief Executive (Mr. C. Murray), Meetings Administrator (Mr. E. Griffin).\n\n"
        f"{business}\n\n**Library Building**\n\nThe lease of the Library Building was noted by the members present.\n"
    )
    parsed = parse_document(Document("special.txt", "special.txt", text, "Minutes - Special Meeting"))
    (minutes,) = [p for p in parsed.papers if p.paper_type == "minutes"]
    assert not minutes.items
    assert [s.title for s in minutes.sections] == ["Attendance", "Proceedings", "Library Building"]
    chunks = chunk_document(parsed)
    lists = [c for c in chunks if "Meetings Administrator" in c.text or "Apologies" in c.text]
    assert lists and all(c.kind == "attendance" and c.section == "Attendance" for c in lists)
    debate = [c for c in chunks if "Opera development" in c.text]
    assert debate and all(c.kind == "section" and c.section == "Proceedings" for c in debate)
    assert [c.section for c in chunks if "Library Building was noted" in c.text] == ["Library Building"]


def test_a_heading_naming_the_business_above_the_first_prose_stays_its_section():
    text = (
        "MINUTES OF PROCEEDINGS AT SPECIAL MEETING OF THE MUNICIPAL DISTRICT OF ADARE-RATHKEALE\n\n"
        "**PRESENT IN THE CHAIR:**\n\nCouncillor A. Teskey, An Cathaoirleach.\n\n"
        "**Water Quality Issues in Foynes**\n\n"
        "The Senior Engineer outlined the results of the water samples taken at the harbour this year.\n"
    )
    parsed = parse_document(Document("foynes.txt", "foynes.txt", text, "Minutes - Special Meeting"))
    (minutes,) = [p for p in parsed.papers if p.paper_type == "minutes"]
    assert [s.title for s in minutes.sections] == ["Attendance", "Water Quality Issues in Foynes"]
