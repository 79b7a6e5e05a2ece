"""sources.toml loading (flows/sources.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.readers import DEFAULT_LIMITS, FORMATS, InputFile, ReadLimits
from flows.sources import SourceRegistry, SourcesError, load_sources, parse_sources
from transforms.fields import SourceConfig

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "sources.example.toml"


def config_for(registry: SourceRegistry, path: str) -> SourceConfig:
    """The config a discovered file at ``path`` (also its relative path) gets."""
    return registry.for_input(InputFile(path, 0, path))


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_none_gives_defaults():
    registry = load_sources(None)
    assert config_for(registry, "any/file.jsonl") == SourceConfig()
    assert registry.limits == DEFAULT_LIMITS
    assert registry.exclude == ()


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="sources file not found: .*nope.toml"):
        load_sources(str(tmp_path / "nope.toml"))


def test_invalid_toml_is_a_clear_error(tmp_path):
    with pytest.raises(SourcesError, match="not valid TOML"):
        load_sources(write(tmp_path, "[[sources]\npattern = 1"))


def test_example_file_configures_ag_news_and_fakenewscorpus():
    registry = load_sources(str(EXAMPLE))
    ag = config_for(registry, "/data/corpora/ag-news-test/test.csv")
    assert ag.name == "ag-news"
    assert (ag.header, ag.columns) == (False, ("class", "title", "description"))
    assert ag.mapping_dict["body"] == ("description",)
    assert ag.fix_lost_entities and ag.backslash_line_breaks
    fnc = config_for(registry, "fakenewscorpus-sample/news_sample.csv")
    assert fnc.mapping_dict["source"] == ("domain",)
    assert fnc.name is None
    # Other inputs get the defaults.
    assert config_for(registry, "bbc/tech/001.txt") == registry.default
    assert "fakenews*/websites.csv" in registry.exclude


def test_first_matching_entry_wins_and_defaults_merge(tmp_path):
    path = write(tmp_path, """
[defaults]
timezone = "Europe/Paris"
encoding = "cp1252"
[defaults.mapping]
language = "lng"

[[sources]]
pattern = "wire/special/*.jsonl"
name = "special"
[sources.mapping]
title = "hed"

[[sources]]
pattern = "wire/**/*.jsonl"
name = "wire"
timezone = "America/New_York"
""")
    registry = load_sources(path)
    special = config_for(registry, "wire/special/a.jsonl")
    assert special.name == "special"
    assert special.timezone == "Europe/Paris"  # from [defaults]
    assert special.mapping_dict == {"language": ("lng",), "title": ("hed",)}
    deep = config_for(registry, "wire/2024/01/b.jsonl")
    assert (deep.name, deep.timezone, deep.encoding) == ("wire", "America/New_York", "cp1252")
    other = config_for(registry, "other/c.jsonl")
    assert (other.name, other.timezone) == (None, "Europe/Paris")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[sources]]\npattern='*'\ntimezon='UTC'", "unknown key 'timezon'"),
        ("[[sources]]\npattern='*'\ntimezone='Mars/Olympus'", "unknown time zone"),
        ("[[sources]]\npattern='*'\nformat='xml'", "format must be one of"),
        ("[[sources]]\npattern='*'\nheader='no'", "header must be a bool"),
        ("[[sources]]\npattern='*'\nencoding='klingon'", "unknown encoding"),
        ("[[sources]]\nname='x'", "needs a pattern"),
        ("[[sources]]\npattern='*'\n[sources.mapping]\nheadline='h'", "unknown field 'headline'"),
        ("[[sources]]\npattern='*'\n[sources.mapping]\ntitle=3", "column name or a list"),
        ("[limits]\nmax_record_bytes=-1", "positive number"),
        ("[limits]\nmax_records=1", "unknown key 'max_records'"),
        ("source = []", "unknown top-level key"),
    ],
)
def test_invalid_entries_are_errors_naming_the_problem(tmp_path, text, message):
    with pytest.raises(SourcesError, match=message):
        load_sources(write(tmp_path, text))


def test_limits_are_read():
    registry = parse_sources({"limits": {"max_record_bytes": 1000, "max_expansion_ratio": 50}})
    assert registry.limits == ReadLimits(max_record_bytes=1000, max_expansion_ratio=50)
    assert registry.limits.max_expanded_bytes == DEFAULT_LIMITS.max_expanded_bytes


def test_the_format_names_come_from_the_readers_registry():
    with pytest.raises(SourcesError) as info:
        parse_sources({"sources": [{"pattern": "*", "format": "xml"}]})
    assert str(info.value) == (
        f"sources.toml [[sources]] #1: format must be one of {', '.join(FORMATS)}, not 'xml'"
    )
    for name in FORMATS:
        assert parse_sources({"sources": [{"pattern": "*", "format": name}]}).sources[0].format == name


def test_registry_is_plain_data():
    registry = SourceRegistry(sources=(SourceConfig(pattern="*.tsv", name="t"),))
    assert config_for(registry, "x/y.tsv").name == "t"
    assert config_for(registry, "x/y.csv") == SourceConfig()


def test_for_input_matches_relative_then_absolute_path():
    registry = load_sources(str(EXAMPLE))
    # INPUT was the corpus folder itself: the relative path alone does not say "ag-news".
    file = InputFile("/data/corpora/ag-news-test/test.csv", 10, "test.csv")
    assert registry.for_input(InputFile(file.relpath, 10, file.relpath)) == registry.default
    assert registry.for_input(file).name == "ag-news"
    other = InputFile("/data/x/test.csv", 10, "test.csv")
    assert registry.for_input(other) == registry.default
