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


def test_a_load_committed_without_its_audit_entry_is_found_and_written_by_the_next_stage(
    tiny_force: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding import reconcile

    settings = Settings(data_dir=tmp_path / "data")

    def crash(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")  # the load has committed; its audit entry cannot be written

    with monkeypatch.context() as m:
        m.setattr(pipeline, "record_cli", crash)
        with pytest.raises(OSError):
            pipeline.run_ingest(settings, [tiny_force / "exports"])
    (gap,) = reconcile.gaps(settings)
    assert gap.kind == "load" and gap.object_id == settings_load_id(settings)
    pipeline.run_link(settings)  # the next stage closes the gap before it starts
    assert reconcile.gaps(settings) == []
    entry = next(e for e in _entries(settings) if e.action == "ingest.load")
    assert entry.object_id == gap.object_id and '"reconciled":true' in entry.detail


def test_a_link_run_and_an_erasure_without_entries_are_gaps(
    tiny_force: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safeguarding import reconcile
    from safeguarding.lake.erase import Target, erase
    from safeguarding.lake.store import Lake

    settings = Settings(data_dir=tmp_path / "data")
    pipeline.run_ingest(settings, [tiny_force / "exports"])
    with monkeypatch.context() as m:
        m.setattr(pipeline, "record_cli", lambda *a, **k: None)  # as if killed right after the commit
        pipeline.run_link(settings)
    erase(Lake(settings.lake_dir), [Target("persons", "niche", "NOBODY")], "test", "cli:test")
    assert sorted(g.kind for g in reconcile.gaps(settings)) == ["erasure", "link_run"]
    written = reconcile.reconcile(settings, "cli:test")
    assert len(written) == 2 and reconcile.gaps(settings) == []


def test_audit_verify_fails_while_a_committed_load_has_no_entry(
    tiny_force: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from safeguarding.cli import app

    settings = Settings(data_dir=tmp_path / "data")
    monkeypatch.setenv("SAFEGUARDING_DATA_DIR", str(settings.data_dir))
    with monkeypatch.context() as m:
        m.setattr(pipeline, "record_cli", lambda *a, **k: None)
        pipeline.run_ingest(settings, [tiny_force / "exports"])
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 1 and "has no audit entry" in result.output
    pipeline.reconcile_audit(settings)
    result = CliRunner().invoke(app, ["audit", "verify"])
    assert result.exit_code == 0, result.output


def test_assess_after_a_load_that_was_not_linked_links_first(tiny_force: Path, tmp_path: Path) -> None:
    import shutil

    settings = Settings(data_dir=tmp_path / "data")
    exports = sorted((tiny_force / "exports").iterdir())
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir()
    later.mkdir()
    persons = [p for p in exports if p.name.startswith("persons-")]
    for p in exports:
        shutil.copy(p, later if p == persons[-1] else first)
    pipeline.run_ingest(settings, [first])
    pipeline.run_link(settings)
    new_load = pipeline.run_ingest(settings, [later]).load_id
    assert pipeline.unlinked_loads(settings) == [new_load]
    pipeline.run_assess(settings)  # links first rather than omit the new records
    assert pipeline.unlinked_loads(settings) == []
    import pyarrow.parquet as pq

    linked = pq.read_table(pipeline.linkage_dir(settings) / "mentions.parquet").num_rows
    pipeline.run_link(settings)
    assert pq.read_table(pipeline.linkage_dir(settings) / "mentions.parquet").num_rows == linked


def settings_load_id(settings: Settings) -> str:
    from safeguarding.lake.store import Lake

    (manifest,) = Lake(settings.lake_dir).manifests()
    return str(manifest["load_id"])
