"""What the app keeps for its lifetime (settings, policy, database sessions, templates, the snapshot
reader), reached from a request."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.config import Settings
from safeguarding.security.policy import SecurityPolicy
from safeguarding.security.sessions import Lifetime
from safeguarding.web.data.reader import SnapshotReader


@dataclass(frozen=True)
class AppState:
    settings: Settings
    policy: SecurityPolicy
    factory: sessionmaker[Session]
    templates: Jinja2Templates
    snapshots: SnapshotReader

    @property
    def session_lifetime(self) -> Lifetime:
        return Lifetime(idle=self.policy.session_idle, absolute=self.policy.session_max)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.safeguarding
    return state
