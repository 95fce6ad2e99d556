"""The chat protocol, server and client sides, with plain bytes."""

import pytest

from labsuite.protocols import chat
from labsuite.protocols.chat import (Add, ChatRoom, ClientParser, Goodbye, Invalid, Joined, Left,
                                     Message, Present, Private, Quit, Refused, Say,
                                     ServerConnection, Unknown, Whisper)

pytestmark = pytest.mark.timeout(10)

CLIENT_BYTES = (b"ADD cool cat\nMESSAGE Hi turkey\r\nPRIVATE hot dog\nAre you hungry?\n"
                b"\nMESSAGE  two  spaces \nQUIT\n")
CLIENT_COMMANDS = [Add("cool cat"), Say("Hi turkey"), Whisper("hot dog", "Are you hungry?"),
                   Say(" two  spaces "), Quit()]


def test_server_connection_parses_the_paper_commands():
    assert ServerConnection().receive(CLIENT_BYTES) == CLIENT_COMMANDS


def test_server_connection_every_split_point():
    for i in range(len(CLIENT_BYTES) + 1):
        conn = ServerConnection()
        commands = conn.receive(CLIENT_BYTES[:i]) + conn.receive(CLIENT_BYTES[i:])
        assert commands == CLIENT_COMMANDS, i


def test_server_connection_byte_at_a_time():
    conn = ServerConnection()
    commands = []
    for byte in CLIENT_BYTES:
        commands += conn.receive(bytes([byte]))
    assert commands == CLIENT_COMMANDS


def test_paper_client_message_without_newline_completes_when_idle():
    conn = ServerConnection()
    assert conn.receive(b"ADD cold turkey\n") == [Add("cold turkey")]
    assert conn.receive(b"MESSAGE Hi everyone!") == []
    assert conn.has_partial_line
    assert conn.idle() == [Say("Hi everyone!")]
    assert not conn.has_partial_line
    assert conn.idle() == []


def test_commands_are_case_insensitive_and_blank_lines_ignored():
    assert ServerConnection().receive(b"add Bob\n\n   \nmessage hi\nquit\n") == \
        [Add("Bob"), Say("hi"), Quit()]


@pytest.mark.parametrize("data, reason", [
    (b"HELLO there\n", "Unknown command"),
    (b"MESSAGE\n", "Empty message"),
    (b"MESSAGE    \n", "Empty message"),
    (b"PRIVATE\n", "PRIVATE needs a name"),
    (b"PRIVATE bob\n   \n", "Empty private message"),
    (b"MESSAGE \xff\xfe broken\n", "not valid UTF-8"),
    (b"MESSAGE " + b"x" * 5000 + b"\n", "Line too long"),
])
def test_bad_input_becomes_an_invalid_command(data, reason):
    commands = ServerConnection().receive(data)
    assert len(commands) == 1 and isinstance(commands[0], Invalid)
    assert reason in commands[0].reason


def test_bad_content_line_cancels_the_private_and_the_next_line_is_a_command():
    conn = ServerConnection()
    assert conn.receive(b"PRIVATE bob\n\xff\nMESSAGE after\n")[1:] == [Say("after")]


def test_control_characters_in_text_are_neutralised():
    assert ServerConnection().receive(b"MESSAGE a\x1b[2Jb\tc\n") == [Say("a\ufffd[2Jb\tc")]


# -- the room ---------------------------------------------------------------------------
def deliveries_to(outcome, conn):
    return b"".join(data for target, data in outcome.deliveries if target == conn)


def joined_room(*names):
    room = ChatRoom()
    for conn, name in enumerate(names):
        room.handle(conn, Add(name))
    return room


def test_join_tells_everyone_and_the_newcomer_who_is_here():
    room = joined_room("cool cat", "cold turkey")
    outcome = room.handle(2, Add("hot dog"))
    assert deliveries_to(outcome, 0) == b"NEW hot dog\n"
    assert deliveries_to(outcome, 2) == b"NEW hot dog\nHERE cool cat\nHERE cold turkey\n"
    assert room.members == ["cool cat", "cold turkey", "hot dog"]
    assert outcome.members_changed


def test_message_goes_to_everyone_with_the_sender_name():
    room = joined_room("cool cat", "cold turkey")
    outcome = room.handle(1, Say("Hi everyone!"))
    for conn in (0, 1):
        assert deliveries_to(outcome, conn) == b"MESSAGE cold turkey\nHi everyone!\n"
    assert outcome.notes == ["cold turkey: Hi everyone!"]


