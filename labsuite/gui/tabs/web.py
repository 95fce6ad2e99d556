"""The Web tab: serve a folder (or the sample site) over HTTP, watch every GET arrive with
the exact text the browser sent, and fetch a page yourself to see the answer.

Top: the server (left) and the fetch fields (right). Below, in panes a student can
resize: the request list beside the answer of the last fetch and the selected request's
raw text (two pages), then the socket log across the whole width, as on every tab.
"""

from __future__ import annotations

import functools
import tkinter as tk
import webbrowser
from tkinter import filedialog
from tkinter import font as tkfont
from tkinter import ttk
from typing import Dict, List, Optional
from urllib.parse import urlsplit

from labsuite.net import ports
from labsuite.net.addresses import partner_address
from labsuite.net.errors import NetError
from labsuite.net.events import Event, EventCallback, Kind
from labsuite.net.fetch import FetchQuery
from labsuite.net.web import RequestRecord, WebServer
from labsuite.protocols import http as web

from .. import style
from ..pump import EventPump
from ..settings import Settings
from ..look import follow_look, palette_of
from ..widgets import (QueryRunner, ResultPanel, ServerControls, Tab, WrapLabel, copy_text,
                       on_return, relabel, tip, tips)
from ..widgets.code_view import CodeChoice, server_choice

#: Requests kept in the list (older ones are still in the log).
MAX_REQUESTS = 1000
REQUEST_COLUMNS = (("client", "Client", 15, "w"), ("method", "Method", 4, "w"),
                   ("path", "Path", 6, "w"), ("status", "Status", 3, "e"),
                   ("bytes", "Bytes", 5, "e"), ("ms", "ms", 5, "e"))
NO_REQUEST = ("Choose a request in the list on the left to see the exact text the browser "
              "sent: the request line (GET, the path, the HTTP version), then one header per "
              "line, then an empty line.")
LINK_STYLE = "Link.TLabel"
PAGES_STYLE = "Pages.TNotebook"
SENT_TITLE = "What the browser sent"
COPY_TEXT = "Copy"
COPIED_MS = 2000
NOTE_MS = 8000
SAMPLE, FOLDER = "sample", "folder"
#: A whole download (connect, headers, body) gets at most this long.
FETCH_SECONDS = 60.0


def local_url(port: int) -> str:
    return f"http://{ports.LOCAL_ONLY}:{port}/"


def describe_site(server: WebServer) -> str:
    return f"port {server.address[1]}, serving {server.root_description}"


class LinkLabel(ttk.Label):
    """An address that looks like a link and opens when clicked."""

    def __init__(self, parent, on_click, **options):
        _link_style(parent)
        super().__init__(parent, style=LINK_STYLE, cursor="hand2", **options)
        self.bind("<Button-1>", lambda _event: on_click(str(self.cget("text"))), add="+")


def _link_style(widget: tk.Misc) -> None:
    """Underlined, coloured text whose size follows the window's font size."""
    root = widget.winfo_toplevel()
    if getattr(root, "_labsuite_link_font", None) is not None:
        return
    base = tkfont.nametofont("TkDefaultFont", root=root)
    link = base.copy()
    link.configure(underline=True)
    root._labsuite_link_font = link  # keep a reference, or Tk drops the font

    def restyle():
        link.configure(size=base.cget("size"))
        ttk.Style(root).configure(LINK_STYLE, foreground=palette_of(root).result, font=link)

    follow_look(root, restyle)


