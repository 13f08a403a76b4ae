"""The tables of a published snapshot: what the portal may read.

A snapshot is one DuckDB file, complete and read-only once published. Every later stage adds tables
here rather than changing the meaning of existing columns; ``SNAPSHOT_SCHEMA_VERSION`` rises when a
column changes so that an old portal refuses a new snapshot instead of misreading it.
"""

from __future__ import annotations

SNAPSHOT_SCHEMA_VERSION = 3  # 3: board_custody review schedule and limits (issue #24)

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
    # Indicators that fired: one row per (person, rule, occasion). severity: high (raises an alert by itself),
    # standard (adds its decayed weight to the category score), supervisor (e.g. victim-blaming language:
    # shown to supervisors, counts_as_risk false, never in a score).
    "indicators": """
        indicator_id VARCHAR PRIMARY KEY,
        person_id VARCHAR NOT NULL,
        rule_id VARCHAR NOT NULL,
        rule_version INTEGER NOT NULL,
        category VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        fired_at TIMESTAMPTZ NOT NULL,
        weight DOUBLE NOT NULL,
        explanation VARCHAR NOT NULL,
        severity VARCHAR,
        counts_as_risk BOOLEAN
    """,
    # The source records that prove each indicator.
    "indicator_evidence": """
        indicator_id VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL
    """,
    # Alerts: new or escalated risk a person must review, one per (subject_type, subject_id, reason).
    # alert_id is a hash of those three, so it is the same in every run. subject_type: person | group | place;
    # subject_id: person_id, communities.community_id or places.location_ref; person_id is filled for person
    # alerts only. reason: rule:<rule_id> (high-severity indicator), score:<category> (score reached its
    # threshold; rule_id 'category_score'), group:<kind>, place:<kind>. raised_at: first moment it held.
    # score: the category score now (score alerts). status: always 'awaiting_review' (reviews live in the app DB).
    "alerts": """
        alert_id VARCHAR PRIMARY KEY,
        person_id VARCHAR,
        rule_id VARCHAR NOT NULL,
        rule_version INTEGER NOT NULL,
        category VARCHAR NOT NULL,
        title VARCHAR NOT NULL,
        raised_at TIMESTAMPTZ NOT NULL,
        summary VARCHAR NOT NULL,
        evidence_count INTEGER NOT NULL,
        subject_type VARCHAR NOT NULL DEFAULT 'person',
        subject_id VARCHAR,
        reason VARCHAR,
        severity VARCHAR,
        score DOUBLE,
        status VARCHAR
    """,
    "alert_evidence": """
        alert_id VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL
    """,
    # A child's score per category as of the run: the sum of weight * 0.5^(days since fired / half-life)
    # over the indicators (indicators.person_id, category, counts_as_risk) behind it.
    "scores": """
        person_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        threshold DOUBLE NOT NULL,
        indicator_count INTEGER NOT NULL,
        first_fired_at TIMESTAMPTZ,
        last_fired_at TIMESTAMPTZ,
        as_of TIMESTAMPTZ,
        PRIMARY KEY (person_id, category)
    """,
    # The score just after each indicator occasion (for a chart of risk over time).
    "score_history": """
        person_id VARCHAR NOT NULL,
        category VARCHAR NOT NULL,
        event_at TIMESTAMPTZ NOT NULL,
        score DOUBLE NOT NULL
    """,
    # Adults with markers: sexual, online_sexual, exploitation, drug_supply, violent, rso; with the record.
    "adult_markers": """
        person_id VARCHAR NOT NULL,
        marker VARCHAR NOT NULL,
        event_at TIMESTAMPTZ,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL
    """,
    # The people graph around risk: an edge per pair of persons who share records, an address, a phone or a
    # vehicle (link_types, comma-separated), kept when one end has a risk indicator or a marker.
    "network_edges": """
        person_l VARCHAR NOT NULL,
        person_r VARCHAR NOT NULL,
        link_types VARCHAR NOT NULL,
        record_count INTEGER NOT NULL,
        weight DOUBLE NOT NULL,
        first_at TIMESTAMPTZ,
        last_at TIMESTAMPTZ
    """,
    # Community membership (Louvain on network_edges, communities of 3 or more). community_id is stable
    # while the community's smallest member id is.
    "communities": """
        community_id VARCHAR NOT NULL,
        person_id VARCHAR NOT NULL,
        is_child BOOLEAN,
        flagged_adult BOOLEAN,
        risk_categories VARCHAR
    """,
    # One row per community: its size and make-up (alerts with subject_type 'group' point here).
    "groups": """
        community_id VARCHAR PRIMARY KEY,
        size INTEGER NOT NULL,
        children INTEGER NOT NULL,
        adults INTEGER NOT NULL,
        flagged_adults INTEGER NOT NULL,
        exploited_children INTEGER NOT NULL,
        first_at TIMESTAMPTZ,
        last_at TIMESTAMPTZ
    """,
    # Child-related risk events at a place (kind: found, missing_from, domestic_abuse, exploitation, indicator).
    "place_events": """
        location_ref VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL,
        person_id VARCHAR,
        event_at TIMESTAMPTZ,
        kind VARCHAR NOT NULL
    """,
    # One row per place with events: where it is (H3 cell, LSOA), counts, trend (last trend_days against the
    # ones before) and why it is a place of concern (alerts with subject_type 'place' point here).
    "places": """
        location_ref VARCHAR PRIMARY KEY,
        place_name VARCHAR,
        place_type VARCHAR,
        postcode VARCHAR,
        latitude DOUBLE,
        longitude DOUBLE,
        h3_cell VARCHAR,
        lsoa_code VARCHAR,
        event_count INTEGER NOT NULL,
        child_count INTEGER NOT NULL,
        first_at TIMESTAMPTZ,
        last_at TIMESTAMPTZ,
        events_recent INTEGER,
        events_before INTEGER,
        trend VARCHAR,
        concern_reasons VARCHAR,
        is_concern BOOLEAN NOT NULL
    """,
    # Events per place per quarter (trend over time).
    "place_trend": """
        location_ref VARCHAR NOT NULL,
        period_start DATE NOT NULL,
        event_count INTEGER NOT NULL
    """,
    # H3 cells with child-related events and their Getis-Ord Gi* z-score; is_hotspot per _scoring.yaml.
    "h3_cells": """
        h3_cell VARCHAR PRIMARY KEY,
        resolution INTEGER NOT NULL,
        latitude DOUBLE,
        longitude DOUBLE,
        event_count INTEGER NOT NULL,
        child_count INTEGER NOT NULL,
        gi_star_z DOUBLE,
        is_hotspot BOOLEAN NOT NULL
    """,
    # Every Dorset LSOA (2011) with its child-related events, children and places of concern.
    "lsoa_areas": """
        lsoa_code VARCHAR PRIMARY KEY,
        lsoa_name VARCHAR,
        event_count INTEGER NOT NULL,
        child_count INTEGER NOT NULL,
        places_of_concern INTEGER NOT NULL
    """,
    # Why two mentions were linked (the linkage stage's link_pairs.parquet, copied as is; empty without it).
    # field_weights: JSON object field -> match weight.
    "link_pairs": """
        mention_l VARCHAR,
        mention_r VARCHAR,
        person_id VARCHAR,
        match_probability DOUBLE,
        match_weight DOUBLE,
        field_weights VARCHAR
    """,
    # Phone numbers as the person records gave them, digits only (search by phone); one row per mention and number.
    "person_phones": """
        person_id VARCHAR NOT NULL,
        phone VARCHAR NOT NULL,
        source_system VARCHAR,
        person_ref VARCHAR,
        recorded_at TIMESTAMPTZ
    """,
    # Vehicle registrations on incidents and intelligence logs, upper case without spaces, with each person on
    # the record (search by vehicle).
    "person_vehicles": """
        person_id VARCHAR NOT NULL,
        vrm VARCHAR NOT NULL,
        record_type VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL,
        event_at TIMESTAMPTZ
    """,
    # Operational boards (issue #8; assess/clocks, service levels in policy/service_levels.yaml).
    # Missing children: one row per episode of a child (or of unknown age) with the ratification and return home
    # interview clocks. *_status: on_time | late | overdue | awaiting | due | out_of_order | ... (docs/user-guide.md).
    "board_missing": """
        episode_ref VARCHAR,
        person_id VARCHAR,
        is_child BOOLEAN,
        age_at_report BIGINT,
        reported_at TIMESTAMPTZ,
        last_seen_at TIMESTAMPTZ,
        risk_grade VARCHAR,
        graded_by VARCHAR,
        graded_at TIMESTAMPTZ,
        ratified_by VARCHAR,
        ratified_at TIMESTAMPTZ,
        ratify_due_at TIMESTAMPTZ,
        ratify_minutes DOUBLE,
        ratify_status VARCHAR,
        is_open BOOLEAN,
        hours_missing DOUBLE,
        found_at TIMESTAMPTZ,
        missing_from VARCHAR,
        missing_from_type VARCHAR,
        found_location VARCHAR,
        rhi_due_at TIMESTAMPTZ,
        rhi_done_at TIMESTAMPTZ,
        rhi_declined_reason VARCHAR,
        rhi_status VARCHAR,
        episodes_in_window BIGINT,
        repeat_missing BOOLEAN,
        blaming_phrases VARCHAR
    """,
    # Children in custody: one row per detention of a child; AA clocks, reviews, transfer (PACE s.38(6)), breaches.
    "board_custody": """
        custody_ref VARCHAR,
        person_id VARCHAR,
        location_ref VARCHAR,
        arrived_at TIMESTAMPTZ,
        age BIGINT,
        sex VARCHAR,
        offence VARCHAR,
        juvenile_identified_at TIMESTAMPTZ,
        responsible_person_informed_at TIMESTAMPTZ,
        aa_requested_at TIMESTAMPTZ,
        aa_arrived_at TIMESTAMPTZ,
        aa_type VARCHAR,
        aa_request_due_at TIMESTAMPTZ,
        aa_arrive_due_at TIMESTAMPTZ,
        aa_request_minutes DOUBLE,
        aa_arrive_minutes DOUBLE,
        aa_total_minutes DOUBLE,
        aa_request_status VARCHAR,
        aa_arrive_status VARCHAR,
        woman_responsible VARCHAR,
        woman_missing BOOLEAN,
        reviews_due BIGINT,
        reviews_done BIGINT,
        reviews_late HUGEINT,
        reviews_postponed BIGINT,
        postponed_without_reason BIGINT,
        reviews_before_arrival BIGINT,
        next_review_due_at TIMESTAMPTZ,
        authorised_at TIMESTAMPTZ,
        extension_authorised_at TIMESTAMPTZ,
        warrant_expires_at TIMESTAMPTZ,
        review_breach BOOLEAN,
        detained_hours DOUBLE,
        limit_hours DOUBLE,
        over_basic_limit BOOLEAN,
        no_identified_time BOOLEAN,
        charged_at TIMESTAMPTZ,
        bail_refused BOOLEAN,
        transfer_requested_at TIMESTAMPTZ,
        transferred_at TIMESTAMPTZ,
        transfer_certificate_reason VARCHAR,
        transfer_status VARCHAR,
        held_overnight BOOLEAN,
        released_at TIMESTAMPTZ,
        in_custody_now BOOLEAN,
        breaches VARCHAR
    """,
    # PPNs: quality score (out of 100) and the fields it lacks, sharing and Encompass clocks, green escalation.
    "board_ppn": """
        ppn_ref VARCHAR,
        person_id VARCHAR,
        subject_is_child BOOLEAN,
        incident_ref VARCHAR,
        incident_at TIMESTAMPTZ,
        submitted_at TIMESTAMPTZ,
        grade VARCHAR,
        concern_type VARCHAR,
        officer VARCHAR,
        quality_score INTEGER,
        quality_missing VARCHAR,
        submitted_within_24h BOOLEAN,
        share_due_at TIMESTAMPTZ,
        shared_with_csc_at TIMESTAMPTZ,
        share_status VARCHAR,
        school_due_at TIMESTAMPTZ,
        school_notified_at TIMESTAMPTZ,
        household_children BIGINT,
        school_status VARCHAR,
        greens_in_window BIGINT,
        green_escalation BOOLEAN
    """,
    # Incidents with a child present and whether a PPN followed within the service level (status no_ppn: none).
    "board_child_to_notice": """
        incident_ref VARCHAR,
        occurred_at TIMESTAMPTZ,
        category VARCHAR,
        officer VARCHAR,
        children BIGINT,
        ppn_due_at TIMESTAMPTZ,
        first_ppn_at TIMESTAMPTZ,
        status VARCHAR
    """,
    # Online child-abuse referrals: KIRAT-style priority from the answers, action deadline, regrade down, status.
    "board_online": """
        referral_ref VARCHAR,
        person_id VARCHAR,
        referrer VARCHAR,
        received_at TIMESTAMPTZ,
        officer VARCHAR,
        priority VARCHAR,
        deadline_at TIMESTAMPTZ,
        recorded_priority VARCHAR,
        graded_at TIMESTAMPTZ,
        graded_down BOOLEAN,
        enforcement_at TIMESTAMPTZ,
        status VARCHAR,
        previous_sexual_conviction BOOLEAN,
        previous_contact_offence BOOLEAN,
        previous_sexual_allegation BOOLEAN,
        previous_prison BOOLEAN,
        access_own_children BOOLEAN,
        access_partner_children BOOLEAN,
        access_friends_children BOOLEAN,
        access_neighbours_children BOOLEAN,
        access_through_work BOOLEAN,
        facilitator_grooming BOOLEAN,
        facilitator_incitement BOOLEAN,
        facilitator_producing_images BOOLEAN,
        facilitator_sexual_communication BOOLEAN,
        other_convictions BOOLEAN,
        other_domestic_abuse BOOLEAN,
        other_substance_misuse BOOLEAN
    """,
    # Registered sex offenders: notification period (SOA 2003 s.82), ARMS due, home visits planned and done.
    "board_rso": """
        offender_ref VARCHAR,
        person_id VARCHAR,
        offender_manager VARCHAR,
        status VARCHAR,
        recorded_status VARCHAR,
        registered_on DATE,
        conviction_date DATE,
        disposal VARCHAR,
        sentence_months BIGINT,
        under_18_at_conviction BOOLEAN,
        indefinite BOOLEAN,
        period_months INTEGER,
        notification_ends_on DATE,
        review_from_on DATE,
        last_notified_at TIMESTAMPTZ,
        renotify_due_on DATE,
        renotify_overdue BOOLEAN,
        arms_priority VARCHAR,
        arms_assessed_on DATE,
        arms_next_due_on DATE,
        arms_status VARCHAR,
        visits_planned BIGINT,
        visits_done BIGINT,
        visits_on_time BIGINT,
        visits_overdue BIGINT,
        last_visited_at TIMESTAMPTZ,
        next_visit_on DATE,
        address_ref VARCHAR,
        visit_due_on DATE,
        visit_due_passed BOOLEAN
    """,
    # An RSO on a record with a child, living where a child lives, or whose address a child goes missing to or from.
    "board_rso_alerts": """
        offender_ref VARCHAR,
        person_id VARCHAR,
        kind VARCHAR,
        record_type VARCHAR,
        record_ref VARCHAR,
        event_at TIMESTAMPTZ,
        child_id VARCHAR
    """,
    # Each board's measures per Europe/London calendar month (read by the governance "Outcomes for children" page).
    # value = numerator / denominator, or a median or mean (then numerator is NULL).
    "monthly_measures": """
        board VARCHAR NOT NULL,
        measure VARCHAR NOT NULL,
        label VARCHAR,
        month DATE NOT NULL,
        numerator BIGINT,
        denominator BIGINT,
        value DOUBLE
    """,
    # Each reviewed record's MoPI review group and dates under the retention schedule (records/retention.py).
    "record_reviews": """
        record_type VARCHAR NOT NULL,
        source_system VARCHAR NOT NULL,
        record_ref VARCHAR NOT NULL,
        record_date DATE,
        seriousness VARCHAR,
        outcome VARCHAR,
        group_id VARCHAR NOT NULL,
        group_title VARCHAR NOT NULL,
        child_involved BOOLEAN NOT NULL,
        review_on DATE NOT NULL,
        earliest_disposal DATE,
        disposal_note VARCHAR,
        person_ids VARCHAR,
        PRIMARY KEY (record_type, source_system, record_ref)
    """,
}

# Lookup indexes (DuckDB ART), made once when a snapshot is built, after its rows are in: the portal reads
# one person's (or one alert's) rows from tables of up to millions, and an index lookup costs about a third
# of the scan it replaces (bench/bench_portal.py). The snapshot never changes afterwards, so the indexes
# cost nothing on writes. (table, column); the index is named ix_<table>_<column>.
INDEXES: tuple[tuple[str, str], ...] = (
    ("mentions", "person_id"),
    ("missing_episodes", "person_id"),
    ("indicators", "person_id"),
    ("indicator_evidence", "indicator_id"),
    ("alerts", "person_id"),
    ("alert_evidence", "alert_id"),
    ("score_history", "person_id"),
    ("network_edges", "person_l"),
    ("network_edges", "person_r"),
    ("communities", "person_id"),
    ("communities", "community_id"),
    ("place_events", "person_id"),
    ("link_pairs", "person_id"),
    ("person_phones", "person_id"),
    ("person_vehicles", "person_id"),
)
