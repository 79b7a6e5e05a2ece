"""Plain value types that pass between the readers, the transforms and the writers.

Nothing here does I/O. A reader (``flows.readers``) turns an input file into
``RawRecord`` values; ``transforms.article.clean_record`` turns one ``RawRecord`` into
an article with its paragraphs, or into a ``Reject``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RecordKind = Literal["text", "fields", "html", "skipped"]


@dataclass(frozen=True)
class RawRecord:
    """One record as an input held it.

    ``kind="text"``: ``raw`` is a whole raw article (a ``.txt`` file): title on the first
    non-empty line, paragraphs separated by blank lines. It still has to be decoded.

    ``kind="fields"``: a structured record (a JSON object, a CSV row). ``fields`` holds its
    values already decoded to ``str`` (or JSON scalars/lists), keyed by the input's own
    field names; ``raw`` holds the record's original bytes (the JSON line, the CSV row).

    ``kind="html"``: ``raw`` is one saved web page (an ``.html`` file) or one WARC record;
    ``fields``, for a WARC record, holds its HTTP payload (``payload``, bytes) and what the
    record says of it (``http_charset``, ``content_language``, ``target_uri``,
    ``warc_date``, ``warc_record_id``). The article builder decodes and extracts it
    (``transforms.html``).

    ``kind="skipped"``: an input record that is not an article by rule (a WARC request,
    warcinfo, metadata or revisit record, a non-200 or non-HTML response): not a record
    read; the shard counts it in ``runs.records_skipped`` under ``fields["kind"]``.

    ``error`` is set by a reader that could not parse the record (a malformed JSON line):
    the record becomes a reject with that ``(reason, detail)`` and its ``raw`` bytes.
    """

    input_path: str
    input_locator: str | None
    raw: bytes
    kind: RecordKind = "text"
    fields: dict[str, Any] | None = None
    encoding: str | None = None  # how a structured file's bytes were decoded
    encoding_steps: tuple[str, ...] = ()  # decode steps for a structured file ("bom", ...)
    error: tuple[str, str] | None = None


@dataclass(frozen=True)
class Reject:
    """A record that did not become an article, with the reason and its original bytes."""

    input_path: str
    input_locator: str | None
    reason: str
    detail: str
    raw: bytes


ParagraphStatus = Literal["kept", "repeat", "boilerplate", "byline", "signoff"]


def count_words(text: str) -> int:
    """The one definition of a word count: runs of non-white-space.

    A paragraph's ``word_count`` is this; an article's is the sum over its kept
    paragraphs (equal to ``count_words(body)``, the body being them joined by blank lines).

    >>> count_words("Talks  ended\\nlate.")
    3
    """
    return len(text.split())


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a body, kept or removed. Steps return changed copies
    (``dataclasses.replace``), never change one in place."""

    position: int
    text: str
    status: ParagraphStatus = "kept"
    repeat_of: int | None = None
    reason: str | None = None
    key: str = ""
    # ``paragraphs.comparison_text(text)`` when the cutter computed it (``paragraphs.cut``),
    # so the key, the title check and the MinHash words share one computation; None:
    # not computed, the users compute it. Not stored in any table, not compared.
    comparison: str | None = field(default=None, repr=False, compare=False)
    # The comparison text's words as UTF-8 bytes (``paragraphs.comparison_tokens``) and
    # ``count_words(text)``, when the cutter computed them; None: computed when asked.
    # Like ``comparison``, they describe ``text``: a copy with another text must not keep them.
    tokens: list[bytes] | None = field(default=None, repr=False, compare=False)
    words: int | None = field(default=None, repr=False, compare=False)
    # The same words as one string of bytes, apart by white space
    # (``paragraphs.comparison_word_bytes``), when the cutter computed it.
    word_bytes: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def word_count(self) -> int:
        return self.words if self.words is not None else count_words(self.text)


@dataclass(frozen=True)
class Signature:
    """An article's near-duplicate fingerprint (``transforms.fingerprints.fingerprint``):
    the MinHash values and one hash per LSH band, as the ``signatures`` table stores them."""

    minhash: tuple[int, ...]
    bands: tuple[int, ...]


@dataclass(frozen=True)
class Article:
    """A cleaned article, ready for the ``articles`` table (see ``schemas.tables.ARTICLES``),
    with its paragraphs and, when its body is not empty, its fingerprint."""

    values: dict[str, Any]
    paragraphs: tuple[Paragraph, ...] = ()
    signature: Signature | None = None
