"""Matching features from person records, in one SQL pass.

Input: a DuckDB relation ``person_records`` with the standard person fields (any may be NULL):
    unique_id, first_name, middle_name, surname, full_name, dob (DATE), sex, postcode, address,
    town, phone, email, identifier
Output: the same records with normalised keys Splink compares and blocks on. The force's mentions
(lake `persons`) and any outside file (`safeguarding resolve`) go through the same features, so one
method is measured on both.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from safeguarding.linkage.names import register_name_keys

PERSON_FIELDS = (
    "first_name", "middle_name", "surname", "full_name", "dob", "sex", "postcode", "address", "town", "phone",
    "email", "identifier",
)  # fmt: skip

FEATURES_SQL = """
WITH base AS (
    SELECT
        unique_id,
        -- A full name fills in a missing first name (first word) and surname (last word).
        coalesce(nullif(trim(first_name), ''), nullif(split_part(trim(full_name), ' ', 1), '')) AS first_raw,
        nullif(trim(middle_name), '') AS middle_raw,
        coalesce(nullif(trim(surname), ''),
                 nullif(regexp_extract(trim(full_name), '(\\S+)$', 1), '')) AS surname_raw,
        dob,
        CASE WHEN upper(trim(sex)) IN ('M', 'MALE') THEN 'M'
             WHEN upper(trim(sex)) IN ('F', 'FEMALE') THEN 'F' END AS sex,
        nullif(regexp_replace(upper(coalesce(postcode, '')), '[^A-Z0-9]', '', 'g'), '') AS postcode_compact,
        nullif(regexp_replace(lower(coalesce(address, '')), '[^a-z0-9]+', ' ', 'g'), ' ') AS address_key,
        nullif(regexp_replace(lower(coalesce(town, '')), '[^a-z]', '', 'g'), '') AS town_key,
        nullif(right(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), 10), '') AS phone_key,
        nullif(lower(trim(email)), '') AS email_key,
        nullif(regexp_replace(upper(coalesce(identifier, '')), '[^A-Z0-9]', '', 'g'), '') AS identifier_key
    FROM person_records
)
SELECT
    b.unique_id,
    fk.name AS forename_key,
    fk.canonical AS forename_canonical,
    fk.metaphone AS forename_metaphone,
    left(fk.name, 1) AS forename_initial,
    mk.name AS middle_key,
    sk.name AS surname_key,
    sk.metaphone AS surname_metaphone,
    left(sk.name, 1) AS surname_initial,
    b.dob,
    year(b.dob) AS birth_year,
    -- The same date with day and month swapped, a common recording error (NULL when impossible).
    CASE WHEN day(b.dob) <= 12 AND day(b.dob) <> month(b.dob)
         THEN make_date(year(b.dob), day(b.dob), month(b.dob)) END AS dob_swapped,
    b.sex,
    -- UK postcodes get their single space back (outward and inward codes); others stay compact.
    CASE WHEN regexp_full_match(b.postcode_compact, '[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}')
         THEN left(b.postcode_compact, length(b.postcode_compact) - 3) || ' ' || right(b.postcode_compact, 3)
         ELSE b.postcode_compact END AS postcode,
    nullif(trim(b.address_key), '') AS address_key,
    b.town_key,
    b.phone_key,
    b.email_key,
    b.identifier_key
FROM base b
LEFT JOIN name_keys fk ON fk.name = letters_only(split_part(b.first_raw, ' ', 1))
LEFT JOIN name_keys mk ON mk.name = letters_only(b.middle_raw)
LEFT JOIN name_keys sk ON sk.name = letters_only(b.surname_raw)
ORDER BY b.unique_id
"""

_NAMES_SQL = """
SELECT DISTINCT letters_only(n) AS n FROM (
    SELECT split_part(coalesce(nullif(trim(first_name), ''), split_part(trim(full_name), ' ', 1)), ' ', 1) AS n
    FROM person_records
    UNION ALL SELECT trim(middle_name) FROM person_records
    UNION ALL SELECT coalesce(nullif(trim(surname), ''), regexp_extract(trim(full_name), '(\\S+)$', 1))
    FROM person_records
) WHERE n IS NOT NULL
"""


# Name keys are lower-case letters only, accents stripped (the same on every engine).
LETTERS_ONLY_MACRO = (
    "CREATE OR REPLACE TEMP MACRO letters_only(s) AS regexp_replace(lower(strip_accents(s)), '[^a-z]', '', 'g')"
)


def build_features(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Features for every row of ``person_records`` (a relation on ``con``)."""
    con.execute(LETTERS_ONLY_MACRO)
    names = [row[0] for row in con.execute(_NAMES_SQL).fetchall()]
    register_name_keys(con, names, "name_keys")
    try:
        return con.sql(FEATURES_SQL).to_arrow_table()
    finally:
        con.unregister("name_keys")


def available(features: pa.Table) -> set[str]:
    """Feature columns with at least one value (comparisons and blocking rules use only these)."""
    return {name for name in features.column_names if features.column(name).null_count < features.num_rows}
