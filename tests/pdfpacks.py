"""Agenda packs as real PDFs, typeset by Debian Chromium from the bundled papers' markdown-ish text.

A page carries a running header and a "Page N" footer, long words are hyphenated at line ends, tables are
real tables, each paper starts on a new page and the agenda's "(Pages a - b)" references name the pages the
papers land on. `python -m tests.pdfpacks OUT_DIR` writes the bundled corpus.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import sys
import unicodedata
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
BLANK_PAGE = re.compile(r"(?im)^[ \t*#_-]*this page is intentionally(?: left)? blank[ \t*._]*$")
PAGE_BREAK = "\n\n<div class=pagebreak></div>\n\n"
TAB_TABLE = re.compile(r"(?m)(?:^[^\n\t]*\t[^\n]*(?:\n|\Z)){2,}")
PAGES_REF = re.compile(r"\(Pages?\s+(\d+)\s*-\s*(\d+)\s*\)")
HYPHENATE = r"""() => {
  // Break the first long word of each line that does not fit on the line above it, as a typesetter
  // hyphenates: as much of it as fits, a hyphen and a line break; one word a paragraph, then re-measured.
  const canvas = document.createElement('canvas').getContext('2d');
  let count = 0;
  for (const block of document.querySelectorAll('p, li')) {
    const style = getComputedStyle(block);
    canvas.font = `${style.fontSize} ${style.fontFamily}`;
    const edge = block.getBoundingClientRect().right - parseFloat(style.paddingRight || 0);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let node, lastTop = null, lastRight = null, done = false;
    while (!done && (node = walker.nextNode())) {
      if (node.parentElement.closest('a, code, strong')) { lastTop = null; continue; }
      const words = /[^\s]+/g;
      let m;
      while ((m = words.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (lastTop !== null && rect.top > lastTop + 2 && /^[a-z]{8,}[,.;]?$/.test(m[0])) {
          const room = edge - lastRight - canvas.measureText(' ').width;
          const word = m[0].replace(/[,.;]$/, '');
          let keep = 0;
          for (let k = word.length - 3; k >= 3; k--) {
            if (canvas.measureText(word.slice(0, k) + '-').width <= room) { keep = k; break; }
          }
          if (keep) {
            const rest = node.splitText(m.index + keep);
            node.data = node.data + '-';
            rest.parentNode.insertBefore(document.createElement('br'), rest);
            count++;
            done = true;
            break;
          }
        }
        lastTop = rect.top;
        lastRight = rect.right;
      }
    }
  }
  return count;
}"""
CSS = """
@page { size: A4; margin: 24mm 20mm 22mm 20mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt; line-height: 1.35; }
h1, h2, h3, h4 { font-size: 12pt; margin: 10pt 0 6pt 0; }
body { width: 170mm; margin: 0; }
p { margin: 0 0 7pt 0; }
ul { list-style-type: "•   "; }
ol.paren > li::marker { content: counter(list-item) ")  "; }
table { border-collapse: collapse; margin: 6pt 0; width: 100%; }
td, th { border: 0.5pt solid #444; padding: 2pt 4pt; vertical-align: top; font-size: 9.5pt; text-align: left; }
tr { page-break-inside: avoid; }
.pagebreak { page-break-after: always; }
.blank { page-break-before: always; page-break-after: always; text-align: center; padding-top: 100mm; }
"""
HEADER = '<div style="font-size:8pt;width:100%;text-align:center;color:#333;">{}</div>'
FOOTER = '<div style="font-size:8pt;width:100%;text-align:center;">Page <span class="pageNumber"></span></div>'


def make_pdf(text: str, out: Path, *, header: str = "", first_page: int = 1) -> Path:
    """Typeset markdown-ish `text` as a PDF at `out`, each page headed by `header` and footed "Page N".

    Args:
        text: paragraphs, "#" headings, "**bold**", "|" tables, "- " lists; a "This page is intentionally
            left blank" line becomes a page of its own, and `PAGE_BREAK` starts a new page.
        header: the running header printed at the top of every page ("" prints none).
        first_page: the number printed on the first page; later pages count on from it.
    """
    return _render([_html(text)], Path(out), header=header, first_page=first_page)[0]


def make_pack(text: str, out: Path, *, header: str = "", first_page: int = 1) -> Path:
    """`make_pdf` for an agenda pack: each paper on a new page, the agenda's "(Pages a - b)" made true.

    The papers are found by `corpus.papers.parse_document`; the k-th reference of the agenda names the
    k-th paper that is not an appendix, with its appendices (any papers left over go with the last).
    """
    papers = _papers(text)
    paged = PAGE_BREAK.join(text[start:end] for start, end in papers)
    out = Path(out)
    for _ in range(3):  # renumbering can move the agenda's own pages; settle in a pass or two
        make_pdf(paged, out, header=header, first_page=first_page)
        starts = _paper_pages(out, [text[start:end] for start, end in papers], first_page)
        renumbered = _renumber(paged, text, papers, starts, _page_count(out) + first_page - 1)
        if renumbered == paged:
            return out
        paged = renumbered
    return make_pdf(paged, out, header=header, first_page=first_page)


def make_corpus(source: Path, out_dir: Path, *, first_page: int = 1) -> list[Path]:
    """Every `.txt` paper under `source` as a PDF pack in `out_dir`, named as the paper with `.pdf`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(Path(source).glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        written.append(
            make_pack(text, out_dir / f"{path.stem}.pdf", header=running_header(text), first_page=first_page)
        )
    return written


def running_header(text: str) -> str:
    """A pack's running header: the council and the committee whose meeting it is for."""
    from precedent.corpus.document import Document
    from precedent.corpus.papers import parse_document

    committee = parse_document(Document("pack", "pack", text)).committee
    return " – ".join(part for part in ("Coventry City Council", committee) if part)


def _papers(text: str) -> list[tuple[int, int]]:
    from precedent.corpus.document import Document
    from precedent.corpus.papers import parse_document

    parsed = parse_document(Document("pack", "pack", text))
    cuts = sorted({0, *(p.start for p in parsed.papers[1:])})
    bounds = [*cuts, len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:], strict=False) if text[a:b].strip()]


def _paper_pages(pdf: Path, papers: list[str], first_page: int) -> list[int]:
    """The printed page each paper starts on, found by its first words in the PDF's pages."""
    from pypdf import PdfReader

    pages = [_letters(page.extract_text() or "") for page in PdfReader(pdf).pages]
    starts, at = [], -1
    for paper in papers:  # each paper starts on a page after the one the paper before it starts on
        probe = _letters(_strip_markup(paper))[:40]
        found = next((i for i in range(at + 1, len(pages)) if probe and probe in pages[i]), at + 1)
        starts.append(found + first_page)
        at = found
    return starts


def _renumber(paged: str, text: str, papers: list[tuple[int, int]], starts: list[int], last: int) -> str:
    """The agenda of `paged` with its k-th "(Pages a - b)" naming the k-th non-appendix paper's pages."""
    from precedent.corpus.document import Document
    from precedent.corpus.papers import parse_document

    kinds = {p.start: p.paper_type for p in parse_document(Document("pack", "pack", text)).papers}
    heads = [i for i, (start, _) in enumerate(papers) if i and kinds.get(start) != "appendix"]
    agenda_end = paged.find(PAGE_BREAK)
    agenda = paged[:agenda_end] if agenda_end > 0 else paged
    refs = list(PAGES_REF.finditer(agenda))
    if not refs or not heads:
        return paged
    groups = heads[: len(refs)]
    ranges = []
    for k, head in enumerate(groups):
        following = groups[k + 1] if k + 1 < len(groups) else None
        end = starts[following] - 1 if following is not None else last
        ranges.append((starts[head], max(starts[head], end)))
    pieces, cursor = [], 0
    for ref, (a, b) in zip(refs, ranges, strict=False):
        pieces += [agenda[cursor : ref.start()], f"(Pages {a} - {b})"]
        cursor = ref.end()
    return "".join(pieces) + agenda[cursor:] + paged[len(agenda) :]


def _page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def _letters(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text).lower() if ch.isalnum())


