"""Fixtures for the CPython unit tests."""

import pytest

from tests.support.recording_server import RecordingServer


@pytest.fixture
def server():
    """A recording OpenPanel API on 127.0.0.1, stopped after the test."""
    running = RecordingServer().start()
    yield running
    running.stop()
