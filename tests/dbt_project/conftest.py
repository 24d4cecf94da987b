"""Fixtures of the warehouse tests: a private data directory per module, built once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def module_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A JCW_DATA_DIR shared by the tests of one module (dbt builds are too slow per test)."""
    root = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(root))
        yield root
