"""Readers: real files of every supported type, and the hostile ones a council's shared drive holds."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.document import Document
from precedent.corpus.readers import MAX_BYTES, ReadResult, read_corpus, read_file

from precedent.errors import CorpusError, UnreadableFile

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "readers"

MODERNGOV_TEXT = (
    "Agenda and minutes\n\n"
    "Scrutiny Co-ordination Committee - Tuesday, 14th March, 2023 10.00 am\n\n"
    "Venue: Diamond Rooms 1 and 2 - Council House. View directions\n\n"
    "Contact: Suzanne Bennett, Governance Services\xa0 E-mail:\xa0 suzanne.bennett@coventry.gov.uk\n\n"
    "Items\n\n"
    "No. | Item\n\n"
    "46.\n\n"
    "Declarations of Interest\n\n"
    "Minutes:\n\n"
    "There were no disclosable pecuniary interests.\n\n"
    "47.\n\n"
    "Minutes pdf icon PDF 313 KB\n\n"
    "a)\xa0 To agree the Minutes of the meeting held on 1 March, 2023\n\n"
    "How partners would be held to account\n\n"
    "The Committee welcomed an improved engagement process\n\n"
    "Budget | £1.2m\n"
    "Year | 2023"
)
SUPPORTED = ".txt, .md, .html, .htm, .pdf, .docx, .jsonl"
NOT_TEXT = "not text: mostly control bytes (binary data with a text suffix?)"
NOT_PDF = "not a PDF: no %PDF- header (a different file type named .pdf?)"
TWO_PAGES = [["Minutes of the Cabinet", "Item 1 Apologies"], ["Item 2 Budget", "Resolved unanimously"]]
TWO_PAGES_TEXT = "Minutes of the Cabinet\nItem 1 Apologies\n\nItem 2 Budget\nResolved unanimously"


def make_pdf(pages: list[list[str]], user_password: str | None = None, owner_password: str | None = None):
    """A real PDF with one Helvetica text line per string, written by pypdf; RC4 when a password is given."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
        )
        if lines:
            content = DecodedStreamObject()
            shown = " T* ".join(f"({line}) Tj" for line in lines)
            content.set_data(f"BT /F1 12 Tf 14 TL 72 720 Td {shown} ET".encode())
            page.replace_contents(content)
    if user_password is not None:
        writer.encrypt(user_password, owner_password, algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Cabinet report", level=0)
    document.add_heading("1. Purpose", level=1)
    document.add_paragraph("To approve the 2023 budget.")
    table = document.add_table(rows=2, cols=3)
    for r, row in enumerate([["Year", "Budget", ""], ["2023", "£1.2m", "approved"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    table.cell(1, 2).add_paragraph("by Council")
    document.add_paragraph("")
    document.add_heading("2. Recommendations", level=1)
    document.add_paragraph("Cabinet is recommended to approve the budget.")
    document.save(str(path))


def garbage_docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", b"\x00\x01 not xml")
        archive.writestr("junk.bin", os.urandom(64))
    return out.getvalue()


def failures_by_path(result: ReadResult) -> dict[str, str]:
    paths = [failure.path for failure in result.failures]
    assert len(paths) == len(set(paths)), f"one failure per file expected: {paths}"
    return {failure.path: failure.reason for failure in result.failures}


# --- the bundled corpus ----------------------------------------------------------------------------------


def test_bundled_corpus_reads_every_file_verbatim():
    result = read_corpus([BUNDLED_CORPUS])

    assert result.failures == ()
    files = sorted(BUNDLED_CORPUS.glob("*.txt"))
    assert len(files) == 5
    assert [doc.doc_id for doc in result.documents] == [file.name for file in files]
    for doc, file in zip(result.documents, files, strict=True):
        assert doc.text == file.read_bytes().decode("utf-8")
        assert doc.source == str(file)
        assert doc.warnings == ()
        assert doc.page_starts == ()
    assert result.documents[1].title == "Agenda and minutes"


# --- plain text ------------------------------------------------------------------------------------------


SCANNED_NOTE = "*<small>Scanned page, text may contain errors. See original file for clarity</small>*"


def scanned_minutes() -> str:
    """Minutes converted from a scanned PDF as Limerick's are: a "---" rule at each page break, the page's
    printed number on its first line, a converter's note under it."""
    pages = [
        "MINUTES OF PROCEEDINGS AT MEETING OF THE MUNICIPAL DISTRICT OF ADARE-RATHKEALE\n\n"
        "1. Adoption of Minutes\n\nProposed by Councillor Teefy;\nSeconded by Councillor Ryan;\n"
        "And Resolved:\n\n“That the Minutes be adopted.”\n",
        "2. Road Works Programme\n\nThe Senior Engineer outlined the programme of road works for\n"
        "the district, with resurfacing planned at Askeaton and Rathkeale.\n",
        "3. Any Other Business\n\nThe Cathaoirleach thanked the Members for their attendance at\n"
        "the meeting and this concluded the meeting.\n",
    ]
    numbered = [pages[0]] + [f"{SCANNED_NOTE}  \n\n{n}\n\n{page}" for n, page in enumerate(pages[1:], start=2)]
    return "\n---\n\n".join(numbered)


def test_scanned_minutes_with_ruled_page_breaks_have_pages_and_furniture(tmp_path):
    text = scanned_minutes()
    path = tmp_path / "minutes.jsonl"
    path.write_text(json.dumps({"_id": "md-2019-05", "title": "Minutes", "text": text}) + "\n", encoding="utf-8")

    [doc] = read_corpus([path]).documents

    assert doc.text == text
    assert len(doc.page_starts) == 3
    assert doc.page_at(text.index("Road Works Programme")) == 2
    assert doc.page_at(text.index("Any Other Business")) == 3
    assert doc.page_labels == ("", "2", "3")
    furniture = sorted(text[a:b].strip() for a, b in doc.furniture)
    assert furniture == sorted(["---", "---", "2", "3", SCANNED_NOTE, SCANNED_NOTE])


def test_passages_of_scanned_minutes_leave_out_rules_page_numbers_and_notes(tmp_path):
    from precedent.corpus.chunking import chunk_document
    from precedent.corpus.papers import parse_document

    path = tmp_path / "minutes.md"
    path.write_text(scanned_minutes(), encoding="utf-8")
    [doc] = read_corpus([path]).documents

    chunks = chunk_document(parse_document(doc))

    assert chunks
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert "---" not in chunk.text and "Scanned page" not in chunk.text
        assert not any(line.strip() in {"2", "3"} for line in chunk.text.splitlines())
    road = next(chunk for chunk in chunks if "resurfacing" in chunk.text)
    assert road.page == 2
    assert road.item == 2


def test_markdown_rules_without_page_numbers_are_section_breaks_not_pages(tmp_path):
    path = tmp_path / "report.md"
    path.write_text("# Report\n\nPurpose of the report.\n\n---\n\n## Background\n\nText.\n", encoding="utf-8")

    [doc] = read_corpus([path]).documents

    assert doc.page_starts == () and doc.furniture == ()


def test_markdown_file_keeps_text_and_takes_title_from_first_line(tmp_path):
    path = tmp_path / "cabinet.md"
    path.write_bytes(b"\xef\xbb\xbf\r\n  ## **Cabinet   minutes**  \r\n\r\nItem 1\rItem 2\n")

    assert read_file(path, "cabinet.md") == [
        Document(
            doc_id="cabinet.md",
            source=str(path),
            text="\n  ## **Cabinet   minutes**  \n\nItem 1\nItem 2\n",
            title="Cabinet minutes",
        )
    ]


def test_cp1252_text_is_decoded_with_a_warning(tmp_path):
    text = "Caf\xe9 \u201cquoted\u201d \u2013 the council\u2019s budget \xa3100\r\n"
    path = tmp_path / "old.txt"
    path.write_bytes(text.encode("cp1252"))

    [doc] = read_file(path, "old.txt")

    assert doc.text == "Café “quoted” – the council’s budget £100\n"
    assert doc.warnings == ("not UTF-8; assumed Windows-1252 (cp1252): check accented letters and quotes",)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_text_with_a_byte_order_mark_is_decoded_without_warning(tmp_path, encoding):
    path = tmp_path / "paper.txt"
    body = "Council’s £5m plan\nPara 2\n"
    prefix = b"\xfe\xff" if encoding == "utf-16-be" else b""
    path.write_bytes(prefix + body.encode(encoding))

    [doc] = read_file(path, "paper.txt")

    assert (doc.text, doc.title, doc.warnings) == (body, "Council’s £5m plan", ())


def test_mostly_utf8_text_keeps_utf8_and_marks_the_bad_byte(tmp_path):
    path = tmp_path / "paper.txt"
    path.write_bytes("Council’s plan – 2023\n".encode() + b"bad \xff byte\n")

    [doc] = read_file(path, "paper.txt")

    assert doc.text == "Council’s plan – 2023\nbad \ufffd byte\n"
    assert doc.warnings == ("1 invalid UTF-8 byte sequence(s) shown as U+FFFD",)


def test_large_text_and_one_long_line_read_fast(tmp_path):
    big = tmp_path / "big.txt"
    line = "The committee noted the report on item 4 and the £2m budget.\r\n"
    big.write_bytes(line.encode() * 850_000)  # ~53 MB
    long_line = tmp_path / "line.txt"
    long_line.write_bytes(b"word " * 1_000_000)  # one 5 MB line

    [big_doc] = read_file(big, "big.txt")
    [line_doc] = read_file(long_line, "line.txt")

    assert big.stat().st_size > 50 * 2**20
    assert len(big_doc.text) == (len(line) - 1) * 850_000
    assert big_doc.text.count("\n") == 850_000
    assert line_doc.text == "word " * 1_000_000
    assert line_doc.title == ("word " * 40).strip()


def test_title_is_capped_at_200_characters(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("# " + "x" * 500 + "\nbody\n", encoding="utf-8")

    assert read_file(path, "t.txt")[0].title == "x" * 200


# --- HTML ------------------------------------------------------------------------------------------------


def test_moderngov_page_reads_like_the_bundled_web_page_text():
    path = DATA / "moderngov.html"

    [doc] = read_file(path, "moderngov.html")

    assert doc == Document(
        doc_id="moderngov.html",
        source=str(path),
        text=MODERNGOV_TEXT,
        title="Agenda for Scrutiny Co-ordination Committee on Tuesday, 14th March, 2023, 10.00 am",
    )


def test_html_drops_script_style_and_noscript(tmp_path):
    path = tmp_path / "page.htm"
    path.write_text(
        "<html><body><script>alert('<p>evil</p>')</script><style>p{color:red}</style>"
        "<h1>Planning</h1><p>Keep <!-- a comment --> this</p><noscript>no js</noscript>"
        "<pre>  a\n    b</pre></body></html>",
        encoding="utf-8",
    )

    [doc] = read_file(path, "page.htm")

    assert (doc.text, doc.title) == ("Planning\n\nKeep this\n\n  a\n    b", "Planning")


def test_deeply_nested_html_reads_without_recursion_error(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text(
        "<html><body>" + "<div>" * 100_000 + "<p>deep text</p>" + "</div>" * 100_000 + "</body></html>",
        encoding="utf-8",
    )

    [doc] = read_file(path, "deep.html")

    assert (doc.text, doc.title, doc.warnings) == ("deep text", "deep text", ())


def test_html_falls_back_to_flat_text_when_the_tree_is_too_deep(tmp_path, monkeypatch):
    import precedent.corpus.html

    def too_deep(soup):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(precedent.corpus.html, "_blocks", too_deep)

    [doc] = read_file(DATA / "moderngov.html", "moderngov.html")

    assert doc.text.splitlines()[:6] == [
        "Agenda and minutes",
        "Scrutiny Co-ordination Committee - Tuesday, 14th March, 2023 10.00 am",
        "Venue: Diamond Rooms 1 and 2 - Council House. View directions",
        "Contact: Suzanne Bennett, Governance Services\xa0 E-mail:\xa0 suzanne.bennett@coventry.gov.uk",
        "Items",
        "No.",
    ]
    assert "not part of the paper" not in doc.text
    assert doc.warnings == ("HTML nested too deeply to keep its layout; text extracted without structure",)


# --- PDF -------------------------------------------------------------------------------------------------


def test_two_page_pdf_has_page_starts(tmp_path):
    path = tmp_path / "minutes.pdf"
    path.write_bytes(make_pdf(TWO_PAGES))

    [doc] = read_file(path, "minutes.pdf")

    assert doc == Document(
        doc_id="minutes.pdf",
        source=str(path),
        text=TWO_PAGES_TEXT,
        title="Minutes of the Cabinet",
        page_starts=(0, 41),
    )
    assert doc.page_at(doc.text.index("Item 1")) == 1
    assert doc.page_at(doc.text.index("Item 2")) == 2
    assert doc.page_at(doc.text.index("unanimously")) == 2


def test_pdf_encrypted_with_an_empty_user_password_reads(tmp_path):
    path = tmp_path / "owner-locked.pdf"
    path.write_bytes(make_pdf(TWO_PAGES, "", owner_password="owner"))

    assert read_file(path, "owner-locked.pdf")[0].text == TWO_PAGES_TEXT


def test_pdf_repaired_by_pypdf_reads_quietly_and_says_so(tmp_path, caplog, capsys):
    data = make_pdf(TWO_PAGES)
    path = tmp_path / "shifted.pdf"
    path.write_bytes(data.replace(b"%PDF-1.3\n", b"%PDF-1.3\n%" + b"%" * 40 + b"\n", 1))  # offsets now wrong

    [doc] = read_file(path, "shifted.pdf")

    assert doc.text == TWO_PAGES_TEXT
    assert doc.warnings == ("pypdf: incorrect startxref pointer(1) (and 1 more)",)
    assert [r for r in caplog.records if r.name.startswith("pypdf")] == []
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("secret.pdf", lambda: make_pdf(TWO_PAGES, "secret"), "encrypted PDF; save an unencrypted copy"),
        (
            "cut.pdf",
            lambda: make_pdf(TWO_PAGES)[:400],
            "corrupt or truncated PDF: Stream has ended unexpectedly",
        ),
        (
            "junk.pdf",
            lambda: b"\x89\x00\xffPK junk " * 50,
            NOT_PDF,
        ),
        ("scan.pdf", lambda: make_pdf([[], []]), "no text layer (scanned?); run OCR first"),
    ],
)
def test_unreadable_pdfs_fail_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content())

    with pytest.raises(UnreadableFile) as raised:
        read_file(path, name)

    assert (raised.value.path, raised.value.reason) == (str(path), reason)


# --- Word ------------------------------------------------------------------------------------------------


def test_docx_paragraphs_headings_and_table_rows_in_order(tmp_path):
    path = tmp_path / "report.docx"
    make_docx(path)

    [doc] = read_file(path, "report.docx")

    assert doc == Document(
        doc_id="report.docx",
        source=str(path),
        text=(
            "Cabinet report\n\n1. Purpose\n\nTo approve the 2023 budget.\n\n"
            "Year | Budget\n2023 | £1.2m | approved by Council\n\n"
            "2. Recommendations\n\nCabinet is recommended to approve the budget."
        ),
        title="Cabinet report",
    )


def test_docx_that_is_a_zip_of_garbage_fails(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(garbage_docx())

    with pytest.raises(UnreadableFile, match=r"broken\.docx: not a valid \.docx: "):
        read_file(path, "broken.docx")


# --- JSONL -----------------------------------------------------------------------------------------------


def test_jsonl_reads_good_records_and_names_each_bad_line(tmp_path):
    path = tmp_path / "corpus.jsonl"
    lines = [
        json.dumps({"_id": "d1", "title": "Budget 2023", "text": "The budget was agreed.\r\nNext."}),
        "",
        json.dumps({"_id": "d2", "title": "", "text": "## Parking review\nText"}),
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"_id": "d1", "title": "again", "text": "dup"}),
        json.dumps({"_id": "d3", "text": " "}),
        json.dumps({"_id": 7, "text": "numeric id"}),
    ]
    path.write_bytes("\n".join(lines).encode() + b'\n{"_id": "x\xff", "text": "t"}\n')

    result = read_corpus([path])

    assert result.documents == (
        Document("d1", f"{path}#d1", "The budget was agreed.\nNext.", "Budget 2023"),
        Document("d2", f"{path}#d2", "## Parking review\nText", "Parking review"),
        Document("7", f"{path}#7", "numeric id", "numeric id"),
    )
    assert [str(failure) for failure in result.failures] == [
        f"{path}: line 4: invalid JSON (Expecting property name enclosed in double quotes at column 2)",
        f'{path}: line 5: expected a JSON object {{"_id", "title", "text"}}',
        f"{path}: line 6: duplicate _id 'd1' (first on line 1)",
        f"{path}: line 7: empty 'text' for _id 'd3'",
        f"{path}: line 9: not UTF-8",
    ]
    with pytest.raises(UnreadableFile, match=r"line 4: invalid JSON .* \(and 4 more problems in this file\)"):
        read_file(path, "corpus.jsonl")


# --- files that cannot be read ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file (0 bytes)"),
        ("blank.md", b"  \r\n\t\n", "empty file (only whitespace)"),
        ("junk.txt", b"\x00\x01\x02\x03binary" * 200, NOT_TEXT),
        ("empty.html", b"<html><script>x()</script></html>", "no visible text in the HTML page"),
        ("empty.jsonl", b"\n\n", "empty file (no records)"),
        ("sheet.xls", b"data", f"unsupported file type '.xls'; supported: {SUPPORTED}"),
    ],
)
def test_unreadable_files_fail_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)

    with pytest.raises(UnreadableFile) as raised:
        read_file(path, name)

    assert (raised.value.path, raised.value.reason) == (str(path), reason)


