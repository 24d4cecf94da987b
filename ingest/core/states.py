"""The words for where a report stands: one set, used by status, warehouse, report and mails.

States (``submission_status.status`` in the warehouse, ``StatusRow.state`` in ``jcw status``):

- ``accepted``: the latest revision was accepted;
- ``correction_rejected``: accepted, but a later correction was rejected; the accepted
  revision stays valid and the figures come from it;
- ``rejected``: the latest revision was rejected and none was accepted;
- ``received``: landed, not validated yet;
- ``missing``: nothing landed (with the reason: not published yet, or a fetch failure).

Timeliness is :mod:`ingest.core.timeliness`.
"""

from __future__ import annotations

STATES = ("accepted", "correction_rejected", "rejected", "received", "missing")

STATES_DE = {
    "accepted": "angenommen",
    "correction_rejected": "angenommen, Korrektur abgelehnt",
    "rejected": "abgelehnt",
    "received": "eingegangen, ungeprüft",
    "missing": "fehlt",
}

TIMELINESS_DE = {
    "on_time": "pünktlich",
    "late": "verspätet",
    "overdue": "überfällig",
    "not_due": "noch nicht fällig",
}
