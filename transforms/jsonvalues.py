"""Parse one JSON record safely: bounded nesting, no lone surrogates, no lost duplicate keys.

``parse_json(text)`` is ``json.loads`` for text from an input, hardened against what a
hostile or broken writer puts in it:

- Nesting deeper than ``MAX_JSON_DEPTH`` levels raises ``JsonRefused`` (the reader's
  ``invalid-json`` reject), never a ``RecursionError``.
- A lone surrogate (``"\\ud800"``: valid JSON, but no UTF-8 can hold it, so Parquet
  writing would fail) in a key or a string value becomes U+FFFD; the fix
  ``LONE_SURROGATE`` is named. A control character in a key (``"\\u001b[31m"``) becomes
  U+FFFD too (fix ``CONTROL_IN_KEY``); control characters in values are left to the text
  steps, which repair or remove them (``transforms.repair``).
- Duplicate keys: the last value wins, as in ``json.loads``; the earlier ones are kept,
  oldest first, in ``{DUPLICATE_KEYS: {key: [earlier values]}}`` inside the same object,
  so they reach the article's ``extra``. A literal ``DUPLICATE_KEYS`` key in the input is
  itself listed there as an earlier value.

Pure functions on plain values: no I/O.

>>> parse_json('{"title": "A", "title": "B"}')
({'title': 'B', 'copydesk:duplicate_keys': {'title': ['A']}}, ())
>>> parse_json('{"k\\\\ud800": "x"}')
({'k\ufffd': 'x'}, ('lone-surrogate',))
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

__all__ = [
    "CONTROL_IN_KEY",
    "DUPLICATE_KEYS",
    "LONE_SURROGATE",
    "MAX_JSON_DEPTH",
    "JsonRefused",
    "parse_json",
]

# Far deeper than any news record (a few levels); far below what recursion can take.
MAX_JSON_DEPTH = 100
DUPLICATE_KEYS = "copydesk:duplicate_keys"
LONE_SURROGATE = "lone-surrogate"
CONTROL_IN_KEY = "control-in-key"

# A lone surrogate can only come from a \uD800-\uDFFF escape (decoded input text holds
# none): without one, no string needs a look.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]", re.ASCII)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class JsonRefused(ValueError):
    """The text is not one JSON value copydesk takes; the message is the reject's detail."""


def parse_json(text: str) -> tuple[Any, tuple[str, ...]]:
    """The JSON value of ``text`` and the fixes made to it (``LONE_SURROGATE``,
    ``CONTROL_IN_KEY``); raises ``json.JSONDecodeError`` for text that does not parse
    and ``JsonRefused`` for nesting past ``MAX_JSON_DEPTH``.

    >>> parse_json("[" * 101 + "]" * 101)
    Traceback (most recent call last):
    ...
    transforms.jsonvalues.JsonRefused: nested more than 100 levels deep (the JSON nesting limit)
    """
    fixes: set[str] = set()
    try:
        try:
            if text.startswith("\ufeff"):
                raise _KeyToFix  # json.loads refuses it, as it should
            value = _decoder().decode(text)
        except _KeyToFix:
            # Rare: a key to fix, whose fix is named. (JSONDecoder(...).decode is what
            # json.loads calls, after its check for a byte order mark.)
            value = json.loads(text, object_pairs_hook=lambda pairs: _object(pairs, fixes))
    except RecursionError:
        raise JsonRefused(_too_deep()) from None
    # Each level opens with "{" or "[": fewer of them than the limit cannot pass it.
    if text.count("{") + text.count("[") > MAX_JSON_DEPTH and _depth(value) > MAX_JSON_DEPTH:
        raise JsonRefused(_too_deep())
    if _SURROGATE_ESCAPE.search(text):
        value = _clean_strings(value, fixes)
    return value, tuple(sorted(fixes))


def _too_deep() -> str:
    return f"nested more than {MAX_JSON_DEPTH} levels deep (the JSON nesting limit)"


class _KeyToFix(Exception):
    """A key to fix, met by the decoder that names no fixes (``_decoder``)."""


# One decoder per thread, made once: json.loads makes one per call, with its scanner.
# Its objects are ``_object``'s, naming no fix: a key to fix stops it (``_KeyToFix``),
# and the record is parsed again by a decoder that names them.
_DECODERS = threading.local()


def _decoder() -> json.JSONDecoder:
    decoder = getattr(_DECODERS, "decoder", None)
    if decoder is None:
        decoder = _DECODERS.decoder = json.JSONDecoder(object_pairs_hook=lambda pairs: _object(pairs, None))
    return decoder


def _object(pairs: list[tuple[str, Any]], fixes: set[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    earlier: dict[str, list[Any]] = {}
    for key, value in pairs:
        if not key.isprintable():  # False for controls and surrogates (and some spaces)
            if fixes is None:
                raise _KeyToFix
            key = _clean_key(key, fixes)
        if key == DUPLICATE_KEYS:
            earlier.setdefault(key, []).append(value)
            continue
        if key in out:
            earlier.setdefault(key, []).append(out[key])
        out[key] = value  # the key keeps its first place, with its last value, as in json
    if earlier:
        out[DUPLICATE_KEYS] = earlier
    return out


def _clean_key(key: str, fixes: set[str]) -> str:
    cleaned = _SURROGATE.sub("\ufffd", key)
    if cleaned != key:
        fixes.add(LONE_SURROGATE)
    key, cleaned = cleaned, _CONTROL.sub("\ufffd", cleaned)
    if cleaned != key:
        fixes.add(CONTROL_IN_KEY)
    return cleaned


def _depth(value: Any) -> int:
    """How many arrays and objects are nested in ``value``, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, level)
            if level > MAX_JSON_DEPTH:
                return level
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _clean_strings(value: Any, fixes: set[str]) -> Any:
    """``value`` with every lone surrogate in its strings replaced by U+FFFD (depth is
    bounded by now, so recursion is safe)."""
    if isinstance(value, str):
        cleaned = _SURROGATE.sub("\ufffd", value)
        if cleaned != value:
            fixes.add(LONE_SURROGATE)
        return cleaned
    if isinstance(value, list):
        return [_clean_strings(v, fixes) for v in value]
    if isinstance(value, dict):
        return {k: _clean_strings(v, fixes) for k, v in value.items()}
    return value
