"""Name keys for matching: a canonical given name (nicknames folded in) and phonetic codes.

The nickname table is this package's own (linkage/data/nicknames.csv), written from common English
usage; it is not the synthetic generator's list, so linkage is not graded on its own answers.
Phonetic codes (Metaphone, via jellyfish) are computed once per distinct name and joined in SQL.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

import duckdb
import jellyfish
import pyarrow as pa

_LETTERS = re.compile(r"[^a-z]")


def normalise(name: str | None) -> str | None:
    """Lower-case letters only; None for nothing left."""
    if not name:
        return None
    text = _LETTERS.sub("", name.lower())
    return text or None


@cache
def nickname_table() -> dict[str, str]:
    """Variant -> canonical name. A variant shared by two names (e.g. 'sam') keeps its first."""
    table: dict[str, str] = {}
    with resources.files("safeguarding.linkage.data").joinpath("nicknames.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            canonical = row["canonical"]
            table.setdefault(canonical, canonical)
            for variant in row["variants"].split("|"):
                table.setdefault(variant, canonical)
    return table


def canonical(name: str | None) -> str | None:
    key = normalise(name)
    if key is None:
        return None
    return nickname_table().get(key, key)


def phonetic(name: str | None) -> str | None:
    key = normalise(name)
    return jellyfish.metaphone(key) if key else None


def register_name_keys(con: duckdb.DuckDBPyConnection, names: Iterable[str | None], table: str) -> None:
    """Register ``table`` (name, canonical, metaphone) for the distinct names given, for joins in SQL."""
    distinct = sorted({n for n in names if n})
    con.register(
        table,
        pa.table(
            {
                "name": distinct,
                "canonical": [canonical(n) for n in distinct],
                "metaphone": [phonetic(n) for n in distinct],
            }
        ),
    )
