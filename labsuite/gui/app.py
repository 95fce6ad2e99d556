"""The labsuite window: five tabs, a status bar, the event pump and a clean exit.

``run_app()`` is what the plain ``labsuite`` command runs. ``create_app()`` builds the
same window without entering the main loop, which is how the tests drive it.
"""

from __future__ import annotations

import gc
import re
import signal
import sys
import threading
import time
import tkinter as tk
from pathlib import Path
from tkinter import messagebox, ttk
from typing import Dict, List, Optional, Sequence

from labsuite import __version__

from . import style
from .fonts import FontScaler
from .pump import EventPump
from .settings import Settings
from .tabs import ChatTab, EchoTab, NetworkTab, TimeTab, WebTab
from .widgets import StatusBar, Tab

TITLE = "labsuite"
#: Closing waits at most this long for all services together (they stop in parallel).
STOP_SECONDS = 0.8

PACKAGE = Path(__file__).resolve().parents[1]
ICON_FILES = (PACKAGE.parent / "icons" / "labsuite.png", PACKAGE / "assets" / "icon.png")

_GEOMETRY = re.compile(r"^(?P<width>\d{2,5})x(?P<height>\d{2,5})"
                       r"(?:\+(?P<x>-?\d{1,5})\+(?P<y>-?\d{1,5}))?$")


class LabSuiteApp:
    """The whole window. Tabs are attributes (``time_tab``, ``echo_tab``, ...)."""

    def __init__(self, root: tk.Tk, settings: Optional[Settings] = None):
        self.root = root
        self.settings = settings if settings is not None else Settings.load()
        self.closed = False
        root.title(TITLE)
        root.minsize(style.MIN_WIDTH, style.MIN_HEIGHT)
        self._restore_geometry()
        style.apply_theme(root)
        _set_icon(root)

        self.fonts = FontScaler(root, on_change=lambda _size: style.fonts_changed(root))
        saved_size = self.settings.get("font.size")
        if saved_size:
            self.fonts.set_size(saved_size)
        self.fonts.bind_keys(root)

        self.pump = EventPump(root)
        self._build_menu()
        self.status = StatusBar(root)
        self.status.pack(side="bottom", fill="x")
        self.notebook = ttk.Notebook(root)
        self.notebook.pack(side="top", fill="both", expand=True, padx=style.PAD,
                           pady=(style.PAD, style.SMALL_PAD))

        self.time_tab = TimeTab(self.notebook, self.pump, self.settings)
        self.echo_tab = EchoTab(self.notebook, self.pump, self.settings)
        self.chat_tab = ChatTab(self.notebook, self.pump, self.settings)
        self.web_tab = WebTab(self.notebook, self.pump, self.settings)
        self.network_tab = NetworkTab(self.notebook, self.pump, self.settings)
        self.tabs: Dict[str, Tab] = {}
        for tab in (self.time_tab, self.echo_tab, self.web_tab, self.chat_tab, self.network_tab):
            self.notebook.add(tab, text=f"  {tab.title}  ")
            self.tabs[tab.title] = tab
        self._select_saved_tab()
        self.chat_tab.on_unread_changed = self._show_unread
        self.notebook.bind("<<NotebookTabChanged>>", lambda _event: self._tab_changed(), add="+")

        root.protocol("WM_DELETE_WINDOW", self.close)
        root.bind_all("<Control-q>", lambda _event: self.close())
        self.pump.start()
        self.pump.in_background(StatusBar.look_up, self.status.show_addresses,
                                name="look up addresses")

    # -- building ---------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = tk.Menu(self.root)
        file_menu = tk.Menu(menu, tearoff=False)
        file_menu.add_command(label="Quit", accelerator="Ctrl+Q", command=self.close)
        menu.add_cascade(label="File", menu=file_menu, underline=0)
        view = tk.Menu(menu, tearoff=False)
        view.add_command(label="Larger text", accelerator="Ctrl++", command=self.fonts.bigger)
        view.add_command(label="Smaller text", accelerator="Ctrl+-", command=self.fonts.smaller)
        view.add_command(label="Normal text size", accelerator="Ctrl+0", command=self.fonts.reset)
        menu.add_cascade(label="View", menu=view, underline=0)
        help_menu = tk.Menu(menu, tearoff=False)
        help_menu.add_command(label="About labsuite", command=self.show_about)
        menu.add_cascade(label="Help", menu=help_menu, underline=0)
        self.root.configure(menu=menu)
        self.menu = menu

    def show_about(self) -> None:
        messagebox.showinfo(
            "About labsuite", f"labsuite {__version__}\n\nA network-programming lab: time, "
            "echo, web, chat and network tools, each also on the command line "
            "(labsuite --help).", parent=self.root)

    def _restore_geometry(self) -> None:
        """Last session's size and place; the place only if it is still on this screen."""
        match = _GEOMETRY.match(self.settings.get("window.geometry") or "")
        if not match:
            self.root.geometry(style.START_SIZE)
            return
        width, height, x, y = (int(match[name]) if match[name] else None
                               for name in ("width", "height", "x", "y"))
        geometry = f"{max(width, style.MIN_WIDTH)}x{max(height, style.MIN_HEIGHT)}"
        if x is not None and 0 <= x < self.root.winfo_screenwidth() - 100 \
                and 0 <= y < self.root.winfo_screenheight() - 100:
            geometry += f"+{x}+{y}"
        self.root.geometry(geometry)

    def _select_saved_tab(self) -> None:
        index = self.settings.get("window.tab")
        if 0 <= index < len(self.tabs):
            self.notebook.select(index)

    def _show_unread(self, count: int) -> None:
        title = self.chat_tab.title + (f" ({count})" if count else "")
        self.notebook.tab(self.chat_tab, text=f"  {title}  ")

    def _tab_changed(self) -> None:
        if str(self.notebook.select()) == str(self.chat_tab):
            self.chat_tab.seen()

    def select(self, title: str) -> Tab:
        tab = self.tabs[title]
        self.notebook.select(tab)
        return tab

    # -- closing ----------------------------------------------------------------------
    def running_services(self) -> List:
        return [service for tab in self.tabs.values() for service in tab.running_services()]

    def save_settings(self) -> bool:
        values: Dict[str, object] = {"font.size": self.fonts.size}
        if self.root.state() == "normal":
            values["window.geometry"] = self.root.geometry()
        try:
            values["window.tab"] = self.notebook.index(self.notebook.select())
        except tk.TclError:
            pass
        for tab in self.tabs.values():
            values.update(tab.settings())
        self.settings.update(values)
        return self.settings.save()

    def close(self) -> None:
        """Remember the settings, stop every server and client, and close the window."""
        if self.closed:
            return
        self.closed = True
        try:
            self.save_settings()
        except Exception as exc:  # settings are a convenience: never block closing
            print(f"labsuite: could not save settings: {exc!r}", file=sys.stderr)
        stop_all(self.running_services(), STOP_SECONDS)
        for tab in self.tabs.values():
            tab.close()
        self.pump.stop()
        try:
            self.root.destroy()
        except tk.TclError:
            pass
        # Free the window's Tk objects now, on this thread: left to a later garbage
        # collection on a worker thread, each would block that thread for a second.
        gc.collect()


