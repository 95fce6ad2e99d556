"""Help where a student looks: each tab's "What is this?" text, and the README's sections.

The README is read from this computer only, never the network: next to the package (a
source checkout), inside the standalone program (it ships a copy), or from the installed
package's own description (pip keeps the README there). Markdown is turned into plain
blocks (headings, paragraphs, code) for :class:`~labsuite.gui.widgets.dialogs.ReadingWindow`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Dict, List, Optional, Tuple

Block = Tuple[str, str]  # ("heading" | "text" | "code", text)

#: The Help menu: (menu label, README heading).
GUIDE = (("What each tab does", "What each tab does"),
         ("The chat protocol", "The chat protocol"),
         ("The poker protocol", "The poker protocol"),
         ("Default ports", "Default ports"),
         ("The command line", "Command line"),
         ("The standalone program", "The standalone program"))

PORTS = ("A port is a number from 1 to 65535 that picks one program on a computer: the "
         "address finds the computer, the port finds the server on it. Only one program "
         "can listen on a port at a time, so a second server on the same port fails with "
         "\"already in use\". Ports below 1024 need administrator rights, so labsuite's "
         "servers use ports above it (daytime 8013, echo 8007, web 8080, chat 9000).")
ADDRESSES = ("127.0.0.1 (loopback) is \"this computer\": a server listening there can only "
             "be reached from the same machine, which is safe for trying things out. "
             "0.0.0.0 means \"every address this computer has\": the server also listens on "
             "the network, so other lab machines can connect to it at this computer's "
             "network address (shown at the bottom of the window).")
LOG = ("The log uses the words of the course's server log. Opened server socket, Bound "
       "server socket to port, Listening: the server is ready. Accepted connection: a "
       "client arrived. Read from client / Wrote to client: bytes went in or out (with the "
       "first few shown). Closed: a connection ended, and why.")

#: What each tab explains: (heading, paragraph) pairs.
TOPICS: Dict[str, List[Tuple[str, str]]] = {
    "Time": [
        ("Daytime (RFC 867)", "The simplest server there is: a client connects over TCP, "
         "the server writes the date and time as one line of text and closes the "
         "connection. The client only reads."),
        ("SNTP", "The Simple Network Time Protocol asks over UDP: one 48-byte datagram out, "
         "one back, with four time stamps. From them the client works out the round trip "
         "and how far this computer's clock is off (the offset)."),
        ("Your own time server", "Starts a daytime server (TCP) and an SNTP server (UDP) on "
         "this computer, so the tab works with no internet. Choose the SNTP port too; if it "
         "is taken, the server moves to a free one and the tab says which."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)],
    "Echo": [
        ("Echo (RFC 862)", "The server sends back every byte it reads, unchanged. It is "
         "the classic first server: it shows a connection working in both directions."),
        ("Three designs", "Non-blocking: one thread watches every connection with a "
         "selector and serves whoever is ready (fast, and nobody waits). A thread per "
         "client: each connection gets its own thread that blocks on its own reads. One "
         "client at a time: the server serves a client until it leaves; a second client "
         "connects but gets no echo until the first one is done. Open two clients and "
         "compare."),
        ("UDP too", "Also echoes datagrams on the same port number over UDP (bounded, so it "
         "cannot be used to flood someone else)."),
        ("The tables", "Connected clients: each connection with its bytes in and out. "
         "Replies: what came back to the client panel and how long the round trip took."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)],
    "Web": [
        ("HTTP GET", "A browser connects to the server and sends a few lines of text: the "
         "request line (GET, the path, the HTTP version), one header per line, then an "
         "empty line. The server answers with a status line (200 OK, 404 Not Found), "
         "headers, an empty line and the file."),
        ("Your web server", "Serves the built-in sample site or a folder you choose. Open "
         "its address in a browser, then choose a request in the list to see exactly what "
         "the browser sent."),
        ("Fetch a page", "Downloads a page as a browser would and shows the status line, "
         "the headers and the body. A whole download is given at most a minute."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)],
    "Chat": [
        ("The chat protocol", "Lines of text over TCP, as in the course paper: a client "
         "sends ADD name to join, MESSAGE text to talk to everyone, PRIVATE name and then "
         "the text on the next line for one person, and QUIT to leave. The server relays: "
         "NEW, LEFT, MESSAGE sender, PRIVATE sender."),
        ("Hosting a room", "Host a room starts the server on this computer and joins it. "
         "Give your partners the address shown in large letters. Who can connect: this "
         "computer (127.0.0.1), or everyone (0.0.0.0): other computers too."),
        ("Private messages", "Choose a person in the list (or press Enter on them) to "
         "write to them alone: the box above the message says who it goes to, and it ends "
         "after one message. The host's window never shows other people's private text, "
         "only that a private message went from one person to another and its size."),
        ("Closing the room", "When the host closes the room, everyone in it sees \"The "
         "host closed the room.\" The window asks first if people are still there."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)],
    "Poker": [
        ("The poker protocol", "Lines of text over TCP, grown from the chat protocol: a "
         "client sends JOIN name to sit down, CHECK, CALL, FOLD, BET amount, RAISE total "
         "(raise to that total) or ALLIN on its turn, MESSAGE text to talk, and QUIT. The "
         "server runs the game and tells everyone what is public (SEAT, HAND, BOARD, TURN, "
         "ACTION, POT, SHOW, WIN); CARDS, your two hole cards, goes to you alone."),
        ("Hosting a table", "Host a table starts the server on this computer and sits you "
         "down. Give the others the address shown in large letters. The blinds, the stack, "
         "the seconds for a turn and rebuy are the table's rules: choose them before "
         "starting. Add a computer player seats a bot; a hand starts by itself once two "
         "players with chips are seated."),
        ("Your turn", "The buttons show what the rules allow now: check or call (with the "
         "amount), bet or raise to a total from the smallest legal one to all your chips "
         "(slider or box, Enter in the box), all in, or fold. The clock counts down; when "
         "it runs out the table checks, or folds when there is a bet, for you."),
        ("What each player sees", "Everyone else's cards are backs: the server never sends "
         "them, so no window, not even the host's, can show them before the showdown. "
         "The log never shows your own cards either: a read that carries them is logged "
         "without its bytes, so a projected screen gives nothing away."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)],
    "Check": [
        ("Check my program", "Tells you whether a program you wrote does its job, one check "
         "per line, and for each failure what happened, in plain words, with a hint. It "
         "catches the mistakes that work on one quiet computer and fail on a real network: "
         "TCP is a stream, so a reply can arrive in pieces, and several lines in one piece."),
        ("A server", "Choose its kind (daytime, echo, chat, web), where it runs and its port, "
         "then Check. labsuite connects as clients do, sends messages whole, merged and in "
         "pieces, opens 20 connections at once and, last, vanishes or sends garbage to see "
         "that the server keeps serving. \"Check a server like this\" on the other tabs "
         "checks labsuite's own server: that is what passing looks like."),
        ("A client", "Browse… for its .py file, or type the command that runs it. For each "
         "check labsuite starts a server of its own on a free port and runs the command "
         "with {host} and {port} replaced, so the client must take them from its command "
         "line (host = sys.argv[1], port = int(sys.argv[2])). It types into the client as "
         "you would and judges what the client sends and prints."),
        ("Reading a check", "✓ passed, ✗ failed, – not run. Choose a line to see its "
         "explanation, the hint, and what happened: every transfer in the words of the "
         "server log (Wrote to your server, Read from your server, Typed, Printed), in "
         "blue what labsuite sent. Hex with offsets shows the bytes themselves: \\r\\n, "
         "invisible characters and bytes that are not text."),
        ("Save report", "A page for a teacher (HTML: every check with its explanation, hint "
         "and transcript) or data for scripts (JSON, the same as labsuite check --json)."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES)],
    "Network": [
        ("This computer", "Every network interface and its addresses. Loopback "
         "(127.0.0.1, ::1) reaches only this computer; give a partner the highlighted "
         "network address."),
        ("Look-up", "Turns a name into addresses, as every client does before it "
         "connects: first the hosts file, then the name servers (DNS)."),
        ("Connection doctor", "Does what a client does, one step at a time (look the name "
         "up, connect to each address) and says in plain words what went wrong: a wrong "
         "name, nothing listening, no answer (a firewall), or no route."),
        ("Raw console", "Telnet in a window: connect to any server and type its protocol by "
         "hand (try the chat server: ADD yourname). Every byte that comes back is shown, as "
         "text or as hex with offsets."),
        ("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES)],
}


def topic(name: str) -> List[Tuple[str, str]]:
    return TOPICS.get(name, [("Ports", PORTS), ("127.0.0.1 or 0.0.0.0?", ADDRESSES), ("The log", LOG)])


# -- the README -----------------------------------------------------------------------------
def readme_text() -> Optional[str]:
    """The README from this computer (see the module docstring), or None."""
    package = Path(__file__).resolve().parents[1]
    places = [package.parent / "README.md", package / "README.md"]
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        places.insert(0, Path(bundle) / "README.md")
    for place in places:
        try:
            return place.read_text(encoding="utf-8")
        except OSError:
            continue
    try:
        from importlib import metadata
        description = metadata.metadata("labsuite").get_payload()
        return description or None
    except Exception:
        return None


def readme_section(heading: str, text: Optional[str] = None) -> List[Block]:
    """The blocks under ``heading`` (## or ###), down to the next heading of its level."""
    text = readme_text() if text is None else text
    if not text:
        return [("text", "The guide (README.md) is not on this computer.")]
    lines = text.splitlines()
    start, level = None, 0
    for number, line in enumerate(lines):
        match = re.match(r"^(#{1,4})\s+(.*)$", line)
        if match and match[2].strip().lower() == heading.lower():
            start, level = number, len(match[1])
            break
    if start is None:
        return [("text", f"The guide has no section called {heading!r}.")]
    end = len(lines)
    for number in range(start + 1, len(lines)):
        match = re.match(r"^(#{1,4})\s", lines[number])
        if match and len(match[1]) <= level:
            end = number
            break
    return markdown_blocks(lines[start:end])


def markdown_blocks(lines: List[str]) -> List[Block]:
    """Just enough Markdown: headings, paragraphs, fenced code, tables as lines."""
    blocks: List[Block] = []
    paragraph: List[str] = []
    code: Optional[List[str]] = None

    def end_paragraph():
        if paragraph:
            blocks.append(("text", _plain(" ".join(paragraph))))
            paragraph.clear()

    for line in lines:
        if line.startswith("```"):
            if code is None:
                end_paragraph()
                code = []
            else:
                blocks.append(("code", "\n".join(code)))
                code = None
            continue
        if code is not None:
            code.append(line)
            continue
        heading = re.match(r"^#{1,4}\s+(.*)$", line)
        if heading:
            end_paragraph()
            blocks.append(("heading", _plain(heading[1])))
        elif line.startswith("|"):
            end_paragraph()
            cells = [_plain(cell.strip()) for cell in line.strip().strip("|").split("|")]
            if not all(set(cell) <= set("-: ") for cell in cells):
                blocks.append(("text", " — ".join(cells)))
        elif line.startswith("!["):
            continue
        elif not line.strip():
            end_paragraph()
        else:
            paragraph.append(line.strip())
    end_paragraph()
    if code:
        blocks.append(("code", "\n".join(code)))
    return blocks


def _plain(text: str) -> str:
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r"\*\*|`", "", text)
