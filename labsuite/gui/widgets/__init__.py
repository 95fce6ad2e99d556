"""The pieces every tab is built from, each defined once (a tab only arranges them).

logview (the socket log), fields (host and port boxes), server_controls (one-button
server), client_slot (the one client connection a panel owns), queries (one request at
a time), connections (a server's clients), console_view (bytes as text or hex), panels
(the tab base, wrapping labels and rows, result panel), panes (resizable parts with a
minimum), tooltip, keys (mnemonics), dialogs (a question, a reading window), explain
(a tab's "What is this?") and statusbar (the window's bottom line).
"""

from .client_slot import ClientSlot
from .connections import ConnectionTable
from .console_view import ConsoleView
from .dialogs import Confirm, ReadingWindow, confirm, open_dialog
from .fields import HostPortField, PortBox, on_return, parse_port, set_enabled
from .keys import Mnemonics, relabel
from .logview import LogView
from .panels import Flow, ResultPanel, Tab, WrapLabel, copy_text, intro
from .panes import VerticalPanes
from .queries import LatestQuery, QueryRunner
from .server_controls import ServerControls
from .statusbar import StatusBar
from .tooltip import tip, tip_of, tips

__all__ = ["ClientSlot", "Confirm", "ConnectionTable", "ConsoleView", "Flow", "HostPortField",
           "LatestQuery", "LogView", "Mnemonics", "PortBox", "QueryRunner", "ReadingWindow",
           "ResultPanel", "ServerControls", "StatusBar", "Tab", "VerticalPanes", "WrapLabel",
           "confirm", "copy_text", "intro", "on_return", "open_dialog", "parse_port",
           "relabel", "set_enabled", "tip", "tip_of", "tips"]
