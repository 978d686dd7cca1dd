"""Fixtures shared across the test packages."""

from collections.abc import Iterator

import pytest

from eval.standin import DefaultReply, StandIn


@pytest.fixture(scope="module")
def server() -> Iterator[StandIn]:
    """One LLM stand-in on loopback per test module."""
    with StandIn() as standin:
        yield standin


@pytest.fixture
def standin(server: StandIn) -> Iterator[StandIn]:
    """The module's stand-in, with scripted behaviour and settings reset after each test."""
    server.reset()
    yield server
    server.latency_s = 0.0
    server.max_context_tokens = None
    server.default_reply = DefaultReply.MARKED
