"""The chat server checks: each command of the paper's protocol, framing, 20 members, vanishing.

Every check sets up its own room with names no earlier run holds, waits for each step's
answer before the next (so only the check that means to merge or split commands does),
and ends by sending QUIT for everyone still there: a server written to the paper spins
for ever on a client that just disappears, so only ``vanish`` lets one do that.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, List, Optional, Sequence

from labsuite.protocols import chat as protocol
from labsuite.protocols.check import chat as judge
from labsuite.protocols.check.model import Verdict, count, fail, ok, skip

from .probe import Abandon, CheckContext, wait_for

#: The pause between the pieces of a split command.
SPLIT_PAUSE = 0.1
#: How long after the server's last words a member joins or quits. The paper's server
#: loops over its shared dictionary to relay each line, and a join or a quit changes that
#: dictionary: right after the last line arrives the loop may not have ended yet, and the
#: change would kill it (RuntimeError: dictionary changed size during iteration). Only
#: many-clients relays at full speed, and it has no joins or quits in between.
SETTLE = 0.015
MANY = 20
#: The most events one member keeps for explanations, and the most bytes it reads (in the
#: busiest check a member hears a few kilobytes, tens with other people in the room).
MAX_EVENTS = 10_000
MAX_HEARD = 256 * 1024
FIRST_NAMES = ("ann", "bob", "cat")


class Member:
    """One chat client of the check: its connection and everything it heard."""

    def __init__(self, ctx: CheckContext, first: str, record: bool = True):
        self.ctx = ctx
        self.name = ctx.unique_name(first)
        self.events: List[protocol.ChatEvent] = []
        self._parser = protocol.ClientParser()
        self.joined = set()  # folded names announced with NEW
        self.left = set()  # folded names announced with LEFT
        self.messages = set()  # (folded sender, text) of MESSAGE lines
        self.goodbye = False
        self.probe = ctx.connect(self.name, record, limit=MAX_HEARD)
        self.probe.on_data = self._heard

    def _heard(self, data: bytes) -> None:
        for event in self._parser.receive(data):
            if len(self.events) < MAX_EVENTS:  # a flooding server: the sets still count
                self.events.append(event)
            if isinstance(event, protocol.Joined):
                self.joined.add(protocol.fold(event.name))
            elif isinstance(event, protocol.Left):
                self.left.add(protocol.fold(event.name))
            elif isinstance(event, protocol.Message):
                self.messages.add((protocol.fold(event.sender), event.text.strip()))
            elif isinstance(event, protocol.Goodbye):
                self.goodbye = True

    @property
    def key(self) -> str:
        return protocol.fold(self.name)

    def mark(self) -> int:
        return len(self.events)

    def since(self, mark: int) -> List[protocol.ChatEvent]:
        return self.events[mark:]

    def send(self, text: str) -> bool:
        return self.probe.send(text.encode())

    def join(self, watchers: Sequence["Member"] = ()) -> Optional[str]:
        """Send ADD and wait until this member and every watcher heard NEW; None when they
        did, else what went wrong."""
        everyone = [self, *watchers]
        marks = [member.mark() for member in everyone]
        self.ctx.settle(SETTLE)
        self.send(f"ADD {self.name}\n")
        wait_for([m.probe for m in everyone], lambda: all(self.key in m.joined for m in everyone))
        for member, mark in zip(everyone, marks, strict=True):
            if self.key not in member.joined:
                heard = judge.received(member.since(mark))
                closed = f" and then {member.probe.ending}" if member.probe.closed else ""
                who = "it" if member is self else f"{member.name} (already in the room)"
                return (f"After 'ADD {self.name}', {who} got {heard} within {self.ctx.timeout:g} s"
                        f"{closed}, not 'NEW {self.name}'.")
        return None

    def leave(self, grace: float) -> bool:
        """QUIT (unless already gone), wait a moment for GOODBYE and then up to ``grace``
        seconds for the server to close; True when it did."""
        if self.probe.readable and not self.goodbye:
            self.ctx.settle(SETTLE)
            self.send("QUIT\n")
            self.probe.read_until(lambda: self.goodbye or self.probe.closed,
                                  timeout=min(self.ctx.timeout, 1.0))
        if self.probe.readable:
            self.probe.read_until(timeout=grace)
        closed = self.probe.closed
        self.probe.close()
        return closed


@contextmanager
def room(ctx: CheckContext, firsts: Sequence[str],
         record_all: bool = True) -> Iterator[List[Member]]:
    """Members that joined one after another, each announced to all before the next; they
    all leave (QUIT) at the end, also those the check adds to the list."""
    members: List[Member] = []
    try:
        for number, first in enumerate(firsts):
            member = Member(ctx, first, record=record_all or number == 0)
            members.append(member)
            problem = member.join(members[:-1])
            if problem:
                raise Abandon(skip(f"Not judged: the room could not be set up. {problem} "
                                   "(See the check 'join'.)"))
        yield members
    finally:
        leave_all(members)


def leave_all(members: Sequence[Member]) -> None:
    """Everyone QUITs, one after another, each once the server has closed the one before:
    the paper's server shares one dictionary without a lock, and removes a leaver from it
    only just before it closes that connection."""
    grace = min(members[0].ctx.timeout, 1.0) if members else 0.0
    for member in members:
        if not member.leave(grace):
            grace = 0.05  # this server keeps connections open after GOODBYE: wait no more


def wait(members: Sequence[Member], done, timeout: Optional[float] = None) -> bool:
    return wait_for([m.probe for m in members], done, timeout)


# -- the checks ------------------------------------------------------------------------------
def join(ctx: CheckContext) -> Verdict:
    with room(ctx, ()) as members:
        for first in FIRST_NAMES[:2]:
            members.append(Member(ctx, first))
            problem = members[-1].join(members[:-1])
            if problem:
                return fail(problem, judge.HINTS["join"])
        first, second = members
        return ok(f"'ADD {first.name}' and then 'ADD {second.name}' were each announced with NEW "
                  "to everyone in the room, the newcomer included.")


def message(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:2]) as members:
        sender, other = members
        text = "hello, everyone"
        marks = [m.mark() for m in members]
        sender.send(f"MESSAGE {text}\n")
        wanted = (sender.key, text)
        wait(members, lambda: all(wanted in m.messages for m in members))
        for member, mark in ((other, marks[1]), (sender, marks[0])):
            if wanted not in member.messages:
                who = f"the sender {sender.name} itself" if member is sender else member.name
                return fail(f"{sender.name} sent 'MESSAGE {text}'; {who} got "
                            f"{judge.received(member.since(mark))} within {ctx.timeout:g} s, not "
                            f"'MESSAGE {sender.name}' and the text.", judge.HINTS["message"])
        return ok(f"'MESSAGE {text}' reached everyone as 'MESSAGE {sender.name}' and the text.")


def private(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:3]) as members:
        sender, recipient, bystander = members
        text = f"secret for {recipient.name}"
        marks = [m.mark() for m in members]
        sender.send(f"PRIVATE {recipient.name}\n{text}\n")

        def arrived() -> bool:
            heard = recipient.since(marks[1])
            return judge.said(heard, sender.name, text, protocol.Private) or \
                judge.said(heard, sender.name, text)

        if wait(members, arrived):
            marker = "a note for everyone"  # once it arrives, the private one has been relayed
            sender.send(f"MESSAGE {marker}\n")
            wait(members, lambda: (sender.key, marker) in bystander.messages)
        return judge.judge_private(recipient.since(marks[1]), bystander.since(marks[2]),
                                   sender.name, recipient.name, bystander.name, text, ctx.timeout)


def quit_(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:2]) as members:
        leaver, other = members
        marks = [m.mark() for m in members]
        ctx.settle(SETTLE)
        leaver.send("QUIT\n")
        wait(members, lambda: leaver.goodbye and leaver.key in other.left)
        if not leaver.goodbye:
            return fail(f"After 'QUIT', {leaver.name} got {judge.received(leaver.since(marks[0]))} "
                        f"within {ctx.timeout:g} s, not 'GOODBYE'.", judge.HINTS["quit"])
        if leaver.key not in other.left:
            return fail(f"{leaver.name} sent 'QUIT' and got GOODBYE, but {other.name} got "
                        f"{judge.received(other.since(marks[1]))}, not 'LEFT {leaver.name}'.",
                        judge.HINTS["quit"])
        return ok(f"'QUIT' was answered with GOODBYE, and {other.name} was told "
                  f"'LEFT {leaver.name}'.")


def merged_commands(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:2]) as members:
        sender, receiver = members
        texts = ["the first of two", "the second of two"]
        mark = receiver.mark()
        sender.send("".join(f"MESSAGE {text}\n" for text in texts))
        wait(members, lambda: all((sender.key, t) in receiver.messages for t in texts))
        return judge.judge_merged(receiver.since(mark), sender.name, texts, receiver.name,
                                  ctx.timeout)


def split_command(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:2]) as members:
        sender, receiver = members
        text = "sent in three pieces"
        pieces = (b"MES", b"SAGE sent in th", b"ree pieces\n")
        mark = receiver.mark()
        sender.probe.send_pieces(pieces, SPLIT_PAUSE)
        wait(members, lambda: (sender.key, text) in receiver.messages)
        return judge.judge_split(receiver.since(mark), sender.name, text, pieces, receiver.name,
                                 ctx.timeout)


def many_clients(ctx: CheckContext) -> Verdict:
    with room(ctx, [f"m{n:02d}" for n in range(1, MANY + 1)], record_all=False) as members:
        wanted = {(m.key, "hi, all") for m in members}
        for member in members:  # back to back: the server relays them all at once
            member.send("MESSAGE hi, all\n")
        wait(members, lambda: all(wanted <= m.messages for m in members), max(ctx.timeout, 5.0))
        short = [m for m in members if not wanted <= m.messages]
        if not short:
            return ok(f"{MANY} members each sent a message, and each of the {MANY * MANY} "
                      "deliveries arrived.")
        first = short[0]
        got = len(wanted & first.messages)
        closed = f" ({first.probe.ending})" if first.probe.closed else ""
        return fail(f"{MANY} members each sent one message; {count(len(short), 'member')} did not "
                    f"get all {MANY}: {first.name} got {got}{closed}.", judge.HINTS["many"])


def vanish(ctx: CheckContext) -> Verdict:
    with room(ctx, FIRST_NAMES[:2]) as members:
        stayer, leaver = members
        mark = stayer.mark()
        leaver.probe.close()
        ctx.note(f"{leaver.name} closed its connection without sending QUIT", leaver.name)
        wait([stayer], lambda: leaver.key in stayer.left)
        if leaver.key not in stayer.left:
            heard = judge.received(stayer.since(mark))
            return fail(f"{leaver.name}'s connection closed without a QUIT; within "
                        f"{ctx.timeout:g} s {stayer.name} got {heard}, not 'LEFT {leaver.name}'.",
                        judge.HINTS["vanish"])
        members.append(Member(ctx, FIRST_NAMES[2]))
        problem = members[-1].join([stayer])
        if problem:
            return fail(f"{stayer.name} was told 'LEFT {leaver.name}', but then the server no "
                        f"longer served newcomers: {problem}", judge.HINTS["vanish"])
        return ok(f"When {leaver.name} vanished without QUIT, {stayer.name} was told "
                  f"'LEFT {leaver.name}', and the server went on letting people in.")


CHECKS = {
    "join": join,
    "message": message,
    "private": private,
    "quit": quit_,
    "merged-commands": merged_commands,
    "split-command": split_command,
    "many-clients": many_clients,
    "vanish": vanish,
}
