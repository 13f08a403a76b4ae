"""The corrected clocks (issue #24) give the same boards on Spark as on DuckDB: hand-worked custody reviews
and limits, an interview with no return, Operation Encompass for a household child, offenders' review and
re-notification dates, computed by the same SQL on both engines from the same rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from minilake import ADULT_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare
from safeguarding.config import Settings
from safeguarding.contract.records import RECORD_TYPES
from safeguarding.lake.engine import get_engine

T = datetime(2024, 5, 7, 1, tzinfo=UTC)  # 02:00 on Tuesday 7 May 2024, London
MOMENT = datetime(2025, 2, 1, tzinfo=UTC)
BOARDS = {
    "board_missing": "SELECT episode_ref, is_open, rhi_status, ratify_status FROM board_missing ORDER BY 1",
    "board_custody": "SELECT custody_ref, person_id, reviews_done, reviews_late, reviews_postponed,"
    " reviews_before_arrival, next_review_due_at, limit_hours, over_basic_limit, review_breach, aa_request_status,"
    " no_identified_time, breaches FROM board_custody ORDER BY 1",
    "board_ppn": "SELECT ppn_ref, person_id, subject_is_child, household_children, school_due_at, school_status"
    " FROM board_ppn ORDER BY 1",
    "board_rso": "SELECT offender_ref, status, review_from_on, renotify_due_on, renotify_overdue, visits_done,"
    " visits_overdue FROM board_rso ORDER BY 1",
}


def _lake() -> MiniLake:
    lake = MiniLake()
    lake.person("C1")
    lake.missing("E1", "C1", T, risk_grade="medium", rhi_done_at=T + timedelta(days=1))
    lake.person("K1-P")
    lake.add("custody_detentions", custody_ref="K1", person_ref="K1-P", arrived_at=T, appears_under_18=True,
             detention_authorised_at=T + timedelta(hours=1), released_at=T + timedelta(hours=30),
             extension_authorised_at=T + timedelta(hours=20), aa_requested_at=T + timedelta(hours=3),
             review_times="|".join([(T - timedelta(hours=1)).isoformat(),
                                    f"{(T + timedelta(hours=8)).isoformat()} postponed: interview",
                                    (T + timedelta(hours=16)).isoformat()]))  # fmt: skip
    lake.person("M1", dob=ADULT_DOB)
    lake.person("C2")
    lake.add("ppns", ppn_ref="P1", subject_person_ref="M1", incident_at=T, submitted_at=T + timedelta(hours=2),
             concern_type="domestic_abuse", grade="amber")  # fmt: skip
    lake.on("ppns", "P1", "C2", "household_member")
    lake.person("R1-P", dob=ADULT_DOB)
    lake.add("offenders", offender_ref="R1", person_ref="R1-P", conviction_date=date(2000, 1, 1),
             registered_on=date(2002, 6, 1), disposal="custody", sentence_months=36, status="active",
             last_notified_at=datetime(2024, 1, 10, 9, tzinfo=UTC))  # fmt: skip
    lake.add("offender_visits", visit_ref="V1", offender_ref="R1", planned_on=date(2024, 9, 1),
             visited_at=datetime(2024, 9, 1, 10, tzinfo=UTC), outcome="no_access")  # fmt: skip
    return lake


def _boards(con: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [tuple(r) for r in con.execute(sql).fetchall()] for name, sql in BOARDS.items()}


@pytest.mark.spark
@pytest.mark.slow
def test_corrected_clocks_agree_on_spark(spark_settings: Settings) -> None:
    lake = _lake()
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, MOMENT)
    duck = _boards(lake.con)
    assert duck["board_ppn"][0][3:5] == (1, datetime(2024, 5, 7, 7, 30, tzinfo=UTC))  # sanity: hand-worked
    spark = get_engine(spark_settings).connect()
    try:
        for name in RECORD_TYPES:
            spark.register(name, lake.con.sql(f"SELECT * FROM {name}").to_arrow_table())
        prepare(spark, lake.mentions())
        clocks.build(spark, MOMENT)
        got = _boards(spark)
    finally:
        spark.close()
    for name in BOARDS:
        assert got[name] == duck[name], name
