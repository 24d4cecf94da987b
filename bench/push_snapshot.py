"""A pushed correction → visible in the published snapshot, through the real Airflow stack.

The World's pusher (:data:`harness.world.PUSHERS`) uploads its file to the gateway when it
publishes: ``POST /admin/correct`` at the simulator returns once the gateway has landed and
validated the upload and answered with the feedback (a ``push`` event in ``data/events/``).
Timed until ``fct_jobcenter_month`` in the published snapshot shows the new revision: the
push and its feedback, the AssetWatcher, ``jcw_intake`` (nothing to fetch, nothing left to
validate), ``jcw_warehouse`` (build, publish). Each run is a further revision of the same
jobcenter.
"""

from __future__ import annotations

from bench.common import Context, Row
from bench.correction import time_to_snapshot

NAME = "push_snapshot"
DESCRIPTION = "a pushed correction → visible in the published snapshot (Airflow)"


def run(ctx: Context) -> list[Row]:
    from harness.world import PUSHERS

    note = "push (feedback) → AssetWatcher → jcw_intake → jcw_warehouse → snapshot"
    return time_to_snapshot(ctx, NAME, (PUSHERS[0],) * ctx.repeat(), note)
