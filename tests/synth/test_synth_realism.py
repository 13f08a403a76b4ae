"""Realism: real Dorset geography, UK-like people, varied recording, risk language, missed service levels."""

from __future__ import annotations

import csv
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path

from force_files import mention_truth, rows, truth_csv

from safeguarding.synth.force import SynthOptions, generate
from safeguarding.synth.people import Variation


def test_places_sit_on_real_dorset_postcodes(tiny_force: Path) -> None:
    data = resources.files("safeguarding.synth.data").joinpath("dorset_postcodes.csv")
    with data.open(encoding="utf-8") as fh:
        real = {r["postcode"] for r in csv.DictReader(fh)}
    locations = rows(tiny_force, "locations")
    assert {loc["postcode"] for loc in locations} <= real
    types = Counter(loc["place_type"] for loc in locations)
    for needed in ("home", "childrens_home", "foster_home", "school", "hotel", "park", "takeaway", "station"):
        assert types[needed], needed
    assert any(loc["place_name"] == "Bournemouth station" for loc in locations)


def test_people_look_like_the_county(tiny_force: Path) -> None:
    people = truth_csv(tiny_force, "people.csv")
    ethnicity = Counter(p["ethnicity"] for p in people)
    assert 0.75 <= ethnicity["W1"] / len(people) <= 0.95
    sexes = Counter(p["sex"] for p in people)
    assert sexes["M"] > 0.3 * len(people) and sexes["F"] > 0.3 * len(people)
    assert len({p["surname"] for p in people}) > 200


def test_mentions_vary_in_every_way_linkage_must_undo(tiny_force: Path) -> None:
    truth = mention_truth(tiny_force)
    real = {p["true_person_id"]: p for p in truth_csv(tiny_force, "people.csv")}
    seen: Counter[str] = Counter()
    for m in rows(tiny_force, "persons"):
        p = real[truth[(m["source_system"], m["person_ref"])]]
        if not m["date_of_birth"]:
            seen["missing dob"] += 1
        elif m["date_of_birth"] != p["date_of_birth"]:
            y, mo, d = p["date_of_birth"].split("-")
            seen["swapped day and month" if m["date_of_birth"] == f"{y}-{d}-{mo}" else "other dob"] += 1
        if m["surname"] != p["surname"]:
            seen["surname"] += 1
        if m["forenames"] != p["forenames"]:
            seen["forenames"] += 1
        if m["postcode"] and m["postcode"] != p["postcode"]:
            seen["old address"] += 1
    for kind in ("missing dob", "swapped day and month", "other dob", "surname", "forenames", "old address"):
        assert seen[kind] > 0, kind
    assert any(m["aliases"] for m in rows(tiny_force, "persons"))  # exploiters' street names
    # The same person is held by several systems, and sometimes twice by one.
    per_person: dict[str, set[str]] = defaultdict(set)
    duplicates: Counter[tuple[str, str]] = Counter()
    for (system, _ref), person in truth.items():
        per_person[person].add(system)
        duplicates[(system, person)] += 1
    assert sum(1 for systems in per_person.values() if len(systems) > 1) > 100
    assert sum(1 for n in duplicates.values() if n > 1) > 20


def test_no_variation_means_every_mention_is_exact(tmp_path: Path) -> None:
    none = Variation(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    generate(SynthOptions(seed=2, variation=none), tmp_path)
    truth = mention_truth(tmp_path)
    real = {p["true_person_id"]: p for p in truth_csv(tmp_path, "people.csv")}
    for m in rows(tmp_path, "persons"):
        p = real[truth[(m["source_system"], m["person_ref"])]]
        assert (m["forenames"], m["date_of_birth"], m["postcode"]) == (
            p["forenames"],
            p["date_of_birth"],
            p["postcode"],
        )


def test_narratives_carry_risk_negation_and_victim_blaming(tiny_force: Path) -> None:
    text = " ".join(e["narrative"] for e in rows(tiny_force, "missing_episodes")).lower()
    for phrase in ("older male", "new phone", "cash", "out of area", "no concerns of exploitation",
                   "missing through choice", "putting themselves at risk"):  # fmt: skip
        assert phrase in text, phrase
    incidents = rows(tiny_force, "incidents")
    assert all(i["narrative"] and i["thrive_grade"] for i in incidents)
    assert any(i["vehicle_registrations"] for i in incidents)


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_service_levels_are_met_mostly_and_missed_sometimes(tiny_force: Path) -> None:
    episodes = rows(tiny_force, "missing_episodes")
    unratified = sum(1 for e in episodes if not e["ratified_at"])
    late = sum(1 for e in episodes if e["risk_grade"] == "high" and e["ratified_at"]
               and _t(e["ratified_at"]) - _t(e["graded_at"]) > timedelta(hours=1))  # fmt: skip
    assert 0 < unratified < 0.2 * len(episodes) and late > 0
    children = [e for e in episodes if e["rhi_offered"] == "true"]
    in_72h = sum(
        1 for e in children if e["rhi_done_at"] and _t(e["rhi_done_at"]) - _t(e["found_at"]) <= timedelta(hours=72)
    )
    assert 0.5 <= in_72h / len(children) <= 0.75  # nationally about 63%
    juveniles = [c for c in rows(tiny_force, "custody_detentions") if c["appears_under_18"] == "true"]
    assert juveniles and all(c["aa_requested_at"] and c["aa_arrived_at"] for c in juveniles)
    ppns = rows(tiny_force, "ppns")
    shared_late = sum(1 for p in ppns if p["shared_with_csc_at"]
                      and _t(p["shared_with_csc_at"]) - _t(p["submitted_at"]) > timedelta(hours=24))  # fmt: skip
    assert 0 < shared_late < 0.3 * len(ppns)
    assert any(p["school_notified_at"] for p in ppns)
    assert any(p["child_voice"] in ("", "n/a", "unknown", "none", "N/K") for p in ppns)
    visits = rows(tiny_force, "offender_visits")
    overdue = sum(1 for v in visits if v["visited_at"] and v["visited_at"][:10] > v["planned_on"])
    assert visits and overdue < 0.5 * len(visits)


def test_intelligence_is_graded_3x5x2(tiny_force: Path) -> None:
    logs = rows(tiny_force, "intelligence_logs")
    assert {x["source_evaluation"] for x in logs} <= {"1", "2", "3"}
    assert len({x["intelligence_assessment"] for x in logs}) >= 4
    assert all(x["handling_conditions"] for x in logs if x["handling_code"] == "C")


def test_online_referrals_follow_the_kirat_style_table_mostly(tiny_force: Path) -> None:
    from safeguarding.synth.records.intelligence import ANSWERS, kirat_priority

    referrals = rows(tiny_force, "online_referrals")
    assert referrals
    agree = sum(1 for r in referrals if kirat_priority({k: r[k] == "true" for k in ANSWERS}) == r["recorded_priority"])
    assert agree >= 0.7 * len(referrals)
