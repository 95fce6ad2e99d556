"""The daytime protocol: writing both formats, reading many, refusing garbage plainly."""

from __future__ import annotations

import email.utils
import random
from datetime import date, datetime, timedelta, timezone

import pytest

from labsuite.protocols.daytime import (MAX_REPLY_BYTES, DaytimeParseError, decode_daytime,
                                        format_nist, format_rfc867, modified_julian_day,
                                        parse_daytime, printable, us_dst_code)

UTC = timezone.utc
CLASS_LINE = "61082 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *"
CLASS_TIME = datetime(2026, 2, 11, 21, 30, 43, tzinfo=UTC)

EDGE_DATES = [
    datetime(1858, 11, 17, 0, 0, 0, tzinfo=UTC),  # MJD 0
    datetime(1899, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(1900, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(1900, 2, 28, 12, 0, 0, tzinfo=UTC),  # 1900 is not a leap year
    datetime(1900, 3, 1, 12, 0, 0, tzinfo=UTC),
    datetime(1970, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2000, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2000, 2, 29, 6, 7, 8, tzinfo=UTC),  # 2000 is
    datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC),
    datetime(2025, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 8, 1, 2, 3, tzinfo=UTC),
    datetime(2028, 2, 29, 0, 0, 1, tzinfo=UTC),
    datetime(2036, 2, 7, 6, 28, 16, tzinfo=UTC),
    datetime(2099, 12, 31, 23, 59, 59, tzinfo=UTC),
    datetime(2100, 3, 1, 0, 0, 0, tzinfo=UTC),
    datetime(2132, 8, 31, 23, 59, 59, tzinfo=UTC),  # MJD 99999, the last five-digit day
]


def random_dates(count, start_year=1860, end_year=2132, seed=867):
    rng = random.Random(seed)
    start = datetime(start_year, 1, 1, tzinfo=UTC)
    span = (datetime(end_year, 8, 31, tzinfo=UTC) - start).total_seconds()
    return [start + timedelta(seconds=rng.randrange(int(span))) for _ in range(count)]


def every_day(first, last):
    day = first
    while day <= last:
        yield datetime(day.year, day.month, day.day, 12, 34, 56, tzinfo=UTC)
        day += timedelta(days=1)


# -- Modified Julian Day and the NIST daylight-saving code -------------------------------------

@pytest.mark.parametrize("day, mjd", [
    (date(1858, 11, 17), 0),
    (date(1858, 11, 18), 1),
    (date(1900, 1, 1), 15020),
    (date(1970, 1, 1), 40587),
    (date(2000, 1, 1), 51544),
    (date(2026, 2, 11), 61082),
    (date(2132, 8, 31), 99999),
])
def test_modified_julian_day_known_values(day, mjd):
    assert modified_julian_day(day) == mjd


@pytest.mark.parametrize("day, code", [
    (date(2026, 1, 15), 0),
    (date(2026, 3, 1), 58),  # DST starts on Sunday 8 March 2026
    (date(2026, 3, 7), 52),
    (date(2026, 3, 8), 51),
    (date(2026, 3, 9), 50),
    (date(2026, 7, 4), 50),
    (date(2026, 10, 31), 50),
    (date(2026, 11, 1), 1),  # ... and ends on Sunday 1 November 2026
    (date(2026, 11, 2), 0),
    (date(2025, 11, 1), 2),  # ends on Sunday 2 November 2025
    (date(2025, 11, 2), 1),
    (date(2025, 12, 31), 0),
])
def test_us_dst_code(day, code):
    assert us_dst_code(day) == code


# -- writing -------------------------------------------------------------------------------------

def test_format_rfc867_exact_line():
    assert format_rfc867(CLASS_TIME) == "Wednesday, February 11, 2026 21:30:43-UTC\r\n"


def test_format_rfc867_converts_to_utc_and_takes_naive_as_utc():
    eastern = timezone(timedelta(hours=-5))
    same_moment = datetime(2026, 2, 11, 16, 30, 43, tzinfo=eastern)
    assert format_rfc867(same_moment) == format_rfc867(CLASS_TIME)
    assert format_rfc867(CLASS_TIME.replace(tzinfo=None)) == format_rfc867(CLASS_TIME)


def test_format_rfc867_pads_day_and_drops_microseconds():
    line = format_rfc867(datetime(2026, 11, 1, 3, 4, 5, 999999, tzinfo=UTC))
    assert line == "Sunday, November 01, 2026 03:04:05-UTC\r\n"


def test_format_nist_matches_the_class_example():
    assert format_nist(CLASS_TIME, advance_ms=34.3) == f"\n{CLASS_LINE}\n"


def test_format_nist_fields():
    text = format_nist(datetime(2026, 7, 4, 1, 2, 3, tzinfo=UTC), leap=1, health=2, advance_ms=45)
    assert text == "\n61225 26-07-04 01:02:03 50 1 2 45.0 UTC(NIST) *\n"
    assert format_nist(CLASS_TIME, dst=57).split()[3] == "57"


@pytest.mark.parametrize("kwargs", [
    {"leap": 4}, {"leap": -1}, {"health": 10}, {"health": -1},
    {"advance_ms": -0.1}, {"advance_ms": 10000}, {"dst": 100}, {"dst": -1},
])
def test_format_nist_rejects_impossible_fields(kwargs):
    with pytest.raises(ValueError):
        format_nist(CLASS_TIME, **kwargs)


def test_format_nist_rejects_dates_without_a_five_digit_day_number():
    with pytest.raises(ValueError):
        format_nist(datetime(1858, 11, 16, tzinfo=UTC))
    with pytest.raises(ValueError):
        format_nist(datetime(2132, 9, 1, tzinfo=UTC))


# -- round trips ---------------------------------------------------------------------------------

ROUND_TRIP_DATES = (EDGE_DATES + random_dates(400)
                    + list(every_day(date(2023, 12, 20), date(2025, 1, 10))))


@pytest.mark.parametrize("fmt, writer", [("rfc867", format_rfc867), ("nist", format_nist)])
def test_round_trip_format_then_parse(fmt, writer):
    for moment in ROUND_TRIP_DATES:
        reading = parse_daytime(writer(moment), moment)
        assert reading.format == fmt, moment
        assert reading.server_utc == moment.replace(microsecond=0), moment
        assert reading.server_utc.tzinfo is not None
        assert reading.notes == (), moment
        assert reading.resolution == 1.0
        if fmt == "nist":
            assert reading.fields["mjd"] == modified_julian_day(moment.date())
            assert reading.fields["dst"] == us_dst_code(moment.date())


def test_round_trip_nist_keeps_its_fields():
    reading = parse_daytime(format_nist(CLASS_TIME, leap=0, health=0, advance_ms=12.5), CLASS_TIME)
    assert reading.fields == {"mjd": 61082, "dst": 0, "leap": 0, "health": 0,
                              "advance_ms": 12.5, "on_time_marker": "*"}


def test_round_trip_ctime_as_written_by_python():
    for moment in EDGE_DATES[5:] + random_dates(100, start_year=1970, seed=13):
        local = moment.replace(tzinfo=None)
        reading = parse_daytime(local.ctime(), moment)
        assert reading.format == "ctime"
        assert reading.server_utc is None
        assert reading.server_local == local


def test_round_trip_email_dates():
    for moment in EDGE_DATES[2:] + random_dates(100, start_year=1901, seed=2822):
        reading = parse_daytime(email.utils.format_datetime(moment), moment)
        assert reading.format == "rfc2822"
        assert reading.server_utc == moment


def test_round_trip_iso_8601():
    for moment in EDGE_DATES + random_dates(100, seed=8601):
        moment = moment.replace(microsecond=250000)
        reading = parse_daytime(moment.isoformat(), moment)
        assert reading.format == "iso8601"
        assert reading.server_utc == moment
        assert reading.resolution == pytest.approx(1e-6)


# -- reading NIST --------------------------------------------------------------------------------

def test_parse_class_nist_line():
    reading = parse_daytime(f"\n{CLASS_LINE}\n", CLASS_TIME)
    assert reading.format == "nist"
    assert reading.server_utc == CLASS_TIME
    assert reading.line == CLASS_LINE
    assert reading.fields["advance_ms"] == 34.3
    assert reading.notes == ()


@pytest.mark.parametrize("text", [
    CLASS_LINE,
    f"\r\n\r\n   {CLASS_LINE}   \r\n\r\n",
    "61082  26-02-11  21:30:43  00  0  0  34.3  UTC(NIST)  *",
    "61082 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST)",
    "61082 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) #",
    "61082 26-02-11 21:30:43 00 0 0 34.3 utc(nist) *",
    "\t61082 26-02-11 21:30:43 00 0 0 34 UTC(NIST) *\t",
])
def test_parse_nist_variants(text):
    assert parse_daytime(text, CLASS_TIME).server_utc == CLASS_TIME


def test_parse_nist_uses_the_day_number_for_the_century():
    assert parse_daytime("15020 00-01-01 00:00:00 00 0 0 0.0 UTC(NIST) *",
                         CLASS_TIME).server_utc.year == 1900
    assert parse_daytime("51544 00-01-01 00:00:00 00 0 0 0.0 UTC(NIST) *",
                         CLASS_TIME).server_utc.year == 2000


@pytest.mark.parametrize("line", [
    "61083 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *",  # a day later than the date
    "61082 27-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *",
    "61082 26-02-30 21:30:43 00 0 0 34.3 UTC(NIST) *",  # not a date at all
    "00000 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *",
])
def test_parse_nist_day_number_must_match_the_date(line):
    with pytest.raises(DaytimeParseError, match="day number"):
        parse_daytime(line, CLASS_TIME)


def test_parse_nist_rejects_impossible_times():
    with pytest.raises(DaytimeParseError, match="does not exist"):
        parse_daytime("61082 26-02-11 24:30:43 00 0 0 34.3 UTC(NIST) *", CLASS_TIME)


@pytest.mark.parametrize("health", [1, 2, 3, 4, 7])
def test_parse_nist_health_flag_says_the_time_may_be_off(health):
    line = CLASS_LINE.replace(" 0 0 34.3", f" 0 {health} 34.3")
    reading = parse_daytime(line, CLASS_TIME)
    assert reading.server_utc == CLASS_TIME
    assert reading.fields["health"] == health
    assert any("may be off" in note for note in reading.notes)


def test_parse_nist_leap_second_warning():
    reading = parse_daytime(CLASS_LINE.replace(" 00 0 0 ", " 00 1 0 "), CLASS_TIME)
    assert reading.fields["leap"] == 1
    assert any("leap second" in note for note in reading.notes)


# -- reading RFC 867, ctime, ISO and e-mail dates ---------------------------------------------

def test_parse_rfc867_examples_from_the_rfc():
    reading = parse_daytime("Tuesday, February 22, 1982 17:37:43-PST", CLASS_TIME)
    assert reading.format == "rfc867"
    assert reading.server_utc == datetime(1982, 2, 23, 1, 37, 43, tzinfo=UTC)
    assert any("Monday" in note for note in reading.notes)  # the RFC's example has the wrong day
    reading = parse_daytime("02 FEB 82 07:59:01 PST", CLASS_TIME)
    assert reading.server_utc == datetime(1982, 2, 2, 15, 59, 1, tzinfo=UTC)


@pytest.mark.parametrize("text, expected", [
    ("Wednesday, February 11, 2026 21:30:43-UTC", CLASS_TIME),
    ("wednesday, february 11, 2026 21:30:43-utc", CLASS_TIME),
    ("Wed, Feb 11, 2026 21:30:43-GMT", CLASS_TIME),
    ("February 11, 2026 21:30:43 UTC", CLASS_TIME),
    ("Wednesday, February 11, 2026 16:30:43-EST", CLASS_TIME),
    ("Wednesday, February 11, 2026 22:30:43+0100", CLASS_TIME),
    ("Wednesday, February 11, 2026 21:30:43.5-UTC", CLASS_TIME.replace(microsecond=500000)),
])
def test_parse_rfc867_variants(text, expected):
    reading = parse_daytime(text, CLASS_TIME)
    assert reading.format == "rfc867"
    assert reading.server_utc == expected


def test_parse_ctime_is_local_time_with_a_zone_guess():
    received = datetime(2026, 2, 11, 21, 32, 10, 300000, tzinfo=UTC)
    reading = parse_daytime("Wed Feb 11 16:32:10 2026\n", received)
    assert reading.format == "ctime"
    assert reading.server_utc is None
    assert reading.server_local == datetime(2026, 2, 11, 16, 32, 10)
    assert reading.fields["zone_guess_minutes"] == -300
    assert reading.fields["offset_if_zone_guess"] == pytest.approx(-0.3)
    assert any("local time" in note for note in reading.notes)
    assert any("UTC-05:00" in note for note in reading.notes)


def test_parse_ctime_far_from_any_zone_makes_no_guess():
    reading = parse_daytime("Wed Feb 11 16:32:10 2026", CLASS_TIME + timedelta(days=3))
    assert reading.server_utc is None
    assert "zone_guess_minutes" not in reading.fields


@pytest.mark.parametrize("text, expected", [
    ("Wed Feb 11 21:30:43 UTC 2026", CLASS_TIME),
    ("Wed Feb 11 16:30:43 EST 2026", CLASS_TIME),
    ("Wed Feb 11 22:30:43 +0100 2026", CLASS_TIME),
    ("Sun Feb  1 21:30:43 UTC 2026", datetime(2026, 2, 1, 21, 30, 43, tzinfo=UTC)),
])
def test_parse_ctime_with_a_zone_is_utc(text, expected):
    assert parse_daytime(text, CLASS_TIME).server_utc == expected


def test_parse_unknown_zone_is_treated_as_local_time():
    reading = parse_daytime("Wed Feb 11 22:30:43 CET 2026", CLASS_TIME)
    assert reading.server_utc is None
    assert reading.server_local == datetime(2026, 2, 11, 22, 30, 43)
    assert any("'CET'" in note for note in reading.notes)


@pytest.mark.parametrize("text, expected", [
    ("2026-02-11T21:30:43Z", CLASS_TIME),
    ("2026-02-11t21:30:43z", CLASS_TIME),
    ("2026-02-11 21:30:43+00:00", CLASS_TIME),
    ("2026-02-11T22:30:43+01", CLASS_TIME),
    ("2026-02-12T03:00:43+0530", CLASS_TIME),
    ("2026-02-11T16:30:43-05:00", CLASS_TIME),
    ("2026-02-11 21:30:43 UTC", CLASS_TIME),
    ("2026-02-11T21:30:43,25Z", CLASS_TIME.replace(microsecond=250000)),
])
def test_parse_iso_8601(text, expected):
    reading = parse_daytime(text, CLASS_TIME)
    assert reading.format == "iso8601"
    assert reading.server_utc == expected


def test_parse_iso_8601_fraction_sets_the_resolution():
    assert parse_daytime("2026-02-11T21:30:43.25Z", CLASS_TIME).resolution == pytest.approx(0.01)
    assert parse_daytime("2026-02-11T21:30Z", CLASS_TIME).resolution == 60


def test_parse_iso_8601_without_zone_is_local_time():
    reading = parse_daytime("2026-02-11T21:30:43", CLASS_TIME)
    assert reading.server_utc is None
    assert reading.server_local == CLASS_TIME.replace(tzinfo=None)
    assert reading.fields["zone_guess_minutes"] == 0


@pytest.mark.parametrize("text, expected", [
    ("Wed, 11 Feb 2026 21:30:43 +0000", CLASS_TIME),
    ("Wed, 11 Feb 2026 21:30:43 -0000", CLASS_TIME),
    ("Wed, 11 Feb 2026 21:30:43 GMT", CLASS_TIME),
    ("11 Feb 2026 16:30:43 -0500", CLASS_TIME),
    ("Wed, 11 Feb 26 21:30:43 UT", CLASS_TIME),
    ("Wed 11 Feb 2026 21:30 GMT", CLASS_TIME.replace(second=0)),
])
def test_parse_email_dates(text, expected):
    reading = parse_daytime(text, CLASS_TIME)
    assert reading.format == "rfc2822"
    assert reading.server_utc == expected


def test_parse_leap_second():
    reading = parse_daytime("Saturday, December 31, 2016 23:59:60-UTC", CLASS_TIME)
    assert reading.server_utc == datetime(2017, 1, 1, tzinfo=UTC)
    assert any("leap second" in note for note in reading.notes)


def test_parse_wrong_weekday_is_a_note_not_an_error():
    reading = parse_daytime("Friday, February 11, 2026 21:30:43-UTC", CLASS_TIME)
    assert reading.server_utc == CLASS_TIME
    assert reading.notes == ("The server says Friday, but 2026-02-11 is a Wednesday.",)


def test_parse_first_recognised_line_wins():
    text = f"Welcome to the time service\r\n\r\n{CLASS_LINE}\r\nWed Feb 11 16:32:10 2026\r\n"
    assert parse_daytime(text, CLASS_TIME).format == "nist"


def test_parse_received_time_may_be_in_any_zone():
    eastern = CLASS_TIME.astimezone(timezone(timedelta(hours=-5)))
    reading = parse_daytime("Wed Feb 11 21:30:43 2026", eastern)
    assert reading.fields["zone_guess_minutes"] == 0


# -- refusing what is not a time ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "hello",
    "SSH-2.0-OpenSSH_9.6\r\n",
    "HTTP/1.1 400 Bad Request\r\n\r\n",
    "12:30",
    "2026-02-11",
    "61082 26-02-11 21:30:43",
    "Fooday, February 11, 2026 21:30:43-UTC",
    "Wed Smarch 11 21:30:43 2026",
    "\x00\x01\x02\x1b[2J",
    "\ufffd\ufffd61082 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *",
])
def test_unrecognised_replies_raise_a_plain_sentence_quoting_them(text):
    with pytest.raises(DaytimeParseError) as caught:
        parse_daytime(text, CLASS_TIME)
    message = str(caught.value)
    assert message.startswith("The reply is not a date and time this program recognises")
    assert printable(text.strip()) in message
    assert all(ch.isprintable() for ch in message)


