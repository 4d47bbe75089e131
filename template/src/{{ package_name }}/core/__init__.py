"""Runtime machinery that every domain shares: admission, connection slots, bounds, HTTP layer."""