def stop_all(services: Sequence, seconds: float) -> None:
    """Stop services in parallel, waiting ``seconds`` at most for all of them together."""
    threads = [threading.Thread(target=_stop_quietly, args=(service,), daemon=True,
                                name="stop on close") for service in services]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + seconds
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))


def _stop_quietly(service) -> None:
    try:
        service.stop()
    except Exception as exc:
        print(f"labsuite: stopping {service!r} failed: {exc!r}", file=sys.stderr)


def _set_icon(root: tk.Tk) -> None:
    for path in ICON_FILES:
        if path.is_file():
            try:
                image = tk.PhotoImage(master=root, file=str(path))
                root.iconphoto(True, image)
                root._labsuite_icon = image  # keep a reference, or Tk drops the image
                return
            except tk.TclError:
                continue


def create_app(settings: Optional[Settings] = None) -> LabSuiteApp:
    """A new root window with the whole app in it (no main loop: the caller drives it)."""
    root = tk.Tk(className="labsuite")
    try:
        return LabSuiteApp(root, settings)
    except BaseException:
        root.destroy()
        raise


def run_app(argv: Optional[Sequence[str]] = None) -> int:
    """Open the window and return the exit status once it is closed.

    ``argv`` is reserved for window options; none exist yet.
    """
    try:
        app = create_app()
    except tk.TclError as exc:
        print(f"labsuite: cannot open a window ({exc}). The command line still works: "
              "see labsuite --help.", file=sys.stderr)
        return 1
    previous = _close_on_signals(app)
    try:
        app.root.mainloop()
    finally:
        app.close()  # in case the loop ended some other way
        for number, handler in previous.items():
            signal.signal(number, handler)
    del app
    gc.collect()  # free the window's objects here, on the Tk thread, not in a worker
    return 0


def _close_on_signals(app: LabSuiteApp) -> dict:
    """Ctrl+C in the terminal or a polite kill closes the window cleanly; returns the
    handlers it replaced. (Python runs signal handlers between bytecodes, which the
    pump's ticks provide.)"""
    def handler(_signum, _frame):
        if not app.closed:
            app.root.after_idle(app.close)

    previous = {}
    for name in ("SIGINT", "SIGTERM"):
        number = getattr(signal, name, None)
        if number is not None:
            try:
                previous[number] = signal.signal(number, handler)
            except ValueError:  # not the main thread: leave signals alone
                break
    return previous

