from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from safeguarding import db
from safeguarding.security import models  # noqa: F401  (registers the tables)
from safeguarding.workflow import board_models, linkage_decisions  # noqa: F401


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"migrations have several heads: {heads}"
    return str(heads[0])


def test_upgrade_an_empty_database_and_again(app_db_url: str) -> None:
    assert db.current_revision(app_db_url) is None
    db.upgrade(app_db_url)
    db.upgrade(app_db_url)  # a second run changes nothing
    assert db.current_revision(app_db_url) == _head()
    engine = db.make_engine(app_db_url)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"users", "user_roles", "login_sessions", "audit_log", "audit_head", "linkage_decisions"} <= tables


def test_migrations_match_the_models(app_db_url: str) -> None:
    """A model changed without a migration (or the reverse) fails here."""
    db.upgrade(app_db_url)
    engine = db.make_engine(app_db_url)
    try:
        with engine.connect() as con:
            diff = compare_metadata(MigrationContext.configure(con), db.Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_postgres_urls_use_psycopg() -> None:
    assert db.normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_url("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert db.normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_sqlite_enforces_foreign_keys(tmp_path: object) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path}/fk.sqlite3")
    try:
        with engine.connect() as con:
            assert con.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
