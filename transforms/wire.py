"""Wire copy: paragraphs marked by indentation, the agency's sign-off line, the dateline.

Agency copy (Reuters, AP, AFP in their archives and in the Reuters-21578 dump) is
hard-wrapped at about 70 columns with no blank lines: each paragraph starts with an
indented line, and the story ends with a sign-off line naming the agency ("REUTER",
"Reuter", "-- AP", "(AFP)")::

        SALVADOR, Feb 26 - Showers continued throughout the week in
    the Bahia cocoa zone, alleviating the drought since early
    January and improving prospects for the coming temporao.
        Arrivals for the week ended February 22 were 155,221 bags.
     Reuter

- ``indented_paragraphs`` cuts such a block at its indented lines. A block is wire
  copy when its first line is indented and some other line is not: a block indented
  throughout (a quotation, a poem) or with hanging indents (a list whose continuation
  lines are indented, its first line not) is left whole.
- ``split_signoff`` puts a last line that is only a sign-off in a paragraph of its own,
  and ``find_signoffs`` (a paragraph step, ``transforms.cleaning``) takes that paragraph
  out of the body (status ``signoff``); ``signoff_agency`` names the agency it credits.
- ``parse_dateline``: the dateline that opens the first paragraph ("SALVADOR, Feb 26",
  "SAN FRANCISCO (Reuters)"), which stays in the text and is also stored apart.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from transforms.bylines import agency_name
from transforms.records import Paragraph

# A wire paragraph's first line: two or more spaces, or a tab (a single space is how
# some copy sets a sign-off line, not a paragraph).
_INDENT = re.compile(r"^(?: {2,}|\t)\s*\S")

# A sign-off line: an agency's name alone, maybe after dashes or inside brackets.
_SIGNOFF = re.compile(r"^\s*(?:[-\u2013\u2014]{1,2}\s*)?[(\[]?\s*(?P<agency>[A-Za-z][A-Za-z .&-]{0,40}?)"
                      r"\s*[)\]]?\s*\.?\s*$")
# Longer lines are prose, whatever they say.
_MAX_SIGNOFF_CHARS = 48

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
# "SALVADOR, Feb 26 -", "NEW YORK, March 2 (Reuters) -", "SAN FRANCISCO (Reuters) -":
# a place in capitals (maybe ", Country"), then a date, an agency in brackets, or both,
# then a dash. Without a date or an agency a capitalised opening is only a shout.
_DATELINE = re.compile(
    rf"^(?P<dateline>[A-Z][A-Z.'\u2019-]*(?: [A-Z][A-Z.'\u2019-]*){{0,3}}(?:, [A-Z][A-Za-z.]+(?: [A-Z][A-Za-z.]+)?)??"
    rf"(?P<date>, {_MONTH}\.? \d{{1,2}})?(?: ?\((?P<agency>[A-Za-z][A-Za-z .-]{{0,30}})\))?)"
    r" ?[-\u2013\u2014]{1,2} ")


def is_indented(line: str) -> bool:
    """True when ``line`` starts with an indent that can open a wire paragraph.

    >>> is_indented("    SALVADOR, Feb 26 - Showers"), is_indented(" Reuter"), is_indented("the Bahia")
    (True, False, False)
    """
    return bool(_INDENT.match(line))


def indented_paragraphs(lines: Sequence[str]) -> list[list[str]]:
    """The lines of one block (no blank line inside), grouped into paragraphs: a new one
    at each indented line when the block is wire copy, else the block whole.

    >>> indented_paragraphs(["  One starts", "and ends.", "  Two.", "ends"])
    [['  One starts', 'and ends.'], ['  Two.', 'ends']]
    >>> indented_paragraphs(["- an item", "  continued"])
    [['- an item', '  continued']]
    """
    filled = [line for line in lines if line.strip()]
    if len(filled) < 2 or not is_indented(filled[0]) or all(is_indented(line) for line in filled):
        return [list(lines)]
    groups: list[list[str]] = []
    for line in filled:
        if is_indented(line) or not groups:
            groups.append([line])
        else:
            groups[-1].append(line)
    return groups


def signoff_agency(text: str) -> str | None:
    """The agency a sign-off line credits, canonical ("Reuters"), else None.

    >>> signoff_agency(" REUTER"), signoff_agency("-- AP"), signoff_agency("(AFP)"), signoff_agency("Reuter said.")
    ('Reuters', 'AP', 'AFP', None)
    """
    if len(text) > _MAX_SIGNOFF_CHARS:
        return None
    match = _SIGNOFF.match(text)
    return agency_name(match.group("agency")) if match else None


def split_signoff(blocks: list[str]) -> list[str]:
    """``blocks`` (texts between blank lines) with a sign-off on the last block's last
    line set apart as a block of its own.

    >>> split_signoff(["Talks ended.\\n REUTER\\n"])
    ['Talks ended.', ' REUTER']
    """
    while blocks and not blocks[-1].strip():
        blocks = blocks[:-1]
    if not blocks:
        return blocks
    lines = blocks[-1].rstrip().split("\n")
    if len(lines) < 2 or signoff_agency(lines[-1]) is None:
        return blocks
    return [*blocks[:-1], "\n".join(lines[:-1]), lines[-1]]


def find_signoffs(paragraphs: Sequence[Paragraph], title: str | None = None) -> dict[int, None]:
    """The body's last kept paragraph when it is only a sign-off, by position (a
    paragraph step: ``transforms.cleaning``). Never the only paragraph. ``title`` is
    not used: every paragraph step takes it.

    >>> find_signoffs([Paragraph(0, "Talks ended."), Paragraph(1, "REUTER")])
    {1: None}
    """
    kept = [p for p in paragraphs if p.status == "kept"]
    if len(kept) > 1 and signoff_agency(kept[-1].text) is not None:
        return {kept[-1].position: None}
    return {}


def parse_dateline(paragraph: str) -> str | None:
    """The dateline that opens a paragraph, as written, or None.

    >>> parse_dateline("SALVADOR, Feb 26 - Showers continued"), parse_dateline("SAN FRANCISCO (Reuters) - Apple")
    ('SALVADOR, Feb 26', 'SAN FRANCISCO (Reuters)')
    >>> parse_dateline("NASA - the agency said"), parse_dateline("AP - Talks ended")
    (None, None)
    """
    match = _DATELINE.match(paragraph)
    if not match or not (match.group("date") or match.group("agency")):
        return None
    if match.group("agency") and agency_name(match.group("agency")) is None:
        return None
    place = match.group("dateline").split(",")[0].split(" (")[0]
    if agency_name(place) is not None:
        return None
    return match.group("dateline")
