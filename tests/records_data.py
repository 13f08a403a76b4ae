"""A small data folder for records-management tests: a lake loaded from hand-written exports, resolved by
hand (three people), and a published snapshot holding the persons, mentions and the real review table."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from safeguarding.assess.views import prepare
from safeguarding.config import Settings
from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake
from safeguarding.records.retention import review_table
from safeguarding.snapshot import store

EXPORTS = {
    "persons": (
        "source_system,person_ref,forenames,surname,date_of_birth,phone\n"
        "niche,NP1,Jayden,Marsh,2010-04-02,07700 900123\n"
        "niche,NP2,Amelia,Stone,2009-01-15,\n"
        "niche,NP3,Kerry,Marsh,1985-06-30,\n"
    ),
    "missing_episodes": (
        "source_system,episode_ref,person_ref,reported_at,risk_grade,narrative\n"
        "niche,ME1,NP1,2021-03-01T18:00:00+00:00,medium,Jayden left after an argument with Kerry Marsh.\n"
        "niche,ME2,NP2,2023-03-10T10:00:00+00:00,low,Amelia was with friends.\n"
    ),
    "crimes": (
        "source_system,crime_ref,offence_group,committed_at,recorded_at,outcome,narrative\n"
        "niche,CR1,sexual,2015-02-01T12:00:00+00:00,2015-02-02T12:00:00+00:00,charged,Offence against a child.\n"
        "niche,CR2,theft,2017-05-01T12:00:00+00:00,2017-05-02T12:00:00+00:00,charged,Shoplifting by Kerry Marsh.\n"
    ),
    "incidents": (
        "source_system,incident_ref,occurred_at,category,narrative\n"
        "niche,IN1,2024-03-05T20:00:00+00:00,other,Kerry Marsh called: Jayden and Amelia were fighting.\n"
    ),
    "record_persons": (
        "source_system,record_type,record_ref,person_ref,role\n"
        "niche,crimes,CR1,NP3,suspect\n"
        "niche,crimes,CR2,NP3,offender\n"
        "niche,incidents,IN1,NP1,subject\n"
        "niche,incidents,IN1,NP2,subject\n"
        "niche,incidents,IN1,NP3,reporting_person\n"
    ),
}
PEOPLE = {"NP1": "P-1", "NP2": "P-2", "NP3": "P-3"}
# The data's moment: late enough for the 2015 and 2017 crimes and the 2021 episode to be due (6 and 10 years).
MOMENT = datetime(2027, 6, 1, tzinfo=UTC)


def write_exports(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in EXPORTS.items():
        (folder / f"{name}-2024-03.csv").write_text(text, encoding="utf-8")
    return folder


def _mentions(lake: Lake) -> pa.Table:
    con = DuckDBEngine(lake).connect()
    rows = con.sql(
        "SELECT source_system, person_ref, forenames, surname, date_of_birth, sex, postcode FROM persons"
    ).to_arrow_table()
    con.close()
    ids = [PEOPLE[r] for r in rows.column("person_ref").to_pylist()]
    return rows.append_column("person_id", pa.array(ids, pa.string()))


def publish(settings: Settings) -> None:
    """Build and publish the snapshot from the lake as it is now."""
    lake = Lake(settings.lake_dir)
    con = DuckDBEngine(lake).connect()
    prepare(con, _mentions(lake))
    reviews = review_table(con, MOMENT)
    persons = con.execute(
        """SELECT person_id, trim(forenames || ' ' || surname) AS display_name, forenames, surname, date_of_birth,
                  sex, date_of_birth > DATE '2009-06-01' AS is_child, mention_count FROM persons_resolved"""
    ).fetchall()
    mentions = con.execute(
        "SELECT source_system, person_ref, person_id, forenames, surname, date_of_birth, sex, postcode "
        "FROM person_mentions"
    ).fetchall()
    con.close()
    with store.build(settings.snapshot_dir) as snap:
        snap.executemany("INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?)", persons)
        snap.executemany("INSERT INTO mentions VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)", mentions)
        snap.register("incoming", reviews)
        snap.execute("INSERT INTO record_reviews SELECT * FROM incoming")
        snap.unregister("incoming")
        snap.execute("INSERT INTO snapshot_meta VALUES ('assessed_as_of', ?)", [MOMENT.isoformat()])


def build(settings: Settings, tmp: Path) -> None:
    """Load the exports into the settings' lake and publish the snapshot."""
    result = ingest([write_exports(tmp / "exports")], Lake(settings.lake_dir))
    assert result.status == "loaded", result.error
    publish(settings)
