"""Request-body caps per route and a rate limit on sign-in attempts (#26 item 12), as ASGI middleware
so that an oversized or too frequent request is refused before its body is read.

- Uploads (a Philomena photograph, Gold Group evidence) may carry ``evidence_max_mb`` plus a little for
  the form around the file; ``/login`` at most ``LOGIN_BODY_LIMIT``; every other request
  ``FORM_BODY_LIMIT``. A ``Content-Length`` above the cap is refused at once (413); a body sent without
  one is counted as it arrives and refused when it passes the cap.
- ``POST /login`` is limited to ``LOGIN_ATTEMPTS`` per ``LOGIN_WINDOW_S`` seconds from one client address
  (429 with ``Retry-After``), whatever the username, so the limit says nothing about which accounts
  exist. It is held in each worker's memory: with N workers an address gets up to N times as many.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The largest form, a Philomena profile (7 fields of 5,000 characters and one of 200), is at worst
# 35,200 characters x 9 bytes (a 3-byte UTF-8 character URL-encoded) = 317 KB; 512 KiB leaves room.
FORM_BODY_LIMIT = 512 * 1024
LOGIN_BODY_LIMIT = 16 * 1024
UPLOAD_OVERHEAD = 64 * 1024
UPLOAD_PATHS = (
    re.compile(r"^/boards/missing/children/[^/]+/philomena/photo$"),
    re.compile(r"^/gold/actions/[^/]+/evidence$"),
)
LOGIN_ATTEMPTS = 20
LOGIN_WINDOW_S = 60.0


class BodyTooLarge(Exception):
    """Raised from ``receive`` when a body without Content-Length passes its cap."""


class LoginThrottle:
    """Sign-in attempts per client address in a sliding window (thread-safe, in memory)."""

    def __init__(self, attempts: int = LOGIN_ATTEMPTS, window_s: float = LOGIN_WINDOW_S) -> None:
        self.attempts, self.window_s = attempts, window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, address: str, now: float | None = None) -> float | None:
        """None when the attempt may go ahead (and it is counted); else seconds until one may."""
        at = time.monotonic() if now is None else now
        with self._lock:
            seen = self._seen.setdefault(address, deque())
            while seen and seen[0] <= at - self.window_s:
                seen.popleft()
            if len(seen) >= self.attempts:
                return max(seen[0] + self.window_s - at, 1.0)
            seen.append(at)
            if len(self._seen) > 10_000:  # addresses long quiet are dropped so the table stays small
                for key in [k for k, v in self._seen.items() if not v or v[-1] <= at - self.window_s]:
                    del self._seen[key]
            return None


def body_limit(path: str, evidence_max_mb: int) -> int:
    if path == "/login":
        return LOGIN_BODY_LIMIT
    if any(p.match(path) for p in UPLOAD_PATHS):
        return evidence_max_mb * 1024 * 1024 + UPLOAD_OVERHEAD
    return FORM_BODY_LIMIT


async def _plain(send: Send, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send(
        {"type": "http.response.start", "status": status,
         "headers": [(b"content-type", b"text/plain; charset=utf-8"), *(headers or [])]}
    )  # fmt: skip
    await send({"type": "http.response.body", "body": text.encode()})


class RequestLimits:
    """The body caps and the sign-in rate limit above."""

    def __init__(self, app: ASGIApp, evidence_max_mb: int = 10, throttle: LoginThrottle | None = None) -> None:
        self.app = app
        self.evidence_max_mb = evidence_max_mb
        self.throttle = throttle or LoginThrottle()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        if path == "/login":
            client = scope.get("client")
            wait = self.throttle.allow(client[0] if client else "unknown")
            if wait is not None:
                retry = str(int(wait) + 1).encode()
                await _plain(
                    send, 429, "Too many sign-in attempts from here: wait a minute.", [(b"retry-after", retry)]
                )
                return
        limit = body_limit(path, self.evidence_max_mb)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _plain(send, 413, f"The request is larger than this page accepts ({limit // 1024} KiB).")
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if not started:
                await _plain(send, 413, f"The request is larger than this page accepts ({limit // 1024} KiB).")
