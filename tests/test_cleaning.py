"""transforms.cleaning: the step registries, the fix names they declare, the two runners."""

from __future__ import annotations

import re
from pathlib import Path

import ftfy
import pytest

from tests.conftest import SAMPLES
from transforms.article import RecordContext, clean_record
from transforms.cleaning import (
    FIXES,
    PARAGRAPH_STEPS,
    REPAIR_FIXES,
    TEXT_STEPS,
    TextStep,
    apply_paragraph_steps,
    apply_text_steps,
    declares,
    join_backslash_line_breaks,
    record_fixes,
)
from transforms.fields import SourceConfig
from transforms.jsonvalues import parse_json
from transforms.records import Article, Paragraph, RawRecord

ROOT = Path(__file__).resolve().parent.parent

# The fix names of the lakes written so far: they must not change (a family ends in ":").
LAKE_FIXES = {
    "decode": ("bom", "decoded:", "declared-mismatch:", "declared-unknown:"),
    "backslash-line-breaks": ("backslash-line-breaks",),
    "lost-entities": ("lost-entities",),
    "repair": (
        "unescape_html", "remove_terminal_escapes", "restore_byte_a0", "replace_lossy_sequences",
        "decode_inconsistent_utf8", "fix_c1_controls", "fix_latin_ligatures", "fix_character_width",
        "uncurl_quotes", "fix_line_breaks", "fix_surrogates", "remove_control_chars",
        "encode:", "decode:", "normalize:",
    ),
    "reflow": (),
    "title": ("title:site-suffix",),
    "date": ("date:implausible", "date:unparseable", "date:assumed-tz:", "date:unknown-tz:"),
}


def test_registries_in_order():
    assert [(s.name, s.stage) for s in TEXT_STEPS] == [
        ("backslash-line-breaks", "fields"), ("lost-entities", "text"), ("repair", "text"),
        ("strip-tags", "markup"), ("reflow", "body"),
    ]
    assert [(s.name, s.status, s.reason) for s in PARAGRAPH_STEPS] == [
        ("signoff", "signoff", "signoff: moved to agency"),
        ("byline", "byline", "byline: moved to authors"),
        ("title-repeat", "repeat", "repeats the title"),
        ("repeats", "repeat", "repeats paragraph {repeat_of}"),
    ]


# Names added since: for hostile JSON only (transforms.jsonvalues), no normal corpus has
# them; re-flowing hard-wrapped and wire copy (schema 3); tags out of text fields.
NEW_FIXES = {"decode": ("lone-surrogate", "control-in-key"), "reflow": ("reflow", "indented-paragraphs"),
             "strip-tags": ("strip-tags",), "date": ("date:trailing-junk",)}


def test_fix_names_are_those_of_earlier_lakes():
    expected = {step: names + NEW_FIXES.get(step, ()) for step, names in LAKE_FIXES.items()}
    expected["strip-tags"] = NEW_FIXES["strip-tags"]
    assert FIXES == expected


def test_every_ftfy_fixer_is_declared():
    # repair names an "apply" or "transcode" step after the fixer, the others by family.
    assert set(ftfy.FIXERS) <= set(REPAIR_FIXES)
    assert all(declares("repair", f"{action}:x") for action in ("encode", "decode", "normalize"))


def test_record_fixes_refuses_a_name_no_step_declares():
    with pytest.raises(ValueError, match="does not declare"):
        record_fixes((), "repair", ["lost-entities"])
    assert record_fixes(("a:b",), "lost-entities", ["lost-entities"] * 2, each=True) == (
        "a:b", "lost-entities", "lost-entities")


def test_only_the_cleaning_runner_records_fixes():
    # Every fix goes through record_fixes, which checks it against FIXES: no module
    # appends to a fixes list of its own.
    pattern = re.compile(r"fixes\s*(\.append|\.extend|\+=)")
    hits = [str(p) for p in (ROOT / "transforms").glob("*.py") if pattern.search(p.read_text("utf-8"))]
    assert hits == []


# One record per fix name (or family) the code can emit; what each emits is checked below.
CRAFTED = [
    (RawRecord("a.txt", None, b"T\n\n    SALVADOR, Feb 26 - Rain\nfell.\n    Arrivals rose.\n REUTER\n"),
     SourceConfig()),
    (RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields={"title": "<b>Oil</b> up", "body": "Text."}),
     SourceConfig()),
    (RawRecord("a.txt", None, b"\xef\xbb\xbfTitle\n\nBody text."), SourceConfig()),
    (RawRecord("a.txt", None, b"Caf\xe9 owners\n\nThe caf\xe9 opens at nine on Monday."), SourceConfig()),
    (RawRecord("a.txt", None, b"T\n\nCaf\xc3\xa9 owners talk"), SourceConfig(encoding="cp1252")),
    (RawRecord("a.txt", None, b"T\n\nBody."), SourceConfig(encoding="no-such-codec")),
    (RawRecord("a.txt", None, b"T\n\nThe BBC\xc3\xa2\xe2\x82\xac\xe2\x84\xa2s caf&#233;\r\n"), SourceConfig()),
    (RawRecord("a.txt", None, "T\n\nA \ufb01ne day e\u0301t\u00e9 \x1b[31mred\x1b[0m \x07.".encode()), SourceConfig()),
    (RawRecord("a.csv", "row:1", b"x", kind="fields",
               fields={"title": "Oracle #39;s deal - Example", "description": "A second\\team", "source": "Example",
                       "date": "2024-01-02 10:00"}),
     SourceConfig(fix_lost_entities=True, backslash_line_breaks=True)),
    (RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields={"title": "T", "date": "0000-01-01"}), SourceConfig()),
    (RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields={"title": "T", "date": "not a date"}), SourceConfig()),
    (RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields={"title": "T", "date": "27-MAR-1987 00:02:59.13&#5;"}),
     SourceConfig()),
    (RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields={"title": "T", "date": "2024-01-02 10:00 XYZT"}),
     SourceConfig()),
] + [(RawRecord(str(p), None, p.read_bytes()), SourceConfig()) for p in sorted(SAMPLES.glob("*.txt"))]
# A JSON record as the JSON readers hand it over, fixes named by transforms.jsonvalues.
_HOSTILE_FIELDS, _HOSTILE_STEPS = parse_json(r'{"title": "T\ud800", "k\u001b": 1}')
CRAFTED.append((RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields=_HOSTILE_FIELDS, encoding="utf-8",
                          encoding_steps=_HOSTILE_STEPS), SourceConfig()))


