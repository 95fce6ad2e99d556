"""Judging a chat client (the course paper's protocol, Figures 3, 5 and 6).

The student's client is "cool cat", the checker joins the room as "hot dog" (the names of
the paper's sample session). What the client sent is read with the server's own parser
(:class:`labsuite.protocols.chat.ServerConnection`), so it is judged exactly as the
reference server understood it; what it printed is read by lines: each message must be
shown whole, once, in whatever words the client uses around it.
"""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

from labsuite.protocols.chat import (Add, ChatEvent, Command, Message, Private, Quit, Say,
                                     ServerConnection, Whisper, fold)

from .chat import received
from .client import (ClientRun, broken, crash_note, crash_problem, ending_problem, line_list,
                     never_connected, pieces_list, shown)
from .model import Verdict, count, fail, ok, quoted

NAME = "cool cat"
OTHER = "hot dog"
#: shows-messages: what the other member says, and the line typed in reply.
SAYS = "How's everyone doing?"
TYPED_LINE = "I'm okay"
#: merged-lines: three messages the server sends in one segment.
MERGED = ("First of three lines sent together", "Second line of the three",
          "Third and last one of them")
#: split-line: one message the server sends a few bytes at a time.
SPLIT = "This message comes a few bytes at a time"
#: private: what the other member whispers, and the private line typed in reply.
WHISPER = "Sure. Wanna eat?"
PRIVATE_TEXT = "Are you hungry?"
PRIVATE_LINE = f"private {OTHER}: {PRIVATE_TEXT}"

ADD_HINT = ("Read the name first (name = input('What is your name: ').strip()), then send "
            "('ADD ' + name + '\\n').encode() as the very first line.")
SHOW_HINT = ("Read from the server in a second thread and print what arrives: 'MESSAGE name' "
             "is followed by a line with the text, and 'PRIVATE name' too ('==> name: text').")
MERGED_HINT = ("One recv() can hold several lines: split what you receive on '\\n' and handle "
               "every complete line, not just the first (sock.makefile('r') and a for loop over "
               "it hands you one whole line at a time).")
SPLIT_HINT = ("One recv() can hold just a part of a line. Keep what comes after the last '\\n' "
              "and put the next recv() after it before splitting, so only whole lines are "
              "handled (sock.makefile('r') does this for you).")
SEND_HINT = ("Send each line typed as ('MESSAGE ' + line + '\\n').encode(): the server sends it "
             "back to everyone, you included, as 'MESSAGE name' and the text.")
PRIVATE_HINT = ("When the line typed starts with 'private', split it at the first ':': the name "
                "is between 'private' and the colon, the text after it. Send "
                "'PRIVATE name\\n' + text + '\\n', and do not send it as a MESSAGE.")
QUIT_HINT = ("When the line typed is 'quit', send 'QUIT\\n' (not a MESSAGE), wait for the "
             "server's GOODBYE, then end: stop the receiving loop and let the program finish.")
NOT_JOINED = "Not judged: your client did not join the room (see the check 'sends-add')."


def commands_sent(data: bytes) -> Tuple[List[Command], bool]:
    """The commands in what the client sent, as the server reads them, and whether an
    unfinished line (no '\\n' yet) is left over."""
    parser = ServerConnection()
    commands = parser.receive(data)
    return commands, parser.has_partial_line


def first_line(data: bytes) -> bytes:
    end = data.find(b"\n")
    return data if end < 0 else data[:end + 1]


def display_problem(text: str, lines: Sequence[str]) -> Optional[str]:
    """How ``text`` was not shown whole, exactly once (None when it was)."""
    whole = shown(text, lines)
    parts = broken(text, lines)
    what = quoted(text.encode())
    if len(whole) > 1:
        return f"{what} was shown {len(whole)} times ({line_list([lines[n] for n in whole])})"
    if whole and parts:
        return f"{what} was shown whole, but also in pieces ({line_list(parts)})"
    if parts:
        return f"{what} was shown only in pieces ({line_list(parts)})"
    if not whole:
        return f"{what} was not shown"
    return None