@pytest.mark.parametrize("text", ["", "   ", "\r\n\r\n", " \t\n "])
def test_empty_replies(text):
    with pytest.raises(DaytimeParseError, match="empty"):
        parse_daytime(text, CLASS_TIME)


@pytest.mark.parametrize("text", [
    "2026-13-01T00:00:00Z",
    "2026-02-29T00:00:00Z",
    "Wed Feb 30 16:32:10 2026",
    "Wed Feb 11 25:32:10 2026",
    "Wednesday, February 11, 2026 21:61:43-UTC",
    "Wednesday, February 11, 2026 21:30:61-UTC",
])
def test_dates_that_do_not_exist(text):
    with pytest.raises(DaytimeParseError, match="does not exist"):
        parse_daytime(text, CLASS_TIME)


@pytest.mark.parametrize("text", [
    "Friday, December 31, 9999 23:59:60-UTC",
    "January 1, 0001 00:00:00 +0100",
    "9999-12-31T23:59:59-01:00",
    "0001-01-01T00:00:00+01:00",
    "Fri, 31 Dec 9999 23:59:59 -0100",
    "Fri Dec 31 23:59:60 9999",
])
def test_dates_at_the_edge_of_the_calendar_are_a_plain_parse_error(text):
    """A hostile server must not crash the client with datetime's OverflowError."""
    with pytest.raises(DaytimeParseError) as caught:
        parse_daytime(text, CLASS_TIME)
    message = str(caught.value)
    assert "year 1 or 9999" in message and text in message


