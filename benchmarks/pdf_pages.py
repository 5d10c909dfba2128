"""Whether citations name the right PDF page: for each evidence quote, the page of the passage answering it.

    python benchmarks/pdf_pages.py --index DIR --pdfs PDF_DIR eval/coventry_dev.jsonl [more question files]

The page holding a quote is read from the PDF by pypdf on its own (each page's plain text), not through
Precedent's reader: a page holds a quote when it shares at least half of it (the dev-set rule). A quote is
checked twice: against the first passage within the top 10 that answers it, and against every passage of
the index that answers it, each against the pages of its own PDF (the quote may be answered in another paper).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.eval.scoring import PASSAGE_CHARS, answers_normalised, load_questions, normalise  # noqa: E402

LINE_END_HYPHEN = re.compile(r"(?<=[^\W\d_])-\n(?=[^\W\d_])")


@dataclass
class PageCheck:
    quotes: int = 0
    retrieved: int = 0
    retrieved_right: int = 0
    passages: int = 0
    passages_right: int = 0
    wrong: list[str] | None = None

    def line(self) -> str:
        return (
            f"{self.quotes} quotes; answered in the top 10: {self.retrieved}, cited page right for "
            f"{self.retrieved_right}; every answering passage: {self.passages}, page right for {self.passages_right}"
        )


def pdf_pages(pdf: Path) -> list[str]:
    """Each page's normalised plain text, line-end hyphens joined and bullet glyphs read as "- " (the text
    papers' marker) so a quote can be found across them."""
    from precedent.corpus.markup import BULLET_GLYPHS
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(pdf).pages:
        text = unicodedata.normalize("NFKC", page.extract_text() or "")
        text = re.sub(rf"(?m)^([ \t]*)[{BULLET_GLYPHS}][ \t]+", r"\1- ", text)
        pages.append(normalise(LINE_END_HYPHEN.sub("", text)))
    return pages


def cited_pages(chunk) -> set[int]:
    """The pages a passage's citation names: its page, or pp. page-last_page when it runs over a page break."""
    return set(range(chunk.page, (chunk.last_page or chunk.page) + 1)) if chunk.page else set()


def check_pages(index, questions, pdf_dir: Path, k: int = 10) -> PageCheck:
    """Count quotes whose answering passages cite a page that holds them."""
    from precedent.index.search import search

    result = PageCheck(wrong=[])
    pages_of: dict[str, list[str]] = {}
    texts = [normalise(chunk.unbroken[:PASSAGE_CHARS]) for chunk in index.chunks]  # as shown: no headers

    def holding(doc: str, quote: str) -> set[int]:
        if doc not in pages_of:
            pages_of[doc] = pdf_pages(pdf_dir / doc)
        return {i for i, page in enumerate(pages_of[doc], start=1) if answers_normalised(page, quote)}

    for question in questions:
        hits = search(index, question.query, k=k)
        hit_texts = [normalise(hit.chunk.unbroken[:PASSAGE_CHARS]) for hit in hits]
        for evidence in question.evidence:
            quote = normalise(evidence.quote)
            result.quotes += 1
            first = next((h for h, t in zip(hits, hit_texts, strict=True) if answers_normalised(t, quote)), None)
            if first is not None:
                result.retrieved += 1
                pages = holding(first.chunk.doc_id, quote)
                right = bool(cited_pages(first.chunk) & pages)
                result.retrieved_right += right
                if not right:
                    result.wrong.append(f"{question.id}: cited {first.citation().pages}, quote on {sorted(pages)}")
            for chunk, text in zip(index.chunks, texts, strict=True):
                if answers_normalised(text, quote):
                    result.passages += 1
                    result.passages_right += bool(cited_pages(chunk) & holding(chunk.doc_id, quote))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--index", required=True, help="index of the PDF corpus (`precedent index PDF_DIR --index DIR`)"
    )
    parser.add_argument("--pdfs", required=True, type=Path, help="the folder of PDFs the index was built from")
    parser.add_argument("questions", nargs="+", type=Path, help="question files (format of eval/coventry_dev.jsonl)")
    args = parser.parse_args()
    from precedent.index.index import Index

    index = Index.load(args.index)
    for path in args.questions:
        check = check_pages(index, load_questions(path), args.pdfs)
        print(f"{path.name}: {check.line()}")
        for wrong in check.wrong or []:
            print(f"  {wrong}")


if __name__ == "__main__":
    main()
