"""transforms.wire: wire copy's indented paragraphs, sign-off line and dateline, through clean_record."""

from __future__ import annotations

import pytest

from tests.test_paragraphs import WIRE_STORY
from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig
from transforms.records import RawRecord
from transforms.wire import find_signoffs, indented_paragraphs, parse_dateline, signoff_agency


@pytest.mark.parametrize(("line", "agency"), [
    ("REUTER", "Reuters"), (" Reuter", "Reuters"), ("Reuters", "Reuters"), ("-- AP", "AP"), ("(AFP)", "AFP"),
    ("\u2014 AP", "AP"), ("[Reuters]", "Reuters"), ("UPI.", "UPI"),
    ("Ap", None), ("Reuter said talks ended.", None), ("Paul Reuter", None), ("Talks ended.", None), ("", None),
])
def test_signoff_agency(line, agency):
    assert signoff_agency(line) == agency


@pytest.mark.parametrize(("paragraph", "dateline"), [
    ("SALVADOR, Feb 26 - Showers continued", "SALVADOR, Feb 26"),
    ("NEW YORK, March 2 (Reuters) - Stocks fell", "NEW YORK, March 2 (Reuters)"),
    ("SAN FRANCISCO (Reuters) - Apple said", "SAN FRANCISCO (Reuters)"),
    ("WASHINGTON, D.C., Jan. 5 - The Senate", "WASHINGTON, D.C., Jan. 5"),
    ("NASA - the agency said", None),  # no date, no agency: a shout, not a dateline
    ("AP - Talks ended", None),  # the agency alone is no place
    ("LONDON (Acme Corp) - Talks", None),  # brackets that name no agency
    ("The talks ended, Feb 26 - late", None),
])
def test_parse_dateline(paragraph, dateline):
    assert parse_dateline(paragraph) == dateline


def test_indented_paragraphs_only_for_wire_copy():
    assert len(indented_paragraphs(WIRE_STORY.rstrip("\n").split("\n")[:-1])) == 3
    assert indented_paragraphs(["  all", "  indented"]) == [["  all", "  indented"]]


def test_a_signoff_is_never_the_only_paragraph():
    from transforms.records import Paragraph

    assert find_signoffs([Paragraph(0, "REUTER")]) == {}


def test_a_wire_story_keeps_its_paragraphs_and_dateline_and_credits_its_signoff():
    raw = ("Bahia cocoa review\n" + WIRE_STORY).encode()
    article = clean_record(RawRecord("reut.txt", None, raw), RecordContext(None, "txt", SourceConfig()))
    values = article.values
    assert values["paragraph_count"] == 3
    assert values["body"].startswith("SALVADOR, Feb 26 - Showers")  # the dateline stays in the text
    assert values["body"].endswith("last year.")
    assert values["dateline"] == "SALVADOR, Feb 26"
    assert values["agency"] == "Reuters" and values["authors"] == []
    assert [(p.status, p.reason) for p in article.paragraphs][-1] == ("signoff", "signoff: moved to agency")
    assert article.paragraphs[-1].text == "Reuter"
    assert {"indented-paragraphs", "reflow"} <= set(values["fixes"])


def test_an_ordinary_article_has_no_dateline_and_no_reflow_fix():
    raw = b"Talks end\n\nTalks ended on Monday.\n\nThey resume on Friday."
    values = clean_record(RawRecord("a.txt", None, raw), RecordContext(None, "txt", SourceConfig())).values
    assert values["dateline"] is None and values["agency"] is None
    assert "reflow" not in values["fixes"] and values["paragraph_count"] == 2
