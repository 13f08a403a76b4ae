"""Fixtures for in-process tests of the portal: a user, a fixture snapshot and a TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from portal_client import Portal, TestClient

from safeguarding.config import Settings
from safeguarding.security import users
from safeguarding.security.cli import open_app_db
from safeguarding.web import create_app


@pytest.fixture
def add_user(settings: Settings) -> Callable[..., str]:
    """Create a user on the portal's database; returns the one-time password."""

    def add(username: str = "alice", roles: tuple[str, ...] = ("analyst",), name: str = "Alice Analyst") -> str:
        factory = open_app_db(settings)
        try:
            _info, one_time = users.add_user(factory, username, roles, name)
        finally:
            factory.kw["bind"].dispose()
        return one_time

    return add


@pytest.fixture
def portal(settings: Settings, csrf_from: Callable[[str], str]) -> Iterator[Portal]:
    with TestClient(create_app(settings)) as client:
        yield Portal(client=client, settings=settings, csrf_from=csrf_from)


@pytest.fixture
def published(settings: Settings, make_snapshot: Callable[..., None]) -> None:
    """Publish the fixture snapshot into the portal's data folder."""
    make_snapshot(settings.snapshot_dir)
