"""Tests for transforms.repair: the ftfy configuration, what repair fixes and keeps, and the
steps it names, on hand-made cases, on ftfy's own real-world cases and on the BBC corpus.

That repair always equals ``ftfy.fix_text`` under the config is tested with the fast path,
in tests/test_repair_fast.py.
"""

from __future__ import annotations

import re

import ftfy
import pytest

from tests import corruptions
from tests.conftest import corpus_path, ftfy_cases
from transforms.encoding import decode
from transforms.repair import CONFIG, config_description, repair, repair_and_explain

# ---------------------------------------------------------------------------------------
# The repair configuration
# ---------------------------------------------------------------------------------------


def test_config_keeps_style_and_is_described_as_a_plain_dict() -> None:
    # The exact value recorded in `runs`: a change here is a change of every article's repair.
    description = config_description()
    assert description == {
        "unescape_html": "auto",
        "remove_terminal_escapes": True,
        "fix_encoding": True,
        "restore_byte_a0": True,
        "replace_lossy_sequences": True,
        "decode_inconsistent_utf8": True,
        "fix_c1_controls": True,
        "fix_latin_ligatures": True,
        "fix_character_width": False,
        "uncurl_quotes": False,
        "fix_line_breaks": True,
        "fix_surrogates": True,
        "remove_control_chars": True,
        "normalization": "NFC",
        "max_decode_length": 1_000_000,
        "explain": False,
    }
    assert ftfy.TextFixerConfig(**description) == CONFIG


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
    assert repair(text) == ftfy.fix_text(text, config=CONFIG)


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


def test_ftfy_real_world_cases_pass_under_our_config() -> None:
    """Every ``"expect": "pass"`` case gives its ``fixed`` text through ``repair``.

    ftfy's expected outputs were made with its defaults, which uncurl quotes and fold
    character widths. CONFIG does neither (no restyling), so a case whose output differs
    from ``fixed`` is accepted only if applying exactly those two default fixes to our
    output gives ``fixed``: the encoding repair itself must match to the character.
    """
    cases = [c for c in ftfy_cases() if c["expect"] == "pass"]
    assert len(cases) == 151
    restyled = 0
    for case in cases:
        ours = repair(case["original"])
        assert ours == ftfy.fix_text(case["original"], config=CONFIG)
        if ours != case["fixed"]:
            restyled += 1
            styled = ftfy.fixes.fix_character_width(ftfy.fixes.uncurl_quotes(ours))
            assert styled == case["fixed"], case["label"]
    # 25 of 151 differ only by quotes (24) or a full-width comma (1) in ftfy 6.3.1.
    assert restyled == 25


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
    assert len(changed) == 25  # the files with entities
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
