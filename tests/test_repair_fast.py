"""Tests for transforms.repair_fast: ``repair(x) == ftfy.fix_text(x, config=CONFIG)``, always.

The fast path's contract is checked three ways: a hypothesis property on adversarial
alphabets (output and explanation, under CONFIG and other configs, with and without the
mirrored ftfy control flow of transforms.ftfy_internals), every shared corpus, and a
differential test over generated mojibake; then its parts: the trigger analysis of
ftfy's mojibake regex, the windowed search and the prefilter.
"""

from __future__ import annotations

import csv
import io
import re

import ftfy
import pytest
from ftfy.badness import BADNESS_RE
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SEED, corpus_path, ftfy_cases
from transforms import ftfy_internals, repair_fast
from transforms.encoding import decode
from transforms.entities import fix_lost_entities
from transforms.repair import CONFIG, repair, repair_and_explain, repair_with, step_name


def fix_text(text: str, config: ftfy.TextFixerConfig = CONFIG) -> str:
    """The reference: plain ftfy under the same config."""
    return ftfy.fix_text(text, config=config)


# ---------------------------------------------------------------------------------------
# The fast path: repair(x) == ftfy.fix_text(x, config=CONFIG), always
# ---------------------------------------------------------------------------------------

# Pieces chosen to hit every fixer and every condition the prefilter relies on.
ATOMS = [
    "a",
    "Z",
    " ",
    "  ",
    ".",
    "'",
    '"',
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\t",
    "\x0c",
    "\u2028",
    "\u2029",
    "\x85",
    "&",
    ";",
    "#",
    "&amp;",
    "&#233;",
    "&#x2019;",
    "&lt;",
    "&EACUTE;",
    "&nTILDE;",
    "&#39",
    "<",
    "<p>",
    "£",
    "\u00a0",
    "é",
    "e\u0301",
    "\u0301",
    "\u0327",
    "Ã",
    "Â",
    "Ã©",
    "Â£",
    "â€™",
    "â€œ",
    "â€�",
    "Ã‚Â£",
    "Ã ",
    "à",
    "Ð",
    "Ø",
    "Ù",
    "×²",
    "\x80",
    "\x92",
    "\x9d",
    "\x00",
    "\x07",
    "\x1a",
    "\x1b",
    "\x1b[31m",
    "\x7f",
    "\ufeff",
    "\u200b",
    "\u206b",
    "\ufffc",
    "\ufffd",
    "\ud83d",
    "\udca9",
    "\ud83d\udca9",
    "ﬁ",
    "Ĳ",
    "中",
    "，",
    "。",
    "Ｌ",
    "ｶ",
    "\u3000",
    "“",
    "”",
    "‘",
    "’",
    "ʼ",
    "–",
    "—",
    "…",
    "¢",
    "¤",
    "ƒ",
    "ˆ",
    "‰",
    "Œ",
    "œ",
    "°",
    "²",
    "В",
    "Г",
    "вЂ",
    "ГўВЂВ",
    "Β",
    "β€",
    "ā€",
    "│",
    "═",
    "√",
    "≈",
    "‚Ä",
    "ç",
    "ã",
    "õ",
]

atoms_text = st.lists(st.sampled_from(ATOMS), max_size=40).map("".join)
# Raw characters from the ranges the prefilter treats specially, plus anything at all.
chars_text = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x7F),
        st.characters(min_codepoint=0x80, max_codepoint=0x24F),
        st.characters(min_codepoint=0x2000, max_codepoint=0x2BFF),
        st.characters(),
    ),
    max_size=60,
)
any_text = st.one_of(atoms_text, chars_text, st.lists(st.one_of(atoms_text, chars_text)).map("".join))

FAST = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(any_text)
def test_repair_equals_ftfy_on_adversarial_text(text: str) -> None:
    expected = fix_text(text)
    assert repair(text) == expected
    assert repair_and_explain(text)[0] == expected