def _strip_markup(text: str) -> str:
    return re.sub(r"<[^>]+>|[*#|_`\\-]", " ", text)


def _html(text: str) -> str:
    """Markdown-ish text as an HTML body: markdown-it with tables, bold runs on lines of their own."""
    from markdown_it import MarkdownIt

    text = text.replace("****", "**\n\n**")  # an agenda line of bold runs was several lines in the pack
    text = TAB_TABLE.sub(lambda m: _tab_table(m[0]), text)
    text = BLANK_PAGE.sub("\n\n<div class=blank>This page is intentionally left blank</div>\n\n", text)
    md = MarkdownIt("commonmark", {"html": True, "breaks": True}).enable("table")
    tokens = md.parse(text)
    for token in tokens:  # "1)" lists print their own marker, not the browser's "1."
        if token.type == "ordered_list_open" and token.markup == ")":
            token.attrSet("class", "paren")
    return md.renderer.render(tokens, md.options, {})


def _tab_table(block: str) -> str:
    """Lines of tab-separated cells as an HTML table, the first line its heading row."""
    rows = [line.split("\t") for line in block.strip("\n").split("\n")]
    width = max(len(row) for row in rows)

    def cells(row: list[str], tag: str) -> str:
        padded = row + [""] * (width - len(row))
        return "".join(f"<{tag}>{cell.replace('**', '').strip()}</{tag}>" for cell in padded)

    body = "".join(f"<tr>{cells(row, 'td')}</tr>" for row in rows[1:])
    return f"\n\n<table><thead><tr>{cells(rows[0], 'th')}</tr></thead><tbody>{body}</tbody></table>\n\n"


