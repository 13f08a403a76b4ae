"""Command-line sub-apps for users, the audit log and the app database; the main CLI mounts them.

safeguarding users add|list|disable|reset|reset-second-factor|token|revoke-token
safeguarding audit verify [--anchor FILE] | anchor [--out FILE]
safeguarding db upgrade
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from safeguarding.config import ConfigError, Settings, load_settings
from safeguarding.security.permissions import Role, UnknownRoleError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

# SQLAlchemy, the migrations and Argon2 load inside each command, not here: the main CLI mounts these apps,
# and `safeguarding --help` must not pay for them.

users_app = typer.Typer(help="Manage portal users: add, list, disable, reset passwords.", no_args_is_help=True)
audit_app = typer.Typer(help="Check the hash-chained audit log.", no_args_is_help=True)
db_app = typer.Typer(help="Manage the app database (users, sessions, audit log, workflow).", no_args_is_help=True)


# A callback keeps each one-command app a group, so `verify` and `upgrade` stay sub-commands whether
# these apps run alone or mounted in the main CLI.
@audit_app.callback()
def _audit_group() -> None:
    """Check the hash-chained audit log."""


@db_app.callback()
def _db_group() -> None:
    """Manage the app database (users, sessions, audit log, workflow)."""


def _settings(ctx: typer.Context) -> Settings:
    if isinstance(ctx.obj, Settings):
        return ctx.obj
    try:
        return load_settings()
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


def open_app_db(settings: Settings) -> sessionmaker[Session]:
    """Migrate the app database to the latest revision and return a session factory for it."""
    from safeguarding import db

    db.upgrade(settings.app_database_url)
    return db.session_factory(db.make_engine(settings.app_database_url))


def create_admin_with_one_time_password(settings: Settings, username: str = "admin") -> str:
    """Create the administrator, or reset its password if it exists; return the one-time password."""
    from safeguarding.security import users

    factory = open_app_db(settings)
    try:
        return users.create_admin(factory, username)
    finally:
        factory.kw["bind"].dispose()


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


_ROLE_HELP = "Role to grant (repeat for several): " + ", ".join(r.value for r in Role) + "."


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="Sign-in name: lower-case letters, digits, '.', '_', '-'.")],
    role: Annotated[list[str], typer.Option("--role", "-r", help=_ROLE_HELP)],
    name: Annotated[str | None, typer.Option("--name", help="Display name (defaults to the username).")] = None,
    agency: Annotated[
        str | None, typer.Option("--agency", help="Partner agency code (required for the partner role).")
    ] = None,
) -> None:
    """Create a user and print a one-time password, which must be changed at first sign-in."""
    from safeguarding.security import users

    factory = open_app_db(_settings(ctx))
    try:
        info, one_time = users.add_user(factory, username, role, name, actor="cli", agency=agency)
    except (users.UserError, UnknownRoleError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Created {info.username} ({', '.join(info.roles)}).")
    typer.echo(f"One-time password (shown once; must be changed at first sign-in): {one_time}")


@users_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List users with their roles and whether they are disabled, locked or awaiting a password change."""
    from safeguarding.security import users

    factory = open_app_db(_settings(ctx))
    rows = users.list_users(factory)
    if not rows:
        typer.echo("No users yet: add one with `safeguarding users add USERNAME --role ROLE`.")
        return
    for u in rows:
        flags = [
            flag
            for flag, on in (
                ("disabled", u.disabled),
                ("locked", u.locked_until is not None),
                ("one-time password", u.must_change_password),
            )
            if on
        ]
        suffix = f"  [{', '.join(flags)}]" if flags else ""
        typer.echo(f"{u.username:<24} {u.display_name:<30} {','.join(u.roles)}{suffix}")


@users_app.command("disable")
def disable(ctx: typer.Context, username: Annotated[str, typer.Argument(help="The user to disable.")]) -> None:
    """Stop a user signing in and end their open sessions."""
    from safeguarding.security import users

    factory = open_app_db(_settings(ctx))
    try:
        users.disable_user(factory, username, actor="cli")
    except users.UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Disabled {username}.")


@users_app.command("reset")
def reset(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="The user whose password to reset.")]
) -> None:
    """Give a user a new one-time password (clears any lockout and ends their sessions)."""
    from safeguarding.security import users

    factory = open_app_db(_settings(ctx))
    try:
        one_time = users.reset_password(factory, username, actor="cli")
    except users.UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"One-time password for {username} (shown once; must be changed at first sign-in): {one_time}")


