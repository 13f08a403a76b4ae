"""True people of the synthetic force, and the ways a source system mis-records them.

``TruePerson`` is who someone really is; ``mention`` turns them into one row of a source system's
nominal index with realistic variation (typos, nicknames, swapped day and month, missing date of
birth, a changed surname, an old address). The variation rates are settings, so tests and benchmarks
can make linkage harder or easier.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from importlib import resources

from faker import Faker

# Ethnicity (police 18+1 codes) weighted roughly as the 2021 census for the South West.
ETHNICITY_WEIGHTS = {
    "W1": 88.0, "W2": 0.4, "W3": 0.1, "W9": 4.0, "M1": 0.5, "M2": 0.3, "M3": 0.4, "M9": 0.4,
    "A1": 0.6, "A2": 0.2, "A3": 0.2, "A4": 0.4, "A9": 0.5, "B1": 0.3, "B2": 0.2, "B9": 0.1,
    "O1": 0.2, "O9": 0.4, "NS": 2.0,
}  # fmt: skip


@dataclass(frozen=True)
class Variation:
    """How often a source system records a person differently from the truth (probabilities)."""

    typo: float = 0.08
    nickname: float = 0.10
    swap_day_month: float = 0.04
    missing_dob: float = 0.10
    dob_digit_error: float = 0.03
    changed_surname: float = 0.03
    old_postcode: float = 0.15
    missing_postcode: float = 0.10


@dataclass(frozen=True)
class TruePerson:
    person_id: str
    forenames: str
    surname: str
    date_of_birth: date | None
    sex: str
    ethnicity: str
    postcode: str
    phone: str
    email: str
    previous_postcode: str


@cache
def nicknames() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    with resources.files("safeguarding.synth.data").joinpath("nicknames.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(row["name"], []).append(row["nickname"])
    return table


@cache
def postcodes() -> list[str]:
    with resources.files("safeguarding.synth.data").joinpath("dorset_postcodes.csv").open(encoding="utf-8") as fh:
        return [row["postcode"] for row in csv.DictReader(fh)]


class PeopleFactory:
    """Makes true people with UK-like names from one seeded random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.faker = Faker("en_GB")
        self.faker.seed_instance(rng.randrange(2**32))
        self._codes = list(ETHNICITY_WEIGHTS)
        self._weights = list(ETHNICITY_WEIGHTS.values())
        self._count = 0

    def person(
        self, born_between: tuple[date, date], surname: str | None = None, postcode: str | None = None
    ) -> TruePerson:
        self._count += 1
        sex = self.rng.choice("MF")
        first = self.faker.first_name_male() if sex == "M" else self.faker.first_name_female()
        # Some children carry a nickname-able given name, which is what real records often shorten.
        if self.rng.random() < 0.3:
            first = self.rng.choice(list(nicknames()))
        lo, hi = born_between
        dob = lo + timedelta(days=self.rng.randrange(max(1, (hi - lo).days)))
        pcs = postcodes()
        home = postcode or self.rng.choice(pcs)
        return TruePerson(
            person_id=f"TP{self._count:07d}",
            forenames=first,
            surname=surname or self.faker.last_name(),
            date_of_birth=dob,
            sex=sex,
            ethnicity=self.rng.choices(self._codes, self._weights)[0],
            postcode=home,
            phone="07" + "".join(str(self.rng.randrange(10)) for _ in range(9)),
            email=f"{first.lower()}.{self.rng.randrange(100, 999)}@example.org",
            previous_postcode=self.rng.choice(pcs),
        )


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:  # transpose two letters
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:  # drop a letter
        return text[:i] + text[i + 1 :]
    vowels = "aeiouy"
    return text[:i] + rng.choice(vowels) + text[i + 1 :]  # a vowel heard differently


def mention(
    rng: random.Random, person: TruePerson, variation: Variation, married_surname: str | None = None
) -> TruePerson:
    """The person as one record writes them (identity fields only; the truth keeps the real ones)."""
    first, surname, dob = person.forenames, person.surname, person.date_of_birth
    postcode = person.postcode
    if rng.random() < variation.nickname and first in nicknames():
        first = rng.choice(nicknames()[first])
    if rng.random() < variation.typo:
        first = _typo(rng, first)
    if rng.random() < variation.typo:
        surname = _typo(rng, surname)
    if married_surname and rng.random() < variation.changed_surname:
        surname = married_surname
    if dob is not None and rng.random() < variation.swap_day_month and dob.day <= 12 and dob.day != dob.month:
        dob = date(dob.year, dob.day, dob.month)
    elif dob is not None and rng.random() < variation.dob_digit_error:
        dob = dob + timedelta(days=rng.choice([-10, -1, 1, 10]))
    if rng.random() < variation.missing_dob:
        dob = None
    if rng.random() < variation.old_postcode:
        postcode = person.previous_postcode
    if rng.random() < variation.missing_postcode:
        postcode = ""
    return replace(person, forenames=first, surname=surname, date_of_birth=dob, postcode=postcode)
