"""Copier task, run in the new project: write the git-ignored .env with a fresh per-project secret.

Only the first placeholder is replaced; an existing .env is never touched.
"""

import secrets
from pathlib import Path

PLACEHOLDER = "=change-me"

env, example = Path(".env"), Path(".env.example")
if not env.exists() and example.exists():
    text = example.read_text(encoding="utf-8")
    env.touch(mode=0o600)  # readable by its owner only, from the start: it holds the secret
    env.write_text(text.replace(PLACEHOLDER, "=" + secrets.token_urlsafe(48), 1), encoding="utf-8")
