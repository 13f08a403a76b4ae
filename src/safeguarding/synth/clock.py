"""Time for the synthetic force: months of extracts, random moments inside them, ISO 8601 stamps.

Internally every moment is an aware UTC ``datetime``; a stamp is written in Europe/London time with
the offset then in force, as the force's systems write it. Months are London calendar months, so a
record stamped in March lands in March's extract. Nothing here reads the wall clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def stamp(moment: datetime) -> str:
    """ISO 8601 with the Europe/London offset in force at that moment."""
    return moment.astimezone(LONDON).isoformat(timespec="seconds")


def london_date(moment: datetime) -> date:
    """The Europe/London calendar date of a moment (what the portal shows)."""
    return moment.astimezone(LONDON).date()


def london_midnight(day: date) -> datetime:
    """The UTC moment of midnight in London at the start of ``day``."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Month:
    """One monthly extract: its index from the start, label ``YYYY-MM`` and UTC bounds."""

    index: int
    label: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())

    def moment(self, rng: random.Random) -> datetime:
        """A uniformly random moment in the month."""
        return self.start + timedelta(seconds=rng.randrange(self.seconds))

    def daytime(self, rng: random.Random, hours: tuple[int, int] = (7, 23)) -> datetime:
        """A random moment in the month between the given London hours (incidents cluster by day)."""
        day = london_date(self.moment(rng))
        return london_midnight(day) + timedelta(hours=rng.randint(hours[0], hours[1] - 1), seconds=rng.randrange(3600))


def months(start: date, count: int) -> list[Month]:
    """``count`` consecutive London calendar months from the month of ``start``."""
    out: list[Month] = []
    year, month = start.year, start.month
    for index in range(count):
        nyear, nmonth = (year + 1, 1) if month == 12 else (year, month + 1)
        first = london_midnight(date(year, month, 1))
        out.append(Month(index, f"{year:04d}-{month:02d}", first, london_midnight(date(nyear, nmonth, 1))))
        year, month = nyear, nmonth
    return out


def month_of(moment: datetime, all_months: list[Month]) -> int | None:
    """The index of the month a moment falls in, or None outside the period."""
    if not all_months or moment < all_months[0].start or moment >= all_months[-1].end:
        return None
    local = moment.astimezone(LONDON)
    first = all_months[0].label
    return (local.year - int(first[:4])) * 12 + local.month - int(first[5:7])


def years_between(born: date, on: date) -> int:
    """Age in whole years on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
