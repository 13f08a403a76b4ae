"""How one source system writes a person down: the variation person resolution must undo."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from safeguarding.synth.people import TruePerson, Variation, nicknames, phone_number

# Street names and nicknames a few people are also known by (the ``aliases`` field).
STREET_ALIASES = ("Ace", "Tiny", "Bigz", "Skinny", "Rocco", "Dee", "Jay", "Tee", "Smokey", "K", "Blade", "Lil B")


@dataclass(frozen=True, slots=True)
class Seen:
    """The identity fields of one mention, as the source system holds them."""

    forenames: str
    surname: str
    aliases: str
    date_of_birth: date | None
    sex: str
    ethnicity: str
    address_ref: str
    postcode: str
    phone: str
    email: str
    pnc_id: str


def typo(rng: random.Random, text: str) -> str:
    """One keying error: two letters transposed, one dropped, or a vowel heard differently."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + rng.choice("aeiouy") + text[i + 1 :]


def mention(
    rng: random.Random, person: TruePerson, variation: Variation, with_pnc: bool = False, alias: str = ""
) -> Seen:
    """The person as one record writes them (the truth keeps the real values)."""
    first, surname, dob = person.forenames, person.surname, person.date_of_birth
    if rng.random() < variation.nickname and first in nicknames():
        first = rng.choice(nicknames()[first])
    if rng.random() < variation.typo:
        first = typo(rng, first)
    if rng.random() < variation.typo:
        surname = typo(rng, surname)
    if person.former_surname and rng.random() < variation.changed_surname * 5:
        surname = person.former_surname  # a maiden or former married name still on file
    elif rng.random() < variation.changed_surname:
        surname = f"{surname}-{rng.choice(('Smith', 'Jones', 'Taylor', 'Brown'))}"  # a stepfamily's double name
    if dob is not None and rng.random() < variation.swap_day_month and dob.day <= 12 and dob.day != dob.month:
        dob = date(dob.year, dob.day, dob.month)
    elif dob is not None and rng.random() < variation.dob_digit_error:
        dob = dob + timedelta(days=rng.choice([-10, -1, 1, 10]))
    if rng.random() < variation.missing_dob:
        dob = None
    address = person.address
    if rng.random() < variation.old_postcode:
        address = person.previous_address
    address_ref, postcode = address.ref, address.postcode
    if rng.random() < variation.missing_postcode:
        address_ref, postcode = "", ""
    phone = person.phone
    if phone and rng.random() < variation.different_phone:
        phone = phone_number(rng)  # a new or second phone
    if rng.random() < variation.missing_phone:
        phone = ""
    sex = person.sex if rng.random() > 0.01 else "U"
    ethnicity = person.ethnicity if rng.random() > 0.08 else "NS"
    return Seen(
        forenames=first,
        surname=surname,
        aliases=alias if alias and rng.random() < 0.7 else "",
        date_of_birth=dob,
        sex=sex,
        ethnicity=ethnicity,
        address_ref=address_ref,
        postcode=postcode,
        phone=phone,
        email=person.email if rng.random() < 0.4 else "",
        pnc_id=person.pnc_id if with_pnc and rng.random() < 0.85 else "",
    )