def test_file_over_200_mb_is_too_large(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as file:
        file.truncate(MAX_BYTES + 1)  # sparse: takes no disk

    result = read_corpus([tmp_path])

    assert result.documents == ()
    assert failures_by_path(result) == {
        str(path): "too large: 209,715,201 bytes, over the 200 MB limit; split it or extract its text"
    }


def test_symlink_loops_and_broken_links_are_reported_not_followed(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "a.txt").write_text("Paper A\n", encoding="utf-8")
    (corpus / "sub" / "b.txt").write_text("Paper B\n", encoding="utf-8")
    (corpus / "sub" / "back").symlink_to(corpus)
    (corpus / "self.txt").symlink_to(corpus / "self.txt")
    (corpus / "gone.txt").symlink_to(tmp_path / "missing.txt")

    result = read_corpus([corpus])

    assert [doc.doc_id for doc in result.documents] == ["a.txt", "sub/b.txt"]
    assert failures_by_path(result) == {
        str(corpus / "gone.txt"): "no such file (a broken symbolic link?)",
        str(corpus / "self.txt"): "symbolic link loop",
        str(corpus / "sub" / "back"): f"symbolic link loop: points back to {corpus.resolve()}; not followed",
    }


def test_named_pipe_in_a_folder_is_a_failure_not_a_hang(tmp_path):
    (tmp_path / "paper.txt").write_text("Paper\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")

    result = read_corpus([tmp_path])

    assert [doc.doc_id for doc in result.documents] == ["paper.txt"]
    assert failures_by_path(result) == {str(tmp_path / "pipe.txt"): "not a regular file (a device, pipe or socket?)"}


_READ_AS_CHILD = (
    "import json, sys\n"
    "from precedent.corpus.readers import read_corpus\n"
    "result = read_corpus([sys.argv[1]])\n"
    "print(json.dumps([[d.doc_id for d in result.documents], {f.path: f.reason for f in result.failures}]))\n"
)


def read_without_root_powers(folder: Path) -> tuple[list[str], dict[str, str]]:
    """read_corpus as a user that file permissions bind: root bypasses them unless CAP_DAC_* are dropped."""
    if os.geteuid() != 0:
        result = read_corpus([folder])
        return [doc.doc_id for doc in result.documents], failures_by_path(result)
    setpriv = shutil.which("setpriv")
    assert setpriv, "tests running as root need setpriv (util-linux) to drop CAP_DAC_OVERRIDE"
    caps = "-dac_override,-dac_read_search"
    child = subprocess.run(
        [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"] + [sys.executable, "-c", _READ_AS_CHILD, str(folder)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    doc_ids, failures = json.loads(child.stdout)
    return doc_ids, failures


def test_files_and_folders_without_read_permission_are_failures(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "locked").mkdir(parents=True)
    (corpus / "ok.txt").write_text("Readable paper\n", encoding="utf-8")
    (corpus / "secret.txt").write_text("Closed session minutes\n", encoding="utf-8")
    (corpus / "locked" / "inner.txt").write_text("Inner\n", encoding="utf-8")
    (corpus / "secret.txt").chmod(0)
    (corpus / "locked").chmod(0)
    try:
        doc_ids, failures = read_without_root_powers(corpus)
    finally:
        (corpus / "locked").chmod(0o755)

    assert doc_ids == ["ok.txt"]
    assert failures == {
        str(corpus / "locked"): "cannot list folder: permission denied; give the indexing user read access",
        str(corpus / "secret.txt"): "permission denied; give the indexing user read access",
    }


# --- whole corpora ---------------------------------------------------------------------------------------


def test_folder_of_good_and_bad_files_returns_every_good_document_and_one_failure_per_bad_file(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / ".git").mkdir()
    (corpus / ".git" / "HEAD.txt").write_text("hidden folder\n", encoding="utf-8")
    (corpus / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    shutil.copy(DATA / "moderngov.html", corpus / "agenda.html")
    (corpus / "minutes.txt").write_text("Minutes of Cabinet\n", encoding="utf-8")
    (corpus / "notes.md").write_text("# Notes\n", encoding="utf-8")
    (corpus / "report.pdf").write_bytes(make_pdf(TWO_PAGES))
    make_docx(corpus / "sub" / "plan.docx")
    records = [{"_id": "r1", "title": "R1", "text": "one"}, {"_id": "r2", "text": "two"}]
    (corpus / "records.jsonl").write_text("\n".join(map(json.dumps, records)), encoding="utf-8")
    bad = {
        "README": (b"read me", f"unsupported file type (no suffix); supported: {SUPPORTED}"),
        "budget.xls": (b"\xd0\xcf\x11\xe0", f"unsupported file type '.xls'; supported: {SUPPORTED}"),
        "empty.txt": (b"", "empty file (0 bytes)"),
        "junk.pdf": (b"\x89\x00\xffPK junk " * 50, NOT_PDF),
        "cut.pdf": (make_pdf(TWO_PAGES)[:400], "corrupt or truncated PDF: Stream has ended unexpectedly"),
        "locked.pdf": (make_pdf(TWO_PAGES, "pw"), "encrypted PDF; save an unencrypted copy"),
        "sub/broken.docx": (garbage_docx(), None),
    }
    for name, (content, _) in bad.items():
        (corpus / name).write_bytes(content)

    result = read_corpus([str(corpus)])

    assert [doc.doc_id for doc in result.documents] == [
        "agenda.html", "minutes.txt", "notes.md", "r1", "r2", "report.pdf", "sub/plan.docx"
    ]  # fmt: skip
    jsonl = corpus / "records.jsonl"
    assert [doc.source for doc in result.documents][3:5] == [f"{jsonl}#r1", f"{jsonl}#r2"]
    assert result.documents[0].text == MODERNGOV_TEXT
    assert result.documents[5].page_starts == (0, 41)
    failures = failures_by_path(result)
    assert sorted(failures) == sorted(str(corpus / name) for name in bad)
    for name, (_, reason) in bad.items():
        if reason is not None:
            assert failures[str(corpus / name)] == reason
    assert failures[str(corpus / "sub/broken.docx")].startswith("not a valid .docx: ")


def test_files_passed_directly_are_named_by_file_name_and_clashes_fail(tmp_path):
    for folder in ("2022", "2023"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "minutes.txt").write_text(f"Minutes {folder}\n", encoding="utf-8")

    result = read_corpus([tmp_path / "2022" / "minutes.txt", tmp_path / "2023"])

    assert [(doc.doc_id, doc.text) for doc in result.documents] == [("minutes.txt", "Minutes 2022\n")]
    assert failures_by_path(result) == {
        str(tmp_path / "2023" / "minutes.txt"): f"doc_id 'minutes.txt' is already used by "
        f"{tmp_path / '2022' / 'minutes.txt'}; rename one, "
        "or pass their common parent folder so each id keeps its subfolder"
    }


def test_the_same_folder_twice_is_not_read_twice(tmp_path):
    (tmp_path / "a.txt").write_text("A\n", encoding="utf-8")

    result = read_corpus([tmp_path, tmp_path])

    assert [doc.doc_id for doc in result.documents] == ["a.txt"]
    assert failures_by_path(result) == {str(tmp_path): "same folder as one already read"}


def test_missing_path_raises_corpus_error_naming_it(tmp_path):
    missing = tmp_path / "no-such-folder"

    with pytest.raises(CorpusError) as raised:
        read_corpus([missing])

    assert str(raised.value) == (
        f"no such file or folder: {missing}; pass a folder of papers "
        "(.txt, .md, .html, .htm, .pdf, .docx, .jsonl) or a .jsonl file of {_id, title, text}"
    )


def test_importing_the_readers_leaves_heavy_libraries_unloaded():
    code = (
        "import sys, corpus.readers\n"
        "print(sorted(m for m in ('pypdf', 'docx', 'bs4', 'charset_normalizer') if m in sys.modules))"
    )
    child = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)

    assert child.stdout.strip() == "[]"


def test_a_reader_crashing_on_one_file_fails_that_file_only(tmp_path, monkeypatch):
    import precedent.corpus.html

    def crash(data, path, doc_id):
        raise KeyError("boom")

    monkeypatch.setattr(precedent.corpus.html, "read_html", crash)
    (tmp_path / "a.txt").write_text("Paper A\n", encoding="utf-8")
    (tmp_path / "b.html").write_text("<p>Paper B</p>", encoding="utf-8")

    result = read_corpus(str(tmp_path))  # one path as a plain string is one path, not a list of characters

    assert [doc.doc_id for doc in result.documents] == ["a.txt"]
    assert failures_by_path(result) == {str(tmp_path / "b.html"): "could not be read (KeyError: 'boom')"}
