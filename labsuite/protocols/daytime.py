"""The daytime protocol (RFC 867): a server sends one line with the time and closes.

RFC 867 fixes no format, so real servers differ. This module writes two and reads many:

* our RFC 867 line, in the RFC's own example style, always in UTC::

      Wednesday, February 11, 2026 21:30:43-UTC\\r\\n

* the NIST line (``JJJJJ YR-MO-DA HH:MM:SS TT L H msADV UTC(NIST) OTM``), sent by the
  public NIST servers on port 13 with a newline before and after it::

      \\n61082 26-02-11 21:30:43 00 0 0 34.3 UTC(NIST) *\\n

Besides these, :func:`parse_daytime` reads the ctime line of Unix daytime servers and of the
course's own server (``Wed Feb 11 16:32:10 2026``, the server's *local* time, so its offset
from UTC is unknown), ISO 8601 (``2026-02-11T21:30:43Z``) and e-mail dates
(``Wed, 11 Feb 2026 21:30:43 +0000``).

Sans-IO: no sockets and no clock reads. Every time is an argument, so the tests can
check any date, including leap days and year ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Mapping, Optional, Tuple

#: A daytime reply is one short line; anything longer is something else.
MAX_REPLY_BYTES = 4096

#: Day 0 of the Modified Julian Date that starts every NIST line.
MJD_EPOCH = date(1858, 11, 17)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")

#: What each format is called when shown to a student.
FORMAT_NAMES = {
    "rfc867": "RFC 867 text (weekday, month day, year time-zone)",
    "nist": "NIST (day number, date, time, daylight saving, leap second, health, advance)",
    "ctime": "ctime (the server's local time, as Python's time.ctime() writes it)",
    "iso8601": "ISO 8601",
    "rfc2822": "e-mail date (RFC 2822)",
}

#: Time-zone names a daytime server may append, as offsets from UTC in hours.
ZONES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
         "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
         "MST": -7, "MDT": -6, "PST": -8, "PDT": -7}

#: NIST's health digit H.
NIST_HEALTH = {
    1: "its time may be wrong by up to 5 seconds",
    2: "its time is known to be wrong by more than 5 seconds",
    3: "a hardware or software failure has occurred, so the error in its time is unknown",
    4: "it is in maintenance mode, so its time is only good to about a second",
}

#: NIST's leap-second digit L.
NIST_LEAP = {
    1: "a leap second will be added at the end of this month (the last minute has 61 seconds)",
    2: "a second will be removed at the end of this month (the last minute has 59 seconds)",
    3: "the server's clock is not synchronised",
}


class DaytimeParseError(ValueError):
    """The reply is not a time this module can read; the message is one plain sentence."""


@dataclass(frozen=True)
class DaytimeReading:
    """What a daytime reply says.

    ``server_utc`` is None when the server gave only its local time with no time zone
    (the ctime format); ``server_local`` then holds that wall-clock time. ``resolution``
    is how finely the server wrote the time, in seconds (1.0 for whole seconds).
    """

    format: str
    line: str
    server_utc: Optional[datetime]
    server_local: Optional[datetime] = None
    resolution: float = 1.0
    fields: Mapping[str, object] = field(default_factory=dict)
    notes: Tuple[str, ...] = ()


# -- writing ----------------------------------------------------------------------------

def format_rfc867(dt: datetime) -> str:
    """``Wednesday, February 11, 2026 21:30:43-UTC`` plus CRLF: RFC 867's example style.

    Always UTC (a naive ``dt`` is taken as UTC) and in English whatever the computer's
    locale, so every client can read it.
    """
    dt = _as_utc(dt)
    return (f"{WEEKDAYS[dt.weekday()]}, {MONTHS[dt.month - 1]} {dt.day:02d}, {dt.year:04d} "
            f"{dt:%H:%M:%S}-UTC\r\n")


def format_nist(dt: datetime, leap: int = 0, health: int = 0, advance_ms: float = 0.0,
                dst: Optional[int] = None) -> str:
    """The NIST reply for ``dt``, with the newline NIST sends before and after the line.

    ``dst`` is the TT code; by default it is worked out with :func:`us_dst_code`.
    """
    dt = _as_utc(dt)
    mjd = modified_julian_day(dt.date())
    if not 0 <= mjd <= 99999:
        raise ValueError(f"{dt.date()} has no five-digit Modified Julian Day number")
    if leap not in (0, 1, 2, 3) or not 0 <= health <= 9 or not 0 <= advance_ms < 10000:
        raise ValueError("leap must be 0-3, health 0-9 and advance_ms 0-9999.9")
    tt = us_dst_code(dt.date()) if dst is None else dst
    if not 0 <= tt <= 99:
        raise ValueError("the daylight-saving code must be 00-99")
    return (f"\n{mjd:05d} {dt:%y-%m-%d %H:%M:%S} {tt:02d} {leap} {health} "
            f"{advance_ms:.1f} UTC(NIST) *\n")


def modified_julian_day(day: date) -> int:
    """Days since 17 November 1858, the day count NIST puts first (2026-02-11 is 61082)."""
    return day.toordinal() - MJD_EPOCH.toordinal()


def us_dst_code(day: date) -> int:
    """NIST's TT code: 00 standard time, 50 daylight saving time, counting down near a change.

    In March it runs 50 + days left (51 on the day of the change); in November it runs
    1 + days left (1 on the day). US rules since 2007: second Sunday in March to first
    Sunday in November. NIST changes at 2 a.m. local time; this counts whole UTC days.
    """
    start, end = _nth_sunday(day.year, 3, 2), _nth_sunday(day.year, 11, 1)
    if day.month == 3 and day <= start:
        return 51 + (start - day).days
    if day.month == 11 and day <= end:
        return 1 + (end - day).days
    return 50 if start < day < end else 0


def _nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def _as_utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


# -- reading ----------------------------------------------------------------------------

def decode_daytime(data: bytes) -> str:
    """The reply as text; invalid UTF-8 becomes replacement characters, never an error.

    More than :data:`MAX_REPLY_BYTES` is refused: a time fits in one short line.
    """
    if len(data) > MAX_REPLY_BYTES:
        raise DaytimeParseError(
            f"This is not a daytime reply: more than {MAX_REPLY_BYTES} bytes arrived, "
            "but a time fits in one short line.")
    return data.decode("utf-8", errors="replace")


def parse_daytime(text: str, received_utc: datetime) -> DaytimeReading:
    """Read the time from a daytime reply.

    Blank lines and surrounding spaces are ignored; the first line in a known format
    wins. ``received_utc`` (this computer's clock when the reply arrived) is only used to
    say how far off a time without a time zone is.
    """
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise DaytimeParseError("The reply was empty: the server sent no time.")
    for line in lines[:50]:
        for parser in _PARSERS:
            reading = parser(line, _as_utc(received_utc))
            if reading is not None:
                return reading
    raise DaytimeParseError(
        f'The reply is not a date and time this program recognises: "{printable(text.strip())}".')


def printable(text: str, limit: int = 120) -> str:
    """``text`` on one line, control characters shown as escapes, cut at ``limit``."""
    shown = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return shown + ("…" if len(text) > limit else "")


_Parser = Callable[[str, datetime], Optional[DaytimeReading]]

_TIME = r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)?"

_NIST = re.compile(
    r"(?P<mjd>\d{5,6})\s+(?P<yy>\d{2})-(?P<month>\d{2})-(?P<day>\d{2})\s+" + _TIME
    + r"\s+(?P<tt>\d{2})\s+(?P<leap>\d)\s+(?P<health>\d)\s+(?P<advance>\d{1,4}(?:\.\d+)?)"
    r"\s+UTC\(NIST\)(?:\s*(?P<otm>[*#]))?", re.IGNORECASE)

_RFC867 = re.compile(
    r"(?:(?P<weekday>[a-z]+),?\s+)?(?P<month>[a-z]+)\.?\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4}),?\s+"
    + _TIME + r"(?:\s*-\s*(?P<zone>[a-z]{1,5})|\s*(?P<numeric>[+-]\d{2}:?\d{2})"
    r"|\s+(?P<named>[a-z]{1,5}))?",
    re.IGNORECASE)

_CTIME = re.compile(
    r"(?P<weekday>[a-z]{3})\s+(?P<month>[a-z]{3})\s+(?P<day>\d{1,2})\s+" + _TIME
    + r"(?:\s+(?P<zone>[a-z]{1,5}|[+-]\d{2}:?\d{2}))?\s+(?P<year>\d{4})", re.IGNORECASE)

_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[t ]\s*" + _TIME
    + r"\s*(?P<zone>z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)

_RFC2822 = re.compile(
    r"(?:(?P<weekday>[a-z]{3}),?\s+)?(?P<day>\d{1,2})\s+(?P<month>[a-z]{3})\s+"
    r"(?P<year>\d{4}|\d{2})\s+"
    + _TIME + r"(?:\s*(?P<zone>[a-z]{1,5}|[+-]\d{4}))?", re.IGNORECASE)


def _parse_nist(line: str, received_utc: datetime) -> Optional[DaytimeReading]:
    match = _NIST.fullmatch(line)
    if not match:
        return None
    mjd = int(match["mjd"])
    expected = MJD_EPOCH + timedelta(days=mjd)
    given = (int(match["yy"]), int(match["month"]), int(match["day"]))
    if given != (expected.year % 100, expected.month, expected.day):
        raise DaytimeParseError(
            f"The reply looks like a NIST time, but its day number {mjd} is {expected} while "
            f"its date says {match['yy']}-{match['month']}-{match['day']}: "
            f'the line is damaged ("{printable(line)}").')
    leap, health = int(match["leap"]), int(match["health"])
    notes = []
    if health:
        meaning = NIST_HEALTH.get(health, "its time may be off")
        notes.append(f"The server says its time may be off (health {health}: {meaning}).")
    if leap:
        notes.append(f"Leap second code {leap}: {NIST_LEAP.get(leap, 'unknown code')}.")
    fields = {"mjd": mjd, "dst": int(match["tt"]), "leap": leap, "health": health,
              "advance_ms": float(match["advance"]), "on_time_marker": match["otm"] or ""}
    return _reading("nist", line, match, expected.year, int(match["month"]), received_utc,
                    offset=timedelta(0), fields=fields, notes=notes)


def _parse_rfc867(line: str, received_utc: datetime) -> Optional[DaytimeReading]:
    match = _RFC867.fullmatch(line)
    if not match or _month_number(match["month"]) is None:
        return None
    if match["weekday"] and _weekday_number(match["weekday"]) is None:
        return None
    offset, notes = _zone(match["zone"] or match["numeric"] or match["named"])
    return _reading("rfc867", line, match, int(match["year"]), _month_number(match["month"]),
                    received_utc, offset, notes=notes)


def _parse_ctime(line: str, received_utc: datetime) -> Optional[DaytimeReading]:
    match = _CTIME.fullmatch(line)
    if not match or _month_number(match["month"]) is None:
        return None
    if _weekday_number(match["weekday"]) is None:
        return None
    offset, notes = _zone(match["zone"])
    return _reading("ctime", line, match, int(match["year"]), _month_number(match["month"]),
                    received_utc, offset, notes=notes)


def _parse_iso(line: str, received_utc: datetime) -> Optional[DaytimeReading]:
    match = _ISO.fullmatch(line)
    if not match:
        return None
    offset, notes = _zone(match["zone"])
    return _reading("iso8601", line, match, int(match["year"]), int(match["month"]),
                    received_utc, offset, notes=notes)


def _parse_rfc2822(line: str, received_utc: datetime) -> Optional[DaytimeReading]:
    match = _RFC2822.fullmatch(line)
    if not match or _month_number(match["month"]) is None:
        return None
    if match["weekday"] and _weekday_number(match["weekday"]) is None:
        return None
    year = int(match["year"])
    if len(match["year"]) == 2:  # RFC 2822's rule for old two-digit years
        year += 2000 if year < 50 else 1900
    offset, notes = _zone(match["zone"])
    return _reading("rfc2822", line, match, year, _month_number(match["month"]),
                    received_utc, offset, notes=notes)


_PARSERS: Tuple[_Parser, ...] = (_parse_nist, _parse_rfc867, _parse_ctime, _parse_iso,
                                 _parse_rfc2822)


def _reading(fmt: str, line: str, match: re.Match, year: int, month: int, received_utc: datetime,
             offset: Optional[timedelta], fields: Optional[dict] = None,
             notes: Optional[list] = None) -> DaytimeReading:
    """Build the reading from a matched line: check the date, place it in UTC if we can."""
    notes = list(notes or [])
    fields = dict(fields or {})
    wall, resolution = _wall_clock(line, match, year, month, notes)
    weekday = match.groupdict().get("weekday")
    if weekday and _weekday_number(weekday) != wall.weekday():
        notes.append(f"The server says {weekday}, but {wall:%Y-%m-%d} "
                     f"is a {WEEKDAYS[wall.weekday()]}.")
    if offset is None:
        _guess_zone(wall, received_utc, fields, notes)
        return DaytimeReading(fmt, line, None, wall, resolution, fields, tuple(notes))
    try:
        server_utc = (wall - offset).replace(tzinfo=timezone.utc)
    except OverflowError:
        raise _out_of_range(line) from None
    return DaytimeReading(fmt, line, server_utc, None, resolution, fields, tuple(notes))


def _wall_clock(line: str, match: re.Match, year: int, month: int, notes: list):
    """The date and time as written (naive), and how finely the seconds were given."""
    hour, minute = int(match["hour"]), int(match["minute"])
    second = int(match["second"] or 0)
    fraction = match["fraction"] or ""
    resolution = 60.0 if match["second"] is None else 10.0 ** -len(fraction)
    leap_second = second == 60
    try:
        wall = datetime(year, month, int(match["day"]), hour, minute, 59 if leap_second else second,
                        int(fraction.ljust(6, "0")[:6]) if fraction else 0)
    except ValueError:
        raise DaytimeParseError(
            f'The reply names a date or time that does not exist: "{printable(line)}".') from None
    if leap_second:
        notes.append("The server sent second 60: a leap second.")
        try:
            wall += timedelta(seconds=1)
        except OverflowError:
            raise _out_of_range(line) from None
    return wall, resolution


def _out_of_range(line: str) -> DaytimeParseError:
    """Dates at the very edge of the calendar cannot be moved to UTC or past a leap second."""
    return DaytimeParseError(f'The reply names a date too close to year 1 or 9999 to '
                             f'place in UTC: "{printable(line)}".')


def _guess_zone(wall: datetime, received_utc: datetime, fields: dict, notes: list) -> None:
    """Say what the clock difference would be if the server is in the nearest time zone."""
    notes.append("The server sent its local time without a time zone, so its offset from "
                 "UTC, and the clock difference, cannot be known exactly.")
    apart = (wall.replace(tzinfo=timezone.utc) - received_utc).total_seconds()
    zone_minutes = round(apart / 900) * 15
    if abs(zone_minutes) > 14 * 60:
        return
    fields["zone_guess_minutes"] = zone_minutes
    fields["offset_if_zone_guess"] = apart - zone_minutes * 60
    hours, minutes = divmod(abs(zone_minutes), 60)
    sign = "-" if zone_minutes < 0 else "+"
    notes.append(f"If the server is in time zone UTC{sign}{hours:02d}:{minutes:02d} (the nearest "
                 f"one), its clock is {apart - zone_minutes * 60:+.1f} s from this computer's.")


def _zone(text: Optional[str]) -> Tuple[Optional[timedelta], list]:
    """The zone's offset from UTC, or None (with a note) when it is missing or unknown."""
    if not text:
        return None, []
    if text[0] in "+-":
        digits = text[1:].replace(":", "").ljust(4, "0")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            return None, [f"The time zone {text!r} is not a real offset."]
        offset = timedelta(hours=hours, minutes=minutes)
        return (-offset if text[0] == "-" else offset), []
    hours = ZONES.get(text.upper())
    if hours is None:
        return None, [f"The time zone {text!r} is not one this program knows."]
    return timedelta(hours=hours), []


def _month_number(name: str) -> Optional[int]:
    return _name_number(name, MONTHS, 1)


def _weekday_number(name: str) -> Optional[int]:
    return _name_number(name, WEEKDAYS, 0)


def _name_number(name: str, names: Tuple[str, ...], first: int) -> Optional[int]:
    """The index of a full or three-letter English name (any case)."""
    lowered = name.lower()
    for number, full in enumerate(names, start=first):
        if lowered in (full.lower(), full[:3].lower()):
            return number
    return None
