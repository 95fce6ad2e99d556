"""How the window looks: its theme (light or dark) and its scale (text and widgets).

One :class:`Look` per window. The theme is Sun Valley (the ``sv_ttk`` package: a modern
ttk theme in pure Tcl with a light and a dark variant, the same on Linux, Windows and
macOS); without it, Tk's "clam" theme with the same colours. The scale grows everything
together for a projector: every named font, the theme's fixed-size pictures (check boxes,
radio buttons, arrows, scroll bars), table rows and the padding inside widgets. Steps are
a quarter or more, so each one shows.

After every change the window gets :data:`LOOK_CHANGED`; widgets with colours or sizes of
their own (logs, tables, panes) listen for it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tkinter as tk
from fractions import Fraction
from tkinter import font as tkfont
from tkinter import ttk
from typing import Callable, Dict, List, Optional, Tuple

from . import style

#: The scale steps (1.0 = the platform's normal size).
STEPS = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
THEMES = ("system", "light", "dark")
NAMED_FONTS = ("TkDefaultFont", "TkTextFont", "TkFixedFont", "TkHeadingFont", "TkMenuFont",
               "TkCaptionFont", "TkSmallCaptionFont", "TkIconFont", "TkTooltipFont")
#: Fonts of labsuite's own, derived from the named ones (see :meth:`Look.big_font`).
BIG_FONT = "LabsuiteBigFont"
#: Sun Valley pictures that have a fixed size (the others stretch with their widget).
#: Scroll bars keep theirs: their thumbs are stretched pictures whose rounded ends do not
#: survive nearest-neighbour scaling.
_FIXED_PICTURES = ("check-", "radio-", "switch-", "down", "up", "right", "left", "grip")
_SV_THEMES = {"light": "sun-valley-light", "dark": "sun-valley-dark"}

#: Sent to the main window after the theme or the scale changed.
LOOK_CHANGED = style.FONT_CHANGED


def nearest_step(scale: float) -> float:
    return min(STEPS, key=lambda step: abs(step - scale))


def suggested_scale(screen_height: int, dots_per_inch: float) -> float:
    """A start scale from the screen: a 1080-line projector or a high-DPI panel gets more
    than a 768-line laptop (the largest step at or below what the screen suggests)."""
    wanted = max(dots_per_inch / 96.0, screen_height / 864.0, 1.0)
    return max(step for step in STEPS if step <= wanted + 1e-6)


def system_prefers_dark() -> bool:
    """The desktop's dark-mode choice, where it can be read quickly (False if unknown)."""
    try:
        if sys.platform == "win32":
            import winreg
            key = winreg.OpenKey(winreg.HKEY_CURRENT_USER, r"Software\Microsoft\Windows"
                                 r"\CurrentVersion\Themes\Personalize")
            return winreg.QueryValueEx(key, "AppsUseLightTheme")[0] == 0
        if sys.platform == "darwin":
            answer = subprocess.run(["defaults", "read", "-g", "AppleInterfaceStyle"],
                                    capture_output=True, text=True, timeout=1)
            return answer.stdout.strip().lower() == "dark"
        gtk = os.environ.get("GTK_THEME", "")
        if gtk:
            return gtk.lower().endswith(":dark") or "dark" in gtk.lower()
        return False
    except Exception:  # a missing key or tool: the light theme
        return False


def _sun_valley():
    try:
        import sv_ttk
    except ImportError:
        return None
    return sv_ttk


