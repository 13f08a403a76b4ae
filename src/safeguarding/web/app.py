"""The portal's FastAPI application: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from safeguarding import __version__, db
from safeguarding.config import Settings
from safeguarding.policy import text as policy_text
from safeguarding.policy.levels import use_levels_file
from safeguarding.records.schedule import use_schedule_file
from safeguarding.records.subject_access import mark_third_parties
from safeguarding.security import csrf
from safeguarding.security.policy import SecurityPolicy, load_policy
from safeguarding.web import (
    api,
    routes_admin,
    routes_alerts,
    routes_audits,
    routes_auth,
    routes_boards,
    routes_gold,
    routes_home,
    routes_maps,
    routes_outcomes,
    routes_panels,
    routes_partner,
    routes_people,
    routes_problems,
    routes_records,
    routes_search,
)
from safeguarding.web.auth import (
    ApiAuthFailed,
    CsrfFailed,
    LoginRequired,
    PasswordChangeRequired,
    PermissionDenied,
    SecondFactorEnrolmentRequired,
    SecondFactorRequired,
    Viewer,
    login_url,
)
from safeguarding.web.data.reader import SnapshotReader
from safeguarding.web.headers import SecurityHeaders
from safeguarding.web.limits import RequestLimits
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


def _templates(settings: Settings, policy: SecurityPolicy) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["london"] = london_time
    templates.env.filters["mark_third_parties"] = mark_third_parties
    templates.env.filters["policy_text"] = policy_text  # "{policy:missing.rhi_within_hours}" -> the level in force
    templates.env.globals["synthetic_banner"] = settings.synthetic_banner
    templates.env.globals["version"] = __version__
    templates.env.globals["csrf_field"] = csrf.FIELD_NAME
    # When the demo relaxes the administrators' second factor, every page says so.
    templates.env.globals["admin_totp_relaxed"] = not policy.admin_totp_required
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

    @app.exception_handler(SecondFactorRequired)
    async def _second(request: Request, exc: SecondFactorRequired) -> Response:
        return RedirectResponse("/login/second-factor", status_code=303)

    @app.exception_handler(SecondFactorEnrolmentRequired)
    async def _enrol(request: Request, exc: SecondFactorEnrolmentRequired) -> Response:
        return RedirectResponse("/account/second-factor", status_code=303)

    @app.exception_handler(ApiAuthFailed)
    async def _api(request: Request, exc: ApiAuthFailed) -> Response:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)

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

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # A path id that is not one (too large, not a number) names nothing: 404, as for an unknown id.
        if exc.errors() and all(e.get("loc", ("",))[0] == "path" for e in exc.errors()):
            if request.url.path.startswith("/api/"):
                return JSONResponse({"detail": "Not Found"}, status_code=404)
            return _error_page(request, 404, "Page not found", "There is nothing at this address.")
        return await request_validation_exception_handler(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        if exc.status_code == 404:
            return _error_page(request, 404, "Page not found", "There is nothing at this address.")
        if exc.status_code == 405:
            return _error_page(request, 405, "Not allowed", "This address does not accept that request.")
        return _error_page(request, exc.status_code, "Something went wrong", "The request could not be met.")


def create_app(settings: Settings, policy: SecurityPolicy | None = None) -> FastAPI:
    """The portal for ``settings``; brings the app database up to date first."""
    policy = policy or load_policy()
    use_levels_file(settings.service_levels_file)
    use_schedule_file(settings.retention_schedule_file)
    db.upgrade(settings.app_database_url)
    engine = db.make_engine(settings.app_database_url)
    snapshots = SnapshotReader(settings.snapshot_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        snapshots.close()
        engine.dispose()

    # The interactive API docs load scripts from a CDN and need inline script, so they stay off; the
    # OpenAPI description itself is served (it describes the API, it holds no data).
    app = FastAPI(
        title="Safeguarding API",
        version=__version__,
        description="JSON API of the Safeguarding portal. Send `Authorization: Bearer <token>`.",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=lifespan,
    )
    templates = _templates(settings, policy)
    # Every signed-in page says when the published snapshot is damaged and an older one is shown.
    templates.env.globals["snapshot_warning"] = snapshots.warning
    app.state.safeguarding = AppState(
        settings=settings, policy=policy, factory=db.session_factory(engine), templates=templates,
        snapshots=snapshots,
    )  # fmt: skip
    # Added first, so it runs inside SecurityHeaders: its 413 and 429 answers carry the headers too.
    app.add_middleware(RequestLimits, evidence_max_mb=settings.evidence_max_mb)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (
        routes_auth.router, routes_home.router, routes_alerts.router, routes_people.router, routes_search.router,
        routes_maps.router, routes_partner.router, routes_admin.router, api.router, routes_boards.router,
    ):  # fmt: skip
        app.include_router(router)
    for router in (routes_audits.router, routes_panels.router, routes_gold.router, routes_problems.router,
                   routes_outcomes.router, routes_records.router):  # fmt: skip
        app.include_router(router)
    _install_error_handlers(app)
    return app


__all__ = ["Viewer", "create_app", "london_time"]
