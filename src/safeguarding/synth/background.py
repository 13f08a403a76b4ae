"""The force's ordinary business, month by month, at the configured volumes.

Each month makes exactly its share of each yearly volume (``rates.monthly_counts``): incidents (some
becoming crimes and PPNs), standalone crimes, custody detentions, PPNs, intelligence logs, online
referrals, missing adults, and the offender managers' visits and ARMS reviews. Background people are
never scenario people, so the planted truth is not muddied by chance.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from safeguarding.synth import pick
from safeguarding.synth.clock import Month, london_date
from safeguarding.synth.context import Ctx
from safeguarding.synth.narratives import incident_narrative, intel_text, vehicle_registration
from safeguarding.synth.people import TruePerson, phone_number
from safeguarding.synth.rates import monthly_counts
from safeguarding.synth.records import custody, events, intelligence, missing, ppns
from safeguarding.synth.records import offenders as rso

INCIDENT_MIX = {
    "domestic_abuse": 14, "concern_for_welfare": 16, "assault": 10, "anti_social_behaviour": 15, "theft": 14,
    "drugs": 4, "sexual_offence": 2, "exploitation": 0.5, "online": 1.5, "other": 23,
}  # fmt: skip
# Chance an incident of a category is recorded as a crime, and the crime's group.
CRIME_FROM_INCIDENT = {
    "domestic_abuse": (0.6, "domestic_abuse"), "assault": (0.5, "violence"), "theft": (0.45, "theft"),
    "sexual_offence": (0.8, "sexual"), "drugs": (0.4, "drugs_possession"), "anti_social_behaviour": (0.05, "other"),
    "online": (0.5, "online_sexual"), "exploitation": (0.3, "exploitation"),
}  # fmt: skip
CRIME_MIX = {
    "violence": 36, "theft": 30, "other": 15, "domestic_abuse": 8, "sexual": 3, "drugs_possession": 4,
    "drugs_supply": 1.5, "weapons": 1.5, "online_sexual": 0.7, "exploitation": 0.3,
}  # fmt: skip
PPN_MIX = {"child_concern": 45, "mental_health": 25, "missing": 10, "exploitation": 3, "online": 2, "other": 15}
CUSTODY_OFFENCES = (
    "Assault",
    "Theft from a shop",
    "Criminal damage",
    "Possession of a class A drug",
    "Public order offence",
    "Burglary",
    "Breach of a court order",
    "Possession of a bladed article",
)
PUBLIC = ("park", "takeaway", "shop", "station", "leisure", "school", "hotel")


class Background:
    """Makes one month of ordinary records into ``ctx.batch``."""

    def __init__(self, rng: random.Random, years: int, first_month: int) -> None:
        self.rng = rng
        self._n, self._first = years * 12, first_month
        self._splits: dict[int, list[int]] = {}
        # Crimes and PPNs spawned by incidents beyond a month's share are taken off later months, so
        # the yearly totals stay at the configured rate.
        self._carry = {"crimes": 0, "ppns": 0}
        self.registrations: list[rso.Registration] = []
        # What the truth needs about the background's own records (scenarios/background_truth.py): each
        # domestic-abuse incident at a home (time, address, the children living there), and each online
        # referral (time, suspect, whether it records access to children).
        self.domestic: list[tuple[datetime, str, list[TruePerson]]] = []
        self.referrals: list[tuple[datetime, TruePerson, bool]] = []

    def _counts(self, per_year: int, month: Month) -> int:
        if per_year not in self._splits:
            self._splits[per_year] = monthly_counts(per_year, self._n, self._first)
        return self._splits[per_year][month.index]

    def run(self, ctx: Ctx, month: Month) -> None:
        rates, rng = ctx.rates, self.rng
        if month.index == 0:
            self._register_existing(ctx, month)
        spawned = {"crimes": 0, "ppns": 0}
        for _ in range(self._counts(rates.incidents, month)):
            self._incident(ctx, month, spawned)
        for _ in range(self._standalone("crimes", self._counts(rates.crimes, month), spawned)):
            self._crime(ctx, month)
        for _ in range(self._standalone("ppns", self._counts(rates.ppns, month), spawned)):
            self._ppn(ctx, month)
        for _ in range(self._counts(rates.custody_detentions, month)):
            self._custody(ctx, month)
        for _ in range(self._counts(rates.intelligence_logs, month)):
            self._intel(ctx, month)
        for _ in range(self._counts(rates.online_referrals, month)):
            at = month.moment(rng)
            suspect = pick.adult(rng, ctx.population, london_date(at), "M", (18, 70))
            answers = intelligence.random_answers(rng)  # the same draws online_referral would make
            intelligence.online_referral(ctx, rng, at, suspect, answers)
            self.referrals.append((at, suspect, any(answers[k] for k in intelligence.ACCESS)))
        adult_episodes = round(rates.missing_adults * rates.adult_episodes_per_person)
        for _ in range(self._counts(adult_episodes, month)):
            self._missing_adult(ctx, month)
        for _ in range(self._counts(rates.offenders_new, month)):
            at = month.moment(rng)
            person = pick.adult(rng, ctx.population, london_date(at), "M" if rng.random() < 0.97 else "F", (18, 75))
            self.registrations.append(rso.register(ctx, rng, person, london_date(at), at))
        self._offender_work(ctx, month)

    def _standalone(self, kind: str, target: int, spawned: dict[str, int]) -> int:
        """How many records of a kind to make on their own, after those spawned by incidents."""
        left = target + self._carry[kind] - spawned[kind]
        self._carry[kind] = min(0, left)
        return max(0, left)

    def _register_existing(self, ctx: Ctx, month: Month) -> None:
        """The register as it stands on the first day: the back-file arrives in the first extract."""
        rng, on = self.rng, ctx.start
        for _ in range(ctx.rates.offenders_at_start):
            person = pick.adult(rng, ctx.population, on, "M" if rng.random() < 0.97 else "F", (19, 85))
            registered = on - timedelta(days=rng.randint(30, 365 * min(15, person.age_on(on) - 18) + 30))
            self.registrations.append(rso.register(ctx, rng, person, registered, month.start + timedelta(hours=1)))

    def _offender_work(self, ctx: Ctx, month: Month) -> None:
        first, last = london_date(month.start), london_date(month.end - timedelta(seconds=1))
        for reg in self.registrations:
            if reg.next_assessment <= last:
                rso.assessment(ctx, self.rng, reg, max(reg.next_assessment, first))
            if reg.next_visit <= last:
                rso.visit(ctx, self.rng, reg, max(reg.next_visit, first))

    def _incident(self, ctx: Ctx, month: Month, spawned: dict[str, int]) -> None:
        rng, pop = self.rng, ctx.population
        at = month.daytime(rng, (0, 24))
        on = london_date(at)
        category = rng.choices(list(INCIDENT_MIX), list(INCIDENT_MIX.values()))[0]
        people: list[tuple[TruePerson, str]] = []
        victims: list[TruePerson] = []
        suspects: list[TruePerson] = []
        children: list[TruePerson] = []
        if category == "domestic_abuse":
            hh = pick.family(rng, pop, on) if rng.random() < 0.45 else pick.household(rng, pop)
            adults = hh.adults
            victim = adults[-1]
            suspect = adults[0] if len(adults) > 1 else pick.adult(rng, pop, on, "M", (18, 60))
            children = [c for c in hh.children if c.age_on(on) < 18]
            place = victim.address
            victims, suspects = [victim], [suspect]
            people = [(victim, "victim"), (suspect, "suspect")] + [(c, "household_member") for c in children]
            kids = f"{len(children)} children in the address." if children else "No children in the address."
            text = incident_narrative(rng, category, "the home address", victim.forenames, suspect.forenames, kids)
            self.domestic.append((at, place.ref, [c for c in children if c.address.ref == place.ref]))
        else:
            place = (
                ctx.gazetteer.pick(rng, rng.choice(PUBLIC))
                if rng.random() < 0.5
                else pick.household(rng, pop).adults[0].address
            )
            if rng.random() < 0.6:  # many incidents name nobody beyond the caller
                if category in ("concern_for_welfare", "online") and rng.random() < 0.5:
                    victims = [pick.child(rng, pop, on, (8, 17))]
                    children = victims
                else:
                    victims = [pick.adult(rng, pop, on)]
                people.append((victims[0], "victim" if category != "concern_for_welfare" else "subject"))
                if category in ("assault", "theft", "sexual_offence", "drugs") and rng.random() < 0.6:
                    suspects = [pick.adult(rng, pop, on, "M" if rng.random() < 0.8 else None, (16, 60))]
                    people.append((suspects[0], "suspect"))
            name = victims[0].forenames if victims else "the caller"
            text = incident_narrative(
                rng,
                category,
                place.name or "an address in " + place.town,
                name,
                suspects[0].forenames if suspects else "a male",
            )
        ref = events.incident(ctx, rng, at, place, category, people, text, child_present=bool(children) or None)
        chance, group = CRIME_FROM_INCIDENT.get(category, (0.0, "other"))
        if victims and rng.random() < chance:
            spawned["crimes"] += 1
            events.crime(ctx, rng, at, place, group, victims, suspects, ref, domestic=category == "domestic_abuse")
        for c in children:
            if category == "domestic_abuse" or rng.random() < 0.5:
                spawned["ppns"] += 1
                grade = rng.choices(("red", "amber", "green"), (10, 35, 55))[0]
                concern = (
                    "Domestic incident in the child's home."
                    if category == "domestic_abuse"
                    else "Child found in circumstances giving concern for their welfare."
                )
                ppns.ppn(
                    ctx,
                    rng,
                    at,
                    c,
                    "domestic_abuse" if category == "domestic_abuse" else "child_concern",
                    grade,
                    concern,
                    pop.household(c.household).members,
                    ref,
                    school_notify=category == "domestic_abuse" and 4 <= c.age_on(on) < 18,
                )

    def _crime(self, ctx: Ctx, month: Month) -> None:
        rng, pop = self.rng, ctx.population
        at = month.moment(rng)
        on = london_date(at)
        group = rng.choices(list(CRIME_MIX), list(CRIME_MIX.values()))[0]
        young = group in ("sexual", "online_sexual", "exploitation") and rng.random() < 0.6
        victim = pick.child(rng, pop, on, (5, 17)) if young else pick.adult(rng, pop, on)
        suspects = (
            [pick.adult(rng, pop, on, "M" if rng.random() < 0.8 else None, (16, 65))] if rng.random() < 0.55 else []
        )
        place = victim.address if rng.random() < 0.5 else ctx.gazetteer.pick(rng, rng.choice(PUBLIC))
        events.crime(ctx, rng, at, place, group, [victim], suspects, domestic=group == "domestic_abuse")

    def _ppn(self, ctx: Ctx, month: Month) -> None:
        rng, pop = self.rng, ctx.population
        at = month.moment(rng)
        on = london_date(at)
        concern_type = rng.choices(list(PPN_MIX), list(PPN_MIX.values()))[0]
        if concern_type == "mental_health" and rng.random() < 0.6:
            subject = pick.adult(rng, pop, on)
        else:
            subject = pick.child(rng, pop, on)
        grade = rng.choices(("red", "amber", "green"), (8, 32, 60))[0]
        concern = {
            "child_concern": "Child's home conditions are poor and the child appeared hungry.",
            "mental_health": "Person expressing thoughts of self-harm.",
            "missing": "Child reported missing from home overnight; returned.",
            "exploitation": "Child seen with older males; concerns of exploitation.",
            "online": "Child sent images to an unknown adult online.",
            "other": "Concern raised by school about the child's attendance.",
        }[concern_type]
        ppns.ppn(ctx, rng, at, subject, concern_type, grade, concern, pop.household(subject.household).members)

    def _custody(self, ctx: Ctx, month: Month) -> None:
        rng, pop = self.rng, ctx.population
        at = month.moment(rng)
        on = london_date(at)
        if rng.random() < ctx.rates.custody_child_share:
            person = pick.child(rng, pop, on, (10, 17))
        else:
            person = pick.adult(rng, pop, on, "M" if rng.random() < 0.85 else "F", (18, 65))
        custody.detention(ctx, rng, at, person, rng.choice(CUSTODY_OFFENCES), ctx.gazetteer.pick(rng, "custody_suite"))

    def _intel(self, ctx: Ctx, month: Month) -> None:
        rng, pop = self.rng, ctx.population
        at = month.moment(rng)
        on = london_date(at)
        subject = pick.adult(rng, pop, on, "M" if rng.random() < 0.8 else None, (16, 60))
        people = [(subject, "subject")]
        associate = pick.adult(rng, pop, on, None, (16, 60)) if rng.random() < 0.4 else None
        if associate is not None:
            people.append((associate, "associate"))
        place = ctx.gazetteer.pick(rng, rng.choice(PUBLIC)) if rng.random() < 0.5 else subject.address
        phone = subject.phone if rng.random() < 0.5 else (phone_number(rng) if rng.random() < 0.3 else "")
        vrm = vehicle_registration(rng) if rng.random() < 0.3 else ""
        text = intel_text(
            rng,
            subject.forenames + " " + subject.surname,
            associate.forenames if associate else "others",
            place.name or "their address",
            place.town,
            phone,
            vrm or "unknown",
        )
        intelligence.intel_log(ctx, rng, at, people, text, place, (phone,) if phone else (), (vrm,) if vrm else ())

    def _missing_adult(self, ctx: Ctx, month: Month) -> None:
        rng = self.rng
        at = month.moment(rng)
        person = pick.adult(rng, ctx.population, london_date(at), None, (18, 90))
        hospital = rng.random() < 0.1
        place = ctx.gazetteer.pick(rng, "hospital") if hospital else person.address
        missing.episode(
            ctx, rng, missing.Missing(person, at, place, "hospital" if hospital else "home", negated=rng.random() < 0.1)
        )
