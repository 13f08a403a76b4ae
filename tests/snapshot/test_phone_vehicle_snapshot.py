"""The snapshot built by the pipeline carries phones and vehicle registrations, and search finds people by them."""

from __future__ import annotations

import duckdb
import pytest

from safeguarding.config import Settings
from safeguarding.snapshot import store
from safeguarding.web.data import search
from safeguarding.web.data.reader import SnapshotReader

pytestmark = pytest.mark.slow


def test_phones_and_vehicles_reach_the_snapshot_and_search(pipeline_settings: Settings) -> None:
    path = store.current(pipeline_settings.snapshot_dir).path
    with duckdb.connect(str(path), read_only=True) as con:
        phones = con.execute("SELECT person_id, phone FROM person_phones ORDER BY person_id, phone").fetchall()
        vehicles = con.execute(
            "SELECT person_id, vrm, record_type, record_ref FROM person_vehicles ORDER BY vrm, person_id"
        ).fetchall()
        persons = {r[0] for r in con.execute("SELECT person_id FROM persons").fetchall()}
    assert phones and vehicles
    assert all(p.isdigit() for _, p in phones)
    assert all(v == v.upper() and " " not in v for _, v, _, _ in vehicles)
    assert {r[0] for r in phones} <= persons and {r[0] for r in vehicles} <= persons

    # Each registration really is on the record it names, with that person on it (checked against the lake).
    from safeguarding.lake.store import Lake

    lake = Lake(pipeline_settings.lake_dir)
    person_id, vrm, record_type, record_ref = vehicles[0]
    assert record_type in ("incidents", "intelligence_logs")
    con = duckdb.connect()
    ref_column = {"incidents": "incident_ref", "intelligence_logs": "intel_ref"}[record_type]
    files = [str(f) for f in lake.partition_files(record_type)]
    registrations = con.execute(
        f"SELECT vehicle_registrations FROM read_parquet($files, union_by_name = true) WHERE {ref_column} = $ref",
        {"files": files, "ref": record_ref},
    ).fetchall()
    con.close()
    assert any(vrm in (r[0] or "").upper().replace(" ", "") for r in registrations)

    reader = SnapshotReader(pipeline_settings.snapshot_dir)
    try:
        snap = reader.get()
        by_vehicle = search.search(snap, search.Query(vehicle=vrm.lower()))
        assert person_id in {h.person_id for h in by_vehicle.hits} and not by_vehicle.unsupported
        assert all(vrm in h.matched for h in by_vehicle.hits if h.person_id == person_id)
        phone_person, phone = phones[len(phones) // 2]
        by_phone = search.search(snap, search.Query(phone=phone[-6:]))
        assert phone_person in {h.person_id for h in by_phone.hits}
        formatted = f"+44 {phone[1:5]} {phone[5:]}" if phone.startswith("0") else phone
        assert phone_person in {h.person_id for h in search.search(snap, search.Query(phone=formatted)).hits}
    finally:
        reader.close()
