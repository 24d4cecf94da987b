"""The event inbox (ingest/collect/events.py) on real files."""

from __future__ import annotations

import json
from pathlib import Path

from ingest.collect import events as events_module


def drop(directory: Path, name: str, **body) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(json.dumps(body))


def test_claim_moves_only_final_event_files(tmp_path: Path) -> None:
    drop(tmp_path, "a.json", kreis_ags="08111", period="2026-10", revision=1)
    drop(tmp_path, ".b.json.tmp", kreis_ags="08111", period="2026-10", revision=2)
    drop(tmp_path, "c.txt", note="not an event")
    assert events_module.claim_new(tmp_path) == ["a.json"]
    assert sorted(p.name for p in (tmp_path / "inbox").iterdir()) == ["a.json"]
    assert (tmp_path / ".b.json.tmp").exists() and (tmp_path / "c.txt").exists()
    assert events_module.claim_new(tmp_path) == []


def test_pending_drains_inbox_and_new_files_and_keeps_bad_ones(
    tmp_path: Path,
) -> None:
    drop(tmp_path / "inbox", "1.json", kreis_ags="08111", period="2026-09", revision=1)
    drop(tmp_path, "2.json", kreis_ags="03157", period="2026-10", revision=2)
    (tmp_path / "3.json").write_text("{not json")
    events = events_module.pending(tmp_path)
    assert [(e["file"], e["kreis_ags"], e["period"]) for e in events] == [
        ("1.json", "08111", "2026-09"),
        ("2.json", "03157", "2026-10"),
    ]
    # The unreadable file is kept for the operator, not dropped.
    assert (tmp_path / "invalid" / "3.json").read_text() == "{not json"
    # Nothing leaves the inbox before it is acknowledged: a failed run loses nothing.
    assert len(events_module.pending(tmp_path)) == 2
    assert events_module.acknowledge(tmp_path, ["1.json", "2.json", "gone.json"]) == 2
    assert events_module.pending(tmp_path) == []
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["1.json", "2.json"]


# --------------------------------------------------------------------------- outside input

GOOD = {"kreis_ags": "05113", "period": "2026-10", "revision": 1}
# name -> (file content, what its reason file says)
BAD_EVENTS: dict[str, tuple[str, str]] = {
    "traversal.json": (
        json.dumps({"kreis_ags": "../../../../tmp/x", "period": "2026-10"}),
        "kreis_ags '../../../../tmp/x' ist kein Kreisschlüssel",
    ),
    "newline.json": (
        json.dumps({"kreis_ags": "05113", "period": "2026-10\n"}),
        "Berichtsmonat '2026-10\\n' ist kein Monat JJJJ-MM",
    ),
    "month13.json": (json.dumps({"kreis_ags": "05113", "period": "2026-13"}), "'2026-13'"),
    "arabic_digits.json": (
        json.dumps({"kreis_ags": "٠٥١١٣", "period": "2026-10"}),
        "ist kein Kreisschlüssel",
    ),
    "fullwidth_month.json": (
        json.dumps({"kreis_ags": "05113", "period": "２０２６-１０"}),
        "ist kein Monat JJJJ-MM",
    ),
    "future.json": (
        json.dumps({"kreis_ags": "05113", "period": "2099-01"}),
        "liegt nach dem laufenden Monat 2026-11",
    ),
    "unknown_jobcenter.json": (
        json.dumps({"kreis_ags": "99999", "period": "2026-10"}),
        "ist kein Jobcenter des Verzeichnisses",
    ),
    "revision.json": (
        json.dumps({**GOOD, "revision": 3_000_000_000}),
        "revision 3000000000 is not a number from 1 to 2147483647",
    ),
    "duplicate_key.json": (
        '{"kreis_ags": "05113", "kreis_ags": "../x", "period": "2026-10"}',
        "key 'kreis_ags' appears more than once",
    ),
    "channel.json": (
        json.dumps({**GOOD, "channel": "email"}),
        "channel 'email' is not one of notice, push",
    ),
    "deep.json": ("[" * 10_000 + "]" * 10_000, "nested too deeply"),
    "nan.json": ('{"kreis_ags": "05113", "period": "2026-10", "revision": NaN}', "NaN"),
    "not_json.json": ("{not json", "not JSON"),
    "array.json": ("[1, 2]", "not a JSON object but list"),
    "huge.json": (json.dumps({**GOOD, "pad": "x" * 70_000}), "larger than 65536 bytes"),
}


def test_bad_event_files_are_set_aside_with_their_reason_and_the_intake_goes_on(
    simulator, monkeypatch, data_dir: Path, tmp_path: Path
) -> None:
    """Row 29 (and row 26 for event files): every bad file moves to invalid/ with a reason
    file, the good event is fetched, validated and acknowledged, nothing is written outside
    the data directory, and the next intake finds an empty inbox."""
    from ingest.collect import collector, landing
    from ingest.validate.run import process_pending

    monkeypatch.setenv("JCW_TODAY", "2026-11-21")
    for name, value in simulator.env.items():
        monkeypatch.setenv(name, value)
    directory = events_module.events_dir()
    drop(directory, "good.json", **GOOD)
    for name, (content, _reason) in BAD_EVENTS.items():
        (directory / name).write_text(content, encoding="utf-8")
    outside_before = sorted(p.name for p in tmp_path.iterdir())

    events = events_module.pending(directory)

    assert events == [{"file": "good.json", "channel": "notice", **GOOD}]
    invalid = directory / "invalid"
    for name, (content, reason) in BAD_EVENTS.items():
        assert (invalid / name).read_text(encoding="utf-8") == content
        assert reason in (invalid / f"{name}.reason").read_text(encoding="utf-8"), name
    # The intake of the good event: fetch, validate, acknowledge.
    outcomes = collector.collect("05113", ["2026-10"])
    assert [o["outcome"] for o in outcomes] == ["landed"]
    assert process_pending()["accepted"] == 1
    assert events_module.acknowledge(directory, [e["file"] for e in events]) == 1
    assert events_module.pending(directory) == []
    assert [r.period for r in landing.all_records()] == ["2026-10"]
    assert sorted(p.name for p in tmp_path.iterdir()) == outside_before
    # Where "../../../../tmp/x" would have pointed from data/fetch_log/2026-10/.
    assert not (tmp_path.parent / "tmp").exists()


def test_a_symbolic_link_is_never_read_as_an_event(tmp_path: Path) -> None:
    target = tmp_path / "secret.json"
    target.write_text(json.dumps(GOOD))
    events_dir = tmp_path / "events"
    events_dir.mkdir()
    (events_dir / "link.json").symlink_to(target)
    assert events_module.claim_new(events_dir) == []
    assert events_module.pending(events_dir) == []


def test_acknowledge_moves_only_names_of_event_files(tmp_path: Path) -> None:
    drop(tmp_path / "inbox", "1.json", **GOOD)
    assert events_module.acknowledge(tmp_path, ["../inbox/1.json", "1.json/..", "1.json"]) == 1
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["1.json"]
