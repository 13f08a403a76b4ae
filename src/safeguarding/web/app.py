"""The portal's FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeguarding import __version__, db
from safeguarding.config import Settings
from safeguarding.security import csrf
from safeguarding.web import routes_auth, routes_pages
from safeguarding.web.auth import (
    CsrfFailed,
    LoginRequired,
    PasswordChangeRequired,
    PermissionDenied,
    Viewer,
    login_url,
)
from safeguarding.web.headers import SecurityHeaders
from safeguarding.web.state import AppState, app_state

HERE = Path(__file__).parent
LONDON = ZoneInfo("Europe/London")


def london_time(value: datetime | str | None) -> str:
    """A UTC instant (or its ISO text) as UK local time (GMT or BST, as the date requires)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        instant = value
    return instant.astimezone(LONDON).strftime("%d %b %Y %H:%M")


def _templates(settings: Settings) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["london"] = london_time
    templates.env.globals["synthetic_banner"] = settings.synthetic_banner
    templates.env.globals["version"] = __version__
    templates.env.globals["csrf_field"] = csrf.FIELD_NAME
    return templates


def _error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    login_session = getattr(request.state, "login_session", None)
    return app_state(request).templates.TemplateResponse(
        request,
        "error.html",
        {"title": title, "message": message, "viewer": None, "login_session": login_session},
        status_code=status_code,
    )


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _change(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse("/change-password", status_code=303)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return _error_page(request, 403, "Not permitted", "Your roles do not give access to this page.")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error_page(
            request,
            403,
            "Form expired",
            "This form was out of date or not sent by this site. Please try again.",
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return _error_page(request, 404, "Page not found", "There is nothing at this address.")
        if exc.status_code == 405:
            return _error_page(request, 405, "Not allowed", "This address does not accept that request.")
        return _error_page(request, exc.status_code, "Something went wrong", "The request could not be met.")


def create_app(settings: Settings) -> FastAPI:
    """The portal for ``settings``; brings the app database up to date first."""
    db.upgrade(settings.app_database_url)
    engine = db.make_engine(settings.app_database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    # The interactive API docs load scripts from a CDN and would need inline script: off until the
    # JSON API arrives with its own, self-hosted docs.
    app = FastAPI(
        title="Safeguarding",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.safeguarding = AppState(
        settings=settings, factory=db.session_factory(engine), templates=_templates(settings)
    )
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(routes_auth.router)
    app.include_router(routes_pages.router)
    _install_error_handlers(app)
    return app


__all__ = ["Viewer", "create_app", "london_time"]
