"""The Chat tab against real sockets on 127.0.0.1: host, join, talk, whisper, leave."""

from __future__ import annotations

import pytest

from labsuite.gui.style import shown_text
from labsuite.gui.tabs.chat import EVERYONE
from labsuite.gui.widgets import open_dialog
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


def choose(app, tab, person):
    """Pick ``person`` in the people list, as a click would."""
    index = tab.people.index(person)
    tab.people_list.selection_clear(0, "end")
    tab.people_list.selection_set(index)
    tab.people_list.event_generate("<<ListboxSelect>>")
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

    choose(app, tab, "cold turkey")
    assert tab.recipient == "cold turkey"
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
    assert tab.recipient == EVERYONE


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
    wait_until(app.root, lambda: "closed the room" in str(tab.state_label.cget("text")))
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


def test_closing_the_room_asks_first_then_leaves_it_and_frees_the_port(app):
    tab, (_host, port) = host_room(app)
    watcher = ChatPeer(("127.0.0.1", port), "watcher")
    wait_until(app.root, lambda: tab.others_in_room() == ["watcher"], message="the watcher")
    tab.server.toggle_button.invoke()
    dialog = open_dialog(app.root)
    assert dialog is not None and "1 person still in your room: watcher" in \
        str(dialog.question.cget("text"))
    wait_until(app.root, lambda: app.root.focus_get() is dialog.no_button,
               message="the safe answer to have the focus")  # Enter keeps the room open
    dialog.no_button.invoke()
    app.root.update()
    assert tab.server.running and open_dialog(app.root) is None
    tab.server.toggle_button.invoke()
    open_dialog(app.root).yes_button.invoke()
    assert watcher.expect("LEFT host")[-1] == "HERE host"  # a polite QUIT, not a crash
    wait_until(app.root, lambda: not tab.server.running, message="the room to close")
    wait_until(app.root, lambda: port_is_free(port))
    assert tab.client is None


def test_an_empty_room_closes_without_a_question(app):
    tab, (_host, port) = host_room(app)
    tab.server.toggle_button.invoke()
    assert open_dialog(app.root) is None
    wait_until(app.root, lambda: not tab.server.running, message="the room to close")


def test_a_member_sees_the_host_close_the_room(app):
    server = ChatServer(port=0).start()
    tab = app.select("Chat")
    tab.target.set(host="127.0.0.1", port=server.address[1])
    tab.name.set("member")
    tab.join_button.invoke()
    wait_until(app.root, lambda: tab.joined_as == "member")
    server.stop()
    wait_until(app.root, lambda: "The host closed the room." in str(tab.state_label.cget("text")))
    text = conversation(tab)
    assert text.count("==> The host closed the room.") == 1  # said once, and plainly
    assert "Connection lost" not in str(tab.state_label.cget("text"))
    assert "notice" in tab.conversation.text.tag_names("end-2l linestart +20c")
    assert str(tab.join_button.cget("text")) == "Reconnect"


def test_private_means_one_message_and_the_next_goes_to_everyone(app):
    tab, address = host_room(app)
    bob = ChatPeer(address, "bob")
    wait_until(app.root, lambda: "bob" in tab.people)
    choose(app, tab, "bob")
    assert "Private to bob" in str(tab.to_label.cget("text"))
    assert str(tab.send_button.cget("text")) == "Send privately"
    type_and_send(app, tab, "just for you")
    bob.expect("PRIVATE host")
    assert bob.line() == "just for you"
    assert tab.recipient == EVERYONE  # the private mode ended with that message
    assert "To everyone" in str(tab.to_label.cget("text"))
    type_and_send(app, tab, "hello all")
    bob.expect("MESSAGE host")
    assert bob.line() == "hello all"
    choose(app, tab, "bob")
    tab.message_entry.event_generate("<Escape>")  # changed my mind
    assert tab.recipient == EVERYONE


