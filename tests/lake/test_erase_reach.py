"""Erasure reaches every record holding the person's data, and stays applied to later loads (issue 28, A7)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.erase import ErasureError, Target, erase, load_register
from safeguarding.lake.redact import REDACTED, Terms, redact, secret_key
from safeguarding.lake.store import Lake

PERSONS = (
    "source_system,person_ref,forenames,surname,date_of_birth,phone,email\n"
    "niche,NP1,Jayden Lee,Marsh,2010-04-02,07700 900123,jayden.marsh@example.org\n"
    "niche,NP2,Amelia,Stone,2009-01-15,,\n"
    "niche,NP3,Kerry,Marsh,1985-06-30,,\n"
)
EPISODES = (
    "source_system,episode_ref,person_ref,reported_at,risk_grade,narrative\n"
    "niche,ME1,NP1,2024-03-01T18:00:00+00:00,medium,Jayden left the home after an argument.\n"
    "niche,ME2,NP1,2024-03-09T18:00:00+00:00,high,Jayden was found in a car with older males.\n"
    "niche,ME3,NP2,2024-03-10T10:00:00+00:00,low,Amelia was with Jayden Lee Marsh (07700900123) in town.\n"
)
INCIDENTS = (
    "source_system,incident_ref,occurred_at,narrative\n"
    "niche,IN1,2024-03-05T20:00:00+00:00,Kerry Marsh called: Jayden and Amelia were fighting. Will call back.\n"
    "niche,IN2,2024-03-06T20:00:00+00:00,Caller says Jayden Marsh was seen at the park. Kerry Marsh confirmed.\n"
    "niche,IN3,2024-03-07T20:00:00+00:00,A man called Jayden shouted at staff.\n"
)
RECORD_PERSONS = (
    "source_system,record_type,record_ref,person_ref,role\n"
    "niche,incidents,IN1,NP1,subject\n"
    "niche,incidents,IN1,NP2,subject\n"
    "niche,incidents,IN1,NP3,reporting_person\n"
    "niche,missing_episodes,ME1,NP3,reporting_person\n"
    "niche,missing_episodes,ME3,NP2,missing_person\n"
)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _export(folder: Path, month: str = "2024-03", extra: dict[str, str] | None = None) -> Path:
    texts = {"persons": PERSONS, "missing_episodes": EPISODES, "incidents": INCIDENTS,
             "record_persons": RECORD_PERSONS}  # fmt: skip
    for name, add in (extra or {}).items():
        texts[name] += add
    for name, text in texts.items():
        _write(folder, f"{name}-{month}.csv", text)
    return folder


def _rows(lake: Lake, sql: str) -> list[tuple[object, ...]]:
    con = DuckDBEngine(lake).connect()
    rows = con.execute(sql).fetchall()
    con.close()
    return rows


def _lake_bytes_contain(lake: Lake, needle: str) -> list[Path]:
    """Data and quarantine files (not the register) whose decoded text holds ``needle``."""
    hits = []
    for path in lake.root.rglob("*.parquet"):
        text = " ".join(str(v) for col in pq.read_table(path).to_pydict().values() for v in col)
        if needle in text:
            hits.append(path)
    return hits


def test_redaction_matches_words_not_substrings_and_leaves_lower_case_words() -> None:
    key = b"k" * 32
    terms = Terms()
    for t in ("Jayden Lee Marsh", "Will", "07700 900123"):
        terms.add(key, t)
    text = "JAYDEN  lee marsh rang on 07700-900123; Will said he will call. Jaydenson is someone else."
    assert redact(text, key, terms) == (
        f"{REDACTED} rang on {REDACTED}; {REDACTED} said he will call. Jaydenson is someone else."
    )
    assert redact("nothing here", key, terms) == "nothing here"


def test_erasing_a_person_reaches_the_records_about_them_and_their_names_in_text(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    first = ingest([_export(tmp_path / "march")], lake)
    assert first.status == "loaded"
    result = erase(lake, [Target("persons", "niche", "NP1")], "court order T-1", "tester")

    assert result.rows_removed["persons"] == 1
    # His missing episodes go whole: they are about him, and their narratives name him.
    assert result.rows_removed["missing_episodes"] == 2
    assert _rows(lake, "SELECT episode_ref FROM missing_episodes_versions ORDER BY 1") == [("ME3",)]
    # record_persons rows naming him, and those of his erased episodes, go too.
    assert _rows(lake, "SELECT record_ref, person_ref FROM record_persons_versions ORDER BY 1, 2") == [
        ("IN1", "NP2"), ("IN1", "NP3"), ("ME3", "NP2")]  # fmt: skip
    narratives = dict(_rows(lake, "SELECT incident_ref, narrative FROM incidents_versions"))
    # On a record he appears on, his forename alone is taken out; others' names stay.
    assert narratives["IN1"] == f"Kerry Marsh called: {REDACTED} and Amelia were fighting. Will call back."
    # On records he is not linked to, only his full name (and identifiers) are.
    assert narratives["IN2"] == f"Caller says {REDACTED} was seen at the park. Kerry Marsh confirmed."
    assert narratives["IN3"] == "A man called Jayden shouted at staff."
    (me3,) = _rows(lake, "SELECT narrative FROM missing_episodes_versions")[0]
    assert me3 == f"Amelia was with {REDACTED} ({REDACTED}) in town."
    assert result.values_redacted == 3
    # Nothing in the lake's data or quarantine still holds his full name, phone or email.
    for needle in ("Jayden Lee", "900123", "jayden.marsh"):
        assert _lake_bytes_contain(lake, needle) == []
    # The register holds references and keyed hashes, never his name.
    register_text = "".join(p.read_text() for p in (lake.root / "_erasures").glob("*.json"))
    assert "NP1" in register_text and "ME1" in register_text
    assert "Marsh" not in register_text and "Jayden" not in register_text and "900123" not in register_text


def test_a_later_export_does_not_bring_an_erased_person_back(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest([_export(tmp_path / "march")], lake)
    erase(lake, [Target("persons", "niche", "NP1")], "court order T-1", "tester")
    before = _rows(lake, "SELECT count(*) FROM incidents_versions")
    # The next export re-sends everything, with one amended incident naming him and one new row of his.
    again = _export(
        tmp_path / "april",
        "2024-04",
        {
            "incidents": "niche,IN4,2024-04-02T20:00:00+00:00,Jayden came back with Amelia.\n",
            "record_persons": "niche,incidents,IN4,NP1,subject\n",
            "missing_episodes": "niche,ME4,NP1,2024-04-01T18:00:00+00:00,high,Jayden missing again.\n",
            "persons": "niche,NP4,Sam,Hill,2011-02-02,,\n",
        },
    )
    result = ingest([again], lake)
    assert result.status == "loaded"
    # Rows in = loaded + quarantined + duplicate + erased.
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_duplicate + result.rows_erased
    # persons NP1, episodes ME1 ME2 ME4, record_persons IN1-NP1, IN4-NP1 and ME1's reporting person:
    # dropped before the commit.
    assert result.rows_erased == 7
    by_file = {Path(f.path).name.split("-")[0]: f.rows_erased for f in result.files}
    assert by_file == {"incidents": 0, "missing_episodes": 3, "persons": 1, "record_persons": 3}
    assert _rows(lake, "SELECT count(*) FROM persons_versions WHERE person_ref = 'NP1'") == [(0,)]
    assert _rows(lake, "SELECT DISTINCT episode_ref FROM missing_episodes_versions ORDER BY 1") == [("ME3",)]
    # The re-sent incidents that were redacted are exact duplicates of what the lake holds; the new one
    # names him on a record he appears on, so his forename is redacted there too.
    assert _rows(lake, "SELECT count(*) FROM incidents_versions")[0][0] == before[0][0] + 1
    (in4,) = _rows(lake, "SELECT narrative FROM incidents WHERE incident_ref = 'IN4'")[0]
    assert in4 == f"{REDACTED} came back with Amelia."
    for needle in ("Jayden Lee", "900123"):
        assert _lake_bytes_contain(lake, needle) == []
    # The link found in this load is remembered for the loads after it.
    assert any(k.startswith("incidents\x00niche\x00IN4") for k in load_register(lake).linked)


def test_quarantined_rows_naming_an_erased_person_lose_their_raw_text(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    ingest([_export(tmp_path / "march")], lake)
    erase(lake, [Target("persons", "niche", "NP1")], "court order T-1", "tester")
    bad = _export(tmp_path / "april", "2024-04",
                  {"persons": "niche,NP1,Jayden,Marsh,not-a-date,,\n"})  # fmt: skip
    result = ingest([bad], lake, max_reject_rate=0.5)
    assert result.rows_quarantined == 1
    raw = pq.read_table(lake.quarantine_file(result.load_id or "")).column("raw").to_pylist()
    assert raw == [REDACTED]


def test_an_erasure_needs_a_reason_and_a_target(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    with pytest.raises(ErasureError, match="reason"):
        erase(lake, [Target("persons", "niche", "NP1")], "  ", "tester")
    with pytest.raises(ErasureError, match="nothing to erase"):
        erase(lake, [], "order", "tester")


def test_loads_before_any_erasure_are_untouched(tmp_path: Path) -> None:
    lake = Lake(tmp_path / "lake")
    result = ingest([_export(tmp_path / "march")], lake)
    assert result.rows_erased == 0 and not (lake.root / "_erasures").exists()
    assert secret_key(tmp_path / "keys") == secret_key(tmp_path / "keys")  # made once, then kept
