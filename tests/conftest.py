"""Shared fixtures. Each fixture module under tests/fixtures/ belongs to the stage it serves."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest_plugins = [
    "tests.fixtures.browser",
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
