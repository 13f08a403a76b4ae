from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safeguarding.cli import app
from safeguarding.config import ConfigError, Settings, load_settings
from safeguarding.policy.levels import use_levels_file

DOC = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"


def test_defaults_need_no_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings(environ={})
    assert settings.data_dir == Path("safeguarding-data")
    assert settings.app_database_url.endswith("safeguarding-data/app.sqlite3")
    assert settings.engine == "duckdb"


def test_toml_then_environment_then_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text('[safeguarding]\ndata_dir = "/srv/a"\nport = 9000\nmax_reject_rate = 0.1\n')
    settings = load_settings(toml, environ={"SAFEGUARDING_PORT": "9100"})
    assert (settings.data_dir, settings.port, settings.max_reject_rate) == (Path("/srv/a"), 9100, 0.1)
    assert settings.with_overrides(port=None, data_dir=Path("/x")).data_dir == Path("/x")


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("bogus = 1\n", {}, "unknown setting 'bogus'"),
        ("port = 'eighty'\n", {}, "port = 'eighty' is not a valid int"),
        ("", {"SAFEGUARDING_ENGINE": "oracle"}, "engine must be one of duckdb, spark"),
        ("", {"SAFEGUARDING_MAX_REJECT_RATE": "2"}, "max_reject_rate must be between 0 and 1"),
    ],
)
def test_bad_settings_are_named(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(toml, environ=env)


def test_every_setting_is_documented() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for f in fields(Settings):
        assert f"`{f.name}`" in doc, f"docs/configuration.md does not describe {f.name}"
        assert f"`{f.metadata['env']}`" in doc


def test_a_malformed_service_level_file_stops_the_command_naming_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "levels.yaml"
    bad.write_text("custody:\n  aa_arrive_within_minutes: two hours\n", encoding="utf-8")
    env = {"SAFEGUARDING_SERVICE_LEVELS_FILE": str(bad), "SAFEGUARDING_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 2
    assert f"{bad}: custody.aa_arrive_within_minutes must be a number" in result.output
    assert not (tmp_path / "data").exists()
    use_levels_file(None)
