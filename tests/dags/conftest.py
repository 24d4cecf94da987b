"""Fixtures of the DAG tests: ``common`` is dags/jcw_common.py, imported the way Airflow's
DAG processor imports it (the dags folder on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def common():
    sys.path.insert(0, str(DAGS))
    try:
        import jcw_common

        yield jcw_common
    finally:
        sys.path.remove(str(DAGS))
