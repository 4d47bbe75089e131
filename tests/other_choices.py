"""Words that belong to one choice of copier.yml: a project that did not make that choice must not
contain them (no code, setting, comment or README line for a database, ORM or auth scheme it does
not use). Matched case-insensitively, as whole words or phrases."""

import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from checks import text_files

# (question, value) -> the words of that choice. A project whose answer differs must not hold them.
WORDS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("database", "sqlite"): ("sqlite", "aiosqlite"),
    ("database", "postgresql"): ("postgres", "postgresql", "asyncpg", "timestamptz"),
    ("database", "mysql"): ("mysql", "mariadb", "aiomysql", "utf8mb4", "innodb"),
    ("orm", "sqlmodel"): ("sqlmodel",),
    ("orm", "tortoise"): ("tortoise",),
    ("auth", "jwt"): ("refresh token", "refresh_token", "argon2", "superuser", "e-mail address"),
    ("auth", "api_key"): ("api key", "api_key", "x-api-key", "apikey"),
    ("auth", "oidc"): ("oidc", "openid", "jwks", "identity provider"),
}
# Words shared by several choices: refused only where none of those choices was made.
SHARED_WORDS: Mapping[tuple[str, tuple[str, ...]], tuple[str, ...]] = {
    ("orm", ("sqlalchemy", "sqlmodel")): ("alembic",),
}
# What the files may hold whatever the choices: the answers file lists the answers, nothing else.
SKIPPED = {".copier-answers.yml"}


def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9])(" + "|".join(map(re.escape, words)) + r")(?![a-z0-9])", re.I)


def refused_words(answers: Mapping[str, object]) -> Iterator[tuple[str, re.Pattern[str]]]:
    for (question, value), words in WORDS.items():
        if answers[question] != value:
            yield f"{question}={value}", _pattern(words)
    for (question, values), words in SHARED_WORDS.items():
        if answers[question] not in values:
            yield f"{question} in {values}", _pattern(words)


def words_of_other_choices(project: Path, answers: Mapping[str, object]) -> list[str]:
    refused = list(refused_words(answers))
    found = []
    for path in text_files(project):
        if path.name in SKIPPED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for choice, pattern in refused:
                if match := pattern.search(line):
                    found.append(f"{path.relative_to(project)}:{number}: {match[0]!r} ({choice})")
    return found
