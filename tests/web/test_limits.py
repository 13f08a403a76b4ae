"""Request-body caps and the sign-in rate limit (#26 item 12)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from portal_client import Portal
from starlette.types import Message, Receive, Scope, Send

from safeguarding.web.headers import CONTENT_SECURITY_POLICY
from safeguarding.web.limits import FORM_BODY_LIMIT, LOGIN_ATTEMPTS, LOGIN_BODY_LIMIT, LoginThrottle, RequestLimits


def _run(scope_extra: dict[str, object], chunks: list[bytes]) -> tuple[list[Message], int, bool]:
    """Send one request through RequestLimits around an app that reads the whole body; returns the
    messages sent back, how many body chunks were read and whether the app was reached."""
    reads = 0
    reached = False

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal reached
        reached = True
        while True:
            message = await receive()
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        body = chunks[reads - 1] if reads <= len(chunks) else b""
        return {"type": "http.request", "body": body, "more_body": reads < len(chunks)}

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/login", "headers": [], "client": ("10.0.0.1", 1)}
    asyncio.run(RequestLimits(app)({**scope, **scope_extra}, receive, send))  # type: ignore[arg-type]
    return sent, reads, reached


def test_a_100_mb_post_to_login_is_refused_before_any_of_it_is_read() -> None:
    declared = [(b"content-length", str(100 * 1024 * 1024).encode())]
    sent, reads, reached = _run({"headers": declared}, [b"x" * 65536] * 1600)
    assert sent[0]["status"] == 413 and reads == 0 and not reached


def test_a_body_without_a_length_is_cut_off_at_the_cap() -> None:
    sent, reads, _reached = _run({"path": "/alerts/A-1/review"}, [b"x" * 65536] * 1600)
    assert sent[0]["status"] == 413
    assert reads == FORM_BODY_LIMIT // 65536 + 1  # stopped at the first chunk past the cap


def test_a_small_form_goes_through() -> None:
    sent, _reads, reached = _run({"headers": [(b"content-length", b"100")]}, [b"x" * 100])
    assert reached and sent[0]["status"] == 200


def test_the_caps_on_the_portal(portal: Portal) -> None:
    big = portal.client.post("/login", content=b"u=" + b"x" * LOGIN_BODY_LIMIT,
                             headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413 and big.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    form = portal.client.post("/logout", content=b"x" * (FORM_BODY_LIMIT + 1))
    assert form.status_code == 413


def test_sign_in_attempts_from_one_address_are_limited_whoever_they_name(
    portal: Portal, add_user: Callable[..., str]
) -> None:
    add_user("olivia", ("safeguarding_officer",), "Olivia")
    for n in range(LOGIN_ATTEMPTS):
        name = "olivia" if n % 2 else f"nobody-{n}"
        assert portal.login(name, "wrong password here").status_code == 401, n
    for name in ("olivia", "nobody-else"):
        refused = portal.login(name, "wrong password here")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.text == "Too many sign-in attempts from here: wait a minute."


def test_the_throttle_window_slides() -> None:
    throttle = LoginThrottle(attempts=3, window_s=60)
    assert [throttle.allow("a", now=t) for t in (0, 1, 2)] == [None, None, None]
    assert throttle.allow("a", now=30) == 30.0
    assert throttle.allow("b", now=30) is None  # another address is not affected
    assert throttle.allow("a", now=60.5) is None  # the first attempt has left the window