def printed_note(run: ClientRun) -> str:
    return f" Your client printed {line_list(run.lines(), 6)}.{crash_note(run)}"


# -- the checks ---------------------------------------------------------------------------
def judge_add(sent: bytes, run: ClientRun, name: str = NAME) -> Verdict:
    if not run.connected:
        return never_connected(run)
    commands, partial = commands_sent(sent)
    line = quoted(first_line(sent))
    first = commands[0] if commands else None
    if isinstance(first, Add) and fold(first.name) == fold(name):
        return crash_problem(run) or ok(f"Your client sent {line} and joined the room as "
                                        f"{name!r}.")
    if isinstance(first, Add):
        return fail(f"Your client sent {line}: it would join as {first.name.strip()!r}, but the "
                    f"name typed was {name!r}.{crash_note(run)}",
                    "Send the whole name as it was typed, without the prompt and without the "
                    "newline: input() gives it; .strip() removes spaces around it.")
    if not sent and not run.name_typed:
        return fail(f"Your client connected but sent nothing within {run.waited:g} s. Its "
                    f"command line gave it the name {name!r} ({{name}}), so labsuite typed "
                    f"nothing.{crash_note(run)}",
                    "If your client asks 'What is your name:', leave {name} out of the "
                    "command: labsuite types the name when asked. Else send ('ADD ' + name + "
                    "'\\n').encode() as the very first line.")
    if not sent:
        return fail(f"Your client connected but sent nothing within {run.waited:g} s of "
                    f"{name!r} being typed.{crash_note(run)}", ADD_HINT)
    if partial and not commands:
        return fail(f"Your client sent {quoted(sent)} with no '\\n' at the end, so the server "
                    f"is still waiting for the end of that line.{crash_note(run)}",
                    "End every command with a newline: 'ADD ' + name + '\\n'.")
    return fail(f"Your client's first line was {line}, not 'ADD {name}\\n'.{crash_note(run)}",
                ADD_HINT)


def judge_messages(run: ClientRun, heard: Sequence[ChatEvent], sent: bytes) -> Verdict:
    """``heard``: what the other member received after the line was typed; ``sent``:
    what the client sent after it."""
    problem = display_problem(SAYS, run.lines())
    shown_part = problem and (f"{OTHER} sent 'MESSAGE {SAYS}' and the server passed it on as "
                              f"'MESSAGE {OTHER}' and the text; {problem}.", SHOW_HINT)
    sent_part = None
    if not any(isinstance(e, Message) and fold(e.sender) == fold(NAME)
               and e.text.strip() == TYPED_LINE for e in heard):
        sent_part = (f"{quoted(TYPED_LINE.encode())} was typed and the room never got it as a "
                     f"message: your client sent {quoted(sent) if sent else 'nothing'} (the room "
                     f"got {received(heard)}).", SEND_HINT)
    return both_parts(run, shown_part, sent_part, f"{OTHER}'s message",
                      f"Your client showed {OTHER}'s message and sent the line typed, "
                      f"{TYPED_LINE!r}, to the room.")


def judge_merged(run: ClientRun, segment: bytes) -> Verdict:
    """``segment``: the one piece in which the server sent the three messages."""
    problems = [p for p in (display_problem(text, run.lines()) for text in MERGED) if p]
    if problems:
        return fail(f"The server sent {count(len(MERGED), 'message')} from {OTHER} in one piece "
                    f"({quoted(segment, 160)}); {problems[0]}.{printed_note(run)}", MERGED_HINT)
    return crash_problem(run) or ok(f"The server sent {count(len(MERGED), 'message')} in one "
                                    "piece and your client showed each of them, once.")


