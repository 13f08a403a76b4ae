"""The statutory clocks of the boards (assess/clocks): exactly at the limit, missing times, events out of
order, and both Europe/London clock changes (31 March 2024 forward, 27 October 2024 back)."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from minilake import ADULT_DOB, CHILD_DOB, MiniLake

from safeguarding.assess import clocks
from safeguarding.assess.views import prepare
from safeguarding.policy.levels import (
    ANSWERS,
    ServiceLevelError,
    grade,
    load_levels,
    priority_sql,
    use_levels_file,
)

T = datetime(2024, 5, 1, 10, tzinfo=UTC)
LATER = datetime(2025, 1, 1, tzinfo=UTC)
GOOD = "Mother and two children aged 4 and 9"  # a meaningful answer: several words


class Lake(MiniLake):
    """MiniLake whose mentions carry each person's sex (MiniLake makes everyone F)."""

    def __init__(self) -> None:
        super().__init__()
        self.sexes: dict[str, str] = {}

    def person(self, ref: str, dob: date | None = CHILD_DOB, **values: Any) -> str:
        self.sexes[ref] = values.get("sex", "F")
        return super().person(ref, dob, **values)

    def mentions(self) -> pa.Table:
        table = super().mentions()
        sexes = pa.array([self.sexes[p["person_ref"]] for p in self.people], pa.string())
        return table.set_column(table.column_names.index("sex"), "sex", sexes)


def built(lake: MiniLake, moment: datetime = LATER) -> MiniLake:
    prepare(lake.con, lake.mentions())
    clocks.build(lake.con, moment)
    return lake


def row(lake: MiniLake, table: str, key: str, value: str) -> dict[str, Any]:
    rel = lake.con.sql(f"SELECT * FROM {table} WHERE {key} = '{value}'")
    found = rel.fetchall()
    assert len(found) == 1, found
    return dict(zip(rel.columns, found[0], strict=True))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- missing children ----------------------------------------------------------------------------


def _missing(**episodes: dict[str, Any]) -> MiniLake:
    lake = Lake()
    lake.person("C1")
    for ref, values in episodes.items():
        values.setdefault("reported_at", T)
        lake.missing(ref, "C1", values.pop("reported_at"), **values)
    return built(lake)


def test_ratification_exactly_at_the_limit_is_on_time_and_a_minute_later_is_late() -> None:
    lake = _missing(
        E1={"risk_grade": "high", "graded_at": T, "ratified_at": T + timedelta(minutes=60)},
        E2={"risk_grade": "high", "graded_at": T, "ratified_at": T + timedelta(minutes=61)},
        E3={"risk_grade": "medium", "graded_at": T, "ratified_at": T + timedelta(hours=4)},
        E4={"risk_grade": "low", "graded_at": T},
    )
    assert row(lake, "board_missing", "episode_ref", "E1")["ratify_status"] == "on_time"
    assert row(lake, "board_missing", "episode_ref", "E2")["ratify_status"] == "late"
    assert row(lake, "board_missing", "episode_ref", "E3")["ratify_status"] == "on_time"
    assert row(lake, "board_missing", "episode_ref", "E4")["ratify_status"] == "not_required"


def test_ratification_missing_times_and_out_of_order() -> None:
    lake = _missing(
        E1={"risk_grade": "high", "graded_at": T},  # never ratified
        E2={"risk_grade": "high"},  # no grading time at all
        E3={"risk_grade": "high", "graded_at": T, "ratified_at": T - timedelta(minutes=5)},
    )
    assert row(lake, "board_missing", "episode_ref", "E1")["ratify_status"] == "overdue"
    assert row(lake, "board_missing", "episode_ref", "E2")["ratify_status"] == "no_grade_time"
    assert row(lake, "board_missing", "episode_ref", "E3")["ratify_status"] == "out_of_order"


def test_ratification_not_yet_due_is_awaiting() -> None:
    lake = Lake()
    lake.person("C1")
    lake.missing("E1", "C1", T, risk_grade="medium", graded_at=T)
    built(lake, T + timedelta(hours=3, minutes=59))
    got = row(lake, "board_missing", "episode_ref", "E1")
    assert got["ratify_status"] == "awaiting" and got["is_open"]


