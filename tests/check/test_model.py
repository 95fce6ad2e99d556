"""The pure verdict model and judges: plain bytes in, verdicts out (no sockets, no clocks)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from labsuite.protocols import chat as protocol
from labsuite.protocols.check import chat, daytime, echo, web
from labsuite.protocols.check.model import (CATALOGUE, CHECKER, CLIENT_KINDS, NOTE, SERVER,
                                            SERVER_KINDS, CheckSpec, Outcome, Report,
                                            TranscriptLog, Verdict, describe, escape_bytes,
                                            fail, ok, quoted, skip, specs_for)
from labsuite.protocols.daytime import format_nist, format_rfc867

pytestmark = pytest.mark.timeout(30)

NOW = datetime(2026, 2, 11, 21, 30, 43, tzinfo=timezone.utc)


def prefixes(data: bytes):
    """``data`` cut at every byte: what a reader may hold after any recv()."""
    return [data[:end] for end in range(len(data) + 1)]


# -- the catalogue ----------------------------------------------------------------------------
def test_every_kind_has_its_checks_in_order_with_unique_ids():
    assert tuple(CATALOGUE) == SERVER_KINDS + CLIENT_KINDS
    assert CLIENT_KINDS == ("daytime-client", "echo-client", "chat-client")
    for kind, specs in CATALOGUE.items():
        ids = [spec.id for spec in specs]
        assert len(ids) == len(set(ids)), kind
        assert all(spec.title and spec.id == spec.id.lower() for spec in specs)
        risky = [spec.risky for spec in specs]
        assert risky == sorted(risky), f"{kind}: checks that may bring a server down run last"


def test_the_ids_named_by_the_interface_exist():
    wanted = {
        "daytime": {"connects", "sends-time", "closes", "many-clients"},
        "echo": {"connects", "echoes-line", "echoes-until-close", "large-message", "pieces",
                 "binary", "two-clients-at-once", "survives-reset"},
        "chat": {"join", "message", "private", "quit", "merged-commands", "split-command",
                 "vanish", "many-clients"},
        "web": {"connects", "get-root", "status-line", "content-length", "content-type",
                "not-found", "head", "traversal", "survives-garbage", "two-clients-at-once"},
        "daytime-client": {"prints-time", "pieces"},
        "echo-client": {"prints-echo", "pieces"},
        "chat-client": {"sends-add", "shows-messages", "merged-lines", "split-line", "private",
                        "sends-quit"},
    }
    for kind, ids in wanted.items():
        assert {spec.id for spec in specs_for(kind)} == ids


def test_an_unknown_kind_is_a_plain_error():
    with pytest.raises(ValueError, match="choose one of daytime, echo, chat, web, daytime-client"):
        specs_for("poker")


# -- reports -----------------------------------------------------------------------------------
REQUIRED = CheckSpec("a", "A")
OPTIONAL = CheckSpec("b", "B", required=False)


def report(*outcomes):
    return Report("echo", "127.0.0.1:8007", tuple(outcomes))


def test_a_report_passes_when_every_required_check_passed():
    assert report(Outcome.of(REQUIRED, ok("fine"))).passed
    assert report(Outcome.of(REQUIRED, ok("fine")), Outcome.of(OPTIONAL, fail("no", "h"))).passed
    assert not report(Outcome.of(REQUIRED, fail("no", "hint"))).passed
    assert not report(Outcome.of(REQUIRED, skip("not run"))).passed
    assert not report().passed
    assert not report(Outcome.of(OPTIONAL, ok("fine"))).passed  # nothing required ran


def test_counts_and_headline():
    done = report(Outcome.of(REQUIRED, ok("x")), Outcome.of(CheckSpec("c", "C"), fail("y", "z")),
                  Outcome.of(OPTIONAL, skip("w")))
    assert done.counts() == {"passed": 1, "failed": 1, "skipped": 1}
    assert done.headline() == ("the echo server at 127.0.0.1:8007: 1 of 3 checks passed, "
                               "1 failed, 1 skipped.")
    assert report(Outcome.of(REQUIRED, ok("x"))).headline().endswith("all 1 checks passed.")
    optional_only = report(Outcome.of(REQUIRED, ok("x")), Outcome.of(OPTIONAL, fail("y", "z")))
    assert optional_only.headline().endswith("1 of 2 checks passed, 1 failed (only optional "
                                             "checks failed).")
    assert [o.status for o in done.outcomes] == ["passed", "failed", "skipped"]


def test_a_client_report_names_the_command():
    run = Report("echo-client", "python3 echo.py {host} {port}", (Outcome.of(REQUIRED, ok("x")),))
    assert run.headline() == ('the echo client "python3 echo.py {host} {port}": '
                              "all 1 checks passed.")
    assert describe("chat-client") == "the chat client" and describe("web") == "the web server"


def test_an_outcome_takes_the_verdicts_fields():
    outcome = Outcome.of(REQUIRED, Verdict(False, "what happened", "what to do"), duration=0.5)
    assert (outcome.passed, outcome.explanation, outcome.hint, outcome.duration) == \
        (False, "what happened", "what to do", 0.5)


# -- transcripts ---------------------------------------------------------------------------------
@pytest.mark.parametrize("data, text", [
    (b"GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.0\\r\\n\\r\\n"),
    (b"tab\there", "tab\\there"),
    (b"back\\slash", "back\\\\slash"),
    (b"\x00\x1b[31m\x7f", "\\x00\\x1b[31m\\x7f"),
    (b"\xff\xfe not utf-8 \xc3", "\\xff\\xfe not utf-8 \\xc3"),
    ("caf\u00e9 \u2014 ok".encode(), "caf\u00e9 \u2014 ok"),
    ("good\u200bname \u202eevil".encode(), "good\\u200bname \\u202eevil"),
    ("\U0001f600".encode(), "\U0001f600"),
    ("\U000e0041".encode(), "\\U000e0041"),  # an invisible tag character
])
def test_escape_bytes_shows_every_byte_and_hides_nothing(data, text):
    assert escape_bytes(data) == text
    assert escape_bytes(data).isprintable()


def test_escape_bytes_of_every_byte_value_is_printable_and_distinct():
    shown = [escape_bytes(bytes([value])) for value in range(256)]
    assert len(set(shown)) == 256 and all(text.isprintable() for text in shown)


def test_quoted_cuts_long_data_and_says_how_long_it_was():
    assert quoted(b"hi\n") == '"hi\\n"'
    assert quoted(b"x" * 100, limit=10) == '"xxxxxxxxxx" ... (100 bytes)'


def test_transcript_keeps_a_preview_and_the_size():
    log = TranscriptLog(preview=8)
    log.note("connected", 0.0)
    log.add(CHECKER, b"0123456789abcdef", 0.0012345)
    log.add(SERVER, b"", 0.1)  # nothing transferred: nothing recorded
    entries = log.entries()
    assert [e.side for e in entries] == [NOTE, CHECKER]
    assert entries[1].text == "01234567 ... (16 bytes in all)"
    assert entries[1].size == 16 and entries[1].at == 0.001


def test_transcript_merges_a_bulk_exchange_into_one_entry_per_side():
    log = TranscriptLog(preview=4)
    for at in range(10):  # a send and its echo alternating, as in large-message
        log.add(CHECKER, b"abcd", at, "c1", merge=True)
        log.add(SERVER, b"abcd", at + 0.5, "c1", merge=True)
    log.add(SERVER, b"next", 20, "c1")  # not bulk: an entry of its own
    entries = log.entries()
    assert [(e.side, e.size) for e in entries] == [(CHECKER, 40), (SERVER, 40), (SERVER, 4)]
    assert entries[0].connection == "c1" and entries[0].at == 0


def test_a_send_in_pieces_joins_only_its_own_pieces():
    log = TranscriptLog()
    log.add(CHECKER, b"one", 0)
    log.add(CHECKER, b"two", 1, joinable=True)  # the first chunk of one send() call
    log.add(CHECKER, b"2b", 1.1, merge=True)  # ... and its next chunk
    assert [e.text for e in log.entries()] == ["one", "two2b"]


def test_a_long_transcript_keeps_its_start_and_end_and_counts_the_middle():
    log = TranscriptLog(head=3, tail=2)
    for number in range(10):
        log.add(SERVER, str(number).encode(), number)
    texts = [e.text for e in log.entries()]
    assert texts == ["0", "1", "2", "... 5 more entries not shown ...", "8", "9"]


# -- daytime ----------------------------------------------------------------------------------
@pytest.mark.parametrize("reply", [
    format_rfc867(NOW).encode(),
    format_nist(NOW).encode(),
    b"Wed Feb 11 21:30:43 2026\r\n",
    b"2026-02-11T21:30:43Z\n",
])
def test_a_recognisable_time_passes_and_is_complete_only_once_its_line_ends(reply):
    verdict = daytime.judge_time(reply, NOW, closed=True, waited=3)
    assert verdict.passed, verdict
    line_end = reply.rstrip(b"\r\n")
    assert [daytime.reply_complete(part) for part in prefixes(reply)].count(True) >= 1
    assert not any(daytime.reply_complete(part) for part in prefixes(line_end))
    assert daytime.reply_complete(reply)


def test_the_clock_difference_is_reported_not_judged():
    late = datetime(2026, 2, 11, 22, 30, 43, tzinfo=timezone.utc)
    verdict = daytime.judge_time(format_rfc867(NOW).encode(), late, True, 3)
    assert verdict.passed and "-3600.0 s from this computer's" in verdict.explanation
    local = daytime.judge_time(b"Wed Feb 11 21:30:43 2026\r\n", NOW, True, 3)
    assert "without a time zone" in local.explanation


@pytest.mark.parametrize("reply, closed, words", [
    (b"", True, "closed the connection without sending anything"),
    (b"", False, "sent nothing within 3 seconds"),
    (b"21:30:43\r\n", True, '"21:30:43\\r\\n", which holds no date'),
    (b"\xff\xfe\x00garbage", True, "holds no date and time"),
    (b"x" * 5000, True, "holds no date and time"),
])
def test_a_reply_without_a_date_fails_with_a_hint(reply, closed, words):
    verdict = daytime.judge_time(reply, NOW, closed, 3)
    assert verdict.passed is False and words in verdict.explanation and verdict.hint


def test_closing_is_judged_on_whether_the_server_closed():
    assert daytime.judge_closed(b"time\r\n", True, 3).passed
    verdict = daytime.judge_closed(b"time\r\n", False, 3)
    assert verdict.passed is False and "conn.close()" in verdict.hint


# -- echo -----------------------------------------------------------------------------------
def test_an_exact_echo_passes():
    assert echo.judge_echo([b"ab", b"cd"], b"abcd", True, 3).passed
    assert "in 2 messages" in echo.judge_echo([b"ab", b"cd"], b"abcd", True, 3).explanation


def test_the_paper_echo_server_is_told_to_loop():
    verdict = echo.judge_echo(echo.SEVERAL, echo.SEVERAL[0], closed=True, waited=3,
                              situation="closed")
    assert verdict.passed is False
    assert verdict.explanation.startswith("Only the first message of 3 came back")
    assert "then the server closed the connection" in verdict.explanation
    assert "recv() returns b''" in verdict.hint


@pytest.mark.parametrize("situation, words", [
    ("large", "sendall()"), ("pieces", "as soon as you read it"), ("binary", ".decode()"),
    ("other", "sendall()")])
def test_a_short_echo_that_stays_open_gets_the_hint_of_its_situation(situation, words):
    sent = echo.large_message(4096) if situation == "large" else b"".join(echo.PIECES)
    verdict = echo.judge_echo([sent], sent[:3], closed=False, waited=3, situation=situation)
    assert verdict.passed is False
    assert "then nothing more came within 3 seconds" in verdict.explanation
    assert words in verdict.hint


def test_echo_differences_are_placed_and_explained():
    extra = echo.judge_echo([b"hi\n"], b"hi\n\n", True, 3)
    assert "added 1 byte" in extra.explanation and "add nothing" in extra.hint
    mangled = echo.judge_echo([echo.ALL_BYTES], echo.ALL_BYTES[:128] + b"\xef\xbf\xbd" * 128, True,
                              3, "binary")
    assert "at byte 128" in mangled.explanation and "replacement character" in mangled.explanation
    assert ".decode()" in mangled.hint
    shouted = echo.judge_echo([b"Hello\n"], b"HELLO\n", True, 3)
    assert "upper and lower case" in shouted.hint
    nothing = echo.judge_echo([b"Hello\n"], b"", True, 3)
    assert nothing.explanation.startswith("The server closed the connection without sending")


def test_first_difference_and_the_large_message():
    assert echo.first_difference(b"abcdef", b"abcxef") == 3
    assert echo.first_difference(b"abc", b"abcdef") == 3
    assert echo.first_difference(b"", b"x") == 0
    data = echo.large_message()
    assert len(data) == echo.LARGE_SIZE >= 100_000 and data.endswith(b"\n")
    assert echo.first_difference(data, data[:70_000] + b"!" + data[70_001:]) == 70_000


# -- web --------------------------------------------------------------------------------------
RESPONSE = (b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 17\r\n\r\n"
            b"<html>hi</html>\r\n")


def test_a_response_head_is_read_only_once_it_has_ended_whatever_the_split():
    head_end = RESPONSE.index(b"\r\n\r\n") + 4
    for part in prefixes(RESPONSE):
        parsed = web.parse_response(part)
        assert (parsed is not None) == (len(part) >= head_end)
        assert web.response_complete(part) == (len(part) == len(RESPONSE))
    parsed = web.parse_response(RESPONSE)
    assert (parsed.status, parsed.reason, parsed.content_length) == (200, "OK", 17)
    assert parsed.header("content-type") == "text/html" and parsed.body.endswith(b"</html>\r\n")


def test_responses_are_read_leniently_so_each_mistake_has_one_check():
    bare = web.parse_response(b"HTTP/1.0 404 Not Found\nContent-Length: 3\n\nno\n")
    assert bare.status == 404 and bare.content_length == 3 and bare.body == b"no\n"
    assert web.response_complete(b"HTTP/1.0 200 OK\r\n\r\n", "HEAD")
    assert web.response_complete(b"HTTP/1.1 204 No Content\r\n\r\n")
    assert not web.response_complete(b"HTTP/1.0 200 OK\r\n\r\nbody until close")
    assert web.parse_response(b"no head ever ends\r\n") is None
    odd = web.parse_response(b"\x00\xff junk\r\n\r\n")
    assert odd.status is None


@pytest.mark.parametrize("head, passed, words", [
    (b"HTTP/1.0 200 OK\r\nA: b\r\n\r\n", True, "has a version, a status code and a reason"),
    (b"HTTP/1.1 200\r\n\r\n", True, "no reason phrase"),
    (b"HTTP/1.0 200 OK\nA: b\n\n", False, "the status line ends with '\\n' alone"),
    (b"HTTP/1.0 200 OK\r\nA: b\n\r\n", False, "1 line of the head ends with '\\n' alone"),
    (b"HTTP/2.0 200 OK\r\n\r\n", False, "a version other than HTTP/1.0 or HTTP/1.1"),
    (b"HTTP/1.0 OK\r\n\r\n", False, "is not 'HTTP/1.x NNN Reason'"),
    (b"200 OK\r\n\r\n", False, "not a status line"),
])
def test_the_status_line_is_judged_strictly(head, passed, words):
    verdict = web.judge_status_line(web.parse_response(head))
    assert verdict.passed is passed and words in verdict.explanation
    assert verdict.hint or passed


@pytest.mark.parametrize("response, closed, passed, words", [
    (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", True, True, "matches the 2 bytes"),
    (b"HTTP/1.0 200 OK\r\n\r\nhi there", True, True, "ended when the server closed"),
    (b"HTTP/1.0 200 OK\r\n\r\nhi", False, False, "cannot tell where the page ends"),
    ("HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\ncaf\u00e9!".encode(), True, False,
     "Content-Length says 4 but 6 bytes followed"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhi", True, False,
     "only 2 arrived before the server closed"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nhi", False, False, "only 2 arrived within 3"),
    (b"HTTP/1.0 200 OK\r\nContent-Length: many\r\n\r\nhi", True, False, "not a number"),
])
def test_content_length_must_match_the_body(response, closed, passed, words):
    verdict = web.judge_content_length(web.parse_response(response), closed, 3)
    assert verdict.passed is passed and words in verdict.explanation


def test_a_body_longer_than_the_checker_reads_is_judged_on_what_was_read():
    head = b"HTTP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n"
    big = web.parse_response(head + b"x" * (web.MAX_RESPONSE - len(head)))
    verdict = web.judge_content_length(big, closed=False, waited=3)
    assert verdict.passed and "longer than the 4,194,304 bytes this checker reads" in verdict.explanation


def test_characters_counted_instead_of_bytes_get_the_bytes_hint():
    verdict = web.judge_content_length(web.parse_response(
        "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\ncaf\u00e9!".encode()), True, 3)
    assert "Count bytes, not characters" in verdict.hint


@pytest.mark.parametrize("response, passed, words", [
    (b"HTTP/1.0 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html>", True, "text/html"),
    (b"HTTP/1.0 200 OK\r\n\r\n<html>", False, "no Content-Type header"),
    (b"HTTP/1.0 200 OK\r\nContent-Type: html\r\n\r\n<html>", False, "not a type like"),
    (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n<!DOCTYPE html><p>", False,
     "shows its tags as text"),
    (b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\njust text", True, "text/plain"),
])
def test_content_type(response, passed, words):
    verdict = web.judge_content_type(web.parse_response(response))
    assert verdict.passed is passed and words in verdict.explanation


def test_not_found_head_and_root():
    missing = web.parse_response(b"HTTP/1.0 404 Not Found\r\n\r\n")
    found = web.parse_response(b"HTTP/1.0 200 OK\r\n\r\npage")
    assert web.judge_not_found(missing, "/x").passed
    assert web.judge_not_found(found, "/x").passed is False
    assert "FileNotFoundError" in web.judge_not_found(found, "/x").hint
    assert web.judge_root(found).passed and web.judge_root(missing).passed is False
    redirect = web.parse_response(b"HTTP/1.0 302 Found\r\nLocation: /index.html\r\n\r\n")
    assert "a redirect" in web.judge_root(redirect).explanation
    assert web.judge_head(found, web.parse_response(b"HTTP/1.0 200 OK\r\n\r\n"), 0).passed
    get_only = web.parse_response(b"HTTP/1.0 501 Not Implemented\r\n\r\n")
    assert web.judge_head(found, get_only, 0).passed
    assert web.judge_head(found, found, 4).passed is False
    assert web.judge_head(found, missing, 0).passed is False


@pytest.mark.parametrize("data, closed, words", [
    (b"", True, "closed the connection without answering GET /"),
    (b"", False, "No answer to GET / within 3 seconds"),
    (b"HTTP/1.0 200 OK\r\nX: y", True, "never finished its head"),
])
def test_no_answer(data, closed, words):
    assert words in web.no_answer(data, closed, 3).explanation
    assert web.no_answer(RESPONSE, True, 3) is None


def test_garbage_reactions_in_words():
    assert web.judge_junk_reply(b"HTTP/1.0 400 Bad Request\r\n\r\n", True) == \
        'it answered "HTTP/1.0 400 Bad Request"'
    assert web.judge_junk_reply(b"", True) == "it closed the connection"
    assert web.judge_junk_reply(b"", False) == "it kept the connection open without answering"
    assert web.JUNK.endswith(b"\r\n\r\n") and len(web.HUGE_LINE) > 100_000


def test_traversal_requests_climb_in_every_spelling():
    targets = web.traversal_targets(("tmp", "canary", "secret.txt"))
    spelled = {name for name, _ in targets}
    for step in ("../", "%2e%2e/", "..%2f", "%2e%2e%2f", "....//", "..\\", "absolute"):
        assert any(step in name for name in spelled), step
    assert all(target.startswith("/") for _, target in targets)
    plain = dict(targets)["../"]
    assert plain == "/" + "../" * web.CLIMB + "tmp/canary/secret.txt"
    assert dict(targets)["..\\"].endswith("tmp\\canary\\secret.txt")
    assert dict(targets)["an absolute path (//...)"] == "//tmp/canary/secret.txt"
    windows = dict(web.traversal_targets(("Windows", "win.ini"), "C:"))
    assert windows["a drive path (/C:/...)"] == "/C:/Windows/win.ini"


def test_system_file_signatures_and_the_leak_verdict():
    signatures = {parts[-1]: pattern for parts, _drive, pattern in web.SYSTEM_FILES}
    assert signatures["passwd"].search(b"root:x:0:0:root:/root:/bin/bash\n")
    assert not signatures["passwd"].search(b"<p>root is the top of a tree</p>")
    assert signatures["win.ini"].search(b"; for 16-bit app support\r\n[fonts]\r\n")
    assert web.leak_verdict([], 11, "a file").passed
    leaked = web.leak_verdict([("../", "/../x"), ("%2e%2e/", "/%2e%2e/x")], 11, "the secret file")
    assert leaked.passed is False
    assert "spelled with ../ (1 other spelling too)" in leaked.explanation
    assert "os.path.realpath" in leaked.hint


# -- chat --------------------------------------------------------------------------------------
def heard(data: bytes, split_at=None):
    """What a lenient client makes of a server's bytes, received in two pieces."""
    parser = protocol.ClientParser()
    cut = len(data) if split_at is None else split_at
    return parser.receive(data[:cut]) + parser.receive(data[cut:])


