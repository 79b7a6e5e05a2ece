"""transforms.paragraphs: re-flow, cutting, comparison keys, repeats."""

import re
import sys
import unicodedata
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.corpus_texts import corpus_texts, expected_count
from transforms import fingerprints, paragraphs, wire
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


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab. \t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0")))
def test_normalize_space_s_ascii_shortcut_equals_the_regex(text):
    # Mostly ASCII, with every ASCII white-space character: the shortcut for text that is
    # already normalized must never keep one that is not.
    assert normalize_space(text) == _normalize_space_by_regex(text)
    assert normalize_space(normalize_space(text)) == normalize_space(text)


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


# Prose long enough to be a paragraph: its repeat is a copy error (``is_copy_error``).
A = "Talks between Russia, Ukraine and the US have concluded without a breakthrough."
C = "The trilateral meetings, held in Geneva, went on late on Tuesday night again."


def test_find_repeats_keeps_first_occurrence():
    assert find_repeats(paras(A, C, A.upper().replace(" ", "  "), C, "E.")) == {2: 0, 3: 1}


def test_find_repeats_ignores_already_removed_paragraphs_as_originals():
    ps = paras("By Jo Bloggs", "Text.", "By Jo Bloggs")
    ps[0] = replace(ps[0], status="byline")
    # The first kept occurrence is the one at position 2: a removed byline is no original.
    assert find_repeats(ps) == {}


def test_find_repeats_uses_the_keys_given():
    ps = [Paragraph(0, A, key="k"), Paragraph(1, C, key="k")]
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

    alpha, beta = "Alpha " + A, "Beta " + C
    texts = [alpha, beta, alpha.upper(), "Gamma.", beta.lower(), alpha.lower()]
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
    """reflow as it was, less the deletion of invisible characters, which are text now:
    the oracle for texts that hold no wire copy (no indented paragraphs, no sign-off)."""
    text = paragraphs._LINE_ENDS.sub("\n", text)
    parts = (_normalize_space_by_regex(p) for p in paragraphs._BLANK_LINE.split(text))
    return "\n\n".join(p for p in parts if p and paragraphs._HAS_VISIBLE.search(p))


def _is_wire_copy(text: str) -> bool:
    """True when reflow treats ``text`` as wire copy: indented paragraphs or a sign-off."""
    blocks = paragraphs._BLANK_LINE.split(paragraphs._LINE_ENDS.sub("\n", text))
    while blocks and not blocks[-1].strip():
        blocks.pop()
    split = len(wire.split_signoff(list(blocks))) > len(blocks)
    return split or "indented-paragraphs" in paragraphs.reflow_and_explain(text)[1]


