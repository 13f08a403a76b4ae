"""The mapping example in docs/ingest.md works as the page says."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from safeguarding.ingest.loader import ingest
from safeguarding.ingest.mapping import MappingError, load_mapping
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def test_documented_mapping_loads_the_documented_extract(tmp_path: Path) -> None:
    mapping_file = EXAMPLES / "force-mapping.yaml"
    assert (
        mapping_file.read_text().split("files:", 1)[1].strip().splitlines()[0]
        in (EXAMPLES.parent / "ingest.md").read_text()
    ), "docs/ingest.md no longer shows the example mapping"
    lake = Lake(tmp_path / "lake")
    result = ingest([EXAMPLES / "MISPER_2024_03.csv"], lake, max_reject_rate=0.5, mapping=load_mapping(mapping_file))
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (3, 2, 1)
    con = DuckDBEngine(lake).connect()
    rows = con.execute("SELECT source_system, episode_ref, risk_grade FROM missing_episodes ORDER BY 2").fetchall()
    assert rows == [("compact", "M-1001", "medium"), ("compact", "M-1002", "high")]
    (problem,) = pq.read_table(lake.quarantine_file(result.load_id or "")).to_pylist()
    assert (problem["line"], problem["field"]) == (4, "reported_at")


def test_a_mapping_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "m.yaml"
    bad.write_text("files:\n  - match: '*.csv'\n    record_type: missing_episodes\n    columns: {X: nonsense}\n")
    with pytest.raises(MappingError, match="has no field 'nonsense'"):
        load_mapping(bad)