def test_private_goes_only_to_the_recipient_regardless_of_case():
    room = joined_room("cool cat", "hot dog", "cold turkey")
    outcome = room.handle(0, Whisper("HOT DOG", "Are you hungry?"))
    assert outcome.deliveries == [(1, b"PRIVATE cool cat\nAre you hungry?\n")]


def test_private_to_nobody_is_refused():
    outcome = joined_room("cool cat").handle(0, Whisper("ghost", "boo"))
    assert outcome.deliveries == [(0, b"ERROR Nobody called 'ghost' is in the room.\n")]


def test_quit_sends_left_to_all_then_goodbye_and_closes():
    room = joined_room("cool cat", "hot dog")
    outcome = room.handle(0, Quit())
    assert deliveries_to(outcome, 0) == b"LEFT cool cat\nGOODBYE\n"
    assert deliveries_to(outcome, 1) == b"LEFT cool cat\n"
    assert outcome.close == [0]
    assert room.members == ["hot dog"]
    assert room.leave(0).deliveries == []  # the socket closing afterwards changes nothing


def test_vanished_client_is_removed_exactly_once():
    room = joined_room("cool cat", "hot dog")
    first = room.leave(1, "connection reset")
    assert first.deliveries == [(0, b"LEFT hot dog\n")]
    assert "connection reset" in first.notes[0]
    assert room.leave(1).deliveries == []
    assert room.members == ["cool cat"]


@pytest.mark.parametrize("name, problem", [
    ("", "A name is needed"), ("   ", "A name is needed"), ("x" * 33, "at most 32"),
    ("bad\x07name", "control or invisible"), ("a\u2028b", "control or invisible"),
    ("good\u200b", "control or invisible"), ("\u202eevil", "control or invisible"),
])
def test_invalid_names_are_refused_and_may_retry(name, problem):
    room = ChatRoom()
    outcome = room.handle(0, Add(name))
    assert deliveries_to(outcome, 0).startswith(b"ERROR ")
    assert problem in deliveries_to(outcome, 0).decode()
    assert room.handle(0, Add("fine name")).deliveries == [(0, b"NEW fine name\n")]


INVISIBLE = ["\u034f", "\ufe0f", "\U000e0100", "\u3164", "\u115f", "\u1160", "\uffa0",
             "\u2800", "\u17b4", "\u00ad", "\u2060", "\ufeff", "\u00a0", "\u3000"]


@pytest.mark.parametrize("invisible", INVISIBLE)
def test_names_that_differ_only_by_an_invisible_character_are_refused(invisible):
    room = joined_room("cool cat")
    for name in ("cool cat" + invisible, "cool" + invisible + " cat", invisible):
        outcome = room.handle(1, Add(name))  # (spaces at the ends are trimmed: then taken)
        assert deliveries_to(outcome, 1).startswith(b"ERROR "), name
    assert room.members == ["cool cat"]


@pytest.mark.parametrize("name", ["Zoë", "李小龙", "José María", "Ørjan", "😀 smiley", "a-b_c.d"])
def test_visible_names_in_any_script_are_welcome(name):
    room = ChatRoom()
    assert room.handle(0, Add(name)).deliveries == [(0, f"NEW {name}\n".encode())]


def test_names_are_unique_without_regard_to_case_and_are_trimmed():
    room = joined_room("Cool Cat")
    outcome = room.handle(1, Add("  cOOL cAT "))
    assert b"already taken" in deliveries_to(outcome, 1)
    outcome = room.handle(1, Add("  " + "y" * 32 + "  "))
    assert deliveries_to(outcome, 1).startswith(b"NEW " + b"y" * 32 + b"\n")
    assert room.members == ["Cool Cat", "y" * 32]


def test_commands_before_a_name_are_refused():
    room = ChatRoom()
    for command in (Say("hi"), Whisper("bob", "hi")):
        assert b"ERROR Join the room first" in deliveries_to(room.handle(0, command), 0)
    assert deliveries_to(room.handle(0, Quit()), 0) == b"GOODBYE\n"


def test_second_add_is_refused():
    room = joined_room("cool cat")
    assert b"already in the room" in deliveries_to(room.handle(0, Add("other")), 0)


def test_server_never_sends_an_empty_line():
    room = joined_room("a", "b")
    outcomes = [room.handle(0, Say("x")), room.handle(1, Whisper("a", "y")),
                room.handle(0, Invalid("nope")), room.handle(2, Add("c")), room.handle(0, Quit())]
    for outcome in outcomes:
        for _, data in outcome.deliveries:
            assert b"\n\n" not in data and not data.startswith(b"\n")


# -- client side ------------------------------------------------------------------------
SERVER_BYTES = (b"NEW cool cat\nHERE cold turkey\nMESSAGE cold turkey\nHi everyone!\n"
                b"PRIVATE hot dog\nSure. Wanna eat?\nERROR Nobody called 'x' is in the room.\n"
                b"SOMETHING new\nLEFT hot dog\nGOODBYE\n")
