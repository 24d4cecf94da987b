"""Atomic file writes: every file under data/ is either complete under its final name or absent.

A writer puts the bytes into a temporary file in the same directory, fsyncs it, and then
moves it into place: ``os.link`` for write-once files (fails if the name exists, so two
writers can never both "win"), ``os.replace`` for state files. A writer killed half-way
leaves at most a temporary file whose name starts with ``.tmp-``; readers ignore such names
and :func:`remove_stale_temp` cleans them up.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

TEMP_PREFIX = ".tmp-"


class ContentConflict(FileExistsError):
    """A write-once file already exists with different content than the caller's."""


def is_temp(path: Path | str) -> bool:
    """True for the temporary names this module writes (never a final file)."""
    return Path(path).name.startswith(TEMP_PREFIX)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes) -> Path:
    """Write ``data`` to a fresh temp file beside ``path``, fsynced; return the temp path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f"{TEMP_PREFIX}{path.name}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    return tmp


def write_once(path: Path | str, data: bytes) -> bool:
    """Create ``path`` with ``data`` exactly once.

    Returns True if this call created the file, False if it already existed with the same
    bytes. Raises :class:`ContentConflict` if it exists with different bytes.
    """
    path = Path(path)
    if path.exists():
        return _same_or_conflict(path, data)
    tmp = _write_temp(path, data)
    try:
        os.link(tmp, path)
    except FileExistsError:
        return _same_or_conflict(path, data)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def _same_or_conflict(path: Path, data: bytes) -> bool:
    if path.read_bytes() == data:
        return False
    raise ContentConflict(f"{path} already exists with different content")


def replace_atomic(path: Path | str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically (readers see the old or the new file)."""
    path = Path(path)
    tmp = _write_temp(path, data)
    try:
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def write_json_once(path: Path | str, obj: Any) -> bool:
    """:func:`write_once` for a JSON document (UTF-8, sorted keys)."""
    return write_once(path, _json_bytes(obj))


def replace_json(path: Path | str, obj: Any) -> None:
    """:func:`replace_atomic` for a JSON document (UTF-8, sorted keys)."""
    replace_atomic(path, _json_bytes(obj))


def remove_stale_temp(root: Path | str, *, older_than_s: float, now: float | None = None) -> int:
    """Delete temp files below ``root`` older than ``older_than_s``; return how many.

    A temp file that young may still belong to a live writer, so it is left alone.
    """
    now = time.time() if now is None else now
    removed = 0
    root = Path(root)
    if not root.exists():
        return 0
    for tmp in root.rglob(f"{TEMP_PREFIX}*"):
        try:
            if now - tmp.stat().st_mtime > older_than_s:
                tmp.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
