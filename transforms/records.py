"""Plain value types that pass between the readers, the transforms and the writers.

Nothing here does I/O. A reader (``flows/readers.py``) turns an input file into
``RawRecord`` values; ``transforms.article.clean_record`` turns one ``RawRecord`` into
an article with its paragraphs, or into a ``Reject``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RecordKind = Literal["text", "fields"]


@dataclass(frozen=True)
class RawRecord:
    """One record as an input held it.

    ``kind="text"``: ``raw`` is a whole raw article (a ``.txt`` file): title on the first
    non-empty line, paragraphs separated by blank lines. It still has to be decoded.

    ``kind="fields"``: a structured record (a JSON object, a CSV row). ``fields`` holds its
    values already decoded to ``str`` (or JSON scalars/lists), keyed by the input's own
    field names; ``raw`` holds the record's original bytes (the JSON line, the CSV row).

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


@dataclass
class Paragraph:
    position: int
    text: str
    status: Literal["kept", "repeat", "boilerplate", "byline", "title"] = "kept"
    repeat_of: int | None = None
    reason: str | None = None
    key: str = ""


@dataclass
class Article:
    """A cleaned article, ready for the ``articles`` table (see ``schemas.tables.ARTICLES``)."""

    values: dict[str, Any]
    paragraphs: list[Paragraph] = field(default_factory=list)