def test_when_the_chosen_person_leaves_nothing_is_sent_until_chosen_again(app):
    tab, address = host_room(app)
    bob = ChatPeer(address, "bob")
    carol = ChatPeer(address, "carol")
    wait_until(app.root, lambda: {"bob", "carol"} <= set(tab.people))
    choose(app, tab, "bob")
    bob.send("QUIT\n")
    wait_until(app.root, lambda: "bob" not in tab.people, message="bob to leave")
    assert tab.recipient == "" and "bob has left the room" in str(tab.to_label.cget("text"))
    assert "nothing was sent" in str(tab.to_label.cget("text"))
    type_and_send(app, tab, "secret meant for bob")
    assert tab.message.get() == "secret meant for bob"  # kept, not sent to everyone
    carol.sock.settimeout(0.5)
    with pytest.raises(OSError):  # (a timeout: nothing reached carol)
        carol.expect("secret meant for bob", timeout=0.5)
    choose(app, tab, "carol")
    type_and_send(app, tab, "secret meant for bob")
    carol.sock.settimeout(5)
    carol.expect("PRIVATE host")
    assert carol.line() == "secret meant for bob"
    wait_until(app.root, lambda: "[private to carol]" in conversation(tab))


def test_other_peoples_private_text_never_shows_in_the_hosts_window(app):
    tab, address = host_room(app)
    alice, bob = ChatPeer(address, "alice"), ChatPeer(address, "bob")
    alice.send("PRIVATE bob\nthe password is swordfish\n")
    bob.expect("PRIVATE alice")
    assert bob.line() == "the password is swordfish"
    wait_until(app.root, lambda: "private message" in tab.log.content(),
               message="the log to note the private message")
    tab.log.flush()
    assert "alice sent a private message to bob" in tab.log.content()
    everything = "\n".join(shown_text(app.root).values())
    assert "swordfish" not in everything
    assert "(private: not shown)" in tab.log.content() or "private" in tab.log.content()


def test_the_debugging_switch_shows_private_text_but_never_on_a_projector(app):
    app.show_private.set(True)
    app._private_switch_moved()
    tab, address = host_room(app)
    assert tab.server.service.show_private is True
    alice, bob = ChatPeer(address, "alice"), ChatPeer(address, "bob")
    alice.send("PRIVATE bob\nvisible to the teacher\n")
    wait_until(app.root, lambda: "visible to the teacher" in tab.log.content())
    app.set_projector(True)
    assert app.show_private.get() is False and tab.server.service.show_private is False
    alice.send("PRIVATE bob\nnot on the projector\n")
    assert bob.expect("not on the projector", timeout=5) is not None
    wait_until(app.root, lambda: tab.log.content().count("private message") >= 2)
    assert "not on the projector" not in tab.log.content()
    app.set_projector(False)


def test_keyboard_only_host_join_and_send(app):
    """Alt+4 to the Chat tab, Alt+letter to host (the host joins by itself), type, Enter."""
    tab = app.tabs["Chat"]
    tab.name.set("keys")
    tab.server.scope.set(ports.LOCAL_ONLY)
    tab.server.port_box.set_port(free_port())
    app.select("Time")
    app.root.focus_force()
    app.root.update()
    number = app.notebook.index(tab) + 1
    app.root.focus_get().event_generate(f"<Alt-KeyPress-{number}>")
    app.root.update()
    assert app.current_tab is tab
    letter = tab.server.toggle_button._labsuite_letter
    assert letter and str(tab.server.toggle_button.cget("underline")) != "-1"
    (app.root.focus_get() or app.root).event_generate(f"<Alt-KeyPress-{letter}>")
    wait_until(app.root, lambda: tab.joined_as == "keys", message="hosting and joining")
    assert app.root.focus_get() is tab.message_entry  # ready to type
    peer = ChatPeer(tab.server.service.address, "listener")
    tab.message.set("typed without a mouse")
    tab.message_entry.event_generate("<Return>")
    peer.expect("MESSAGE keys")
    assert peer.line() == "typed without a mouse"


def test_the_room_address_is_shown_large_while_hosting(app):
    tab, (_host, port) = host_room(app)
    assert tab.server.address_text == f"127.0.0.1 port {port}"
    assert tab.server.big_label.winfo_ismapped()
    assert str(tab.server.big_label.cget("style")) == "Big.TLabel"
