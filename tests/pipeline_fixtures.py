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