def test_return_home_interview_clock() -> None:
    found = T + timedelta(hours=5)
    lake = _missing(
        E1={"found_at": found, "rhi_done_at": found + timedelta(hours=72)},
        E2={"found_at": found, "rhi_done_at": found + timedelta(hours=72, minutes=1)},
        E3={"found_at": found, "rhi_declined_reason": "Child declined; mother present and agreed"},
        E4={"found_at": found, "rhi_declined_reason": "not recorded"},
        E5={"found_at": found},
        E6={"found_at": found, "rhi_done_at": found - timedelta(hours=1)},
        E7={},
    )
    statuses = {e: row(lake, "board_missing", "episode_ref", e)["rhi_status"] for e in ("E1", "E2", "E3", "E4", "E5")}
    assert statuses == {
        "E1": "done_in_time", "E2": "done_late", "E3": "declined", "E4": "declined_no_reason", "E5": "overdue",
    }  # fmt: skip
    assert row(lake, "board_missing", "episode_ref", "E6")["rhi_status"] == "out_of_order"
    assert row(lake, "board_missing", "episode_ref", "E7")["rhi_status"] == "not_returned"


def test_a_return_after_the_moment_is_not_yet_known() -> None:
    lake = Lake()
    lake.person("C1")
    lake.missing("E1", "C1", T, found_at=T + timedelta(days=2))
    built(lake, T + timedelta(days=1))
    got = row(lake, "board_missing", "episode_ref", "E1")
    assert got["is_open"] and got["found_at"] is None and got["hours_missing"] == pytest.approx(24.0)


def test_repeat_missing_needs_three_episodes_inside_ninety_days_and_adults_are_left_out() -> None:
    lake = Lake()
    lake.person("C1")
    lake.person("A1", dob=ADULT_DOB)
    for n, days in enumerate((0, 40, 89)):
        lake.missing(f"E{n}", "C1", T + timedelta(days=days))
    lake.missing("E9", "C1", T + timedelta(days=40 + 90))  # 90 days after the second: window is open-ended
    lake.missing("A-E1", "A1", T)
    built(lake)
    assert row(lake, "board_missing", "episode_ref", "E2")["repeat_missing"]
    assert not row(lake, "board_missing", "episode_ref", "E1")["repeat_missing"]
    assert row(lake, "board_missing", "episode_ref", "E9")["episodes_in_window"] == 2
    assert lake.con.execute("SELECT count(*) FROM board_missing WHERE episode_ref = 'A-E1'").fetchall()[0][0] == 0


def test_victim_blaming_language_is_listed() -> None:
    lake = _missing(E1={"narrative": "She is putting herself at risk by going missing through choice."})
    assert row(lake, "board_missing", "episode_ref", "E1")["blaming_phrases"]


# --- custody ---------------------------------------------------------------------------------------


def _custody(ref: str, lake: MiniLake | None = None, sex: str = "M", **values: Any) -> MiniLake:
    lake = lake or Lake()
    lake.person(ref + "-P", sex=sex)
    values.setdefault("arrived_at", T)
    values.setdefault("appears_under_18", True)
    lake.add("custody_detentions", custody_ref=ref, person_ref=ref + "-P", **values)
    lake.on("custody_detentions", ref, ref + "-P", "detainee")
    return lake


def test_appropriate_adult_exactly_at_the_limits_is_on_time() -> None:
    identified = T + timedelta(minutes=10)
    lake = _custody(
        "K1", juvenile_identified_at=identified, aa_requested_at=identified + timedelta(minutes=60),
        aa_arrived_at=identified + timedelta(minutes=180), released_at=T + timedelta(hours=5),
    )  # fmt: skip
    _custody(
        "K2", lake, juvenile_identified_at=identified, aa_requested_at=identified + timedelta(minutes=61),
        aa_arrived_at=identified + timedelta(minutes=182), released_at=T + timedelta(hours=5),
    )  # fmt: skip
    built(lake)
    k1, k2 = row(lake, "board_custody", "custody_ref", "K1"), row(lake, "board_custody", "custody_ref", "K2")
    assert (k1["aa_request_status"], k1["aa_arrive_status"], k1["aa_total_minutes"]) == ("on_time", "on_time", 180)
    assert (k2["aa_request_status"], k2["aa_arrive_status"]) == ("late", "late")
    assert "appropriate adult requested late" in k2["breaches"] and not k1["breaches"]


