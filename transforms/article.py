"""Turn one raw record into a cleaned article with its paragraphs, or into a reject.

This is the per-record recipe every shard runs: decode, repair, split, take the byline
out, mark repeats, normalize the fields. Each step is a function of its own module;
this one only chains them and records, in ``fixes``, what each step changed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import xxhash

from transforms import bylines, dates, encoding, entities, language, repair, titles, urls
from transforms.fields import MappedFields, SourceConfig, UnmappableError, map_fields
from transforms.paragraphs import mark_repeats, normalize_space, paragraph_key, split_paragraphs
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


def content_hash(paragraphs: list[Paragraph]) -> str:
    """Hash of the kept paragraphs' comparison keys: equal for the same text, whatever
    its typography or white space.

    It is ``fingerprints.content_key``, which DuckDB can recompute from the ``paragraphs``
    table when boilerplate later takes paragraphs out of the body.

    >>> content_hash([Paragraph(0, "Talks ended.", key="k1")]) == content_hash([Paragraph(0, "x", key="k1")])
    True
    """
    from transforms.fingerprints import content_key

    return content_key([p.key for p in paragraphs if p.status == "kept"])


def _repair(text: str, config: SourceConfig, fixes: list[str]) -> str:
    if config.fix_lost_entities:
        fixed = entities.fix_lost_entities(text)
        if fixed != text:
            fixes.append("lost-entities")
            text = fixed
    text, steps = repair.repair_and_explain(text)
    fixes.extend(s for s in steps if s not in fixes)
    return text


def _split_title(text: str) -> tuple[str | None, str]:
    """The first non-empty line is the title of a raw text article; the rest is the body."""
    stripped = text.lstrip("\r\n \t\ufeff")
    first, _, rest = stripped.partition("\n")
    return (normalize_space(first) or None), rest


def _paragraphs(texts: list[str]) -> list[Paragraph]:
    return [Paragraph(position=i, text=t, key=paragraph_key(t)) for i, t in enumerate(texts)]


def _take_byline(paragraphs: list[Paragraph]) -> bylines.Byline | None:
    """A byline paragraph stands first or last in the body; it goes to authors, out of the body."""
    found: bylines.Byline | None = None
    candidates = [paragraphs[0], paragraphs[-1]] if len(paragraphs) > 1 else []
    for paragraph in candidates:
        if paragraph.status == "kept" and bylines.is_byline(paragraph.text):
            parsed = bylines.parse_byline(paragraph.text)
            paragraph.status = "byline"
            paragraph.reason = "byline: moved to authors"
            if found is None:
                found = parsed
            else:
                found = bylines.Byline(
                    authors=found.authors + [a for a in parsed.authors if a not in found.authors],
                    agency=found.agency or parsed.agency,
                )
    return found


def _mark_title_repeat(title: str | None, paragraphs: list[Paragraph]) -> None:
    """Scraped bodies often start with the title again: that paragraph repeats the title.

    Paragraphs are compared by their words only, so that "Talks end: no deal" matches the
    title "Talks end - no deal". The title may stand after a site prompt that is only
    found to be boilerplate later ("Subscribe to ...", then the title), or twice, so the
    first three kept paragraphs are looked at. The first also matches when it is the title
    plus the site name the title cleaner took off ("Talks end - no deal | Example News"),
    but never when it holds more than that.
    """
    from transforms.fingerprints import words

    title_words = words(title) if title else []
    if not title_words:
        return
    head = [p for p in paragraphs if p.status == "kept"][:3]
    for i, paragraph in enumerate(head):
        found = words(paragraph.text)
        # A site suffix is short and set off by a separator; anything longer after the
        # title is body text, and that paragraph stays.
        suffix = len(found) - len(title_words)
        separated = any(sep in paragraph.text for sep in (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb "))
        if found == title_words or (
            i == 0 and found[: len(title_words)] == title_words and 0 < suffix <= 4 and separated
        ):
            paragraph.status = "repeat"
            paragraph.reason = "repeats the title"


def clean_record(record: RawRecord, context: RecordContext) -> Article | Reject:
    """Clean one record. Never raises for bad content: what cannot be an article is a Reject."""

    def reject(reason: str, detail: str) -> Reject:
        return Reject(record.input_path, record.input_locator, reason, detail, record.raw)

    if record.error is not None:
        return reject(*record.error)

    config = context.config
    fixes: list[str] = []
    if record.kind == "text":
        try:
            decoded = encoding.decode(record.raw, declared=config.encoding)
        except encoding.UndecodableError as exc:
            return reject(exc.reason, exc.detail)
        fixes.extend(decoded.steps)
        enc, enc_method = decoded.encoding, decoded.method
        text = _repair(decoded.text, config, fixes)
        title, body_text = _split_title(text)
        mapped = MappedFields(title=title, body=body_text)
    else:
        fields = record.fields or {}
        try:
            mapped = map_fields(fields, config)
        except UnmappableError as exc:
            return reject("unmappable", str(exc))
        fixes.extend(record.encoding_steps)
        fixes.extend(f for f in mapped.fixes if f not in fixes)
        enc = record.encoding or "utf-8"
        enc_method = _structured_encoding_method(enc, record.encoding_steps, config.encoding)
        title = _repair(mapped.title, config, fixes) if mapped.title else None
        body_text = _repair(mapped.body, config, fixes) if mapped.body else ""

    body_paragraphs = _paragraphs(split_paragraphs(body_text or ""))
    if not title and not body_paragraphs:
        return reject("empty", "the record holds no title and no body text")

    url = urls.canonicalize_url(mapped.url) if mapped.url else None
    source = (
        config.name
        or (normalize_space(str(mapped.source)) if mapped.source else None)
        or urls.registered_domain(url)
        or context.folder_source
    )
    clean = titles.clean_title(title, source)
    if clean != title and title and clean and clean != normalize_space(title):
        fixes.append("title:site-suffix")
    title = clean

    byline = _take_byline(body_paragraphs)
    field_byline = bylines.parse_byline(mapped.authors) if mapped.authors else None
    authors: list[str] = []
    agency: str | None = None
    for found in (field_byline, byline):
        if found:
            authors += [a for a in found.authors if a not in authors]
            agency = agency or found.agency

    _mark_title_repeat(title, body_paragraphs)
    mark_repeats(body_paragraphs)
    kept = [p.text for p in body_paragraphs if p.status == "kept"]
    body = "\n\n".join(kept)

    published = dates.parse_date(mapped.published, default_tz=config.timezone)
    if published.note:
        fixes.append(published.note)

    if mapped.language:
        lang, lang_score = str(mapped.language).strip().lower()[:2] or None, None
    else:
        lang, lang_score = language.detect_language(body or title or "")

    identity = mapped.source_id or _location_identity(record, context.relpath)
    values: dict[str, Any] = {
        "article_id": article_id(source, str(identity)),
        "content_hash": content_hash(body_paragraphs),
        "source": source,
        "source_id": str(mapped.source_id) if mapped.source_id is not None else None,
        "url": url,
        "title": title,
        "authors": authors,
        "agency": agency,
        "published_at": published.utc,
        "published_raw": published.raw,
        "published_tz": published.tz,
        "language": lang,
        "language_score": lang_score,
        "body": body,
        "paragraph_count": len(kept),
        "word_count": len(body.split()),
        "char_count": len(body),
        "input_path": record.input_path,
        "input_locator": record.input_locator,
        "input_format": context.input_format,
        "duplicate_of": None,
        "cluster_id": None,
        "encoding": enc,
        "encoding_method": enc_method,
        "fixes": fixes,
        "extra": json.dumps(mapped.extra, ensure_ascii=False, sort_keys=True, default=str)
        if mapped.extra
        else None,
    }
    return Article(values=values, paragraphs=body_paragraphs)


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
