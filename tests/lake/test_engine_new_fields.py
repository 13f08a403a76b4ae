"""A lake loaded before a field joined the contract still offers that field (NULL) to every stage."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake


def test_a_field_missing_from_every_loaded_file_is_null_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "persons-2024-03.csv"
    path.write_text("source_system,person_ref,surname\nniche,P1,Smith\n")
    lake = Lake(tmp_path / "lake")
    ingest([path], lake)
    (part,) = lake.partition_files("persons")
    table = pq.read_table(part)
    pq.write_table(table.drop(["pnc_id"]), part)  # as if written before pnc_id was in the contract
    con = DuckDBEngine(lake).connect()
    assert con.execute("SELECT person_ref, pnc_id FROM persons").fetchall() == [("P1", None)]
