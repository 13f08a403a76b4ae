"""Fixtures (loaded as a pytest plugin) that build small data with the synthetic generator."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from safeguarding.config import Settings


@pytest.fixture(autouse=True, scope="session")
def _quiet_progress() -> Iterator[None]:
    os.environ["SAFEGUARDING_QUIET"] = "1"
    yield


@pytest.fixture(scope="session")
def tiny_force(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic force (seed 7): DIR with exports/ and truth/."""
    from safeguarding.synth.force import SynthOptions, generate

    out = tmp_path_factory.mktemp("tiny-force")
    generate(SynthOptions(scale="tiny", seed=7), out)
    return out


@pytest.fixture(scope="session")
def pipeline_settings(tiny_force: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a data folder where the whole pipeline has run once on ``tiny_force``."""
    from safeguarding import pipeline

    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    pipeline.run_ingest(settings, [tiny_force / "exports"])
    pipeline.run_link(settings)
    pipeline.run_assess(settings)
    return settings


@pytest.fixture
def lake_settings(tmp_path: Path) -> Settings:
    """Settings of an empty data folder."""
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture(scope="session")
def spark_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings with engine=spark, and the ONE Spark session (local mode) of the test run, started here.

    Every Spark test shares it: later ``spark_session`` calls return the active session. Small shuffles
    suit tiny data. Stopped when the run ends.
    """
    from safeguarding.lake.spark import spark_session

    settings = Settings(
        data_dir=tmp_path_factory.mktemp("spark"),
        engine="spark",
        spark_master="local[2]",
        spark_conf="spark.sql.shuffle.partitions=2;spark.default.parallelism=2;spark.driver.memory=2g",
    )
    spark = spark_session(settings)
    yield settings
    spark.stop()


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def engine_name(request: pytest.FixtureRequest) -> str:
    """Both engines, as Splink's own tests do; the Spark case is marked `spark` (select with -m spark)."""
    if request.param == "spark":
        request.getfixturevalue("spark_settings")
    return str(request.param)
