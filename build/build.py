#!/usr/bin/env python3
"""Build labsuite as a standalone program a student can double-click, no Python needed.

    python build/build.py              build for this system into dist/
    python build/build.py --check      then run the result's --version and --self-test
    python build/build.py --onedir     a folder instead of one file (starts faster)

What lands in dist/:

* Linux: ``labsuite``, one executable file (the window with no arguments; the whole
  command line with them), plus ``labsuite.png`` and ``labsuite.desktop`` for the menu.
  ``--install-dir DIR`` writes the desktop file for where the program will live (a
  shared drive, /opt/labsuite); by default it points into dist/.
* Windows: ``labsuite.exe``, the window (no console window pops up behind it), and
  ``labsuite-cli.exe``, the same program with a console, for the command line and
  ``labsuite-cli --self-test``: a windowed .exe cannot print to the terminal.
* macOS: ``labsuite.app``; its ``Contents/MacOS/labsuite`` is the command line.

PyInstaller (the ``build`` extra of pyproject.toml) and labsuite's dependencies are
installed into this Python's environment first if missing: the program is made of what
this Python has. The recipe is build/labsuite.spec; scratch files go to build/work/. Exit status: 0 built (and checked), 1 the build or the check
failed, 3 a build tool could not be installed.
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import List, Optional

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SPEC = HERE / "labsuite.spec"
DESKTOP_TEMPLATE = HERE / "labsuite.desktop"
ICON = ROOT / "icons" / "labsuite.png"
PYINSTALLER = "pyinstaller>=6"
WINDOWS, MACOS = sys.platform == "win32", sys.platform == "darwin"
LINUX = not (WINDOWS or MACOS)
EXIT_OK, EXIT_FAILED, EXIT_NO_TOOLS = 0, 1, 3
CHECK_SECONDS = 60


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--onedir", action="store_true",
                        help="build a folder (dist/labsuite/) instead of one file; macOS "
                             "always builds the folder form inside labsuite.app")
    parser.add_argument("--dist", type=Path, default=ROOT / "dist",
                        help="where the program goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=HERE / "work",
                        help="scratch folder (default: build/work/)")
    parser.add_argument("--install-dir", type=Path, default=None,
                        help="Linux: the folder the program will be copied to, for the paths "
                             "in labsuite.desktop (default: the dist folder)")
    parser.add_argument("--check", action="store_true",
                        help="after building, run the program's --version and --self-test")
    parser.add_argument("--check-only", action="store_true",
                        help="do not build: only check what is already in --dist")
    parser.add_argument("--verbose", action="store_true", help="show PyInstaller's whole log")
    args = parser.parse_args(argv)
    dist, onefile = args.dist.resolve(), not args.onedir

    if not args.check_only:
        status = ensure_tools()
        if status:
            return status
        began = time.monotonic()
        status = run_pyinstaller(dist, args.work.resolve(), onefile, args.verbose)
        if status:
            return status
        if LINUX:
            write_desktop_files(dist, onefile, args.install_dir)
        program = built_program(dist, onefile)
        say(f"built {program} ({describe_size(dist, onefile)}) in "
            f"{time.monotonic() - began:.0f} s")
    if args.check or args.check_only:
        return check(built_program(dist, onefile))
    return EXIT_OK


def say(text: str) -> None:
    print(f"build.py: {text}", flush=True)


# -- tools ----------------------------------------------------------------------------------
def ensure_tools() -> int:
    """PyInstaller and labsuite's own dependencies in this environment (what is not
    installed cannot be put inside the program), and on Linux the shared Python library."""
    missing = [requirement for requirement in [PYINSTALLER, *runtime_requirements()]
               if not installed(requirement)]
    if missing:
        say(f"installing {', '.join(missing)} into {sys.prefix} ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing])
        importlib.invalidate_caches()
        still = [requirement for requirement in missing if not installed(requirement)]
        if still:
            quoted = " ".join(f'"{requirement}"' for requirement in still)
            say(f"{', '.join(still)} could not be installed; try: "
                f"{sys.executable} -m pip install {quoted}")
            return EXIT_NO_TOOLS
    if LINUX and not python_library_found():
        return install_python_library()
    return EXIT_OK


def runtime_requirements() -> List[str]:
    """The ``dependencies`` of pyproject.toml (read as text: tomllib is Python 3.11+)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.DOTALL | re.MULTILINE)
    if not found:
        return []
    without_comments = re.sub(r"#[^\n]*", "", found.group(1))
    return re.findall(r'"([^"]+)"', without_comments)


