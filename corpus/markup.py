"""Functions for the light markup left in text converted from PDFs and web pages."""

from __future__ import annotations

import re

TAG = re.compile(r"<[^>]{1,200}>")
MARKDOWN = re.compile(r"[*_#`>]+")
SPACE = re.compile(r"\s+")
BULLET_GLYPHS = "•●▪■◦‣⁃➢➤\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
"""List bullets as written by word processors, the last five the Symbol and Wingdings fonts' private-use
glyphs that their PDFs (and text taken from them) carry; "-", "*", "·" and "–" are markers too where a list
is read."""
LINE_TAG = re.compile(r"<[^<>\n]{1,200}>")
"""A tag within one line: over many lines, a stray "<" in the text would reach a ">" lines later and take the
text between for a tag."""


def clean_line(text: str) -> str:
    """A heading or title without markdown emphasis, tags, link syntax or surrounding punctuation."""
    text = TAG.sub("", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = MARKDOWN.sub("", text)
    if "|" in text:  # a table row used as a title: "| Title of EIA | | One Coventry Plan |"
        text = " – ".join(cell for cell in (c.strip(" \t-–:") for c in text.split("|")) if cell)
    return SPACE.sub(" ", text).strip(" \t-–:|")


def flat(text: str) -> str:
    """Text without tags or markdown emphasis, its white space (line breaks too) made single spaces, so that a
    heading broken over lines in bold runs ("**MEETING OF THE** **COUNCIL HELD**") reads as one sentence."""
    return SPACE.sub(" ", MARKDOWN.sub("", LINE_TAG.sub("", text))).strip()


def line_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end offsets of the line holding `pos`."""
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end < 0 else end


def letters(text: str) -> str:
    """The letters and digits of `text`, lower-cased: what two spellings of a heading compare as."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def alnum_count(text: str) -> int:
    return sum(ch.isalnum() for ch in TAG.sub("", text))
