"""Watch an X display from outside a program: when is its window on screen?

The start-up benchmarks and the window test time a program from process creation until
its main window is mapped, without any help from the program itself. :class:`WindowWatch`
opens its own connection to the display (through libX11, which Tk needs anyway, so
nothing extra is installed), listens for windows being mapped on the root window and, on
each, looks for a viewable top-level window whose WM_CLASS names the program; windows
that were already there when the watch began are ignored. With a window manager the
program's window is a child of the manager's frame: the watch looks one level down too,
and looks again every few milliseconds in case the last map happened inside a frame.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import select
import time
from typing import Callable, List, Optional, Set

Window = ctypes.c_ulong

#: X constants (X.h).
SUBSTRUCTURE_NOTIFY_MASK = 1 << 19
IS_VIEWABLE = 2
#: How often to look again when no event came (a map inside a window manager's frame
#: is not reported to the root window).
RESCAN_SECONDS = 0.02


class XUnavailable(RuntimeError):
    """No X display to watch (no DISPLAY, or no libX11 on this system)."""


class _WindowAttributes(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                ("depth", ctypes.c_int), ("visual", ctypes.c_void_p), ("root", Window),
                ("class_", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
                ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
                ("save_under", ctypes.c_int), ("colormap", Window),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
                ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
                ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
                ("screen", ctypes.c_void_p)]


class _ClassHint(ctypes.Structure):
    _fields_ = [("res_name", ctypes.c_void_p), ("res_class", ctypes.c_void_p)]


class _Event(ctypes.Structure):  # XEvent is a union of 24 longs; only its size matters here
    _fields_ = [("pad", ctypes.c_long * 24)]


_ERROR_HANDLER = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_ignore_errors = _ERROR_HANDLER(lambda _display, _error: 0)  # a window may vanish mid-look


def _load_xlib() -> ctypes.CDLL:
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        xlib = ctypes.CDLL(name)
    except OSError as exc:
        raise XUnavailable(f"libX11 is not available ({exc})") from None
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    xlib.XDefaultRootWindow.restype = Window
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    xlib.XSelectInput.argtypes = [ctypes.c_void_p, Window, ctypes.c_long]
    xlib.XConnectionNumber.argtypes = [ctypes.c_void_p]
    xlib.XPending.argtypes = [ctypes.c_void_p]
    xlib.XNextEvent.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Event)]
    xlib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    xlib.XQueryTree.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(Window),
                                ctypes.POINTER(Window), ctypes.POINTER(ctypes.POINTER(Window)),
                                ctypes.POINTER(ctypes.c_uint)]
    xlib.XGetWindowAttributes.argtypes = [ctypes.c_void_p, Window,
                                          ctypes.POINTER(_WindowAttributes)]
    xlib.XGetClassHint.argtypes = [ctypes.c_void_p, Window, ctypes.POINTER(_ClassHint)]
    xlib.XFree.argtypes = [ctypes.c_void_p]
    xlib.XSetErrorHandler.restype = ctypes.c_void_p
    xlib.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    return xlib


class WindowWatch:
    """``with WindowWatch("labsuite") as watch: start the program; watch.wait(30)``.

    ``name`` is matched against both parts of WM_CLASS (instance and class), ignoring
    case. Tk names them after ``tk.Tk(className=...)``.
    """

    def __init__(self, name: str):
        if not os.environ.get("DISPLAY"):
            raise XUnavailable("no DISPLAY to watch")
        self.name = name.lower()
        self._xlib = _load_xlib()
        self._display = self._xlib.XOpenDisplay(None)
        if not self._display:
            raise XUnavailable(f"cannot open the display {os.environ['DISPLAY']!r}")
        self._root = self._xlib.XDefaultRootWindow(self._display)
        self._xlib.XSelectInput(self._display, self._root, SUBSTRUCTURE_NOTIFY_MASK)
        self._known: Set[int] = set(self._matching())

    def __enter__(self) -> "WindowWatch":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        if self._display:
            self._xlib.XCloseDisplay(self._display)
            self._display = None

    def wait(self, seconds: float, alive: Callable[[], bool] = lambda: True) -> Optional[float]:
        """``time.perf_counter()`` at the moment a new matching window was seen viewable,
        or None if none came within ``seconds`` (or ``alive()`` turned false first)."""
        deadline = time.monotonic() + seconds
        connection = self._xlib.XConnectionNumber(self._display)
        while True:
            seen = time.perf_counter()
            self._drain_events()
            if any(window not in self._known for window in self._matching()):
                return seen
            left = deadline - time.monotonic()
            if left <= 0 or not alive():
                return None
            select.select([connection], [], [], min(left, RESCAN_SECONDS))

    def _drain_events(self) -> None:
        event = _Event()
        while self._xlib.XPending(self._display):
            self._xlib.XNextEvent(self._display, ctypes.byref(event))

    def _matching(self) -> List[int]:
        """The viewable top-level windows (or their children) whose WM_CLASS matches."""
        found = []
        previous = self._xlib.XSetErrorHandler(_ignore_errors)  # (Xlib has one per process)
        try:
            for child in self._children(self._root):
                if not self._viewable(child):
                    continue
                if self._matches(child):
                    found.append(child)
                    continue
                found += [grandchild for grandchild in self._children(child)  # in a WM frame
                          if self._viewable(grandchild) and self._matches(grandchild)]
            self._xlib.XSync(self._display, 0)  # errors for vanished windows arrive here
        finally:
            self._xlib.XSetErrorHandler(previous)
        return found

    def _children(self, window: int) -> List[int]:
        root, parent = Window(), Window()
        children = ctypes.POINTER(Window)()
        count = ctypes.c_uint()
        if not self._xlib.XQueryTree(self._display, window, ctypes.byref(root),
                                     ctypes.byref(parent), ctypes.byref(children),
                                     ctypes.byref(count)):
            return []
        try:
            return [children[n] for n in range(count.value)]
        finally:
            if children:
                self._xlib.XFree(children)

    def _viewable(self, window: int) -> bool:
        attributes = _WindowAttributes()
        return bool(self._xlib.XGetWindowAttributes(self._display, window,
                                                    ctypes.byref(attributes))) \
            and attributes.map_state == IS_VIEWABLE

    def _matches(self, window: int) -> bool:
        hint = _ClassHint()
        if not self._xlib.XGetClassHint(self._display, window, ctypes.byref(hint)):
            return False
        try:
            names = [ctypes.string_at(pointer).decode(errors="replace").lower()
                     for pointer in (hint.res_name, hint.res_class) if pointer]
        finally:
            for pointer in (hint.res_name, hint.res_class):
                if pointer:
                    self._xlib.XFree(pointer)
        return self.name in names
