"""True people of the synthetic force, their households, and the ways a source system mis-records them.

``TruePerson`` is who someone really is. People live in households at real-postcode homes; a
background household is a pure function of (seed, household number), so the force's whole
population (780k people at county scale) is never held in memory: households are derived when a
record needs one and kept in a bounded cache. Households planted by scenarios are stored.

``mention`` turns a person into one row of a source system's nominal index with realistic variation
(typos, nicknames, swapped day and month, missing date of birth, a changed surname, an old address,
a different phone). The rates are settings, so tests and benchmarks can make linkage harder.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from itertools import accumulate

from faker.providers.person.en_GB import Provider as NameProvider

from safeguarding.synth.geography import Place, home

# Ethnicity (police 18+1 codes) weighted roughly as the 2021 census for Dorset and BCP (about 90%
# White British; the census's "not stated" share is taken by NS).
ETHNICITY_WEIGHTS = {
    "W1": 88.0, "W2": 0.4, "W3": 0.1, "W9": 4.0, "M1": 0.5, "M2": 0.3, "M3": 0.4, "M9": 0.4,
    "A1": 0.6, "A2": 0.2, "A3": 0.2, "A4": 0.4, "A9": 0.5, "B1": 0.3, "B2": 0.2, "B9": 0.1,
    "O1": 0.2, "O9": 0.4, "NS": 2.0,
}  # fmt: skip
ETHNICITY_CODES = tuple(ETHNICITY_WEIGHTS)
ETHNICITY_CUM = tuple(accumulate(ETHNICITY_WEIGHTS.values()))
# Given names of children born 2006-2020: among the most common in ONS baby-name statistics.
CHILD_NAMES = {
    "M": ("Oliver", "Jack", "Harry", "Charlie", "Thomas", "Jacob", "Alfie", "Riley", "William", "James", "Joshua",
          "George", "Noah", "Leo", "Oscar", "Archie", "Ethan", "Freddie", "Mason", "Logan", "Kai", "Tyler",
          "Samuel", "Daniel", "Lewis", "Callum", "Kieran", "Liam", "Jayden", "Max"),
    "F": ("Olivia", "Amelia", "Emily", "Isla", "Ava", "Jessica", "Isabella", "Lily", "Sophie", "Chloe", "Ruby",
          "Mia", "Grace", "Evie", "Ella", "Poppy", "Freya", "Holly", "Millie", "Megan", "Lacey", "Kayleigh",
          "Charlotte", "Abigail", "Ellie", "Skye", "Leah", "Paige", "Amber", "Jade"),
}  # fmt: skip
ADULT_NAMES = {"M": tuple(NameProvider.first_names_male), "F": tuple(NameProvider.first_names_female)}
SURNAMES = tuple(NameProvider.last_names)
# Cumulative weights, so each draw is a bisection rather than a pass over 500 weights.
SURNAME_CUM = tuple(accumulate(float(w) for w in NameProvider.last_names.values()))


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
    different_phone: float = 0.10
    missing_phone: float = 0.40


@dataclass(frozen=True, slots=True)
class TruePerson:
    person_id: str
    forenames: str
    surname: str
    date_of_birth: date | None
    sex: str
    ethnicity: str
    address: Place
    phone: str
    email: str
    previous: int  # number of the previous home (derived when a record uses it)
    former_surname: str = ""
    pnc_id: str = ""
    household: int = 0

    @property
    def postcode(self) -> str:
        return self.address.postcode

    @property
    def previous_address(self) -> Place:
        return home(self.previous)

    def age_on(self, day: date) -> int:
        born = self.date_of_birth or day
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True, slots=True)
class Household:
    """People living together; adults first. A member's person id ends in their position."""

    number: int
    members: tuple[TruePerson, ...]
    n_adults: int

    @property
    def adults(self) -> tuple[TruePerson, ...]:
        return self.members[: self.n_adults]

    @property
    def children(self) -> tuple[TruePerson, ...]:
        return self.members[self.n_adults :]


@dataclass
class MemberSpec:
    """A member a scenario asks for: sex (or None for either), born between two dates, and extras."""

    born: tuple[date, date]
    sex: str | None = None
    surname: str | None = None
    address: Place | None = None
    forenames: str | None = None


NICKNAMEABLE = {
    "M": ("Alexander", "Benjamin", "Christopher", "Daniel", "Jacob", "James", "Joseph", "Joshua", "Matthew",
          "Nicholas", "Oliver", "Samuel", "Thomas", "William", "Zachary", "Harrison", "Frederick", "Theodore"),
    "F": ("Alexandra", "Charlotte", "Elizabeth", "Gabriella", "Isabella", "Jessica", "Katherine", "Kayleigh",
          "Rebecca", "Samantha", "Sophie", "Victoria", "Amelia", "Jennifer", "Abigail"),
}  # fmt: skip


