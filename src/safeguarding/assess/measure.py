"""Measuring the assessment against the synthetic force's planted truth (``safeguarding assess evaluate``).

- recall: planted at-risk children (truth/expected.csv) with a person alert, over all of them;
- precision: alerted children who are planted at risk, over all alerted children (hard negatives and
  background children count against it);
- median_lead_days: for planted children with a serious-harm date, the days from the first week in which
  an alert would have been raised to the harm. Found by replaying the assessment as of each week, using
  only records reported by then. Persons are the final linkage's (linkage is not replayed);
- groups and places: planted peer groups and places recovered by a group or place alert; ``places.pai``: the
  Prediction Accuracy Index of the hotspots measured out of time (places.out_of_time_pai);
- fairness: alert rate beside the planted base rate, by sex, ethnicity, age band and area.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import duckdb
import pyarrow as pa

from safeguarding.assess.assessment import assess, assess_children
from safeguarding.assess.places import out_of_time_pai
from safeguarding.assess.rules_catalogue import load_rules
from safeguarding.assess.scoring import load_scoring
from safeguarding.assess.truth import Truth, true_person_of
from safeguarding.progress import track


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 3) if b else None


def replay_first_alerts(
    connect: Callable[[], duckdb.DuckDBPyConnection],
    mentions: pa.Table,
    start: date,
    end: date,
    step_days: int = 7,
) -> dict[str, date]:
    """person_id -> the first as-of date (stepping ``step_days``) on which the person had an alert."""
    rules, config = load_rules(), load_scoring()
    first: dict[str, date] = {}
    days, day = [], start + timedelta(days=step_days)
    while day <= end + timedelta(days=step_days):
        days.append(day)
        day += timedelta(days=step_days)
    for day in track(days, f"Replaying the assessment every {step_days} days"):
        con = connect()
        assess_children(con, mentions, day, rules, config)
        for (pid,) in con.execute(
            "SELECT DISTINCT person_id FROM alert_staging WHERE subject_type = 'person'"
        ).fetchall():
            first.setdefault(str(pid), day)
        con.close()
    return first


def _age_band(dob: str, on: date) -> str:
    if not dob:
        return "unknown"
    born = date.fromisoformat(dob)
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return "0-9" if age < 10 else "10-12" if age < 13 else "13-15" if age < 16 else "16-17"


def fairness(truth: Truth, alerted: set[str], expected: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Alert rate and planted base rate among children who appear in the records, by group."""
    out: dict[str, list[dict[str, Any]]] = {}
    children = [p for p in truth.people.values() if p["is_child"] == "true"]
    keys: dict[str, Callable[[dict[str, str]], str]] = {
        "sex": lambda p: p["sex"] or "unknown",
        "ethnicity": lambda p: (p["ethnicity"] or "NS")[:1],
        "age_band": lambda p: _age_band(p["date_of_birth"], truth.start),
        "area": lambda p: "".join(ch for ch in (p["postcode"] or "unknown").split(" ")[0] if ch.isalpha()),
    }
    for name, key in keys.items():
        n: Counter[str] = Counter()
        a: Counter[str] = Counter()
        b: Counter[str] = Counter()
        for p in children:
            k = key(p)
            n[k] += 1
            a[k] += p["true_person_id"] in alerted
            b[k] += p["true_person_id"] in expected
        out[name] = [
            {"group": k, "children": n[k], "alerted": a[k], "alert_rate": _ratio(a[k], n[k]),
             "planted": b[k], "base_rate": _ratio(b[k], n[k])}
            for k in sorted(n)
        ]  # fmt: skip
    return out


