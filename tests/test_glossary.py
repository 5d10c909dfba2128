"""Acronyms defined in the papers widen the question's words, both ways."""

from __future__ import annotations

from dataclasses import replace

from precedent.corpus import BUNDLED_CORPUS
from precedent.index.glossary import Glossary, definitions
from precedent.index.search import DEFAULT_CONFIG, search


def test_definitions_take_the_words_whose_initials_spell_the_acronym():
    text = (
        "it was agreed that the Senior Responsible Owner (SRO) would be the Police and Crime Commissioner. "
        "Referrals to the Department for Work and Pensions (DWP) and the Community Safety Partnerships (CSPs). "
        "A figure (2013) and a word in brackets (see above) are not acronyms; nor is Some Text (XYZ)."
    )
    assert definitions(text) == {
        "SRO": "Senior Responsible Owner",
        "DWP": "Department for Work and Pensions",
        "CSPs": "Community Safety Partnerships",
    }


def test_an_acronym_defined_two_ways_is_left_out():
    glossary = Glossary.build(
        [
            "Breast cancer (BC) is common.",
            "Bladder cancer (BC) too.",
            "Domestic Violence & Abuse (DVA)",
            "Domestic violence and abuse (DVA)",
        ]
    )
    assert glossary.terms == {"DVA": "Domestic Violence & Abuse"}


def test_the_bundled_papers_define_their_acronyms():
    glossary = Glossary.build(p.read_text(encoding="utf-8") for p in sorted(BUNDLED_CORPUS.glob("*.txt")))
    assert glossary.terms["SRO"] == "Senior Responsible Owner"
    assert glossary.terms["DVA"] == "Domestic Violence and Abuse"
    assert glossary.terms["NI"] == "No impact"
    expanded = glossary.expand("DVA provider workforce")
    assert expanded == "DVA provider workforce Domestic Violence and Abuse"
    assert glossary.expand("who is the senior responsible owner?").endswith(" SRO")
    assert glossary.expand("DVA provider workforce", long_forms=False) == "DVA provider workforce"
    assert glossary.expand("the senior responsible owner", acronyms=False) == "the senior responsible owner"
    assert glossary.expand("the dva team") == "the dva team"  # lower case is an ordinary word, not the acronym
    assert glossary.expand("allotments") == "allotments"


def test_a_question_saying_no_impact_finds_the_rows_marked_ni(real_index):
    question = "Which groups would see no impact from the One Coventry Plan?"
    assert real_index.glossary.terms["NI"] == "No impact"
    expanded = [h.text for h in search(real_index, question, k=5)]
    assert any(t.startswith("| Religion and belief | NI |") for t in expanded)
    plain = search(real_index, question, k=10, config=replace(DEFAULT_CONFIG, expand_acronyms=False))
    assert not any(h.text.startswith("| Religion and belief | NI |") for h in plain)
