"""Fixtures shared by the network tests."""

import pytest

from tests.support import Recorder


@pytest.fixture
def recorder():
    """Collects a service's events from any thread; see tests.support.Recorder."""
    return Recorder()