def test_custody_missing_and_out_of_order_times() -> None:
    lake = _custody("K1", released_at=T + timedelta(hours=4))  # nothing recorded about the AA
    _custody(
        "K2", lake, juvenile_identified_at=T, aa_requested_at=T + timedelta(minutes=30),
        aa_arrived_at=T + timedelta(minutes=20), released_at=T + timedelta(hours=4),
    )  # fmt: skip
    built(lake)
    k1, k2 = row(lake, "board_custody", "custody_ref", "K1"), row(lake, "board_custody", "custody_ref", "K2")
    # No time the juvenile was identified: the child appeared under 18 on arrival, so the clock runs from then.
    assert (k1["aa_request_status"], k1["aa_arrive_status"], k1["no_identified_time"]) == (
        "not_requested",
        "not_requested",
        True,
    )
    assert "appropriate adult requested late" in k1["breaches"]
    assert k2["aa_arrive_status"] == "out_of_order" and "times out of order" in k2["breaches"]


def test_detention_reviews_due_done_and_late() -> None:
    on_time = "|".join(t.isoformat() for t in (T + timedelta(hours=6, minutes=30), T + timedelta(hours=15)))
    lake = _custody("K1", review_times=on_time, released_at=T + timedelta(hours=20))
    # Given out of order, and the second one 31 minutes past its due time.
    late = "|".join(t.isoformat() for t in (T + timedelta(hours=15, minutes=31), T + timedelta(hours=6)))
    _custody("K2", lake, review_times=late, released_at=T + timedelta(hours=20))
    _custody("K3", lake, review_times="", released_at=T + timedelta(hours=6, minutes=30))  # first due at the limit
    _custody("K4", lake, review_times="not a time", released_at=T + timedelta(hours=8))
    built(lake)
    k1, k2 = row(lake, "board_custody", "custody_ref", "K1"), row(lake, "board_custody", "custody_ref", "K2")
    assert (k1["reviews_due"], k1["reviews_done"], k1["reviews_late"], k1["review_breach"]) == (2, 2, 0, False)
    assert (k2["reviews_done"], k2["reviews_late"], k2["review_breach"]) == (2, 1, True)
    assert row(lake, "board_custody", "custody_ref", "K3")["reviews_due"] == 0
    k4 = row(lake, "board_custody", "custody_ref", "K4")
    assert (k4["reviews_due"], k4["reviews_done"], k4["review_breach"]) == (1, 0, True)


def test_a_girl_needs_a_named_woman() -> None:
    lake = _custody("K1", sex="F", released_at=T + timedelta(hours=2))
    _custody("K2", lake, sex="F", woman_responsible="PS 1234 Jones", released_at=T + timedelta(hours=2))
    built(lake)
    assert row(lake, "board_custody", "custody_ref", "K1")["woman_missing"]
    assert not row(lake, "board_custody", "custody_ref", "K2")["woman_missing"]


def test_transfer_after_charge_with_bail_refused() -> None:
    charged = T + timedelta(hours=3)
    base = {"charged_at": charged, "bail_refused": True, "released_at": T + timedelta(hours=12)}
    lake = _custody("K1", transfer_requested_at=charged, transferred_at=charged + timedelta(hours=2), **base)
    _custody("K2", lake, transfer_certificate_reason="No local authority accommodation available", **base)
    _custody("K3", lake, transfer_requested_at=charged, **base)
    _custody("K4", lake, charged_at=charged, bail_refused=False, released_at=T + timedelta(hours=4))
    built(lake)
    got = {k: row(lake, "board_custody", "custody_ref", k)["transfer_status"] for k in ("K1", "K2", "K3", "K4")}
    assert got == {"K1": "transferred", "K2": "certified_impracticable", "K3": "requested", "K4": None}
    assert "not transferred and no certificate" in row(lake, "board_custody", "custody_ref", "K3")["breaches"]


@pytest.mark.parametrize(
    ("arrived", "released", "overnight"),
    [
        # Spring forward, 31 March 2024: 02:00 London (BST) is 01:00 UTC.
        ("2024-03-30T23:00:00", "2024-03-31T01:30:00", True),
        ("2024-03-30T23:00:00", "2024-03-31T00:59:00", False),
        # Fall back, 27 October 2024: 02:00 London (GMT again) is 02:00 UTC; 01:30 UTC is still before it.
        ("2024-10-26T22:00:00", "2024-10-27T01:30:00", False),
        ("2024-10-26T22:00:00", "2024-10-27T02:01:00", True),
        # A summer night: 02:00 BST is 01:00 UTC.
        ("2024-07-01T20:00:00", "2024-07-02T01:10:00", True),
    ],
)
def test_held_overnight_across_both_clock_changes(arrived: str, released: str, overnight: bool) -> None:
    lake = built(_custody("K1", arrived_at=utc(arrived), released_at=utc(released)))
    assert row(lake, "board_custody", "custody_ref", "K1")["held_overnight"] is overnight


