"""Tests for transforms.encoding: repairing text, and the repair fast path.

The fast path's contract is ``repair(x) == ftfy.fix_text(x, config=CONFIG)`` for every
input. It is checked three ways: a hypothesis property on adversarial alphabets, every
shared corpus, and a differential test over generated mojibake.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re

import ftfy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import corruptions
from tests.conftest import SEED, corpus_path
from transforms import encoding
from transforms.decoding import decode
from transforms.encoding import (
    CONFIG,
    config_description,
    fix_lost_entities,
    repair,
    repair_and_explain,
    repair_with,
)


def fix_text(text: str, config: ftfy.TextFixerConfig = CONFIG) -> str:
    """The reference: plain ftfy under the same config."""
    return ftfy.fix_text(text, config=config)


# ---------------------------------------------------------------------------------------
# The repair configuration
# ---------------------------------------------------------------------------------------


def test_config_keeps_style_and_is_described_as_a_plain_dict() -> None:
    assert CONFIG.uncurl_quotes is False
    assert CONFIG.fix_character_width is False
    assert CONFIG.normalization == "NFC"
    description = config_description()
    assert description == dict(CONFIG._asdict())
    assert ftfy.TextFixerConfig(**description) == CONFIG
    assert all(isinstance(v, (str, bool, int, type(None))) for v in description.values())


@pytest.mark.parametrize(
    "text",
    [
        "“Quoted” and ‘single’ – with dashes — kept…",
        "中国国家统计局，周三公布。“数据”显示！（完）",
        "東京：株価は上昇した。",
        "ＬＯＵＤ　ＮＯＩＳＥＳ",
    ],
)
def test_repair_does_not_restyle(text: str) -> None:
    assert repair(text) == text


@pytest.mark.parametrize(
    ("broken", "fixed"),
    [
        ("The BBC\u00e2\u20ac\u2122s report", "The BBC\u2019s report"),  # UTF-8 read as cp1252
        ("The BBC\u00c3\u00a2\u00e2\u201a\u00ac\u00e2\u201e\u00a2s report", "The BBC\u2019s report"),  # twice
        ("The BBC\u0092s report", "The BBC\u2019s report"),  # C1 control for cp1252 ’
        ("caf&#233; &amp; bar", "caf\u00e9 & bar"),
        ("\x1b[31mred alert\x1b[0m", "red alert"),
        ("one\r\ntwo\rthree\u2028four", "one\ntwo\nthree\nfour"),
        ("nul\x00 and bell\x07", "nul and bell"),
        ("cafe\u0301", "caf\u00e9"),  # NFC
        ("\ud83d\udca9 emoji", "\U0001f4a9 emoji"),  # surrogate pair
        ("\ufeffzero-width no-break", "zero-width no-break"),
        ("ﬁnance", "finance"),  # PDF ligature
    ],
)
def test_repair_fixes(broken: str, fixed: str) -> None:
    assert repair(broken) == fixed


def test_repair_removes_a_stray_nul() -> None:
    text = "A long enough article about talks that ended late on Monday.\n" * 3 + "End.\x00\n"
    assert repair(text) == text.replace("\x00", "")


def test_repair_keeps_zero_width_joiners_and_spaces() -> None:
    # ZWSP/ZWNJ/ZWJ carry meaning in some scripts and emoji; ftfy keeps them and so do we.
    text = "word\u200bbreak \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \U0001f469\u200d\U0001f4bb"
    assert repair(text) == text


def test_repair_keeps_entities_once_a_line_is_html() -> None:
    # unescape_html="auto": from the first line with "<" on, entities stay as written.
    text = "caf&#233;\n<p>AT&amp;T</p>\ncaf&#233;"
    assert repair(text) == "caf\u00e9\n<p>AT&amp;T</p>\ncaf&#233;"
    assert repair(text) == fix_text(text)


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("caf&#233;\r\n", ["unescape_html", "fix_line_breaks"]),
        ("The BBC\u00e2\u20ac\u2122s", ["encode:sloppy-windows-1252", "decode:utf-8"]),
        ("The BBC\u0092s", ["encode:latin-1", "decode:windows-1252"]),
        ("cafe\u0301", ["normalize:NFC"]),
        ("plain text\n", []),
    ],
)
def test_repair_and_explain_names_the_steps(text: str, steps: list[str]) -> None:
    fixed, names = repair_and_explain(text)
    assert fixed == repair(text)
    assert names == steps


# ---------------------------------------------------------------------------------------
# ftfy's own real-world cases
# ---------------------------------------------------------------------------------------


def _ftfy_cases() -> list[dict[str, str]]:
    root = corpus_path("ftfy-test-cases")
    return [case for path in sorted(root.glob("*.json")) for case in json.loads(path.read_text())]


def test_ftfy_real_world_cases_pass_under_our_config() -> None:
    """Every ``"expect": "pass"`` case gives its ``fixed`` text through ``repair``.

    ftfy's expected outputs were made with its defaults, which uncurl quotes and fold
    character widths. CONFIG does neither (no restyling), so a case whose output differs
    from ``fixed`` is accepted only if applying exactly those two default fixes to our
    output gives ``fixed``: the encoding repair itself must match to the character.
    """
    cases = [c for c in _ftfy_cases() if c["expect"] == "pass"]
    assert len(cases) >= 150
    restyled = 0
    for case in cases:
        ours = repair(case["original"])
        assert ours == fix_text(case["original"])
        if ours != case["fixed"]:
            restyled += 1
            styled = ftfy.fixes.fix_character_width(ftfy.fixes.uncurl_quotes(ours))
            assert styled == case["fixed"], case["label"]
    # 24 of 151 differ only by quotes (23) or a full-width comma (1) in ftfy 6.3.1.
    assert 0 < restyled < 30


# ---------------------------------------------------------------------------------------
# The BBC corpus passes through unchanged, except for the repairs it needs
# ---------------------------------------------------------------------------------------

_NUMERIC_ENTITY = re.compile(r"&#(\d+);")


def test_bbc_corpus_changes_only_where_it_needs_repair() -> None:
    files = sorted(corpus_path("bbc").glob("*/*.txt"))
    assert len(files) == 2225
    changed = {}
    for path in files:
        raw = path.read_bytes()
        decoded = decode(raw)
        fixed, steps = repair_and_explain(decoded.text)
        if decoded.encoding == "utf-8":
            assert decoded.method == "utf-8"
            # Independent of ftfy: numeric entities and &lt;/&gt; are all BBC has.
            expected = _NUMERIC_ENTITY.sub(lambda m: chr(int(m[1])), raw.decode())
            expected = expected.replace("&lt;", "<").replace("&gt;", ">")
        else:
            expected = raw.decode("latin-1")
        assert fixed == expected, path
        if fixed != raw.decode("utf-8", errors="replace") or decoded.steps:
            changed[f"{path.parent.name}/{path.name}"] = (decoded.steps, tuple(steps))
    assert changed.pop("sport/199.txt") == (("decoded:latin-1",), ())
    assert "\u00a3" in decode((corpus_path("bbc") / "sport" / "199.txt").read_bytes()).text
    assert 20 <= len(changed) <= 30  # the files with entities
    assert all(v == ((), ("unescape_html",)) for v in changed.values())


# ---------------------------------------------------------------------------------------
# Corrupted real articles come back to their original text
# ---------------------------------------------------------------------------------------

# What each corruption must leave in `fixes` (besides its decoding steps).
EXPECTED_STEPS = {
    "mojibake-cp1252": "decode:utf-8",
    "mojibake-cp1252-twice": "decode:utf-8",
    "mojibake-latin-1": "decode:utf-8",
    "c1-controls": "decode:windows-1252",
    "utf-8-bom": "bom",
    "crlf": "fix_line_breaks",
    "cr": "fix_line_breaks",
    "zero-width-no-break": "remove_control_chars",
    "entities": "unescape_html",
    "terminal-escapes": "remove_terminal_escapes",
    "control-chars": "remove_control_chars",
    "declared-wrong": "declared-mismatch:cp1252",
    "stray-cp1252-bytes": "decoded:mixed:utf-8+cp1252",
    "cp1252-file": "decoded:",
}


def test_corrupted_bbc_articles_come_back_to_their_original_text() -> None:
    articles = corruptions.clean_bbc_articles(corpus_path("bbc"), count=12, seed=7)
    cases = corruptions.build(articles, seed=7)
    assert {c.corruption for c in cases} == set(corruptions.CORRUPTIONS)
    for case in cases:
        decoded = decode(case.raw, case.declared)
        fixed, steps = repair_and_explain(decoded.text)
        assert corruptions.comparable(fixed) == corruptions.comparable(case.original), case.name
        if case.expect_encoding is not None:
            assert decoded.encoding == case.expect_encoding, case.name
        fixes = (*decoded.steps, *steps)
        wanted = EXPECTED_STEPS.get(case.corruption)
        if wanted is not None:
            assert any(step.startswith(wanted) for step in fixes), (case.name, fixes)
        if case.corruption == "utf-8":
            assert fixed == case.original and fixes == ()


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
    for segment in encoding._segments(text, config.max_decode_length):
        if "<" in segment:
            config = config._replace(unescape_html=False)
        _fixed, explanation = ftfy.fix_and_explain(segment, config)
        names.extend(encoding._step_name(step) for step in explanation or [])
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
    # `_fix_segment` mirrors ftfy 6.3's rounds; for any other version it calls
    # ftfy.fix_and_explain itself. Both paths must give ftfy's output and explanation.
    mirrored = repair_and_explain(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(encoding, "_MIRRORS_FTFY", False)
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
    for case in _ftfy_cases():
        texts.append((f"ftfy/{case['label']}", case["original"]))
    return texts


def test_repair_equals_ftfy_on_every_shared_corpus() -> None:
    texts = _shared_corpus_texts()
    assert len(texts) > 10_000
    # Whole corpora concatenated too: long multi-line texts, "<" switching HTML off midway.
    texts.append(("all", "\n".join(t for _, t in texts[:3000])))
    for name, text in texts:
        assert repair(text) == fix_text(text), name


def test_badness_triggers_are_proven_for_the_installed_ftfy() -> None:
    # The fast path searches ftfy's BADNESS_RE only near trigger characters; that needs
    # every alternative of the regex to require one. If a future ftfy breaks this, the
    # analysis returns None, the fast path searches whole lines (still correct, slower),
    # and this test says so.
    assert encoding._TRIGGERS is not None
    triggers, width = encoding._TRIGGERS
    assert width == 7
    assert not {ord(c) for c in "’‘“”–—…\u00a0"} & triggers  # clean typeset copy has none
    assert {ord(c) for c in "ÃÂâ£é\x92"} <= triggers

    def analyse(pattern: str, flags: int = 0) -> tuple[set[str], int] | None:
        found = encoding._badness_triggers(re.compile(pattern, flags))
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
    for pattern in (encoding.BADNESS_RE, encoding._BADNESS_ANY_LINE_RE):
        assert encoding._badness_search(text, pattern) == bool(pattern.search(text))


def test_prefilter_sends_only_changeable_lines_to_ftfy() -> None:
    pf = encoding._prefilter(CONFIG)
    bad = encoding.BADNESS_RE
    assert pf.unchanged("AT&T and M&S, plain ASCII\n", bad)
    assert not pf.unchanged("M&S; looks like an entity\n", bad)  # "&S;" matches ftfy's regex
    assert pf.unchanged("Profits of \u00a35m\n", bad)
    assert not pf.unchanged("caf&#233;\n", bad)
    assert not pf.unchanged("line\r\n", bad)
    assert not pf.unchanged("\u00c2\u00a35m\n", bad)  # mojibake: BADNESS_RE matches
    assert not pf.unchanged("cafe\u0301\n", bad)  # not NFC
    assert not pf.unchanged("ﬁ\n", bad)
    # With unescape_html off (after a "<"), entities are safe.
    assert encoding._prefilter(CONFIG._replace(unescape_html=False)).unchanged("caf&#233;", bad)


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
    assert before > 2000 and after == 0
    assert sum("quot;" in f and "&quot;" not in f for f in fixed) == 0
    # Entities that kept their "&" ("&lt;b&gt;") are left for repair, which decodes them.
    assert any("&lt;" in f for f in fixed)
    assert not any("&lt;" in repair(f) for f in fixed if "<" not in f)
    assert html.unescape("&#151;") == "\u2014"  # the HTML5 mapping fix_lost_entities relies on
