"""The command line starts fast: `import safeguarding.cli` and `safeguarding --help` load no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each costs from a tenth of a second to several seconds to import on a loaded 2-core machine (issue #27).
HEAVY = {"duckdb", "pyarrow", "splink", "pyspark", "fastapi", "sqlalchemy", "alembic", "argon2", "sqlglot", "numpy"}


def _loaded_after(statement: str) -> set[str]:
    """Top-level packages in sys.modules after running ``statement`` in a fresh interpreter."""
    code = (
        f"import json, sys\n{statement}\n"
        "sys.stdout.write('\\n' + json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def test_importing_the_cli_loads_no_heavy_library() -> None:
    assert _loaded_after("import safeguarding.cli") & HEAVY == set()


@pytest.mark.parametrize("argv", [["--help"], ["users", "--help"], ["assess", "--help"], ["link", "--help"]])
def test_help_loads_no_heavy_library(argv: list[str]) -> None:
    statement = (
        f"sys.argv = ['safeguarding', *{argv!r}]\nimport safeguarding.cli\n"
        "try:\n    safeguarding.cli.main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code"
    )
    assert _loaded_after(statement) & HEAVY == set()


def test_the_check_sees_a_heavy_import() -> None:
    assert "duckdb" in _loaded_after("import safeguarding.cli\nimport duckdb")
