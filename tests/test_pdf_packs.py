"""Agenda packs as PDFs (typeset by Chromium from the bundled papers): furniture, hyphens, pages, papers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.chunking import chunk_document
from precedent.corpus.document import Document
from precedent.corpus.furniture import find_furniture, joined, line_end_hyphens
from precedent.corpus.packs import referenced_papers
from precedent.corpus.papers import parse_document
from precedent.corpus.pdf import plain_glyphs, rejoin_split_words, tidy_layout
from precedent.corpus.readers import read_file
from precedent.eval.scoring import answers, load_questions

from benchmarks.pdf_pages import cited_pages
from precedent.display import to_text
from tests.pdfpacks import make_pack, make_pdf, running_header
from tests.test_search import DOG_QUERY

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian chromium")

DOG = "000_598379763418fa6f"
PACKS = (DOG, "003_93324c32ccbf2837")
HEADER = "Coventry City Council – Scrutiny Co-ordination Committee"
PAGE_LINE = re.compile(r"(?m)^Page \d+$")
SMALL_PACK = """Scrutiny Co-ordination Committee

Time and Date

10.00 am on Wednesday, 12 July, 2023

Public Business

1. **Apologies and Substitutions**

2. **Minutes**

3. **Parks Strategy** (Pages 5 - 6)

Public report

Report title: Parks Strategy

1 Recommendations

1.1 The committee is recommended to endorse the strategy for the city's parks and open spaces.

2 Background

