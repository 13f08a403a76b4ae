"""One policy (src/safeguarding/policy/): a leaf package that rules, clocks and boards all read, so a number
is defined once and a force's own service-level file reaches every reader at the time it reads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from safeguarding import policy
from safeguarding.assess.rules_catalogue import RuleError, load_rules, parse_rule
from safeguarding.policy.levels import load_levels, use_levels_file
from safeguarding.web.data import boards
from safeguarding.web.data.reader import Snapshot

PACKAGE = Path(policy.__file__).parent


@pytest.fixture
def levels_file(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "force-levels.yaml"
    use_levels_file(None)  # the package's defaults again for every other test
    assert load_levels()["offenders"]["caseload_warning"] == 50


def test_policy_is_a_leaf_package() -> None:
    for source in PACKAGE.glob("*.py"):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        imported += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        inside = [m for m in imported if m.startswith("safeguarding.")]
        assert all(m.startswith("safeguarding.policy") for m in inside), (source.name, inside)


def test_rules_read_the_shared_numbers_from_the_policy() -> None:
    rules = {r.id: r for r in load_rules()}
    ppn = load_levels()["ppn"]
    assert rules["green_ppn_escalation"].params["window_days"] == ppn["green_escalation_days"] == 90
    assert rules["green_ppn_escalation"].params["threshold"] == ppn["green_escalation_count"]
    missing = load_levels()["missing"]
    assert rules["repeat_missing"].params["window_days"] == missing["repeat_days"]
    assert rules["repeat_missing"].params["threshold"] == missing["repeat_episodes"]


def test_a_forces_file_moves_rule_and_board_together(levels_file: Path) -> None:
    levels_file.write_text("ppn:\n  green_escalation_days: 30\n", encoding="utf-8")
    use_levels_file(levels_file)
    rules = {r.id: r for r in load_rules()}
    assert rules["green_ppn_escalation"].params["window_days"] == 30
    assert "30 days" in policy.text(boards.PPN.intro)


def test_an_unknown_policy_reference_names_the_rule_file() -> None:
    text = (
        "id: x\nversion: 1\ntitle: X\ncategory: missing\ndescription: d\nreads: []\nwindow_days: policy:missing.nope\n"
        "threshold: 1\nweight: 1\nseverity: standard\nsql: SELECT {window_days}\n"
    )
    with pytest.raises(RuleError, match=r"rules/x.yaml: the policy has no 'missing.nope'"):
        parse_rule(text, "rules/x.yaml")


def _rso_snapshot(tmp_path: Path, offenders: int) -> Snapshot:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE board_rso (offender_ref VARCHAR, offender_manager VARCHAR, status VARCHAR,"
        " arms_priority VARCHAR, visits_overdue INTEGER, arms_status VARCHAR)"
    )
    for n in range(offenders):
        con.execute("INSERT INTO board_rso VALUES (?, 'DC1', 'active', 'low', 0, 'in_date')", [f"R{n}"])
    return Snapshot(tmp_path / "s.duckdb", "", con, {"board_rso": frozenset()})


def test_the_caseload_warning_in_force_is_read_when_the_board_is_queried(levels_file: Path, tmp_path: Path) -> None:
    # Reproduced before: boards.py read the level at import, so a force's 5 left the board at 50.
    caseload = next(s for s in boards.OFFENDERS.sections if s.key == "caseload")
    snap = _rso_snapshot(tmp_path, 6)
    found = boards.query(snap, caseload, snap.moment, None)
    assert found is not None and found[0][0]["at_warning"] is False
    levels_file.write_text("offenders:\n  caseload_warning: 5\n", encoding="utf-8")
    use_levels_file(levels_file)
    found = boards.query(snap, caseload, snap.moment, None)
    assert found is not None and found[0][0]["at_warning"] is True


def test_texts_say_the_hours_in_force(levels_file: Path, tmp_path: Path) -> None:
    levels_file.write_text("missing:\n  rhi_within_hours: 48\n", encoding="utf-8")
    use_levels_file(levels_file)
    rhi = next(s for s in boards.MISSING.sections if "interview" in s.intro)
    shown = boards.section(_rso_snapshot(tmp_path, 0), rhi, boards.data_as_of(_rso_snapshot(tmp_path, 0)))
    assert "within 48 hours" in shown.intro and "72" not in shown.intro
