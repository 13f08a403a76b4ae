"""A corpus of broken and unusual inputs: each loads (every row accounted for), or is refused with a
message naming the file; none gives a traceback."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from safeguarding.ingest.errors import FileError
from safeguarding.ingest.loader import ingest
from safeguarding.lake.engine import DuckDBEngine
from safeguarding.lake.store import Lake

H = "source_system,person_ref,forenames,surname,date_of_birth\n"
ROWS = "".join(f"niche,P{i},Ann,Smith,2010-01-01\n" for i in range(20))
J = json.dumps({"source_system": "niche", "person_ref": "P1", "surname": "S"})

# name -> (file suffix, content, expected: rows loaded, or "refused")
CORPUS: dict[str, tuple[str, bytes, int | str]] = {
    "crlf": ("csv", (H + ROWS).replace("\n", "\r\n").encode(), 20),
    "cr_only": ("csv", (H + ROWS).replace("\n", "\r").encode(), 20),
    "bom": ("csv", b"\xef\xbb\xbf" + (H + ROWS).encode(), 20),
    "header_only": ("csv", H.encode(), 0),
    "trailing_delimiter": ("csv", (H.rstrip("\n") + ",\n" + ROWS.replace("\n", ",\n")).encode(), 20),
    "semicolons": ("csv", (H + ROWS).replace(",", ";").encode(), 20),
    "tabs": ("csv", (H + ROWS).replace(",", "\t").encode(), 20),
    "not_gzip": ("csv.gz", (H + ROWS).encode(), "refused"),
    "gzip": ("csv.gz", gzip.compress((H + ROWS).encode()), 20),
    "nul_inside": ("csv", (H + ROWS[:50]).encode() + b"\x00" + ROWS[50:].encode(), "refused"),
    "quoted_everything": ("csv", (H + '"niche","P1","A""nn","Smith","2010-01-01"\n').encode(), 1),
    "no_final_newline": ("csv", (H + ROWS).rstrip("\n").encode(), 20),
    "blank_lines": ("csv", (H + "\n\n" + ROWS + "\n\n\n").encode(), 20),
    "padded_header": ("csv", b" source_system , person_ref , surname \nniche,P1,B\n", 1),
    "sql_in_values": ("csv", (H + "niche,P1',Ann,Smith'); DROP TABLE x;--,2010-01-01\n").encode(), 1),
    "utf16": ("csv", (H + ROWS).encode("utf-16"), "refused"),
    "undefined_cp1252_byte": ("csv", (H + "niche,P1,Ann,Sm\x81th,2010-01-01\n").encode("latin-1"), "refused"),
    "only_newlines": ("csv", b"\n" * 10, "refused"),
    "json_array_line": ("jsonl", b'[{"a":1}]\n' + J.encode() + b"\n", 1),
    "json_bom": ("jsonl", b"\xef\xbb\xbf" + J.encode() + b"\n", 1),
    "json_nan": ("jsonl", J.encode() + b'\n{"source_system":"niche","person_ref":NaN,"surname":"S"}\n', 1),
    "json_huge_int": ("jsonl", J.encode() + b'\n{"source_system":"niche","person_ref":1' + b"0" * 5000 + b"}\n", 1),
    "json_repeated_key": ("jsonl", J.encode() + b'\n{"source_system":"niche","person_ref":"P2","surname":"S",'
                          b'"surname":"T"}\n', 1),
    "json_empty": ("jsonl", b"", 0),
    "json_truncated": ("jsonl", J.encode() + b'\n{"source_system":"niche","person_ref":"P1","surn', 1),
    "json_deep": ("jsonl", J.encode() + b"\n" + b'{"a":' * 50_000 + b"1" + b"}" * 50_000 + b"\n", 1),
    "parquet_junk": ("parquet", b"PAR1" + bytes(range(256)) * 2 + b"PAR1", "refused"),
}  # fmt: skip


def _check(path: Path, lake: Lake, expected: int | str) -> None:
    try:
        result = ingest([path], lake, max_reject_rate=1.0)
    except FileError as exc:
        assert expected == "refused", f"refused: {exc}"
        assert exc.path == path and str(path) in str(exc)
        return
    assert expected != "refused", "loaded, but should have been refused"
    assert result.rows_loaded == expected, result
    assert result.rows_read == result.rows_loaded + result.rows_quarantined + result.rows_duplicate
    if result.rows_loaded:
        con = DuckDBEngine(lake).connect()
        assert con.execute("SELECT count(*) FROM persons_versions").fetchall()[0][0] == expected
        con.close()


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_each_broken_input_loads_or_is_refused_cleanly(tmp_path: Path, name: str) -> None:
    suffix, content, expected = CORPUS[name]
    path = tmp_path / f"persons-2024-03.{suffix}"
    path.write_bytes(content)
    _check(path, Lake(tmp_path / "lake"), expected)


@pytest.mark.parametrize("value", [["a", "b"], [{"x": 1}]])
def test_a_parquet_column_of_lists_or_structs_is_refused_naming_the_column(tmp_path: Path, value: object) -> None:
    path = tmp_path / "persons-2024-03.parquet"
    pq.write_table(pa.table({"source_system": ["niche"], "person_ref": ["P1"], "surname": [value]}), path)
    with pytest.raises(FileError) as err:
        ingest([path], Lake(tmp_path / "lake"))
    assert err.value.field == "surname"
