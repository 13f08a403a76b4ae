"""PySpark is an optional extra (`safeguarding[spark]`): without it, the Spark engine says how to get it."""

from __future__ import annotations

import sys

import pytest

from safeguarding.config import ConfigError, Settings
from safeguarding.lake import spark


def test_spark_engine_without_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)  # makes `import pyspark` fail as if it were absent
    with pytest.raises(ConfigError, match=r"PySpark is not installed: install the spark extra .*safeguarding\[spark\]"):
        spark.spark_session(Settings(engine="spark"))
