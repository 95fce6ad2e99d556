"""The standalone program: built from a clean copy of the tree with ``build/build.py``,
it must start, know its version and pass its own self-test, which exercises every
server and client, the sample site, the icon and Tcl/Tk inside the frozen program.

Building takes a minute, so it happens once for this module. PyInstaller comes with the
``test`` extra; if it is missing and cannot be installed, the tests are skipped.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from labsuite import __version__, selftest

ROOT = Path(__file__).resolve().parents[2]
BUILD_SECONDS = 540
RUN_SECONDS = 60
LINUX = sys.platform.startswith("linux")

pytestmark = [pytest.mark.timeout(600), pytest.mark.frozen]


def load_builder(source: Path):
    """build/build.py of the copy, as a module (it is a script, not part of the package)."""
    spec = importlib.util.spec_from_file_location("labsuite_build", source / "build" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def clean_copy(target: Path) -> Path:
    """The files a fresh clone would have (tracked, plus new files not ignored), without
    build leftovers, caches or dist/; the repository itself when git cannot say."""
    git = shutil.which("git")
    if git is None:
        return ROOT
    listed = subprocess.run([git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, timeout=60)
    if listed.returncode != 0:
        return ROOT
    for name in filter(None, listed.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # (a tracked file deleted in the working tree is skipped)
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(builder module, dist folder, the command-line program) from a fresh build."""
    scratch = tmp_path_factory.mktemp("frozen")
    source = clean_copy(scratch / "source")
    dist, work = scratch / "dist", scratch / "work"
    done = subprocess.run([sys.executable, str(source / "build" / "build.py"),
                           "--dist", str(dist), "--work", str(work)],
                          cwd=source, capture_output=True, text=True, timeout=BUILD_SECONDS)
    builder = load_builder(source)
    if done.returncode == builder.EXIT_NO_TOOLS:
        pytest.skip(f"cannot build the standalone program here: {done.stdout.strip()}")
    assert done.returncode == 0, f"build failed:\n{done.stdout}\n{done.stderr}"
    program = builder.built_program(dist, onefile=True)
    assert program.is_file(), f"no program at {program}: {sorted(p.name for p in dist.iterdir())}"
    return builder, dist, program


def run_program(program: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # Run away from the source tree, so nothing can be imported from it by mistake.
    return subprocess.run([str(program), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=RUN_SECONDS)


def test_the_program_knows_its_version(built, tmp_path):
    _builder, _dist, program = built
    done = run_program(program, "--version", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"labsuite {__version__}"


def test_the_program_passes_its_self_test(built, display, tmp_path):
    _builder, _dist, program = built
    done = run_program(program, "--self-test", cwd=tmp_path)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "standalone executable" in lines[0]
    names = [name for name, _check, _here in selftest.CHECKS]
    assert [line.split(" (")[0] for line in lines[1:-1]] == [f"ok   {name}" for name in names]
    assert lines[-1].startswith(f"self-test passed: all {len(names)} checks")


def test_the_program_serves_the_sample_site_from_the_command_line(built, tmp_path):
    """``serve web`` is the CLI's path to the bundled site (the self-test uses the API)."""
    _builder, _dist, program = built
    process = subprocess.Popen([str(program), "serve", "web", "--port", "0", "--quiet"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        line = process.stdout.readline()
        listening = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        assert listening and "built-in sample site" in line, line
        port = int(listening.group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/style.css", timeout=10) as reply:
            assert reply.status == 200
            assert reply.read()
    finally:
        process.terminate()
        process.communicate(timeout=10)
    if sys.platform != "win32":  # SIGTERM is a polite stop: a clean exit
        assert process.returncode == 0


@pytest.mark.skipif(not LINUX, reason="desktop files are for Linux")
def test_linux_gets_a_desktop_file_and_an_icon(built):
    _builder, dist, program = built
    desktop = (dist / "labsuite.desktop").read_text(encoding="utf-8")
    assert desktop.startswith("[Desktop Entry]\n")
    assert f"\nExec={program}\n" in desktop
    assert f"\nIcon={dist / 'labsuite.png'}\n" in desktop
    assert "@" not in desktop  # every placeholder filled in
    assert (dist / "labsuite.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not LINUX, reason="the one-file form is the Linux default")
def test_the_linux_program_is_one_small_file(built):
    _builder, dist, program = built
    assert sorted(path.name for path in dist.iterdir()) == \
        ["labsuite", "labsuite.desktop", "labsuite.png"]
    assert program.stat().st_size <= 15_000_000


def test_exec_lines_quote_awkward_paths():
    builder = load_builder(ROOT)
    assert builder.desktop_exec_quote("/opt/labsuite/labsuite") == "/opt/labsuite/labsuite"
    assert builder.desktop_exec_quote("/mnt/lab share/100% $ure/labsuite") == \
        '"/mnt/lab share/100%% \\$ure/labsuite"'
