"""report: the monthly national report (German), read from the published snapshot only.

Owns reading the reporting marts (:mod:`~ingest.report.data`), the charts
(:mod:`~ingest.report.charts`), the HTML pages (:mod:`~ingest.report.render` and
``templates/``), the PDF (:mod:`~ingest.report.pdf`) and writing it all
(:mod:`~ingest.report.generate`).

May import: :mod:`ingest.core` and :mod:`ingest.warehouse` (the snapshot reader).
"""
