"""Authentication: login, access and refresh tokens, logout."""