@pytest.mark.parametrize("text", [
    "Friday, December 31, 9999 23:59:59-UTC",
    "9999-12-31T23:59:59+01:00",
    "0001-01-01T00:00:00Z",
    "Monday, January 1, 0001 00:00:00-UTC",
])
def test_dates_at_the_edge_that_fit_still_parse(text):
    assert parse_daytime(text, CLASS_TIME).server_utc.year in (1, 9999)


def test_leap_second_in_a_year_without_one_still_parses():
    """2021 had no leap second; reading it as the next second is fine, crashing is not."""
    reading = parse_daytime("Wednesday, June 30, 2021 23:59:60-UTC", CLASS_TIME)
    assert reading.server_utc == datetime(2021, 7, 1, tzinfo=UTC)
    assert any("leap second" in note for note in reading.notes)


def test_huge_text_fails_fast_with_a_short_message():
    for text in ("x" * 1_000_000, "1 " * 500_000, "Monday, " * 100_000, "\n" * 100_000 + "x"):
        with pytest.raises(DaytimeParseError) as caught:
            parse_daytime(text, CLASS_TIME)
        assert len(str(caught.value)) < 300


def test_every_prefix_of_a_reply_parses_or_raises_the_parse_error():
    for writer in (format_nist, format_rfc867):
        reply = writer(CLASS_TIME)
        for end in range(len(reply) + 1):
            try:
                reading = parse_daytime(reply[:end], CLASS_TIME)
            except DaytimeParseError:
                continue
            # a cut line may lose its zone ("... 21:30"), but never yields a wrong-looking time
            wall = reading.server_utc or reading.server_local.replace(tzinfo=UTC)
            assert CLASS_TIME - timedelta(minutes=1) < wall <= CLASS_TIME


