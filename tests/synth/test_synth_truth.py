"""The planted truth: every scenario is in the records it claims, expectations are coherent, negatives are apart."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from force_files import REF_FIELD, mention_truth, people_on, rows, scenarios, truth_csv

from safeguarding.synth.force import SCENARIO_KINDS

CATEGORIES = {
    "sexual_exploitation", "criminal_exploitation", "missing", "domestic_abuse", "online", "sex_offender_contact",
    "custody", "place",
}  # fmt: skip


def test_every_scenario_kind_is_planted_with_its_truth(tiny_force: Path) -> None:
    planted = scenarios(tiny_force)
    assert {s["kind"] for s in planted} == set(SCENARIO_KINDS)
    for s in planted:
        assert s["members"] and s["records"], s["scenario_id"]
        assert s["negative"] == s["kind"].startswith("neg_")
        assert s["category"] in CATEGORIES
        if s["harm_on"]:
            assert s["onset_on"] <= s["harm_on"]


def test_every_claimed_record_is_in_the_exports(tiny_force: Path) -> None:
    exported = {
        (record_type, r[field]) for record_type, field in REF_FIELD.items() for r in rows(tiny_force, record_type)
    }
    claimed = {(c["record_type"], c["ref"]) for s in scenarios(tiny_force) for c in s["records"]}
    assert claimed and claimed <= exported


def test_every_scenario_member_appears_on_the_scenarios_records(tiny_force: Path) -> None:
    on = people_on(tiny_force)
    for s in scenarios(tiny_force):
        seen = set().union(*(on.get((c["record_type"], c["ref"]), set()) for c in s["records"]))
        members = {m["true_person_id"] for m in s["members"]}
        assert members <= seen, (s["kind"], members - seen)


def test_exploitation_scenarios_escalate_before_the_harm(tiny_force: Path) -> None:
    episodes = {r["episode_ref"]: r for r in rows(tiny_force, "missing_episodes")}
    for s in scenarios(tiny_force):
        if s["kind"] not in ("cse_network", "county_lines"):
            continue
        mine = [episodes[c["ref"]] for c in s["records"] if c["record_type"] == "missing_episodes"]
        assert len(mine) >= 6
        assert any(e["risk_grade"] == "high" for e in mine)
        text = " ".join(e["narrative"] for e in mine)
        if s["kind"] == "cse_network":
            place = s["places"][0]["location_ref"]
            assert any(e["found_location_ref"] == place for e in mine) or "hotel" in text or "older male" in text
        else:
            assert any(e["found_postcode"] and not e["found_postcode"].startswith(("BH", "DT")) for e in mine)
        types = {c["record_type"] for c in s["records"]}
        assert {"intelligence_logs", "crimes", "custody_detentions"} <= types
        assert all(e["reported_at"][:10] <= s["harm_on"] for e in mine)


def test_expectations_are_coherent(tiny_force: Path) -> None:
    people = {r["true_person_id"]: r for r in truth_csv(tiny_force, "people.csv")}
    options_start = date(2023, 1, 1)
    expected = truth_csv(tiny_force, "expected.csv")
    assert {r["category"] for r in expected} >= {"missing", "sexual_exploitation", "criminal_exploitation",
                                                 "domestic_abuse", "online", "sex_offender_contact"}  # fmt: skip
    for r in expected:
        assert r["category"] in CATEGORIES
        person = people[r["true_person_id"]]
        # The background's own repeat domestic abuse and online suspects' households (background_truth.py).
        planted_as = "background" if r["scenario"].startswith("background_") else r["scenario"]
        assert person["date_of_birth"] and person["scenario"] == planted_as
        by = date.fromisoformat(r["expected_by"])
        assert options_start <= by <= date(2024, 1, 1)
        if r["harm_on"]:
            assert by <= date.fromisoformat(r["harm_on"])
        # A child when they should be flagged.
        born = date.fromisoformat(person["date_of_birth"])
        assert (by.year - born.year - ((by.month, by.day) < (born.month, born.day))) < 18
    locations = {r["location_ref"] for r in rows(tiny_force, "locations")}
    places = truth_csv(tiny_force, "expected_places.csv")
    assert places and {p["location_ref"] for p in places} <= locations
    groups = truth_csv(tiny_force, "expected_groups.csv")
    assert groups
    for g in groups:
        assert set(g["members"].split("|")) <= set(people)


def test_hard_negatives_are_marked_and_never_expected(tiny_force: Path) -> None:
    negatives = truth_csv(tiny_force, "negatives.csv")
    kinds = {n["scenario"] for n in negatives}
    assert {"spread_missing", "neg_childrens_home_relative", "neg_football_parent", "neg_family_adults",
            "neg_one_off_domestic", "neg_sleepover"} <= kinds  # fmt: skip
    expected = {r["true_person_id"] for r in truth_csv(tiny_force, "expected.csv")}
    assert not expected & {n["true_person_id"] for n in negatives}
    people = {r["true_person_id"]: r["scenario"] for r in truth_csv(tiny_force, "people.csv")}
    assert all(people[n["true_person_id"]] == n["scenario"] for n in negatives)
    assert sum(1 for s in people.values() if s == "single_missing") > 20


def test_children_at_risk_have_adults_around_them(tiny_force: Path) -> None:
    people = truth_csv(tiny_force, "people.csv")
    adults = [p for p in people if p["is_child"] == "false"]
    children = [p for p in people if p["is_child"] == "true"]
    assert len(adults) > len(children) / 2
    roles = {p["scenario_role"] for p in people}
    assert {"main_groomer", "line_holder", "perpetrator", "registered_sex_offender", "online_suspect"} <= roles


def test_background_domestic_abuse_children_saw_three_incidents_at_home_within_a_year(tiny_force: Path) -> None:
    expected = [r for r in truth_csv(tiny_force, "expected.csv") if r["scenario"] == "background_domestic_abuse"]
    assert expected
    on = people_on(tiny_force)
    times: dict[str, list[str]] = {}
    for i in rows(tiny_force, "incidents"):
        if i["category"] == "domestic_abuse":
            for pid in on.get(("incidents", i["incident_ref"]), set()):
                times.setdefault(pid, []).append(i["occurred_at"][:10])
    for r in expected:
        days = sorted(date.fromisoformat(t) for t in times[r["true_person_id"]])
        by = date.fromisoformat(r["expected_by"])
        assert sum(1 for d in days if d <= by and (by - d).days < 366) >= 3, r


def test_background_online_access_children_live_with_a_suspect_who_has_access(tiny_force: Path) -> None:
    expected = [r for r in truth_csv(tiny_force, "expected.csv") if r["scenario"] == "background_online_access"]
    people = {r["true_person_id"]: r for r in truth_csv(tiny_force, "people.csv")}
    truth = mention_truth(tiny_force)
    access = ("access_own_children", "access_partner_children", "access_friends_children",
              "access_neighbours_children", "access_through_work")  # fmt: skip
    homes = {
        (people[truth[("online", r["suspect_person_ref"])]]["household"], r["received_at"][:10])
        for r in rows(tiny_force, "online_referrals")
        if any(r[k] == "true" for k in access)
    }
    assert expected
    for r in expected:
        child = people[r["true_person_id"]]
        assert (child["household"], r["expected_by"]) in homes, r
