"""Authentication: API keys in the X-API-Key header, created, listed and revoked per principal."""
