#!/usr/bin/env python3
"""Set up everything labsuite needs, then open it or test it.

    python3 dev.py run      create .venv if needed, install labsuite into it, open the window
    python3 dev.py test     the same set-up plus the test tools, then run the whole suite

Only Python 3.10+ is assumed. The virtual environment keeps the install away from the
system Python (which pip may refuse to touch). On Debian or Ubuntu, packages the system
Python lacks (venv, tkinter) and, for tests on a machine with no screen, the virtual
display Xvfb are installed with apt-get when running as root (or through `sudo -n`);
otherwise the script says which command to run.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".labsuite-installed"
WINDOWS = os.name == "nt"


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 10):
        return fail(f"labsuite needs Python 3.10 or newer; this is {sys.version.split()[0]}.")
    command, rest = (argv[0], argv[1:]) if argv else ("run", [])
    if command not in ("run", "test"):
        print(__doc__)
        return 2
    testing = command == "test"
    ensure_tkinter()
    python = ensure_venv(extras="test" if testing else "")
    if testing:
        ensure_display_tools()
        return subprocess.call([str(python), "-m", "pytest", *rest], cwd=ROOT)
    return subprocess.call([str(python), "-m", "labsuite", *rest], cwd=ROOT)


def fail(message: str) -> int:
    print(f"dev.py: {message}", file=sys.stderr)
    return 1


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if WINDOWS else "bin/python")


def ensure_venv(extras: str) -> Path:
    """Create .venv and (re)install labsuite when pyproject.toml or the extras change."""
    python = venv_python()
    if not python.exists():
        print("dev.py: creating the virtual environment .venv …", flush=True)
        if subprocess.call([sys.executable, "-m", "venv", str(VENV)]) != 0:
            shutil.rmtree(VENV, ignore_errors=True)
            apt_install(["python3-venv"], why="to create a virtual environment")
            run([sys.executable, "-m", "venv", str(VENV)])
    wanted = install_fingerprint(extras)
    have = STAMP.read_text() if STAMP.exists() else ""
    if wanted not in have.splitlines():
        target = f".[{extras}]" if extras else "."
        print(f"dev.py: installing labsuite{' and its test tools' if extras else ''} into .venv …",
              flush=True)
        run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([str(python), "-m", "pip", "install", "--quiet", "-e", target], cwd=ROOT)
        lines = [line for line in have.splitlines() if line.split(" ", 1)[-1] != extras]
        STAMP.write_text("\n".join([*lines, wanted]) + "\n")
    return python


def install_fingerprint(extras: str) -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"{digest} {extras}"


def ensure_tkinter() -> None:
    """The window needs Tk; Debian and Ubuntu ship it separately from Python."""
    if subprocess.call([sys.executable, "-c", "import tkinter"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0:
        return
    apt_install(["python3-tk"], why="for the window (tkinter)")


def ensure_display_tools() -> None:
    """GUI tests need a screen; on a headless Linux machine that is Xvfb."""
    if not sys.platform.startswith("linux") or shutil.which("Xvfb"):
        return
    if os.environ.get("DISPLAY") and not os.environ.get("CI"):
        return
    apt_install(["xvfb", "xauth"], why="for a virtual screen to test the window on")


def apt_install(packages: list[str], why: str) -> None:
    command = ["apt-get", "install", "-y", "-q", *packages]
    if not shutil.which("apt-get"):
        raise SystemExit(fail(f"please install {' '.join(packages)} {why}, then run this again."))
    prefix = [] if hasattr(os, "geteuid") and os.geteuid() == 0 else ["sudo", "-n"]
    if prefix and not shutil.which("sudo"):
        raise SystemExit(fail(f"please run: sudo {' '.join(command)}  ({why})"))
    print(f"dev.py: installing {' '.join(packages)} {why} …", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"stdout": subprocess.DEVNULL}
    subprocess.call([*prefix, "apt-get", "update", "-q"], env=env, **quiet)
    if subprocess.call([*prefix, *command], env=env, **quiet) != 0:
        raise SystemExit(fail(f"could not install {' '.join(packages)}; please run: "
                              f"sudo {' '.join(command)}"))


def run(command: list[str], cwd: Path | None = None) -> None:
    if subprocess.call(command, cwd=cwd) != 0:
        raise SystemExit(fail(f"this step failed: {' '.join(command)}"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
