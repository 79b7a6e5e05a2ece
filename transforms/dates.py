"""Publication dates: parse what sources give, convert to UTC, keep what was given.

Sources give dates as ISO 8601, RFC 2822 mail dates, ``date(1)`` output, Reuters-style
``26-FEB-1987 15:01:01.79``, prose ("November 26, 2026") and unix epochs in seconds or
milliseconds. ``parse_date`` turns each into a tz-aware UTC datetime and keeps the raw
value and the zone as given, so nothing is lost and every guess is visible:

- a time without a zone takes ``default_tz`` (the source's configured zone) and says so;
- a value that is not a date, or names an impossible one (year 0, a date in the future),
  gives ``utc=None`` and a note, never an exception: a bad date never rejects an article.

``python-dateutil`` does the parsing of free-form values, but it happily fills missing
parts from today's date ("12" becomes the 12th of this month). Every value is therefore
parsed against two different default dates: a part that changes with the default was
not in the value, and a value missing its year, month or day is not a date.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as _dateutil_parser
from dateutil.parser import UnknownTimezoneWarning

# The notes ``parse_date`` gives, recorded in an article's ``fixes``; a name ending in ":"
# is a family, completed by the zone (``date:assumed-tz:UTC``).
IMPLAUSIBLE = "date:implausible"
UNPARSEABLE = "date:unparseable"
ASSUMED_TZ = "date:assumed-tz:"
UNKNOWN_TZ = "date:unknown-tz:"
# Control characters (or their entities, "&#5;") after the date, and whatever follows
# them, were cut off: "27-MAR-1987 00:02:59.13&#5;&#5;" is parsed as its timestamp.
TRAILING_JUNK = "date:trailing-junk"
NOTES: tuple[str, ...] = (IMPLAUSIBLE, UNPARSEABLE, ASSUMED_TZ, UNKNOWN_TZ, TRAILING_JUNK)


@dataclass(frozen=True)
class ParsedDate:
    """The outcome of parsing one date value.

    ``utc``: tz-aware UTC datetime, or None when unparseable or implausible.
    ``raw``: the value as given (``str(value)`` for numbers), for ``published_raw``.
    ``tz``: the offset or zone as given ("+05:00", "-0500", "EDT", "Z"); None when none was.
    ``assumed_tz``: True when no zone was given and ``default_tz`` was applied.
    ``note``: a ``fixes`` entry when something was off ("date:unparseable", ...).
    ``date_only``: True when the value had a date but no time of day (midnight is used).
    """

    utc: datetime | None
    raw: str | None
    tz: str | None
    assumed_tz: bool
    note: str | None
    date_only: bool = False
    trailing_junk: bool = False  # junk after the date was cut off before parsing

    @property
    def notes(self) -> tuple[str, ...]:
        """Every ``fixes`` entry for this date: ``TRAILING_JUNK`` first, then ``note``.

        >>> parse_date("27-MAR-1987 00:02:59.13&#5;&#5;").notes
        ('date:trailing-junk', 'date:assumed-tz:UTC')
        """
        return ((TRAILING_JUNK,) if self.trailing_junk else ()) + ((self.note,) if self.note else ())


def _fixed(hours: float) -> timezone:
    return timezone(timedelta(hours=hours))


# Zone abbreviations seen in news dates. Abbreviations are ambiguous world-wide; where
# two zones share one, the one news sources mean most often wins (noted inline).
# Generic names (ET, PT, ...) are real zones, so their offset follows daylight saving.
TZINFOS: dict[str, tzinfo] = {
    # Universal
    "UTC": UTC, "UT": UTC, "GMT": UTC, "Z": UTC, "ZULU": UTC,
    # North America
    "EST": _fixed(-5), "EDT": _fixed(-4), "CST": _fixed(-6),  # CST: US Central, not China
    "CDT": _fixed(-5), "MST": _fixed(-7), "MDT": _fixed(-6), "PST": _fixed(-8),
    "PDT": _fixed(-7), "AKST": _fixed(-9), "AKDT": _fixed(-8), "HST": _fixed(-10),
    "HDT": _fixed(-9), "AST": _fixed(-4), "ADT": _fixed(-3),  # AST: Atlantic, not Arabia
    "NST": _fixed(-3.5), "NDT": _fixed(-2.5),
    "ET": ZoneInfo("America/New_York"), "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"), "PT": ZoneInfo("America/Los_Angeles"),
    # Europe
    "WET": _fixed(0), "WEST": _fixed(1), "BST": _fixed(1),  # BST: British Summer Time
    "IST": _fixed(5.5),  # India Standard Time: far more common in news than Irish/Israel
    "CET": _fixed(1), "CEST": _fixed(2), "MET": _fixed(1), "MEST": _fixed(2),
    "MEZ": _fixed(1), "MESZ": _fixed(2), "EET": _fixed(2), "EEST": _fixed(3),
    "MSK": _fixed(3),
    # Asia-Pacific
    "PKT": _fixed(5), "ICT": _fixed(7), "WIB": _fixed(7), "HKT": _fixed(8), "SGT": _fixed(8),
    "AWST": _fixed(8), "PHT": _fixed(8), "JST": _fixed(9), "KST": _fixed(9),
    "ACST": _fixed(9.5), "ACDT": _fixed(10.5), "AEST": _fixed(10), "AEDT": _fixed(11),
    "NZST": _fixed(12), "NZDT": _fixed(13),
}

# Dates outside this window are placeholders or typos, not publication dates.
MIN_YEAR = 1800
# Clock skew and embargoed stories: a date up to a day ahead of "now" is still kept.
FUTURE_SLACK = timedelta(days=1)
# Longer values are text, not dates; refuse them before dateutil spends time on them.
MAX_LENGTH = 80

_EMPTY = ParsedDate(None, None, None, False, None)
_DEFAULTS = (datetime(1904, 1, 1, 0, 0, 0, 0), datetime(1908, 2, 2, 1, 1, 1, 1))

_ISO_LIKE = re.compile(r"^\d{4}-?\d{2}-?\d{2}(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?"
                       r"\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$", re.IGNORECASE)
_EPOCH = re.compile(r"^[+-]?\d{9,19}(?:\.\d+)?$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?$")
# A zone written right after a time: "16:00:00-0500", "16:00Z", "16:00:00.123+05:30".
_GLUED_ZONE = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)(?![\d:])",
                         re.IGNORECASE)
_ISO_ZONE = re.compile(r"\d(Z|[+-]\d{2}(?::?\d{2})?)$", re.IGNORECASE)
_OFFSET_TOKEN = re.compile(r"^(?:UTC|GMT)?[+-]\d{1,2}(?::?\d{2})?$", re.IGNORECASE)
# "GMT+3" means three hours ahead of GMT; POSIX (and so dateutil) reads it backwards.
_GMT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b", re.IGNORECASE)
_LABEL = re.compile(r"^(?:(?:last\s+)?(?:published|updated|posted|modified|created|date[d]?)"
                    r"(?:\s+(?:on|at))?\s*:?\s*)+", re.IGNORECASE)
_AM_PM = re.compile(r"\b([ap])\.\s?m\.?(?=\s|$|,)", re.IGNORECASE)
# "16.00 GMT" (the Guardian's style): a dotted time only counts before am/pm or a zone.
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})(?=\s*(?:[ap]m\b|[A-Z]{2,5}\b|[+-]\d{2}))")
_MONTHS = re.compile(r"\b(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
                     r"|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b",
                     re.IGNORECASE)
_YEAR4 = re.compile(r"(?<!\d)\d{4}(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<!\d)\d{1,2}[/.-]\d{1,2}[/.-]\d{2}(?!\d)")
# A control character, or the numeric entity of one, and everything after it.
_JUNK = re.compile(r"(?:[\x00-\x08\x0b-\x1f\x7f-\x9f]|&#(?:0*(?:[0-9]|[12][0-9]|3[01]|12[7-9]|1[3-5][0-9])"
                   r"|x0*(?:[0-1]?[0-9a-f]|[89][0-9a-f]));).*$", re.IGNORECASE | re.DOTALL)
# Year zero ("0000-00-00 00:00:00" is how MySQL says "no date"), not a "+0000" offset.
_ZERO_YEAR = re.compile(r"(?<![+\d])(?<!\d-)0000(?!\d)")


def _failed(raw: str, text: str) -> ParsedDate:
    """A value that did not parse: implausible when it names year 0, else unparseable."""
    note = IMPLAUSIBLE if _ZERO_YEAR.search(text) else UNPARSEABLE
    return ParsedDate(None, raw, None, False, note)


def _zone(name: str) -> tzinfo:
    if name.upper() in ("UTC", "GMT", "Z"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone for default_tz: {name!r}") from exc


def _check(utc: datetime, raw: str, tz: str | None, assumed: bool, note: str | None,
           date_only: bool, now: datetime) -> ParsedDate:
    """Apply the plausibility window; a date outside it is dropped with a note."""
    if utc.year < MIN_YEAR or utc > now + FUTURE_SLACK:
        return ParsedDate(None, raw, tz, assumed, IMPLAUSIBLE, date_only)
    return ParsedDate(utc, raw, tz, assumed, note, date_only)


def _from_epoch(number: float, raw: str, now: datetime) -> ParsedDate:
    # Pick the unit by magnitude: 1e11 seconds is the year 5138, 1e11 ms is 1973.
    magnitude = abs(number)
    for limit, scale in ((1e17, 1e9), (1e14, 1e6), (1e11, 1e3), (0, 1)):
        if magnitude >= limit:
            seconds = number / scale
            break
    # Epochs before 1973 are almost always 0 or a small counter standing in for "unknown".
    if abs(seconds) < 1e8:
        return ParsedDate(None, raw, None, False, IMPLAUSIBLE)
    try:
        utc = datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return ParsedDate(None, raw, None, False, IMPLAUSIBLE)
    return _check(utc, raw, None, False, None, False, now)


def _zone_as_given(text: str) -> str | None:
    """The zone exactly as written in ``text``: "-0500", "+05:30", "Z", "EDT", "GMT+3"."""
    m = _ISO_ZONE.search(text) if _ISO_LIKE.match(text) else _GLUED_ZONE.search(text)
    if m:
        return m.group(1)
    for token in text.replace(",", " ").split():
        bare = token.strip("()[]")
        if _OFFSET_TOKEN.match(bare) or bare.upper() in TZINFOS:
            return bare
    return None


def _dateutil(text: str, dayfirst: bool) -> tuple[datetime, bool, str | None] | None:
    """Parse with dateutil against two defaults; None when year, month or day is missing.

    Returns the datetime, whether the time of day was missing, and the name of a zone
    that was written but is not known (so the caller can say so rather than guess).
    """
    results = []
    unknown_zone = None
    for default in _DEFAULTS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UnknownTimezoneWarning)
            try:
                dt = _dateutil_parser.parse(text, default=default, dayfirst=dayfirst,
                                            tzinfos=TZINFOS)
            except (ValueError, OverflowError, TypeError):
                return None
        for w in caught:
            if issubclass(w.category, UnknownTimezoneWarning):
                m = re.search(r"tzname (\S+) identified", str(w.message))
                unknown_zone = m.group(1) if m else "?"
        results.append(dt)
    a, b = results
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None
    date_only = (a.hour, a.minute) != (b.hour, b.minute)
    if date_only:
        a = a.replace(hour=0, minute=0, second=0, microsecond=0)
    elif a.second != b.second:
        a = a.replace(second=0, microsecond=0)
    elif a.microsecond != b.microsecond:
        a = a.replace(microsecond=0)
    return a, date_only, unknown_zone


def _prepare(text: str) -> str:
    """Rewrite the spellings dateutil gets wrong into ones it gets right."""
    text = _LABEL.sub("", text)
    text = _AM_PM.sub(lambda m: m.group(1) + "m", text)
    text = _DOTTED_TIME.sub(r"\1:\2", text)

    def offset(m: re.Match[str]) -> str:
        return f" {m.group(1)}{int(m.group(2)):02d}:{m.group(3) or '00'}"

    return _GMT_OFFSET.sub(offset, text)


def parse_date(
    value: str | int | float | datetime | date | None,
    default_tz: str | None = "UTC",
    now: datetime | None = None,
    dayfirst: bool = False,
) -> ParsedDate:
    """Parse a publication date into UTC, keeping the raw value and the zone as given.

    ``default_tz`` (an IANA name such as "America/New_York", or "UTC") applies to values
    without a zone, and such results are flagged. ``now`` bounds plausible dates (tests
    pin it). ``dayfirst`` reads "03/04/2014" as 3 April (European sources).

    >>> parse_date("Sun, 23 Nov 2014 16:00:00 -0500").utc.isoformat()
    '2014-11-23T21:00:00+00:00'
    """
    now = now or datetime.now(UTC)
    default_tz = default_tz or "UTC"
    if value is None or isinstance(value, bool):
        return _EMPTY if value is None else ParsedDate(None, str(value), None, False,
                                                       UNPARSEABLE)
    if isinstance(value, datetime):
        raw = value.isoformat()
        if value.tzinfo is not None:
            return _check(value.astimezone(UTC), raw, value.strftime("%z") or None,
                          False, None, False, now)
        zone = _zone(default_tz)
        return _check(value.replace(tzinfo=zone).astimezone(UTC), raw, None, True,
                      f"{ASSUMED_TZ}{default_tz}", False, now)
    if isinstance(value, date):
        value = value.isoformat()
    if isinstance(value, int | float):
        raw = str(value)
        if value != value or value in (float("inf"), float("-inf")):
            return ParsedDate(None, raw, None, False, UNPARSEABLE)
        return _from_epoch(float(value) if isinstance(value, float) else value, raw, now)

    if not isinstance(value, str):
        # A JSON object or list where a date should be: keep it as text, parse nothing.
        return ParsedDate(None, str(value), None, False, UNPARSEABLE)
    raw = value
    junk = _JUNK.search(value)
    if junk and value[: junk.start()].strip():
        parsed = parse_date(value[: junk.start()], default_tz, now, dayfirst)
        return replace(parsed, raw=raw, trailing_junk=parsed.utc is not None)
    text = " ".join(value.split())
    if not text:
        return _EMPTY
    if len(text) > MAX_LENGTH:
        return ParsedDate(None, raw, None, False, UNPARSEABLE)
    if _EPOCH.match(text) and not _COMPACT.match(text):
        return _from_epoch(float(text) if "." in text else int(text), raw, now)

    dt: datetime | None = None
    date_only = False
    unknown_zone: str | None = None
    compact = _COMPACT.match(text)
    if compact:
        # "20141123" / "20141123160000" (Wayback-style stamps): never an epoch.
        y, mo, d, h, mi, s = (int(g) if g else 0 for g in compact.groups())
        try:
            dt = datetime(y, mo, d, h, mi, s)
        except ValueError:
            return _failed(raw, text)
        date_only = compact.group(4) is None
    elif _ISO_LIKE.match(text):
        try:
            dt = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
            date_only = len(text) <= 10
        except ValueError:
            dt = None
    if dt is None:
        prepared = _prepare(text)
        if not (_MONTHS.search(prepared) or _YEAR4.search(prepared)
                or _NUMERIC_DATE.search(prepared)):
            # Without a year or a month name, dateutil can only invent one.
            return _failed(raw, text)
        parsed = _dateutil(prepared, dayfirst)
        if parsed is None:
            return _failed(raw, text)
        dt, date_only, unknown_zone = parsed

    if dt.tzinfo is not None and dt.utcoffset() is not None:
        tz_given = _zone_as_given(text)
        if tz_given is None:
            tz_given = dt.strftime("%z") or None
        return _check(dt.astimezone(UTC), raw, tz_given, False, None, date_only, now)

    zone = _zone(default_tz)
    local = dt.replace(tzinfo=zone)
    if unknown_zone:
        return _check(local.astimezone(UTC), raw, unknown_zone, True,
                      f"{UNKNOWN_TZ}{unknown_zone}", date_only, now)
    return _check(local.astimezone(UTC), raw, None, True, f"{ASSUMED_TZ}{default_tz}",
                  date_only, now)
