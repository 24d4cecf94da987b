"""collect: reports into the landing zone, from jobcenter endpoints over HTTP.

Owns the HTTP client (:mod:`~ingest.collect.client`, one attempt in
:mod:`~ingest.collect.http`, its deadline in :mod:`~ingest.collect.watchdog`, reply headers
and URLs as checked values in :mod:`~ingest.collect.reply`), the endpoints and tokens
(:mod:`~ingest.collect.credentials`),
the landing zone of raw bytes and revision records (:mod:`~ingest.collect.landing`), the
fetch log (:mod:`~ingest.collect.fetch_log`), the event inbox (:mod:`~ingest.collect.events`)
and the collection runs over many jobcenters (:mod:`~ingest.collect.collector`).

May import: :mod:`ingest.core`.
"""
