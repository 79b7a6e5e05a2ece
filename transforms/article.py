"""Turn one raw record into a cleaned article with its paragraphs, or into a reject.

This is the per-record recipe every shard runs (``clean_record``): read the record
(decode or map its fields) and run the text steps, re-flow and cut the body into
paragraphs, clean the title, run the paragraph steps, derive the fields, fingerprint the
body. The steps live in their own modules and are registered, with the fix names they
record, in ``transforms.cleaning``; this module only chains them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import xxhash

from transforms import bylines, dates, decoding, fingerprints, html, language, titles, urls, wire
from transforms.cleaning import apply_paragraph_steps, apply_text_steps, body_is_reflowed, record_fixes
from transforms.fields import MappedFields, SourceConfig, UnmappableError, map_fields
from transforms.fingerprints import content_key, paragraph_word_bytes
from transforms.paragraphs import cut, cut_paragraphs, normalize_space
from transforms.printable import escape_field
from transforms.records import Article, Paragraph, RawRecord, Reject


@dataclass(frozen=True)
class RecordContext:
    """What an article needs to know about where it came from."""

    folder_source: str | None  # the input's parent folder: the source when nothing better is known
    input_format: str  # txt, jsonl, csv, ...
    config: SourceConfig
    # The input's path relative to INPUT: where a record without an id of its own sits,
    # the same on every machine whatever the mount point (``2024-01/news.jsonl`` and
    # ``2024-02/news.jsonl`` stay apart, which their file names alone would not).
    relpath: str | None = None


def article_id(source: str | None, identity: str) -> str:
    """Stable identity: the same source and identity give the same id on every machine.

    >>> article_id("bbc", "business/001.txt") == article_id("bbc", "business/001.txt")
    True
    """
    key = f"{source or ''}\x1f{identity}".encode()
    return xxhash.xxh3_128_hexdigest(key)[:20]


def content_hash(paragraphs: Iterable[Paragraph]) -> str:
    """Hash of the kept paragraphs' comparison keys: equal for the same text, whatever
    its typography or white space.

    It is ``fingerprints.content_key``, which DuckDB can recompute from the ``paragraphs``
    table when boilerplate later takes paragraphs out of the body.

    >>> content_hash([Paragraph(0, "Talks ended.", key="k1")]) == content_hash([Paragraph(0, "x", key="k1")])
    True
    """
    return content_key([p.key for p in paragraphs if p.status == "kept"])


class RecordRejected(Exception):
    """A record that cannot be an article: it becomes a ``Reject`` with this reason."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class ReadRecord:
    """A record read and its texts fixed: fields under the schema's names, the body not
    yet cut into paragraphs, how the bytes were decoded and the fixes so far."""

    fields: MappedFields
    encoding: str
    encoding_method: str
    fixes: tuple[str, ...]
    # A web page's (``read_html``): the crawl time, the WARC-Record-ID, the page's language tag.
    crawled_at: datetime | None = None
    warc_record_id: str | None = None
    language_hint: str | None = None


def read_text(record: RawRecord, config: SourceConfig) -> ReadRecord:
    """A ``.txt`` article: decode, run the text steps over the whole text, then take the
    first non-empty line as the title."""
    try:
        decoded = decoding.decode(record.raw, declared=config.encoding)
    except decoding.UndecodableError as exc:
        raise RecordRejected(exc.reason, exc.detail) from exc
    fixes = record_fixes((), "decode", decoded.steps, each=True)
    (text,), fixes = apply_text_steps("text", (decoded.text,), config, fixes)
    stripped = (text or "").lstrip("\r\n \t\ufeff")
    first, _, body = stripped.partition("\n")
    fields = MappedFields(title=normalize_space(first) or None, body=body)
    return ReadRecord(fields, decoded.encoding, decoded.method, fixes)


def read_fields(record: RawRecord, config: SourceConfig) -> ReadRecord:
    """A structured record: map its fields, then run the text steps over title and body."""
    try:
        mapped = map_fields(record.fields or {}, config)
    except UnmappableError as exc:
        raise RecordRejected("unmappable", str(exc)) from exc
    hint = None
    if mapped.html and not (mapped.body or "").strip():
        mapped, hint = _with_page(mapped)
    elif mapped.html:
        # A body of its own wins; the page stays, unread, in extra.
        mapped = replace(mapped, html=None, extra={**mapped.extra, "html": mapped.html})
    fixes = record_fixes((), "decode", record.encoding_steps, each=True)
    texts, fixes = apply_text_steps("fields", (mapped.title, mapped.body), config, fixes)
    texts, fixes = apply_text_steps("text", texts, config, fixes)
    (title, body), fixes = apply_text_steps("markup", texts, config, fixes)
    enc = record.encoding or "utf-8"
    method = _structured_encoding_method(enc, record.encoding_steps, config.encoding)
    if (title or None) is not mapped.title or (body or "") is not mapped.body:
        mapped = replace(mapped, title=title or None, body=body or "")
    return ReadRecord(mapped, enc, method, fixes, language_hint=hint)