def _render(bodies: list[str], outs: list[Path] | Path, *, header: str, first_page: int) -> list[Path]:
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    outs = [outs] if isinstance(outs, Path) else outs
    skip = max(0, first_page - 1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.emulate_media(media="print")
            for body, out in zip(bodies, outs, strict=True):
                padding = "<div class=pagebreak>&nbsp;</div>" * skip  # pages counted, then dropped
                page.set_content(
                    f"<!doctype html><html lang=en><head><meta charset=utf-8><style>{CSS}</style>"
                    f"</head><body>{padding}{body}</body></html>"
                )
                page.evaluate(HYPHENATE)
                data = page.pdf(
                    format="A4",
                    display_header_footer=True,
                    header_template=HEADER.format(html.escape(header)) if header else "<span></span>",
                    footer_template=FOOTER,
                    margin={"top": "24mm", "bottom": "22mm", "left": "20mm", "right": "20mm"},
                    outline=True,
                    tagged=True,
                )
                out.parent.mkdir(parents=True, exist_ok=True)
                if skip:
                    reader, writer = PdfReader(io.BytesIO(data)), PdfWriter()
                    for kept in reader.pages[skip:]:
                        writer.add_page(kept)
                    buffer = io.BytesIO()
                    writer.write(buffer)
                    data = buffer.getvalue()
                out.write_bytes(data)
        finally:
            browser.close()
    return outs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.pdfpacks", description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="folder to write the PDF packs into")
    parser.add_argument("--source", type=Path, help="folder of .txt papers (default: the bundled corpus)")
    parser.add_argument("--first-page", type=int, default=1, help="number printed on each pack's first page")
    args = parser.parse_args(argv)
    from precedent.corpus import BUNDLED_CORPUS

    for path in make_corpus(args.source or BUNDLED_CORPUS, args.out_dir, first_page=args.first_page):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