# --- PPNs ------------------------------------------------------------------------------------------

FULL = {
    "concern": "Shouting and a smashed window reported by neighbours",
    "child_voice": "Said she was scared and hid upstairs",
    "child_location": "At home with her mother",
    "household_members": "Mother 1990-01-01; brother 2015-02-02",
    "parental_responsibility": "Mother and father jointly",
    "risk_reason": "Graded amber: repeat incidents at the address",
    "communication_needs": "None identified, English first language",
    "other_agencies": "School and health visitor",
    "parents_aware": "Yes, mother informed at scene",
}


def _ppn(ref: str, lake: MiniLake | None = None, person: str = "C1", **values: Any) -> MiniLake:
    lake = lake or Lake()
    if not any(p["person_ref"] == person for p in lake.people):
        lake.person(person)
    values.setdefault("grade", "amber")
    values.setdefault("submitted_at", T)
    lake.add("ppns", ppn_ref=ref, subject_person_ref=person, **values)
    lake.on("ppns", ref, person, "subject")
    return lake


def test_quality_score_counts_only_meaningful_fields() -> None:
    lake = _ppn("P1", incident_at=T - timedelta(hours=24), **FULL)
    thin = dict(FULL, child_voice="n/a", other_agencies="Unknown", parents_aware="Yes")
    _ppn("P2", lake, incident_at=T - timedelta(hours=24, seconds=1), **thin)
    _ppn("P3", lake)  # nothing but the grade
    built(lake)
    p1, p2 = row(lake, "board_ppn", "ppn_ref", "P1"), row(lake, "board_ppn", "ppn_ref", "P2")
    assert p1["quality_score"] == 100 and p1["quality_missing"] == ""
    assert p2["quality_score"] == 100 - 20 - 5 - 5 - 5
    assert p2["quality_missing"] == "child_voice, other_agencies, parents_aware"
    assert row(lake, "board_ppn", "ppn_ref", "P3")["quality_score"] == 0


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        ("2024-03-30T22:30:00", "2024-03-31T00:00:00"),  # Saturday before spring forward: midnight GMT
        ("2024-03-31T12:00:00", "2024-03-31T23:00:00"),  # the change day itself: midnight BST
        ("2024-10-27T12:00:00", "2024-10-28T00:00:00"),  # fall-back day: midnight GMT
        ("2024-06-01T23:30:00", "2024-06-02T23:00:00"),  # 00:30 BST on 2 June: the end of 2 June London
    ],
)
def test_red_ppn_is_due_by_the_end_of_the_london_day(submitted: str, due: str) -> None:
    lake = _ppn("P1", grade="red", submitted_at=utc(submitted), shared_with_csc_at=utc(due))
    _ppn("P2", lake, grade="red", submitted_at=utc(submitted), shared_with_csc_at=utc(due) + timedelta(seconds=1))
    built(lake)
    p1 = row(lake, "board_ppn", "ppn_ref", "P1")
    assert p1["share_due_at"] == utc(due) and p1["share_status"] == "on_time"
    assert row(lake, "board_ppn", "ppn_ref", "P2")["share_status"] == "late"


def test_amber_ppn_sharing_within_24_hours_missing_and_out_of_order() -> None:
    lake = _ppn("P1", shared_with_csc_at=T + timedelta(hours=24))
    _ppn("P2", lake)
    _ppn("P3", lake, shared_with_csc_at=T - timedelta(hours=1))
    built(lake)
    assert row(lake, "board_ppn", "ppn_ref", "P1")["share_status"] == "on_time"
    assert row(lake, "board_ppn", "ppn_ref", "P2")["share_status"] == "overdue"
    assert row(lake, "board_ppn", "ppn_ref", "P3")["share_status"] == "out_of_order"