def test_random_bytes_never_raise_anything_else():
    rng = random.Random(1)
    reply = format_nist(CLASS_TIME).encode()
    for _ in range(2000):
        data = bytearray(reply)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        try:
            reading = parse_daytime(decode_daytime(bytes(data)), CLASS_TIME)
        except DaytimeParseError:
            continue
        assert reading.format == "nist"


# -- bytes to text -------------------------------------------------------------------------------

def test_decode_daytime_replaces_invalid_utf8():
    text = decode_daytime(b"\xff\xfe" + f"\n{CLASS_LINE}\n".encode() + b"\xc3")
    assert "\ufffd" in text
    assert parse_daytime(text, CLASS_TIME).server_utc == CLASS_TIME


def test_decode_daytime_limits_the_size():
    assert len(decode_daytime(b"x" * MAX_REPLY_BYTES)) == MAX_REPLY_BYTES
    with pytest.raises(DaytimeParseError, match="not a daytime reply"):
        decode_daytime(b"x" * (MAX_REPLY_BYTES + 1))


def test_printable_escapes_controls_and_cuts_long_text():
    assert printable("a\r\nb\x00\x1b") == "a\\r\\nb\\x00\\x1b"
    assert printable("é\ufffd") == "é\ufffd"
    assert printable("x" * 200, limit=10) == "x" * 10 + "…"
