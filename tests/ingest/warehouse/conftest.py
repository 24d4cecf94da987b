"""A small warehouse built and published once, for the tests that only read it (docs, BI)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dbt_project.reports import months, write_months, write_rejected

# The three months of the small warehouse; 03159 Göttingen's report for the last is rejected.
SMALL_MONTHS = months("2025-01", 3)
REJECTED = ("03159", "2025-03")
# The reference date of the build: the last month is past its due date (10 April).
AS_OF = "2025-04-15"


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory: Stuttgart and Peine accepted for SMALL_MONTHS, Göttingen rejected
    for the last one, everyone else missing; built and published. Tests only read it (and
    write docs beside it): set ``JCW_DATA_DIR`` to it with monkeypatch where the product needs it.
    """
    from ingest.warehouse import build, publish

    root = tmp_path_factory.mktemp("small-warehouse")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JCW_DATA_DIR", str(root))
        write_months(root, SMALL_MONTHS)
        write_rejected(root, *REJECTED)
        build.build(as_of=AS_OF)
        publish.publish()
    return root
