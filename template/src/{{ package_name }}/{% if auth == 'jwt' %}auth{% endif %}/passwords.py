"""Argon2 password hashing. Hashing is slow and memory-hard on purpose, so it runs in worker
threads, a few at a time: a flood of logins queues here instead of taking every core and the
memory of one hash each from the other routes."""

import secrets
from functools import lru_cache

from anyio import CapacityLimiter, to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher


class PasswordHasher:
    def __init__(
        self, *, time_cost: int, memory_cost: int, parallelism: int, concurrency: int = 2
    ) -> None:
        argon2 = Argon2Hasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        self._password_hash = PasswordHash((argon2,))
        self._limiter = CapacityLimiter(concurrency)
        # Checked when no user matches, so that a failed login takes as long either way.
        self._dummy_hash = self._password_hash.hash(secrets.token_urlsafe())

    async def hash(self, password: str) -> str:
        return await to_thread.run_sync(self._password_hash.hash, password, limiter=self._limiter)

    async def verify(self, password: str, hashed: str | None) -> tuple[bool, str | None]:
        """Return (valid, new hash if the parameters changed). Without a hash (no such user),
        check against the dummy hash and report invalid."""
        if hashed is None:
            await to_thread.run_sync(
                self._password_hash.verify, password, self._dummy_hash, limiter=self._limiter
            )
            return False, None
        return await to_thread.run_sync(
            self._password_hash.verify_and_update, password, hashed, limiter=self._limiter
        )


@lru_cache
def build_password_hasher(
    *, time_cost: int, memory_cost: int, parallelism: int, concurrency: int = 2
) -> PasswordHasher:
    """One hasher per set of parameters for the life of the process."""
    return PasswordHasher(
        time_cost=time_cost,
        memory_cost=memory_cost,
        parallelism=parallelism,
        concurrency=concurrency,
    )
