"""status: where every expected (jobcenter, month) stands, and the daily look at deadlines.

Owns the reconciliation (:mod:`~ingest.status.reconcile`: missing, received, rejected or
accepted, on time or late, read from the files only) and the monitor
(:mod:`~ingest.status.monitor`: warnings digest, reminders after the due date, completeness).

May import: :mod:`ingest.core`, :mod:`ingest.collect`, :mod:`ingest.validate` (to read
their files) and :mod:`ingest.notify`.
"""
