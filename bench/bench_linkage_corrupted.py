"""A harder outside test set of our own: heavily corrupted person records, and `resolve` scored on it.

    python bench/bench_linkage_corrupted.py [--people 5000] [--seed 3] [--out FILE] [--keep]

Made with Faker (en_GB names, postcodes and towns, a share of names from other locales), not with
the synthetic force's generator, so the linkage is not graded on the habits it was built against.
Each person has 1 to 10 records (most have few: the count is geometric), and each record is
corrupted independently: given names and surnames misspelt (a letter dropped, doubled, changed
or two swapped), cut to an initial, swapped with each other, replaced by a familiar form or
dropped; dates of birth off by days, months or years, with day and month swapped, or missing;
postcodes changed (a move) or mistyped; towns changed or missing; sex missing or wrong. The
rates are in ``RATES``. Writes a CSV with the truth in column ``cluster``, then runs `resolve`
at its defaults on it and prints pairwise precision, recall and F1.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from safeguarding.linkage.evaluate import pairwise_scores
from safeguarding.linkage.generic import parse_columns, resolve_file

COLUMNS = "first_name=first_name,middle_name=middle_name,surname=surname,dob=dob,sex=sex,postcode=postcode,town=town"

# Probability of each corruption, per record (the first record of a person is corrupted too).
RATES = {
    "first_typo": 0.25, "first_initial": 0.12, "first_nickname": 0.08, "first_missing": 0.05,
    "surname_typo": 0.22, "surname_missing": 0.04, "names_swapped": 0.05,
    "middle_missing": 0.5,
    "dob_missing": 0.25, "dob_days": 0.10, "dob_months": 0.08, "dob_years": 0.10, "dob_swapped": 0.05,
    "postcode_moved": 0.40, "postcode_typo": 0.10, "postcode_missing": 0.15,
    "town_changed": 0.30, "town_missing": 0.25,
    "sex_missing": 0.15, "sex_wrong": 0.02,
}  # fmt: skip
NICKNAMES = {
    "william": "bill", "robert": "bob", "elizabeth": "liz", "margaret": "maggie", "richard": "dick",
    "james": "jim", "thomas": "tom", "katherine": "kate", "jennifer": "jenny", "michael": "mike",
    "rebecca": "becky", "alexander": "alex", "samuel": "sam", "daniel": "dan", "joseph": "joe",
    "christopher": "chris", "victoria": "vicky", "jessica": "jess", "charlotte": "lottie", "edward": "ted",
}  # fmt: skip
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(rng: random.Random, word: str) -> str:
    if len(word) < 3:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "change", "swap"))
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "change":
        return word[:i] + rng.choice(LETTERS) + word[i + 1 :]
    return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]


def _person(fake: Faker, other: Faker, rng: random.Random) -> dict[str, str | date]:
    source = other if rng.random() < 0.15 else fake
    sex = rng.choice("MF")
    first = source.first_name_male() if sex == "M" else source.first_name_female()
    middle = (source.first_name_male() if sex == "M" else source.first_name_female()) if rng.random() < 0.6 else ""
    return {
        "first_name": first, "middle_name": middle, "surname": source.last_name(), "sex": sex,
        "dob": fake.date_of_birth(minimum_age=0, maximum_age=90), "postcode": fake.postcode(), "town": fake.city(),
    }  # fmt: skip


def _corrupt(rng: random.Random, fake: Faker, p: dict[str, str | date]) -> dict[str, str]:
    def hit(name: str) -> bool:
        return rng.random() < RATES[name]

    first, surname, middle = str(p["first_name"]), str(p["surname"]), str(p["middle_name"])
    if hit("first_nickname") and first.lower() in NICKNAMES:
        first = NICKNAMES[first.lower()].title()
    if hit("first_typo"):
        first = typo(rng, first)
    if hit("first_initial"):
        first = first[0]
    if hit("surname_typo"):
        surname = typo(rng, surname)
    if hit("names_swapped"):
        first, surname = surname, first
    if hit("first_missing"):
        first = ""
    if hit("surname_missing"):
        surname = ""
    if hit("middle_missing"):
        middle = ""
    born = p["dob"]
    assert isinstance(born, date)
    if hit("dob_days"):
        born += timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 10))
    if hit("dob_months"):
        born = born.replace(month=rng.randint(1, 12), day=min(born.day, 28))
    if hit("dob_years"):
        born = born.replace(year=born.year + rng.choice((-1, 1)) * rng.randint(1, 5), day=min(born.day, 28))
    if hit("dob_swapped") and born.day <= 12:
        born = born.replace(month=born.day, day=born.month)
    dob = "" if hit("dob_missing") else born.isoformat()
    postcode = fake.postcode() if hit("postcode_moved") else str(p["postcode"])
    if hit("postcode_typo"):
        chars = list(postcode)
        i = rng.choice([n for n, c in enumerate(chars) if c != " "])
        chars[i] = rng.choice("ABCDEFGHJKLMNPRSTUVWXY0123456789")
        postcode = "".join(chars)
    if hit("postcode_missing"):
        postcode = ""
    town = fake.city() if hit("town_changed") else str(p["town"])
    if hit("town_missing"):
        town = ""
    sex = str(p["sex"])
    if hit("sex_wrong"):
        sex = "F" if sex == "M" else "M"
    if hit("sex_missing"):
        sex = ""
    return {"first_name": first, "middle_name": middle, "surname": surname, "dob": dob, "sex": sex,
            "postcode": postcode, "town": town}  # fmt: skip


def generate(people: int, seed: int, out: Path) -> int:
    """Write the corrupted records of ``people`` people to ``out``; return the number of records."""
    rng = random.Random(seed)
    fake, other = Faker("en_GB"), Faker(["en_IE", "en_IN", "pl_PL", "en_US"])
    fake.seed_instance(seed)
    other.seed_instance(seed + 1)
    rows = []
    for n in range(people):
        person = _person(fake, other, rng)
        count = 1
        while count < 10 and rng.random() < 0.55:
            count += 1
        for _ in range(count):
            rows.append({"cluster": f"P{n:06d}", **_corrupt(rng, fake, person)})
    rng.shuffle(rows)
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ["unique_id", "cluster", "first_name", "middle_name", "surname", "dob", "sex",
                                     "postcode", "town"])  # fmt: skip
        writer.writeheader()
        for i, row in enumerate(rows):
            writer.writerow({"unique_id": f"R{i:07d}", **row})
    return len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--out", type=Path, help="Write the records here (default: a temporary file).")
    parser.add_argument("--threshold", type=float, help="Override resolve's threshold (default: chosen by it).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = args.out or Path(tmp) / "corrupted.csv"
        records = generate(args.people, args.seed, path)
        start = time.perf_counter()
        out = Path(tmp) / "resolved.csv"
        summary = resolve_file(path, "unique_id", parse_columns(COLUMNS), out, threshold=args.threshold)
        took = time.perf_counter() - start
        with path.open(encoding="utf-8") as fh:
            truth = {r["unique_id"]: r["cluster"] for r in csv.DictReader(fh)}
        with out.open(encoding="utf-8") as fh:
            predicted = {r["record_id"]: r["person_id"] for r in csv.DictReader(fh)}
    scores = pairwise_scores(predicted, truth)
    print(f"corrupted benchmark: {args.people:,} people, {records:,} records (seed {args.seed})")
    for line in summary.notes:
        print(f"  note: {line}")
    print(f"  resolve: {summary.persons:,} persons, {summary.comparisons:,} comparisons, {took:.1f} s")
    print(f"  pairwise precision {scores.precision:.4f} recall {scores.recall:.4f} F1 {scores.f1:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