@pytest.mark.parametrize(
    ("incident", "deadline"),
    [
        ("2024-03-29T20:00:00", "2024-04-01T07:30:00"),  # Friday before spring forward -> Monday 08:30 BST
        ("2024-10-26T20:00:00", "2024-10-28T08:30:00"),  # Saturday before fall back -> Monday 08:30 GMT
        ("2024-05-01T23:30:00", "2024-05-02T07:30:00"),  # 00:30 BST Thursday -> 08:30 BST that Thursday
    ],
)
def test_operation_encompass_deadline_is_the_next_school_day(incident: str, deadline: str) -> None:
    lake = _ppn(
        "P1", concern_type="domestic_abuse", incident_at=utc(incident), submitted_at=utc(incident),
        school_notified_at=utc(deadline),
    )  # fmt: skip
    _ppn("P2", lake, concern_type="neglect", incident_at=utc(incident), submitted_at=utc(incident))
    built(lake)
    p1 = row(lake, "board_ppn", "ppn_ref", "P1")
    assert p1["school_due_at"] == utc(deadline) and p1["school_status"] == "on_time"
    assert row(lake, "board_ppn", "ppn_ref", "P2")["school_status"] is None


def test_three_greens_in_ninety_days_escalate() -> None:
    lake = Lake()
    for n, days in enumerate((0, 30, 89)):
        _ppn(f"P{n}", lake, grade="green", incident_at=T + timedelta(days=days), submitted_at=T + timedelta(days=days))
    _ppn("Q1", lake, person="C2", grade="green", incident_at=T, submitted_at=T)
    built(lake)
    assert row(lake, "board_ppn", "ppn_ref", "P2")["green_escalation"]
    assert not row(lake, "board_ppn", "ppn_ref", "P1")["green_escalation"]
    assert not row(lake, "board_ppn", "ppn_ref", "Q1")["green_escalation"]


def test_child_to_notice() -> None:
    lake = Lake()
    lake.person("C1")
    for ref in ("I1", "I2", "I3"):
        lake.add("incidents", incident_ref=ref, occurred_at=T)
        lake.on("incidents", ref, "C1", "victim")
    lake.add("incidents", incident_ref="I4", occurred_at=T, child_present=False)
    _ppn("P1", lake, incident_ref="I1", submitted_at=T + timedelta(hours=24))
    _ppn("P2", lake, incident_ref="I2", submitted_at=T + timedelta(hours=25))
    built(lake)
    got = dict(lake.con.execute("SELECT incident_ref, status FROM board_child_to_notice").fetchall())
    assert got == {"I1": "on_time", "I2": "late", "I3": "no_ppn"}


# --- online referrals ------------------------------------------------------------------------------


def test_decision_table_examples() -> None:
    assert grade({"access_own_children": True, "facilitator_grooming": True}) == "very_high"
    assert grade({"access_through_work": True, "previous_contact_offence": True}) == "very_high"
    assert grade({"access_partner_children": True}) == "high"
    assert grade({"previous_sexual_conviction": True}) == "high"
    assert grade({"previous_sexual_allegation": True}) == "medium"
    assert grade({"other_convictions": True, "other_substance_misuse": True}) == "medium"
    assert grade({"other_convictions": True}) == "low"
    assert grade({}) == "low"


def test_sql_and_python_decision_tables_agree() -> None:
    rng = random.Random(8)
    answers = sorted(ANSWERS)
    cases = [dict.fromkeys(answers, False)] + [{a: rng.random() < 0.25 for a in answers} for _ in range(300)]
    lake = Lake()
    for n, case in enumerate(cases):
        lake.add("online_referrals", referral_ref=f"R{n}", received_at=T, **case)
    online = load_levels()["online"]
    got = lake.con.execute(f"SELECT referral_ref, {priority_sql(online)} FROM online_referrals").fetchall()
    sql = {ref: priority for ref, priority in got}
    assert {f"R{n}": grade(case) for n, case in enumerate(cases)} == sql
    assert len(set(sql.values())) == 4  # every priority is reached


