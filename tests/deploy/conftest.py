"""Fixtures of the production topology: PostgreSQL and Redis from Debian packages, on loopback.

They use harness/services.py (``scripts/prod_services.py``), the same code the runbook tells
an operator to run, and install the packages with apt-get when they are missing (CI runs as
root on Debian 12).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import services as prod_services
from harness.ports import free_port

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def prod_root() -> Iterator[Path]:
    """A directory the `postgres` user can enter (pytest's tmp_path is 0700 root-only)."""
    root = Path(tempfile.mkdtemp(prefix="jcw-prod-"))
    try:
        yield root
    finally:
        prod_services.stop_redis(root)
        prod_services.stop_postgres(root)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres(prod_root: Path):
    """A private PostgreSQL 15 cluster with an empty `airflow` database."""
    return prod_services.start_postgres(prod_root, free_port())


@pytest.fixture
def redis(prod_root: Path):
    """A private Redis server (the Celery broker)."""
    return prod_services.start_redis(prod_root, free_port())
