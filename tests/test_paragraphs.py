from transforms.paragraphs import (
    comparison_text,
    mark_repeats,
    normalize_space,
    paragraph_key,
    split_paragraphs,
)
from transforms.records import Paragraph


def paras(*texts):
    return [Paragraph(position=i, text=t) for i, t in enumerate(texts)]


def test_split_paragraphs_on_blank_lines_and_joins_wrapped_lines():
    text = "First line\nwrapped here.\r\n \r\nSecond\u00a0 para.\n\n\n\nThird.\t\n"
    assert split_paragraphs(text) == ["First line wrapped here.", "Second para.", "Third."]


def test_split_paragraphs_drops_empty_and_whitespace_only():
    assert split_paragraphs("\n\n \u00a0\n\n\t\n") == []


def test_normalize_space_collapses_every_kind_of_space():
    assert normalize_space("a\u00a0\u00a0b\tc\u3000d  \u2028e ") == "a b c d e"


def test_seed_variants_compare_equal():
    straight = 'On Monday, he said Ukraine had "better come to the table, fast" - a sentiment'
    curly = "On Monday, he said Ukraine had \u201cbetter come to the table, fast\u201d \u2013 a sentiment"
    assert comparison_text(straight) == comparison_text(curly)
    assert paragraph_key(straight) == paragraph_key(curly)


def test_keys_differ_for_different_words():
    assert paragraph_key("Talks ended.") != paragraph_key("Talks resumed.")


def test_case_and_width_do_not_matter():
    assert paragraph_key("ＴＡＬＫＳ   ended") == paragraph_key("talks ended")


def test_mark_repeats_keeps_first_occurrence():
    out = mark_repeats(paras("A b.", "C d.", "a  B.", "C d.", "E."))
    assert [p.status for p in out] == ["kept", "kept", "repeat", "repeat", "kept"]
    assert [p.repeat_of for p in out] == [None, None, 0, 1, None]


def test_mark_repeats_ignores_already_removed_paragraphs_as_originals():
    ps = paras("By Jo Bloggs", "Text.", "By Jo Bloggs")
    ps[0].status = "byline"
    out = mark_repeats(ps)
    # The first kept occurrence is the one at position 2: a removed byline is no original.
    assert [p.status for p in out] == ["byline", "kept", "kept"]