class Look:
    """The window's theme and scale; change them with :meth:`set_theme` / :meth:`set_scale`."""

    def __init__(self, root: tk.Tk, theme: str = "system", scale: float = 1.0,
                 on_change: Optional[Callable[["Look"], None]] = None):
        self.root = root
        self.on_change = on_change
        self.fonts: Dict[str, tkfont.Font] = {}
        for name in NAMED_FONTS:
            try:
                self.fonts[name] = tkfont.nametofont(name, root=root)
            except tk.TclError:  # not every platform has every named font
                pass
        self.base_points = {name: _points(font) for name, font in self.fonts.items()}
        heading = self.fonts.get("TkHeadingFont") or self.fonts["TkDefaultFont"]
        self.big = tkfont.Font(root=root, name=BIG_FONT, exists=False,
                               family=heading.actual("family"), weight="bold")
        self._pictures: Dict[str, Tuple[str, str]] = {}  # picture -> its unscaled copy
        self.sun_valley = False
        self.theme = "light"
        self.theme_choice = theme if theme in THEMES else "system"
        self.scale = 1.0
        self._apply_theme(self.theme_choice)
        self._apply_scale(nearest_step(scale))
        self._changed()

    # -- the theme --------------------------------------------------------------------
    @property
    def dark(self) -> bool:
        return self.theme == "dark"

    @property
    def palette(self) -> style.Palette:
        return style.DARK if self.dark else style.LIGHT

    def set_theme(self, choice: str) -> None:
        """"light", "dark" or "system" (the desktop's choice, where it can be read)."""
        if choice not in THEMES:
            raise ValueError(f"unknown theme {choice!r}")
        self.theme_choice = choice
        self._apply_theme(choice)
        self._apply_scale(self.scale)  # the new theme's pictures and paddings
        self._changed()

    def _apply_theme(self, choice: str) -> None:
        theme = choice if choice != "system" else ("dark" if system_prefers_dark() else "light")
        sv_ttk = _sun_valley()
        ttk_style = ttk.Style(self.root)
        if sv_ttk is not None:
            try:
                sv_ttk.set_theme(theme, self.root)
                self.sun_valley = True
                self._keep_our_fonts()
            except (tk.TclError, RuntimeError, TypeError):
                self.sun_valley = False
        if not self.sun_valley and "clam" in ttk_style.theme_names():
            ttk_style.theme_use("clam")
        self.theme = theme
        style.configure_styles(self.root, self.palette, sun_valley=self.sun_valley)

    def _keep_our_fonts(self) -> None:
        """Sun Valley sets fixed pixel fonts of its own; use the named fonts, which scale."""
        tcl = self.root.tk
        if not getattr(self.root, "_labsuite_fonts_kept", False):
            tcl.eval("proc config_entry_font {w} {}")  # it would reset entry fonts on change
            self.root._labsuite_fonts_kept = True
        ttk_style = ttk.Style(self.root)
        ttk_style.configure(".", font="TkDefaultFont")
        for name in ("TLabelframe.Label", "Treeview", "TEntry", "TCombobox", "TSpinbox"):
            ttk_style.configure(name, font="TkDefaultFont")
        ttk_style.configure("Heading", font="TkHeadingFont")

    # -- the scale --------------------------------------------------------------------
    def set_scale(self, scale: float) -> float:
        self._apply_scale(nearest_step(scale))
        self._changed()
        return self.scale

    def step(self, direction: int, largest: float = STEPS[-1]) -> float:
        """One step bigger (+1) or smaller (-1), never beyond ``largest``."""
        index = STEPS.index(self.scale) + direction
        index = max(0, min(len(STEPS) - 1, index))
        wanted = STEPS[index]
        if direction > 0 and wanted > largest + 1e-6:
            return self.scale
        return self.set_scale(wanted)

    def scaled(self, pixels: float) -> int:
        return int(round(pixels * self.scale))

    def _apply_scale(self, scale: float) -> None:
        self.scale = scale
        for name, font in self.fonts.items():
            font.configure(size=max(6, int(self.base_points[name] * scale + 0.5)))
        heading = self.fonts.get("TkHeadingFont") or self.fonts["TkDefaultFont"]
        self.big.configure(size=int(abs(_points(heading)) * 1.6 + 0.5))
        if self.sun_valley:
            self._scale_pictures(scale)
            self._follow_sun_valley_fonts()
            self._wider_indicators(scale)
        style.scale_styles(self.root, scale, self.sun_valley)

    def _scale_pictures(self, scale: float) -> None:
        """Redraw the theme's fixed-size pictures in place (elements find them by name):
        nearest-neighbour at zoom/subsample, from an unscaled copy kept once."""
        tcl = self.root.tk
        if not self._pictures:
            for namespace in ("sv_light", "sv_dark"):
                try:
                    names = tcl.splitlist(tcl.eval(f"array get ttk::theme::{namespace}::I"))
                except tk.TclError:
                    continue
                for key, picture in zip(names[::2], names[1::2]):
                    if key.startswith(_FIXED_PICTURES):
                        original = tcl.call("image", "create", "photo")
                        tcl.call(original, "copy", picture)
                        self._pictures[picture] = original
        ratio = Fraction(scale).limit_denominator(4)
        zoomed = tcl.call("image", "create", "photo")
        try:
            for picture, original in self._pictures.items():
                # -shrink: a photo grows to what is copied in but never shrinks by
                # itself, and a picture larger than its drawing is drawn off centre
                # (a spinbox's up arrow, raised above the down arrow)
                tcl.call(zoomed, "blank")
                tcl.call(zoomed, "copy", original, "-zoom", ratio.numerator, "-shrink")
                tcl.call(picture, "blank")
                tcl.call(picture, "configure", "-width", 0, "-height", 0)
                tcl.call(picture, "copy", zoomed, "-subsample", ratio.denominator, "-shrink")
        finally:
            tcl.call("image", "delete", zoomed)

    def _wider_indicators(self, scale: float) -> None:
        """Check boxes and radio buttons sit in a fixed-width slot in Sun Valley; give the
        grown pictures a slot that grows too (elements of our own, one per scale)."""
        tcl = self.root.tk
        theme = _SV_THEMES[self.theme]
        namespace = "sv_dark" if self.dark else "sv_light"
        made = self.root.__dict__.setdefault("_labsuite_indicators", set())
        tag = f"L{int(round(scale * 100))}"
        for kind in ("Checkbutton", "Radiobutton"):
            spec = _indicator_spec(self.theme, kind)
            if spec is None:
                continue
            states, width = spec
            element = f"{tag}.{kind}.indicator"
            if (theme, element) not in made:
                tcl.eval(f"namespace eval ttk::theme::{namespace} {{ ttk::style theme settings "
                         f"{theme} {{ ttk::style element create {element} image [list "
                         f"{states}] -width {int(round(width * scale))} -sticky w }} }}")
                made.add((theme, element))
            tcl.eval(f"ttk::style theme settings {theme} {{ ttk::style layout T{kind} {{ "
                     f"{kind}.button -children {{ {kind}.padding -children {{ {element} "
                     f"-side left {kind}.label -side right -expand 1 }} }} }} }}")

    def _follow_sun_valley_fonts(self) -> None:
        """Sun Valley styles name fonts of its own (fixed pixel sizes, a Windows family),
        and puts them back whenever the theme changes: make them the named fonts' twins."""
        body = self.fonts["TkDefaultFont"].actual()
        for name, weight in (("SunValleyBodyFont", "normal"), ("SunValleyCaptionFont", "normal"),
                             ("SunValleyBodyStrongFont", "bold")):
            try:
                tkfont.Font(root=self.root, name=name, exists=True).configure(
                    family=body["family"], size=body["size"], weight=weight)
            except tk.TclError:
                pass

    # -- fonts of our own -------------------------------------------------------------
    def line_height(self, font_name: str = "TkFixedFont") -> int:
        font = self.fonts.get(font_name) or self.fonts["TkDefaultFont"]
        return int(font.metrics("linespace"))

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change(self)
        try:
            self.root.event_generate(LOOK_CHANGED)
        except tk.TclError:
            pass