SERVER_EVENTS = [Joined("cool cat"), Present("cold turkey"), Message("cold turkey", "Hi everyone!"),
                 Private("hot dog", "Sure. Wanna eat?"),
                 Refused("Nobody called 'x' is in the room."), Unknown("SOMETHING new"),
                 Left("hot dog"), Goodbye()]


def test_client_parser_every_split_point():
    for i in range(len(SERVER_BYTES) + 1):
        parser = ClientParser()
        assert parser.receive(SERVER_BYTES[:i]) + parser.receive(SERVER_BYTES[i:]) == SERVER_EVENTS


def test_client_parser_skips_the_paper_servers_extra_empty_lines():
    parser = ClientParser()
    data = b"MESSAGE bob\nhello\n\n\nMESSAGE amy\nhi\n\nNEW zed\n"
    assert parser.receive(data) == [Message("bob", "hello"), Message("amy", "hi"), Joined("zed")]


def test_client_parser_tolerates_invalid_utf8():
    assert ClientParser().receive(b"MESSAGE bob\n\xff\xfeok\n") == [Message("bob", "\ufffd\ufffdok")]


def test_transcript_lines_match_the_papers_sample_session():
    lines = [chat.transcript_line(event) for event in SERVER_EVENTS]
    assert lines[0] == "==> cool cat has joined the chat room"
    assert lines[2] == "==> cold turkey: Hi everyone!"
    assert lines[3] == "==> [private] hot dog: Sure. Wanna eat?"
    assert lines[6] == "==> hot dog has left the chat room"
    assert lines[1] is None and lines[7] is None


def test_round_trip_through_the_room_and_the_client_parser():
    room = joined_room("cool cat", "hot dog")
    parsers = {0: ClientParser(), 1: ClientParser()}
    outcome = room.handle(0, Say("I'm okay"))
    for conn, data in outcome.deliveries:
        assert parsers[conn].receive(data) == [Message("cool cat", "I'm okay")]


@pytest.mark.parametrize("typed, command", [
    ("Hi turkey", Say("Hi turkey")),
    ("private hot dog: Are you hungry?", Whisper("hot dog", "Are you hungry?")),
    ("PRIVATE hot dog:Yep", Whisper("hot dog", "Yep")),
    ("quit", Quit()), ("  QUIT  ", Quit()),
    ("   ", None), ("", None),
])
def test_typed_input_follows_the_paper_client(typed, command):
    assert chat.parse_typed(typed) == command


@pytest.mark.parametrize("typed", ["private hot dog no colon", "private : hi", "private bob:   "])
def test_bad_typed_private_is_explained(typed):
    assert isinstance(chat.parse_typed(typed), Invalid)


def test_encoders_never_embed_newlines():
    assert chat.encode_say("a\nb") == b"MESSAGE a b\n"
    assert chat.encode_whisper("hot dog", "x\r\ny") == b"PRIVATE hot dog\nx  y\n"
    assert chat.encode_add("cool cat") == b"ADD cool cat\n"
    assert chat.encode_quit() == b"QUIT\n"


def test_a_line_typed_a_key_at_a_time_waits_for_enter():
    # telnet in character mode sends every key press on its own, with pauses between
    conn = ServerConnection()
    for key in b"ADD ann":
        conn.receive(bytes([key]))
        assert conn.idle() == []
    assert conn.receive(b"\r\n") == [Add("ann")]
    for key in b"MESSAGE hello there":
        conn.receive(bytes([key]))
        assert conn.idle() == []
    assert conn.receive(b"\n") == [Say("hello there")]


def test_only_a_whole_message_line_from_one_read_is_completed_when_idle():
    conn = ServerConnection()
    conn.receive(b"ADD bob\nQUI")  # not a MESSAGE: wait for the rest
    assert conn.idle() == []
    assert conn.receive(b"T\n") == [Quit()]
    conn.receive(b"MESSAGE first\nMESSAGE second")
    assert conn.idle() == [Say("second")]


def test_whatever_is_unfinished_when_the_client_closes_is_complete():
    conn = ServerConnection()
    conn.receive(b"QUI")
    conn.receive(b"T")
    assert conn.finish() == [Quit()]


def test_a_server_cannot_send_terminal_escapes_through_our_client():
    events = ClientParser().receive(b"MESSAGE mallory\n\x1b[2J\x1b]0;owned\x07hi\n")
    assert events == [Message("mallory", "\ufffd[2J\ufffd]0;owned\ufffdhi")]
