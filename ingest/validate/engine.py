"""The Great Expectations engine: one ephemeral context with the suites of ``expectations/``.

Built once per process (GX costs seconds to import): one pandas data source, one dataframe
asset and batch definition per suite. :meth:`Engine.run` validates a frame with one suite
and returns, for each failed check, its meta and the index of every unexpected row.

A run takes two passes. The suite first runs with ``BOOLEAN_ONLY`` results (success only,
about half the cost of a full result); only the expectations that failed run again with
``COMPLETE`` results, for their unexpected rows. A report without findings, the common case,
pays only the first pass. Batches are validated directly, without a validation definition,
so no result piles up in the context's result store of a long-running gateway.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ingest.core.rules import load_suites

if TYPE_CHECKING:
    import pandas as pd

QUICK = {"result_format": "BOOLEAN_ONLY"}
DETAIL = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


class Engine:
    """One ephemeral GX context with one suite and batch definition per suite name."""

    def __init__(self) -> None:
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("jcw_reports")
        self.suites = {}
        self.batches = {}
        for name, doc in load_suites().items():
            suite = gx.ExpectationSuite(
                name=name, expectations=doc["expectations"], meta=doc.get("meta")
            )
            if len(suite.expectations) != len(doc["expectations"]):
                raise ValueError(f"suite {name}: some expectations are invalid (see log)")
            self.suites[name] = self.context.suites.add(suite)
            asset = source.add_dataframe_asset(name)
            self.batches[name] = asset.add_batch_definition_whole_dataframe(name)

    def run(self, suite_name: str, frame: pd.DataFrame) -> list[tuple[dict, list[int]]]:
        """Run one suite on ``frame``; return (meta, unexpected index list) per failed check."""
        batch = self.batches[suite_name].get_batch(batch_parameters={"dataframe": frame})
        suite = self.suites[suite_name]
        quick = batch.validate(suite, result_format=QUICK)
        failed_ids = {r.expectation_config.id for r in quick.results if _failed(suite_name, r)}
        failed = []
        for expectation in suite.expectations:
            if expectation.id in failed_ids:
                result = batch.validate(expectation, result_format=DETAIL)
                _failed(suite_name, result)
                index = list(result.result["unexpected_index_list"])
                failed.append((dict(expectation.meta), index))
        return failed


def _failed(suite_name: str, result: Any) -> bool:
    """Whether one expectation's result failed; an expectation that raised is an error.

    GX reports an exception either at the top of ``exception_info`` or, when a metric could
    not be computed (a missing column), under that metric's id."""
    info = result.exception_info or {}
    raised = [info, *(v for v in info.values() if isinstance(v, dict))]
    for entry in raised:
        if entry.get("raised_exception"):
            msg = entry.get("exception_message")
            raise RuntimeError(f"suite {suite_name}: {result.expectation_config.type}: {msg}")
    return not result.success


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine()
