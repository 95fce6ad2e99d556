"""A private X display for headless Linux: the GUI tests and the GUI benchmarks use it."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
from typing import Optional, Tuple

from tests.support import stop_process

SCREEN = "1280x800x24"
START_SECONDS = 10.0


class XvfbMissing(RuntimeError):
    pass


def needs_display() -> bool:
    """True on Linux/BSD with no DISPLAY (Windows and macOS have a screen of their own)."""
    return sys.platform not in ("win32", "darwin") and not os.environ.get("DISPLAY")


def start_xvfb(screen: str = SCREEN) -> Tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display number (it picks one: -displayfd); return (process, ":N")."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise XvfbMissing("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb), "
                          "and no DISPLAY is set, so no window can be opened")
    reader, writer = os.pipe()
    try:
        process = subprocess.Popen(
            [binary, "-displayfd", str(writer), "-screen", "0", screen, "-nolisten", "tcp"],
            pass_fds=(writer,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        os.close(writer)
    try:
        number = _read_display_number(reader, process)
    finally:
        os.close(reader)
    return process, f":{number}"


def _read_display_number(reader: int, process: subprocess.Popen) -> str:
    text = b""
    while not text.endswith(b"\n"):
        ready, _, _ = select.select([reader], [], [], START_SECONDS)
        chunk = os.read(reader, 64) if ready else b""
        if not chunk:
            process.kill()
            process.wait(5)
            raise RuntimeError(f"Xvfb did not start within {START_SECONDS:g} s")
        text += chunk
    return text.decode().strip()


def stop_xvfb(process: Optional[subprocess.Popen]) -> None:
    if process is not None:
        stop_process(process)


class Display:
    """Make sure DISPLAY is set for as long as the ``with`` block runs."""

    def __init__(self):
        self.process: Optional[subprocess.Popen] = None
        self.previous: Optional[str] = None

    def __enter__(self) -> str:
        self.previous = os.environ.get("DISPLAY")
        if needs_display():
            self.process, os.environ["DISPLAY"] = start_xvfb()
        return os.environ.get("DISPLAY", "")

    def __exit__(self, *exc_info) -> None:
        if self.process is not None:
            stop_xvfb(self.process)
            if self.previous is None:
                os.environ.pop("DISPLAY", None)
            else:
                os.environ["DISPLAY"] = self.previous