def _with_page(mapped: MappedFields) -> tuple[MappedFields, str | None]:
    """A record whose ``html``/``raw_html``/``content_html`` field holds the page: the
    body extracted from it, and the title, authors, date and URL when the record has none
    (``no-article-text`` when the page holds none); also the page's language hint."""
    page = _article_page(mapped.html or "", mapped.url, None, "the record's HTML")
    return replace(
        mapped, html=None, body="\n\n".join(page.paragraphs), title=mapped.title or page.title,
        authors=mapped.authors or page.authors, published=mapped.published or page.published,
        url=page.url or mapped.url,
    ), page.language_hint


def read_record(record: RawRecord, config: SourceConfig) -> ReadRecord:
    """Read any record (``read_text``, ``read_html`` or ``read_fields``); a reader's error
    is a rejection."""
    if record.error is not None:
        raise RecordRejected(*record.error)
    if record.kind == "html":
        return read_html(record, config)
    return (read_text if record.kind == "text" else read_fields)(record, config)


def read_html(record: RawRecord, config: SourceConfig) -> ReadRecord:
    """A web page (an ``.html`` file or a WARC response): decode it (BOM, the HTTP charset,
    ``<meta charset>``, detection; a source's configured encoding counts as the HTTP one),
    extract its article (``transforms.html``), then run the text steps over title and body."""
    facts = record.fields or {}
    try:
        decoded, method = html.decode_page(facts.get("payload", record.raw),
                                           facts.get("http_charset") or config.encoding)
    except decoding.UndecodableError as exc:
        raise RecordRejected(exc.reason, exc.detail) from exc
    fixes = record_fixes((), "decode", decoded.steps, each=True)
    return _read_page(decoded.text, decoded.encoding, method, fixes, facts, config)


def _article_page(text: str, url: str | None, content_language: str | None, holder: str,
                  why: str = "") -> html.Page:
    """The extracted page, or ``no-article-text`` when it holds too few words (``holder``
    and ``why`` word the reason)."""
    page = html.extract_page(text, url, content_language)
    if page.word_count < html.MIN_ARTICLE_WORDS:
        raise RecordRejected(
            "no-article-text",
            f"{holder} holds {page.word_count} words of article text, fewer than {html.MIN_ARTICLE_WORDS}{why}",
        )
    return page


def _read_page(
    text: str, encoding: str, method: str, fixes: tuple[str, ...], facts: dict[str, Any], config: SourceConfig,
) -> ReadRecord:
    """The article of a decoded page, or ``no-article-text``; ``facts``: what a WARC
    record says of the page."""
    page = _article_page(text, facts.get("target_uri"), facts.get("content_language"), "the page",
                         " (an index page, a login wall or a script-only page)")
    mapped = MappedFields(title=page.title, body="\n\n".join(page.paragraphs), authors=page.authors,
                          published=page.published, url=page.url)
    (title, body), fixes = apply_text_steps("text", (mapped.title, mapped.body), config, fixes)
    return ReadRecord(replace(mapped, title=title or None, body=body or ""), encoding, method, fixes,
                      crawled_at=_crawl_time(facts.get("warc_date")),
                      warc_record_id=facts.get("warc_record_id"), language_hint=page.language_hint)