_INDICATOR = re.compile(r"element create (Checkbutton|Radiobutton)\.indicator image \\\s*"
                        r"\[list (.*?)\]\s*-width (\d+)", re.S)


def _indicator_spec(theme: str, kind: str):
    """(the state -> picture list, the slot width) of Sun Valley's ``kind`` indicator."""
    cache = _indicator_spec.__dict__.setdefault("cache", {})
    if theme not in cache:
        sv_ttk = _sun_valley()
        found = {}
        if sv_ttk is not None:
            path = os.path.join(os.path.dirname(sv_ttk.__file__), "theme", f"{theme}.tcl")
            try:
                with open(path, encoding="utf-8") as stream:
                    text = stream.read()
            except OSError:
                text = ""
            for match in _INDICATOR.finditer(text):
                found[match[1]] = (" ".join(match[2].replace("\\\n", " ").split()),
                                   int(match[3]))
        cache[theme] = found
    return cache[theme].get(kind)


def _points(font: tkfont.Font) -> int:
    """The font's size in points (Tk may report pixels as negative, or 0 for default)."""
    size = int(font.cget("size"))
    if size == 0:
        size = int(font.actual("size"))
    if size < 0:  # pixels: convert with Tk's own scaling (pixels per point)
        try:
            per_point = float(font.tk.call("tk", "scaling"))
        except (tk.TclError, ValueError):
            per_point = 1.333
        size = round(-size / per_point) if per_point > 0 else -size
    return abs(size) or 10


def follow_look(widget: tk.Misc, restyle: Callable[[], None]) -> None:
    """Call ``restyle()`` now and after every change of look, while ``widget`` exists."""
    restyle()
    root = widget.winfo_toplevel()

    def changed(_event=None):
        if widget.winfo_exists():
            restyle()

    root.bind(LOOK_CHANGED, changed, add="+")


def current(widget: tk.Misc) -> Optional[Look]:
    """The Look of ``widget``'s window (None in a bare test window)."""
    return getattr(widget.winfo_toplevel(), "_labsuite_look", None)


def palette_of(widget: tk.Misc) -> style.Palette:
    look = current(widget)
    return look.palette if look is not None else style.LIGHT


__all__: List[str] = ["Look", "STEPS", "THEMES", "LOOK_CHANGED", "suggested_scale",
                      "nearest_step", "follow_look", "current", "palette_of"]
