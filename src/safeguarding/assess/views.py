"""The resolved views every rule reads: the lake's records as known on a date, joined to person ids.

Rules never read the lake views directly. They read the views made here, which (1) keep only records
reported by ``as_of`` (so an assessment can be replayed as of any past date, using only what was known
then) and (2) put the resolved ``person_id`` on every person mention. The SQL is plain and portable;
the few engine-specific expressions are macros (``age_years``) that each engine defines once.

Views and tables (all per connection):
    person_mentions        the linkage stage's output (registered by ``prepare``)
    persons_resolved       one row per person: usual name, date of birth, sex, ethnicity, postcode
    mention_attrs          each mention's address, phone and ethnicity, with its person id
    <type>_asof            each record type as known on the as-of date
    missing_episodes_resolved  episodes with the person, the age when reported and is_child
    custody_detentions_resolved  detentions with the detainee's person id, age on arrival and is_child (the age,
                           or, with no date of birth, the custody officer's "appears under 18")
    record_people          (record_type, record_ref, person_id, role, event_at, age, is_child) for every record
    record_places          (record_type, record_ref, location_ref, event_at) for every record that names a place
    narrative_sentences    (record_type, record_ref, event_at, sentence): free text split into lower-case sentences
    phrase_hits            (record_type, record_ref, event_at, kind, category, phrase_id, negated: a negation cue
                           governs the phrase, within a few words before it; see negation_scope)
    phrase_list            the phrase list of rules/_phrases.yaml (kind, category, phrase_id, pattern)
    adult_markers          (person_id, marker, event_at, record_type, record_ref): adults with sexual, violent,
                           drug-supply or exploitation markers, and registered sex offenders
    person_links           (person_l, person_r, link_type, record_type, record_ref, event_at): people who appear
                           together on a record, or share an address, phone or vehicle
    same_household         (person_id, other_id): both ways, people recorded at the same home address (an address
                           link), so rules can tell a child's own household from the adults they meet outside it
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib import resources
from typing import Any

import duckdb
import pyarrow as pa
import yaml

# When each record type became known to the force: the as-of filter keeps rows known before the cut.
KNOWN_AT = {
    "incidents": "coalesce(reported_at, occurred_at)",
    "crimes": "recorded_at",
    "missing_episodes": "reported_at",
    "custody_detentions": "arrived_at",
    "ppns": "submitted_at",
    "intelligence_logs": "recorded_at",
    "online_referrals": "received_at",
    "offenders": "CAST(registered_on AS TIMESTAMPTZ)",
    "offender_assessments": "CAST(assessed_on AS TIMESTAMPTZ)",
    "offender_visits": "coalesce(visited_at, CAST(planned_on AS TIMESTAMPTZ))",
    "record_persons": "recorded_at",
    "persons": "recorded_at",
    "locations": "recorded_at",
}
# The record's own reference column and the time it is about (when it happened).
RECORDS = {
    "incidents": ("incident_ref", "occurred_at", "location_ref"),
    "crimes": ("crime_ref", "coalesce(committed_at, recorded_at)", "location_ref"),
    "missing_episodes": ("episode_ref", "reported_at", "found_location_ref"),
    "custody_detentions": ("custody_ref", "arrived_at", "location_ref"),
    "ppns": ("ppn_ref", "coalesce(incident_at, submitted_at)", "NULL"),
    "intelligence_logs": ("intel_ref", "recorded_at", "location_ref"),
    "online_referrals": ("referral_ref", "received_at", "NULL"),
}

MACROS = """
CREATE OR REPLACE MACRO age_years(dob, t) AS
  CASE WHEN dob IS NULL OR t IS NULL THEN NULL
       ELSE date_diff('year', dob, CAST(t AS DATE))
            - CASE WHEN strftime(CAST(t AS DATE), '%m%d') < strftime(dob, '%m%d') THEN 1 ELSE 0 END END;
