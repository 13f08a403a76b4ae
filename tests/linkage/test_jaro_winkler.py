"""linkage/jaro_winkler.py is DuckDB's jaro_winkler_similarity to the last bit, on both engines."""

from __future__ import annotations

import random

import duckdb
import pytest

from safeguarding.linkage.jaro_winkler import SPARK_NAME, jaro_winkler, memoised

# Pairs on which Splink's Spark jar and DuckDB disagree (an odd count of out-of-order matched characters), and
# edge cases: accents (code points, not bytes), empty strings, a long common prefix (the bonus counts 4).
KNOWN = [
    ("davies", "frederick"), ("jayden", "alexandra"), ("nathaniel", "christopher"), ("martha", "christopher"),
    ("café", "cafe"), ("añb", "anb"), ("é", "e"), ("", ""), ("a", ""), ("christopher", "christophe"),
    ("mohammed", "mohamed"), ("shepherd", "shephard"), ("abc", "bca"), ("ab", "ba"),
]  # fmt: skip


def _generated(n: int, seed: int) -> list[tuple[str, str]]:
    """Strings and near copies of them (a deletion, insertion or swap of neighbours, up to four times)."""
    rnd = random.Random(seed)
    alphabet = "abcdeilmnorst é-'"
    pairs = []
    for _ in range(n):
        a = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 24)))
        b = list(a)
        for _ in range(rnd.randint(0, 4)):
            op, k = rnd.random(), rnd.randrange(len(b) + 1)
            if op < 0.3 and b:
                b.pop(min(k, len(b) - 1))
            elif op < 0.6:
                b.insert(k, rnd.choice(alphabet))
            elif len(b) > 1:
                i = rnd.randrange(len(b) - 1)
                b[i], b[i + 1] = b[i + 1], b[i]
        pairs.append((a, "".join(b)))
    return pairs


def _duckdb(pairs: list[tuple[str, str]]) -> list[float]:
    with duckdb.connect() as con:
        rows = con.execute(
            "SELECT jaro_winkler_similarity(a, b) FROM (SELECT unnest(?) AS a, unnest(?) AS b)",
            [[a for a, _ in pairs], [b for _, b in pairs]],
        ).fetchall()
    return [r[0] for r in rows]


def test_equals_duckdb_bit_for_bit() -> None:
    pairs = KNOWN + _generated(20_000, seed=7)
    ours = [jaro_winkler(a, b) for a, b in pairs]
    differ = [(p, o, d) for p, o, d in zip(pairs, ours, _duckdb(pairs), strict=True) if o != d]
    assert differ == []


def test_null_is_null() -> None:
    assert jaro_winkler(None, "a") is None
    assert jaro_winkler("a", None) is None


@pytest.mark.spark
def test_spark_computes_duckdbs_value(spark_settings: object) -> None:
    from safeguarding.lake.spark import register_functions, spark_session

    spark = spark_session()
    register_functions(spark)
    pairs = KNOWN + _generated(300, seed=11)
    frame = spark.createDataFrame(pairs, "a string, b string")
    frame.createOrReplaceTempView("jw_pairs")
    got = {(r.a, r.b): r.s for r in spark.sql(f"SELECT a, b, {SPARK_NAME}(a, b) AS s FROM jw_pairs").collect()}
    want = dict(zip(pairs, _duckdb(pairs), strict=True))
    assert got == want


def test_memoised_gives_the_same_values_and_stays_bounded() -> None:
    pairs = KNOWN + _generated(3_000, seed=11)
    similarity = memoised(limit=100)
    first = [similarity(a, b) for a, b in pairs]
    again = [similarity(a, b) for a, b in reversed(pairs)]  # a full memo is emptied and filled again
    assert first == [jaro_winkler(a, b) for a, b in pairs]
    assert again == list(reversed(first))
    (memo,) = [c.cell_contents for c in similarity.__closure__ or () if isinstance(c.cell_contents, dict)]
    assert 0 < len(memo) <= 100
    assert similarity(None, "a") is None
