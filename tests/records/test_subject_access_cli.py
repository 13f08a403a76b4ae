"""`safeguarding subject-access PERSON_ID --out DIR`: the bundle on disk, its manifest, and the audit entry."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from records_data import build
from safeguarding import db
from safeguarding.cli import app
from safeguarding.config import Settings
from safeguarding.security import audit


def test_the_command_writes_every_record_marks_third_parties_and_audits_the_disclosure(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    build(settings, tmp_path)
    out = tmp_path / "sar"
    runner = CliRunner()
    result = runner.invoke(app, ["--data-dir", str(settings.data_dir), "subject-access", "P-3", "--out", str(out),
                                 "--request", "SAR-7", "--recipient", "Ms K Marsh"])  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    # Kerry Marsh is the suspect on CR1, the offender on CR2 and the reporting person on IN1.
    crimes = (out / "records_crimes.csv").read_text()
    assert "CR1" in crimes and "CR2" in crimes
    incidents = (out / "records_incidents.csv").read_text()
    assert "reporting_person" in incidents and "Jayden Marsh (subject)" in incidents
    header, row = list(csv.reader(io.StringIO(incidents)))[:2]
    assert dict(zip(header, row, strict=True))["_check_for_third_parties"] == "narrative"  # free text to read
    html = (out / "index.html").read_text()
    assert 'class="redact"' in html and "Not for disclosure as it stands" in html
    assert manifest["rows"]["snapshot_record_reviews"] == 3  # CR1, CR2, IN1 fall due on their own dates
    engine = db.make_engine(settings.app_database_url)
    with db.session_factory(engine)() as session:
        (entry,) = [e for e in audit.recent(session, 20) if e.action == "disclosure.subject_access"]
    engine.dispose()
    assert entry.object_id == "P-3"
    assert json.loads(entry.detail)["recipient"] == "Ms K Marsh" and json.loads(entry.detail)["request"] == "SAR-7"


def test_an_unknown_person_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    build(settings, tmp_path)
    result = CliRunner().invoke(app, ["--data-dir", str(settings.data_dir), "subject-access", "P-404",
                                      "--out", str(tmp_path / "x")])  # fmt: skip
    assert result.exit_code == 1
    assert "no person 'P-404'" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()