class WebTab(Tab):
    title = "Web"
    hint = ("HTTP GET: a browser asks for a file in a few lines of text; the server answers "
            "with a status line, headers and the file.")

    def __init__(self, parent, pump: EventPump, settings: Settings):
        super().__init__(parent)
        self.pump = pump
        self.records: Dict[str, RequestRecord] = {}
        self._request_count = 0
        self._note_timer: Optional[str] = None
        self.urls: List[str] = []  # the running server's addresses, shareable one first

        top = self.top_row((3, 2))
        middle = self.parts_over_log((1, 1), weight=2)

        self._build_server(top, settings)
        self._build_requests(middle)
        self.pages = ttk.Notebook(middle, style=PAGES_STYLE)
        self.pages.grid(row=0, column=1, sticky="nsew")
        self._build_fetch(top, settings)
        page = ttk.Frame(self.pages, padding=style.SMALL_PAD)
        self.pages.add(page, text="Browser sent")
        self.sent = ResultPanel(page, title=SENT_TITLE, empty=NO_REQUEST, height=3)
        self.sent.view.configure(width=24)
        self.sent.pack(fill="both", expand=True)
        self.sent_page = page
        self.fetcher = QueryRunner(self, pump, self.result, self.log, self._show_fetching)
        self._show_addresses(None)

    # -- the server -------------------------------------------------------------------
    def _build_server(self, parent, settings: Settings) -> None:
        self.server = ServerControls(
            parent, self.pump, self._make_server, self.server_events, title="Your web server",
            port=settings.get("web.server.port"), scope=settings.get("web.server.scope"),
            describe=describe_site,
            start_tip="Start a web server for the sample site or your folder, then open its "
                      "address in a browser.")
        self.server.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))

        options = self.server.options
        self.source = tk.StringVar(self, SAMPLE if settings.get("web.server.sample_site")
                                   else FOLDER)
        self.sample_button = ttk.Radiobutton(options, text="Sample site", value=SAMPLE,
                                             variable=self.source)
        self.server.option(self.sample_button)
        folder = ttk.Frame(options)
        self.folder_button = ttk.Radiobutton(folder, text="Folder:", value=FOLDER,
                                             variable=self.source)
        self.folder_button.pack(side="left")
        self.folder = tk.StringVar(self, settings.get("web.server.folder"))
        self.folder_entry = ttk.Entry(folder, textvariable=self.folder, width=12)
        self.folder_entry.pack(side="left", padx=style.SMALL_PAD)
        self.folder_entry.bind("<Key>", self._folder_typed, add="+")
        self.choose_button = ttk.Button(folder, text="Choose…", command=self.choose_folder)
        self.choose_button.pack(side="left")
        self.server.option(folder)
        tips(self.sample_button, "Serve a small site built into labsuite that explains "
                                 "what the browser and the server say.",
             self.folder_button, "Serve the files of a folder of your own (index.html first).",
             self.folder_entry, "The folder to serve; Enter starts the server.",
             self.choose_button, "Pick the folder to serve.")
        on_return(self.folder_entry, self.server.start)

        # the address to open, below the Start button and the state line: one row per
        # address while the server runs; the buttons sit at the right of the Start row
        self.address_box = ttk.Frame(self.server)
        self.address_box.pack(side="top", fill="x", pady=(style.SMALL_PAD, 0))
        self.address_box.columnconfigure(1, weight=1)
        self._address_widgets: List[tk.Misc] = []
        self.address_buttons = ttk.Frame(self.server.button_row)
        self.address_buttons.pack(side="right", anchor="n", padx=(style.SMALL_PAD, 0))
        self.server.state_label.pack_configure(side="left")
        self.open_button = ttk.Button(self.address_buttons, text="Open in browser",
                                      command=lambda: self.open_in_browser())
        self.open_button.pack(side="left")
        self.copy_button = ttk.Button(self.address_buttons, text=COPY_TEXT, width=7,
                                      command=self.copy_address)
        self.copy_button.pack(side="left", padx=(style.SMALL_PAD, 0))
        self.address_note = WrapLabel(self.address_box, text="", style="Error.TLabel")
        tips(self.open_button, "Open this computer's address of the server in your web "
                               "browser.",
             self.copy_button, "Copy the address to give others, ready to paste.")

    def _make_server(self, host: str, port: int, on_event: EventCallback) -> WebServer:
        return WebServer(host=host, port=port, root=self.folder_to_serve(), on_event=on_event)

    @property
    def use_sample_site(self) -> bool:
        return self.source.get() == SAMPLE

    def folder_to_serve(self) -> Optional[str]:
        """None for the sample site; NetError (shown by the controls) if no folder is set."""
        if self.use_sample_site:
            return None
        folder = self.folder.get().strip()
        if not folder:
            raise NetError("Choose a folder to serve first, or use the built-in sample site.")
        return folder

    def choose_folder(self) -> Optional[str]:
        folder = filedialog.askdirectory(parent=self, title="Folder to serve", mustexist=True,
                                         initialdir=self.folder.get().strip() or None)
        if folder:
            self.set_folder(folder)
        return folder or None

    def _folder_typed(self, event) -> None:
        """Typing a folder means serving it (moving through with Tab does not)."""
        if (event.char and event.char.isprintable()) or event.keysym in ("BackSpace", "Delete"):
            self.source.set(FOLDER)

    def set_folder(self, folder: str) -> None:
        self.folder.set(folder)
        self.source.set(FOLDER)

    def server_events(self, events: List[Event]) -> None:
        self.log.append_events(events)
        records = [event.result for event in events
                   if event.kind is Kind.RESULT and isinstance(event.result, RequestRecord)]
        if records:
            self._add_requests(records[-MAX_REQUESTS:])
        for event in events:
            if event.kind is Kind.LISTENING:
                self._show_addresses(self.server.service)
            elif event.kind is Kind.STOPPED:
                self._show_addresses(None)

    # -- the address to open ------------------------------------------------------------
    def _show_addresses(self, server: Optional[WebServer]) -> None:
        for widget in self._address_widgets:
            widget.destroy()
        self._address_widgets = []
        self.urls = []
        if server is not None and server.address:
            port = server.address[1]
            shared = partner_address() if self.server.scope.get() == ports.EVERYONE else None
            if shared:
                self.urls.append(f"http://{_url_host(shared)}:{port}/")
            self.urls.append(local_url(port))
            self._follow_server(port)
        labels = ("Others open:", "This computer:") if len(self.urls) > 1 else ("Open:",)
        for row, (label, url) in enumerate(zip(labels, self.urls)):
            name = ttk.Label(self.address_box, text=label)
            name.grid(row=row, column=0, sticky="w")
            link = LinkLabel(self.address_box, self.open_in_browser, text=url)
            link.grid(row=row, column=1, sticky="w", padx=(style.SMALL_PAD, 0))
            tip(link, "Click to open it in your browser.")
            self._address_widgets += [name, link]
        for button in (self.open_button, self.copy_button):
            button.state(["!disabled"] if self.urls else ["disabled"])

    @property
    def address_text(self) -> str:
        """What the address area says (for tests and screen readers)."""
        return " ".join(str(widget.cget("text")) for widget in self._address_widgets)

    @property
    def shared_url(self) -> Optional[str]:
        """The address to give others (or this computer's, when only it can connect)."""
        return self.urls[0] if self.urls else None

    def open_in_browser(self, url: Optional[str] = None) -> None:
        """Open ``url`` (default: this computer's address) off the Tk thread: starting a
        browser can take seconds."""
        url = url or (self.urls[-1] if self.urls else None)
        if not url:
            return
        self.pump.in_background(lambda: webbrowser.open(url),
                                functools.partial(self._opened, url), name="open browser")

    def _opened(self, url: str, opened, error: Optional[Exception]) -> None:
        if error is not None or not opened:
            self.show_note(f"No web browser could be started here: copy {url} into one "
                           "(Copy puts it on the clipboard).")

    def show_note(self, text: str) -> None:
        """A sentence under the address (why the browser did not open), for a while;
        the log keeps it too."""
        self.address_note.configure(text=text)
        self.address_note.grid(row=2, column=0, columnspan=2, sticky="ew")
        self.log.append(text, error=True)
        self._restore_later(NOTE_MS)

    def copy_address(self) -> Optional[str]:
        """Put the address to give others on the clipboard (the button says it worked)."""
        url = self.shared_url
        if url:
            copy_text(self, url)
            relabel(self.copy_button, "Copied")
            self._restore_later(COPIED_MS)
        return url

    def _restore_later(self, delay_ms: int) -> None:
        if self._note_timer is not None:
            self.after_cancel(self._note_timer)
        self._note_timer = self.after(delay_ms, self._restore)

    def _restore(self) -> None:
        self._note_timer = None
        relabel(self.copy_button, COPY_TEXT)
        self.address_note.grid_remove()

    # -- the request list ---------------------------------------------------------------
    def _build_requests(self, parent) -> None:
        box = ttk.LabelFrame(parent, text="Requests that arrived", padding=style.SMALL_PAD)
        box.grid(row=0, column=0, sticky="nsew", padx=(0, style.PAD))
        bar = ttk.Frame(box)  # packed first, at the bottom: never squeezed out
        bar.pack(side="bottom", fill="x", pady=(style.SMALL_PAD, 0))
        self.clear_button = ttk.Button(bar, text="Clear", command=self.clear_requests)
        self.clear_button.pack(side="right")
        WrapLabel(bar, text="Choose a request to see what the browser sent.",
                  style="Muted.TLabel").pack(side="left", fill="x", expand=True)
        table = ttk.Frame(box)
        table.pack(side="top", fill="both", expand=True)
        self.requests = style.make_table(table, REQUEST_COLUMNS, height=3, stretch="path")
        self.requests.bind("<<TreeviewSelect>>", lambda _event: self.show_selected(), add="+")
        tips(self.requests, "Every request the server answered. Choose one to see the exact "
                            "text that arrived (red: an error answer; grey: cut short).",
             self.clear_button, "Empty the list of requests.")

    def _add_requests(self, records: List[RequestRecord]) -> None:
        tree = self.requests
        at_end = tree.yview()[1] >= 0.999
        for record in records:
            self._request_count += 1
            iid = str(self._request_count)
            self.records[iid] = record
            tags = ("error",) if record.status >= 400 else (() if record.complete else ("muted",))
            tree.insert("", "end", iid=iid, tags=tags, values=(
                record.client, record.method or "?", web.printable_line(record.path),
                record.status, f"{record.bytes:,}", f"{record.duration_ms:,.1f}"))
        children = tree.get_children()
        if len(children) > MAX_REQUESTS:
            old = children[:len(children) - MAX_REQUESTS]
            tree.delete(*old)
            for iid in old:
                self.records.pop(iid, None)
        if at_end and tree.get_children():
            tree.see(tree.get_children()[-1])

    def request_rows(self) -> List[tuple]:
        """What the list shows (for tests and screen readers)."""
        return [tuple(self.requests.item(iid, "values")) for iid in self.requests.get_children()]

    def select_request(self, index: int) -> None:
        iid = self.requests.get_children()[index]
        self.requests.selection_set(iid)
        self.requests.see(iid)

    def show_selected(self) -> None:
        chosen = self.requests.selection()
        record = self.records.get(chosen[0]) if chosen else None
        if record is None:
            return
        self.sent.configure(text=f"What {record.client} sent")
        lines = record.raw_request.replace("\r\n", "\n").split("\n")
        while lines and not lines[-1]:
            lines.pop()
        self.sent.show_lines(lines or ["(nothing readable arrived)"])
        self.pages.select(self.sent_page)

    def clear_requests(self) -> None:
        self.requests.delete(*self.requests.get_children())
        self.records.clear()
        self.sent.configure(text=SENT_TITLE)
        self.sent.show_busy(NO_REQUEST)

    # -- fetching a page ----------------------------------------------------------------
    def _build_fetch(self, parent, settings: Settings) -> None:
        box = ttk.LabelFrame(parent, text="Fetch a page", padding=style.PAD)
        box.grid(row=0, column=1, sticky="nsew")
        self.fetch_page = box
        fields = ttk.Frame(box)
        fields.pack(side="top", fill="x")
        fields.columnconfigure(1, weight=1)
        ttk.Label(fields, text="URL:").grid(row=0, column=0, sticky="w")
        self._auto_url = local_url(settings.get("web.server.port"))
        self.url = tk.StringVar(self, settings.get("web.url") or self._auto_url)
        self.url_entry = ttk.Entry(fields, textvariable=self.url, width=16)
        self.url_entry.grid(row=0, column=1, columnspan=2, sticky="ew",
                            padx=(style.SMALL_PAD, 0))
        on_return(self.url_entry, self.fetch)
        ttk.Label(fields, text="Save to:").grid(row=1, column=0, sticky="w",
                                                pady=(style.SMALL_PAD, 0))
        self.save_to = tk.StringVar(self, "")
        self.save_entry = ttk.Entry(fields, textvariable=self.save_to, width=10)
        self.save_entry.grid(row=1, column=1, sticky="ew", padx=style.SMALL_PAD,
                             pady=(style.SMALL_PAD, 0))
        on_return(self.save_entry, self.fetch)
        self.save_button = ttk.Button(fields, text="Choose…", command=self.choose_save_path)
        self.save_button.grid(row=1, column=2, sticky="e", pady=(style.SMALL_PAD, 0))

        row = ttk.Frame(box)
        row.pack(side="top", fill="x", pady=(style.PAD, 0))
        self.fetch_button = ttk.Button(row, text="Fetch", width=7, command=self.fetch,
                                       style="Accent.TButton")
        self.fetch_button.pack(side="left", anchor="n")
        self.stop_button = ttk.Button(row, text="Stop", width=6, command=self.stop_fetch)
        self.stop_button.pack(side="left", anchor="n", padx=(style.SMALL_PAD, style.PAD))
        WrapLabel(row, text=f"A GET, as a browser sends it (at most {FETCH_SECONDS:g} s). "
                            "Leave \"Save to\" empty just to look.",
                  style="Muted.TLabel").pack(side="left", fill="x", expand=True)
        tips(self.url_entry, "The page to download (http:// or https://); Enter fetches it.",
             self.save_entry, "A file to save the page in; empty: only show it.",
             self.save_button, "Pick the file to save the page in.",
             self.fetch_button, "Download the page and show the status line, headers and body.",
             self.stop_button, "Give up on the download in progress.")

        page = ttk.Frame(self.pages, padding=style.SMALL_PAD)
        self.pages.add(page, text="Answer")
        self.answer_page = page
        self.result = ResultPanel(page, title="Answer: status line, headers, body", height=3,
                                  empty="Type a URL and press Fetch (or Enter).")
        self.result.view.configure(width=24)  # the column sets the width, not the text
        self.result.pack(fill="both", expand=True)
        self._show_fetching(False)

    def _follow_server(self, port: int) -> None:
        """Point the URL at the running server, unless the student typed their own."""
        if self.url.get().strip() in ("", self._auto_url):
            self._auto_url = local_url(port)
            self.url.set(self._auto_url)

    def choose_save_path(self) -> Optional[str]:
        try:
            name = web.file_name_for(web.normalize_url(self.url.get()))
        except ValueError:
            name = "index.html"
        path = filedialog.asksaveasfilename(parent=self, title="Save the page as",
                                            initialfile=name)
        if path:
            self.save_to.set(path)
        return path or None

    @property
    def fetching(self) -> Optional[FetchQuery]:
        """The download in progress, if any."""
        return self.fetcher.query

    def fetch(self) -> Optional[FetchQuery]:
        if self.fetcher.busy:
            return None
        url = self.url.get().strip()
        save_to = self.save_to.get().strip() or None
        self.pages.select(self.answer_page)
        return self.fetcher.start(
            lambda on_event: FetchQuery(url, save_to=save_to, on_event=on_event,
                                        max_time=FETCH_SECONDS),
            busy_text=f"Fetching {url}… (at most {FETCH_SECONDS:g} seconds)")

    def stop_fetch(self) -> None:
        """Abandon the download in progress (its socket is closed off the Tk thread)."""
        self.fetcher.stop("The download was stopped.")

    def _show_fetching(self, busy: bool) -> None:
        self.fetch_button.state(["disabled"] if busy else ["!disabled"])
        self.stop_button.state(["!disabled"] if busy else ["disabled"])
        for widget in (self.url_entry, self.save_entry, self.save_button):
            widget.state(["disabled"] if busy else ["!disabled"])

    # -- window hooks -----------------------------------------------------------------
    def code_kinds(self) -> list:
        return [server_choice("web-server", self.server), get_choice(self.url.get())]

    def running_services(self) -> list:
        return [service for service in (self.server.service, self.fetching)
                if service is not None]

    def settings(self) -> Dict[str, object]:
        values: Dict[str, object] = {"web.server.folder": self.folder.get().strip(),
                                     "web.server.sample_site": self.use_sample_site,
                                     "web.url": self.url.get().strip()}
        values.update(self.server.settings("web.server"))
        return values

    def close(self) -> None:
        self.fetcher.close()
        if self._note_timer is not None:
            self.after_cancel(self._note_timer)
            self._note_timer = None


def get_choice(url: str) -> CodeChoice:
    """The ``get`` script for ``url``: an http URL's host and port filled in (and the URL
    on the command line when it names a page); any other URL only on the command line."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port or 80
    except ValueError:  # a port that is not a number, a broken [address]
        return CodeChoice("get", argument=url)
    if parts.scheme.lower() != "http" or not host:
        return CodeChoice("get", argument=url)
    page = parts.path not in ("", "/") or parts.query
    return CodeChoice("get", host, port, argument=url if page else "")


def _url_host(address: str) -> str:
    """An IPv6 address goes in brackets inside a URL."""
    return f"[{address}]" if ":" in address else address