def _reference_steps(text: str) -> list[str]:
    """The step names ftfy itself explains, segment by segment as fix_text cuts them."""
    config = CONFIG._replace(explain=True)
    names: list[str] = []
    for segment in repair_fast.segments(text, config.max_decode_length):
        if "<" in segment:
            config = config._replace(unescape_html=False)
        _fixed, explanation = ftfy.fix_and_explain(segment, config)
        names.extend(step_name(step) for step in explanation or [])
    return list(dict.fromkeys(names))


@FAST
@given(any_text)
def test_repair_and_explain_names_the_steps_ftfy_explains(text: str) -> None:
    assert repair_and_explain(text)[1] == _reference_steps(text)


@settings(max_examples=200, deadline=None)
@given(
    any_text,
    st.sampled_from(
        [
            ftfy.TextFixerConfig(explain=False),  # ftfy's defaults: width and quotes on
            CONFIG._replace(max_decode_length=7),  # segments cut inside lines
            CONFIG._replace(unescape_html=True, normalization="NFKC"),
            CONFIG._replace(unescape_html=False, fix_encoding=False, normalization=None),
        ]
    ),
)
def test_repair_with_equals_ftfy_under_other_configs(text: str, config: ftfy.TextFixerConfig) -> None:
    assert repair_with(text, config) == fix_text(text, config)


@settings(max_examples=100, deadline=None)
@given(any_text)
def test_repair_falls_back_to_ftfy_for_other_ftfy_versions(text: str) -> None:
    # `fix_segment` mirrors ftfy 6.3's rounds; for any other version it calls
    # ftfy.fix_and_explain itself. Both paths must give ftfy's output and explanation.
    mirrored = repair_and_explain(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ftfy_internals, "MIRRORS_FTFY", False)
        assert repair_and_explain(text) == mirrored
        assert repair(text) == fix_text(text)


MOJIBAKE_CODECS = [
    "sloppy-windows-1252",
    "latin-1",
    "sloppy-windows-1251",
    "macroman",
    "cp437",
    "sloppy-windows-1250",
    "iso-8859-2",
]
source_text = st.text(
    alphabet=st.one_of(
        st.characters(max_codepoint=0x7F, blacklist_categories=["Cc"]),
        st.sampled_from("£€éèàçñüöß’‘“”–—… ¡¿ÉÀÇ"),
        st.characters(min_codepoint=0x370, max_codepoint=0x4FF),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        st.sampled_from(["\U0001f600", "\u2764"]),
    ),
    max_size=40,
)


@st.composite
def mojibake_documents(draw: st.DrawFn) -> str:
    """Lines of clean text and of UTF-8 mis-decoded once or twice, as in a real file."""
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        line = draw(source_text)
        for _ in range(draw(st.integers(0, 2))):
            codec = draw(st.sampled_from(MOJIBAKE_CODECS))
            try:
                line = line.encode("utf-8").decode(codec)
            except UnicodeDecodeError:
                break
        lines.append(line)
    return draw(st.sampled_from(["\n", "\r\n", "\n\n"])).join(lines)


@FAST
@given(mojibake_documents())
def test_repair_equals_ftfy_on_generated_mojibake(text: str) -> None:
    assert repair(text) == fix_text(text)


@settings(max_examples=100, deadline=None)
@given(st.one_of(any_text, mojibake_documents()))
def test_repair_uses_ftfys_public_encoding_fix_without_the_private_one_step(text: str) -> None:
    # With ftfy's private one-step fix unavailable, the mirrored rounds call the public
    # ftfy.fix_encoding_and_explain: same output, same explanation.
    explained = repair_and_explain(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ftfy_internals, "ONE_STEP_AVAILABLE", False)
        assert repair_and_explain(text) == explained
        assert repair(text) == fix_text(text)


