"""The pure judges of the client checks: what a client printed and sent in, verdicts out."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

import pytest

from labsuite.protocols import chat as protocol
from labsuite.protocols.check import chat_client as chat
from labsuite.protocols.check.client import (CONNECT_HINT, ClientRun, broken, crash_note,
                                             ending_problem, last_lines, line_list, shown)
from labsuite.protocols.check.daytime_client import (date_forms, judge_daytime_client,
                                                     shows_date, time_shown)
from labsuite.protocols.check.echo_client import LINES, judge_echo_client, pieces_of
from labsuite.protocols.daytime import format_nist

pytestmark = pytest.mark.timeout(30)

MOMENT = datetime(2026, 2, 11, 21, 30, 43, tzinfo=timezone.utc)
REPLY = format_nist(MOMENT).encode()
TRACEBACK = ("Traceback (most recent call last):\n  File \"c.py\", line 9, in <module>\n"
             "    date = fields[1]\nIndexError: list index out of range\n")


def ran(printed="", errors="", connected=True, ended=True, returncode=0, waited=3.0):
    return ClientRun(printed, errors, connected, ended, returncode if ended else None, waited,
                     "127.0.0.1:40000")


def pieces(data: bytes, size: int = 4):
    return [data[i:i + size] for i in range(0, len(data), size)]


# -- reading output ----------------------------------------------------------------------------
def test_a_text_is_shown_in_any_words_around_it():
    lines = ["==> hot dog: hello there", "hello", "there: hello there!"]
    assert shown("hello there", lines) == [0, 2]


@pytest.mark.parametrize("line", ["Hell", "o in s", "==> hot dog: Hello in", "pieces and more",
                                  "  mall piec  "])
def test_a_line_with_only_a_part_of_the_text_is_a_piece(line):
    assert broken("Hello in small pieces", [line]) == [line]


@pytest.mark.parametrize("line", ["Hello in small pieces", "", "   ", "==> cool cat joined",
                                  "x", "Connected to 127.0.0.1 port 5000"])
def test_whole_lines_and_other_lines_are_not_pieces(line):
    assert broken("Hello in small pieces", [line]) == []


def test_output_is_quoted_escaped_and_cut_for_explanations():
    assert line_list([]) == "nothing" and line_list(["", "  "]) == "nothing"
    assert line_list(["a\x1b[2Jb"]) == '"a\\x1b[2Jb"'
    assert line_list([str(n) for n in range(6)], limit=2) == '"0", "1" and 4 more lines'


# -- crashes and endings ----------------------------------------------------------------------
def test_a_crash_is_a_traceback_or_a_failing_exit_status():
    assert ran(errors=TRACEBACK).crashed
    assert ran(errors="Exception in thread Thread-1:\n" + TRACEBACK, returncode=0).crashed
    assert ran(returncode=1).crashed and ran(returncode=-9).crashed
    assert not ran(returncode=0).crashed
    assert not ran(ended=False).crashed  # stopped by the checker: not its own doing


def test_a_crash_note_shows_the_last_lines_of_stderr_escaped():
    note = crash_note(ran(errors="noise\n" * 20 + "\x1b[31mred\n" + TRACEBACK, returncode=1))
    lines = note.split("\n")
    assert lines[0] == " It crashed; the last lines it wrote to stderr:"
    assert lines[-1] == "    IndexError: list index out of range"
    assert len(lines) == 1 + 8 and "\x1b" not in note and "\\x1b[31mred" in note
    assert crash_note(ran(returncode=3)) == (" It ended with exit status 3 and wrote nothing to "
                                             "stderr.")
    assert crash_note(ran()) == ""
    assert last_lines("a\n\n\nb\n") == ["a", "b"]


def test_ending_problems():
    assert ending_problem(ran(), "after x") is None
    hung = ending_problem(ran(ended=False, waited=2.0), "after its input ended")
    assert not hung.passed and "did not end within 2 s after its input ended" in hung.explanation
    assert "daemon=True" in hung.hint
    crashed = ending_problem(ran(errors=TRACEBACK, returncode=1), "after x")
    assert "It crashed" in crashed.explanation and "traceback" in crashed.hint


# -- daytime --------------------------------------------------------------------------------------
def test_the_date_may_be_written_many_ways():
    day = date(2026, 2, 1)
    for printed in ("26-02-01", "2026-02-01", "1/2/2026", "01/02/2026", "2/1/2026", "1.2.2026",
                    "Feb 1", "1 February", "February 01", "feb 1, 2026"):
        assert shows_date(printed, [day]), printed
    for printed in ("26-02-11", "Feb 11", "11/2/2026", "2026-02-10", "21:30:43"):
        assert not shows_date(printed, [day]), printed
    assert "26-02-01" in date_forms(day)


@pytest.mark.parametrize("printed, found", [
    ("time is 21:30:43 (UTC)", "exact"), ("22:30:43 CET", "converted"),
    ("9:30:43 PM", "converted"), ("03:00:43 IST", "converted"), ("21:30:44", None),
    ("21:31:43", None), ("121:30:43", None), ("no time", None)])
def test_the_time_may_be_converted_but_keeps_its_minutes_and_seconds(printed, found):
    assert time_shown(printed, MOMENT) == found


def test_a_client_that_prints_the_date_and_time_passes():
    run = ran("Date is 26-02-11, time is 21:30:43 (UTC)\n")
    verdict = judge_daytime_client(REPLY, [REPLY], run, MOMENT)
    assert verdict.passed, verdict
    assert "Date is 26-02-11, time is 21:30:43 (UTC)" in verdict.explanation
    in_pieces = judge_daytime_client(REPLY, pieces(REPLY), run, MOMENT)
    assert in_pieces.passed and "although it arrived in 12 pieces" in in_pieces.explanation


def test_a_converted_time_may_be_a_day_off():
    verdict = judge_daytime_client(REPLY, [REPLY], ran("12 February 2026, 03:00:43 IST"), MOMENT)
    assert verdict.passed and "converted" in verdict.explanation


@pytest.mark.parametrize("printed, missing", [
    ("Date is 26-02-11", "which does not show the time (21:30:43)"),
    ("21:30:43", "which does not show the date (26-02-11)"),
    ("hello", "the date (26-02-11) or the time (21:30:43)")])
def test_what_is_missing_is_named(printed, missing):
    verdict = judge_daytime_client(REPLY, [REPLY], ran(printed), MOMENT)
    assert verdict.passed is False and missing in verdict.explanation
    assert "fields[1]" in verdict.hint


def test_the_first_piece_alone_is_explained_with_the_pieces():
    run = ran(errors=TRACEBACK, returncode=1)
    verdict = judge_daytime_client(REPLY[:4], [REPLY[:4]], run, MOMENT)
    assert verdict.passed is False
    assert verdict.explanation.startswith(
        'The server sent its reply a few bytes at a time, and your client closed the connection '
        'after 1 piece ("\\n610")')
    assert "IndexError: list index out of range" in verdict.explanation
    assert "until it returns b''" in verdict.hint
    partial = judge_daytime_client(REPLY, pieces(REPLY), ran("Date is 26-02-11, time is 21:3"),
                                   MOMENT)
    assert partial.passed is False and '"\\n610" + "82 2" + ' in partial.explanation
    assert "until it returns b''" in partial.hint


def test_printing_the_time_is_not_enough_when_the_client_hangs_or_crashes():
    hung = judge_daytime_client(REPLY, [REPLY], ran("26-02-11 21:30:43", ended=False), MOMENT)
    assert hung.passed is False and "did not end" in hung.explanation
    crashed = judge_daytime_client(REPLY, [REPLY], ran("26-02-11 21:30:43", TRACEBACK, True, True,
                                                       1), MOMENT)
    assert crashed.passed is False and "It crashed" in crashed.explanation


def test_a_client_that_never_connected_is_told_how_to_take_the_port():
    verdict = judge_daytime_client(b"", [], ran("usage: c.py", connected=False, returncode=2),
                                   MOMENT)
    assert verdict.passed is False and verdict.hint == CONNECT_HINT
    assert verdict.explanation.startswith("Your client never connected to the reference server "
                                          "at 127.0.0.1:40000.")
    waiting = judge_daytime_client(b"", [], ran(connected=False, ended=False, waited=5), MOMENT)
    assert "within 5 s; it printed nothing" in waiting.explanation


# -- echo -----------------------------------------------------------------------------------------
SENT = "".join(line + "\n" for line in LINES).encode()


def test_every_echo_printed_in_order_passes():
    printed = "".join(f"Echo: {line}\n" for line in LINES)
    assert judge_echo_client(LINES, SENT, ran(printed)).passed
    also_sent = "".join(f"> {line}\n{line}\n" for line in LINES)  # printing what it sends is fine
    assert judge_echo_client(LINES, SENT, ran(also_sent)).passed
    in_pieces = judge_echo_client(LINES, SENT, ran(printed), piece=4)
    assert in_pieces.passed and "4 bytes at a time" in in_pieces.explanation


def test_an_echo_printed_in_pieces_fails_and_shows_the_pieces():
    verdict = judge_echo_client(LINES[:1], SENT, ran("Hell\n"), piece=4)
    assert verdict.passed is False
    assert 'the server echoed it in 5 pieces; your client printed it in pieces instead: "Hell"' \
        in verdict.explanation
    assert "as many bytes back as you sent" in verdict.hint
    assert pieces_of("Hello", 4) == 2 and pieces_of("Hello", 0) == 1


def test_an_echo_out_of_order_fails_at_the_first_line_not_printed_after_the_one_before():
    swapped = "".join(f"{line}\n" for line in reversed(LINES))
    verdict = judge_echo_client(LINES, SENT, ran(swapped))
    assert verdict.passed is False
    assert verdict.explanation.startswith(f'"{LINES[1]}" was typed and sent, and the server '
                                          "echoed it at once; your client printed nothing")


def test_printing_without_sending_is_not_an_echo():
    printed = "".join(f"{line}\n" for line in LINES)
    local = judge_echo_client(LINES, b"", ran(printed))
    assert local.passed is False and "never sent it to the server" in local.explanation
    unsent = judge_echo_client(LINES, b"", ran(""))
    assert "never sent it to the server (within 3 s it printed nothing)" in unsent.explanation


def test_an_echo_client_must_end_when_its_input_does():
    printed = "".join(f"{line}\n" for line in LINES)
    hung = judge_echo_client(LINES, SENT, ran(printed, ended=False))
    assert hung.passed is False and "after its input ended" in hung.explanation
    early = judge_echo_client(LINES[:1], SENT, ran(printed), untyped=1)
    assert early.passed is False and "ended after 1 line, before the other 1 line" in \
        early.explanation


# -- chat -----------------------------------------------------------------------------------------
def test_add_is_read_as_the_server_reads_it():
    assert chat.judge_add(b"ADD cool cat\n", ran()).passed
    assert chat.judge_add(b"ADD  cool cat \r\nMESSAGE hi\n", ran()).passed
    other = chat.judge_add(b"ADD cool\n", ran())
    assert other.passed is False and "it would join as 'cool'" in other.explanation
    nothing = chat.judge_add(b"", ran(ended=False, waited=5))
    assert "sent nothing within 5 s of 'cool cat' being typed" in nothing.explanation
    untyped = chat.judge_add(b"", replace(ran(ended=False, waited=5), name_typed=False))
    assert "gave it the name 'cool cat' ({name}), so labsuite typed nothing" in \
        untyped.explanation and "leave {name} out" in untyped.hint
    unfinished = chat.judge_add(b"ADD cool cat", ran())
    assert "with no '\\n' at the end" in unfinished.explanation
    wrong = chat.judge_add(b"HELLO cool cat\n", ran())
    assert 'first line was "HELLO cool cat\\n"' in wrong.explanation


@pytest.mark.parametrize("lines, problem", [
    (["==> hot dog: x"], '"abc def" was not shown'),
    (["==> abc def", "==> abc def"], '"abc def" was shown 2 times'),
    (["==> hot dog: abc", "==> hot dog: abc def"], "shown whole, but also in pieces"),
    (["==> hot dog: abc", "def"], '"abc def" was shown only in pieces ("==> hot dog: abc", '
                                  '"def")'),
    (["==> hot dog: abc def", "==> cool cat: something else"], None)])
def test_a_message_must_be_shown_whole_exactly_once(lines, problem):
    found = chat.display_problem("abc def", lines)
    assert found == problem if problem is None else problem in found


def test_shows_messages_tells_of_both_halves():
    said = [protocol.Message(chat.NAME, chat.TYPED_LINE)]
    good = chat.judge_messages(ran(f"==> {chat.OTHER}: {chat.SAYS}\n"), said, b"MESSAGE I'm okay\n")
    assert good.passed
    both = chat.judge_messages(ran(""), [], b"")
    assert both.passed is False
    assert "was not shown. Then \"I'm okay\" was typed and the room never got it" in \
        both.explanation
    assert " Also: " in both.hint


def test_a_private_line_sent_to_everyone_is_named():
    printed = f"==> [private] {chat.OTHER}: {chat.WHISPER}\n"
    heard = [protocol.Message(chat.NAME, chat.PRIVATE_LINE)]
    verdict = chat.judge_private(ran(printed), heard, f"MESSAGE {chat.PRIVATE_LINE}\n".encode())
    assert verdict.passed is False
    assert "sent it to everyone as a MESSAGE" in verdict.explanation
    assert verdict.explanation.startswith(f"Your client showed {chat.OTHER}'s private message")
    right = chat.judge_private(ran(printed), [protocol.Private(chat.NAME, " Are you hungry?")],
                               b"PRIVATE hot dog\n Are you hungry?\n")
    assert right.passed
    wrong_name = chat.judge_private(ran(printed), [], b"PRIVATE hotdog\nAre you hungry?\n")
    assert "sent it to 'hotdog'" in wrong_name.explanation


def test_quit_must_be_sent_and_the_client_must_end():
    assert chat.judge_quit(ran(), b"QUIT\n").passed
    as_message = chat.judge_quit(ran(), b"MESSAGE quit\n")
    assert as_message.passed is False and "sent it as a message" in as_message.explanation
    hung = chat.judge_quit(ran(ended=False), b"QUIT\n")
    assert "after the server answered QUIT with GOODBYE" in hung.explanation
