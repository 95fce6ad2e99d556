"""Judging what a daytime server (RFC 867) sent: one line with the date and time, then close."""

from __future__ import annotations

from datetime import datetime

from labsuite.protocols.daytime import (FORMAT_NAMES, DaytimeParseError, decode_daytime,
                                        parse_daytime)

from .model import Verdict, fail, ok, quoted


def reply_complete(data: bytes) -> bool:
    """True once a non-blank line has ended: what a daytime client may stop reading at
    (the NIST line starts with a newline of its own, so a blank start does not count)."""
    end = data.rfind(b"\n")
    return end >= 0 and bool(data[:end].strip())


def judge_time(data: bytes, received_utc: datetime, closed: bool, waited: float) -> Verdict:
    """Did ``data`` hold a recognisable date and time? The clock difference is reported,
    not judged (a lab machine's clock may be off)."""
    if not data.strip():
        if closed:
            return fail("The server closed the connection without sending anything.",
                        "A daytime server sends one line with the date and time as soon as a "
                        "client connects, e.g. conn.sendall((time.ctime() + '\\r\\n').encode()), "
                        "and then closes the connection.")
        return fail(f"The server sent nothing within {waited:g} seconds of the connection.",
                    "A daytime server does not wait for the client to say anything: send the "
                    "time right after accept().")
    try:
        reading = parse_daytime(decode_daytime(data), received_utc)
    except DaytimeParseError as exc:
        return fail(f"The server sent {quoted(data, 100)}, which holds no date and time this "
                    f"checker recognises ({exc}).",
                    "Send the date and the time, e.g. time.ctime() ('Wed Feb 11 16:32:10 2026') "
                    "or the RFC 867 style 'Wednesday, February 11, 2026 21:30:43-UTC', "
                    "followed by \\r\\n.")
    form = FORMAT_NAMES.get(reading.format, reading.format)
    return ok(f"The server sent {quoted(data.strip(), 100)}: {form}. "
              f"{clock_note(reading, received_utc)}")


def clock_note(reading, received_utc: datetime) -> str:
    """How far the server's clock is from this computer's, in words."""
    if reading.server_utc is not None:
        apart = (reading.server_utc - received_utc).total_seconds()
        return f"Its clock is {apart:+.1f} s from this computer's."
    guess = reading.fields.get("offset_if_zone_guess")
    if guess is None:
        return "It gave no time zone, so its clock cannot be compared with this computer's."
    return (f"It gave its local time without a time zone; in the nearest time zone its clock "
            f"is {guess:+.1f} s from this computer's.")


def judge_closed(data: bytes, closed: bool, waited: float) -> Verdict:
    if closed:
        return ok(f"The server sent {len(data):,} bytes and closed the connection, so a "
                  "client that reads until the end finishes.")
    return fail(f"The server sent {quoted(data.strip(), 60) if data.strip() else 'nothing'} but "
                f"did not close the connection within {waited:g} seconds, so a client that reads "
                "until the end (like telnet, or a loop on recv()) waits for ever.",
                "Close the connection after sending the time: conn.close(). The end of the "
                "connection is how a daytime client knows the reply is complete.")
