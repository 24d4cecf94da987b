"""The event inbox: announced publications and corrections, ``events/`` below the data dir.

The intake gateway (:mod:`ingest.gateway`, the only writer) drops one JSON file per
announcement into ``events/`` (:func:`announce`): ``{"kreis_ags", "period", "revision",
"channel"}``. ``channel`` is ``notice`` (a signed notice: fetch exactly that report) or
``push`` (an upload the gateway has landed and validated already: nothing to fetch).
Files move through three folders, each move an atomic ``os.replace``:

    events/*.json  --claim-->  events/inbox/  --acknowledge-->  events/done/
                                          \\--(not an event)-->  events/invalid/

The AssetWatcher trigger (``plugins/jcw_events.py``) claims new files and fires an asset
event; ``jcw_intake`` reads every file in the inbox (bursts of asset events coalesce, so it
never trusts the events it was handed) and acknowledges them after their reports were
landed and validated. A run that fails leaves its files in the inbox for the next one.

An event file is outside input: it is parsed into checked values (:func:`read_event`) before
any of it reaches a fetch or a path. ``kreis_ags`` must be a jobcenter of the registry,
``period`` a month ``YYYY-MM`` from 2005-01 to the reference date's month, ``revision`` a
number 1..2^31-1 or absent, ``channel`` one of :data:`CHANNELS` or absent (= ``notice``);
the file must be one UTF-8 JSON object of at most
:data:`MAX_EVENT_BYTES`, without duplicate keys. Anything else is set aside in
``events/invalid/`` with its reason beside it (``<name>.reason``), and every other event is
processed: one bad file never blocks the intake.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from datetime import date
from pathlib import Path
from typing import Any

from ingest.core import keys, layout, periods
from ingest.core.clock import today as reference_date
from ingest.core.errors import InvalidKey
from ingest.core.files import replace_atomic, write_once

log = logging.getLogger(__name__)

INBOX = "inbox"
DONE = "done"
INVALID = "invalid"
REASON_SUFFIX = ".reason"
# An event is a handful of short fields; anything larger is not one.
MAX_EVENT_BYTES = 64 * 1024
NOTICE, PUSH = "notice", "push"
CHANNELS = (NOTICE, PUSH)


class InvalidEvent(ValueError):
    """An event file that is not a checked event; the message says why (English, one line)."""


def events_dir() -> Path:
    """Where event files arrive (``<JCW_DATA_DIR>/events``)."""
    return layout.events_dir()


def _is_event_file(path: Path) -> bool:
    # Writers use a temporary name and rename into place; only final names count. A
    # symbolic link is never followed: it could point anywhere on the machine.
    return (
        path.suffix == ".json"
        and not path.name.startswith(".")
        and not path.is_symlink()
        and path.is_file()
    )


def claim_new(directory: Path) -> list[str]:
    """Move every new event file from ``directory`` into its inbox; return the claimed names."""
    inbox = directory / INBOX
    inbox.mkdir(parents=True, exist_ok=True)
    claimed = []
    for path in sorted(directory.iterdir()):
        if not _is_event_file(path):
            continue
        try:
            os.replace(path, inbox / path.name)
        except FileNotFoundError:
            continue  # another claimer took it first
        claimed.append(path.name)
    return claimed


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys_seen = [k for k, _ in pairs]
    duplicated = sorted({k for k in keys_seen if keys_seen.count(k) > 1})
    if duplicated:
        raise InvalidEvent(f"key {duplicated[0]!r} appears more than once")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise InvalidEvent(f"{name} is not a JSON value")


def read_event(path: Path, today: date | None = None) -> dict[str, Any]:
    """The event in ``path`` as checked values: ``{"file", "kreis_ags", "period", "revision",
    "channel"}``.

    InvalidEvent naming the first problem (the file, its JSON, or a field) otherwise.
    """
    with open(path, "rb") as f:
        raw = f.read(MAX_EVENT_BYTES + 1)
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(f"larger than {MAX_EVENT_BYTES} bytes")
    try:
        body = json.loads(
            raw.decode("utf-8"),
            object_pairs_hook=_no_duplicate_keys,
            parse_constant=_no_constants,
        )
    except InvalidEvent:
        raise
    except UnicodeDecodeError:
        raise InvalidEvent("not UTF-8") from None
    except RecursionError:
        raise InvalidEvent("JSON nested too deeply") from None
    except ValueError as exc:
        raise InvalidEvent(f"not JSON ({keys.show(str(exc), 100)})") from None
    if not isinstance(body, dict):
        raise InvalidEvent(f"not a JSON object but {type(body).__name__}")
    channel = body.get("channel", NOTICE)
    if channel not in CHANNELS:
        raise InvalidEvent(f"channel {keys.show(channel, 40)} is not one of {', '.join(CHANNELS)}")
    try:
        revision = body.get("revision")
        return {
            "channel": channel,
            "file": path.name,
            "kreis_ags": keys.registered_ags(body.get("kreis_ags")),
            "period": periods.reporting_period(body.get("period"), reference_date(today)),
            "revision": None if revision is None else keys.revision(revision),
        }
    except InvalidKey as exc:
        raise InvalidEvent(str(exc)) from None


def set_aside(directory: Path, path: Path, reason: str) -> Path:
    """Move ``path`` to ``events/invalid/`` with ``<name>.reason`` beside it; return the
    new path. The reason file comes first, so an operator never finds a file without one."""
    invalid = directory / INVALID
    invalid.mkdir(parents=True, exist_ok=True)
    replace_atomic(invalid / f"{path.name}{REASON_SUFFIX}", (reason + "\n").encode("utf-8"))
    target = invalid / path.name
    os.replace(path, target)
    log.error("event file %s set aside in %s: %s", path.name, invalid, reason)
    return target


def pending(directory: Path, today: date | None = None) -> list[dict[str, Any]]:
    """Claim new files, then read every event in the inbox (oldest name first).

    A file that is not an event (:func:`read_event`) is set aside in ``events/invalid/`` with
    its reason (:func:`set_aside`): kept for the operator, never dropped silently, and never
    in the way of the others. ``today`` is the reference date that bounds the month.
    """
    claim_new(directory)
    events = []
    for path in sorted((directory / INBOX).iterdir()):
        if not _is_event_file(path):
            continue
        try:
            events.append(read_event(path, today))
        except (OSError, InvalidEvent) as exc:
            set_aside(directory, path, str(exc) or type(exc).__name__)
    return events


def acknowledge(directory: Path, files: list[str]) -> int:
    """Move processed files from the inbox to ``events/done/``; return how many moved."""
    done = directory / DONE
    done.mkdir(parents=True, exist_ok=True)
    moved = 0
    for name in files:
        if Path(name).name != name or not name.endswith(".json"):
            log.error("not acknowledging %r: not the name of an event file", name)
            continue
        try:
            os.replace(directory / INBOX / name, done / name)
            moved += 1
        except FileNotFoundError:
            continue  # acknowledged by a concurrent run already
    return moved


def announce(
    kreis_ags: str, period: str, channel: str, revision: int | None, event_id: str
) -> Path:
    """Drop one event into ``events/`` (written to a temporary name, then renamed, so the
    watcher never claims half a file). ``event_id`` makes the name unique (a notice's id,
    or the pushed revision's hash); the same id again writes nothing new."""
    if channel not in CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {CHANNELS}")
    kreis_ags, period = keys.kreis_ags(kreis_ags), periods.parse_period(period)
    doc: dict[str, Any] = {"kreis_ags": kreis_ags, "period": period, "channel": channel}
    if revision is not None:
        doc["revision"] = keys.revision(revision)
    digest = hashlib.sha256(event_id.encode("utf-8")).hexdigest()[:16]
    path = events_dir() / f"{kreis_ags}_{period}_{channel}_{digest}.json"
    write_once(path, json.dumps(doc, sort_keys=True).encode("utf-8"))
    return path
