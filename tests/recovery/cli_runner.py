"""Run the `safeguarding` command in-process through its real entry point (exit codes and messages
exactly as a user sees them)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from safeguarding import cli


def run_cli(
    args: list[str], data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``safeguarding ARGS`` on ``data_dir``."""
    monkeypatch.setenv("SAFEGUARDING_DATA_DIR", str(data_dir))
    monkeypatch.setattr(sys, "argv", ["safeguarding", *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        cli.main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err