def test_every_fix_the_code_emits_is_declared_and_every_declared_one_is_emitted():
    emitted: list[tuple[str, str]] = []
    for record, config in CRAFTED:
        article = clean_record(record, RecordContext(None, "txt", config))
        assert isinstance(article, Article), record
        emitted += [(name, step) for name in article.values["fixes"] for step in FIXES if declares(step, name)]
        assert all(any(declares(step, n) for step in FIXES) for n in article.values["fixes"])
    names = {name for name, _ in emitted}
    for step, declared in FIXES.items():
        for fix in declared:
            if fix in ("remove_terminal_escapes", "fix_character_width", "uncurl_quotes", "fix_surrogates",
                       "decode_inconsistent_utf8", "restore_byte_a0", "replace_lossy_sequences",
                       "fix_c1_controls", "declared-mismatch:"):
                continue  # off in CONFIG, or needs input no short record gives; declared for ftfy's sake
            assert any(n == fix or (fix.endswith(":") and n.startswith(fix)) for n in names), (step, fix)


def test_backslash_line_breaks_opt_in():
    text = "A second\\team of rocketeers"
    assert join_backslash_line_breaks(text) == "A second team of rocketeers"
    assert apply_text_steps("fields", (None, text), SourceConfig(), ()) == ((None, text), ())
    assert apply_text_steps("fields", ("T", text), SourceConfig(backslash_line_breaks=True), ("bom",)) == (
        ("T", "A second team of rocketeers"), ("bom", "backslash-line-breaks"))


def test_text_steps_run_field_by_field_and_skip_empty_texts():
    config = SourceConfig(fix_lost_entities=True)
    texts, fixes = apply_text_steps("text", ("caf&#233; #39;", "", "x #39;s"), config, ())
    assert texts == ("caf\u00e9'", "", "x's")
    # Each text through every step before the next text; lost-entities is recorded once
    # per text it changed, as earlier lakes hold it, every other name once.
    assert fixes == ("lost-entities", "unescape_html", "lost-entities")


def test_reflow_is_named_only_when_it_joins_lines_or_finds_indented_paragraphs():
    assert apply_text_steps("body", ("One\nline.\n\n\nTwo.",), SourceConfig(), ()) == (
        ("One line.\n\nTwo.",), ("reflow",))
    # One line per paragraph already: white space tidied, nothing re-flowed, no name.
    assert apply_text_steps("body", ("\nOne line. \n\n\nTwo.\n",), SourceConfig(), ()) == (
        ("One line.\n\nTwo.",), ())
    wire = "    ONE - First\nparagraph.\n    Second.\n"
    assert apply_text_steps("body", (wire,), SourceConfig(), ()) == (
        ("ONE - First paragraph.\n\nSecond.",), ("indented-paragraphs", "reflow"))


def test_paragraph_steps_return_new_paragraphs_and_leave_their_input_alone():
    body = "The talks ended late on Monday without a deal, officials said."
    paragraphs = (Paragraph(0, "Talks end"), Paragraph(1, body), Paragraph(2, body.upper()),
                  Paragraph(3, "By Jo Bloggs"), Paragraph(4, "REUTER"))
    before = list(paragraphs)
    out = apply_paragraph_steps(paragraphs, "Talks end")
    assert list(paragraphs) == before
    assert [(p.status, p.repeat_of, p.reason) for p in out] == [
        ("repeat", None, "repeats the title"),
        ("kept", None, None),
        ("repeat", 1, "repeats paragraph 1"),
        ("byline", None, "byline: moved to authors"),
        ("signoff", None, "signoff: moved to agency"),
    ]


def test_a_text_step_has_exactly_one_function():
    with pytest.raises(ValueError, match="exactly one"):
        TextStep("x", "text", ("x",))


def test_paragraphs_are_taken_as_normalized_only_after_the_reflow(monkeypatch):
    from transforms import cleaning

    record = RawRecord("a.jsonl", "line:1", b"x", kind="fields",
                       fields={"title": "T", "body": "One  two\tthree\u00a0four\n\nFive  six"})
    assert cleaning.body_is_reflowed(SourceConfig())
    article = clean_record(record, RecordContext(None, "jsonl", SourceConfig()))
    assert [(p.text, p.word_count) for p in article.paragraphs] == [("One two three four", 4), ("Five six", 2)]
    # Without the re-flow, the paragraphs keep their white space and are counted by splitting.
    monkeypatch.setattr(cleaning, "TEXT_STEPS", tuple(s for s in cleaning.TEXT_STEPS if s.stage != "body"))
    assert not cleaning.body_is_reflowed(SourceConfig())
    article = clean_record(record, RecordContext(None, "jsonl", SourceConfig()))
    assert [(p.text, p.word_count) for p in article.paragraphs] == [("One  two\tthree\u00a0four", 4), ("Five  six", 2)]
    assert article.values["word_count"] == 6