def _crawl_time(value: str | None) -> datetime | None:
    """A WARC-Date (ISO 8601, UTC) as a datetime; None when absent or unreadable.

    >>> _crawl_time("2024-03-01T10:00:00Z"), _crawl_time("yesterday")
    (datetime.datetime(2024, 3, 1, 10, 0, tzinfo=datetime.timezone.utc), None)
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def cut_body(read: ReadRecord, config: SourceConfig) -> tuple[tuple[Paragraph, ...], tuple[str, ...]]:
    """Run the body's text steps (re-flow) and cut it into paragraphs; return them and
    the fixes. A record with neither a title nor a paragraph is rejected."""
    (text,), fixes = apply_text_steps("body", (read.fields.body or "",), config, read.fixes)
    normalized = body_is_reflowed(config)
    paragraphs = tuple(cut(i, t, normalized) for i, t in enumerate(cut_paragraphs(text or "")))
    if not read.fields.title and not paragraphs:
        raise RecordRejected("empty", "the record holds no title and no body text")
    return paragraphs, fixes


def clean_record(record: RawRecord, context: RecordContext) -> Article | Reject:
    """Clean one record. Never raises for bad content: what cannot be an article is a Reject."""
    config = context.config
    try:
        read = read_record(record, config)
        paragraphs, fixes = cut_body(read, config)
    except RecordRejected as exc:
        return Reject(record.input_path, record.input_locator, exc.reason, exc.detail, record.raw)
    url = urls.canonicalize_url(read.fields.url) if read.fields.url else None
    source = source_name(read.fields, url, context)
    title = titles.clean_title(read.fields.title, source)
    if titles.took_site_suffix(read.fields.title, title):
        fixes = record_fixes(fixes, "title", [titles.SITE_SUFFIX_FIX])
    paragraphs = apply_paragraph_steps(paragraphs, title)
    published = dates.parse_date(read.fields.published, default_tz=config.timezone)
    if published.notes:
        fixes = record_fixes(fixes, "date", published.notes, each=True)
    values = article_values(record, context, read, url, source, title, paragraphs, published, fixes)
    # The body is the kept paragraphs joined, so its words are theirs, from the comparison
    # texts already computed: one string of bytes, the words apart by spaces.
    body_bytes = b" ".join([paragraph_word_bytes(p) for p in paragraphs if p.status == "kept"])
    signature = fingerprints.fingerprint(values["body"], body_bytes=body_bytes)
    return Article(values=values, paragraphs=paragraphs, signature=signature)


def source_name(fields: MappedFields, url: str | None, context: RecordContext) -> str | None:
    """The source: configured, else the record's own, else the URL's domain, else the folder."""
    return (
        context.config.name
        or (normalize_space(str(fields.source)) if fields.source else None)
        or urls.registered_domain(url)
        or context.folder_source
    )


def article_values(
    record: RawRecord,
    context: RecordContext,
    read: ReadRecord,
    url: str | None,
    source: str | None,
    title: str | None,
    paragraphs: tuple[Paragraph, ...],
    published: dates.ParsedDate,
    fixes: tuple[str, ...],
) -> dict[str, Any]:
    """The ``articles`` row of a cleaned record (``schemas.tables.ARTICLES``, less the run's columns)."""
    mapped = read.fields
    kept = [p for p in paragraphs if p.status == "kept"]
    body = "\n\n".join(p.text for p in kept)
    byline = bylines.merge_bylines(
        ([bylines.parse_byline(mapped.authors)] if mapped.authors else [])
        + [bylines.parse_byline(p.text) for p in paragraphs if p.status == "byline"]
    )
    # A wire story's sign-off credits its agency when the byline named none.
    agency = byline.agency or next(
        (wire.signoff_agency(p.text) for p in paragraphs if p.status == "signoff"), None)
    if mapped.language:
        given = str(mapped.language).strip().lower()[:2] or None
        found = language.Language(given, None, None, "given")
    else:
        found = language.identify(body or title or "")
    identity = mapped.source_id or _location_identity(record, context.relpath)
    return {
        "article_id": article_id(source, str(identity)),
        "content_hash": content_hash(paragraphs),
        "source": escape_field(source),
        "source_id": escape_field(str(mapped.source_id)) if mapped.source_id is not None else None,
        "url": escape_field(url),
        "title": title,
        "authors": [escape_field(a) for a in byline.authors],
        "agency": escape_field(agency),
        "dateline": wire.parse_dateline(kept[0].text) if kept else None,
        "published_at": published.utc,
        "published_raw": escape_field(published.raw),
        "published_tz": escape_field(published.tz),
        "language": escape_field(found.code),
        "language_score": found.score,
        "language_raw": escape_field(found.raw),
        "language_reason": found.reason,
        "body": body,
        "paragraph_count": len(kept),
        "word_count": sum(p.word_count for p in kept),
        "char_count": len(body),
        "input_path": record.input_path,
        "input_locator": escape_field(record.input_locator),
        "input_format": context.input_format,
        "duplicate_of": None,
        "cluster_id": None,
        "encoding": read.encoding,
        "encoding_method": read.encoding_method,
        "fixes": list(fixes),
        "extra": json.dumps(mapped.extra, ensure_ascii=False, sort_keys=True, default=str)
        if mapped.extra
        else None,
        "crawled_at": read.crawled_at,
        "warc_record_id": escape_field(read.warc_record_id),
        "language_hint": escape_field(read.language_hint),
    }


def _location_identity(record: RawRecord, relpath: str | None) -> str:
    """Where the record sits, independent of the machine: its path relative to INPUT
    (the file name when that is unknown) plus its locator."""
    name = relpath or os.path.basename(record.input_path)
    return f"{name}#{record.input_locator}" if record.input_locator else name


def _structured_encoding_method(enc: str, steps: tuple[str, ...], declared: str | None) -> str:
    """How a structured file's encoding was chosen, from what its reader recorded."""
    if "bom" in steps:
        return "bom"
    if declared:
        return "declared"
    if enc.startswith("mixed"):
        return "mixed"
    return "utf-8" if enc in ("utf-8", "ascii") else "detected"
