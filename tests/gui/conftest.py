"""GUI test helpers: every test here gets a display, and drives the window by hand.

Tests never enter mainloop: they press buttons with ``invoke()``, type with variables
and ``event_generate``, and call :func:`wait_until`, which runs ``root.update()`` (so the
event pump ticks) until a condition holds or a deadline passes.
"""

from __future__ import annotations

import gc
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable, TypeVar

import pytest

T = TypeVar("T")

SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"


@pytest.fixture(autouse=True)
def _display(display):
    # Closed windows are garbage in reference cycles. Collect them here, on the Tk thread,
    # before and after each test: freed from a worker thread later (by a garbage collection
    # that happens to run there), a Tk variable or image blocks that thread for a second
    # waiting for a main loop that is gone, and the tests after this folder would stall.
    gc.collect()
    yield display
    gc.collect()


def wait_until(root, predicate: Callable[[], T], timeout: float = 5.0,
               message: str = "") -> T:
    """Pump the window until ``predicate()`` is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        root.update()
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for "
                                 f"{message or getattr(predicate, '__name__', 'a condition')}")
        time.sleep(0.005)


def smallest(app):
    """Make the window as small as it lets itself be; returns (width, height)."""
    app._fit_now()
    width, height = (int(n) for n in app.root.minsize())
    app.root.geometry(f"{width}x{height}")
    wait_until(app.root, lambda: (app.root.winfo_width(), app.root.winfo_height()) ==
               (width, height), message="the smallest window")
    app.root.update_idletasks()
    return width, height


def pump_for(root, seconds: float) -> None:
    """Let the window run for a moment (only where nothing better can be awaited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        time.sleep(0.005)


def start_tab_server(app, title: str):
    """Start the server of tab ``title`` (with its other options as set) on a free
    loopback port, and wait until it runs; returns the tab."""
    tab = app.select(title)
    tab.server.port_box.set_port(free_port())
    tab.server.toggle_button.invoke()
    wait_until(app.root, lambda: tab.server.running, message=f"the {title} server to start")
    return tab


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A loopback port nothing uses right now (TCP by default)."""
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Could a new server listen on ``port``? (SO_REUSEADDR, as servers do, so closed
    connections still in TIME_WAIT do not count as using it.)"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
        return True


def screenshot(root, name: str) -> Path | None:
    """Save the window as tests/screenshots/NAME.png when ImageMagick's import exists."""
    tool = shutil.which("import")
    if tool is None:
        return None
    root.update()
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    window = root.wm_frame()
    try:
        subprocess.run([tool, "-window", window, str(path)], timeout=20, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return path


@pytest.fixture
def app():
    from labsuite.gui.app import create_app

    application = create_app()
    application.root.update()
    yield application
    application.close()
