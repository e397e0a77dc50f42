"""Password hashing (Argon2id through pwdlib) and the rule a new password must pass."""

from __future__ import annotations

from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from hailong.accounts.common_passwords import COMMON_PASSWORDS
from hailong.errors import BadInput
from hailong.i18n import N_

# Long enough that guessing is hopeless without asking for symbols people then write down.
MIN_LENGTH = 12
MAX_LENGTH = 128


class WeakPassword(BadInput):
    message = N_("This password is too easy to guess.")


class PasswordTooShort(WeakPassword):
    message = N_("The password must be at least {minimum} characters long.")


class PasswordTooLong(WeakPassword):
    message = N_("The password must be at most {maximum} characters long.")


class PasswordHasUsername(WeakPassword):
    message = N_("The password must not contain the username.")


class PasswordTooCommon(WeakPassword):
    message = N_("This password is one of the most common ones; choose another.")


class PasswordsDiffer(BadInput):
    message = N_("The two passwords are not the same.")


def check_strength(password: str, *, username: str) -> None:
    """Raise a WeakPassword saying what to change, or return for a password worth storing."""
    if len(password) < MIN_LENGTH:
        raise PasswordTooShort(minimum=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise PasswordTooLong(maximum=MAX_LENGTH)
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise PasswordHasUsername()
    # One repeated character, or a list entry: both are what guessing tools try first.
    if lowered in COMMON_PASSWORDS or len(set(lowered)) <= 2:
        raise PasswordTooCommon()


@cache
def hasher() -> PasswordHash:
    """Argon2id with argon2-cffi's defaults (RFC 9106's second choice: t=3, m=64 MiB, p=4).

    Changing these parameters later is safe: a stored hash made with others still verifies,
    and is rehashed with the new ones at the account's next sign-in.
    """
    return PasswordHash((Argon2Hasher(),))


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether the password matches, and the new hash to store when the parameters changed."""
    return hasher().verify_and_update(password, stored)


@cache
def _decoy_hash() -> str:
    return hash_password("not-a-password-of-anyone")


def spend_like_a_check(password: str) -> None:
    """Take as long as checking a real password, so timing does not tell which usernames
    exist."""
    hasher().verify(password, _decoy_hash())
