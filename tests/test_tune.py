"""Training pairs mined from papers' structure, and a real fine-tune that `precedent index --model` takes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from precedent.corpus import BUNDLED_CORPUS
from precedent.corpus.document import Document
from precedent.corpus.pairs import corpus_pairs, document_pairs, mine_pairs
from precedent.corpus.papers import parse_document

from tests.conftest import DOG

DOG_TITLE = "Call-In Stage 2 - Public Space Protection Order (Coventry Dog Control)"
DOG_RESOLVED = (
    "**RESOLVED that the Committee concur with the decisions of Cabinet, rejecting the valid part of the Call-in.**"
)

LIMERICK_MINUTE = """MINUTES OF PROCEEDINGS AT MEETING OF THE MUNICIPAL DISTRICT OF CAPPAMORE-KILMALLOCK HELD ON
WEDNESDAY 15th MARCH, 2023, AT 10.00 A.M.

12.Question submitted by Councillor Carey

“I will ask at the next meeting of the Cappamore-Kilmallock Municipal District meeting, what

is the proposed time frame for the pedestrian crossing at Glengrove, Kilmallock which was

part of my 2020-2021 GMA funding.”

**REPLY**

In accordance with the 1994 Road Traffic Act, a Section 38 for the installation of the

pedestrian crossing will be advertised shortly. Construction works will be completed before

the end of the year.

13.Question submitted by Councillor Carey

“I will ask at the next meeting of the Cappamore-Kilmallock Municipal District meeting if

there are any maintenance works planned for Ash Hill Manor estate, Kilmallock.”

**REPLY**

The Municipal District office carry out maintenance works as required in all estates including

Ash Hill estate. With respect to Ash Hill specifically, the Roads Maintenance Team are

scheduling minor drainage works in the estate to relieve surface water ponding at the rear

of the estate.
"""


def _dog_pairs():
    text = (BUNDLED_CORPUS / DOG).read_text(encoding="utf-8")
    return document_pairs(parse_document(Document(DOG, str(BUNDLED_CORPUS / DOG), text)))


def test_the_dog_control_minute_pairs_its_title_with_its_resolution():
    resolved = [(p.anchor, p.positive) for p in _dog_pairs() if p.kind == "resolved" and "Dog Control" in p.anchor]
    assert resolved == [(DOG_TITLE, DOG_RESOLVED)]


def test_no_pair_restates_its_anchor_and_the_item_text_is_paired_with_its_title():
    pairs = _dog_pairs()
    dog_items = [p.positive for p in pairs if p.anchor == DOG_TITLE and p.kind == "item"]
    assert any(p.startswith("The Chair, Councillor Skipper reported") for p in dog_items)
    assert not any(DOG_TITLE in p.positive for p in pairs)


def test_a_councillors_question_is_paired_with_its_written_reply():
    pairs = document_pairs(parse_document(Document("lim", "lim", LIMERICK_MINUTE)))
    replies = {(p.anchor, p.positive[:40]) for p in pairs if p.kind == "reply"}
    ask = "I will ask at the next meeting of the Cappamore-Kilmallock Municipal District meeting"
    assert replies == {
        (
            f"{ask}, what is the proposed time frame for the pedestrian crossing at Glengrove, Kilmallock which was "
            "part of my 2020-2021 GMA funding.",
            "In accordance with the 1994 Road Traffic",
        ),
        (
            f"{ask} if there are any maintenance works planned for Ash Hill Manor estate, Kilmallock.",
            "The Municipal District office carry out ",
        ),
    }
    assert not any(p.anchor.startswith("Question submitted by") for p in pairs)


def test_mining_drops_headings_of_many_documents_and_caps_the_sample():
    text = (BUNDLED_CORPUS / DOG).read_text(encoding="utf-8")
    reported = "The Chair, Councillor Skipper reported"
    copies = [parse_document(Document(f"c{i}", "x", text.replace(reported, f"At {i} {reported}"))) for i in range(4)]
    one, four = mine_pairs(copies[:1]), mine_pairs(copies)
    assert DOG_TITLE in {p.anchor for p in one}
    assert DOG_TITLE not in {p.anchor for p in four}  # its item now reads differently in four documents
    assert {p.anchor for p in four} == {p.anchor for p in one} - {DOG_TITLE}
    everything = corpus_pairs([BUNDLED_CORPUS])
    assert len({(p.anchor, p.positive) for p in everything}) == len(everything) > 300
    assert mine_pairs(copies[:1], max_pairs=10, seed=1) == mine_pairs(copies[:1], max_pairs=10, seed=1)
    assert len(mine_pairs(copies[:1], max_pairs=10)) == 10


@pytest.mark.slow
def test_a_tuned_model_is_written_and_indexed_with(tmp_path, monkeypatch):
    from precedent.embed.encoder import SentenceTransformerEncoder
    from precedent.embed.tune import tune_model
    from precedent.index.index import Index
    from precedent.index.search import search

    from precedent.cli import main

    monkeypatch.setenv("PRECEDENT_FAST_EMBED", "0")
    pairs = [(p.anchor, p.positive) for p in _dog_pairs()[:8]]
    out = tmp_path / "model"
    report = tune_model(pairs, out, epochs=1, batch_size=4, max_seq_length=32, max_steps=1, warmup=0, progress=False)
    assert report.steps == 1 and report.pairs == 8 and (out / "modules.json").is_file()

    tuned, base = SentenceTransformerEncoder(str(out)), SentenceTransformerEncoder()
    assert tuned.max_seq_length == base.max_seq_length == 256
    vectors = [encoder.encode([DOG_TITLE])[0] for encoder in (tuned, base)]
    assert 0.9 < float(np.dot(*vectors)) < 0.99999  # trained one step: moved, not broken

    papers = tmp_path / "papers"
    papers.mkdir()
    shutil.copy(BUNDLED_CORPUS / "001_e0088b1ccd8f89d9.txt", papers)
    assert main(["index", str(papers), "--index", str(tmp_path / "index"), "--model", str(out)]) == 0
    index = Index.load(tmp_path / "index")
    assert index.model == str(out)
    hits = search(index, "One Coventry Plan 2022-2030 engagement", k=3)
    assert hits and hits[0].chunk.item == 48
