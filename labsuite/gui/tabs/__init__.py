"""The window's tabs: each arranges shared widgets (:mod:`labsuite.gui.widgets`) around
one lesson. The Network tab's pages live beside it as ``network_*.py``."""

from .chat import ChatTab
from .echo import EchoTab
from .network import NetworkTab
from .time import TimeTab
from .web import WebTab

__all__ = ["ChatTab", "EchoTab", "NetworkTab", "TimeTab", "WebTab"]
