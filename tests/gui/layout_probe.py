"""Check the window's layout on the display in DISPLAY, at 100% and the largest scale
that fits: ``python -m tests.gui.layout_probe WIDTHxHEIGHT [SHOTS_DIR]``.

Prints one JSON line: the scales tried and the problems found (none, if all is well).
With SHOTS_DIR it also saves a screenshot of every tab, light and dark, at each scale.
Run by tests/gui/test_layout.py in a process of its own per screen size.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import tkinter as tk
from pathlib import Path
from tkinter import font as tkfont
from tkinter import ttk

from labsuite.gui.app import create_app
from labsuite.gui.widgets import WrapLabel
from labsuite.gui.widgets.panes import VerticalPanes


def descendants(widget):
    for child in widget.winfo_children():
        yield child
        yield from descendants(child)


def settle(root, predicate=lambda: True, seconds: float = 3.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        root.update()
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def lines(text: tk.Text) -> float:
    linespace = tkfont.Font(root=text, font=text.cget("font")).metrics("linespace")
    return text.winfo_height() / linespace


def panes_at_minimum(tab) -> bool:
    return all(height >= minimum - 2 for panes in descendants(tab)
               if isinstance(panes, VerticalPanes)
               for height, minimum in zip(panes.pane_heights(), panes.minimums()))


def check(app, size: str, scale: float, problems: list) -> None:
    width, height = (int(n) for n in size.split("x"))
    root = app.root
    if root.winfo_width() > width or root.winfo_height() > height:
        problems.append(f"{size} {scale}: window {root.geometry()} larger than the screen")
    for title, tab in app.tabs.items():
        app.select(title)
        where = f"{size} at {scale:.0%}, {title}"
        if not settle(root, lambda: panes_at_minimum(tab)):
            problems.append(f"{where}: a pane is below its minimum")
        settle(root, seconds=0.1)
        right = root.winfo_rootx() + root.winfo_width()
        for widget in descendants(tab):
            if not widget.winfo_viewable():
                continue
            if widget.winfo_rootx() + widget.winfo_width() > right + 1 and \
                    widget.winfo_class() not in ("Frame", "TFrame", "Canvas"):
                problems.append(f"{where}: {widget.winfo_class()} {widget} goes past the "
                                "window's right edge")
                break
            plain_label = isinstance(widget, ttk.Label) and not isinstance(widget, WrapLabel)
            if (isinstance(widget, (ttk.Button, ttk.Checkbutton, ttk.Radiobutton)) or plain_label) \
                    and widget.winfo_width() < widget.winfo_reqwidth() - 1:
                problems.append(f"{where}: {widget.cget('text')!r} is cut")
        if lines(tab.log.text) < 3 - 0.05:
            problems.append(f"{where}: the log shows {lines(tab.log.text):.1f} lines")
        if title == "Chat" and lines(tab.conversation.text) < 5 - 0.05:
            problems.append(f"{where}: the conversation shows "
                            f"{lines(tab.conversation.text):.1f} lines")
    if app.notebook.winfo_width() < app.notebook.winfo_reqwidth() - 2:
        problems.append(f"{size} at {scale:.0%}: tab titles are cut")


def shoot(app, folder: Path, name: str) -> None:
    root = app.root
    for title in app.tabs:
        app.select(title)
        settle(root, seconds=0.3)
        x, y = root.winfo_rootx(), root.winfo_rooty() - app.menu_height()
        w, h = root.winfo_width(), app.menu_height() + root.winfo_height()
        subprocess.run(["import", "-window", "root", "-crop", f"{w}x{h}+{x}+{y}", "+repage",
                        str(folder / f"{name}-{title.lower()}.png")], check=True, timeout=30)


def main(argv) -> int:
    size = argv[0]
    shots = Path(argv[1]) if len(argv) > 1 else None
    app = create_app()
    problems: list = []
    try:
        settle(app.root, seconds=0.3)
        scales = [1.0, app.largest_fitting_scale()]
        for scale in scales:
            app.set_scale(scale)
            settle(app.root, seconds=0.2)
            check(app, size, scale, problems)
            if shots is not None:
                shots.mkdir(parents=True, exist_ok=True)
                for theme in ("light", "dark"):
                    app.set_theme(theme)
                    shoot(app, shots, f"{size}-{int(scale * 100)}-{theme}")
                app.set_theme("light")
    finally:
        app.close()
    print(json.dumps({"scales": scales, "problems": problems}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