def judge_split(run: ClientRun, pieces: Sequence[bytes]) -> Verdict:
    """``pieces``: the message as the server sent it, a few bytes at a time."""
    problem = display_problem(SPLIT, run.lines())
    if problem:
        return fail(f"The server sent {OTHER}'s message in {count(len(pieces), 'piece')} "
                    f"({pieces_list(pieces)}); {problem}.{printed_note(run)}", SPLIT_HINT)
    return crash_problem(run) or ok(f"The message arrived in {count(len(pieces), 'piece')} "
                                    "and your client showed it whole, once.")


def judge_private(run: ClientRun, heard: Sequence[ChatEvent], sent: bytes) -> Verdict:
    """The whisper from the other member must be shown; the private line typed must reach
    the other member as PRIVATE (``heard``, ``sent``: after it was typed)."""
    problem = display_problem(WHISPER, run.lines())
    shown_part = problem and (f"{OTHER} sent a private message and the server passed it on as "
                              f"'PRIVATE {OTHER}' and the text; {problem}.", SHOW_HINT)
    sent_part = None
    if not any(isinstance(e, Private) and e.text.strip() == PRIVATE_TEXT for e in heard):
        commands, _partial = commands_sent(sent)
        whispers = [c for c in commands if isinstance(c, Whisper)]
        if any(isinstance(c, Say) for c in commands) or \
                any(isinstance(e, Message) and fold(e.sender) == fold(NAME) for e in heard):
            what = (f"your client sent it to everyone as a MESSAGE ({quoted(sent, 80)}), so the "
                    "whole room would read it")
        elif whispers:
            what = (f"your client sent it to {whispers[0].recipient!r} with the text "
                    f"{whispers[0].text!r} ({quoted(sent, 80)})")
        else:
            what = f"your client sent {quoted(sent, 80) if sent else 'nothing'}"
        sent_part = (f"{quoted(PRIVATE_LINE.encode())} was typed and {what}; {OTHER} should have "
                     f"got it as 'PRIVATE {NAME}' and {PRIVATE_TEXT!r}.", PRIVATE_HINT)
    return both_parts(run, shown_part, sent_part, f"{OTHER}'s private message",
                      f"Your client showed {OTHER}'s private message, and {PRIVATE_LINE!r} "
                      f"reached {OTHER} alone, as PRIVATE.")


def both_parts(run: ClientRun, shown_part: Optional[Tuple[str, str]],
               sent_part: Optional[Tuple[str, str]], what: str, passed: str) -> Verdict:
    """A check of two halves, showing ``what`` arrived and sending what was typed: each
    part is None or (explanation, hint); a failure tells of both."""
    if shown_part and sent_part:
        return fail(f"{shown_part[0]} Then {sent_part[0]}{printed_note(run)}",
                    f"{shown_part[1]} Also: {sent_part[1]}")
    if shown_part:
        return fail(shown_part[0] + printed_note(run), shown_part[1])
    if sent_part:
        return fail(f"Your client showed {what}, but then {sent_part[0]}{crash_note(run)}",
                    sent_part[1])
    return crash_problem(run) or ok(passed)


def judge_quit(run: ClientRun, sent: bytes) -> Verdict:
    """``sent``: what the client sent after 'quit' was typed; the server answers QUIT with
    GOODBYE and closes, and the client must then end by itself."""
    commands, _partial = commands_sent(sent)
    if not any(isinstance(c, Quit) for c in commands):
        if any(isinstance(c, Say) for c in commands):
            what = f"sent it as a message ({quoted(sent, 60)})"
        else:
            what = f"sent {quoted(sent, 60) if sent else 'nothing'} within {run.waited:g} s"
        return fail(f"'quit' was typed and your client {what}, not 'QUIT\\n'."
                    f"{crash_note(run)}", QUIT_HINT)
    problem = ending_problem(run, "after the server answered QUIT with GOODBYE")
    if problem:
        return problem
    return ok("Your client sent 'QUIT\\n' for 'quit' and ended after the server's GOODBYE.")
