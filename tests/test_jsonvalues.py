"""Safe JSON parsing (transforms/jsonvalues.py): nesting bound, surrogates, duplicate keys."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.jsonvalues import DUPLICATE_KEYS, MAX_JSON_DEPTH, JsonRefused, parse_json

# Any text, lone surrogates and control characters included.
HOSTILE_TEXT = st.text(st.characters(blacklist_categories=()), max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(HOSTILE_TEXT, inner, max_size=3),
    max_leaves=12,
)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_every_string_parsed_can_be_stored_as_utf8(value):
    text = json.dumps(value)  # ASCII, lone surrogates as \ud800 escapes
    parsed, fixes = parse_json(text)
    for s in _strings(parsed):
        s.encode("utf-8")
    surrogates = any(0xD800 <= ord(c) <= 0xDFFF for s in _strings(json.loads(text)) for c in s)
    assert ("lone-surrogate" in fixes) == surrogates
    if not fixes:
        assert parsed == json.loads(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers()), min_size=1, max_size=8))
def test_duplicate_keys_lose_nothing(pairs):
    text = "{" + ", ".join(f'"{k}": {v}' for k, v in pairs) + "}"
    parsed, _ = parse_json(text)
    earlier = parsed.pop(DUPLICATE_KEYS, {})
    assert parsed == dict(pairs)  # the last value wins, as json.loads has it
    kept = sorted([v for vs in earlier.values() for v in vs] + list(parsed.values()))
    assert kept == sorted(v for _, v in pairs)


def test_a_literal_duplicate_keys_key_is_kept_as_an_earlier_value():
    parsed, _ = parse_json(f'{{"{DUPLICATE_KEYS}": 1, "a": 2, "a": 3}}')
    assert parsed == {"a": 3, DUPLICATE_KEYS: {DUPLICATE_KEYS: [1], "a": [2]}}


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5_000, 100_000])
def test_nesting_past_the_limit_is_refused(depth):
    with pytest.raises(JsonRefused, match="nested more than 100 levels deep"):
        parse_json('{"a": ' + "[" * depth + "]" * depth + "}")


def test_nesting_at_the_limit_parses():
    depth = MAX_JSON_DEPTH - 1  # the object itself is one level
    value, fixes = parse_json('{"a": ' + "[" * depth + "]" * depth + "}")
    assert fixes == () and isinstance(value["a"], list)


def test_controls_in_keys_are_replaced_not_in_values():
    assert parse_json('{"a\\u001b[31m": "b\\u001a"}') == ({"a\ufffd[31m": "b\x1a"}, ("control-in-key",))
