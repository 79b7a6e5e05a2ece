"""Load ``sources.toml``: per-source reading and mapping settings, chosen by path pattern.

The file (see ``sources.example.toml`` and ``docs/inputs.md``)::

    exclude = ["ag-news-test/classes.txt"]   # extra paths discovery skips

    [defaults]                               # applies to every input, matched or not
    timezone = "UTC"

    [limits]                                 # ReadLimits, in bytes
    max_record_bytes = 16777216

    [[sources]]                              # first entry whose pattern matches wins
    pattern = "ag-news-test/*.csv"
    name = "ag-news"
    header = false
    columns = ["class", "title", "description"]
    [sources.mapping]
    body = "description"

Every key is checked: a misspelt key, a wrong type, an unknown format or time zone is an
error naming the file and the entry, before anything is read.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import tomllib
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.readers import DEFAULT_LIMITS, FORMATS, InputFile, ReadLimits, match_pattern
from transforms.fields import ALIASES, SourceConfig


class SourcesError(ValueError):
    """sources.toml is missing or invalid; the message is one line naming the file and the fix."""


# The keys a [[sources]] entry (or [defaults]) may hold, with their expected types.
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "pattern": (str,),
    "format": (str,),
    "encoding": (str,),
    "timezone": (str,),
    "columns": (list,),
    "header": (bool,),
    "delimiter": (str,),
    "mapping": (dict,),
    "fix_lost_entities": (bool,),
    "backslash_line_breaks": (bool,),
}
_TOP_KEYS = ("exclude", "defaults", "limits", "sources")


@dataclass(frozen=True)
class SourceRegistry:
    """The sources of one run: the first entry whose pattern matches a path configures it."""

    sources: tuple[SourceConfig, ...] = ()
    default: SourceConfig = field(default_factory=SourceConfig)
    exclude: tuple[str, ...] = ()
    limits: ReadLimits = DEFAULT_LIMITS
    path: str | None = None  # the sources.toml it was loaded from

    def for_input(self, file: InputFile) -> SourceConfig:
        """The config for a discovered ``InputFile``: its relative path first, then its
        absolute path, so "ag-news*/*.csv" matches whether INPUT is the corpus folder
        (relpath "test.csv") or a parent of it.
        """
        for source in self.sources:
            if match_pattern(source.pattern, file.relpath) or match_pattern(
                source.pattern, file.path
            ):
                return source
        return self.default


def load_sources(path: str | None) -> SourceRegistry:
    """Load a sources.toml; ``None`` gives the defaults (aliases, UTC, detection by extension).

    >>> load_sources(None).default == SourceConfig()
    True
    """
    if path is None:
        return SourceRegistry()
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise SourcesError(f"sources file not found: {path}; check --sources or omit it") from None
    except OSError as exc:
        raise SourcesError(f"cannot read sources file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path} is not valid TOML: {exc}") from None
    return parse_sources(data, path)


def parse_sources(data: dict[str, Any], path: str = "sources.toml") -> SourceRegistry:
    """Build a registry from parsed TOML, checking every key and value."""
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise SourcesError(
            f"{path}: unknown top-level key(s) {', '.join(unknown)}{_did_you_mean(unknown[0], _TOP_KEYS)}; "
            f"allowed: {', '.join(_TOP_KEYS)}"
        )
    defaults_raw = data.get("defaults", {})
    if not isinstance(defaults_raw, dict):
        raise SourcesError(f"{path}: [defaults] must be a table")
    default = _config(defaults_raw, f"{path} [defaults]", base=None)
    entries = data.get("sources", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourcesError(f"{path}: sources must be [[sources]] tables")
    sources = []
    for i, entry in enumerate(entries, 1):
        where = f"{path} [[sources]] #{i}" + (f" ({entry['name']})" if "name" in entry else "")
        if "pattern" not in entry:
            raise SourcesError(f"{where}: needs a pattern (the paths it applies to, e.g. \"news/*.csv\")")
        sources.append(_config(entry, where, base=defaults_raw))
    exclude = data.get("exclude", [])
    if not isinstance(exclude, list) or not all(isinstance(p, str) for p in exclude):
        raise SourcesError(f"{path}: exclude must be a list of path patterns")
    return SourceRegistry(
        sources=tuple(sources),
        default=default,
        exclude=tuple(exclude),
        limits=_limits(data.get("limits", {}), path),
        path=path,
    )


def _config(entry: dict[str, Any], where: str, base: dict[str, Any] | None) -> SourceConfig:
    merged = {**(base or {}), **entry}
    if base is not None and "mapping" in base and "mapping" in entry:
        merged["mapping"] = {**base["mapping"], **entry["mapping"]}
    for key, value in merged.items():
        if key not in _TYPES:
            raise SourcesError(
                f"{where}: unknown key {key!r}{_did_you_mean(key, _TYPES)}; allowed: {', '.join(_TYPES)}"
            )
        if not isinstance(value, _TYPES[key]):
            expected = " or ".join(t.__name__ for t in _TYPES[key])
            raise SourcesError(f"{where}: {key} must be a {expected}, not {type(value).__name__}")
    if "format" in merged and merged["format"] not in FORMATS:
        raise SourcesError(f"{where}: format must be one of {', '.join(FORMATS)}, not {merged['format']!r}")
    if "timezone" in merged:
        try:
            ZoneInfo(merged["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise SourcesError(
                f"{where}: unknown time zone {merged['timezone']!r}; use an IANA name like "
                "\"UTC\" or \"America/New_York\""
            ) from None
    if "encoding" in merged:
        try:
            codecs.lookup(merged["encoding"])
        except LookupError:
            raise SourcesError(f"{where}: unknown encoding {merged['encoding']!r}") from None
    if "delimiter" in merged and len(merged["delimiter"]) != 1:
        raise SourcesError(f"{where}: delimiter must be one character")
    if "columns" in merged and not all(isinstance(c, str) for c in merged["columns"]):
        raise SourcesError(f"{where}: columns must be a list of column names")
    mapping = merged.get("mapping", {})
    for key, value in mapping.items():
        if key not in ALIASES:
            raise SourcesError(
                f"{where}: mapping names unknown field {key!r}{_did_you_mean(key, ALIASES)}; "
                f"fields: {', '.join(ALIASES)}"
            )
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        if not ok:
            raise SourcesError(f"{where}: mapping.{key} must be a column name or a list of them")
    try:
        return SourceConfig(**merged)
    except (TypeError, ValueError) as exc:
        raise SourcesError(f"{where}: {exc}") from None


def _did_you_mean(key: str, allowed) -> str:
    """`` (did you mean 'timezone'?)`` for a misspelt key, empty when nothing is close.

    >>> _did_you_mean("timezon", _TYPES), _did_you_mean("zzz", _TYPES)
    (" (did you mean 'timezone'?)", '')
    """
    close = difflib.get_close_matches(str(key), list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _limits(raw: Any, path: str) -> ReadLimits:
    if not isinstance(raw, dict):
        raise SourcesError(f"{path}: [limits] must be a table")
    allowed = {f.name for f in dataclasses.fields(ReadLimits)}
    for key, value in raw.items():
        if key not in allowed:
            raise SourcesError(f"{path} [limits]: unknown key {key!r}{_did_you_mean(key, allowed)}; "
                               f"allowed: {', '.join(sorted(allowed))}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise SourcesError(f"{path} [limits]: {key} must be a positive number")
    return dataclasses.replace(DEFAULT_LIMITS, **raw)


__all__ = [
    "SourceRegistry",
    "SourcesError",
    "load_sources",
    "parse_sources",
]
