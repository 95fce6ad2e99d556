"""Fixtures shared by every test folder.

* ``display``: a session-wide X display. On headless Linux it starts a private Xvfb
  (and stops it at the end); with no Xvfb the GUI tests fail with a clear message on CI
  and are skipped elsewhere. The GUI tests request it automatically.
* every test gets its own empty settings folder (``LABSUITE_CONFIG_DIR``), so no test
  reads or writes the real user's settings, and ``LABSUITE_NO_ANNOUNCE``, so no server a
  test starts for "other computers" announces itself on the machine's network.
"""

from __future__ import annotations

import os

import pytest

from tests.gui.xvfb import Display, XvfbMissing


@pytest.fixture(scope="session")
def display():
    guard = Display()
    try:
        name = guard.__enter__()
    except XvfbMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"GUI tests need a display: {exc}", pytrace=False)
        pytest.skip(f"GUI tests need a display: {exc}")
    try:
        yield name
    finally:
        guard.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def no_announcing(monkeypatch):
    """No test announces a server on the machine's real network (multicast): the
    discovery tests turn it back on inside network namespaces they create."""
    monkeypatch.setenv("LABSUITE_NO_ANNOUNCE", "1")


@pytest.fixture(autouse=True)
def private_settings(tmp_path, monkeypatch):
    """Point labsuite's settings at an empty temporary folder for this test."""
    folder = tmp_path / "labsuite-config"
    monkeypatch.setenv("LABSUITE_CONFIG_DIR", str(folder))
    return folder
