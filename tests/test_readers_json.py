"""The .json format (flows/readers/formats/json.py)."""

from __future__ import annotations

import pytest

from tests.reader_cases import errors, read


@pytest.mark.parametrize(
    ("content", "locators", "titles"),
    [
        (b'[{"title": "A"}, {"title": "B"}]', ["item:1", "item:2"], ["A", "B"]),
        (b'{\n  "title": "Only"\n}\n', ["item:1"], ["Only"]),
        (b'{"title": "A"}\n{"title": "B"}\n', ["line:1", "line:2"], ["A", "B"]),
    ],
    ids=["array", "object", "json-lines-named-json"],
)
def test_json_shapes(tmp_path, content, locators, titles):
    p = tmp_path / "a.json"
    p.write_bytes(content)
    records = read(p)
    assert [r.input_locator for r in records] == locators
    assert [r.fields["title"] for r in records] == titles


def test_json_array_item_that_is_not_an_object_is_one_reject(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b'[{"title": "A"}, 3, {"title": "C"}]')
    assert errors(read(p)) == [None, "invalid-json", None]


def test_invalid_json_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b'[{"title": "A"},\n {"title": }]')
    (record,) = read(p)
    assert record.error[0] == "invalid-json" and record.input_locator == "line:2"


def test_json_file_nested_past_the_limit_is_one_reject(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    (record,) = read(p)
    assert record.error == ("invalid-json", "nested more than 100 levels deep (the JSON nesting limit)")


def test_json_items_get_surrogates_replaced_and_duplicates_kept(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(rb'[{"title": "A\ud800", "title": "B"}]')
    (record,) = read(p)
    assert record.fields == {"title": "B", "copydesk:duplicate_keys": {"title": ["A\ufffd"]}}
    assert record.encoding_steps == ("lone-surrogate",)
