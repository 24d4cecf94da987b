"""dbt as a child process: the one writer of ``warehouse/build.duckdb``.

Runs dbt (dbt-duckdb) with this data directory's target and log paths, one run at a time
per data directory (:func:`exclusive`, a file lock that concurrent builds queue on), and
reads what it reports in ``run_results.json``.

dbt never outlives the command that started it: it runs in its own process group, which is
killed (SIGTERM, then SIGKILL) when the caller is interrupted or terminated while waiting,
and it asks the kernel for SIGTERM should its parent die without a chance to clean up
(``kill -9``). The lock file names the process that holds it; a build that waits for it, or
finds the database locked by a leftover process, names that process.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.core import layout, settings

log = logging.getLogger(__name__)

BUILD_DB = "build.duckdb"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
# Seconds dbt gets to stop after SIGTERM before its process group is killed.
STOP_GRACE_S = 10.0
# The child sets PR_SET_PDEATHSIG (Linux) before it runs dbt, then checks that its parent
# is still the one that started it (else the parent died before the request took effect).
_LAUNCH = (
    "import ctypes, os, runpy, signal, sys\n"
    "try:\n"
    "    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)\n"
    "except (OSError, AttributeError):\n"
    "    pass\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(143)\n"
    "sys.argv = ['dbt'] + sys.argv[2:]\n"
    "runpy.run_module('dbt.cli.main', run_name='__main__', alter_sys=True)\n"
)
_DUCKDB_LOCK = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def warehouse_dir() -> Path:
    """``<JCW_DATA_DIR>/warehouse``: the build database, dbt artifacts and the snapshot."""
    return layout.warehouse_dir()


def target_dir() -> Path:
    """dbt's target path of this data directory (manifest, run_results.json)."""
    return warehouse_dir() / "dbt_target"


def run_dbt(
    args: list[str],
    *,
    target_path: Path | None = None,
    periods: list[str] | None = None,
    as_of: str | None = None,
    on_line: Callable[[str], None] | None = None,
) -> subprocess.CompletedProcess:
    """Run dbt in a child process with this data directory's target and log paths.

    ``on_line`` sees each line dbt prints as it prints it (progress for the command line).

    The build's months and reference date go in as environment variables, always set (empty
    = every month / the default date): dbt then re-parses only the few files that read them,
    where a changed ``--vars`` value would re-parse the whole project on every build.
    """
    wh = warehouse_dir()
    wh.mkdir(parents=True, exist_ok=True)
    project = settings.DBT_PROJECT_DIR
    cmd = [
        sys.executable,
        "-c",
        _LAUNCH,
        str(os.getpid()),
        *args,
        "--project-dir",
        str(project),
        "--profiles-dir",
        str(project),
        "--target-path",
        str(target_path or target_dir()),
        "--log-path",
        str(wh / "dbt_logs"),
    ]
    env = {
        **os.environ,
        "JCW_DATA_DIR": str(layout.data_dir()),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
        "JCW_BUILD_PERIODS": ",".join(periods or []),
        "JCW_BUILD_AS_OF": as_of or "",
    }
    env["JCW_SEEDS_DIR"] = settings.SEEDS_DIR_NAME
    log.info("running dbt %s", " ".join(args))
    proc = _run_in_own_group(cmd, on_line, cwd=project, env=env)
    for line in proc.stdout.splitlines()[-12:]:
        log.info("dbt: %s", line)
    return proc


def _run_in_own_group(
    cmd: list[str], on_line: Callable[[str], None] | None = None, **kwargs
) -> subprocess.CompletedProcess:
    """Run ``cmd`` in a new process group and session; kill the group if we are stopped.
    With ``on_line``, stdout is read line by line as it comes (stderr by a thread)."""
    child = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        **kwargs,
    )
    try:
        if on_line is None:
            out, err = child.communicate()
        else:
            out, err = _stream(child, on_line)
    except BaseException:  # KeyboardInterrupt, SIGTERM turned into an exception, ...
        stop_group(child)
        raise
    return subprocess.CompletedProcess(cmd, child.returncode, out, err)


def _stream(child: subprocess.Popen, on_line: Callable[[str], None]) -> tuple[str, str]:
    """(stdout, stderr) of ``child``, handing each stdout line to ``on_line`` on arrival."""
    errors: list[str] = []
    reader = threading.Thread(target=lambda: errors.append(child.stderr.read()), daemon=True)
    reader.start()
    lines = []
    for line in child.stdout:
        lines.append(line)
        on_line(line.rstrip("\n"))
    child.wait()
    reader.join()
    return "".join(lines), "".join(errors)


def stop_group(child: subprocess.Popen) -> None:
    """SIGTERM to the child's process group, SIGKILL after :data:`STOP_GRACE_S`; reaped."""
    for sig, wait_s in ((signal.SIGTERM, STOP_GRACE_S), (signal.SIGKILL, None)):
        try:
            os.killpg(child.pid, sig)
        except ProcessLookupError:
            break
        try:
            child.wait(wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    log.error("stopped dbt (process group %d) with the command that started it", child.pid)


def lock_holder(output: str) -> str | None:
    """If dbt failed because DuckDB found the build database locked, who holds it."""
    match = _DUCKDB_LOCK.search(output)
    if not match:
        return None
    pid = int(match.group(2))
    return f"process {pid} ({process_name(pid) or match.group(1)})"


def process_name(pid: int) -> str | None:
    """The command line of a running process (Linux /proc), or None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return None
    text = " ".join(part for part in raw.decode("utf-8", "replace").split("\0") if part)
    return text[:200] or None


def read_run_results(target: Path) -> dict:
    path = target / "run_results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def tail(text: str, lines: int = 8) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """One warehouse writer per data directory: concurrent builds queue here.

    The holder writes its pid and command into the lock file; a process that has to wait
    logs who it waits for.
    """
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            holder = f.read(300).strip() or "unknown"
            log.warning("waiting for %s, held by process %s", lock_file, holder)
            fcntl.flock(f, fcntl.LOCK_EX)
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()} {' '.join(sys.argv)[:200]}\n")
        f.flush()
        try:
            yield
        finally:
            f.seek(0)
            f.truncate()
            f.flush()
            fcntl.flock(f, fcntl.LOCK_UN)
