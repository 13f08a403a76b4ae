"""The linkage method on someone else's data: Splink's fake_1000 and the FEBRL sets (F1 >= 0.95)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from safeguarding.linkage.evaluate import pairwise_scores
from safeguarding.linkage.generic import ResolveError, parse_columns, resolve_file

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "linkage"
FEBRL_COLUMNS = (
    "first_name=given_name,surname=surname,dob=date_of_birth,postcode=postcode,address=address_1,town=suburb,"
    "identifier=soc_sec_id"
)

pytestmark = pytest.mark.skipif(not SHARED.exists(), reason=f"outside linkage data not found at {SHARED}")


def _predicted(out: Path) -> dict[str, str]:
    with out.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert next(reader) == ["record_id", "person_id"]
        return {row[0]: row[1] for row in reader}


@pytest.mark.parametrize("name", ["dataset1", "dataset2", "dataset3"])
def test_febrl(name: str, tmp_path: Path) -> None:
    source = SHARED / f"{name}.csv"
    out = tmp_path / "out.csv"
    summary = resolve_file(source, "rec_id", parse_columns(FEBRL_COLUMNS), out)
    with source.open(encoding="utf-8") as fh:
        # Records sharing rec-N are one person (FEBRL's own truth).
        truth = {r["rec_id"].strip(): r["rec_id"].split("-")[1] for r in csv.DictReader(fh, skipinitialspace=True)}
    predicted = _predicted(out)
    assert len(predicted) == summary.records == len(truth)  # every input row, singletons included
    scores = pairwise_scores(predicted, truth)
    assert scores.f1 >= 0.95, scores


def test_fake_1000(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    columns = "first_name=first_name,surname=surname,dob=dob,town=city,email=email"
    resolve_file(SHARED / "fake_1000.csv", "unique_id", parse_columns(columns), out)
    with (SHARED / "fake_1000.csv").open(encoding="utf-8") as fh:
        truth = {r["unique_id"]: r["cluster"] for r in csv.DictReader(fh)}
    scores = pairwise_scores(_predicted(out), truth)
    assert scores.f1 >= 0.95, scores


def test_duplicate_record_ids_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,first,last\n1,Ann,Lee\n1,Anne,Lee\n")
    with pytest.raises(ResolveError, match="must be unique"):
        resolve_file(source, "id", parse_columns("first_name=first,surname=last"), tmp_path / "out.csv")


def test_bad_column_mapping_names_the_problem(tmp_path: Path) -> None:
    source = tmp_path / "people.csv"
    source.write_text("id,first,last\n1,Ann,Lee\n")
    with pytest.raises(ResolveError, match="unknown person field 'nickname'"):
        parse_columns("nickname=first")
    with pytest.raises(ResolveError, match="names 'given', which is not a column"):
        resolve_file(source, "id", parse_columns("first_name=given"), tmp_path / "out.csv")


def test_dates_in_other_forms_are_read_and_unreadable_ones_count_as_missing(tmp_path: Path) -> None:
    # FEBRL's yyyymmdd dates rewritten as dd/mm/yyyy for every third row, and garbage for every tenth.
    rows = list(csv.reader((SHARED / "dataset1.csv").open(encoding="utf-8"), skipinitialspace=True))
    header, body = rows[0], rows[1:]
    dob = header.index("date_of_birth")
    for n, row in enumerate(body):
        value = row[dob].strip()
        if n % 10 == 0:
            row[dob] = "unknown"
        elif n % 3 == 0 and len(value) == 8:
            row[dob] = f"{value[6:]}/{value[4:6]}/{value[:4]}"
    source = tmp_path / "mixed.csv"
    with source.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *body])
    out = tmp_path / "out.csv"
    resolve_file(source, "rec_id", parse_columns(FEBRL_COLUMNS), out)
    truth = {r[0].strip(): r[0].split("-")[1] for r in body}
    predicted = _predicted(out)
    assert list(predicted) == [r[0].strip() for r in body]
    assert pairwise_scores(predicted, truth).f1 >= 0.95
