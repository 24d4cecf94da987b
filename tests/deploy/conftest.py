"""Fixtures of the production topology: PostgreSQL and Redis from Debian packages, on loopback.

They use scripts/prod_services.py, the same code the runbook tells an operator to run, and
install the packages with apt-get when they are missing (CI runs as root on Debian 12).
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]


def load_prod_services() -> ModuleType:
    """scripts/prod_services.py as the module `prod_services` (scripts/ is not a package)."""
    if "prod_services" in sys.modules:
        return sys.modules["prod_services"]
    path = REPO / "scripts" / "prod_services.py"
    spec = importlib.util.spec_from_file_location("prod_services", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["prod_services"] = module
    spec.loader.exec_module(module)
    return module


prod_services = load_prod_services()


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