def measure(
    connect: Callable[[], duckdb.DuckDBPyConnection], mentions: pa.Table, truth: Truth, step_days: int = 7
) -> dict[str, Any]:
    """Every measure in the module docstring, as the JSON object `assess evaluate --json` prints."""
    tp = true_person_of(mentions, truth)
    con = connect()
    result = assess(con, mentions)
    pai = out_of_time_pai(con, load_scoring(), result.as_of) if result.as_of else None
    con.close()
    alerts = result.tables["alerts"].to_pylist()
    person_alerts: dict[str, set[str]] = defaultdict(set)
    for a in alerts:
        if a["subject_type"] == "person":
            person_alerts[tp.get(a["person_id"], a["person_id"])].add(a["category"])
    expected: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for row in truth.expected:
        expected[row["true_person_id"]][row["category"]] = row
    alerted = set(person_alerts)
    hit = alerted & set(expected)
    first = replay_first_alerts(connect, mentions, truth.start, truth.end, step_days)
    first_true: dict[str, date] = {}
    for pid, day in first.items():
        t = tp.get(pid, pid)
        first_true[t] = min(day, first_true.get(t, day))
    leads: dict[str, list[int]] = defaultdict(list)
    for tid, cats in expected.items():
        for cat, row in cats.items():
            if row["harm_on"] and tid in first_true:
                leads[cat].append((date.fromisoformat(row["harm_on"]) - first_true[tid]).days)
    all_leads = [v for tid in expected for v in _child_lead(expected[tid], first_true.get(tid))]
    categories = {}
    for cat in sorted({c for cats in expected.values() for c in cats}):
        ids = {t for t, cats in expected.items() if cat in cats}
        categories[cat] = {
            "expected": len(ids),
            "alerted": len(ids & alerted),
            "recall": _ratio(len(ids & alerted), len(ids)),
            "alerted_in_category": len({t for t in ids if cat in person_alerts.get(t, set())}),
            "median_lead_days": statistics.median(leads[cat]) if leads[cat] else None,
            "alerted_before_harm": sum(1 for v in leads[cat] if v > 0),
            "with_harm_date": sum(1 for t in ids if expected[t][cat]["harm_on"]),
        }
    negatives = {r["true_person_id"] for r in truth.negatives}
    return {
        "recall": _ratio(len(hit), len(expected)),
        "precision": _ratio(len(hit), len(alerted)),
        "median_lead_days": statistics.median(all_leads) if all_leads else None,
        "children_expected": len(expected),
        "children_alerted": len(alerted),
        "children_alerted_at_risk": len(hit),
        "hard_negatives_alerted": len(alerted & negatives),
        "hard_negatives": len(negatives),
        "categories": categories,
        "groups": _groups(result.tables, tp, truth),
        "places": {**_places(result.tables, truth), "pai": pai["pai"] if pai else None, "hotspot_accuracy": pai},
        "fairness": fairness(truth, alerted, set(expected)),
        "seed": truth.options.get("seed"),
        "scale": truth.options.get("scale"),
        "replay_step_days": step_days,
    }


def _child_lead(cats: dict[str, dict[str, str]], first: date | None) -> list[int]:
    harms = [date.fromisoformat(r["harm_on"]) for r in cats.values() if r["harm_on"]]
    return [(min(harms) - first).days] if harms and first else []


def _groups(tables: dict[str, pa.Table], tp: dict[str, str], truth: Truth) -> dict[str, Any]:
    alerted = {a["subject_id"] for a in tables["alerts"].to_pylist() if a["subject_type"] == "group"}
    members: dict[str, set[str]] = defaultdict(set)
    for row in tables["communities"].to_pylist():
        if row["community_id"] in alerted:
            members[row["community_id"]].add(tp.get(row["person_id"], row["person_id"]))
    found = 0
    for g in truth.groups:
        planted = set(g["members"].split("|"))
        best = max((len(planted & m) / len(planted) for m in members.values()), default=0.0)
        found += best >= 0.5
    return {"expected": len(truth.groups), "recovered": found, "recall": _ratio(found, len(truth.groups)),
            "group_alerts": len(alerted)}  # fmt: skip


def _places(tables: dict[str, pa.Table], truth: Truth) -> dict[str, Any]:
    alerted = {a["subject_id"] for a in tables["alerts"].to_pylist() if a["subject_type"] == "place"}
    planted = {p["location_ref"] for p in truth.places}
    return {"expected": len(planted), "recovered": len(planted & alerted),
            "recall": _ratio(len(planted & alerted), len(planted)), "place_alerts": len(alerted)}  # fmt: skip