#: What the paper's server relays for "MESSAGE one\nMESSAGE two\n" in one recv().
PAPER_MERGED = b"MESSAGE ann\none\nMESSAGE two\n\n"


def test_merged_commands_garbled_by_the_paper_design_fail_at_every_split():
    for cut in range(len(PAPER_MERGED) + 1):
        verdict = chat.judge_merged(heard(PAPER_MERGED, cut), "ann", ["one", "two"], "bob", 3)
        assert verdict.passed is False
        assert "only 'one' arrived; 'two' was lost or garbled" in verdict.explanation
        assert "Keep a buffer" in verdict.hint


def test_merged_commands_relayed_right_pass_at_every_split():
    data = b"MESSAGE ann\none\nNEW cat\nMESSAGE ann\ntwo\n"
    for cut in range(len(data) + 1):
        assert chat.judge_merged(heard(data, cut), "ann", ["one", "two"], "bob", 3).passed


def test_a_split_command():
    pieces = (b"MES", b"SAGE hel", b"lo\n")
    assert chat.judge_split(heard(b"MESSAGE ann\nhello\n"), "ann", "hello", pieces, "bob", 3).passed
    verdict = chat.judge_split(heard(b"MESSAGE ann\nhel\n"), "ann", "hello", pieces, "bob", 3)
    assert verdict.passed is False and "'MES' + 'SAGE hel' + 'lo\\n'" in verdict.explanation
    assert "'MESSAGE ann: hel'" in verdict.explanation