def installed(requirement: str) -> bool:
    """Is a distribution of that name installed (any version)?"""
    name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0]
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def python_library_found() -> bool:
    probe = ("from PyInstaller.depend.bindepend import get_python_library_path as find\n"
             "raise SystemExit(0 if find() else 1)")
    return subprocess.run([sys.executable, "-c", probe], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def install_python_library() -> int:
    """Debian and Ubuntu ship libpython (which a frozen program must carry) separately."""
    package = f"libpython{sys.version_info[0]}.{sys.version_info[1]}"
    why = "(the shared Python library that goes inside the program)"
    if sys.base_prefix != "/usr" or not shutil.which("apt-get"):
        say(f"this Python has no shared library (libpython), which PyInstaller needs {why}; "
            "use a Python built with --enable-shared, e.g. from python.org or pyenv with "
            "PYTHON_CONFIGURE_OPTS=--enable-shared")
        return EXIT_NO_TOOLS
    sys.path.insert(0, str(ROOT))
    import dev  # the project's set-up script knows how to ask apt-get

    try:
        dev.apt_install([package], why=why)
    except SystemExit:
        return EXIT_NO_TOOLS
    return EXIT_OK if python_library_found() else EXIT_NO_TOOLS


# -- building -------------------------------------------------------------------------------
def run_pyinstaller(dist: Path, work: Path, onefile: bool, verbose: bool) -> int:
    mode = "onefile" if onefile else "onedir"
    say(f"building the {'one-file' if onefile and not MACOS else 'one-folder'} program "
        f"with PyInstaller (this takes a minute) ...")
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(dist), "--workpath", str(work),
               "--log-level", "INFO" if verbose else "WARN", str(SPEC), "--", "--mode", mode]
    if subprocess.run(command, cwd=ROOT).returncode != 0:
        say("PyInstaller failed (the lines above say why)")
        return EXIT_FAILED
    return EXIT_OK


def built_program(dist: Path, onefile: bool) -> Path:
    """The executable that takes command-line arguments (prints to the terminal)."""
    if WINDOWS:
        return dist / "labsuite-cli.exe" if onefile else dist / "labsuite" / "labsuite-cli.exe"
    if MACOS:
        return dist / "labsuite.app" / "Contents" / "MacOS" / "labsuite"
    return dist / "labsuite" if onefile else dist / "labsuite" / "labsuite"


def describe_size(dist: Path, onefile: bool) -> str:
    if onefile and not MACOS:
        names = ("labsuite.exe", "labsuite-cli.exe") if WINDOWS else ("labsuite",)
        return ", ".join(f"{name} {megabytes((dist / name).stat().st_size)}" for name in names)
    folder = dist / ("labsuite.app" if MACOS else "labsuite")
    files = [path for path in folder.rglob("*") if path.is_file() and not path.is_symlink()]
    return f"{len(files)} files, {megabytes(sum(path.stat().st_size for path in files))}"


def megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def write_desktop_files(dist: Path, onefile: bool, install_dir: Optional[Path]) -> None:
    """dist/labsuite.png and dist/labsuite.desktop (Linux menus and file managers)."""
    shutil.copyfile(ICON, dist / "labsuite.png")
    where = (install_dir or dist).absolute()
    program = where / ("labsuite" if onefile else "labsuite/labsuite")
    template = "".join(line for line in DESKTOP_TEMPLATE.read_text(encoding="utf-8")
                       .splitlines(keepends=True) if not line.startswith("#"))
    text = (template
            .replace("@EXEC@", desktop_exec_quote(str(program)))
            .replace("@TRYEXEC@", str(program))
            .replace("@ICON@", str(where / "labsuite.png")))
    desktop = dist / "labsuite.desktop"
    desktop.write_text(text, encoding="utf-8")
    desktop.chmod(0o755)  # some desktops only launch desktop files marked executable


def desktop_exec_quote(path: str) -> str:
    """A path as one argument of a desktop file's Exec= line (quoted if it needs it)."""
    if not any(ch in path for ch in " \t\n\"'\\><~|&;$*?#()`%"):
        return path
    escaped = "".join("\\" + ch if ch in '"`$\\' else ch for ch in path)
    return f'"{escaped.replace("%", "%%")}"'


# -- checking -------------------------------------------------------------------------------
def check(program: Path) -> int:
    """Run the built program the way a lab would first try it."""
    if not program.is_file():
        say(f"there is no program at {program}: build it first")
        return EXIT_FAILED
    for argument in ("--version", "--self-test"):
        say(f"running {program.name} {argument}")
        try:
            done = subprocess.run([str(program), argument], timeout=CHECK_SECONDS)
        except subprocess.TimeoutExpired:
            say(f"{program.name} {argument} did not finish within {CHECK_SECONDS} s")
            return EXIT_FAILED
        if done.returncode != 0:
            say(f"{program.name} {argument} failed (exit status {done.returncode})")
            return EXIT_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
