"""TOTP: administrators must enrol (unless the demo relaxes it, which every page then says), a user with
a second factor needs the code after the password, and an administrator can reset a password."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyotp
from portal_client import STRONG, Portal, TestClient

from safeguarding.config import Settings
from safeguarding.security.policy import PolicyError, SecurityPolicy, load_policy
from safeguarding.web import create_app


def test_administrators_must_enrol_then_use_codes(portal: Portal, add_user: Callable[..., str]) -> None:
    portal.sign_in_ready("ada", add_user("ada", ("administrator",), "Ada Admin"))
    assert portal.client.get("/admin/users", follow_redirects=False).headers["location"] == "/account/second-factor"
    page = portal.client.get("/account/second-factor").text
    secret = page.split('<code class="otp">')[1].split("<")[0]
    assert 'name="secret"' not in page  # the secret stays on the server (#26 item 7)
    assert secret in portal.client.get("/account/second-factor").text  # the same one until it is switched on
    token = portal.csrf_from(page)
    wrong = portal.client.post("/account/second-factor", data={"code": "000000", "csrf_token": token})
    assert wrong.status_code == 400 and secret in wrong.text
    # A secret of the attacker's choosing (all zeros), or a malformed one, is ignored: not enabled, no 500.
    zeros = "A" * 32
    for forged in (zeros, "not base32!"):
        sent = portal.client.post(
            "/account/second-factor",
            data={"secret": forged, "code": pyotp.TOTP(zeros).now(), "csrf_token": token},
        )
        assert sent.status_code == 400
    assert portal.client.get("/admin/users", follow_redirects=False).headers["location"] == "/account/second-factor"
    # The previous step's code (accepted for clock drift), so that "now" at sign-in is a fresh code.
    code = pyotp.TOTP(secret).at(time.time() - 30)
    portal.client.post("/account/second-factor", data={"code": code, "csrf_token": token})
    assert portal.client.get("/admin/users").status_code == 200
    # Next sign-in: the password alone opens nothing.
    portal.client.cookies.clear()
    response = portal.login("ada", STRONG)
    assert response.headers["location"].startswith("/login/second-factor")
    assert portal.client.get("/admin/users", follow_redirects=False).headers["location"] == "/login/second-factor"
    form = portal.client.get("/login/second-factor").text
    bad = portal.client.post("/login/second-factor", data={"code": "123456", "csrf_token": portal.csrf_from(form)})
    assert bad.status_code == 401
    good = portal.client.post(
        "/login/second-factor",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": portal.csrf_from(form)},
        follow_redirects=False,
    )
    assert good.status_code == 303 and "sg_session" in good.headers["set-cookie"]
    assert portal.client.get("/admin/users").status_code == 200
    # The same code again (someone who saw it, within its 30 seconds) does not sign in.
    portal.client.cookies.clear()
    assert portal.login("ada", STRONG).headers["location"].startswith("/login/second-factor")
    form = portal.client.get("/login/second-factor").text
    replay = portal.client.post(
        "/login/second-factor", data={"code": pyotp.TOTP(secret).now(), "csrf_token": portal.csrf_from(form)}
    )
    assert replay.status_code == 401 and "used already" in replay.text


def test_the_demo_may_relax_it_and_then_every_page_says_so(settings: Settings, csrf_from: Callable[[str], str]) -> None:
    with TestClient(create_app(settings, SecurityPolicy(admin_totp_required=False))) as client:
        assert "administrators may sign in without a second factor" in client.get("/login").text
    with TestClient(create_app(settings, SecurityPolicy())) as client:
        assert "without a second factor" not in client.get("/login").text


def test_policy_from_the_environment() -> None:
    policy = load_policy({"SAFEGUARDING_ADMIN_TOTP": "relaxed", "SAFEGUARDING_SESSION_IDLE_MINUTES": "10"})
    assert not policy.admin_totp_required and policy.session_idle.total_seconds() == 600
    assert load_policy({}).session_max.total_seconds() == 12 * 3600
    for bad in ({"SAFEGUARDING_ADMIN_TOTP": "maybe"}, {"SAFEGUARDING_SESSION_MAX_HOURS": "-1"}):
        try:
            load_policy(bad)
        except PolicyError:
            continue
        raise AssertionError(f"{bad} was accepted")


def test_administrator_resets_a_password_with_a_one_time_code(
    settings: Settings, csrf_from: Callable[[str], str], add_user: Callable[..., str]
) -> None:
    with TestClient(create_app(settings, SecurityPolicy(admin_totp_required=False))) as client:
        admin = Portal(client=client, settings=settings, csrf_from=csrf_from)
        bob_pw = add_user("bob", ("analyst",), "Bob")
        admin.sign_in_ready("ada", add_user("ada", ("administrator",), "Ada"))
        page = client.get("/admin/users").text
        response = client.post("/admin/users/bob/reset", data={"csrf_token": csrf_from(page)})
        one_time = response.text.split('class="otp">')[1].split("<")[0]
        assert len(one_time) == 16 and one_time != bob_pw
        client.cookies.clear()
        assert admin.login("bob", one_time).headers["location"] == "/change-password"