def test_online_deadline_exactly_at_the_limit_and_graded_down() -> None:
    lake = Lake()
    very_high = {"access_own_children": True, "facilitator_grooming": True}
    lake.add("online_referrals", referral_ref="R1", received_at=T, enforcement_at=T + timedelta(hours=24), **very_high)
    lake.add("online_referrals", referral_ref="R2", received_at=T, enforcement_at=T + timedelta(hours=24, minutes=1),
             recorded_priority="high", **very_high)  # fmt: skip
    lake.add("online_referrals", referral_ref="R3", received_at=T, recorded_priority="low")
    lake.add("online_referrals", referral_ref="R4", received_at=LATER - timedelta(days=1), previous_prison=True)
    built(lake)
    r1, r2 = row(lake, "board_online", "referral_ref", "R1"), row(lake, "board_online", "referral_ref", "R2")
    assert (r1["priority"], r1["status"], r1["graded_down"]) == ("very_high", "actioned_in_time", False)
    assert (r2["status"], r2["graded_down"]) == ("actioned_late", True)
    r3 = row(lake, "board_online", "referral_ref", "R3")
    assert (r3["priority"], r3["status"], r3["graded_down"]) == ("low", "overdue", False)
    r4 = row(lake, "board_online", "referral_ref", "R4")
    assert r4["status"] == "open" and r4["deadline_at"] == LATER - timedelta(days=1) + timedelta(days=90)


# --- registered sex offenders ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("disposal", "months", "under_18", "period", "ends"),
    [
        ("custody", 30, False, None, None),  # indefinite
        ("custody", 29, False, 120, date(2030, 1, 15)),
        ("custody", 7, True, 60, date(2025, 1, 15)),
        ("custody", 6, False, 84, date(2027, 1, 15)),
        ("custody", 6, True, 42, date(2023, 7, 15)),
        ("community", None, False, 60, date(2025, 1, 15)),
        ("caution", None, True, 12, date(2021, 1, 15)),
        ("caution", None, False, 24, date(2022, 1, 15)),
    ],
)
def test_notification_period(
    disposal: str, months: int | None, under_18: bool, period: int | None, ends: date | None
) -> None:
    lake = Lake()
    lake.person("O1", dob=ADULT_DOB)
    lake.add(
        "offenders", offender_ref="R1", person_ref="O1", conviction_date=date(2020, 1, 15),
        registered_on=date(2020, 1, 16), disposal=disposal, sentence_months=months, under_18_at_conviction=under_18,
    )  # fmt: skip
    got = row(built(lake), "board_rso", "offender_ref", "R1")
    assert (got["period_months"], got["notification_ends_on"], got["indefinite"]) == (period, ends, period is None)
    if period is None:
        assert got["review_from_on"] == date(2035, 1, 16)  # 15 years from the initial notification (s.91B)


def test_visits_arms_and_alerts() -> None:
    lake = Lake()
    lake.person("O1", dob=ADULT_DOB)
    lake.person("C1")
    lake.add("offenders", offender_ref="R1", person_ref="O1", registered_on=date(2024, 1, 2), disposal="community")
    lake.add("offender_assessments", assessment_ref="A1", offender_ref="R1", assessed_on=date(2024, 2, 1),
             priority="high", next_due_on=date(2024, 8, 1))  # fmt: skip
    lake.add("offender_visits", visit_ref="V1", offender_ref="R1", planned_on=date(2024, 3, 1),
             visited_at=datetime(2024, 3, 15, 23, 59, tzinfo=UTC))  # fmt: skip  # last minute of the 14 days' grace
    lake.add("offender_visits", visit_ref="V2", offender_ref="R1", planned_on=date(2024, 6, 1))
    lake.add("offender_visits", visit_ref="V3", offender_ref="R1", planned_on=date(2025, 6, 1))
    lake.add("incidents", incident_ref="I1", occurred_at=T)
    lake.on("incidents", "I1", "O1", "suspect")
    lake.on("incidents", "I1", "C1", "victim")
    built(lake)
    got = row(lake, "board_rso", "offender_ref", "R1")
    assert (got["arms_priority"], got["arms_status"]) == ("high", "overdue")
    assert (got["visits_planned"], got["visits_done"], got["visits_on_time"], got["visits_overdue"]) == (2, 1, 1, 1)
    assert got["next_visit_on"] == date(2024, 6, 1)
    # High priority: a visit every 3 months from the last one (15 March), plus the 14 days' tolerance.
    assert got["visit_due_on"] == date(2024, 6, 29) and got["visit_due_passed"]
    alerts = lake.con.execute("SELECT kind, record_ref, child_id FROM board_rso_alerts").fetchall()
    assert alerts == [("with_child_on_record", "I1", "P-C1")]


# --- monthly measures ------------------------------------------------------------------------------


