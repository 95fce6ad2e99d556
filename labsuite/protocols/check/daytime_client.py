"""Judging a daytime client: do the date and the time the server sent appear in what it printed?

The reference server speaks the NIST format (``\\nJJJJJ YY-MM-DD HH:MM:SS ...\\n``), as
time.nist.gov does and as the course's first client expects. A client may print the date
and time as they came or in its own words: any usual way of writing that date counts, and
a time converted to another time zone (or to a 12-hour clock) counts too, as long as its
minutes and seconds agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Iterable, List, Optional, Sequence

from labsuite.protocols.daytime import (MONTHS, DaytimeParseError, decode_daytime,
                                        parse_daytime)

from .client import ClientRun, crash_note, ending_problem, line_list, never_connected, pieces_list
from .model import Verdict, count, fail, ok, quoted

READ_TO_THE_END = ("One recv() returns only what has arrived so far; here that was the first "
                   "piece of the line. Keep calling recv() and add up what it returns until it "
                   "returns b'' (the server closes the connection once the reply is complete), "
                   "then split and print the whole reply.")
FIELDS = ("The NIST line reads 'JJJJJ YY-MM-DD HH:MM:SS ...': once the whole reply is read, "
          "fields = reply.split() gives the date in fields[1] and the time in fields[2]. "
          "Print both.")
_TIME = re.compile(r"(?<!\d)(\d{1,2}):(\d{2}):(\d{2})(?!\d)")


def date_forms(day: date) -> List[str]:
    """Ways of writing ``day``: as NIST sends it (26-02-11), ISO, day/month/year, month/
    day/year, and with the month's name (Feb 11, 11 February)."""
    d, m, y = day.day, day.month, day.year
    forms = [f"{y % 100:02d}-{m:02d}-{d:02d}", f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}"]
    for sep in "/.-":
        for first, second in ((d, m), (m, d)):
            forms += [f"{first}{sep}{second}{sep}{y}", f"{first:02d}{sep}{second:02d}{sep}{y}"]
    for name in (MONTHS[m - 1], MONTHS[m - 1][:3]):
        forms += [f"{name} {d}", f"{name} {d:02d}", f"{d} {name}", f"{d:02d} {name}"]
    return forms


def shows_date(printed: str, days: Iterable[date]) -> bool:
    for day in days:
        for form in date_forms(day):
            if re.search(rf"(?<!\d){re.escape(form)}(?!\d)", printed, re.IGNORECASE):
                return True
    return False


def time_shown(printed: str, moment: datetime) -> Optional[str]:
    """"exact" when HH:MM:SS appears as sent, "converted" when a time with the same
    seconds and minutes a whole time zone away (or on a 12-hour clock) does, else None."""
    found = None
    for match in _TIME.finditer(printed):
        hour, minute, second = (int(part) for part in match.groups())
        if (hour, minute, second) == (moment.hour, moment.minute, moment.second):
            return "exact"
        if second == moment.second and (minute - moment.minute) % 15 == 0 and hour < 24:
            found = "converted"
    return found


def reply_moment(reply: bytes, received_utc: datetime) -> Optional[datetime]:
    """The UTC time a NIST reply gives, or None if it holds none."""
    try:
        return parse_daytime(decode_daytime(reply), received_utc).server_utc
    except DaytimeParseError:
        return None


def judge_daytime_client(reply: bytes, pieces: Sequence[bytes], run: ClientRun,
                         received_utc: datetime) -> Verdict:
    """``reply`` is what the server sent, in ``pieces``; more than one piece means this
    check sent it a few bytes at a time on purpose."""
    if not run.connected:
        return never_connected(run)
    moment = reply_moment(reply, received_utc)
    if moment is None:  # the reference server always sends a time: it was cut short
        return fail(f"The server sent its reply a few bytes at a time, and your client closed "
                    f"the connection after {count(len(pieces), 'piece')} ({pieces_list(pieces)}),"
                    f" before the rest had arrived.{crash_note(run)}", READ_TO_THE_END)
    printed = run.printed
    when = time_shown(printed, moment)
    days = [moment.date()] if when == "exact" else \
        [moment.date() + timedelta(days=shift) for shift in (-1, 0, 1)]
    has_date = shows_date(printed, days)
    sent = quoted(reply.strip(), 80)
    in_pieces = len(pieces) > 1
    arrival = f"in {count(len(pieces), 'piece')} ({pieces_list(pieces)})" if in_pieces else \
        "in one piece"
    if when and has_date:
        problem = ending_problem(run, "after the server closed the connection")
        if problem:
            return problem
        although = f", although it arrived {arrival}" if in_pieces else ""
        zone = " (converted to another time zone or clock)" if when == "converted" else ""
        return ok(f"Your client printed {line_list(run.lines(), 2)}: the date and the time{zone} "
                  f"of the server's reply {sent}{although}.")
    missing = " or ".join(part for part, there in (
        (f"the date ({moment:%y-%m-%d})", has_date), (f"the time ({moment:%H:%M:%S})", when))
        if not there)
    if any(line.strip() for line in run.lines()):
        saw = f"Your client printed {line_list(run.lines())}, which does not show {missing}."
    else:
        saw = "Your client printed nothing."
    return fail(f"The server sent {sent} {arrival}. {saw}{crash_note(run)}",
                READ_TO_THE_END if in_pieces else FIELDS)