_TABLES = [
    (paragraphs._QUOTES, paragraphs._HAS_QUOTE),
    (paragraphs._INVISIBLE, paragraphs._HAS_INVISIBLE),
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
    assert paragraphs.unify_quotes(text) == text.translate(paragraphs._QUOTES)
    assert comparison_text(text) == _comparison_text_before(text)
    assert reflow(text) == _reflow_before(text) or _is_wire_copy(text)


def test_comparison_text_and_reflow_equal_the_former_ones_on_every_shared_corpus():
    texts = corpus_texts()
    assert len(texts) == expected_count()
    for text in texts:
        assert reflow(text) == _reflow_before(text) or _is_wire_copy(text)
        for paragraph in cut_paragraphs(reflow(text)):
            assert comparison_text(paragraph) == _comparison_text_before(paragraph)
        assert comparison_text(text) == _comparison_text_before(text)


def test_repeats_of_structure_stay_and_copy_errors_go():
    # A meal plan: headings, labels and list items repeat by design and all stay.
    plan = ["Meal 1", "Eat every 2\u20133 hours", "Portion Fix Containers: 1 Green, 1 Purple, 1 Red, 1 Yellow, 1 tsp.",
            "1 scoop Shakeology, 1 cup spinach, 1 cup baby carrots, 8 oz. unsweetened almond milk (or 1 tsp. butter)"]
    assert find_repeats(paras(*plan, *plan, *plan)) == {}
    # An interview: the repeated prompts and the repeated answer label stay.
    interview = ["Q: Why?", "Because the talks had ended late on Monday, and nobody wanted to start again.",
                 "Q: Why?", "Questioner: Yes.", "What did you do next, and why did you decide it then and there?",
                 "Questioner: Yes.", "What did you do next, and why did you decide it then and there?"]
    assert find_repeats(paras(*interview)) == {}
    # Attributions repeated under quotes stay.
    assert find_repeats(paras("\u2014 Jim Bray", "A quote.", "\u2014 Jim Bray")) == {}
    # The seed's repeated quote, typography aside, goes.
    quote = ('On Monday, he said Ukraine had "better come to the table, fast" - a sentiment Zelensky has since '
             "rejected, saying it was \"not fair\".")
    curly = quote.replace('"better', "\u201cbetter").replace('fast"', "fast\u201d").replace(" - ", " \u2013 ")
    assert find_repeats(paras(quote, "Other text.", curly)) == {2: 0}
    # A script without spaces: long enough by characters.
    zh = "\u4f1a\u8c08\u5728\u661f\u671f\u4e00\u665a\u4e0a\u7ed3\u675f\uff0c" * 3 + "\u3002"
    assert paragraphs.is_copy_error(zh) and find_repeats(paras(zh, zh)) == {1: 0}


def test_invisible_characters_stay_in_the_text_and_out_of_the_keys():
    flag = "Pride \U0001f3f3\ufe0f\u200d\U0001f308 flies."  # white flag + ZWJ + rainbow = one emoji
    persian = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # mi-khaham: ZWNJ inside the word
    soft = "co\u00adoperation and a word\u2060joiner"
    text = f"{flag}\nwrapped.\n\n{persian}\n\n{soft}"
    assert split_paragraphs(text) == [f"{flag} wrapped.", persian, soft]
    assert "\u200d" in reflow(flag) and "\u200c" in reflow(persian) and "\u00ad" in reflow(soft)
    # The keys still compare them equal to the plain spellings.
    assert paragraph_key(soft) == paragraph_key("cooperation and a wordjoiner")
    # A paragraph of nothing but invisible characters is empty.
    assert split_paragraphs("One.\n\n\u200d\u00ad\n\nTwo.") == ["One.", "Two."]


WIRE_STORY = (
    "    SALVADOR, Feb 26 - Showers continued throughout the week in\n"
    "the Bahia cocoa zone, alleviating the drought since early\n"
    "January and improving prospects for the coming temporao.\n"
    "    The dry period means the temporao will be late this year.\n"
    "    Arrivals for the week ended February 22 were 155,221 bags\n"
    "of 60 kilos making a cumulative total for the season of 5.93\n"
    "mln against 5.81 at the same time last year.\n"
    " Reuter\n"
)


def test_wire_copy_is_cut_at_its_indented_lines_and_its_signoff_set_apart():
    text, names = paragraphs.reflow_and_explain(WIRE_STORY)
    assert cut_paragraphs(text) == [
        "SALVADOR, Feb 26 - Showers continued throughout the week in the Bahia cocoa zone, alleviating the "
        "drought since early January and improving prospects for the coming temporao.",
        "The dry period means the temporao will be late this year.",
        "Arrivals for the week ended February 22 were 155,221 bags of 60 kilos making a cumulative total for "
        "the season of 5.93 mln against 5.81 at the same time last year.",
        "Reuter",
    ]
    assert names == ["indented-paragraphs", "reflow"]
    # Unindented sign-offs too, and a blank-line-separated story is left as it was.
    assert cut_paragraphs(reflow("Talks ended\nlate.\nREUTER")) == ["Talks ended late.", "REUTER"]
    assert cut_paragraphs(reflow("Talks ended.\n\n-- AP")) == ["Talks ended.", "-- AP"]
    # Not wire copy: indented throughout, a hanging indent, a sentence about Reuter.
    assert cut_paragraphs(reflow("  A quote\n  in two lines.")) == ["A quote in two lines."]
    assert cut_paragraphs(reflow("- an item\n  continued\n- another")) == ["- an item continued - another"]
    assert cut_paragraphs(reflow("Talks ended.\nReuter said so.")) == ["Talks ended. Reuter said so."]


_WORD_RE = re.compile(r"\w+")
# ASCII first (the fast path), then any code point, plus the characters \w is unsure of.
_TOKEN_TEXT = st.one_of(
    st.text(alphabet=st.characters(max_codepoint=127)),
    st.text(alphabet=st.one_of(st.sampled_from("_ \t\n`'-\u00a0\u00e9\u0301\u0660\u00b2\u2160\u200c\u00ad"),
                               st.characters(exclude_categories=("Cs",)))),
)


def test_the_byte_table_marks_exactly_the_ascii_characters_the_regex_calls_word():
    word_bytes = {b for b in range(128) if _WORD_RE.fullmatch(chr(b))}
    assert word_bytes == set(paragraphs._ASCII_WORD)
    table = paragraphs._NON_WORD_TO_SPACE
    assert [table[b] for b in range(128)] == [b if b in word_bytes else 0x20 for b in range(128)]


@settings(max_examples=1000, deadline=None)
@given(_TOKEN_TEXT)
def test_comparison_tokens_are_the_regex_words_as_utf8_on_arbitrary_text(text):
    expected = [w.encode("utf-8") for w in _WORD_RE.findall(text)]
    assert paragraphs.comparison_tokens(text) == expected
    comparison = comparison_text(text)
    assert paragraphs.comparison_tokens(comparison) == [w.encode("utf-8") for w in _WORD_RE.findall(comparison)]


@settings(max_examples=1000, deadline=None)
@given(st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from("`` \t\n\x0b\x1c\x1f"))))
def test_the_ascii_comparison_text_is_the_general_one(text):
    assert comparison_text(text) == paragraphs.general_comparison_text(text) == _comparison_text_before(text)


