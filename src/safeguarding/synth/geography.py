"""Real Dorset geography for the synthetic force: postcodes, towns, homes and named places.

Addresses sit on real live postcodes (ONS Postcode Directory, packaged in ``data/``) with their real
centroids; the street names and house numbers on them are invented. Homes are derived from an
address number by arithmetic, so millions of them cost no memory. Named places (children's homes,
schools, hotels, parks, takeaways, shops, leisure centres) are invented and placed on real
postcodes; railway stations, hospitals and custody suites are real public places.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Post towns by postcode district (Royal Mail), for address text and narratives.
TOWNS = {
    "BH1": "Bournemouth", "BH2": "Bournemouth", "BH3": "Bournemouth", "BH4": "Bournemouth",
    "BH5": "Bournemouth", "BH6": "Bournemouth", "BH7": "Bournemouth", "BH8": "Bournemouth",
    "BH9": "Bournemouth", "BH10": "Bournemouth", "BH11": "Bournemouth", "BH12": "Poole", "BH13": "Poole",
    "BH14": "Poole", "BH15": "Poole", "BH16": "Poole", "BH17": "Poole", "BH18": "Broadstone",
    "BH19": "Swanage", "BH20": "Wareham", "BH21": "Wimborne", "BH22": "Ferndown", "BH23": "Christchurch",
    "BH24": "Ringwood", "BH31": "Verwood", "DT1": "Dorchester", "DT2": "Dorchester", "DT3": "Weymouth",
    "DT4": "Weymouth", "DT5": "Portland", "DT6": "Bridport", "DT7": "Lyme Regis", "DT8": "Beaminster",
    "DT9": "Sherborne", "DT10": "Sturminster Newton", "DT11": "Blandford Forum", "SP5": "Salisbury",
    "SP6": "Fordingbridge", "SP7": "Shaftesbury", "SP8": "Gillingham", "BA8": "Templecombe",
    "BA21": "Yeovil", "BA22": "Yeovil", "TA18": "Crewkerne", "TA20": "Chard", "EX13": "Axminster",
}  # fmt: skip
STREET_STEMS = (
    "Ashley", "Bourne", "Castle", "Church", "Christchurch", "Durley", "Elm", "Fernside", "Gordon", "Holdenhurst",
    "Kings", "Lansdowne", "Manor", "Milton", "Moordown", "Norwich", "Oak", "Parkstone", "Queens", "Richmond",
    "St Albans", "Stour", "Talbot", "Victoria", "Wessex", "Wimborne", "Windsor", "Alder", "Beech", "Chapel",
    "Harbour", "Hill", "Mill", "Station", "Park", "School", "Orchard", "Willow", "Maple", "Heath",
)  # fmt: skip
STREET_SUFFIXES = ("Road", "Street", "Avenue", "Close", "Lane", "Drive", "Gardens", "Way", "Crescent", "Court")
TREES = ("Oak", "Beech", "Willow", "Rowan", "Hazel", "Holly", "Cedar", "Birch", "Elm", "Ash", "Maple", "Larch")

# Real public places with approximate coordinates; each sits on the nearest packaged postcode.
STATIONS = (
    ("Bournemouth station", 50.7273, -1.8645), ("Poole station", 50.7191, -1.9834),
    ("Weymouth station", 50.6153, -2.4543), ("Dorchester South station", 50.7093, -2.4370),
    ("Wareham station", 50.6929, -2.1152), ("Christchurch station", 50.7381, -1.7845),
    ("Parkstone station", 50.7228, -1.9490), ("Branksome station", 50.7270, -1.9195),
    ("Pokesdown station", 50.7312, -1.8246), ("Hamworthy station", 50.7252, -2.0193),
    ("Sherborne station", 50.9440, -2.5131), ("Gillingham station", 51.0341, -2.2727),
    ("Wool station", 50.6815, -2.2213),
)  # fmt: skip
HOSPITALS = (
    ("Royal Bournemouth Hospital", 50.7470, -1.8240), ("Poole Hospital", 50.7220, -1.9720),
    ("Dorset County Hospital", 50.7130, -2.4470),
)  # fmt: skip
CUSTODY_SUITES = (("Bournemouth custody suite", 50.7420, -1.8700), ("Weymouth custody suite", 50.6250, -2.4600))
# Places outside Dorset where Dorset children are found (and from where county lines run).
OUT_OF_AREA = (
    ("Southampton city centre", "SO14"), ("Bristol, Temple Meads", "BS1"), ("Yeovil town centre", "BA20"),
    ("Salisbury city centre", "SP1"), ("London, Brixton", "SW9"), ("London, Croydon", "CR0"),
    ("Birmingham city centre", "B2"), ("Reading town centre", "RG1"), ("Exeter city centre", "EX1"),
)  # fmt: skip
FOOTBALL_GROUNDS = (("St Mary's Stadium, Southampton", "SO14"), ("Ashton Gate, Bristol", "BS3"))
# How many invented places of each type per scale (children's homes: Dorset and BCP look after
# about 1,000 children, roughly one in eight in children's homes of three or four beds).
PLACE_COUNTS = {
    "tiny": {"childrens_home": 4, "school": 10, "hotel": 5, "park": 5, "takeaway": 6, "shop": 4, "leisure": 3},
    "county": {"childrens_home": 30, "school": 90, "hotel": 40, "park": 40, "takeaway": 60, "shop": 30, "leisure": 15},
    "large": {
        "childrens_home": 300, "school": 900, "hotel": 400, "park": 400, "takeaway": 600, "shop": 300, "leisure": 150,
    },
}  # fmt: skip
SEASIDE = ("BH1", "BH2", "BH5", "BH6", "DT4", "BH19")


@dataclass(frozen=True, slots=True)
class Postcode:
    code: str
    latitude: float
    longitude: float
    district: str

    @property
    def town(self) -> str:
        return TOWNS.get(self.district, "Dorset")


@dataclass(frozen=True, slots=True)
class Place:
    """A row of ``locations``: a home or a named place on a real postcode."""

    ref: str
    place_type: str
    name: str
    address_text: str
    postcode: str
    latitude: float
    longitude: float
    town: str


@cache
def postcodes() -> tuple[Postcode, ...]:
    """The live Dorset and BCP postcodes, in file order."""
    with resources.files("safeguarding.synth.data").joinpath("dorset_postcodes.csv").open(encoding="utf-8") as fh:
        return tuple(
            Postcode(r["postcode"], float(r["latitude"]), float(r["longitude"]), r["postcode"].split(" ")[0])
            for r in csv.DictReader(fh)
        )


def _mix(n: int) -> int:
    """A cheap integer hash (splitmix-style) so homes spread over postcodes without a random stream."""
    n = (n * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF
    n ^= n >> 31
    n = (n * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    return n ^ (n >> 29)


def uprn(address: int) -> int:
    """A 12-digit UPRN-like reference for home number ``address`` (below 2**39).

    A bijection on 39-bit numbers (odd multiplications and an xor-shift, each invertible), so no
    two homes share one and nearby or offset home numbers give unrelated references: the number
    says nothing about which homes scenarios planted.
    """
    mask = (1 << 39) - 1
    x = (address * 0x2545F4914F) & mask
    x ^= x >> 19
    x = (x * 0x1B873593) & mask
    x ^= x >> 17
    return 100_000_000_000 + x


def street(index: int) -> str:
    """The invented street of a postcode (one per postcode, as a postcode covers part of a street)."""
    stem = STREET_STEMS[(index * 7 + 3) % len(STREET_STEMS)]
    return f"{stem} {STREET_SUFFIXES[(index * 13 + 1) % len(STREET_SUFFIXES)]}"


def home(address: int, flat: bool = False) -> Place:
    """Home number ``address``: a house (or a flat) on a real postcode, with a UPRN-like reference."""
    pcs = postcodes()
    h = _mix(address)
    index = h % len(pcs)
    pc = pcs[index]
    number = 1 + (h >> 20) % 140
    line = f"Flat {1 + (h >> 40) % 12}, {number} {street(index)}" if flat else f"{number} {street(index)}"
    jitter_lat = (((h >> 8) % 1000) - 500) / 1_000_000
    jitter_lon = (((h >> 30) % 1000) - 500) / 1_000_000
    return Place(
        ref=f"UPRN{uprn(address)}",
        place_type="home",
        name="",
        address_text=f"{line}, {pc.town}, {pc.code}",
        postcode=pc.code,
        latitude=round(pc.latitude + jitter_lat, 6),
        longitude=round(pc.longitude + jitter_lon, 6),
        town=pc.town,
    )


@cache
def _nearest(lat: float, lon: float) -> int:
    pcs = postcodes()
    return min(range(len(pcs)), key=lambda i: (pcs[i].latitude - lat) ** 2 + (pcs[i].longitude - lon) ** 2)


class Gazetteer:
    """The force's named places for one run, made from the geography stream."""

    def __init__(self, rng: random.Random, scale: str) -> None:
        self.rng = rng
        self.places: list[Place] = []
        self.by_type: dict[str, list[Place]] = {}
        self._counter = 0
        for name, lat, lon in STATIONS:
            self._add("station", name, _nearest(lat, lon))
        for name, lat, lon in HOSPITALS:
            self._add("hospital", name, _nearest(lat, lon))
        for name, lat, lon in CUSTODY_SUITES:
            self._add("custody_suite", name, _nearest(lat, lon))
        for place_type, count in PLACE_COUNTS[scale].items():
            for _ in range(count):
                index = self._postcode_for(place_type)
                self._add(place_type, self._name(place_type, postcodes()[index]), index)

    def _postcode_for(self, place_type: str) -> int:
        pcs = postcodes()
        while True:
            index = self.rng.randrange(len(pcs))
            # Hotels cluster on the coast; everything else follows where postcodes (people) are.
            if place_type != "hotel" or pcs[index].district in SEASIDE or self.rng.random() < 0.3:
                return index

    def _name(self, place_type: str, pc: Postcode) -> str:
        r = self.rng
        stem = r.choice(STREET_STEMS)
        names = {
            "childrens_home": f"{r.choice(TREES)} {r.choice(['House', 'Lodge', 'View', 'Cottage'])}",
            "school": r.choice([f"{pc.town} Academy", f"St {r.choice(['Mary', 'Peter', 'Edward', 'Aldhelm'])}'s School",
                                f"{stem} Community School", f"{stem} Primary School"]),
            "hotel": r.choice([f"The {stem} Hotel", f"{pc.town} Lodge Hotel", f"{stem} Guest House", "Seaview Hotel"]),
            "park": r.choice([f"{stem} Park", f"{stem} Recreation Ground", f"{stem} Gardens"]),
            "takeaway": r.choice([f"{stem} Fried Chicken", f"{pc.town} Kebab House", "Golden Dragon takeaway",
                                  f"{stem} Pizza"]),
            "shop": r.choice([f"{stem} Convenience Store", f"{stem} Shopping Centre", "Late Shop"]),
            "leisure": r.choice([f"{pc.town} Leisure Centre", f"{stem} Skate Park", f"{pc.town} Bowling"]),
        }  # fmt: skip
        return names[place_type]

    def _add(self, place_type: str, name: str, index: int) -> Place:
        pc = postcodes()[index]
        self._counter += 1
        place = Place(
            ref=f"PL{self._counter:06d}",
            place_type=place_type,
            name=name,
            address_text=f"{name}, {street(index)}, {pc.town}, {pc.code}",
            postcode=pc.code,
            latitude=pc.latitude,
            longitude=pc.longitude,
            town=pc.town,
        )
        self.places.append(place)
        self.by_type.setdefault(place_type, []).append(place)
        return place

    def pick(self, rng: random.Random, place_type: str) -> Place:
        """A random place of a type."""
        return rng.choice(self.by_type[place_type])