def test_monthly_measures_use_london_months() -> None:
    lake = Lake()
    lake.person("C1")
    # Found 23:30 UTC on 31 March 2024 = 00:30 BST on 1 April: an April return.
    found = utc("2024-03-31T23:30:00")
    lake.missing("E1", "C1", found - timedelta(hours=3), found_at=found, rhi_done_at=found + timedelta(hours=10))
    lake.missing("E2", "C1", utc("2024-04-10T10:00:00"), found_at=utc("2024-04-10T12:00:00"))
    built(lake)
    got = lake.con.execute(
        "SELECT month, numerator, denominator, value FROM monthly_measures WHERE measure = 'rhi_within_72h'"
    ).fetchall()
    assert got == [(date(2024, 4, 1), 1, 2, 0.5)]
    columns = [c[0] for c in lake.con.sql("DESCRIBE monthly_measures").fetchall()]
    assert columns == ["board", "measure", "label", "month", "numerator", "denominator", "value"]


def test_every_required_measure_and_board_table_matches_the_snapshot_schema() -> None:
    from safeguarding.snapshot.schema import TABLES

    lake = Lake()
    built(lake)
    for table in clocks.BOARD_TABLES:
        made = [c[0] for c in lake.con.sql(f"DESCRIBE {table}").fetchall()]
        declared = [line.split()[0] for line in TABLES[table].strip().splitlines()]
        assert made == declared, table
    listed = {(b, m) for b, m, _l, _q in clocks.measures.MEASURES}
    required = {("missing", "rhi_within_72h"), ("missing", "repeat_missing_rate"), ("custody", "aa_median_minutes"),
                ("ppn", "mean_quality"), ("ppn", "shared_within_sla"), ("online", "actioned_by_deadline")}  # fmt: skip
    assert required <= listed


def test_every_answer_combination_of_one_or_two_yeses_grades() -> None:
    for a, b in itertools.combinations(sorted(ANSWERS), 2):
        assert grade({a: True, b: True}) in ("low", "medium", "high", "very_high")


# --- a force's own service levels (the service_levels_file setting) -------------------------------------


@pytest.fixture
def levels_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "force-levels.yaml"
    yield path
    use_levels_file(None)  # back to the package's defaults for every other test
    assert load_levels()["missing"]["rhi_within_hours"] == 72


def test_a_forces_service_level_file_overrides_the_defaults_key_by_key(levels_file: Path) -> None:
    levels_file.write_text("missing:\n  rhi_within_hours: 48\nonline:\n  deadline_hours: {very_high: 12, high: 96,"
                           " medium: 720, low: 2160}\n", encoding="utf-8")  # fmt: skip
    use_levels_file(str(levels_file))
    levels = load_levels()
    assert levels["missing"]["rhi_within_hours"] == 48
    assert levels["missing"]["repeat_episodes"] == 3  # not given: the package's default
    assert levels["online"]["deadline_hours"]["very_high"] == 12
    assert levels["custody"]["aa_request_within_minutes"] == 60
    found = T + timedelta(hours=5)
    lake = _missing(E1={"found_at": found, "rhi_done_at": found + timedelta(hours=60)})
    assert row(lake, "board_missing", "episode_ref", "E1")["rhi_status"] == "done_late"  # on time under 72 hours


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("missing:\n  rhi_within_hours: soon\n", "missing.rhi_within_hours"),
        ("missing:\n  rhi_within_hourz: 48\n", "missing.rhi_within_hourz"),
        ("misssing:\n  rhi_within_hours: 48\n", "'misssing'"),
        ("ppn: 24\n", "ppn"),
        ("missing: [rhi_within_hours\n", "not valid YAML"),
        ("- 1\n- 2\n", "expected sections"),
        ("online:\n  decision_table: [{priority: urgent}]\n", "online.decision_table row 1: unknown priority"),
        ("online:\n  decision_table: [very_high]\n", "online.decision_table row 1: not a mapping"),
    ],
)
def test_a_malformed_service_level_file_names_the_file_and_key(levels_file: Path, text: str, named: str) -> None:
    levels_file.write_text(text, encoding="utf-8")
    with pytest.raises(ServiceLevelError) as caught:
        use_levels_file(levels_file)
    assert str(caught.value).startswith(str(levels_file)) and named in str(caught.value)
    assert load_levels()["missing"]["rhi_within_hours"] == 72  # the defaults stay in force


def test_a_missing_service_level_file_is_refused(levels_file: Path) -> None:
    with pytest.raises(ServiceLevelError, match="cannot read the service-level file"):
        use_levels_file(levels_file)