def test_only_the_backtick_of_ascii_is_in_the_quote_table():
    # What the ASCII shortcut of comparison_text assumes; NFKC and casefold() vs lower() too.
    assert [chr(c) for c in paragraphs._QUOTES if c < 128] == ["`"]
    ascii_chars = "".join(map(chr, range(128)))
    assert unicodedata.normalize("NFKC", ascii_chars) == ascii_chars
    assert ascii_chars.casefold() == ascii_chars.lower()


@settings(max_examples=500, deadline=None)
@given(_TOKEN_TEXT)
def test_cut_caches_what_the_paragraph_s_text_gives(text):
    for paragraph in cut_paragraphs(reflow(text)) + [text]:
        p = paragraphs.cut(3, paragraph)
        assert p.comparison == comparison_text(paragraph)
        words = [w.encode("utf-8") for w in _WORD_RE.findall(comparison_text(paragraph))]
        assert fingerprints.paragraph_tokens(p) == words
        assert paragraphs.comparison_word_bytes(p.comparison).split() == words
        assert fingerprints.paragraph_word_bytes(p).split() == words
        assert p.word_bytes.split() == words
        # Without what cut cached, the same words from the text.
        assert fingerprints.paragraph_tokens(Paragraph(3, paragraph)) == words
        assert fingerprints.paragraph_word_bytes(Paragraph(3, paragraph)).split() == words
        assert p.word_count == len(paragraph.split()) == Paragraph(3, paragraph).word_count
        assert p.key == paragraph_key(paragraph)
    for paragraph in cut_paragraphs(reflow(text)) + [normalize_space(text)]:
        # Re-flowed paragraphs are normalized: cut's shortcut for them gives the same paragraph.
        fast, slow = paragraphs.cut(3, paragraph, normalized=True), paragraphs.cut(3, paragraph)
        assert fast == slow
        assert (fast.comparison, fast.word_count, fast.word_bytes) == (
            slow.comparison, slow.word_count, slow.word_bytes)


def _reflow_and_explain_general(text: str) -> tuple[str, list[str]]:
    """reflow_and_explain by its general steps only (every regex, every block through the
    wire grouping): the oracle of its shortcuts."""
    text = paragraphs._LINE_ENDS.sub("\n", text)
    names: list[str] = []
    out: list[str] = []
    for block in wire.split_signoff(paragraphs._BLANK_LINE.split(text)):
        groups = wire.indented_paragraphs(block.split("\n"))
        if len(groups) > 1:
            names.append(paragraphs.INDENTED_FIX)
        for lines in groups:
            paragraph = normalize_space(" ".join(lines))
            if not paragraphs._HAS_VISIBLE.search(paragraph):
                continue
            if sum(1 for line in lines if line.strip()) > 1:
                names.append(paragraphs.REFLOW_FIX)
            out.append(paragraph)
    return "\n\n".join(out), list(dict.fromkeys(names))


_LAYOUT = st.sampled_from(["\n", "\n\n", "\r\n", "\r", "\x85", "\x0b", "\x0c", "\u2028", "\u2029", " ", "  ", "\t",
                           "\u00a0", "\u3000", "\u200b", "\ufeff", "\u00ad", "REUTER", "-- AP", "    ", "Talks",
                           "ended.", "caf\u00e9", "a"])


@settings(max_examples=1000, deadline=None)
@given(st.one_of(st.lists(_LAYOUT, max_size=30).map("".join), st.text(alphabet=_TABLE_TEXT)))
def test_reflow_s_shortcuts_give_what_its_general_steps_give(text):
    assert paragraphs.reflow_and_explain(text) == _reflow_and_explain_general(text)
