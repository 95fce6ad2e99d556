"""Fixtures shared by the network tests."""

import pytest

from tests.support import Recorder


@pytest.fixture
def started():
    """start(service) -> the running service; every one is stopped after the test."""
    services = []

    def start(service):
        services.append(service)
        return service.start()

    yield start
    for service in reversed(services):
        service.stop()


@pytest.fixture
def recorder():
    """Collects a service's events from any thread; see tests.support.Recorder."""
    return Recorder()
