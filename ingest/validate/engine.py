"""The Great Expectations engine: one ephemeral context with the suites of ``expectations/``.

Built once per process (GX costs seconds to import): one pandas data source, one dataframe
asset and one validation definition per suite. :meth:`Engine.run` validates a frame with one
suite and returns, for each failed check, its meta and the index of every unexpected row.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from ingest.core.rules import load_suites

if TYPE_CHECKING:
    import pandas as pd


class Engine:
    """One ephemeral GX context with one validation definition per suite, built once."""

    def __init__(self) -> None:
        logging.getLogger("great_expectations").setLevel(logging.WARNING)
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("jcw_reports")
        self.definitions = {}
        for name, doc in load_suites().items():
            suite = gx.ExpectationSuite(
                name=name, expectations=doc["expectations"], meta=doc.get("meta")
            )
            if len(suite.expectations) != len(doc["expectations"]):
                raise ValueError(f"suite {name}: some expectations are invalid (see log)")
            suite = self.context.suites.add(suite)
            batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            self.definitions[name] = self.context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )

    def run(self, suite_name: str, frame: pd.DataFrame) -> list[tuple[dict, list[int]]]:
        """Run one suite on ``frame``; return (meta, unexpected index list) per failed check."""
        result = self.definitions[suite_name].run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "COMPLETE", "return_unexpected_index_query": False},
        )
        failed = []
        for r in result.results:
            if r.exception_info and r.exception_info.get("raised_exception"):
                msg = r.exception_info.get("exception_message")
                raise RuntimeError(f"suite {suite_name}: {r.expectation_config.type}: {msg}")
            if not r.success:
                failed.append(
                    (dict(r.expectation_config.meta), list(r.result["unexpected_index_list"]))
                )
        return failed


@lru_cache(maxsize=1)
def engine() -> Engine:
    return Engine()
