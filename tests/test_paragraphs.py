"""transforms.paragraphs: re-flow, cutting, comparison keys, repeats."""

import re
import sys
import unicodedata
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.corpus_texts import corpus_texts, expected_count
from transforms import paragraphs, titles
from transforms.paragraphs import (
    comparison_text,
    cut_paragraphs,
    find_repeats,
    normalize_space,
    paragraph_key,
    reflow,
    split_paragraphs,
    translate_where_needed,
)
from transforms.records import Paragraph


def paras(*texts):
    return [Paragraph(position=i, text=t) for i, t in enumerate(texts)]


def test_reflow_joins_wrapped_lines_and_keeps_one_blank_line_between_paragraphs():
    text = "First line\nwrapped here.\r\n \r\nSecond\u00a0 para.\n\n\n\nThird.\t\n"
    assert reflow(text) == "First line wrapped here.\n\nSecond para.\n\nThird."
    assert reflow(reflow(text)) == reflow(text)
    assert cut_paragraphs(reflow(text)) == split_paragraphs(text)


def test_split_paragraphs_on_blank_lines_and_joins_wrapped_lines():
    text = "First line\nwrapped here.\r\n \r\nSecond\u00a0 para.\n\n\n\nThird.\t\n"
    assert split_paragraphs(text) == ["First line wrapped here.", "Second para.", "Third."]


def test_split_paragraphs_drops_empty_and_whitespace_only():
    assert split_paragraphs("\n\n \u00a0\n\n\t\n") == []


def test_normalize_space_collapses_every_kind_of_space():
    assert normalize_space("a\u00a0\u00a0b\tc\u3000d  \u2028e ") == "a b c d e"


def _normalize_space_by_regex(text: str) -> str:
    """The regex normalize_space was, kept as the oracle of the str.split() one."""
    return re.sub(r"\s+", " ", text).strip()


def test_str_split_and_regex_agree_on_what_is_white_space_for_every_code_point():
    every = [chr(c) for c in range(sys.maxunicode + 1)]
    by_regex = [c for c in every if re.fullmatch(r"\s", c)]
    assert by_regex == [c for c in every if c.isspace()]
    assert len(by_regex) == 29
    assert normalize_space("".join(every)) == _normalize_space_by_regex("".join(every))


_SPACES = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(_SPACES + "\u200b\ufeff\u00adab"), st.characters())))
def test_normalize_space_equals_the_regex_on_arbitrary_text(text):
    assert normalize_space(text) == _normalize_space_by_regex(text)


def test_normalize_space_equals_the_regex_on_every_shared_corpus():
    texts = corpus_texts()
    assert len(texts) == expected_count()
    for text in texts:
        assert normalize_space(text) == _normalize_space_by_regex(text)


def test_seed_variants_compare_equal():
    straight = 'On Monday, he said Ukraine had "better come to the table, fast" - a sentiment'
    curly = "On Monday, he said Ukraine had \u201cbetter come to the table, fast\u201d \u2013 a sentiment"
    assert comparison_text(straight) == comparison_text(curly)
    assert paragraph_key(straight) == paragraph_key(curly)


def test_keys_differ_for_different_words():
    assert paragraph_key("Talks ended.") != paragraph_key("Talks resumed.")


def test_case_and_width_do_not_matter():
    assert paragraph_key("ＴＡＬＫＳ   ended") == paragraph_key("talks ended")


def test_find_repeats_keeps_first_occurrence():
    assert find_repeats(paras("A b.", "C d.", "a  B.", "C d.", "E.")) == {2: 0, 3: 1}


def test_find_repeats_ignores_already_removed_paragraphs_as_originals():
    ps = paras("By Jo Bloggs", "Text.", "By Jo Bloggs")
    ps[0] = replace(ps[0], status="byline")
    # The first kept occurrence is the one at position 2: a removed byline is no original.
    assert find_repeats(ps) == {}


def test_find_repeats_uses_the_keys_given():
    ps = [Paragraph(0, "One.", key="k"), Paragraph(1, "Two.", key="k")]
    assert find_repeats(ps) == {1: 0}


def test_invisible_characters_and_ellipsis_do_not_make_paragraphs_differ():
    assert paragraph_key("Wait\u2026 what\u200b?") == paragraph_key("wait... what?")
    assert paragraph_key("co\u00adoperation") == paragraph_key("cooperation")
    assert paragraph_key("Talks ended.") != paragraph_key("Talks ended")  # punctuation is content


def test_split_paragraphs_on_unicode_separators_and_old_line_ends():
    assert split_paragraphs("One.\u2029Two.\r\rThree\u2028wrapped.\u000c\u000cFour.") == [
        "One.", "Two.", "Three wrapped.", "Four.",
    ]
    # A line holding only a zero-width space is still a blank line.
    assert split_paragraphs("One.\n\u200b\nTwo.") == ["One.", "Two."]


def test_find_repeats_first_occurrence_wins_whatever_the_order():
    import random

    texts = ["Alpha.", "Beta.", "ALPHA.", "Gamma.", "beta.", "alpha."]
    expected = {2: 0, 4: 1, 5: 0}
    assert find_repeats(paras(*texts)) == expected
    for seed in range(5):
        shuffled = paras(*texts)
        random.Random(seed).shuffle(shuffled)
        assert find_repeats(shuffled) == expected


def _comparison_text_before(paragraph: str) -> str:
    """comparison_text as it was (both translations always run): the oracle."""
    text = unicodedata.normalize("NFKC", paragraph.translate(paragraphs._QUOTES)).translate(paragraphs._QUOTES)
    return _normalize_space_by_regex(text.casefold())


def _reflow_before(text: str) -> str:
    text = paragraphs._LINE_ENDS.sub("\n", text)
    parts = (_normalize_space_by_regex(p.translate(paragraphs._INVISIBLE)) for p in paragraphs._BLANK_LINE.split(text))
    return "\n\n".join(p for p in parts if p)


_TABLES = [
    (paragraphs._QUOTES, paragraphs._HAS_QUOTE),
    (paragraphs._INVISIBLE, paragraphs._HAS_INVISIBLE),
    (titles._INVISIBLE, titles._HAS_INVISIBLE),
]
_TABLE_CHARS = "".join(chr(c) for table, _ in _TABLES for c in table)


def test_each_table_s_pattern_finds_exactly_the_table_s_characters():
    for table, pattern in _TABLES:
        assert [c for c in map(chr, range(sys.maxunicode + 1)) if pattern.search(c)] == sorted(map(chr, table))


_TABLE_TEXT = st.one_of(st.sampled_from(_TABLE_CHARS + " \n\u00a0"), st.characters(exclude_categories=["Cs"]))


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=_TABLE_TEXT))
def test_translations_skipped_only_where_they_change_nothing(text):
    for table, pattern in _TABLES:
        assert translate_where_needed(text, table, pattern) == text.translate(table)
    assert comparison_text(text) == _comparison_text_before(text)
    assert reflow(text) == _reflow_before(text)


def test_comparison_text_and_reflow_equal_the_former_ones_on_every_shared_corpus():
    texts = corpus_texts()
    assert len(texts) == expected_count()
    for text in texts:
        assert reflow(text) == _reflow_before(text)
        for paragraph in cut_paragraphs(reflow(text)):
            assert comparison_text(paragraph) == _comparison_text_before(paragraph)
        assert comparison_text(text) == _comparison_text_before(text)