def _shared_corpus_texts() -> list[tuple[str, str]]:
    texts = [(str(SEED), SEED.read_text(encoding="utf-8"))]
    for path in sorted(corpus_path("bbc").glob("*/*.txt")):
        texts.append((str(path), decode(path.read_bytes()).text))
    with open(corpus_path("fakenewscorpus-sample", "news_sample.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for key in ("content", "title", "meta_description", "summary"):
                texts.append((f"fakenews/{row['id']}/{key}", row.get(key) or ""))
    raw = corpus_path("ag-news-test", "test.csv").read_bytes().decode("utf-8")
    for i, row in enumerate(csv.reader(io.StringIO(raw))):
        texts.append((f"ag/{i}", "\n".join(row[1:])))
        texts.append((f"ag/{i}/lost-entities", fix_lost_entities("\n".join(row[1:]))))
    for case in ftfy_cases():
        texts.append((f"ftfy/{case['label']}", case["original"]))
    return texts


def test_repair_equals_ftfy_on_every_shared_corpus() -> None:
    texts = _shared_corpus_texts()
    assert len(texts) == 18_587
    # Whole corpora concatenated too: long multi-line texts, "<" switching HTML off midway.
    texts.append(("all", "\n".join(t for _, t in texts[:3000])))
    for name, text in texts:
        assert repair(text) == fix_text(text), name


def test_badness_triggers_are_proven_for_the_installed_ftfy() -> None:
    # The fast path searches ftfy's BADNESS_RE only near trigger characters; that needs
    # every alternative of the regex to require one. If a future ftfy breaks this, the
    # analysis returns None, the fast path searches whole lines (still correct, slower),
    # and this test says so.
    assert repair_fast.TRIGGERS is not None
    triggers, width = repair_fast.TRIGGERS
    assert width == 7
    assert not {ord(c) for c in "’‘“”–—…\u00a0"} & triggers  # clean typeset copy has none
    assert {ord(c) for c in "ÃÂâ£é\x92"} <= triggers

    def analyse(pattern: str, flags: int = 0) -> tuple[set[str], int] | None:
        found = repair_fast.badness_triggers(re.compile(pattern, flags))
        return None if found is None else ({chr(c) for c in found[0]}, found[1])

    assert analyse("é|[àá]b|x{1,3}ñ|(?:ü)") == ({"é", "à", "á", "ñ", "ü"}, 4)
    assert analyse("x+é") is None  # unbounded width: no window fits
    assert analyse("[a-z]é[“é]") == ({"é"}, 3)  # the item without typographic quotes
    assert analyse("é|ab") is None  # an alternative with no non-ASCII item
    assert analyse("x?é?") is None  # optional items do not count
    assert analyse("[^a]é|[^b]") is None
    assert analyse(r"\wé?") is None
    assert analyse("é", re.IGNORECASE) is None
    assert analyse("^é") == ({"é"}, 1)  # "^" only matches at real line starts
    for context_dependent in ("é(?=x)", "(?<!x)é", r"é\b", "é$", r"(é)\1", "(?:é|(?=y)ü)"):
        assert analyse(context_dependent) is None, context_dependent


@FAST
@given(any_text)
def test_badness_search_near_triggers_equals_full_search(text: str) -> None:
    for pattern in (BADNESS_RE, repair_fast.BADNESS_ANY_LINE_RE):
        assert repair_fast.badness_search(text, pattern) == bool(pattern.search(text))


def test_prefilter_sends_only_changeable_lines_to_ftfy() -> None:
    pf = repair_fast.prefilter(CONFIG)
    bad = BADNESS_RE
    assert pf.unchanged("AT&T and M&S, plain ASCII\n", bad)
    assert not pf.unchanged("M&S; looks like an entity\n", bad)  # "&S;" matches ftfy's regex
    assert pf.unchanged("Profits of \u00a35m\n", bad)
    assert not pf.unchanged("caf&#233;\n", bad)
    assert not pf.unchanged("line\r\n", bad)
    assert not pf.unchanged("\u00c2\u00a35m\n", bad)  # mojibake: BADNESS_RE matches
    assert not pf.unchanged("cafe\u0301\n", bad)  # not NFC
    assert not pf.unchanged("ﬁ\n", bad)
    # With unescape_html off (after a "<"), entities are safe.
    assert repair_fast.prefilter(CONFIG._replace(unescape_html=False)).unchanged("caf&#233;", bad)
