"""Boilerplate of filings and reports: text no reader asks about and no answer should quote.

Forward-looking-statement and safe-harbour sections, tables of contents, exhibit indexes, signatures,
certifications, auditors' consents, Part I/II headings, cover-page check boxes and the registrant form's
captions, accession numbers and private-use glyphs. Example questions are never built from it
(app/web/ui/examples.py) and the extractive answerer never answers with a sentence from it
(app/answer/extractive.py); it may still be retrieved and shown as an excerpt.
"""
from __future__ import annotations

import re

from corpus.loaders.titles import ACCESSION

__all__ = ["is_boilerplate", "is_boilerplate_section"]

# Sections no reader asks about: what follows such a heading is skipped until the next titled heading.
BOILERPLATE_SECTION = re.compile(
    r"forward[\s-]+looking|cautionary\s+(?:statement|note|language)|safe\s+harbou?r|table\s+of\s+contents"
    r"|^contents$|^exhibits?\b|exhibit\s+index|index\s+to\s+(?:exhibits|financial\s+statements)|^signatures?$"
    r"|power\s+of\s+attorney|^certifications?\b|documents\s+incorporated\s+by\s+reference|^part\s+[ivx]+\b"
    r"|unresolved\s+staff\s+comments|mine\s+safety|^controls\s+and\s+procedures$|^mark\s+one$",
    re.I,
)
# Cover-page furniture: check boxes and the registrant form's captions.
COVER = re.compile(
    r"[\u2610-\u2612\u25a0-\u25a1\u2713\u2714]|check\s+mark|accelerated\s+filer|smaller\s+reporting"
    r"|emerging\s+growth|shell\s+company|seasoned\s+issuer|transition\s+period|commission\s+file"
    r"|exact\s+name|registered\s+pursuant|jurisdiction\s+of|employer\s+identification|exchange\s+commission"
    r"|washington,?\s+d\.?\s*c|trading\s+symbol|name\s+of\s+each\s+exchange",
    re.I,
)
PRIVATE_USE = re.compile("[\ue000-\uf8ff]")

# Section paths whose text is legal or filing furniture (matched anywhere in the path).
_FURNITURE_PATH = re.compile(
    r"forward[\s-]+looking|cautionary|safe\s+harbou?r|exhibits?\b|signatures?|certifications?|power\s+of\s+attorney"
    r"|consent\s+of\s+independent|incorporated\s+by\s+reference|table\s+of\s+contents", re.I)
_CONSENT = re.compile(r"we\s+consent\s+to\s+the\s+incorporation|incorporated\s+(?:herein\s+)?by\s+reference\s+to\s+exhibit"
                      r"|filed\s+herewith|furnished\s+herewith", re.I)


def is_boilerplate(line: str) -> bool:
    """True for a boilerplate section's heading (forward-looking statements, Part I, exhibits, table of
    contents), cover-page check boxes and captions, accession numbers, private-use glyphs."""
    return bool(PRIVATE_USE.search(line) or ACCESSION.search(line) or COVER.search(line)
                or BOILERPLATE_SECTION.search(line.strip()))


def is_boilerplate_section(section: str, sentence: str = "") -> bool:
    """True when a sentence sits in a furniture section (by its section path) or is filing furniture itself
    (an auditor's consent, an exhibit reference, a cover-page caption)."""
    return bool(_FURNITURE_PATH.search(section) or (sentence and (_CONSENT.search(sentence) or COVER.search(sentence)
                                                                  or PRIVATE_USE.search(sentence))))
