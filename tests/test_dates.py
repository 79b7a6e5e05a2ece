"""parse_date: a table of real-world date formats, with the UTC instant each must give.

Each expected instant was worked out by hand from the value and its zone, not taken
from the parser's output. ``NOW`` pins "the present" so that future dates are judged
the same way on every run.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fakenews_csv_rows
from transforms.dates import ParsedDate, parse_date

NOW = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)
ASSUMED_UTC = "date:assumed-tz:UTC"

# (value, default_tz, expected UTC ISO string or None, tz as given, assumed_tz, note)
CASES: list[tuple[object, str, str | None, str | None, bool, str | None]] = [
    # ISO 8601 with offsets
    ("2014-11-23T16:00:00Z", "UTC", "2014-11-23T16:00:00+00:00", "Z", False, None),
    ("2014-11-23T16:00:00.000Z", "UTC", "2014-11-23T16:00:00+00:00", "Z", False, None),
    ("2014-11-23T16:00:00+05:30", "UTC", "2014-11-23T10:30:00+00:00", "+05:30", False, None),
    ("2014-11-23T16:00:00-05:00", "UTC", "2014-11-23T21:00:00+00:00", "-05:00", False, None),
    ("2014-11-23T16:00:00.123-05:00", "UTC", "2014-11-23T21:00:00.123000+00:00", "-05:00",
     False, None),
    ("2014-11-23T16:00:00+0530", "UTC", "2014-11-23T10:30:00+00:00", "+0530", False, None),
    ("2014-11-23 16:00:00 +05:30", "UTC", "2014-11-23T10:30:00+00:00", "+05:30", False, None),
    ("20141123T160000Z", "UTC", "2014-11-23T16:00:00+00:00", "Z", False, None),
    # ISO 8601 without offsets: the default zone applies and is flagged
    ("2014-11-23T16:00:00", "UTC", "2014-11-23T16:00:00+00:00", None, True, ASSUMED_UTC),
    ("2014-11-23 16:00:00", "UTC", "2014-11-23T16:00:00+00:00", None, True, ASSUMED_UTC),
    ("2014-11-23T16:00", "UTC", "2014-11-23T16:00:00+00:00", None, True, ASSUMED_UTC),
    ("2018-01-25 16:17:44.789555", "UTC", "2018-01-25T16:17:44.789555+00:00", None, True,
     ASSUMED_UTC),  # FakeNewsCorpus scraped_at
    ("2014-07-04T12:00:00", "America/New_York", "2014-07-04T16:00:00+00:00", None, True,
     "date:assumed-tz:America/New_York"),  # EDT in July
    ("2014-11-23 16:00", "America/New_York", "2014-11-23T21:00:00+00:00", None, True,
     "date:assumed-tz:America/New_York"),  # EST in November
    ("2014-07-04 12:00", "Europe/London", "2014-07-04T11:00:00+00:00", None, True,
     "date:assumed-tz:Europe/London"),
    ("2014-01-15 12:00", "Europe/Berlin", "2014-01-15T11:00:00+00:00", None, True,
     "date:assumed-tz:Europe/Berlin"),
    ("2014-11-23 16:00:00", "Asia/Kolkata", "2014-11-23T10:30:00+00:00", None, True,
     "date:assumed-tz:Asia/Kolkata"),
    # date-only values (midnight in the default zone)
    ("2014-11-23", "UTC", "2014-11-23T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("2014-11-23", "America/New_York", "2014-11-23T05:00:00+00:00", None, True,
     "date:assumed-tz:America/New_York"),
    ("November 26, 2026", "UTC", "2026-11-26T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("26 Nov 2026", "UTC", "2026-11-26T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("23.11.2014", "UTC", "2014-11-23T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("2014/11/23", "UTC", "2014-11-23T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("20141123", "UTC", "2014-11-23T00:00:00+00:00", None, True, ASSUMED_UTC),
    ("23/11/2014", "UTC", "2014-11-23T00:00:00+00:00", None, True, ASSUMED_UTC),
    # RFC 2822
    ("Sun, 23 Nov 2014 16:00:00 -0500", "UTC", "2014-11-23T21:00:00+00:00", "-0500", False,
     None),
    ("Sun, 23 Nov 2014 16:00:00 +0000", "UTC", "2014-11-23T16:00:00+00:00", "+0000", False,
     None),
    ("Sun, 23 Nov 2014 16:00:00 GMT", "UTC", "2014-11-23T16:00:00+00:00", "GMT", False, None),
    ("Sun, 23 Nov 2014 16:00:00 -0500 (EST)", "UTC", "2014-11-23T21:00:00+00:00", "-0500",
     False, None),
    ("23 Nov 2014 16:00 +0100", "UTC", "2014-11-23T15:00:00+00:00", "+0100", False, None),
    # date(1) output with zone abbreviations
    ("Sun Nov 23 16:00:00 EDT 2014", "UTC", "2014-11-23T20:00:00+00:00", "EDT", False, None),
    ("Sun Nov 23 16:00:00 EST 2014", "UTC", "2014-11-23T21:00:00+00:00", "EST", False, None),
    ("Sun Nov 23 16:00:00 CST 2014", "UTC", "2014-11-23T22:00:00+00:00", "CST", False, None),
    ("Sun Nov 23 16:00:00 CDT 2014", "UTC", "2014-11-23T21:00:00+00:00", "CDT", False, None),
    ("Sun Nov 23 16:00:00 MST 2014", "UTC", "2014-11-23T23:00:00+00:00", "MST", False, None),
    ("Sun Nov 23 16:00:00 PST 2014", "UTC", "2014-11-24T00:00:00+00:00", "PST", False, None),
    ("Sun Nov 23 16:00:00 PDT 2014", "UTC", "2014-11-23T23:00:00+00:00", "PDT", False, None),
    ("Sun Nov 23 16:00:00 UTC 2014", "UTC", "2014-11-23T16:00:00+00:00", "UTC", False, None),
    ("Mon Jul 14 09:30:00 BST 2014", "UTC", "2014-07-14T08:30:00+00:00", "BST", False, None),
    ("Mon Jul 14 09:30:00 CEST 2014", "UTC", "2014-07-14T07:30:00+00:00", "CEST", False, None),
    ("Mon Jan 13 09:30:00 CET 2014", "UTC", "2014-01-13T08:30:00+00:00", "CET", False, None),
    # A zone abbreviation overrides the default zone
    ("Sun Nov 23 16:00:00 EST 2014", "Asia/Tokyo", "2014-11-23T21:00:00+00:00", "EST", False,
     None),
    # Reuters-21578
    ("26-FEB-1987 15:01:01.79", "UTC", "1987-02-26T15:01:01.790000+00:00", None, True,
     ASSUMED_UTC),
    # Prose and newspaper styles
    ("Nov. 23, 2014, 4:05 PM ET", "UTC", "2014-11-23T21:05:00+00:00", "ET", False, None),
    ("Jul. 4, 2014, 4:05 p.m. ET", "UTC", "2014-07-04T20:05:00+00:00", "ET", False, None),
    ("Thursday, November 26, 2026 10:15 AM EST", "UTC", "2026-11-26T15:15:00+00:00", "EST",
     False, None),
    ("Sunday 23 November 2014 16.00 GMT", "UTC", "2014-11-23T16:00:00+00:00", "GMT", False,
     None),  # the Guardian
    ("Monday 14 July 2014 09.30 BST", "UTC", "2014-07-14T08:30:00+00:00", "BST", False, None),
    ("Updated: 23 Nov 2014 16:00 CET", "UTC", "2014-11-23T15:00:00+00:00", "CET", False, None),
    ("12:00 GMT+3, 23 Nov 2014", "UTC", "2014-11-23T09:00:00+00:00", "GMT+3", False, None),
    ("23 Nov 2014 12:00 UTC-05:00", "UTC", "2014-11-23T17:00:00+00:00", "UTC-05:00", False,
     None),
    ("11/23/2014 4:00 PM", "UTC", "2014-11-23T16:00:00+00:00", None, True, ASSUMED_UTC),
    ("11/23/14 4:00 pm PST", "UTC", "2014-11-24T00:00:00+00:00", "PST", False, None),
    ("20141123160000", "UTC", "2014-11-23T16:00:00+00:00", None, True, ASSUMED_UTC),
    # Unix epochs: UTC by definition, so no zone was given and none was assumed
    ("1416776400", "UTC", "2014-11-23T21:00:00+00:00", None, False, None),
    (1416776400, "America/New_York", "2014-11-23T21:00:00+00:00", None, False, None),
    ("1416776400000", "UTC", "2014-11-23T21:00:00+00:00", None, False, None),
    (1416776400123, "UTC", "2014-11-23T21:00:00.123000+00:00", None, False, None),
    (1416776400.5, "UTC", "2014-11-23T21:00:00.500000+00:00", None, False, None),
    # An unknown zone is kept as given, and the default zone is assumed and flagged
    ("23 Nov 2014 16:00 XYZ", "UTC", "2014-11-23T16:00:00+00:00", "XYZ", True,
     "date:unknown-tz:XYZ"),
    # Implausible: year 0, far past, the future
    ("0000-00-00 00:00:00", "UTC", None, None, False, "date:implausible"),
    ("0001-01-01T00:00:00Z", "UTC", None, "Z", False, "date:implausible"),
    ("1066-10-14", "UTC", None, None, True, "date:implausible"),
    ("2031-01-01", "UTC", None, None, True, "date:implausible"),
    ("Nov 28 2026", "UTC", None, None, True, "date:implausible"),
    ("3014-01-01T00:00:00Z", "UTC", None, "Z", False, "date:implausible"),
    (0, "UTC", None, None, False, "date:implausible"),
    (99999999999999, "UTC", None, None, False, "date:implausible"),
    # Garbage and values that are not a whole date (dateutil would invent the rest)
    ("12", "UTC", None, None, False, "date:unparseable"),
    ("2014", "UTC", None, None, False, "date:unparseable"),
    ("November 2014", "UTC", None, None, False, "date:unparseable"),
    ("Monday", "UTC", None, None, False, "date:unparseable"),
    ("16:00", "UTC", None, None, False, "date:unparseable"),
    ("yesterday", "UTC", None, None, False, "date:unparseable"),
    ("3 hours ago", "UTC", None, None, False, "date:unparseable"),
    ("10 20 30", "UTC", None, None, False, "date:unparseable"),
    ("hello world", "UTC", None, None, False, "date:unparseable"),
    ("Posted by admin", "UTC", None, None, False, "date:unparseable"),
    ("31 Feb 2014", "UTC", None, None, False, "date:unparseable"),
    ("2014-13-45", "UTC", None, None, False, "date:unparseable"),
    ("On 23 Nov 2014 the minister said that " + "x" * 80, "UTC", None, None, False,
     "date:unparseable"),
    (True, "UTC", None, None, False, "date:unparseable"),
    (float("nan"), "UTC", None, None, False, "date:unparseable"),
]


@pytest.mark.parametrize(("value", "default_tz", "utc", "tz", "assumed", "note"), CASES,
                         ids=[repr(c[0])[:40] for c in CASES])
def test_date_table(value, default_tz, utc, tz, assumed, note):
    got = parse_date(value, default_tz=default_tz, now=NOW)
    assert (got.utc.isoformat() if got.utc else None) == utc
    assert got.tz == tz
    assert got.assumed_tz is assumed
    assert got.note == note
    assert got.raw == (value if isinstance(value, str) else str(value))
    if got.utc is not None:
        assert got.utc.tzinfo is not None and got.utc.utcoffset().total_seconds() == 0


def test_table_holds_every_case():
    # Counts known exactly: 83 cases, 60 of them parseable; a case lost in an edit shows here.
    assert (len(CASES), sum(1 for c in CASES if c[2] is not None)) == (83, 60)


@pytest.mark.parametrize("value", [None, "", "   \n"])
def test_absent_date_is_empty_without_a_note(value):
    assert parse_date(value, now=NOW) == ParsedDate(None, None, None, False, None)


def test_date_only_is_marked():
    assert parse_date("2014-11-23", now=NOW).date_only is True
    assert parse_date("26 Nov 2026", now=NOW).date_only is True
    assert parse_date("2014-11-23T16:00:00Z", now=NOW).date_only is False
    assert parse_date("Sun, 23 Nov 2014 16:00:00 GMT", now=NOW).date_only is False


def test_dayfirst_reads_european_numeric_dates():
    assert parse_date("03/04/2014", now=NOW).utc == datetime(2014, 3, 4, tzinfo=UTC)
    assert parse_date("03/04/2014", now=NOW, dayfirst=True).utc == datetime(2014, 4, 3, tzinfo=UTC)


def test_future_is_judged_against_now():
    # The same value is plausible once "now" has passed it.
    assert parse_date("2031-01-01", now=NOW).utc is None
    later = datetime(2032, 1, 1, tzinfo=UTC)
    assert parse_date("2031-01-01", now=later).utc == datetime(2031, 1, 1, tzinfo=UTC)


def test_missing_parts_are_never_filled_from_today():
    # dateutil alone turns "12" into the 12th of the current month.
    for value in ("12", "Nov 23", "23 November", "16:30 GMT"):
        assert parse_date(value, now=NOW).utc is None, value


def test_datetime_values_are_accepted():
    aware = datetime(2014, 11, 23, 16, 0, tzinfo=UTC)
    assert parse_date(aware, now=NOW).utc == aware
    naive = parse_date(datetime(2014, 11, 23, 16, 0), default_tz="America/New_York", now=NOW)
    assert naive.utc == datetime(2014, 11, 23, 21, 0, tzinfo=UTC)
    assert naive.assumed_tz


def test_unknown_default_zone_is_an_error():
    with pytest.raises(ValueError, match="Mars/Olympus"):
        parse_date("2014-11-23 16:00", default_tz="Mars/Olympus", now=NOW)


@pytest.mark.corpus
def test_fakenewscorpus_scraped_at_all_parse():
    rows = fakenews_csv_rows()
    parsed = [parse_date(r["scraped_at"]) for r in rows]
    assert all(p.utc is not None and p.utc.year == 2018 for p in parsed)
    # The corpus gives no zone, so every one is assumed and flagged.
    assert all(p.assumed_tz and p.tz is None and p.note == ASSUMED_UTC for p in parsed)


_DATEISH = st.text(alphabet=st.sampled_from(list("0123456789 -:/.,+TZESTGMTapmNovJanSun()")),
                   max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), _DATEISH, st.integers(), st.floats()))
def test_never_raises_and_never_returns_a_naive_or_implausible_date(value):
    got = parse_date(value, now=NOW)
    if got.utc is not None:
        assert got.utc.utcoffset().total_seconds() == 0
        assert 1800 <= got.utc.year and got.utc <= NOW + timedelta(days=1)
    else:
        assert got.note in (None, "date:unparseable", "date:implausible")


def test_values_of_other_types_are_unparseable_not_errors():
    got = parse_date({"date": "2014-11-23"}, now=NOW)
    assert got.utc is None and got.note == "date:unparseable" and got.raw == "{'date': '2014-11-23'}"
    assert parse_date("2014-11-23 16:00", default_tz=None, now=NOW).note == ASSUMED_UTC


@pytest.mark.parametrize("value", [
    "27-MAR-1987 00:02:59.13&#5;&#5;&#5;",
    "27-MAR-1987 00:02:59.13\x05\x05",
    "27-MAR-1987 00:02:59.13 &#22;&#22;&#1;f0312&#31;",
    "27-MAR-1987 00:02:59.13&#x1f;",
])
def test_a_timestamp_followed_by_control_junk_is_recovered_and_noted(value):
    parsed = parse_date(value, now=NOW)
    assert parsed.utc == datetime(1987, 3, 27, 0, 2, 59, 130000, tzinfo=UTC)
    assert parsed.raw == value  # kept as given
    assert parsed.notes == ("date:trailing-junk", "date:assumed-tz:UTC")


def test_junk_alone_or_text_before_it_is_still_no_date():
    assert parse_date("&#5;", now=NOW).notes == ("date:unparseable",)
    assert parse_date("no date&#5;", now=NOW).notes == ("date:unparseable",)
    assert parse_date("27-MAR-1987 00:02:59.13", now=NOW).notes == ("date:assumed-tz:UTC",)
