"""The app-database fixtures: a copy of a database migrated once per run, at head, and never shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import users


def _head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def test_settings_database_is_already_at_head_on_sqlite(settings: Settings) -> None:
    if not settings.app_database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL app databases start empty and are migrated by the code under test")
    assert db.current_revision(settings.app_database_url) == _head()


def test_each_test_gets_its_own_copy(factory: sessionmaker[Session], _migrated_sqlite: Path) -> None:
    users.add_user(factory, "copy.check", ["analyst"], None)
    template = db.session_factory(db.make_engine(f"sqlite:///{_migrated_sqlite}"))
    assert [u.username for u in users.list_users(factory)] == ["copy.check"]
    assert users.list_users(template) == []  # the template stays empty for the next test
    template.kw["bind"].dispose()
