from ingest import registry, settings


def test_registry_has_104_unique_jobcenters_with_reference_population():
    jcs = registry.jobcenters()
    assert len(jcs) == 104
    assert len({jc.kreis_ags for jc in jcs}) == 104
    assert sum(jc.population for jc in jcs) == 22_652_442


def test_registry_keys_are_five_digits_and_match_their_land():
    land_prefix = {
        "SH": "01",
        "NI": "03",
        "NW": "05",
        "HE": "06",
        "RP": "07",
        "BW": "08",
        "BY": "09",
        "SL": "10",
        "BB": "12",
        "MV": "13",
        "SN": "14",
        "ST": "15",
        "TH": "16",
    }
    for jc in registry.jobcenters():
        assert len(jc.kreis_ags) == 5 and jc.kreis_ags.isdigit(), jc
        assert jc.kreis_ags.startswith(land_prefix[jc.land]), jc
        assert jc.kind in {"Landkreis", "kreisfreie Stadt"}


def test_seeds_dir_points_ingest_at_another_registry(tmp_path):
    """JCW_SEEDS_DIR swaps the seeds for ingest (and dbt, via dbt_project.yml)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    rows = Path(settings.REGISTRY_CSV).read_text(encoding="utf-8").splitlines()[:3]
    (seeds / "jobcenters.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = (
        "from ingest import registry, settings; "
        "print(len(registry.jobcenters()), settings.LANDS_CSV)"
    )
    env = {**os.environ, "JCW_SEEDS_DIR": str(seeds)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["2", str(seeds / "lands.csv")]
