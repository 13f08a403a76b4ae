"""The tables of a published snapshot: what the portal may read.

A snapshot is one DuckDB file, complete and read-only once published. Every later stage adds tables
here rather than changing the meaning of existing columns; ``SNAPSHOT_SCHEMA_VERSION`` rises when a
column changes so that an old portal refuses a new snapshot instead of misreading it.
"""

from __future__ import annotations

SNAPSHOT_SCHEMA_VERSION = 1

# Table name -> CREATE TABLE body. Order matters only for readability.
TABLES: dict[str, str] = {
    # Key/value facts about the run that built the snapshot (built_at, load ids, model version ...).
    "snapshot_meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
    # One row per resolved person.
    "persons": """
        person_id VARCHAR PRIMARY KEY,
        display_name VARCHAR NOT NULL,
        forenames VARCHAR,
        surname VARCHAR,
        date_of_birth DATE,
        sex VARCHAR,
        is_child BOOLEAN,
        mention_count INTEGER NOT NULL
    """,
    # One row per person mention (a person as one source system recorded them).
    "mentions": """
        source_system VARCHAR NOT NULL,
        person_ref VARCHAR NOT NULL,
        person_id VARCHAR NOT NULL,
        forenames VARCHAR,
        surname VARCHAR,
        date_of_birth DATE,
        sex VARCHAR,
        postcode VARCHAR,
        load_id VARCHAR,
        PRIMARY KEY (source_system, person_ref)
    """,
    # Missing episodes with the resolved person they are about.
    "missing_episodes": """
        episode_ref VARCHAR PRIMARY KEY,
        person_id VARCHAR NOT NULL,
        source_system VARCHAR NOT NULL,
        person_ref VARCHAR NOT NULL,
        reported_at TIMESTAMPTZ NOT NULL,
        found_at TIMESTAMPTZ,
        risk_grade VARCHAR,
        missing_from VARCHAR,
        found_location VARCHAR,
        narrative VARCHAR
    """,
    # Indicators that fired: one row per (person, rule, occasion).
    "indicators": """
        indicator_id VARCHAR PRIMARY KEY,
        person_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        rule_version INTEGER NOT NULL,
        category VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        fired_at TIMESTAMPTZ NOT NULL,
        weight DOUBLE NOT NULL,
        explanation VARCHAR NOT NULL
    """,
    # The source records that prove each indicator.
    "indicator_evidence": """
        indicator_id VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL
    """,
    # Alerts: new or escalated risk a person must review. alert_id is stable across runs.
    "alerts": """
        alert_id VARCHAR PRIMARY KEY,
        person_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        rule_version INTEGER NOT NULL,
        category VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        raised_at TIMESTAMPTZ NOT NULL,
        summary VARCHAR NOT NULL,
        evidence_count INTEGER NOT NULL
    """,
    "alert_evidence": """
        alert_id VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL
    """,
}
