from ingest import registry


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
