"""Free text written from templates with variation: missing reports, incident logs, intelligence.

The phrases a good assessment must notice are here in one place: risk phrases (``RISK_PHRASES``,
keyed by the indicator they evidence), their negations ("no concerns of exploitation"), and the
victim-blaming language DOMAIN.md says to flag ("missing through choice"). Scenarios put the risk
phrases where the truth says risk is; background records use them rarely, negated more often.
"""

from __future__ import annotations

import random

RISK_PHRASES: dict[str, tuple[str, ...]] = {
    "older_males_car": ("was found in a car with older males", "was seen getting into a car with two older males",
                        "was dropped back by an older male in a grey car"),
    "new_phone": ("has a new phone that carers did not buy", "had a second mobile phone on return"),
    "cash": ("had unexplained cash (about £{n})", "was found with £{n} in cash and could not say where it came from"),
    "drugs": ("was found with wraps of what appeared to be class A drugs", "smelt strongly of cannabis and had "
              "several small bags of white powder"),
    "out_of_area": ("was found out of area in {town}", "was located by another force in {town}"),
    "hotel": ("was found at a hotel with adults not known to carers", "had been staying in a hotel room paid for by "
              "an older male"),
    "alcohol": ("was intoxicated on return and had been given alcohol by adults",),
    "gifts": ("returned with new clothes and gifts carers cannot account for",),
    "injury": ("had unexplained bruising on return",),
}  # fmt: skip
NEGATIONS = (
    "No concerns of exploitation.", "No concerns of exploitation identified.", "No signs of drug or alcohol use.",
    "Denies being with any older males.", "No evidence of sexual exploitation.", "No injuries and no concerns raised.",
)  # fmt: skip
VICTIM_BLAMING = (
    "{name} is missing through choice.", "{name} is deliberately missing to avoid the rules at the placement.",
    "{name} is putting themselves at risk.", "{name} is a regular absconder and will return when ready.",
    "{name} is choosing to associate with older males.", "{name} is streetwise and makes their own choices.",
)  # fmt: skip
MISSING_OPENINGS = (
    "{name} left {from_text} after an argument and did not return by the agreed time.",
    "{name} was last seen by staff at {from_text}; phone switched off.",
    "Carer reports {name} went out after school and has not come home.",
    "{name} failed to return to {from_text}; believed to be with friends.",
    "{name} climbed out of a window at {from_text} during the night.",
    "{name} did not come home from school; friends say they got on a bus into town.",
)  # fmt: skip
FOUND_CLOSINGS = (
    "Located at {found}.", "Returned of own accord from {found}.", "Found by officers at {found}.",
    "Traced to {found} and brought home by police.",
)  # fmt: skip


def _fill(rng: random.Random, phrase: str, town: str) -> str:
    return phrase.format(n=rng.choice((40, 80, 120, 250, 400, 900)), town=town)


def risk_phrase(rng: random.Random, indicator: str, town: str = "Southampton") -> str:
    """One phrase evidencing ``indicator``."""
    return _fill(rng, rng.choice(RISK_PHRASES[indicator]), town)


def missing_narrative(
    rng: random.Random,
    name: str,
    from_text: str,
    found: str,
    risks: tuple[str, ...] = (),
    negated: bool = False,
    blaming: bool = False,
    town: str = "Southampton",
    extra: str = "",
) -> str:
    """The free text of a missing report, from the opening to where the person was found."""
    parts = [rng.choice(MISSING_OPENINGS).format(name=name, from_text=from_text)]
    if found:
        parts.append(rng.choice(FOUND_CLOSINGS).format(found=found))
    parts.extend(f"{name} {risk_phrase(rng, r, town)}." for r in risks)
    if extra:
        parts.append(extra)
    if negated:
        parts.append(rng.choice(NEGATIONS))
    if blaming:
        parts.append(rng.choice(VICTIM_BLAMING).format(name=name))
    return " ".join(parts)


INCIDENT_TEMPLATES: dict[str, tuple[str, ...]] = {
    "domestic_abuse": (
        "Caller reports shouting and items being smashed at {place}. {victim} states {suspect} pushed her against "
        "a wall. {children}",
        "Neighbour reports a woman screaming at {place}. On arrival {victim} had a red mark to her face; {suspect} "
        "had left. {children}",
        "Verbal argument between {victim} and {suspect} at {place} over money. No assaults disclosed. {children}",
    ),
    "concern_for_welfare": (
        "Member of public concerned for a young person sitting alone near {place} late at night.",
        "Concern for the welfare of {victim}, not seen by family for several days; welfare check at {place}.",
    ),
    "assault": ("Fight outside {place}; {victim} punched by {suspect}. Minor injuries.",
                "{victim} reports being assaulted by {suspect} near {place}."),
    "sexual_offence": ("{victim} discloses a sexual assault by {suspect} at {place}.",),
    "drugs": ("Report of drug dealing from a car outside {place}.", "Strong smell of cannabis and people coming and "
              "going at all hours at {place}."),
    "anti_social_behaviour": ("Youths causing annoyance and throwing stones at {place}.",
                              "Group of teenagers drinking and shouting in {place}."),
    "exploitation": ("Staff at {place} report young people being collected by older males in cars.",),
    "online": ("Parent reports an adult messaging {victim} on social media asking for pictures.",),
    "theft": ("Shoplifting at {place}; suspect {suspect} detained by staff.", "Bicycle stolen from outside {place}."),
    "missing": ("{victim} reported missing from {place}.",),
    "other": ("Report of a suspicious vehicle parked near {place}.", "Noise complaint at {place}."),
}  # fmt: skip


def incident_narrative(
    rng: random.Random,
    category: str,
    place: str,
    victim: str = "the caller",
    suspect: str = "a male",
    children: str = "",
    extra: str = "",
) -> str:
    """The log of an incident: a template for its category, filled in."""
    text = rng.choice(INCIDENT_TEMPLATES[category]).format(
        place=place, victim=victim, suspect=suspect, children=children
    )
    return f"{text} {extra}".strip()


INTEL_TEMPLATES = (
    "{subject} is believed to be supplying class A drugs in {town} using phone {phone}.",
    "{subject} has been seen with young teenage girls at {place}; they arrive in a car and leave with him.",
    "{subject} is associating with {associate} and is thought to be holding drugs for him.",
    "Vehicle {vrm} seen regularly outside {place} late at night with young people getting in and out.",
    "{subject} is said to be in debt to a drugs line and carrying for them to pay it off.",
    "{subject} is reported to be driving a {colour} car and offering lifts to children near {place}.",
)
COLOURS = ("black", "grey", "silver", "white", "blue", "red")


def intel_text(rng: random.Random, subject: str, associate: str, place: str, town: str, phone: str, vrm: str) -> str:
    return rng.choice(INTEL_TEMPLATES).format(
        subject=subject,
        associate=associate,
        place=place,
        town=town,
        phone=phone or "an unknown number",
        vrm=vrm,
        colour=rng.choice(COLOURS),
    )


def vehicle_registration(rng: random.Random) -> str:
    """A current-style GB registration (two letters, age identifier, three letters)."""
    letters = "ABCDEFGHJKLMNOPRSTUVWXY"
    age = rng.choice(("15", "65", "16", "66", "17", "67", "18", "68", "19", "69", "20", "70", "21", "71"))
    return f"{rng.choice('HW')}{rng.choice(letters)}{age} {''.join(rng.choice(letters) for _ in range(3))}"
