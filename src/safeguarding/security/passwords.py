"""Password hashing (Argon2id via argon2-cffi), one-time passwords and the password policy."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's second recommended profile (64 MiB, 3 passes).
_hasher = PasswordHasher()

MIN_LENGTH = 12
MAX_LENGTH = 256  # bounds the work an attacker can make one login attempt cost us

# No look-alike characters (0/O, 1/l/I) so a one-time password read aloud or copied by hand works.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class PasswordPolicyError(ValueError):
    """A new password that the policy refuses; the message says why, for the user."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password or a damaged hash."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


# Verifying against this when the username is unknown keeps response times alike, so timing does not
# reveal which usernames exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)


def generate_one_time_password(length: int = 16) -> str:
    """A random password to hand to a user once (about 92 bits at the default length)."""
    return "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(length))


def check_policy(new_password: str, *, username: str, confirm: str) -> None:
    """Raise PasswordPolicyError when ``new_password`` may not be used."""
    if new_password != confirm:
        raise PasswordPolicyError("The two new passwords do not match.")
    if len(new_password) < MIN_LENGTH:
        raise PasswordPolicyError(f"Use at least {MIN_LENGTH} characters.")
    if len(new_password) > MAX_LENGTH:
        raise PasswordPolicyError(f"Use at most {MAX_LENGTH} characters.")
    if username.lower() in new_password.lower():
        raise PasswordPolicyError("Do not include your username in your password.")
