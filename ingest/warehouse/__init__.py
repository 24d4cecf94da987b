"""warehouse: the dbt build (the single DuckDB writer), the published snapshot, its readers.

Owns running dbt (:mod:`~ingest.warehouse.dbt`), the incremental build and the rebuild from
files (:mod:`~ingest.warehouse.build`), publishing the read-only BI snapshot
(:mod:`~ingest.warehouse.publish`), reading it (:mod:`~ingest.warehouse.snapshot`, for
everyone who reads the snapshot) and the watermark of what was built
(:mod:`~ingest.warehouse.watermark`). Everything below ``warehouse/`` in the data directory.

May import: :mod:`ingest.core` and :mod:`ingest.collect` (re-hashing landed files before a
rebuild).
"""
