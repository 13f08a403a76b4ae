from __future__ import annotations

import re

import pytest
from sqlalchemy import update
from test_migrations import _head
from typer.testing import CliRunner

from safeguarding import db
from safeguarding.config import Settings
from safeguarding.security import audit_app, create_admin_with_one_time_password, db_app, users_app
from safeguarding.security.models import AuditEntry

runner = CliRunner()


def _password(output: str) -> str:
    found = re.search(r"must be changed at first sign-in\): (\S+)", output)
    assert found, output
    return found.group(1)


def test_add_list_disable_reset(settings: Settings) -> None:
    added = runner.invoke(
        users_app,
        ["add", "alice", "--role", "analyst", "--role", "supervisor", "--name", "Alice Analyst"],
        obj=settings,
    )
    assert added.exit_code == 0, added.output
    first = _password(added.output)
    listed = runner.invoke(users_app, ["list"], obj=settings)
    assert "alice" in listed.output and "analyst,supervisor" in listed.output
    assert "one-time password" in listed.output
    assert first not in listed.output

    reset = runner.invoke(users_app, ["reset", "alice"], obj=settings)
    assert reset.exit_code == 0 and _password(reset.output) != first

    disabled = runner.invoke(users_app, ["disable", "alice"], obj=settings)
    assert disabled.exit_code == 0
    assert "disabled" in runner.invoke(users_app, ["list"], obj=settings).output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "alice", "--role", "wizard"], "unknown role"),
        (["disable", "nobody"], "no user"),
        (["reset", "nobody"], "no user"),
    ],
)
def test_user_errors_exit_1_with_a_message(settings: Settings, args: list[str], message: str) -> None:
    result = runner.invoke(users_app, args, obj=settings)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_audit_verify_reports_the_broken_entry(settings: Settings) -> None:
    for name in ("alice", "bob", "carol"):
        runner.invoke(users_app, ["add", name, "--role", "analyst"], obj=settings)
    ok = runner.invoke(audit_app, ["verify"], obj=settings)
    assert ok.exit_code == 0 and "3 audit entries" in ok.output
    engine = db.make_engine(settings.app_database_url)
    with engine.begin() as con:
        con.execute(update(AuditEntry).where(AuditEntry.id == 2).values(object_id="mallory"))
    engine.dispose()
    broken = runner.invoke(audit_app, ["verify"], obj=settings)
    assert broken.exit_code == 1
    assert "entry 2" in broken.output


def test_db_upgrade(settings: Settings) -> None:
    result = runner.invoke(db_app, ["upgrade"], obj=settings)
    # The head of the migration chain, whichever it is (the chain grows as features land).
    assert result.exit_code == 0 and f"revision {_head()}." in result.output


def test_every_command_has_help(settings: Settings) -> None:
    for app, commands in (
        (users_app, ["add", "list", "disable", "reset", "reset-second-factor", "token", "revoke-token"]),
        (audit_app, ["verify"]),
        (db_app, ["upgrade"]),
    ):
        for command in commands:
            result = runner.invoke(app, [command, "--help"], obj=settings)
            assert result.exit_code == 0
            assert len(result.output.split("Usage:")[1].strip()) > 40


def test_create_admin_with_one_time_password_is_idempotent(settings: Settings) -> None:
    first = create_admin_with_one_time_password(settings)
    second = create_admin_with_one_time_password(settings)
    assert first != second
    listed = runner.invoke(users_app, ["list"], obj=settings)
    assert listed.output.count("admin ") == 1


def test_partner_needs_an_agency_and_tokens_are_made_and_revoked(settings: Settings) -> None:
    refused = runner.invoke(users_app, ["add", "pat", "--role", "partner"], obj=settings)
    assert refused.exit_code == 1 and "--agency" in refused.output
    assert (
        runner.invoke(users_app, ["add", "pat", "--role", "partner", "--agency", "bcp-csc"], obj=settings).exit_code
        == 0
    )
    made = runner.invoke(users_app, ["token", "pat", "--name", "csc-case-system"], obj=settings)
    assert made.exit_code == 0 and "sgt_" in made.output
    revoked = runner.invoke(users_app, ["revoke-token", "pat", "--name", "csc-case-system"], obj=settings)
    assert "Revoked 1 token(s)." in revoked.output
    assert runner.invoke(users_app, ["reset-second-factor", "nobody"], obj=settings).exit_code == 1
