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


def test_mark_repeats_first_occurrence_wins_whatever_the_order():
    import random

    texts = ["Alpha.", "Beta.", "ALPHA.", "Gamma.", "beta.", "alpha."]
    expected = [p.status for p in mark_repeats(paras(*texts))]
    assert expected == ["kept", "kept", "repeat", "kept", "repeat", "repeat"]
    for seed in range(5):
        shuffled = paras(*texts)
        random.Random(seed).shuffle(shuffled)
        out = sorted(mark_repeats(shuffled), key=lambda p: p.position)
        assert [p.status for p in out] == expected
        assert [p.repeat_of for p in out] == [None, None, 0, None, 1, 0]


def test_title_repeated_as_first_paragraph_is_marked():
    from transforms.article import _mark_title_repeat

    def first_status(title, *texts):
        ps = [Paragraph(position=i, text=t, key=paragraph_key(t)) for i, t in enumerate(texts)]
        _mark_title_repeat(title, ps)
        return [(p.status, p.reason) for p in ps][:2]

    # Typography, case and punctuation of the title do not matter.
    assert first_status("Talks end \u2013 no deal", "TALKS END: no deal", "Body.")[0] == ("repeat", "repeats the title")
    # The title with the site name the title cleaner removed.
    assert first_status("Waking Up In The Morgue", "Waking Up In The Morgue - Awareness Act", "Body.")[0][0] == "repeat"
    # A byline first: the first kept paragraph is the one compared.
    ps = [Paragraph(0, "By Jo Bloggs", status="byline"), Paragraph(1, "Talks end"), Paragraph(2, "Body.")]
    from transforms.article import _mark_title_repeat as mark

    mark("Talks end", ps)
    assert [p.status for p in ps] == ["byline", "repeat", "kept"]
    # A first paragraph that starts with the title and goes on is body text: it stays.
    assert first_status("Talks end", "Talks end as both sides walk out of the room in Geneva.", "Body.")[0][0] == "kept"
    assert first_status("Talks end", "Talks end - the ministers left early on Friday", "B.")[0][0] == "kept"
    assert first_status(None, "Talks end", "Body.")[0][0] == "kept"


def test_title_after_a_prompt_or_twice_is_marked_but_not_deep_in_the_body():
    from transforms.article import _mark_title_repeat

    def statuses(title, *texts):
        ps = [Paragraph(position=i, text=t, key=paragraph_key(t)) for i, t in enumerate(texts)]
        _mark_title_repeat(title, ps)
        return [p.status for p in ps]

    assert statuses("Hand sanitizers", "Subscribe to Example for FREE", "Hand Sanitizers", "Body.") == [
        "kept", "repeat", "kept"]
    assert statuses("Hand sanitizers", "Hand sanitizers", "HAND SANITIZERS", "Body.") == ["repeat", "repeat", "kept"]
    assert statuses("Hand sanitizers", "A.", "B.", "C.", "Hand sanitizers") == ["kept"] * 4
