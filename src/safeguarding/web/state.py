"""What the app keeps for its lifetime (settings, database sessions, templates), reached from a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from fastapi import Request
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from safeguarding.config import Settings


@dataclass(frozen=True)
class AppState:
    settings: Settings
    factory: sessionmaker[Session]
    templates: Jinja2Templates

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.settings.session_hours)


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.safeguarding
    return state
