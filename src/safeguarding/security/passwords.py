"""Password hashing (Argon2id via argon2-cffi), one-time passwords and the password policy."""

from __future__ import annotations

import functools
import gzip
import secrets
from pathlib import Path

from argon2 import Parameters, PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION

# argon2-cffi's defaults follow RFC 9106's second recommended profile (64 MiB, 3 passes, 4 lanes):
# the production parameters (tests/security/test_passwords.py checks them in a fresh interpreter).
_hasher = PasswordHasher()

# Verifying against this when the username is unknown keeps response times alike, so timing does not
# reveal which usernames exist. Its password is random and was thrown away; the result is never used, so
# only its parameters matter, and they must be those of _hasher (use_parameters makes a new one). Made
# once here rather than at import, where it cost every command a full hash.
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$oHfUw6c644e5oH9KwsOY6A$v1NgRanBYBACSM2HVFNHBpA8Z+p9rTgcvapF8dQqsLE"

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


def parameters() -> Parameters:
    """The Argon2 parameters new hashes are made with."""
    h = _hasher
    return Parameters(type=h.type, version=ARGON2_VERSION, salt_len=h.salt_len, hash_len=h.hash_len,
                      time_cost=h.time_cost, memory_cost=h.memory_cost, parallelism=h.parallelism)  # fmt: skip


def use_parameters(params: Parameters) -> None:
    """Hash with ``params`` from now on in this process. For the test suite, which uses cheap ones: a
    production process never calls it, so the defaults above are what the portal and the CLI use."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher.from_parameters(params)
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
    problem = weakness(new_password)
    if problem:
        raise PasswordPolicyError(problem)


_COMMON_FILE = Path(__file__).parent / "data" / "common-passwords.txt.gz"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common and breached passwords (data/README.md says where it comes from)."""
    with gzip.open(_COMMON_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def weakness(password: str) -> str | None:
    """Why ``password`` is too easy to guess (NIST SP 800-63B 3.1.1.2, NCSC guidance), or None.

    Refused: a password on the common and breached list, one that is such a password with digits or
    symbols added at the end, one that is all spaces, and one of fewer than 4 different characters
    (``aaaaaaaaaaaa``)."""
    if not password.strip():
        return "A password cannot be only spaces."
    if len(set(password)) < 4:
        return "Use more than three different characters."
    common = common_passwords()
    lowered = password.strip().lower()
    base = lowered.rstrip("0123456789!@#$%^&*?.-_ ")
    if lowered in common or (len(base) >= 4 and base in common):
        return (
            "That password is on a list of common or breached passwords: choose another "
            "(a few unrelated words work well)."
        )
    return None
