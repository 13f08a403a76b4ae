"""Write a linkage stage output from the synthetic truth ("oracle" linkage), for benchmarking assess alone.

Usage: .venv/bin/python bench/oracle_linkage.py DATA_DIR FORCE_DIR
Every person mention gets its true person id, so the assessment can be timed (and its rules measured)
without waiting for, or being confounded by, person resolution.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def write_oracle(data_dir: Path, force_dir: Path) -> Path:
    from safeguarding.config import Settings
    from safeguarding.lake.engine import get_engine

    con = get_engine(Settings(data_dir=data_dir)).connect()
    out = data_dir / "stages" / "linkage"
    out.mkdir(parents=True, exist_ok=True)
    truth = str(force_dir / "truth" / "person_truth.csv")
    con.execute(
        f"""COPY (SELECT p.source_system || ':' || p.person_ref AS mention_id, p.source_system, p.person_ref,
                         t.true_person_id AS person_id, p.forenames, p.surname, p.date_of_birth, p.sex, p.postcode
                  FROM persons p JOIN read_csv('{truth}', all_varchar = true) t USING (source_system, person_ref))
            TO '{out / "mentions.parquet"}' (FORMAT parquet)"""
    )
    (out / "run.json").write_text(json.dumps({"model_version": "oracle"}), encoding="utf-8")
    return out / "mentions.parquet"


if __name__ == "__main__":
    print(write_oracle(Path(sys.argv[1]), Path(sys.argv[2])))
