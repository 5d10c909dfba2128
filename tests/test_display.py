"""Passages shown without their conversion markup, highlights still on the same words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from precedent.display import readable

MARKUP_HEAVY = st.lists(
    st.sampled_from(
        ["**", "*", "#", "## ", "---", "\n", " ", "\\", "(", "<b>", "</p>", "<br/>", "<li", ">", "x", "1."]
    ),
    max_size=40,
).map("".join)
WRAPPED_PAGE = st.lists(
    st.sampled_from(["the committee agreed the report of the director and ", "amend-", "ments ", "\n", "- ", "\t"]),
    max_size=30,
).map("".join)
"""Lines long enough to run on into paragraphs, with broken words, list items and table cells."""


def test_conversion_markup_is_not_shown():
    text = (
        "## Briefing Note\n\n---\n\n**To:** Scrutiny Co-ordination Committee\n\n\n\n"
        "Held on 17<sup>th</sup> November 2014 \\(see 4\\.5\\)"
    )
    assert readable(text)[0] == (
        "Briefing Note\n\nTo: Scrutiny Co-ordination Committee\n\nHeld on 17th November 2014 (see 4.5)"
    )


def test_markup_between_two_pieces_of_text_reads_as_a_space():
    assert readable("**10.10 a.m.****4. Coventry Drugs Strategy**")[0] == "10.10 a.m. 4. Coventry Drugs Strategy"
    assert readable("<ul><li>Refuge</li><li>Outreach</li></ul><p>One</p><p>Two<br>Three</p>")[0] == (
        "Refuge Outreach One Two Three "
    )


def test_a_papers_own_angle_brackets_and_underscores_stay():
    text = "<script>window.__xss = 1</script> Name: ________ <https://www.coventry.gov.uk>"
    assert readable(text)[0] == text


def test_highlights_move_with_the_text():
    text = "**RESOLVED that the Committee concur with the decisions of Cabinet.**\n\n## Next item"
    start = text.index("RESOLVED")
    shown, spans = readable(text, [(start, text.index(".**") + 1), (0, len(text))])
    assert [shown[a:b] for a, b in spans] == [
        "RESOLVED that the Committee concur with the decisions of Cabinet.",
        "RESOLVED that the Committee concur with the decisions of Cabinet.\n\nNext item",
    ]
    # a span whose ends fall inside removed markup keeps to the words between
    shown, spans = readable(text, [(1, len(text) - 10)])
    assert shown[spans[0][0] : spans[0][1]] == "RESOLVED that the Committee concur with the decisions of Cabinet.\n\n"


@settings(max_examples=600, database=None, derandomize=True)
@given(st.one_of(MARKUP_HEAVY, WRAPPED_PAGE))
def test_every_offset_lands_in_order_inside_the_shown_text(text):
    shown, spans = readable(text, [(i, i) for i in range(len(text) + 1)])
    starts = [start for start, _ in spans]
    assert starts == sorted(starts) and starts[0] == 0 and starts[-1] == len(shown)
    assert all(0 <= start <= len(shown) for start in starts)


def test_a_double_spaced_scan_reads_single_spaced_with_its_bullets():
    scan = (
        "Proposed by Councillor Teskey;\n\nSeconded by Councillor Hartigan;\n\nAnd Resolved:\n\n"
        "\u201cThat the allocation\n\nbe adopted\u201d.\n\n\uf0b7 \u20ac1,000 to Rathkeale."
    )
    shown, (mark,) = readable(scan, [(scan.index("And"), scan.index(":") + 1)])
    assert shown == (
        "Proposed by Councillor Teskey;\nSeconded by Councillor Hartigan;\nAnd Resolved:\n"
        "\u201cThat the allocation\nbe adopted\u201d.\n\u2022 \u20ac1,000 to Rathkeale."
    )
    assert shown[mark[0] : mark[1]] == "And Resolved:"
    typed = "Para one.\n\nPara two.\nline three\nline four\nline five"  # paragraphs of a typed paper stay apart
    assert readable(typed)[0] == typed
    headed = "**Item 4**\n\nThe Members noted it.\n\nIt was agreed.\n\nThe Chair thanked them."
    assert readable(headed)[0] == headed.replace("**", "")


def test_a_short_double_spaced_decision_reads_single_spaced():
    # Too few lowercase joins for `hard_wrapped`; the blank lines fall mid-sentence all the same.
    scan = (
        "It was proposed by Councillor Slattery, seconded by Councillor Kiely and agreed to approve the Part\n\n"
        "8, subject to the amendment that a section of the footpath at the development location on the Old\n\n"
        "Cork Road, also be removed."
    )
    assert readable(scan)[0] == scan.replace("\n\n", "\n")
    two = "It was agreed that a Workshop and Special Meeting would be arranged on the issue\n\nas a matter of urgency."
    assert readable(two)[0] == two.replace("\n\n", " ")
    assert readable("Briefing Note\n\nTo: Scrutiny Co-ordination Committee")[0].count("\n\n") == 1


def test_printed_lines_each_followed_by_a_blank_read_single_spaced():
    # Few blank lines fall mid-sentence here (names and "Proposed by" lines), but every printed line has one.
    scan = (
        "The outgoing Mayor invited nominations for the Office of Mayor of the City and County of\n\n"
        "Limerick for the coming year.\n\nProposed by Councillor Collins (M);\n\n"
        "Seconded by Councillor Collins (J);\n\n"
        "“That, Councillor Kieran O’Hanlon be appointed Mayor of the City and County of\n\n"
        "Limerick to hold office to the next Annual Meeting.”\n\nProposed by Councillor Keller;"
    )
    assert readable(scan)[0] == scan.replace("\n\n", "\n")
    typed = (  # a typed paper's paragraphs are longer than a printed line: they stay apart
        "The Committee considered a report of the Director of Law and Governance which set out the details of the "
        "call-in of the decision of Cabinet in respect of the Public Spaces Protection Order.\n\n"
        "Members of the Committee questioned the officers present on a number of issues, including enforcement and "
        "the consultation undertaken with residents of the city.\n\nRESOLVED that the Committee concur.\n\n"
        "The Chair thanked the officers for attending the meeting and answering the questions of the members."
    )
    assert readable(typed)[0] == typed


def test_a_scan_bolding_each_printed_line_reads_as_paragraphs():
    scan = (
        "**I have reviewed the up to date position and I am satisfied that every effort will be made**\n\n"
        "**to break-even on the Revenue Account for 2015; however there is pressure on a number**\n\n"
        "**of income heads and ongoing controls on expenditure are in place.**\n\n"
        "**Analysis of Expenditure Requirements 2016**\n\n"
        "**The total estimated expenditure included in the Draft Budget for 2016 amounts to**\n\n"
        "**€239.477 million.**"
    )
    assert readable(scan)[0] == (
        "I have reviewed the up to date position and I am satisfied that every effort will be made to break-even on "
        "the Revenue Account for 2015; however there is pressure on a number of income heads and ongoing controls "
        "on expenditure are in place.\nAnalysis of Expenditure Requirements 2016\nThe total estimated expenditure "
        "included in the Draft Budget for 2016 amounts to €239.477 million."
    )


def test_a_pdf_pages_wrapped_lines_read_as_paragraphs_and_its_tables_lists_and_headings_stay_lines():
    page = (
        "4 Police and Crime Board Priorities\n\n"
        "- 4.1 The responsibility for delivering these strategic priorities (see Appendix 1) ultim-\n"
        "ately lies with the PCB, although these are allocated and managed by the sub-groups,\n"
        "which support the Board.\n"
        "- 4.4 There is further scrutiny of the plan by the West Midlands Police and Crime\n"
        "Commissioner, who has a representative on the Coventry PCB. The Commissioner proposed amend-\n"
        "ments to the plan, and the amendments were agreed by the Board at its multi-\n"
        "agency meeting.\n"
        "Sub Group\tStrategic priorities\tThemes\n"
        "City Tasking\tPublic place safety and reassurance\tFocusing partnership resource in the areas\n"
        "Joy Adams\nCCTV and Community Safety Manager"
    )
    marked = (page.index("which"), page.index("Board.") + 6)
    shown, (mark,) = readable(page, [marked])
    assert shown == (
        "4 Police and Crime Board Priorities\n\n"
        "- 4.1 The responsibility for delivering these strategic priorities (see Appendix 1) ultim-"
        "ately lies with the PCB, although these are allocated and managed by the sub-groups, "
        "which support the Board.\n"
        "- 4.4 There is further scrutiny of the plan by the West Midlands Police and Crime "
        "Commissioner, who has a representative on the Coventry PCB. The Commissioner proposed amendments to the "
        "plan, and the amendments were agreed by the Board at its multi-agency meeting.\n"
        "Sub Group\tStrategic priorities\tThemes\n"
        "City Tasking\tPublic place safety and reassurance\tFocusing partnership resource in the areas\n"
        "Joy Adams\nCCTV and Community Safety Manager"
    )
    assert shown[mark[0] : mark[1]] == "which support the Board."
    typed = "Council House\nEarl Street\n\n" + "The committee considered the report of the Director. " * 4
    assert readable(typed)[0] == typed  # a typed paper's lines are its own


def test_an_answer_starting_mid_line_reads_on_as_its_paragraph_does():
    from precedent.display import shown_slice

    page = (
        "- 3.3 The strategic assessment is created by the Partnership Intelligence Liaison Team. The Strategic\n"
        "Assessment is a regionally agreed service which provides each CSP with an annual report looking at\n"
        "the last 12 months.\n"
        "NAME: Joy Adams"
    )
    start = page.index("The Strategic")
    assert shown_slice(page, start, page.index("months.") + 7) == (
        "The Strategic Assessment is a regionally agreed service which provides each CSP with an annual report "
        "looking at the last 12 months."
    )


def test_a_labelled_field_starts_its_own_line_in_a_wrapped_page():
    page = (
        "Other Members: Councillors R Bailey, D Skinner, P Townshend and the Cabinet Member for\n"
        "Other Representatives: Simon Brooke, Working Together on Welfare Reform Group and\n"
        "representatives of the Coventry Law Centre, who reported on the work of the partnership."
    )
    assert readable(page)[0] == page.replace("and\nrepresentatives", "and representatives")


def test_a_passage_over_a_page_break_reads_on_without_the_pages_header_and_footer():
    from precedent.display import shown_slice, to_text

    footer, header = "Page 19", "Coventry City Council – Scrutiny Co-ordination Committee"
    text = (
        "- 3.3 The evaluation was conducted in collaboration with Coventry University and used\n"
        f"a mixed-methods evaluation of the project, using both quantitative methods and\n\n{footer}\n\n{header}\n\n"
        "qualitative methods to evaluate differences in risk assessments between the police and\n"
        "the team, and the perceived impact of the project."
    )
    furniture = ((text.index(footer), text.index(footer) + len(footer)), (text.index(header), text.index(header) + 56))
    marked = (text.index("quantitative"), text.index("risk"))
    shown, (mark,) = readable(text, [marked], furniture)
    assert footer not in shown and header not in shown
    assert "using both quantitative methods and qualitative methods to evaluate" in shown
    assert shown[mark[0] : mark[1]] == "quantitative methods and qualitative methods to evaluate differences in "
    assert to_text(text, furniture) == shown
    assert shown_slice(text, text.index("using"), text.index("police") + 6, furniture) == (
        "using both quantitative methods and qualitative methods to evaluate differences in risk assessments "
        "between the police"
    )
    assert header in readable(text)[0]  # without the spans the printed page is shown as it is
    # a page break where a paragraph or list ends stays a paragraph break
    listed = f"- Plans for a multi-agency Drugs and Alcohol Strategy for Coventry\n\n{footer}\n\nThe police said"
    at = listed.index(footer)
    assert readable(listed, furniture=((at, at + len(footer)),))[0] == listed.replace(f"{footer}\n\n", "")


def test_a_passage_over_a_page_break_cites_both_pages():
    from precedent.corpus.chunking import Chunk
    from precedent.index.hit import Citation

    chunk = Chunk("pack.pdf", 0, 10, "x" * 10, "", "section", "report", "Drug Strategy", "Scrutiny", "", page=18)
    assert Citation.of(chunk).heading().endswith("p. 18")
    spanning = Citation.of(Chunk.from_dict({**chunk.to_dict(), "last_page": 19, "furniture": [[2, 4]]}))
    assert spanning.heading().endswith("pp. 18-19") and spanning.pages in spanning.line()
    # a whole RESOLVED block cites the pages it lies on, whichever of its parts was found
    page_starts = [0, 100, 200, 300]
    assert Citation.of(chunk).spanning(page_starts, 150, 250).pages == "pp. 2-3"
    assert Citation.of(chunk).spanning(page_starts, 210, 290).pages == "p. 3"
    assert Citation.of(chunk).spanning([], 150, 250) == Citation.of(chunk)
