from __future__ import annotations

import subprocess
import sys

import pytest
from argon2 import extract_parameters
from argon2.profiles import CHEAPEST, RFC_9106_LOW_MEMORY

from safeguarding.security import passwords


def test_production_parameters_are_rfc_9106_low_memory() -> None:
    # A fresh interpreter, without the suite's cheap parameters (tests/conftest.py): what the portal runs with.
    code = (
        "from safeguarding.security import passwords as p; from argon2 import extract_parameters as x\n"
        "print(repr((p.parameters(), x(p.hash_password('a long enough secret')), x(p._DUMMY_HASH))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == repr((RFC_9106_LOW_MEMORY,) * 3)
    assert (RFC_9106_LOW_MEMORY.memory_cost, RFC_9106_LOW_MEMORY.time_cost) == (65536, 3)


def test_the_suite_hashes_with_cheap_parameters_and_the_dummy_hash_follows() -> None:
    # tests/conftest.py puts argon2-cffi's CHEAPEST profile in force for the whole run.
    assert passwords.parameters() == CHEAPEST != RFC_9106_LOW_MEMORY
    assert extract_parameters(passwords.hash_password("a long enough secret")) == CHEAPEST
    # burn_time must cost what a real verification costs, so its hash has the parameters in force.
    assert extract_parameters(passwords._DUMMY_HASH) == CHEAPEST


def test_hash_verifies_only_the_right_password() -> None:
    hashed = passwords.hash_password("a long enough secret")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify_password(hashed, "a long enough secret")
    assert not passwords.verify_password(hashed, "a long enough secreT")


def test_damaged_hash_and_oversized_password_are_refused_without_raising() -> None:
    assert not passwords.verify_password("not-a-hash", "whatever")
    hashed = passwords.hash_password("x" * 12)
    assert not passwords.verify_password(hashed, "x" * (passwords.MAX_LENGTH + 1))


def test_one_time_passwords_are_random_and_unambiguous() -> None:
    made = {passwords.generate_one_time_password() for _ in range(50)}
    assert len(made) == 50
    assert all(len(p) == 16 and not set(p) & set("0O1lI") for p in made)


@pytest.mark.parametrize(
    ("new", "confirm", "message"),
    [
        ("short", "short", "at least"),
        ("a perfectly fine one", "a different one here", "do not match"),
        ("alice-is-my-password", "alice-is-my-password", "username"),
    ],
)
def test_policy_refuses(new: str, confirm: str, message: str) -> None:
    with pytest.raises(passwords.PasswordPolicyError, match=message):
        passwords.check_policy(new, username="alice", confirm=confirm)


def test_policy_accepts_a_long_passphrase() -> None:
    passwords.check_policy("correct horse battery staple", username="alice", confirm="correct horse battery staple")


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("password1234", "common or breached"),
        ("qwertyuiop12", "common or breached"),
        ("Password1234!", "common or breached"),  # case and a symbol added do not help
        ("sunshine2026!!", "common or breached"),  # a listed word with digits added
        ("aaaaaaaaaaaa", "more than three different characters"),
        ("abababababab", "more than three different characters"),
        (" " * 12, "only spaces"),
    ],
)
def test_common_breached_and_trivial_passwords_are_refused(new: str, message: str) -> None:
    """#26 item 6: the list shipped with the package (data/README.md) and NIST SP 800-63B's other checks."""
    with pytest.raises(passwords.PasswordPolicyError, match=message):
        passwords.check_policy(new, username="alice", confirm=new)


def test_the_shipped_list_is_the_one_documented() -> None:
    common = passwords.common_passwords()
    assert len(common) == 19640 and "password1234" in common
    assert "correct horse battery staple" not in common
