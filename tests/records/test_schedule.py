"""The retention schedule: its checks, the groups it gives, and each record's review and disposal dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from records_data import build
from safeguarding.config import Settings
from safeguarding.records.schedule import ScheduleError, add_years, load_schedule, parse, use_schedule_file
from safeguarding.snapshot import store


def test_the_default_schedule_places_records_in_the_national_groups() -> None:
    schedule = load_schedule()
    assert set(schedule.groups) == {"group_1", "group_2", "group_3", "group_4"}
    assert schedule.group_for("offenders", "active", None, False).id == "group_1"
    assert schedule.group_for("crimes", "sexual", "charged", False).id == "group_1"
    assert schedule.group_for("crimes", "violence", "no_further_action", False).id == "group_2"
    assert schedule.group_for("crimes", "theft", "no_further_action", False).id == "group_4"
    assert schedule.group_for("crimes", "theft", "charged", False).id == "group_3"
    assert schedule.group_for("missing_episodes", "high", None, True).id == "group_2"
    assert schedule.group_for("missing_episodes", "low", None, True).id == "group_3"
    assert schedule.groups["group_1"].keep_until_subject_age == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"group": "g"}]}, "'groups' must map"),
        ({"groups": {"g": {"title": "G"}}, "rules": [{"group": "g"}]}, r"groups\.g\.review_after_years"),
        ({"groups": {"g": {"title": "G", "review_after_years": 6}}, "rules": [{"group": "h"}]}, r"rules\[0\]"),
        ({"groups": {"g": {"title": "G", "review_after_years": 6}},
          "rules": [{"group": "g", "record_types": ["persons"]}, {"group": "g"}]}, "persons is not reviewed"),
        ({"groups": {"g": {"title": "G", "review_after_years": 6}},
          "rules": [{"group": "g", "record_types": ["crimes"]}]}, "last rule must be a default"),
        ({"groups": {"g": {"title": "G", "review_after_years": 6}}, "rules": [{"group": "g", "colour": 1}]},
         "unknown key"),
    ],
)  # fmt: skip
def test_a_malformed_schedule_is_refused_naming_the_key(data: object, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse(data, "force.yaml")


def test_a_force_schedule_file_replaces_the_default_and_a_bad_one_names_the_file(tmp_path: Path) -> None:
    good = tmp_path / "retention.yaml"
    good.write_text("groups: {short: {title: Short, review_after_years: 1}}\nrules: [{group: short}]\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: [1, 2\n")
    try:
        use_schedule_file(good)
        assert load_schedule().group_for("crimes", "sexual", None, False).id == "short"
        with pytest.raises(ScheduleError, match=r"bad\.yaml: not valid YAML"):
            use_schedule_file(bad)
        assert load_schedule().source == str(good)  # the schedule in force stays as it was
    finally:
        use_schedule_file(None)
    assert load_schedule().source.startswith("retention.yaml")


def test_add_years_handles_the_leap_day() -> None:
    assert add_years(date(2012, 2, 29), 6) == date(2018, 2, 28)
    assert add_years(date(2012, 2, 29), 4) == date(2016, 2, 29)


def test_review_and_disposal_dates_from_the_lake(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    build(settings, tmp_path)
    with duckdb.connect(str(store.current(settings.snapshot_dir).path), read_only=True) as con:
        rows = {
            r[0]: r[1:]
            for r in con.execute(
                "SELECT record_ref, group_id, child_involved, review_on, earliest_disposal, person_ids "
                "FROM record_reviews"
            ).fetchall()
        }
    # A sexual offence: group 1, reviewed after 10 years, not disposed of before the suspect (born 1985) is 100.
    assert rows["CR1"] == ("group_1", False, date(2025, 2, 1), date(2085, 6, 30), "P-3")
    # Theft, charged: group 3, six years.
    assert rows["CR2"] == ("group_3", False, date(2023, 5, 1), date(2023, 5, 1), "P-3")
    # A child's missing episode of 2021 would fall due in 2027, but not before the child (born 2 Apr 2010) is 18.
    assert rows["ME1"] == ("group_3", True, date(2028, 4, 2), date(2028, 4, 2), "P-1")
    # The incident's people come from record_persons; two children are on it.
    assert rows["IN1"][1:] == (True, date(2030, 3, 5), date(2030, 3, 5), "P-1,P-2,P-3")
