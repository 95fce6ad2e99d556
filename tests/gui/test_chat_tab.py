"""The Chat tab against real sockets on 127.0.0.1: host, join, talk, whisper, leave."""

from __future__ import annotations

import pytest

from labsuite.net import ports
from labsuite.net.chat import ChatServer
from tests.support import ChatPeer

from .conftest import free_port, port_is_free, screenshot, wait_until

pytestmark = pytest.mark.timeout(40)


def host_room(app, name="host"):
    tab = app.select("Chat")
    tab.name.set(name)
    tab.server.scope.set(ports.LOCAL_ONLY)
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.joined_as == name, message="the host to join its own room")
    return tab, tab.server.service.address


def type_and_send(app, tab, text):
    tab.message_entry.focus_force()
    tab.message.set(text)
    tab.message_entry.event_generate("<Return>")
    app.root.update()


def conversation(tab):
    tab.conversation.flush()
    return tab.conversation.content()


def test_host_a_room_and_talk_with_a_partner(app):
    tab, address = host_room(app)
    assert str(tab.server.toggle_button.cget("text")) == "Close the room"
    assert "In the room as host" in str(tab.state_label.cget("text"))
    assert tab.people == ["host"]
    assert tab.people_list.get(0) == "host (you)"
    assert tab.message_entry.winfo_viewable(), "the message row must be on screen"

    turkey = ChatPeer(address, "cold turkey")
    assert turkey.line() == "HERE host"
    wait_until(app.root, lambda: tab.people == ["host", "cold turkey"], message="the newcomer")
    wait_until(app.root, lambda: "2 people in the room" in str(tab.room_label.cget("text")))
    turkey.send("MESSAGE Hi everyone!\n")
    wait_until(app.root, lambda: "==> cold turkey: Hi everyone!" in conversation(tab))

    type_and_send(app, tab, "Hi turkey")
    assert turkey.expect("MESSAGE host") == ["MESSAGE cold turkey", "Hi everyone!"]
    assert turkey.line() == "Hi turkey"
    assert tab.message.get() == ""
    wait_until(app.root, lambda: "==> host: Hi turkey" in conversation(tab))

    tab.people_list.selection_set(1)
    tab.people_list.event_generate("<<ListboxSelect>>")
    app.root.update()
    assert tab.recipient.get() == "cold turkey"
    type_and_send(app, tab, "Are you hungry?")
    assert turkey.expect("PRIVATE host") == []
    assert turkey.line() == "Are you hungry?"
    assert "[private to cold turkey] host: Are you hungry?" in conversation(tab)

    turkey.send("PRIVATE host\nSure. Wanna eat?\n")
    wait_until(app.root, lambda: "==> [private] cold turkey: Sure. Wanna eat?" in conversation(tab))
    screenshot(app.root, "chat-tab")

    turkey.send("QUIT\n")
    wait_until(app.root, lambda: "==> cold turkey has left the chat room" in conversation(tab))
    assert tab.people == ["host"]
    assert tab.recipient.get() == "everyone"


def test_unread_messages_are_counted_in_the_tab_title(app):
    tab, address = host_room(app)
    peer = ChatPeer(address, "chatty")
    app.select("Echo")
    app.root.update()
    for n in range(3):
        peer.send(f"MESSAGE note {n}\n")
    wait_until(app.root, lambda: tab.unread == 3, message="three unread messages")
    assert "Chat (3)" in app.notebook.tab(tab, "text")
    app.select("Chat")
    wait_until(app.root, lambda: tab.unread == 0)
    assert app.notebook.tab(tab, "text").strip() == "Chat"
    peer.close()


def test_a_taken_name_can_be_changed_and_joined(app):
    with ChatServer(port=0) as server:
        first = ChatPeer(server.address, "cool cat")  # noqa: F841 (keeps the name taken)
        tab = app.select("Chat")
        tab.target.set(host="127.0.0.1", port=server.address[1])
        tab.name.set("Cool Cat")
        tab.join_button.invoke()
        wait_until(app.root, lambda: "already taken" in str(tab.state_label.cget("text")))
        assert tab.joined_as is None
        tab.name.set("cool kitten")
        tab.join_button.invoke()
        wait_until(app.root, lambda: tab.joined_as == "cool kitten")
        assert str(tab.join_button.cget("text")) == "Leave"
        tab.join_button.invoke()
        assert first.expect("LEFT cool kitten")[0] == "NEW cool kitten"
        wait_until(app.root, lambda: str(tab.state_label.cget("text")) == "Not in a room")


def test_a_lost_connection_is_said_plainly_with_reconnect(app):
    server = ChatServer(port=0).start()
    port = server.address[1]
    tab = app.select("Chat")
    tab.target.set(host="127.0.0.1", port=port)
    tab.name.set("stranded")
    tab.join_button.invoke()
    wait_until(app.root, lambda: tab.joined_as == "stranded")
    server.stop()
    wait_until(app.root, lambda: "Connection lost" in str(tab.state_label.cget("text")))
    assert str(tab.join_button.cget("text")) == "Reconnect"
    assert tab.message_entry.instate(["disabled"])
    with ChatServer(port=port):
        tab.join_button.invoke()
        wait_until(app.root, lambda: tab.joined_as == "stranded", message="rejoined")


def test_joining_nothing_listening_is_a_plain_error(app):
    tab = app.select("Chat")
    tab.target.set(host="127.0.0.1", port=free_port())
    tab.join_button.invoke()
    wait_until(app.root, lambda: "Nothing is listening" in str(tab.state_label.cget("text")))
    assert tab.client is None


def test_closing_the_room_leaves_it_first_and_frees_the_port(app):
    tab, (_host, port) = host_room(app)
    watcher = ChatPeer(("127.0.0.1", port), "watcher")
    tab.server.toggle_button.invoke()
    assert watcher.expect("LEFT host")[-1] == "HERE host"  # a polite QUIT, not a crash
    wait_until(app.root, lambda: not tab.server.running, message="the room to close")
    wait_until(app.root, lambda: port_is_free(port))
    assert tab.client is None