@users_app.command("reset-second-factor")
def reset_second_factor(
    ctx: typer.Context, username: Annotated[str, typer.Argument(help="The user who lost their authenticator.")]
) -> None:
    """Switch a user's TOTP second factor off; they set it up again at their next sign-in."""
    from safeguarding.security import totp, users

    factory = open_app_db(_settings(ctx))
    if users.get_user(factory, username) is None:
        raise _fail(f"no user called {username!r}")
    totp.reset(factory, username, actor="cli")
    typer.echo(f"Second factor reset for {username}.")


@users_app.command("token")
def token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user the token acts as (its roles apply).")],
    name: Annotated[str, typer.Option("--name", help="What the token is for (the calling system).")],
) -> None:
    """Make a bearer token for the JSON API and print it (shown once)."""
    from safeguarding.security import tokens, users

    factory = open_app_db(_settings(ctx))
    try:
        value = tokens.create(factory, username, name, actor="cli")
    except users.UserError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"API token for {username} ({name}), shown once: {value}")
    typer.echo(
        f"It stops working in {tokens.LIFETIME.days} days, or sooner if the user's password is reset or changed;"
        " it never acts as an administrator."
    )


@users_app.command("revoke-token")
def revoke_token(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The user the token acts as.")],
    name: Annotated[str, typer.Option("--name", help="The token's name.")],
) -> None:
    """Revoke a user's API tokens of that name."""
    from safeguarding.security import tokens

    count = tokens.revoke(open_app_db(_settings(ctx)), username, name, actor="cli")
    typer.echo(f"Revoked {count} token(s).")


def _read_anchor(path: Path) -> dict[str, object]:
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        typer.echo(f"error: {path}: cannot read the anchor ({exc.strerror})", err=True)
        raise typer.Exit(2) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        typer.echo(f"error: {path}: not an audit anchor (not JSON: {exc})", err=True)
        raise typer.Exit(2) from None
    if not isinstance(found, dict):
        typer.echo(f"error: {path}: not an audit anchor (expected a JSON object)", err=True)
        raise typer.Exit(2)
    return found


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    anchor: Annotated[
        list[Path] | None,
        typer.Option(
            "--anchor", help="An anchor from `audit anchor`: the entry it names must still have its hash (repeatable)."
        ),
    ] = None,
) -> None:
    """Recompute the audit log's keyed hash chain and check that every load, link run and erasure in the
    data folder has its entry; with --anchor, also that the chain still holds each anchored entry. Exit 0
    when all hold, 1 naming the first broken entry, the anchor not met or each missing event."""
    from safeguarding import db
    from safeguarding.reconcile import gaps
    from safeguarding.security import audit

    settings = _settings(ctx)
    anchors = [(path, _read_anchor(path)) for path in anchor or []]
    factory = open_app_db(settings)
    with db.transaction(factory) as session:
        result = audit.verify(session)
        problems = [(path, audit.verify_anchor(session, found)) for path, found in anchors] if result.ok else []
    if not result.ok:
        raise _fail(f"audit log broken at entry {result.broken_id}: {result.reason}")
    for path, problem in problems:
        if problem is not None:
            raise _fail(f"audit log does not match the anchor {path}: {problem}")
    missing = gaps(settings)
    if missing:
        for gap in missing:
            typer.echo(f"missing: {gap.describe()}", err=True)
        raise _fail(
            f"{len(missing)} committed event(s) have no audit entry; the next ingest, link or assess writes them "
            "(marked as reconciled)"
        )
    anchored = f"; matches {len(anchors)} anchor(s)" if anchors else ""
    typer.echo(
        f"OK: {result.entries} audit entries, chain intact{anchored}; every load, link run and erasure is audited."
    )


@audit_app.command("anchor")
def anchor_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the anchor to this file (default: print it).")
    ] = None,
) -> None:
    """Export the chain's head (entry id and hash) for safekeeping outside the database; `audit verify
    --anchor FILE` later proves nothing up to that entry was removed or rewritten. The chain is verified
    first: an anchor of a broken chain is refused."""
    from safeguarding import db
    from safeguarding.security import audit

    factory = open_app_db(_settings(ctx))
    with db.transaction(factory) as session:
        result = audit.verify(session)
        if not result.ok:
            raise _fail(f"audit log broken at entry {result.broken_id}: {result.reason}; no anchor taken")
        found = audit.anchor(session)
        audit.append(session, username="cli", action="audit.anchor", detail={"entry_id": found["entry_id"]})
    text = json.dumps(found, indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"error: {out}: cannot write the anchor ({exc.strerror})", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"Anchor of entry {found['entry_id']} written to {out}.")


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply any pending migrations to the app database (the portal also does this on start)."""
    from safeguarding import db

    settings = _settings(ctx)
    db.upgrade(settings.app_database_url)
    typer.echo(f"App database at revision {db.current_revision(settings.app_database_url)}.")
