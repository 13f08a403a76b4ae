"""Collection, combination and erasure are written to the audit log (DPA 2018 s.62)."""

from __future__ import annotations

from pathlib import Path

import pytest

from safeguarding import db, pipeline
from safeguarding.config import Settings
from safeguarding.ingest.errors import FileError
from safeguarding.security import audit


def _entries(settings: Settings) -> list[audit.AuditEntry]:
    engine = db.make_engine(settings.app_database_url)
    try:
        with db.session_factory(engine)() as session:
            assert audit.verify(session).ok
            return list(reversed(audit.recent(session, 100)))
    finally:
        engine.dispose()


def test_loads_refusals_and_linkage_are_audited(tiny_force: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    loaded = pipeline.run_ingest(settings, [tiny_force / "exports"])
    bad = tmp_path / "missing_episodes-2030-01.csv"
    bad.write_text("source_system\ncompact\n")
    with pytest.raises(FileError):
        pipeline.run_ingest(settings, [bad])
    pipeline.run_link(settings)
    actions = [(e.action, e.object_id) for e in _entries(settings)]
    assert ("ingest.load", loaded.load_id) in actions
    assert ("ingest.refused", bad.name) in actions
    assert any(a == "linkage.run" for a, _ in actions)
    load_entry = next(e for e in _entries(settings) if e.action == "ingest.load")
    assert all(e.username and e.username.startswith("cli:") for e in _entries(settings))
    # By reference: file names, hashes and counts, never row content.
    assert "sha256" in load_entry.detail and "surname" not in load_entry.detail
