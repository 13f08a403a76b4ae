"""What every record builder shares: the month's rows, the nominal indexes, places and references.

A ``Batch`` holds one month's rows (so memory is bounded by a month, whatever the scale);
``Nominals`` gives each person a reference in each source system, writing the nominal row the first
time (and now and then a duplicate nominal, as real systems do); ``Locations`` writes a place's row
the first time a record uses it. The truth of every mention goes straight to the truth writer.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from safeguarding.synth.clock import Month, stamp
from safeguarding.synth.geography import Gazetteer, Place
from safeguarding.synth.mentions import STREET_ALIASES, mention
from safeguarding.synth.people import Population, TruePerson, Variation
from safeguarding.synth.rates import Rates

if TYPE_CHECKING:
    from safeguarding.synth.truth import TruthWriter

Row = dict[str, str]
# Reference prefixes of each source system's nominal index.
PERSON_PREFIX = {
    "niche": "NP", "compact": "CM", "custody": "CU", "ppn": "PN", "intel": "IP", "cc": "CC", "visor": "VP",
    "online": "OP",
}  # fmt: skip
# How often a system makes a new nominal for someone it already holds (a search missed them). Call
# handlers rarely search; the missing-persons unit often makes a new report-level nominal; ViSOR never.
DUPLICATE_NOMINAL = {
    "niche": 0.06, "compact": 0.35, "custody": 0.04, "ppn": 0.2, "intel": 0.12, "cc": 0.4, "visor": 0.0,
    "online": 0.0,
}  # fmt: skip

ALIAS_ROLES = ("main_groomer", "groomer", "line_holder")


@dataclass
class Batch:
    """One month's rows per record type, in the order made."""

    month: Month
    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record_type: str, row: Row) -> None:
        self.rows[record_type].append(row)


class Locations:
    """Writes a place's ``locations`` row the first time any record uses it."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def use(self, batch: Batch, place: Place, when: datetime) -> str:
        if place.ref not in self._seen:
            self._seen.add(place.ref)
            batch.add(
                "locations",
                {
                    "source_system": "niche",
                    "location_ref": place.ref,
                    "address_text": place.address_text,
                    "place_name": place.name,
                    "postcode": place.postcode,
                    "latitude": f"{place.latitude:.6f}",
                    "longitude": f"{place.longitude:.6f}",
                    "place_type": place.place_type,
                    "recorded_at": stamp(when),
                },
            )
        return place.ref


class Nominals:
    """Each source system's nominal index: one reference per person, now and then a duplicate."""

    def __init__(self, rng: random.Random, variation: Variation, truth: TruthWriter, locations: Locations) -> None:
        self.rng = rng
        self.variation = variation
        self.truth = truth
        self.locations = locations
        self._refs: dict[tuple[str, str], str] = {}
        self._count: dict[str, int] = defaultdict(int)

    def ref(self, batch: Batch, system: str, person: TruePerson, when: datetime, alias: str = "") -> str:
        """The person's reference in ``system``, writing a new nominal row when needed."""
        key = (system, person.person_id)
        known = self._refs.get(key)
        if known is not None and self.rng.random() >= DUPLICATE_NOMINAL[system]:
            return known
        self._count[system] += 1
        ref = f"{PERSON_PREFIX[system]}{self._count[system]:07d}"
        if known is None:
            self._refs[key] = ref
        label = self.truth.labels.get(person.person_id)
        if not alias and label is not None and label.role in ALIAS_ROLES:
            # Exploiters are known on the street by a nickname, which some records hold as an alias.
            alias = STREET_ALIASES[int(person.person_id[2:]) % len(STREET_ALIASES)]
        pnc = system in ("custody", "niche", "visor")
        seen = mention(self.rng, person, self.variation, with_pnc=pnc, alias=alias)
        if seen.address_ref:
            place = person.address if seen.address_ref == person.address.ref else person.previous_address
            self.locations.use(batch, place, when)
        batch.add(
            "persons",
            {
                "source_system": system,
                "person_ref": ref,
                "forenames": seen.forenames,
                "surname": seen.surname,
                "aliases": seen.aliases,
                "date_of_birth": seen.date_of_birth.isoformat() if seen.date_of_birth else "",
                "sex": seen.sex,
                "ethnicity": seen.ethnicity,
                "address_ref": seen.address_ref,
                "postcode": seen.postcode,
                "phone": seen.phone,
                "email": seen.email,
                "pnc_id": seen.pnc_id,
                "recorded_at": stamp(when),
            },
        )
        self.truth.mention(system, ref, person)
        return ref


@dataclass
class Ctx:
    """Everything a record builder needs for the month being made."""

    rates: Rates
    population: Population
    gazetteer: Gazetteer
    nominals: Nominals
    locations: Locations
    start: date
    end: datetime
    batch: Batch = field(init=False)
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def next_ref(self, prefix: str, width: int = 8) -> str:
        self.counters[prefix] += 1
        return f"{prefix}{self.counters[prefix]:0{width}d}"

    def person_ref(self, system: str, person: TruePerson, when: datetime, alias: str = "") -> str:
        return self.nominals.ref(self.batch, system, person, when, alias)

    def place_ref(self, place: Place, when: datetime) -> str:
        return self.locations.use(self.batch, place, when)

    def link(self, system: str, record_type: str, record_ref: str, person_ref: str, role: str, when: datetime) -> None:
        """A ``record_persons`` row: this mention appears on this record in this role."""
        self.batch.add(
            "record_persons",
            {
                "source_system": system,
                "record_type": record_type,
                "record_ref": record_ref,
                "person_ref": person_ref,
                "role": role,
                "recorded_at": stamp(when),
            },
        )
