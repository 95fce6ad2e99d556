"""The labsuite window: its tabs, menus, status bar, look, keys, the event pump and a
clean exit.

``run_app()`` is what the plain ``labsuite`` command runs. ``create_app()`` builds the
same window without entering the main loop, which is how the tests drive it.

The window fits the screen it opens on: never larger than the work area, centred, at a
scale chosen from the screen (a 1080-line projector starts larger than a laptop), and its
minimum size is what its tabs need at that scale, so no pane can be squeezed to nothing.
Ctrl+plus goes up only as far as the result still fits the screen.
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
from tkinter import ttk
from typing import Dict, List, Optional, Sequence, Tuple

from labsuite import __version__

from . import help as guide
from . import look as looks
from . import style
from .look import Look
from .pump import EventPump
from .settings import Settings
from .tabs import ChatTab, EchoTab, NetworkTab, TimeTab, WebTab
from .tabs.check import CheckTab
from .tabs.poker import PokerTab
from .widgets import Mnemonics, ReadingWindow, ServerControls, StatusBar, Tab, confirm, tip
from .widgets.announced import AnnouncedNote
from .widgets.found import (QUIET_VARIABLE, BrowserFactory, FoundServers, WindowBrowser,
                            default_browser, network_quiet)

TITLE = "labsuite"
#: Closing waits at most this long for all services together (they stop in parallel).
STOP_SECONDS = 0.8
#: Height the desktop keeps for itself (panels, the title bar) and a window cannot use.
RESERVED_HEIGHT = 100 if sys.platform == "darwin" else 72
#: A new window's size at scale 1 (it grows with the scale, within the screen).
START_WIDTH, START_HEIGHT = 1100, 760
#: Projector mode goes no larger than this.
PROJECTOR_LARGEST = 2.5
#: The setting behind Settings ▸ "Announce my servers on the network" (on by default).
ANNOUNCE_SETTING = "network.announce"
ANNOUNCE_LABEL = "Announce my servers on the network"

PACKAGE = Path(__file__).resolve().parents[1]
ICON_FILES = (PACKAGE.parent / "icons" / "labsuite.png", PACKAGE / "assets" / "icon.png")

_GEOMETRY = re.compile(r"^(?P<width>\d{2,5})x(?P<height>\d{2,5})"
                       r"(?:\+(?P<x>-?\d{1,5})\+(?P<y>-?\d{1,5}))?$")

SHORTCUTS = (("Ctrl+Tab, Ctrl+Shift+Tab", "next, previous tab"),
             ("Alt+1 … Alt+9", "go to tab 1 … 9"),
             ("Alt + underlined letter", "press that button on the tab shown"),
             ("Tab, Shift+Tab", "move between controls"),
             ("Enter", "the main action of the field (Query, Connect, Send, Start…)"),
             ("Escape", "close a dialog or panel; in the chat: write to everyone"),
             ("F1", "What is this? for the tab shown"),
             ("Ctrl+plus, Ctrl+minus, Ctrl+0", "larger, smaller, normal size"),
             ("Ctrl+Q", "quit"))


class LabSuiteApp:
    """The whole window. Tabs are attributes (``time_tab``, ``echo_tab``, ...).

    ``discovery`` (default: the process's) is what the announce switch turns on and
    off; ``browser(on_event)`` builds the window's one search of the network (default:
    a real Browser, unless LABSUITE_NO_ANNOUNCE keeps this process off the network).
    """

    def __init__(self, root: tk.Tk, settings: Optional[Settings] = None, discovery=None,
                 browser: Optional[BrowserFactory] = None):
        self.root = root
        self.settings = settings if settings is not None else Settings.load()
        self.closed = False
        self.reading: Optional[ReadingWindow] = None
        root.title(TITLE)
        _set_icon(root)

        scale = self.settings.get("view.scale") or looks.suggested_scale(
            root.winfo_screenheight(), root.winfo_fpixels("1i"))
        self.look = Look(root, theme=self.settings.get("view.theme"), scale=scale)
        root._labsuite_look = self.look
        self.projector = tk.BooleanVar(root, self.settings.get("view.projector"))
        self._before_projector = self.look.scale
        self.show_private = tk.BooleanVar(root, False)  # never remembered: off each start
        self.theme_choice = tk.StringVar(root, self.look.theme_choice)
        self._discovery = discovery
        #: LABSUITE_NO_ANNOUNCE: this process sends nothing to the network (the tests).
        self.quiet = discovery is None and network_quiet()
        self.announce = tk.BooleanVar(root, bool(self.settings.get(ANNOUNCE_SETTING, True))
                                      and not self.quiet)
        if not self.quiet and not self.announce.get():
            self.discovery.set_announcing(False)  # before any server starts
        self.found = FoundServers(root)

        self.pump = EventPump(root)
        self.pump.start()  # before the tabs: a page may start background work as it is built
        self._build_menu()
        self.status = StatusBar(root)
        self.status.pack(side="bottom", fill="x")
        self.explain_button = ttk.Button(self.status, text="What is this? (F1)",
                                         command=self.explain_current)
        self.explain_button.pack(side="right", padx=(0, style.SMALL_PAD),
                                 before=self.status.copy_button)
        tip(self.explain_button, "What the tab shown teaches, what each choice does and what "
                                 "its log lines mean.")
        self.notebook = ttk.Notebook(root)
        self.notebook.pack(side="top", fill="both", expand=True, padx=style.PAD,
                           pady=(style.PAD, 0))

        self.time_tab = TimeTab(self.notebook, self.pump, self.settings)
        self.echo_tab = EchoTab(self.notebook, self.pump, self.settings)
        self.chat_tab = ChatTab(self.notebook, self.pump, self.settings,
                                show_private=self.private_text_shown)
        self.web_tab = WebTab(self.notebook, self.pump, self.settings)
        self.poker_tab = PokerTab(self.notebook, self.pump, self.settings)
        self.network_tab = NetworkTab(self.notebook, self.pump, self.settings, found=self.found)
        self.check_tab = CheckTab(self.notebook, self.pump, self.settings)
        for tab, kind in ((self.time_tab, "daytime"), (self.echo_tab, "echo"),
                          (self.web_tab, "web"), (self.chat_tab, "chat")):
            tab.server.offer_check(kind, self.check_tab.check_server_like)  # before letters
        self.tabs: Dict[str, Tab] = {}
        self.mnemonics = Mnemonics(root, lambda: self.current_tab)
        for tab in (self.time_tab, self.echo_tab, self.web_tab, self.chat_tab, self.poker_tab,
                    self.network_tab, self.check_tab):
            self.add_tab(tab)
        self._select_saved_tab()
        self.chat_tab.on_unread_changed = self._show_unread
        self._offer_found()
        self.announced = [AnnouncedNote(tab.server, self.why_not_announced)
                          for tab in self.tabs.values()
                          if isinstance(getattr(tab, "server", None), ServerControls)]
        self.notebook.bind("<<NotebookTabChanged>>", lambda _event: self._tab_changed(), add="+")
        self._bind_keys()

        root.protocol("WM_DELETE_WINDOW", self.request_close)
        self._fit_id: Optional[str] = None
        self._width = 0
        root.bind("<Configure>", self._resized, add="+")
        self._place_window()
        self._sizes = None
        self._watch_id = root.after(300, self._watch_sizes)
        self.pump.in_background(StatusBar.look_up, self.status.show_addresses,
                                name="look up addresses")
        self.browsing = WindowBrowser(root, self.pump, self.found, browser or (
            None if self.quiet else default_browser))
        self.browsing.start_when_shown()

    # -- tabs -------------------------------------------------------------------------
    def add_tab(self, tab: Tab) -> None:
        """A tab joins the notebook, its letters and Alt+N (more tabs fit: Poker, Check)."""
        self.notebook.add(tab, text=tab.title)
        self.tabs[tab.title] = tab
        self.mnemonics.assign(tab)

    @property
    def current_tab(self) -> Optional[Tab]:
        try:
            return self.root.nametowidget(self.notebook.select())
        except (KeyError, tk.TclError):
            return None

    def select(self, title: str) -> Tab:
        tab = self.tabs[title]
        self.notebook.select(tab)
        return tab

    def _select_saved_tab(self) -> None:
        index = self.settings.get("window.tab")
        if 0 <= index < len(self.tabs):
            self.notebook.select(index)

    # -- finding each other on the network -----------------------------------------------
    def _offer_found(self) -> None:
        """Each client's field lists the servers found for it; "Use it" on the Network
        tab fills one in and shows its tab."""
        found, time_tab = self.found, self.time_tab
        found.offer(self.chat_tab.target, "chat")
        found.offer(self.poker_tab.target, "poker")
        found.offer(self.echo_tab.target, "echo")
        found.offer(time_tab.target, "daytime", "sntp", then=lambda server: time_tab.protocol.set(
            "sntp" if server.kind == "sntp" else "daytime"))
        self.web_menu = found.offer_url(self.web_tab.url_entry, self.web_tab.url, "web")
        found.reveal = self._reveal

    def _reveal(self, widget: tk.Misc) -> None:
        tab = self._tab_of(widget)
        if tab is not None:
            self.notebook.select(tab)
            self.root.after_idle(widget.focus_set)

    @property
    def discovery(self):
        """What announces this window's servers (the process's own unless given)."""
        if self._discovery is None:
            from labsuite.net.discovery import default_discovery
            self._discovery = default_discovery()
        return self._discovery

    def why_not_announced(self) -> Optional[str]:
        """None while servers for other computers are announced, else why not."""
        if self.quiet:
            return f"Not announced on this network: {QUIET_VARIABLE} is set. Partners type " \
                   "the address."
        if not self.announce.get():
            return (f"Not announced on this network (Settings ▸ {ANNOUNCE_LABEL} is off): "
                    "partners type the address.")
        return None

    def set_announcing(self, on: bool) -> None:
        """The switch: servers for other computers are announced (running ones too) or not."""
        if self.quiet:
            self.announce.set(False)
            return
        self.announce.set(on)
        self.discovery.set_announcing(on)
        for note in self.announced:
            note.refresh()
        self.status.say("Your servers for other computers are announced on this network."
                        if on else "Your servers are no longer announced: partners type "
                                   "the address.")

    def _show_unread(self, count: int) -> None:
        title = self.chat_tab.title + (f" ({count})" if count else "")
        self.notebook.tab(self.chat_tab, text=title)

    def _tab_changed(self) -> None:
        if self.current_tab is self.chat_tab:
            self.chat_tab.seen()
        self._fit_later()

    def step_tab(self, step: int) -> str:
        tabs = self.notebook.tabs()
        if tabs:
            index = (self.notebook.index(self.notebook.select()) + step) % len(tabs)
            self.notebook.select(index)
            self.root.after_idle(self._focus_tab)
        return "break"

    def go_to_tab(self, number: int) -> str:
        tabs = self.notebook.tabs()
        if 1 <= number <= len(tabs):
            self.notebook.select(number - 1)
            self.root.after_idle(self._focus_tab)
        return "break"

    def _focus_tab(self) -> None:
        """After switching by key, the focus goes to the tab (its first control)."""
        tab = self.current_tab
        if tab is not None:
            first = tab.tk_focusNext()
            (first or tab).focus_set()

    def _bind_keys(self) -> None:
        root = self.root
        root.bind_all("<Control-Tab>", lambda _e: self.step_tab(+1))
        for sequence in ("<Control-Shift-Tab>", "<Control-ISO_Left_Tab>"):
            try:
                root.bind_all(sequence, lambda _e: self.step_tab(-1))
            except tk.TclError:  # no ISO_Left_Tab keysym on this platform
                pass
        for number in range(1, 10):
            root.bind(f"<Alt-KeyPress-{number}>", lambda _e, n=number: self.go_to_tab(n))
        root.bind_all("<Control-q>", lambda _event: self.request_close())
        root.bind_all("<FocusIn>", self._focus_moved, add="+")
        for sequence in ("<MouseWheel>", "<Button-4>", "<Button-5>"):
            root.bind_all(sequence, self._wheel, add="+")
        root.bind_all("<F1>", lambda _event: self.explain_current())
        for sequence in ("<Control-plus>", "<Control-equal>", "<Control-KP_Add>"):
            root.bind_all(sequence, lambda _e: self.bigger())
        for sequence in ("<Control-minus>", "<Control-KP_Subtract>"):
            root.bind_all(sequence, lambda _e: self.smaller())
        for sequence in ("<Control-0>", "<Control-KP_0>"):
            root.bind_all(sequence, lambda _e: self.normal_size())

    def _tab_of(self, widget) -> Optional[Tab]:
        while widget is not None:
            if isinstance(widget, Tab):
                return widget
            widget = getattr(widget, "master", None)
        return None

    def _focus_moved(self, event) -> None:
        """A tab that scrolls brings the control with the keyboard focus into view."""
        widget = event.widget
        if isinstance(widget, tk.Misc):
            tab = self._tab_of(widget)
            if tab is not None and tab.scrolling and widget is not tab:
                tab.see(widget)

    def _wheel(self, event) -> None:
        """The wheel scrolls a tab that scrolls, unless a log or list is under it."""
        widget = event.widget
        if not isinstance(widget, tk.Misc) or isinstance(
                widget, (tk.Text, tk.Listbox, ttk.Treeview)):
            return
        tab = self._tab_of(widget)
        if tab is not None and tab.scrolling:
            down = getattr(event, "num", 0) == 5 or getattr(event, "delta", 0) < 0
            tab.scroll_by(3 if down else -3)

    # -- menus ------------------------------------------------------------------------
    def _build_menu(self) -> None:
        menu = tk.Menu(self.root)
        file_menu = tk.Menu(menu, tearoff=False)
        file_menu.add_command(label="Quit", accelerator="Ctrl+Q", underline=0,
                              command=self.request_close)
        menu.add_cascade(label="File", menu=file_menu, underline=0)

        view = tk.Menu(menu, tearoff=False)
        view.add_command(label="Larger", accelerator="Ctrl++", underline=0, command=self.bigger)
        view.add_command(label="Smaller", accelerator="Ctrl+-", underline=0,
                         command=self.smaller)
        view.add_command(label="Normal size", accelerator="Ctrl+0", underline=0,
                         command=self.normal_size)
        view.add_separator()
        view.add_checkbutton(label="Projector mode (large, for a class)", underline=0,
                             variable=self.projector, command=self._projector_toggled)
        view.add_separator()
        for label, value in (("Theme: as the system", "system"), ("Theme: light", "light"),
                             ("Theme: dark", "dark")):
            view.add_radiobutton(label=label, value=value, variable=self.theme_choice,
                                 command=lambda: self.set_theme(self.theme_choice.get()))
        menu.add_cascade(label="View", menu=view, underline=0)

        settings = tk.Menu(menu, tearoff=False)
        settings.add_checkbutton(
            label="Show private messages in my room's log (to debug my own room)",
            variable=self.show_private, command=self._private_switch_moved, underline=5)
        settings.add_checkbutton(
            label=ANNOUNCE_LABEL + (f" (off: {QUIET_VARIABLE} is set)" if self.quiet else ""),
            variable=self.announce, underline=0,
            command=lambda: self.set_announcing(bool(self.announce.get())),
            state="disabled" if self.quiet else "normal")
        menu.add_cascade(label="Settings", menu=settings, underline=6)  # Alt+G

        help_menu = tk.Menu(menu, tearoff=False)
        help_menu.add_command(label="What is this tab?", accelerator="F1", underline=0,
                              command=self.explain_current)
        help_menu.add_command(label="Keyboard shortcuts", underline=0,
                              command=self.show_shortcuts)
        help_menu.add_separator()
        for label, heading in guide.GUIDE:
            help_menu.add_command(label=f"Guide: {label}",
                                  command=lambda h=heading, t=label: self.show_guide(h, t))
        help_menu.add_separator()
        help_menu.add_command(label="About labsuite", underline=0, command=self.show_about)
        menu.add_cascade(label="Help", menu=help_menu, underline=0)
        self.root.configure(menu=menu)
        self.menu, self.view_menu, self.settings_menu = menu, view, settings
        self._menus = (file_menu, view, settings, help_menu)
        looks.follow_look(self.root, self._restyle_menus)

    def _restyle_menus(self) -> None:
        palette = self.look.palette
        for menu in (self.menu, *self._menus):
            try:
                menu.configure(background=palette.background, foreground=palette.text,
                               activebackground=palette.select,
                               activeforeground=palette.select_text, font="TkMenuFont")
            except tk.TclError:
                pass
        self.root.configure(background=palette.background)

    # -- help -------------------------------------------------------------------------
    def explain_current(self) -> str:
        tab = self.current_tab
        if tab is not None:
            tab.explainer.toggle()
        return "break"

    def _reading_window(self) -> ReadingWindow:
        if self.reading is None or not self.reading.winfo_exists():
            self.reading = ReadingWindow(self.root)
        return self.reading

    def show_guide(self, heading: str, label: str = "") -> ReadingWindow:
        window = self._reading_window()
        window.show(f"labsuite guide: {label or heading}", guide.readme_section(heading))
        return window

    def show_shortcuts(self) -> ReadingWindow:
        window = self._reading_window()
        window.show("labsuite: keyboard shortcuts",
                    [("heading", "Keyboard shortcuts")] +
                    [("text", f"{keys}: {what}") for keys, what in SHORTCUTS])
        return window

    def show_about(self) -> ReadingWindow:
        window = self._reading_window()
        window.show("About labsuite", [
            ("heading", f"labsuite {__version__}"),
            ("text", "A network-programming lab: time, echo, web, chat and network tools, "
                     "each also on the command line (labsuite --help)."),
            ("text", "Theme: " + ("Sun Valley (sv-ttk)" if self.look.sun_valley else "clam")
             + f", {self.look.theme}; scale {self.look.scale:.0%}.")])
        return window

    # -- look -------------------------------------------------------------------------
    def set_theme(self, choice: str) -> None:
        self.look.set_theme(choice)
        self.theme_choice.set(choice)
        self._fit_later()

    def bigger(self) -> str:
        before = self.look.scale
        self.look.step(+1)
        if self.look.scale != before and not self.fits():
            self.look.set_scale(before)
            self.status.say("That is the largest size that fits this screen.")
        elif self.look.scale == before:
            self.status.say("That is the largest size.")
        self._fit_now()
        return "break"

    def smaller(self) -> str:
        if self.look.step(-1) == looks.STEPS[0]:
            self.status.say("That is the normal size.")
        self._fit_now()
        return "break"

    def normal_size(self) -> str:
        self.look.set_scale(looks.STEPS[0])
        self._fit_now()
        return "break"

    def set_scale(self, scale: float) -> float:
        """Go to ``scale`` (a step), or the largest step below it that fits the screen."""
        self.look.set_scale(scale)
        while not self.fits() and self.look.scale > looks.STEPS[0]:
            self.look.step(-1)
        self._fit_now()
        return self.look.scale

    def largest_fitting_scale(self, limit: float = looks.STEPS[-1],
                              scrolling: bool = True) -> float:
        """The largest step (up to ``limit``) at which the window still fits the screen."""
        before = self.look.scale
        best = looks.STEPS[0]
        for step in looks.STEPS:
            if step > limit + 1e-6:
                break
            self.look.set_scale(step)
            if not self.fits(scrolling):
                break
            best = step
        self.look.set_scale(before)
        return best

    def _projector_toggled(self) -> None:
        self.set_projector(bool(self.projector.get()))

    def set_projector(self, on: bool) -> None:
        """Large for a class to read; private text is never shown on a projector."""
        self.projector.set(on)
        if on:
            self._before_projector = self.look.scale
            self.show_private.set(False)
            self._private_switch_moved()
            self.settings_menu.entryconfigure(0, state="disabled")
            self.set_scale(self.largest_fitting_scale(PROJECTOR_LARGEST))
        else:
            self.settings_menu.entryconfigure(0, state="normal")
            self.set_scale(self._before_projector)

    def private_text_shown(self) -> bool:
        return bool(self.show_private.get()) and not self.projector.get()

    def _private_switch_moved(self) -> None:
        if self.projector.get():
            self.show_private.set(False)
        self.chat_tab.private_switch_changed()
        if self.show_private.get():
            self.chat_tab.log.append("Private messages in your room are now shown in full "
                                     "in this log (Settings menu to turn it off).", error=True)

    # -- size and place ---------------------------------------------------------------
    def work_area(self):
        """(width, height) a window's inside may take: the screen less the desktop's
        panels, the title bar and the menu bar."""
        screen_w, screen_h = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        max_w, max_h = self.root.wm_maxsize()
        menu = self.menu_height()
        return min(screen_w, max_w), min(screen_h - RESERVED_HEIGHT, max_h) - menu

    def menu_height(self) -> int:
        if sys.platform == "darwin":  # the menu bar is at the top of the screen
            return 0
        height = self.root.winfo_rooty() - self.root.winfo_y() if self.root.winfo_ismapped() else 0
        if height <= 0:
            linespace = self.look.line_height("TkMenuFont")
            height = linespace + 10
        return height

    def required_size(self):
        """(width, height) the window needs to show every tab without scrolling."""
        self.root.update_idletasks()
        tabs = list(self.tabs.values())
        for tab in tabs:  # each canvas asks for its body's width now, not at the next idle
            tab._fit_body()
        self.root.update_idletasks()
        shown = max((int(tab.canvas.winfo_reqheight()) for tab in tabs), default=0)
        needed = max((tab.needed_height for tab in tabs), default=0)
        return self.root.winfo_reqwidth(), self.root.winfo_reqheight() - shown + needed

    def fits(self, scrolling: bool = True, size: Optional[Tuple[int, int]] = None) -> bool:
        """Does the window fit the screen at this scale? Its width must; its height too
        unless ``scrolling`` (a tab that needs more height than the screen has scrolls).
        ``size``: what :meth:`required_size` just said (measuring is slow)."""
        width, height = size or self.required_size()
        area_w, area_h = self.work_area()
        return width <= area_w and (scrolling or height <= area_h)

    def _resized(self, event) -> None:
        if event.widget is self.root and event.width != self._width:
            self._width = event.width
            self._fit_later()

    def _watch_sizes(self) -> None:
        """What the shown tab needs changes with its content (a wrapped line, a new row):
        look a few times a second, and fit the tab and the window when it changed."""
        self._watch_id = None
        if self.closed:
            return
        tab = self.current_tab
        if tab is not None:
            sizes = (str(tab), tab.body.winfo_reqwidth(), tab.body.winfo_reqheight())
            if sizes != self._sizes:
                self._sizes = sizes
                tab._fit_body()
                self._fit_later()
        self._watch_id = self.root.after(300, self._watch_sizes)

    def _fit_later(self) -> None:
        if self._fit_id is None and not self.closed:
            self._fit_id = self.root.after(100, self._fit_now)

    def _fit_now(self) -> None:
        """The minimum size is what the tabs need now (within the screen); a window that
        is smaller than that grows."""
        if self._fit_id is not None:
            try:
                self.root.after_cancel(self._fit_id)
            except tk.TclError:
                pass
            self._fit_id = None
        if self.closed:
            return
        width, height = self.required_size()
        area_w, area_h = self.work_area()
        min_w, min_h = min(width, area_w), min(height, area_h)
        self.root.minsize(min_w, min_h)
        now_w, now_h = self.root.winfo_width(), self.root.winfo_height()
        if self.root.winfo_ismapped() and (now_w < min_w or now_h < min_h) \
                and self.root.state() == "normal":
            self.root.geometry(f"{max(now_w, min_w)}x{max(now_h, min_h)}")

    def _place_window(self) -> None:
        """Last session's size (and place, if still on this screen), else a size from the
        scale; never larger than the screen's work area, centred when new."""
        # a suggested scale must fit without scrolling; the student's own choice, with it
        chosen = bool(self.settings.get("view.scale"))
        size = self.required_size()  # (measuring is the slow part of starting: once a scale)
        while not self.fits(scrolling=chosen, size=size) and self.look.scale > looks.STEPS[0]:
            self.look.step(-1)  # too large for this screen
            size = self.required_size()
        req_w, req_h = size
        area_w, area_h = self.work_area()
        min_w, min_h = min(req_w, area_w), min(req_h, area_h)
        self.root.minsize(min_w, min_h)
        match = _GEOMETRY.match(self.settings.get("window.geometry") or "")
        if match:
            width, height = int(match["width"]), int(match["height"])
        else:
            width = self.look.scaled(START_WIDTH)
            height = self.look.scaled(START_HEIGHT)
        width = max(min_w, min(width, area_w))
        height = max(min_h, min(height, area_h))
        screen_w, screen_h = self.root.winfo_screenwidth(), self.root.winfo_screenheight()
        x = y = None
        if match and match["x"] is not None:
            x, y = int(match["x"]), int(match["y"])
            if not (0 <= x <= screen_w - width and 0 <= y <= screen_h - height - 40):
                x = y = None
        if x is None:
            x = max(0, (screen_w - width) // 2)
            y = max(0, (screen_h - RESERVED_HEIGHT - height - self.menu_height()) // 2)
        self.root.geometry(f"{width}x{height}+{x}+{y}")

    # -- closing ----------------------------------------------------------------------
    def running_services(self) -> List:
        return [service for tab in self.tabs.values() for service in tab.running_services()]

    def servers_with_people(self) -> List[str]:
        return [sentence for tab in self.tabs.values() for sentence in tab.servers_with_people()]

    def request_close(self) -> None:
        """Quit, but ask first while a server runs (others may be using it)."""
        if self.closed:
            return
        servers = self.servers_with_people()
        if not servers:
            self.close()
            return
        confirm(self.root, "Quit labsuite?",
                f"{len(servers)} {'server is' if len(servers) == 1 else 'servers are'} "
                f"still running: {', '.join(servers)}.",
                "Stop and quit", "Keep running", lambda yes: self.close() if yes else None,
                details="Quitting stops them: anyone connected is disconnected.")

    def save_settings(self) -> bool:
        values: Dict[str, object] = {"view.scale": float(self._before_projector
                                                         if self.projector.get()
                                                         else self.look.scale),
                                     "view.theme": self.look.theme_choice,
                                     "view.projector": bool(self.projector.get())}
        if not self.quiet:  # a session kept off the network leaves the choice as it was
            values[ANNOUNCE_SETTING] = bool(self.announce.get())
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
        if self._watch_id is not None:
            try:
                self.root.after_cancel(self._watch_id)
            except tk.TclError:
                pass
        try:
            self.save_settings()
        except Exception as exc:  # settings are a convenience: never block closing
            print(f"labsuite: could not save settings: {exc!r}", file=sys.stderr)
        stop_all([*self.running_services(), self.browsing], STOP_SECONDS)
        self.found.close()
        for tab in self.tabs.values():
            tab.close()
        self.pump.stop()
        tcl = self.root.tk
        try:
            self.root.destroy()  # deletes every widget's callbacks, pending timers' too
        except tk.TclError:
            pass
        try:  # ... so the timers left (layout, tooltips) must not fire into the void
            for pending in tcl.splitlist(tcl.call("after", "info")):
                tcl.call("after", "cancel", pending)
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


def create_app(settings: Optional[Settings] = None, **options) -> LabSuiteApp:
    """A new root window with the whole app in it (no main loop: the caller drives it);
    ``options`` go to :class:`LabSuiteApp` (``discovery``, ``browser``)."""
    root = tk.Tk(className="labsuite")
    try:
        return LabSuiteApp(root, settings, **options)
    except BaseException:
        root.destroy()
        raise


def run_app(argv: Optional[Sequence[str]] = None) -> int:
    """Open the window and return the exit status once it is closed.

    ``argv`` is reserved for window options; none exist yet.
    """
    holder: Dict[str, LabSuiteApp] = {}
    previous = _close_on_signals(holder)  # first: the window may show while it is built
    try:
        try:
            app = holder["app"] = create_app()
        except tk.TclError as exc:
            print(f"labsuite: cannot open a window ({exc}). The command line still works: "
                  "see labsuite --help.", file=sys.stderr)
            return 1
        if holder.get("stop"):  # asked to stop while the window was being built
            app.close()
        try:
            if not app.closed:
                app.root.mainloop()
        finally:
            app.close()  # in case the loop ended some other way
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    holder.clear()
    del app
    gc.collect()  # free the window's objects here, on the Tk thread, not in a worker
    return 0


def _close_on_signals(holder: Dict) -> dict:
    """Ctrl+C in the terminal or a polite kill closes the window cleanly (no question:
    a signal is an answer already); returns the handlers it replaced. (Python runs
    signal handlers between bytecodes, which the pump's ticks provide.)"""
    def handler(_signum, _frame):
        app = holder.get("app")
        if app is None:
            holder["stop"] = True
        elif not app.closed:
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
