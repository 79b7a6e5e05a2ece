"""Field aliases, per-source mapping and SourceConfig (transforms/fields.py)."""

from __future__ import annotations

import dataclasses

import pytest

from transforms.fields import (
    ALIASES,
    SourceConfig,
    UnmappableError,
    check_layout,
    find_columns,
    map_fields,
)

# Every alias the issue lists, with the MappedFields attribute it must land in.
LISTED_ALIASES = [
    ("title", "title"), ("headline", "title"),
    ("body", "body"), ("text", "body"), ("content", "body"), ("maintext", "body"),
    ("article", "body"), ("description", "body"),
    ("authors", "authors"), ("author", "authors"), ("byline", "authors"), ("creator", "authors"),
    ("published", "published"), ("date", "published"), ("date_publish", "published"),
    ("publish_date", "published"), ("pubDate", "published"), ("published_at", "published"),
    ("url", "url"), ("link", "url"), ("canonical_url", "url"),
    ("source", "source"), ("domain", "source"), ("source_domain", "source"),
    ("publication", "source"), ("site", "source"),
    ("language", "language"), ("lang", "language"),
    ("id", "source_id"), ("guid", "source_id"),
    ("html", "html"), ("raw_html", "html"), ("content_html", "html"),
]


@pytest.mark.parametrize(("name", "attr"), LISTED_ALIASES)
def test_each_listed_alias_maps_to_its_field(name, attr):
    # A title is always present so the record is mappable even when testing other fields.
    fields = {name: "VALUE"} if attr == "title" else {"title": "T", name: "VALUE"}
    mapped = map_fields(fields, SourceConfig())
    assert getattr(mapped, attr) == "VALUE"
    assert name not in mapped.extra


def test_aliases_cover_the_listed_names_and_nothing_is_duplicated():
    listed = {n.lower() for n, _ in LISTED_ALIASES}
    in_table = [a for names in ALIASES.values() for a in names]
    assert listed == set(in_table)
    assert len(in_table) == len(set(in_table))


def test_names_match_case_insensitively_and_with_dashes():
    mapped = map_fields({"Headline": "T", "Publish-Date": "2024-01-02", "URL": "http://x"},
                        SourceConfig())
    assert (mapped.title, mapped.published, mapped.url) == ("T", "2024-01-02", "http://x")


def test_earlier_alias_wins_and_the_other_is_kept_in_extra():
    mapped = map_fields({"description": "summary", "content": "full text", "title": "T"},
                        SourceConfig())
    assert mapped.body == "full text"
    assert mapped.extra == {"description": "summary"}


def test_unknown_fields_are_kept_not_dropped():
    fields = {"title": "T", "body": "B", "type": "fake", "keywords": ["a", "b"], "score": 0.5}
    mapped = map_fields(fields, SourceConfig())
    assert mapped.extra == {"type": "fake", "keywords": ["a", "b"], "score": 0.5}


def test_source_id_is_kept_as_text():
    assert map_fields({"id": 141, "title": "T"}, SourceConfig()).source_id == "141"
    assert map_fields({"guid": "urn:x:007", "title": "T"}, SourceConfig()).source_id == "urn:x:007"


def test_mapping_overrides_aliases():
    config = SourceConfig(mapping={"title": "hed", "body": "story", "source": "outlet"})
    fields = {"hed": "H", "story": "S", "title": "not this", "outlet": "Wire", "source": "crawl"}
    mapped = map_fields(fields, config)
    assert (mapped.title, mapped.body, mapped.source) == ("H", "S", "Wire")
    # The alias columns that lost to the mapping are still kept.
    assert mapped.extra == {"title": "not this", "source": "crawl"}


def test_mapping_several_columns_joins_body_paragraphs():
    config = SourceConfig(mapping={"body": ["dek", "story"]})
    mapped = map_fields({"title": "T", "dek": "Lead.", "story": "Rest."}, config)
    assert mapped.body == "Lead.\n\nRest."
    mapped = map_fields({"title": "T", "dek": "", "story": "Rest."}, config)
    assert mapped.body == "Rest."


def test_empty_mapping_switches_a_field_off():
    config = SourceConfig(mapping={"authors": []})
    mapped = map_fields({"title": "T", "author": "Jane Roe"}, config)
    assert mapped.authors is None
    assert mapped.extra == {"author": "Jane Roe"}


def test_column_named_in_mapping_is_not_taken_by_another_alias():
    # "domain" mapped to url must not also become the source through the alias list.
    config = SourceConfig(mapping={"url": "domain"})
    mapped = map_fields({"title": "T", "domain": "example.com"}, config)
    assert mapped.url == "example.com"
    assert mapped.source is None


def test_config_name_sets_the_source():
    mapped = map_fields({"title": "T", "domain": "a.com"}, SourceConfig(name="ag-news"))
    assert mapped.source == "ag-news"


def test_body_as_list_of_paragraphs_is_joined():
    mapped = map_fields({"title": "T", "text": ["One.", "Two."]}, SourceConfig())
    assert mapped.body == "One.\n\nTwo."


def test_authors_and_published_stay_raw():
    mapped = map_fields({"title": "T", "authors": ["A", "B"], "date": 1700000000}, SourceConfig())
    assert mapped.authors == ["A", "B"]
    assert mapped.published == 1700000000


def test_empty_values_are_not_a_layout_error():
    mapped = map_fields({"title": "", "content": ""}, SourceConfig())
    assert (mapped.title, mapped.body) == ("", "")


def test_unmappable_names_the_columns_seen():
    with pytest.raises(UnmappableError) as info:
        map_fields({"url": "http://x", "type": "bias"}, SourceConfig())
    assert info.value.columns == ("url", "type")
    assert "'url', 'type'" in str(info.value)
    with pytest.raises(UnmappableError):
        check_layout(["class", "a", "b"], SourceConfig())
    check_layout(["class", "title", "description"], SourceConfig())


def test_mapped_column_missing_from_record_is_unmappable_when_nothing_else():
    config = SourceConfig(mapping={"title": "hed", "body": "story"})
    with pytest.raises(UnmappableError):
        map_fields({"title": "aliases do not apply to mapped fields"}, config)


def test_find_columns_reports_the_chosen_columns():
    found = find_columns(["Headline", "maintext", "lang", "x"], SourceConfig())
    assert found == {"title": ("Headline",), "body": ("maintext",), "language": ("lang",)}


def test_source_config_is_frozen_and_hashable():
    config = SourceConfig(columns=["a", "title"], mapping={"body": "a"})
    assert config.columns == ("a", "title")
    assert config.mapping_dict == {"body": ("a",)}
    assert hash(config) == hash(SourceConfig(columns=("a", "title"), mapping={"body": ["a"]}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.timezone = "Europe/Paris"  # type: ignore[misc]


def test_source_config_rejects_bad_values():
    # The format name is checked where sources.toml is parsed (tests/test_sources.py).
    with pytest.raises(ValueError, match="unknown field"):
        SourceConfig(mapping={"headline": "h"})

