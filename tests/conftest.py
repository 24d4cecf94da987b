"""Shared fixtures. Each fixture module under tests/fixtures/ belongs to the stage it serves."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from ingest.core import clock

# One clock for every test and every process a test starts: the reference date is pinned, so
# no test depends on the day it runs (a build's as_of, overdue months, the reporting range).
# A test that needs another day passes --today / as_of or sets JCW_TODAY itself.
TEST_TODAY = "2026-12-01"
os.environ.setdefault(clock.TODAY_ENV, TEST_TODAY)

pytest_plugins = [
    "tests.fixtures.browser",
    "tests.fixtures.dag_runs",
    "tests.fixtures.simulator",
    "tests.fixtures.smtp",
    "tests.fixtures.venvs",
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private JCW_DATA_DIR for one test: every file the product writes lands below it."""
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setenv("JCW_DATA_DIR", str(root))
    return root


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
