"""Map an input record's own field names onto the article schema.

Inputs name their fields in many ways (``headline``, ``maintext``, ``pubDate``, ...). A
structured record (a JSON object, a CSV row) is mapped through ``ALIASES`` unless the
source's ``SourceConfig.mapping`` names the column itself. Nothing is dropped: every field
that no schema column takes is kept in ``MappedFields.extra``.

Pure functions on plain values: no file I/O, no Prefect.

>>> m = map_fields({"headline": "Rates rise", "text": "The bank ...", "lang": "en"}, SourceConfig())
>>> (m.title, m.body, m.language)
('Rates rise', 'The bank ...', 'en')
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Canonical field → accepted input names, in order of preference: when a record has two of
# them (``content`` and ``description``), the earlier one wins and the other goes to extra.
# Input names match case-insensitively, with "-" and " " read as "_" (``pubDate``,
# ``Publish-Date``). ``description`` comes last for the body because feeds that have both
# use it for a summary.
ALIASES: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text", "content", "maintext", "article", "description"),
    "authors": ("authors", "author", "byline", "creator"),
    "published": (
        "published", "date", "date_publish", "publish_date", "pubdate", "published_at",
    ),
    "url": ("url", "link", "canonical_url"),
    "source": ("source", "domain", "source_domain", "publication", "site"),
    "language": ("language", "lang"),
    "source_id": ("id", "guid"),
    # Raw HTML of a crawled page (crawler exports): the article is extracted from it when
    # the record has no body of its own (transforms.html).
    "html": ("html", "raw_html", "content_html"),
}
CANONICAL_FIELDS: tuple[str, ...] = tuple(ALIASES)

# Separators used when a mapping names several columns for one field (or a JSON value is a
# list of strings): paragraphs of a body are separated by a blank line, the copydesk
# paragraph convention; title parts by a space.
_JOINERS = {"body": "\n\n", "title": " ", "html": "\n"}


class UnmappableError(ValueError):
    """Neither a title nor a body column could be found; the message names the columns seen."""

    def __init__(self, columns: Iterable[str], config: SourceConfig | None = None) -> None:
        self.columns = tuple(columns)
        seen = ", ".join(repr(c) for c in self.columns) or "none"
        hint = (
            "name them in sources.toml, e.g. [sources.mapping] title = \"...\", body = \"...\""
        )
        where = f" (source {config.name!r})" if config is not None and config.name else ""
        super().__init__(
            f"cannot find a title or body column{where}; columns seen: {seen}; {hint}"
        )


@dataclass(frozen=True)
class SourceConfig:
    """How to read and map the inputs of one source (one ``[[sources]]`` entry in sources.toml).

    Every option has a default that reads a self-describing input (a JSONL dump with named
    fields, a CSV with a header) correctly, so a source needs settings only where its layout
    says nothing about itself.

    >>> SourceConfig(columns=["class", "title", "description"], header=False).columns
    ('class', 'title', 'description')
    """

    # Source name for every article of these inputs; None: take it from the record
    # (source/domain field), else the lead's builder derives it from the URL or folder.
    name: str | None = None
    # Which inputs this entry applies to (matched against the path relative to INPUT).
    pattern: str = "*"
    # Force a format (a name in flows.readers.FORMATS, checked where sources.toml is
    # parsed); None: decide by the file extension, which is right for almost all dumps.
    format: str | None = None
    # Declared encoding of the bytes; None: detect (BOM, UTF-8, then a detector).
    encoding: str | None = None
    # Zone for timestamps that carry no offset; UTC because most dumps store UTC.
    timezone: str = "UTC"
    # Column names for a CSV/TSV; None: take them from the header row (AG News has none).
    columns: tuple[str, ...] | None = None
    # Whether the first CSV/TSV row is a header; with ``columns`` set too it is skipped.
    header: bool = True
    # CSV field separator; None: "," for csv, tab for tsv.
    delimiter: str | None = None
    # Canonical field → input column(s); overrides ALIASES. Several columns are joined
    # (a body from "summary" and "text"); an empty tuple stops the field from being mapped.
    mapping: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # AG News lost the "&" of its entities ("#39;" for "'"); off by default because "#39;"
    # may be literal elsewhere. Applied by the text steps (transforms.cleaning.TEXT_STEPS).
    fix_lost_entities: bool = False
    # AG News wraps lines with a lone "\"; off by default because a backslash is usually text.
    # Applied by the text steps to a structured record's title and body.
    backslash_line_breaks: bool = False

    def __post_init__(self) -> None:
        # Accept friendly inputs (dicts, lists, plain strings) and store hashable tuples,
        # so a config can be a dict key and cannot be changed after it is built.
        if self.columns is not None and not isinstance(self.columns, tuple):
            object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "mapping", _normalize_mapping(self.mapping))
        unknown = [k for k, _ in self.mapping if k not in ALIASES]
        if unknown:
            raise ValueError(
                f"mapping names unknown field(s) {', '.join(unknown)}; "
                f"known fields: {', '.join(CANONICAL_FIELDS)}"
            )

    @property
    def mapping_dict(self) -> dict[str, tuple[str, ...]]:
        """The mapping as a dict: canonical field → input columns."""
        return dict(self.mapping)


def _normalize_mapping(
    mapping: Mapping[str, str | Iterable[str]] | Iterable[tuple[str, Any]],
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    items = mapping.items() if isinstance(mapping, Mapping) else mapping
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, value in items:
        if isinstance(value, str):
            cols: tuple[str, ...] = (value,) if value else ()
        else:
            cols = tuple(v for v in value if v)
        out.append((str(key), cols))
    return tuple(out)


@dataclass(frozen=True)
class MappedFields:
    """A record's values under the schema's names, still raw (dates, bylines and URLs unparsed).

    ``extra`` holds every input field that no schema column took, under its input name.
    """

    title: str | None = None
    body: str | None = None
    authors: Any = None  # str, list of str, or None: the byline parser decides
    published: Any = None  # as given: str, number or None
    url: str | None = None
    source: str | None = None
    language: str | None = None
    source_id: str | None = None
    html: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def normalize_name(name: str) -> str:
    """The form in which input field names are compared with the aliases.

    >>> normalize_name(" Publish-Date ")
    'publish_date'
    """
    return re.sub(r"[\s\-]+", "_", name.strip()).lower()


def find_columns(columns: Iterable[str], config: SourceConfig) -> dict[str, tuple[str, ...]]:
    """Which input column(s) each canonical field is read from, for a record with ``columns``.

    A field the mapping names is read from those columns when present; otherwise the first
    alias present wins. Fields with no column are absent from the result.

    >>> find_columns(["Headline", "maintext", "lang"], SourceConfig())
    {'title': ('Headline',), 'body': ('maintext',), 'language': ('lang',)}
    """
    by_name: dict[str, str] = {}
    cols = list(columns)
    for col in cols:
        by_name.setdefault(col, col)
    by_norm: dict[str, str] = {}
    for col in cols:
        by_norm.setdefault(normalize_name(col), col)
    explicit = config.mapping_dict
    used: set[str] = set()
    found: dict[str, tuple[str, ...]] = {}
    for canonical, aliases in ALIASES.items():
        if canonical in explicit:
            # An explicit mapping is exact first, then case-insensitive; no alias fallback,
            # so a mapping can switch a field off with an empty list.
            picked = []
            for want in explicit[canonical]:
                col = by_name.get(want) or by_norm.get(normalize_name(want))
                if col is not None:
                    picked.append(col)
            if picked:
                found[canonical] = tuple(picked)
                used.update(picked)
            continue
        for alias in aliases:
            col = by_norm.get(alias)
            if col is not None and col not in used and col not in _explicit_columns(explicit):
                found[canonical] = (col,)
                used.add(col)
                break
    return found


# find_columns' answers by (columns, config): the records of one input mostly share their
# columns, and the answer depends on nothing else. Keyed by the config's id, with the
# config kept to check that an entry is its own (hashing a config hashes every option).
# Bounded; cleared when full.
_COLUMNS_CACHE: dict[tuple[tuple[str, ...], int], tuple[SourceConfig, dict[str, tuple[str, ...]]]] = {}
_COLUMNS_CACHE_SIZE = 1024


def _columns_of(columns: tuple[str, ...], config: SourceConfig) -> dict[str, tuple[str, ...]]:
    """``find_columns(columns, config)``, remembered (the caller must not change the dict)."""
    key = (columns, id(config))
    hit = _COLUMNS_CACHE.get(key)
    if hit is not None and hit[0] is config:
        return hit[1]
    if len(_COLUMNS_CACHE) >= _COLUMNS_CACHE_SIZE:
        _COLUMNS_CACHE.clear()
    found = find_columns(columns, config)
    _COLUMNS_CACHE[key] = (config, found)
    return found


def _explicit_columns(explicit: dict[str, tuple[str, ...]]) -> set[str]:
    # A column named in the mapping belongs to that field only: "source = 'domain'" must not
    # also let "domain" be picked up by another field's alias list.
    return {c for cols in explicit.values() for c in cols}


def check_layout(columns: Iterable[str], config: SourceConfig) -> None:
    """Raise ``UnmappableError`` when neither a title nor a body column can be found.

    >>> try:
    ...     check_layout(["url", "type"], SourceConfig())
    ... except UnmappableError as exc:
    ...     print(exc.columns)
    ('url', 'type')
    """
    cols = list(columns)
    found = find_columns(cols, config)
    if not found.keys() & {"title", "body", "html"}:
        raise UnmappableError(cols, config)


def map_fields(fields: Mapping[str, Any], config: SourceConfig) -> MappedFields:
    """Map one structured record onto the schema's fields; unknown fields go to ``extra``.

    Raises ``UnmappableError`` (naming the columns seen) when the record has neither a
    title nor a body column. An empty value is kept as given: an empty article is the
    article builder's reject to make, not a layout error.

    >>> m = map_fields({"id": 7, "title": "T", "content": "B", "type": "fake"}, SourceConfig())
    >>> (m.source_id, m.title, m.body, m.extra)
    ('7', 'T', 'B', {'type': 'fake'})
    """
    found = _columns_of(tuple(fields), config)
    if not found.keys() & {"title", "body", "html"}:
        raise UnmappableError(fields.keys(), config)
    values: dict[str, Any] = {}
    for canonical, cols in found.items():
        raw = [fields[c] for c in cols]
        if canonical in ("title", "body", "html"):
            values[canonical] = _join_text(raw, _JOINERS[canonical])
        elif canonical == "authors" or canonical == "published":
            values[canonical] = raw[0] if len(raw) == 1 else raw
        else:
            values[canonical] = _scalar_text(raw[0])
    if config.name:
        values["source"] = config.name
    used = {c for cols in found.values() for c in cols}
    extra = {k: v for k, v in fields.items() if k not in used}
    return MappedFields(**values, extra=extra)


def _scalar_text(value: Any) -> str | None:
    # ids and URLs are kept "as given", but as text: JSON may hold 141 where CSV holds "141".
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list) and value:
        return _scalar_text(value[0])
    return str(value)


def _join_text(values: list[Any], joiner: str) -> str | None:
    parts: list[str] = []
    for value in values:
        if value is None:
            continue
        if isinstance(value, list):
            # A body given as a list of paragraphs (some scrapers write that).
            parts.extend(str(v) for v in value if v is not None and str(v) != "")
        elif isinstance(value, str):
            if value != "" or len(values) == 1:
                parts.append(value)
        else:
            parts.append(str(value))
    if not parts:
        return "" if any(v == "" for v in values) else None
    return joiner.join(p for p in parts if p != "") if len(parts) > 1 else parts[0]