@cache
def nicknames() -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}
    with resources.files("safeguarding.synth.data").joinpath("nicknames.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            table.setdefault(row["name"], []).append(row["nickname"])
    return table


def phone_number(rng: random.Random) -> str:
    """A UK mobile number in the 07700 900xxx drama range's style (never a real subscriber's)."""
    return f"07700 9{rng.randrange(100000):05d}"


# Background households kept derived: enough for the frequently-seen ones at county scale; a miss
# costs a re-derivation (about 40 µs), never a different answer.
CACHED_HOUSEHOLDS = 120_000


@dataclass
class Population:
    """Households of the force: background ones derived on demand, scenario ones stored."""

    seed: int
    background: int  # households 0 .. background-1 are derived; higher numbers are planted
    start: date
    lac_address: Callable[[random.Random], Place] | None = None
    planted: dict[int, Household] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._next = self.background
        self._derive = lru_cache(maxsize=CACHED_HOUSEHOLDS)(self._derive_household)

    def household(self, number: int) -> Household:
        if number < self.background:
            return self._derive(number)
        return self.planted[number]

    def person(self, person_id: str) -> TruePerson:
        return self.household(int(person_id[2:-1])).members[int(person_id[-1])]

    def _person(
        self,
        rng: random.Random,
        h: int,
        slot: int,
        spec: MemberSpec,
        family_name: str,
        eth: str,
        child: bool,
        address: Place,
        taken: set[str],
    ) -> TruePerson:
        lo, hi = spec.born
        dob = lo + timedelta(days=rng.randrange(max(1, (hi - lo).days)))
        sex = spec.sex or rng.choice("MF")
        first = spec.forenames or rng.choice(CHILD_NAMES[sex] if child else ADULT_NAMES[sex])
        if rng.random() < 0.15 and not spec.forenames:
            first = rng.choice(NICKNAMEABLE[sex])  # names that records often shorten
        for _ in range(20):  # brothers and sisters are not given the same name
            if spec.forenames or first not in taken:
                break
            first = rng.choice(CHILD_NAMES[sex] if child else ADULT_NAMES[sex])
        taken.add(first)
        surname = spec.surname or family_name
        former = (
            rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
            if (not child and sex == "F" and rng.random() < 0.4)
            else ""
        )
        has_phone = not child or self.start.year - dob.year >= 11
        # Unique per household and name: two people never share an address by chance.
        email = f"{first.lower()}.{surname.lower().replace(' ', '')}.{h}@example.org"
        return TruePerson(
            person_id=f"TP{h:07d}{slot}",
            forenames=first,
            surname=surname,
            date_of_birth=dob,
            sex=sex,
            ethnicity=eth if rng.random() < 0.9 else rng.choices(ETHNICITY_CODES, cum_weights=ETHNICITY_CUM)[0],
            address=spec.address or address,
            phone=phone_number(rng) if has_phone and rng.random() < 0.9 else "",
            email=email if not child and rng.random() < 0.5 else "",
            previous=rng.randrange(10**9, 2 * 10**9),
            former_surname=former,
            pnc_id=f"{dob.year % 100:02d}/{rng.randrange(10**6):06d}{rng.choice('ABCDEFGHJKLMNPQRTUVWXYZ')}",
            household=h,
        )

    def _derive_household(self, h: int) -> Household:
        rng = random.Random(f"{self.seed}/household/{h}")
        s = self.start
        age = rng.randint(18, 85)
        sex = rng.choice("MF")
        adults = [MemberSpec(_born_aged(s, age), sex)]
        if rng.random() < 0.65:
            adults.append(MemberSpec(_born_aged(s, max(18, age + rng.randint(-6, 6))), "F" if sex == "M" else None))
        n_children = rng.choices((0, 1, 2, 3, 4), (40, 22, 25, 10, 3))[0] if 20 <= age <= 55 else 0
        children = [
            MemberSpec(_born_aged(s, rng.randint(max(0, age - 45), min(17, age - 17)))) for _ in range(n_children)
        ]
        # About 0.7% of children are looked after (DfE: 65-75 per 10,000): they live in a placement.
        if children and self.lac_address is not None and rng.random() < 0.007 * len(children):
            children[-1].address = self.lac_address(rng)
        return self._build(rng, h, adults, children)

    def _build(self, rng: random.Random, h: int, adults: list[MemberSpec], children: list[MemberSpec]) -> Household:
        family = rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
        eth = rng.choices(ETHNICITY_CODES, cum_weights=ETHNICITY_CUM)[0]
        members: list[TruePerson] = []
        taken: set[str] = set()
        address = home(h)
        for i, spec in enumerate(adults + children):
            # A second adult or a child sometimes carries another surname (a partner, a stepchild).
            name = family if (i == 0 or rng.random() < 0.75) else rng.choices(SURNAMES, cum_weights=SURNAME_CUM)[0]
            members.append(self._person(rng, h, i, spec, name, eth, i >= len(adults), address, taken))
        return Household(h, tuple(members), len(adults))

    def plant(self, rng: random.Random, adults: list[MemberSpec], children: list[MemberSpec]) -> Household:
        """A new household for a scenario, with exactly these members (adults first)."""
        h = self._next
        self._next += 1
        household = self._build(rng, h, adults, children)
        self.planted[h] = household
        return household


def _born_aged(start: date, age: int) -> tuple[date, date]:
    """Birth dates of someone aged ``age`` on ``start``."""
    last = date(start.year - age, start.month, min(start.day, 28))
    return last - timedelta(days=364), last


def born_between_ages(on: date, youngest: int, oldest: int) -> tuple[date, date]:
    """Birth dates of someone aged ``youngest`` to ``oldest`` (inclusive) on ``on``."""
    return _born_aged(on, oldest)[0], _born_aged(on, youngest)[1]
