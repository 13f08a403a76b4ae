"""A TestClient on the portal, with the sign-in steps most web tests share."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from safeguarding.config import Settings

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 behind its TestClient; httpx (in the lock file) still works, and
    # this keeps filterwarnings=error from failing on the import. Adding httpx2 to the dev extras
    # would make this unnecessary.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

STRONG = "correct horse battery staple"


@dataclass
class Portal:
    """A TestClient on the portal, with the steps most tests share."""

    client: TestClient
    settings: Settings
    csrf_from: Callable[[str], str]

    def login(self, username: str, password: str, next_path: str = "/alerts") -> httpx.Response:
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={
                "username": username,
                "password": password,
                "csrf_token": self.csrf_from(page.text),
                "next": next_path,
            },
            follow_redirects=False,
        )

    def change_password(self, current: str, new: str, confirm: str | None = None) -> httpx.Response:
        page = self.client.get("/change-password")
        return self.client.post(
            "/change-password",
            data={
                "current_password": current,
                "new_password": new,
                "confirm_password": new if confirm is None else confirm,
                "csrf_token": self.csrf_from(page.text),
            },
            follow_redirects=False,
        )

    def sign_in_ready(self, username: str, one_time: str) -> None:
        """Sign in with a one-time password and replace it, as a new user would."""
        assert self.login(username, one_time).status_code == 303
        assert self.change_password(one_time, STRONG).status_code == 303


__all__ = ["STRONG", "Portal", "TestClient"]
