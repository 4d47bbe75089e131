"""Authentication: bearer access tokens from an external OpenID Connect identity provider."""
