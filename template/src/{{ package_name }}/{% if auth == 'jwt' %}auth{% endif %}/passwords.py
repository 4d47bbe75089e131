"""Argon2 password hashing. Hashing is slow on purpose, so it runs in a worker thread."""

import secrets
from functools import lru_cache

from anyio import to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    def __init__(self, *, time_cost: int, memory_cost: int, parallelism: int) -> None:
        argon2 = Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._password_hash = PasswordHash((argon2,))
        # Checked when no user matches, so that a failed login takes as long either way.
        self._dummy_hash = self._password_hash.hash(secrets.token_urlsafe())

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._password_hash.hash, password)

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """Return (valid, new hash if the parameters changed). Without a hash (no such user),
        check against the dummy hash and report invalid."""
        if hashed is None:
            await to_thread.run_sync(self._password_hash.verify, password, self._dummy_hash)
            return False, None
        return await to_thread.run_sync(self._password_hash.verify_and_update, password, hashed)


@lru_cache
def build_password_hasher(*, time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    """One hasher per set of parameters for the life of the process."""
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
