"""Integers from the client, bounded to the columns they meet: a number past a column's range
would fail in the database driver (a 500), so it is refused first, with a 422 that the OpenAPI
schema announces."""

from typing import Annotated

from fastapi import Path

# The id columns are INTEGER: 32-bit signed on PostgreSQL and MySQL.
MAX_ID = 2**31 - 1
# Row offsets are compared with row counts, which no table of 32-bit ids exceeds.
MAX_OFFSET = MAX_ID

# The id of a row, in a path.
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
