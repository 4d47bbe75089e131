"""API keys: random strings that the database stores only as a hash."""

import hashlib
import re
import secrets

HEADER = "X-API-Key"
# Makes a key recognisable, to readers and to secret scanners.
PREFIX = "ak_"
# The prefix and 32 random bytes in URL-safe base64 (secrets.token_urlsafe(32)).
KEY_PATTERN = re.compile(re.escape(PREFIX) + r"[A-Za-z0-9_-]{43}")
# The start of a key, kept to tell keys apart in a list; far too little of it to guess the rest.
DISPLAY_PREFIX_LENGTH = 11


def new_api_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def is_well_formed(key: str) -> bool:
    return KEY_PATTERN.fullmatch(key) is not None


def hash_api_key(key: str) -> str:
    # A fast hash suffices: a key has 256 random bits, unlike a password there is nothing to guess,
    # and a slow hash would cost every request.
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:DISPLAY_PREFIX_LENGTH]
