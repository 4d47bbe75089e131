"""Users: registration and the current user."""
