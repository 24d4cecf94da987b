"""notify: mail to the jobcenters and the central team, never lost silently.

Owns the outbox (:mod:`~ingest.notify.outbox`: queued files, delivery, retries), the SMTP
connection (:mod:`~ingest.notify.smtp`), the German texts (:mod:`~ingest.notify.texts`),
who gets which mail (:mod:`~ingest.notify.alerts`), the Airflow failure callback
(:mod:`~ingest.notify.failure`) and the local SMTP server of the embedded default
(:mod:`~ingest.notify.smtp_sink`).

May import: :mod:`ingest.core`.
"""