def test_private_goes_to_its_recipient_only():
    private = heard(b"PRIVATE ann\nsecret\n")
    public = heard(b"MESSAGE ann\nsecret\n")
    nothing = heard(b"")
    assert chat.judge_private(private, nothing, "ann", "bob", "cat", "secret", 3).passed
    assert "as an ordinary MESSAGE" in chat.judge_private(
        public, public, "ann", "bob", "cat", "secret", 3).explanation
    assert "never arrived" in chat.judge_private(
        nothing, nothing, "ann", "bob", "cat", "secret", 3).explanation
    leaked = chat.judge_private(private, private, "ann", "bob", "cat", "secret", 3)
    assert leaked.passed is False and "so did cat" in leaked.explanation


def test_events_in_words():
    events = heard(b"NEW ann\nHERE bob\nLEFT cat\nMESSAGE ann\nhi\nPRIVATE bob\npst\n"
                   b"GOODBYE\nERROR no\nWHAT\n")
    assert [chat.event_text(e) for e in events] == [
        "NEW ann", "HERE bob", "LEFT cat", "MESSAGE ann: hi", "PRIVATE bob: pst", "GOODBYE",
        "ERROR no", "WHAT"]
    assert chat.received([]) == "nothing"
    assert chat.received(events, limit=2) == "'NEW ann', 'HERE bob' and 6 more"
    assert chat.joined(events, "ANN") and chat.left(events, "cat") and not chat.left(events, "ann")
    assert chat.said(events, "ann", "hi") and not chat.said(events, "bob", "pst")
    assert chat.said(events, "bob", "pst", protocol.Private) and chat.mentions(events, "pst")
