"""Whether PDF passages cite the section the text papers give: for each evidence quote, the section titles of
the passages answering it in the text index and in the PDF index of the same papers.

    python benchmarks/pdf_sections.py --text-index TXT_DIR --pdf-index PDF_DIR eval/coventry_dev.jsonl [...]

The text papers mark their headings ("### Foreword", "**Gender**"); a PDF has only type. A quote agrees when
some passage answering it in the PDF index carries a section title that a passage answering it in the text
index carries (titles compared without case, markup or "(Pages a - b)", whose numbers differ between the two).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from precedent.eval.scoring import PASSAGE_CHARS, answers_normalised, load_questions, normalise  # noqa: E402

PAGES = re.compile(r"\(pages?[^)]*\)?", re.IGNORECASE)


def title_key(title: str) -> str:
    return " ".join(normalise(PAGES.sub("", title)).split())


def answering_sections(chunks, texts, quote: str) -> set[str]:
    return {title_key(c.section) for c, t in zip(chunks, texts, strict=True) if answers_normalised(t, quote)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--text-index", required=True, help="index of the text papers")
    parser.add_argument("--pdf-index", required=True, help="index of the same papers as PDFs")
    parser.add_argument("questions", nargs="+", type=Path, help="question files (format of eval/coventry_dev.jsonl)")
    parser.add_argument("--show", action="store_true", help="list the quotes whose sections differ")
    args = parser.parse_args()
    from precedent.index.index import Index

    indexes = [Index.load(args.text_index), Index.load(args.pdf_index)]
    texts = [[normalise(c.unbroken[:PASSAGE_CHARS]) for c in index.chunks] for index in indexes]
    for path in args.questions:
        quotes = answered = agree = 0
        for question in load_questions(path):
            for evidence in question.evidence:
                quote = normalise(evidence.quote)
                quotes += 1
                text_sections, pdf_sections = (
                    answering_sections(index.chunks, t, quote) for index, t in zip(indexes, texts, strict=True)
                )
                if not (text_sections and pdf_sections):
                    continue
                answered += 1
                agree += bool(text_sections & pdf_sections)
                if args.show and not text_sections & pdf_sections:
                    print(f"  {question.id}: text {sorted(text_sections)} / PDF {sorted(pdf_sections)}")
        print(f"{path.name}: {quotes} quotes, {answered} answered in both indexes, same section for {agree}")


if __name__ == "__main__":
    main()
