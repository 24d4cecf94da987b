"""Process groups: start a helper in its own session, stop it with everything it started."""

from __future__ import annotations

import os
import signal
import subprocess
import time


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    # Every process was started with start_new_session=True: its pid is its group id.
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass


def stop_groups(procs: list[subprocess.Popen], timeout: float = 20) -> None:
    """SIGTERM the process groups of ``procs`` at once, then SIGKILL whatever is left."""
    for proc in procs:
        signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    # Leaders that ignored SIGTERM, and children that outlived their leader.
    for proc in procs:
        signal_group(proc, signal.SIGKILL)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
