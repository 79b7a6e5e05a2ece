"""Tests for transforms.entities: restoring the entities AG News lost the "&" of."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest

from tests.conftest import corpus_path
from transforms.entities import fix_lost_entities
from transforms.repair import repair

# ---------------------------------------------------------------------------------------
# Lost-ampersand entities (AG News)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("Oracle #39;s chief", "Oracle\u2019s chief".replace("\u2019", "'")),
        ("the  #36;10 million prize", "the $10 million prize"),
        ("In  quot;helping quot; mode", 'In "helping" mode'),
        ("Netscape  #038; Google", "Netscape & Google"),
        ("can #146;t play", "can\u2019t play"),
        ("with them  #151; online", "with them \u2014 online"),
        ("BAGHDAD  #8212; Militants", "BAGHDAD \u2014 Militants"),
    ],
)
def test_fix_lost_entities_restores_ag_news_entities(text: str, fixed: str) -> None:
    assert fix_lost_entities(text) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "caf&#233; and &#39;quoted&#39;",  # real entities are repair's job, untouched here
        "a summer camp; then home",  # "amp;" inside a word is not an entity
        "Issue #1; and bug #12;",  # numbers outside the punctuation list could be literal
        "plain text without any",
    ],
)
def test_fix_lost_entities_leaves_the_rest_alone(text: str) -> None:
    assert fix_lost_entities(text) == text


def test_fix_lost_entities_on_ag_news() -> None:
    raw = corpus_path("ag-news-test", "test.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw)))
    before = sum(len(re.findall(r"(?<!&)#(?:39|36|151);", r[2])) for r in rows)
    fixed = [fix_lost_entities(r[2]) for r in rows]
    after = sum(len(re.findall(r"(?<!&)#(?:39|36|151);", f)) for f in fixed)
    assert (before, after) == (2172, 0)
    assert sum("quot;" in f and "&quot;" not in f for f in fixed) == 0
    # Entities that kept their "&" ("&lt;b&gt;") are left for repair, which decodes them.
    assert any("&lt;" in f for f in fixed)
    assert not any("&lt;" in repair(f) for f in fixed if "<" not in f)
    assert html.unescape("&#151;") == "\u2014"  # the HTML5 mapping fix_lost_entities relies on