2.1 Coventry has one hundred and twenty parks, and the strategy sets out how the council will look after
them over the next ten years with its partners and the communities that use them.
"""


@pytest.fixture(scope="session")
def pdf_packs(tmp_path_factory) -> Path:
    """Two bundled papers as PDF packs, typeset once per test run."""
    folder = tmp_path_factory.mktemp("pdf") / "packs"
    for name in PACKS:
        text = (BUNDLED_CORPUS / f"{name}.txt").read_text(encoding="utf-8")
        make_pack(text, folder / f"{name}.pdf", header=running_header(text))
    return folder


@pytest.fixture(scope="session")
def pdf_docs(pdf_packs) -> dict[str, Document]:
    return {name: read_file(pdf_packs / f"{name}.pdf", f"{name}.pdf")[0] for name in PACKS}


@pytest.fixture(scope="session")
def pdf_index(pdf_packs, tmp_path_factory):
    from precedent.index.build import build_index
    from precedent.index.index import Index

    index_dir = tmp_path_factory.mktemp("pdf-index") / "index"
    build_index([pdf_packs], index_dir, progress=False)
    return Index.load(index_dir)


def _pdf_page_holding(pdf: Path, quote: str) -> set[int]:
    """The pages whose own text (pypdf, plain) answers the quote: an account independent of the reader."""
    from precedent.eval.scoring import answers_normalised, normalise

    from benchmarks.pdf_pages import pdf_pages

    return {i for i, page in enumerate(pdf_pages(pdf), start=1) if answers_normalised(page, normalise(quote))}


def test_passages_read_on_over_page_breaks_without_the_furniture_and_stay_verbatim(pdf_docs):
    crossing = 0
    for doc in pdf_docs.values():
        assert HEADER in doc.text and "Page 3" in doc.text  # the stored text keeps the furniture
        chunks = chunk_document(parse_document(doc))
        assert chunks
        for chunk in chunks:
            assert chunk.text == doc.text[chunk.start : chunk.end]
            # the furniture a passage crosses is exactly its header and page-number lines
            kept = "\n".join(chunk.text[a:b] for a, b in chunk.furniture)
            assert kept.count(HEADER) == chunk.text.count(HEADER)
            assert len(PAGE_LINE.findall(kept)) == len(PAGE_LINE.findall(chunk.text))
            for shown in (to_text(chunk.text, chunk.furniture), chunk.indexed_text):
                assert HEADER not in shown and not PAGE_LINE.search(shown), shown
            assert chunk.page == doc.page_at(chunk.start)
            assert (chunk.last_page or chunk.page) == doc.page_at(chunk.end - 1)
            crossing += bool(chunk.furniture)
    assert crossing >= 10  # paragraphs a page break cuts are passages whole


def test_running_header_and_page_numbers_are_found_on_every_page(pdf_docs):
    doc = pdf_docs[DOG]
    pages = len(doc.page_starts)
    assert doc.page_labels == tuple(str(n) for n in range(1, pages + 1))
    furniture = [doc.text[a:b] for a, b in doc.furniture]
    assert furniture.count(HEADER) == pages
    assert sorted(line for line in furniture if line != HEADER) == sorted(f"Page {n}" for n in range(1, pages + 1))


def test_words_hyphenated_at_line_ends_are_joined_for_search_not_in_the_passage(pdf_docs):
    doc = pdf_docs[DOG]
    assert len(doc.hyphens) > 20
    chunks = chunk_document(parse_document(doc))
    broken = [c for c in chunks if c.search_text and not c.furniture]  # (a page break is searched across, too)
    assert broken
    for chunk in broken:
        assert "-\n" in chunk.text and len(chunk.search_text) < len(chunk.text)
        assert chunk.indexed_text.endswith(chunk.search_text)
    vocabulary = set(re.findall(r"\w+", (BUNDLED_CORPUS / f"{DOG}.txt").read_text(encoding="utf-8")))
    hyphens = set(doc.hyphens)
    joins = 0
    for chunk in chunks:
        for match in re.finditer(r"([^\W\d_]+)-\n([^\W\d_]+)", chunk.text):
            if chunk.start + match.end(1) in hyphens:  # joined: the paper writes the word whole
                assert match[1] + match[2] in vocabulary
                joins += 1
    assert joins > 20


def test_compounds_keep_their_hyphen_and_broken_words_lose_it():
    text = "the well-\nbeing board on well-being\nand the com-\nmittee of the committee"
    hyphens = line_end_hyphens(text)
    assert joined(text, 0, hyphens) == "the well-\nbeing board on well-being\nand the committee of the committee"


def test_pages_are_right_for_every_dev_quote_in_the_packs(pdf_packs, pdf_docs):
    checked = 0
    for question in load_questions(Path("eval/coventry_dev.jsonl")):
        for evidence in question.evidence:
            name = Path(evidence.doc).stem
            if name not in pdf_docs:
                continue
            holding = _pdf_page_holding(pdf_packs / f"{name}.pdf", evidence.quote)
            answering = [c for c in chunk_document(parse_document(pdf_docs[name])) if answers(c.text, evidence.quote)]
            if not answering:  # a table cell wrapped over lines, or a list whose bullets are not text
                continue
            assert all(cited_pages(c) & holding for c in answering), evidence.quote
            checked += 1
    assert checked >= 15


WRAPPED_TABLE = (
    "# Work programme\n\n"
    "Item\tLead officer\tBrief summary of the issue\tSource\n"
    "Reports from Outside Bodies\tAdrian West\tAt their meeting on 8 October the committee decided to receive"
    " reports from those outside bodies that received grant funding from the local authority.\tScruco 8/10/14\n"
    "City Centre First\tNigel Clews\tTo invite comments from the Board.\tChair\n"
    "Air Quality\tHamish Simmonds\tAn update on the action plan.\tScruco\n\n"
    "The committee may add items to the work programme at any meeting, and the chair may ask for a briefing"
    " note on any item before it is considered by the committee.\n"
)


def test_a_table_row_with_wrapped_cells_reads_cell_after_cell(tmp_path):
    [doc] = read_file(make_pdf(WRAPPED_TABLE, tmp_path / "table.pdf"), "table.pdf")
    body = doc.text[: doc.furniture[0][0]] if doc.furniture else doc.text
    rows = [line for line in body.split("\n") if "\t" in line]
    source_rows = [line for line in WRAPPED_TABLE.split("\n") if "\t" in line]
    assert rows == source_rows  # the wrapped row is one line again, its cells in order
    assert "Reports from Outside Bodies\tAdrian West\tAt their meeting" in doc.text
    printed = re.sub(r"\s+", "", WRAPPED_TABLE.replace("# ", ""))
    assert re.sub(r"\s+", "", body) == printed  # every word kept, in the order it was written
    paragraph = WRAPPED_TABLE.split("\n\n")[-1].split()[:6]
    assert " ".join(paragraph) in doc.text  # the paragraph under the table is not read into its last row


def test_layout_lines_of_one_row_are_joined_per_cell_and_prose_is_left_alone():
    layout = (
        " Meeting           Work                         Lead           Brief summary                      Source\n"
        " Date              item                         Officer\n"
        " Reports           - Albany Theatre Trust                      At their meeting on 8/10/14,       Scruco\n"
        " from              - Belgrade Theatre                          Scruco decided to receive          8/10/14\n"
        " Outside           Trust                                       reports from outside bodies\n"
        " Bodies                                                        that received funding.\n"
        " Next              Air Quality Plan                            An update on progress              Scruco\n"
        " The committee noted the report, and asked for an update on the plan at its next meeting in March.\n"
    )
    assert tidy_layout(layout).split("\n") == [
        "Meeting Date\tWork item\tLead Officer\tBrief summary\tSource",
        "Reports from Outside Bodies\t- Albany Theatre Trust - Belgrade Theatre Trust"
        "\tAt their meeting on 8/10/14, Scruco decided to receive reports from outside bodies that received"
        " funding.\tScruco 8/10/14",
        "Next\tAir Quality Plan\tAn update on progress\tScruco",
        "The committee noted the report, and asked for an update on the plan at its next meeting in March.",
    ]
    single = " Name        Role        Date\n Ann Smith   Chair       3 May\n Bob Jones   Member      4 May\n"
    assert tidy_layout(single) == "Name\tRole\tDate\nAnn Smith\tChair\t3 May\nBob Jones\tMember\t4 May"


def test_a_cells_later_paragraphs_stay_in_its_row_and_the_next_row_starts_afresh():
    layout = (
        " Group        Impact    Nature of impact\n"
        " Age 0-18     P         The Plan has a focus on all\n"
        "                        residents of all ages.\n"
        "\n"
        "                        Data shows inequalities start\n"
        "                        in the early years.\n"
        "\n"
        " Age 19-64    P         Positive impacts indirectly.\n"
        " Age 65+      P         Healthy for longer.\n"
        "\n"
        " The assessment will be reviewed each year by the equalities officer and the board.\n"
    )
    assert tidy_layout(layout).split("\n") == [
        "Group\tImpact\tNature of impact",
        "Age 0-18\tP\tThe Plan has a focus on all residents of all ages. Data shows inequalities start in the"
        " early years.",
        "",
        "Age 19-64\tP\tPositive impacts indirectly.",
        "Age 65+\tP\tHealthy for longer.",
        "",
        "The assessment will be reviewed each year by the equalities officer and the board.",
    ]


def test_a_row_whose_every_cell_wraps_is_one_row_where_the_content_order_says_so():
    layout = (
        " Characteristic     Impact      Nature of impact and any mitigations required\n"
        "                    type P,\n"
        "                    N, PN,\n"
        "                    NI\n"
        " Age 19-64          P           Positive impacts indirectly.\n"
        "\n"
        " 5                  Air Quality     Hamish        Informal\n"
        " November 2014      Plan            Simmonds      meeting\n"
        " 10 December        Sexual          Yolanda       Scruco\n"
    )
    # pypdf's plain text of a Chromium or Word page: the table cell by cell
    plain = (
        "Characteristic\nImpact\ntype P,\nN, PN,\nNI\nNature of impact and any mitigations required\n"
        "Age 19-64\nP\nPositive impacts indirectly.\n5\nNovember 2014\nAir Quality\nPlan\nHamish\nSimmonds\n"
        "Informal\nmeeting\n10 December\nSexual\nYolanda\nScruco"
    )
    assert tidy_layout(layout, plain).split("\n") == [
        # the heading row's wrapped cells meet the next row's columns four lines down
        "Characteristic\tImpact type P, N, PN, NI\tNature of impact and any mitigations required",
        "Age 19-64\tP\tPositive impacts indirectly.",
        "",
        "5 November 2014\tAir Quality Plan\tHamish Simmonds\tInformal meeting",
        "10 December\tSexual\tYolanda\tScruco",
    ]
    # without the content order, or with it row by row, full lines stay rows of their own
    by_rows = "5\tAir Quality\tHamish\tInformal\nNovember 2014\tPlan\tSimmonds\tmeeting"
    assert tidy_layout(layout).split("\n")[3:5] == by_rows.split("\n")
    assert (
        tidy_layout(layout, plain.replace("5\nNovember 2014\nAir", "5\nAir")).split("\n")[3] == by_rows.split("\n")[0]
    )


def test_a_cells_bulleted_lines_and_a_cell_that_pauses_stay_in_their_row():
    layout = (
        " Maximise the        \u2022 Quarterly        \u2022 Number\n"
        " number of                              of people\n"
        " professionals       review and         completed\n"
        " and members         update.            training.\n"
        "\n"
        " Safeguarding        \u2022 Compliance       \u2022 Percentage of cases\n"
        " children,           with official        discussed at Channel\n"
        " young people        guidance.            Panel in 20 days.\n"
    )
    # the content order bullets each cell's first line, where the layout puts them mid-line
    plain = (
        "Maximise the\nnumber of\nprofessionals\nand members\n\u2022 Quarterly\nreview and\nupdate.\n"
        "\u2022 Number\nof people\ncompleted\ntraining.\nSafeguarding\nchildren,\nyoung people\n"
        "\u2022 Compliance\nwith official\nguidance.\n\u2022 Percentage of cases\ndiscussed at Channel\n"
        "Panel in 20 days."
    )
    assert tidy_layout(plain_glyphs(layout), plain).split("\n") == [
        # "review and" resumes the middle cell after a line without it
        "Maximise the number of professionals and members\t\u2022 Quarterly review and update.\t"
        "\u2022 Number of people completed training.",
        "",
        # a bulleted cell's wrapped lines hang two columns in, after its marker
        "Safeguarding children, young people\t\u2022 Compliance with official guidance.\t"
        "\u2022 Percentage of cases discussed at Channel Panel in 20 days.",
    ]
    # where the content order does not run on, a line resuming a column starts a row of its own
    assert tidy_layout(plain_glyphs(layout), plain.replace("Quarterly\nreview", "Quarterly\nother")).split("\n")[1] == (
        "professionals\treview and\tcompleted"
    )


def test_a_word_layout_split_is_joined_where_the_plain_text_has_it_whole():
    laid = "The harms of drug misuse. The har ms are greater here.\nIt is in to the plan."
    plain = "The harms of drug misuse. The harms are greater here.\nIt is in to the plan, into it."
    joined = rejoin_split_words(laid, plain)
    assert joined == "The harms of drug misuse. The harms are greater here.\nIt is in to the plan."
    assert rejoin_split_words("a bc", "abc a") == "abc"
    assert rejoin_split_words("the cat", "the cat thecat") == "the cat"  # apart in the plain text: left apart


def test_bulleted_list_reads_with_the_text_papers_dash_markers_not_as_a_table(tmp_path):
    listed = "These include:\n\n- Coventry Haven women's refuge\n- Panahghar refuge service\n- Valley House\n"
    [doc] = read_file(make_pdf(listed, tmp_path / "list.pdf"), "list.pdf")
    assert "These include:\n\n- Coventry Haven women's refuge\n- Panahghar refuge service\n- Valley House" in doc.text
    assert "\t" not in doc.text
    quote = "These include: - Coventry Haven women's refuge - Panahghar refuge service"
    assert answers(doc.text, quote)
    # Word's bullets come out of its PDFs as the Symbol font's private-use glyph, with a gap after it
    laid = "      \uf0b7    Coventry Haven\n      \uf0b7    Valley House\n\u2022 Panahghar\nA \u2022 B"
    assert tidy_layout(plain_glyphs(laid)) == "- Coventry Haven\n- Valley House\n- Panahghar\nA \u2022 B"


def test_pack_is_split_into_its_papers_at_the_pages_its_agenda_names(pdf_docs):
    for name, doc in pdf_docs.items():
        parsed = parse_document(doc)
        text_version = parse_document(read_file(BUNDLED_CORPUS / f"{name}.txt", f"{name}.txt")[0])
        assert [p.paper_type for p in parsed.papers] == [p.paper_type for p in text_version.papers]
        for pdf_paper, text_paper in zip(parsed.papers, text_version.papers, strict=True):
            # a title line may wrap differently on the page: one title holds the other
            assert pdf_paper.title in text_paper.title or text_paper.title in pdf_paper.title
        agenda = doc.text[: doc.page_starts[1]]
        named = [int(m[1]) for m in re.finditer(r"\(Pages (\d+) - \d+\)", agenda)]
        starts = [doc.page_at(p.start) for p in parsed.papers if p.paper_type != "appendix"]
        assert starts[0] == 1 and starts[1:] == named
        # each paper is for the agenda item naming its first page ("4. Coventry Drugs Strategy (Pages 13 - 25)",
        # "5. Domestic Abuse Early Intervention Project Update and Evaluation" over "(Pages 19 - 21)"), an
        # appendix for its report's, the previous minutes for "3. Minutes" over "(a) To agree the minutes"
        assert [p.agenda_item for p in parsed.papers if p.paper_type != "appendix"] == AGENDA_ITEMS[name]
        for paper, after in zip(parsed.papers, parsed.papers[1:], strict=False):
            assert after.paper_type != "appendix" or after.agenda_item == paper.agenda_item


AGENDA_ITEMS = {DOG: ["", "3(a)", "4", "5", "7"], "003_93324c32ccbf2837": ["", "3(a)", "4", "5", "6"]}


def test_printed_page_numbers_offset_from_pdf_pages_are_mapped(tmp_path):
    path = make_pack(
        SMALL_PACK.replace("Public report", "<div class=pagebreak></div>\n\nPublic report"),
        tmp_path / "pack.pdf",
        header="Coventry City Council",
        first_page=3,
    )
    [doc] = read_file(path, "pack.pdf")
    assert doc.page_labels[:2] == ("3", "4")
    [(start, number, title)] = referenced_papers(doc)
    assert (number, title) == ("3", "Parks Strategy")
    assert doc.page_at(start) == doc.page_at(doc.text.index("Public report"))
    papers = parse_document(doc).papers
    assert [(p.paper_type, p.agenda_item) for p in papers] == [("agenda", ""), ("report", "3")]


def test_an_agenda_naming_no_pages_splits_its_pack_at_the_bookmarks_naming_its_items(tmp_path):
    from pypdf import PdfReader, PdfWriter

    from tests.pdfpacks import PAGE_BREAK

    agenda, report = SMALL_PACK.replace(" (Pages 5 - 6)", "").split("Public report\n\n")
    untyped = report.replace("Report title: Parks Strategy\n\n", "Parks Strategy\n\n")  # no first line says "report"
    typeset = make_pdf(agenda + PAGE_BREAK + untyped, tmp_path / "typeset.pdf", header="Coventry City Council")
    writer = PdfWriter()
    writer.append(PdfReader(typeset), import_outline=False)
    last = len(writer.pages) - 1
    writer.add_outline_item(title="Agenda", page_number=0)
    writer.add_outline_item(title="3 Parks Strategy", page_number=last)
    writer.add_outline_item(title="2 Background", page_number=last)  # a heading's, naming no agenda item
    with open(tmp_path / "pack.pdf", "wb") as handle:
        writer.write(handle)

    [doc] = read_file(tmp_path / "pack.pdf", "pack.pdf")
    assert doc.outline == ((1, "Agenda"), (last + 1, "2 Background"), (last + 1, "3 Parks Strategy"))
    [(start, number, title)] = referenced_papers(doc)
    assert (doc.page_at(start), number, title) == (last + 1, "3", "Parks Strategy")
    papers = parse_document(doc).papers
    assert [(p.paper_type, p.agenda_item) for p in papers] == [("agenda", ""), ("document", "3")]
    assert papers[1].title == "Parks Strategy" and doc.page_at(papers[1].start) == last + 1


def test_make_pdf_prints_header_and_numbered_footer(tmp_path):
    path = make_pdf(
        "# Minutes\n\nRESOLVED that the report be noted.", tmp_path / "one.pdf", header="Test Council", first_page=7
    )
    [doc] = read_file(path, "one.pdf")
    assert doc.page_labels == ("7",)
    assert [doc.text[a:b] for a, b in doc.furniture] == ["Page 7"]  # one page: no header can be seen to repeat
    assert find_furniture("no pages", ()).spans == ()


@pytest.mark.slow
def test_dog_control_question_is_answered_from_the_pdf_with_minute_43_and_its_page(pdf_index, pdf_packs):
    from precedent.index.search import search

    hit = search(pdf_index, DOG_QUERY, k=10)[0]
    assert hit.chunk.doc_id == f"{DOG}.pdf"
    assert hit.chunk.item == 43
    assert "RESOLVED that the Committee concur with the decisions of Cabinet" in hit.text
    citation = hit.citation().line()
    assert "Minute 43" in citation and "4 February 2015" in citation
    assert hit.chunk.page in _pdf_page_holding(pdf_packs / f"{DOG}.pdf", hit.text[:300])
    assert f"p. {hit.chunk.page}" in citation


def test_pdf_corpus_generator_writes_one_pack_per_paper(tmp_path):
    source = tmp_path / "papers"
    source.mkdir()
    shutil.copy(BUNDLED_CORPUS / "001_e0088b1ccd8f89d9.txt", source)
    from tests.pdfpacks import main

    assert main([str(tmp_path / "out"), "--source", str(source)]) == 0
    [doc] = read_file(tmp_path / "out" / "001_e0088b1ccd8f89d9.pdf", "web.pdf")
    assert parse_document(doc).papers[0].paper_type == "web page"


EIP = (
    "- 3.2 The Early Intervention Project team comprised domestic abuse case workers from Coventry Haven "
    "Women's Aid (CHWA), and Panahghar. All of them brought the expertise of their agencies to the team."
)
GENDER = (
    "Domestic violence and abuse is a form of family and relationship based violence that is mainly experienced "
    "by women, and national data shows that one in four women experience it in their lifetime."
)
RESOLVED = (
    "**RESOLVED that the Committee note the evaluation of the project and thank the caseworkers for their "
    "work with survivors.**"
)
BRIEFING = f"""Briefing Note

To: Scrutiny Co-ordination Committee

## 3 Background and Information

{EIP}

**Gender**
{GENDER}

{RESOLVED}
"""


def test_headings_a_pdf_sets_in_bold_are_its_sections_and_its_wrapped_paragraphs_are_not(tmp_path):
    [doc] = read_file(make_pdf(BRIEFING, tmp_path / "briefing.pdf"), "briefing.pdf")
    chunks = chunk_document(parse_document(doc))

    def section_of(words: str) -> str:
        return next(c.section for c in chunks if words in " ".join(c.text.split()))

    assert section_of("mainly experienced by women") == "Gender"
    assert section_of("and Panahghar") == "3 Background and Information"
    assert section_of("thank the caseworkers") == "Gender"  # a bold RESOLVED block is no heading
