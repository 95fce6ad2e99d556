"""The pieces every tab is built from, each defined once (a tab only arranges them).

logview (the socket log), fields (host and port boxes), server_controls (one-button
server), client_slot (the one client connection a panel owns), queries (one request at
a time), connections (a server's clients), console_view (bytes as text or hex), panels
(the tab base, wrapping labels, result panel) and statusbar (the window's bottom line).
"""

from .client_slot import ClientSlot
from .connections import ConnectionTable
from .console_view import ConsoleView
from .fields import HostPortField, PortBox, parse_port, set_enabled
from .logview import LogView
from .panels import ResultPanel, Tab, WrapLabel, copy_text, intro
from .queries import LatestQuery, QueryRunner
from .server_controls import ServerControls
from .statusbar import StatusBar

__all__ = ["ClientSlot", "ConnectionTable", "ConsoleView", "HostPortField", "LatestQuery",
           "LogView", "PortBox", "QueryRunner", "ResultPanel", "ServerControls", "StatusBar",
           "Tab", "WrapLabel", "copy_text", "intro", "parse_port", "set_enabled"]
