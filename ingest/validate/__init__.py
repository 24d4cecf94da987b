"""validate: landed revisions become verdicts, accepted Parquet or quarantine records.

Owns parsing of the wire formats (:mod:`~ingest.validate.parse` with
:mod:`~ingest.validate.parse_csv`, :mod:`~ingest.validate.parse_json` and
:mod:`~ingest.validate.reading`), the Great Expectations engine
(:mod:`~ingest.validate.engine`), the frames the suites run on
(:mod:`~ingest.validate.frames`), the checks and their verdicts
(:mod:`~ingest.validate.checks`), the files of this stage (:mod:`~ingest.validate.store`),
the run over every pending revision (:mod:`~ingest.validate.run`) and the validation pages
(:mod:`~ingest.validate.pages`).

May import: :mod:`ingest.core`, :mod:`ingest.collect` (the landing zone it reads) and
:mod:`ingest.notify` (the rejection mail).
"""