"""

RESOLVED = """
CREATE OR REPLACE VIEW persons_resolved AS
-- mode(x ORDER BY x): ties go to the lowest value, so both engines pick the same one.
SELECT m.person_id,
       mode(m.forenames ORDER BY m.forenames) FILTER (WHERE m.forenames IS NOT NULL) AS forenames,
       mode(m.surname ORDER BY m.surname) FILTER (WHERE m.surname IS NOT NULL) AS surname,
       mode(m.date_of_birth ORDER BY m.date_of_birth) FILTER (WHERE m.date_of_birth IS NOT NULL) AS date_of_birth,
       mode(m.sex ORDER BY m.sex) FILTER (WHERE m.sex IS NOT NULL AND m.sex NOT IN ('U', 'X')) AS sex,
       mode(p.ethnicity ORDER BY p.ethnicity) FILTER (WHERE p.ethnicity IS NOT NULL AND p.ethnicity <> 'NS')
         AS ethnicity,
       mode(m.postcode ORDER BY m.postcode) FILTER (WHERE m.postcode IS NOT NULL) AS postcode,
       count(*) AS mention_count
FROM person_mentions m LEFT JOIN persons p USING (source_system, person_ref)
GROUP BY m.person_id;

CREATE OR REPLACE VIEW mention_attrs AS
-- recorded_at is optional in the contract: a nominal record without one takes the time of the first
-- record it is named on, so the address and phone links it makes keep a time (networks.py takes the
-- assessment's moment for any still without one).
SELECT m.person_id, p.source_system, p.person_ref, p.address_ref, p.postcode,
       nullif(regexp_replace(p.phone, '[^0-9]', '', 'g'), '') AS phone,
       coalesce(p.recorded_at, seen.first_named_at) AS recorded_at
FROM persons_asof p JOIN person_mentions m USING (source_system, person_ref)
LEFT JOIN (SELECT rp.source_system, rp.person_ref, min(t.event_at) AS first_named_at
           FROM record_persons_asof rp
           JOIN record_times t ON t.record_type = rp.record_type AND t.record_ref = rp.record_ref
           GROUP BY rp.source_system, rp.person_ref) seen
  ON seen.source_system = p.source_system AND seen.person_ref = p.person_ref;

CREATE OR REPLACE VIEW missing_episodes_resolved AS
SELECT e.*, m.person_id, age_years(p.date_of_birth, e.reported_at) AS age_at_report,
       age_years(p.date_of_birth, e.reported_at) < 18 AS is_child
FROM missing_episodes_asof e
JOIN person_mentions m ON m.source_system = e.source_system AND m.person_ref = e.person_ref
JOIN persons_resolved p USING (person_id);

CREATE OR REPLACE VIEW custody_detentions_resolved AS
SELECT d.*, m.person_id, age_years(p.date_of_birth, d.arrived_at) AS age_at_arrival,
       coalesce(age_years(p.date_of_birth, d.arrived_at) < 18, d.appears_under_18) AS is_child
FROM custody_detentions_asof d
JOIN person_mentions m ON m.source_system = d.source_system AND m.person_ref = d.person_ref
JOIN persons_resolved p USING (person_id);

CREATE OR REPLACE VIEW record_people AS
SELECT rp.record_type, rp.record_ref, m.person_id, rp.role, t.event_at,
       age_years(p.date_of_birth, t.event_at) AS age, age_years(p.date_of_birth, t.event_at) < 18 AS is_child
FROM record_persons_asof rp
JOIN record_times t ON t.record_type = rp.record_type AND t.record_ref = rp.record_ref
JOIN person_mentions m ON m.source_system = rp.source_system AND m.person_ref = rp.person_ref
JOIN persons_resolved p ON p.person_id = m.person_id;

CREATE OR REPLACE VIEW record_places AS
SELECT record_type, record_ref, location_ref, event_at FROM record_times WHERE location_ref IS NOT NULL;
"""

# Sentences, lower-cased, from every free-text field, for the phrase rules.
SENTENCES = """
CREATE OR REPLACE TABLE narrative_sentences AS
WITH texts AS (
    SELECT 'missing_episodes' AS record_type, episode_ref AS record_ref, reported_at AS event_at, narrative AS text
    FROM missing_episodes_asof
    UNION ALL SELECT 'incidents', incident_ref, occurred_at, narrative FROM incidents_asof
    UNION ALL SELECT 'crimes', crime_ref, coalesce(committed_at, recorded_at), narrative FROM crimes_asof
    UNION ALL SELECT 'intelligence_logs', intel_ref, recorded_at, text FROM intelligence_logs_asof
    UNION ALL SELECT 'ppns', ppn_ref, coalesce(incident_at, submitted_at),
                     concat_ws('. ', concern, child_voice, risk_reason) FROM ppns_asof
)
SELECT record_type, record_ref, event_at, trim(lower(s)) AS sentence
FROM (SELECT record_type, record_ref, event_at, unnest(string_split_regex(text, '[.!?;]\\s+')) AS s
      FROM texts WHERE text IS NOT NULL)
WHERE length(trim(s)) > 0;
"""

# Every phrase found in a sentence, and whether a negation cue comes before it.
PHRASE_HIT = """
SELECT DISTINCT record_type, record_ref, event_at, '{kind}' AS kind, '{category}' AS category,
       '{phrase_id}' AS phrase_id, regexp_matches(sentence, '{negated}') AS negated
FROM narrative_sentences WHERE regexp_matches(sentence, '{pattern}')
"""

# Adults with markers (DOMAIN.md: sexual, violent, drug-supply or exploitation; registered sex offenders).
MARKERS = """
CREATE OR REPLACE TABLE adult_markers AS
WITH crime_markers AS (
    SELECT rp.person_id,
           CASE c.offence_group WHEN 'sexual' THEN 'sexual' WHEN 'online_sexual' THEN 'sexual'
                WHEN 'exploitation' THEN 'exploitation' WHEN 'drugs_supply' THEN 'drug_supply'
                ELSE 'violent' END AS marker,
           rp.event_at, 'crimes' AS record_type, c.crime_ref AS record_ref
    FROM record_people rp JOIN crimes_asof c ON rp.record_type = 'crimes' AND rp.record_ref = c.crime_ref
    WHERE rp.role IN ('suspect', 'offender') AND NOT coalesce(rp.is_child, true)
      AND c.offence_group IN ('sexual', 'online_sexual', 'exploitation', 'drugs_supply', 'violence', 'weapons')
),
custody_markers AS (
    SELECT rp.person_id, pl.category AS marker, rp.event_at, 'custody_detentions', d.custody_ref
    FROM record_people rp
    JOIN custody_detentions_asof d ON rp.record_type = 'custody_detentions' AND rp.record_ref = d.custody_ref
    JOIN phrase_list pl ON pl.kind = 'marker' AND regexp_matches(lower(d.offence), pl.pattern)
    WHERE NOT coalesce(rp.is_child, true)
),
intel_markers AS (
    -- Only intelligence from a reliable or untested source (1, 2) that is known directly or corroborated (A, B)
    -- marks an adult (DOMAIN.md "Intelligence grading"): uncorroborated hearsay (C), unknown (D) or suspected
    -- false (E) intelligence stays on the log for an analyst to weigh, but does not flag the person.
    SELECT DISTINCT rp.person_id, h.category AS marker, rp.event_at, 'intelligence_logs', s.record_ref
    FROM (SELECT DISTINCT record_type, record_ref FROM narrative_sentences) s
    JOIN phrase_hits h ON h.kind = 'marker' AND h.record_type = s.record_type AND h.record_ref = s.record_ref
    JOIN record_people rp ON rp.record_type = s.record_type AND rp.record_ref = s.record_ref
    JOIN intelligence_logs_asof g ON g.intel_ref = s.record_ref
    WHERE s.record_type = 'intelligence_logs' AND rp.role = 'subject' AND NOT coalesce(rp.is_child, true)
      AND g.source_evaluation IN ('1', '2') AND g.intelligence_assessment IN ('A', 'B')
),
rso AS (
    SELECT m.person_id, 'rso', CAST(o.registered_on AS TIMESTAMPTZ), 'offenders', o.offender_ref
    FROM offenders_asof o JOIN person_mentions m USING (source_system, person_ref)
),
online AS (
    SELECT rp.person_id, 'online_sexual', rp.event_at, 'online_referrals', rp.record_ref
    FROM record_people rp WHERE rp.record_type = 'online_referrals' AND rp.role = 'suspect'
)
SELECT DISTINCT * FROM (
    SELECT * FROM crime_markers UNION ALL SELECT * FROM custody_markers UNION ALL SELECT * FROM intel_markers
    UNION ALL SELECT * FROM rso UNION ALL SELECT * FROM online
);
"""

# Who appears with whom. Crowded addresses and phones (hostels, children's homes with many past
# residents, a switchboard) would link strangers, so they are left out past a limit.
LINKS = """
CREATE OR REPLACE TABLE person_links AS
WITH addr AS (
    SELECT person_id, address_ref AS ref, min(recorded_at) AS first_at FROM mention_attrs
    WHERE address_ref IS NOT NULL GROUP BY ALL
),
addr_ok AS (SELECT ref FROM addr GROUP BY ref HAVING count(*) BETWEEN 2 AND {max_sharing}),
phone AS (
    SELECT person_id, phone AS ref, min(recorded_at) AS first_at FROM mention_attrs
    WHERE phone IS NOT NULL GROUP BY ALL
),
phone_ok AS (SELECT ref FROM phone GROUP BY ref HAVING count(*) BETWEEN 2 AND {max_sharing}),
vehicles AS (
    SELECT 'incidents' AS record_type, incident_ref AS record_ref, occurred_at AS event_at,
           unnest(string_split(vehicle_registrations, '|')) AS vrm
    FROM incidents_asof WHERE vehicle_registrations IS NOT NULL
    UNION ALL
    SELECT 'intelligence_logs', intel_ref, recorded_at, unnest(string_split(vehicle_registrations, '|'))
    FROM intelligence_logs_asof WHERE vehicle_registrations IS NOT NULL
),
vehicle_people AS (
    SELECT DISTINCT upper(replace(v.vrm, ' ', '')) AS vrm, rp.person_id, v.record_type, v.record_ref, v.event_at
    FROM vehicles v JOIN record_people rp USING (record_type, record_ref)
)
SELECT a.person_id AS person_l, b.person_id AS person_r, 'record' AS link_type, a.record_type, a.record_ref,
       a.event_at
FROM record_people a
JOIN record_people b ON a.record_type = b.record_type AND a.record_ref = b.record_ref AND a.person_id < b.person_id
UNION ALL
SELECT a.person_id, b.person_id, 'address', 'locations', a.ref, greatest(a.first_at, b.first_at)
FROM addr a JOIN addr b ON a.ref = b.ref AND a.person_id < b.person_id JOIN addr_ok o ON o.ref = a.ref
UNION ALL
SELECT a.person_id, b.person_id, 'phone', 'persons', a.ref, greatest(a.first_at, b.first_at)
FROM phone a JOIN phone b ON a.ref = b.ref AND a.person_id < b.person_id JOIN phone_ok o ON o.ref = a.ref
UNION ALL
SELECT a.person_id, b.person_id, 'vehicle', b.record_type, b.record_ref, greatest(a.event_at, b.event_at)
FROM vehicle_people a JOIN vehicle_people b ON a.vrm = b.vrm AND a.person_id < b.person_id
WHERE a.record_ref <> b.record_ref;

CREATE OR REPLACE TABLE same_household AS
SELECT person_l AS person_id, person_r AS other_id FROM person_links WHERE link_type = 'address'
UNION SELECT person_r, person_l FROM person_links WHERE link_type = 'address';
"""


def load_phrases() -> dict[str, Any]:
    """The phrase lists (risk phrases, negation cues, victim-blaming language, adult markers)."""
    text = resources.files("safeguarding.assess.rules").joinpath("_phrases.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def phrase_table(phrases: dict[str, Any]) -> pa.Table:
    rows: dict[str, list[str]] = {"kind": [], "category": [], "phrase_id": [], "pattern": []}
    for kind in ("risk", "victim_blaming", "marker"):
        for category, entries in phrases[kind].items():
            for phrase_id, pattern in entries.items():
                rows["kind"].append(kind)
                rows["category"].append(category)
                rows["phrase_id"].append(phrase_id)
                rows["pattern"].append(pattern)
    return pa.table(rows)


def negation_scope(negation: dict[str, Any]) -> str:
    """A regular expression with ``{}`` for a phrase: the cue, then at most ``scope_words`` plain words (no
    punctuation), then the phrase. A cue earlier in the sentence, past a comma or "...", governs nothing here."""
    words = int(negation.get("scope_words", 3))
    cue = str(negation["before_phrase"]).replace("{", "{{").replace("}", "}}")
    return cue + "(\\s+[a-z0-9'£-]+){{0," + str(words) + "}}\\s+({})"


def _q(text: str) -> str:
    return str(text).replace("'", "''")


def as_of_cut(as_of: date | None) -> str:
    """SQL literal of the first instant after the as-of day (UTC), or a far-future one."""
    day = (as_of + timedelta(days=1)) if as_of else date(9999, 1, 1)
    return f"TIMESTAMPTZ '{day.isoformat()} 00:00:00+00'"


def prepare(
    con: duckdb.DuckDBPyConnection, mentions: pa.Table, as_of: date | None = None, max_sharing: int = 12
) -> None:
    """Register the resolved mentions and build every view and table listed in the module docstring."""
    con.register("person_mentions", mentions)
    con.execute(MACROS)
    cut = as_of_cut(as_of)
    for record_type, known in KNOWN_AT.items():
        con.execute(
            f"CREATE OR REPLACE VIEW {record_type}_asof AS SELECT * FROM {record_type}"
            f" WHERE {known} IS NULL OR {known} < {cut}"
        )
    parts = [
        f"SELECT '{rt}' AS record_type, {ref} AS record_ref, {event_at} AS event_at, {loc} AS location_ref"
        f" FROM {rt}_asof"
        for rt, (ref, event_at, loc) in RECORDS.items()
    ]
    con.execute("CREATE OR REPLACE TABLE record_times AS " + " UNION ALL ".join(parts))
    phrases = load_phrases()
    con.register("phrase_list_in", phrase_table(phrases))
    con.execute("CREATE OR REPLACE TABLE phrase_list AS SELECT * FROM phrase_list_in")
    con.unregister("phrase_list_in")
    con.execute("CREATE OR REPLACE TABLE negation_cue AS SELECT ? AS pattern", [phrases["negation"]["before_phrase"]])
    con.execute(RESOLVED)
    con.execute("CREATE OR REPLACE TABLE record_people_t AS SELECT * FROM record_people")
    con.execute("CREATE OR REPLACE VIEW record_people AS SELECT * FROM record_people_t")
    con.execute(SENTENCES)
    # One scan per phrase with a constant pattern: DuckDB compiles each regular expression once.
    negation = negation_scope(phrases["negation"])
    hits = [
        PHRASE_HIT.format(kind=kind, category=cat, phrase_id=pid, pattern=_q(pat), negated=_q(negation.format(pat)))
        for kind, cat, pid, pat in con.execute("SELECT * FROM phrase_list").fetchall()
    ]
    con.execute("CREATE OR REPLACE TABLE phrase_hits AS " + " UNION ALL ".join(hits))
    con.execute(MARKERS)
    con.execute(LINKS.format(max_sharing=int(max_sharing)))
