"""police.uk's street-level crime layout loads through the shipped mapping alone, with no pre-step.

The rows are synthetic (made here, in police.uk's exact column layout and value conventions), never real data.
"""

from __future__ import annotations

import csv
import hashlib
import random
from pathlib import Path

import pytest

from safeguarding.ingest.loader import ingest
from safeguarding.ingest.mapping import MappingError, load_mapping
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

MAPPING = Path(__file__).resolve().parents[2] / "docs" / "examples" / "police-uk-street.yaml"
COLUMNS = [
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context",
]  # fmt: skip
CRIME_TYPES = [
    "Violence and sexual offences", "Drugs", "Burglary", "Criminal damage and arson", "Public order",
    "Shoplifting", "Vehicle crime", "Other theft", "Possession of weapons", "Other crime",
]  # fmt: skip
OUTCOMES = [
    "Under investigation", "Unable to prosecute suspect", "Investigation complete; no suspect identified",
    "Offender given a caution", "Awaiting court outcome", "Status update unavailable", "",
]  # fmt: skip
POINTS = [(-1.8794, 50.7192, "On or near Park Road"), (-2.4336, 50.7156, "On or near High Street"),
          (-1.9876, 50.7123, "On or near Shopping Area"), (-2.0412, 50.6182, "On or near Petrol Station")]  # fmt: skip


def street_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        asb = i % 3 == 0
        lon, lat, where = rng.choice(POINTS)
        located = i % 17 != 5
        rows.append(
            {
                "Crime ID": "" if asb else hashlib.sha256(f"crime {seed} {i}".encode()).hexdigest(),
                "Month": "2024-03",
                "Reported by": "Dorset Police",
                "Falls within": "Dorset Police",
                "Longitude": f"{lon:.6f}" if located else "",
                "Latitude": f"{lat:.6f}" if located else "",
                "Location": where if located else "No location",
                "LSOA code": "E01015419" if located else "",
                "LSOA name": "Bournemouth 021A" if located else "",
                "Crime type": "Anti-social behaviour" if asb else rng.choice(CRIME_TYPES),
                "Last outcome category": "" if asb else rng.choice(OUTCOMES),
                "Context": "",
            }
        )
    return rows


def write_street(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(lake: Lake) -> dict[str, list[tuple[object, ...]]]:
    con = DuckDBEngine(lake).connect()
    out = {
        "crimes": con.execute(
            "SELECT crime_ref, offence, offence_group, outcome, recorded_at, location_ref FROM crimes ORDER BY 1"
        ).fetchall(),
        "incidents": con.execute(
            "SELECT incident_ref, category, occurred_at, location_ref FROM incidents ORDER BY 1"
        ).fetchall(),
        "locations": con.execute(
            "SELECT location_ref, latitude, longitude, place_name FROM locations ORDER BY 1"
        ).fetchall(),
    }
    con.close()
    return out


def test_a_street_file_loads_as_crimes_incidents_and_locations(tmp_path: Path) -> None:
    rows = street_rows(300)
    path = write_street(tmp_path / "2024-03-dorset-street.csv", rows)
    lake = Lake(tmp_path / "lake")
    result = ingest([path], lake, mapping=load_mapping(MAPPING))
    assert result.status == "loaded" and result.rows_quarantined == 0
    by_type = {f.record_type: f for f in result.files}
    crimes = [r for r in rows if r["Crime ID"]]
    asb = [r for r in rows if not r["Crime ID"]]
    assert by_type["crimes"].rows_loaded == len(crimes) and by_type["crimes"].rows_excluded == len(asb)
    # Anti-social behaviour rows alike in every column are still two incidents, told apart by their order.
    assert by_type["incidents"].rows_loaded == len(asb) and by_type["incidents"].rows_duplicate == 0
    points = {(r["Longitude"], r["Latitude"]) for r in rows if r["Longitude"]}
    assert by_type["locations"].rows_loaded == len(points)
    loaded_share = (by_type["crimes"].rows_loaded + by_type["incidents"].rows_loaded) / len(rows)
    assert loaded_share >= 0.99
    data = snapshot(lake)
    groups = {offence: group for _, offence, group, _, _, _ in data["crimes"]}
    assert groups["Violence and sexual offences"] == "violence" and groups["Drugs"] == "drugs_possession"
    assert groups["Public order"] == "other"
    assert {o for *_, o, _, _ in data["crimes"]} <= {
        "under_investigation", "evidential_difficulties", "no_further_action", "cautioned", "charged", "other", None
    }  # fmt: skip
    assert all(str(t).startswith("2024-03-01 00:00:00") for *_, t, _ in data["crimes"])
    unlocated = [c for c in data["crimes"] if c[5] is None]
    assert len(unlocated) == sum(1 for r in crimes if not r["Longitude"])
    assert all(ref.startswith("G") for ref, *_ in data["incidents"])
    assert {lr for *_, lr in data["incidents"] if lr} <= {ref for ref, *_ in data["locations"]}


def test_the_same_file_read_by_the_exact_parser_gives_the_same_records(tmp_path: Path) -> None:
    rows = street_rows(120, seed=3)
    mapping = load_mapping(MAPPING)
    seen = []
    for parser in ("auto", "exact"):
        folder = tmp_path / parser
        folder.mkdir()
        path = write_street(folder / "2024-03-dorset-street.csv", rows)
        lake = Lake(folder / "lake")
        ingest([path], lake, mapping=mapping, parser=parser)
        seen.append(snapshot(lake))
    assert seen[0] == seen[1]


def test_a_mapping_with_a_broken_where_or_derivation_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("files:\n  - match: '*.csv'\n    record_type: crimes\n    where: {column: X, present: maybe}\n")
    with pytest.raises(MappingError, match="present: true"):
        load_mapping(bad)
    bad.write_text("files:\n  - match: '*.csv'\n    record_type: crimes\n    derive: {crime_ref: {nonsense: X}}\n")
    with pytest.raises(MappingError, match="exactly one of template, month, split, generated"):
        load_mapping(bad)
