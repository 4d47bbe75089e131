"""Tortoise migrations: `tortoise makemigrations` writes them, `tortoise migrate` applies them."""
