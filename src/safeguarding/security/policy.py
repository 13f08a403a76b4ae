"""Security policy values the operator may tune through the environment (documented in docs/security.md).

SAFEGUARDING_SESSION_IDLE_MINUTES   a login ends after this long without activity (default 30)
SAFEGUARDING_SESSION_MAX_HOURS      a login ends this long after sign-in, active or not (default 12)
SAFEGUARDING_ADMIN_TOTP             ``required`` (default) or ``relaxed``: whether administrators must
                                    use a second factor; the demo relaxes it and every page says so
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta


class PolicyError(ValueError):
    """An environment variable with a value the policy cannot use."""


@dataclass(frozen=True)
class SecurityPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_max: timedelta = timedelta(hours=12)
    admin_totp_required: bool = True


def _positive(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise PolicyError(f"environment variable {name} = {raw!r} is not a number") from None
    if value <= 0:
        raise PolicyError(f"environment variable {name} must be positive, not {raw!r}")
    return value


def load_policy(environ: Mapping[str, str] | None = None) -> SecurityPolicy:
    """The policy from the environment, with the defaults above."""
    env = os.environ if environ is None else environ
    totp = env.get("SAFEGUARDING_ADMIN_TOTP", "required").strip().lower() or "required"
    if totp not in ("required", "relaxed"):
        raise PolicyError(f"SAFEGUARDING_ADMIN_TOTP must be 'required' or 'relaxed', not {totp!r}")
    return SecurityPolicy(
        session_idle=timedelta(minutes=_positive(env, "SAFEGUARDING_SESSION_IDLE_MINUTES", 30)),
        session_max=timedelta(hours=_positive(env, "SAFEGUARDING_SESSION_MAX_HOURS", 12)),
        admin_totp_required=totp == "required",
    )
