"""Answers given on the command line (``-d KEY=VALUE``, ``--data-file``, ``--auth ...``), checked by name."""

import difflib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi_starter.errors import StarterError
from fastapi_starter.questions import Question, asked


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    answers = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise StarterError(f"Expected KEY=VALUE for --data, got {pair!r}")
        answers[key.strip()] = value
    return answers


def read_file(path: Path) -> dict[str, Any]:
    import yaml  # slow to import: not needed for --help

    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise StarterError(f"Cannot read the data file {path}: {error}") from error
    if content is None:
        return {}
    if not isinstance(content, Mapping):
        raise StarterError(f"The data file {path} must hold a mapping of question: answer")
    # A project's .copier-answers.yml also records Copier's own `_src_path`, `_commit`: not answers.
    return {str(key): value for key, value in content.items() if not str(key).startswith("_")}


def match_choices(answers: Mapping[str, Any], questions: list[Question]) -> dict[str, Any]:
    """Choice answers matched to their value whatever the case; an unknown one names the closest.

    Copier validates the result as it validates every answer.
    """
    matched = dict(answers)
    for question in questions:
        if not question.choices or question.name not in answers:
            continue
        given = str(answers[question.name])
        values = question.values
        by_case = {value.casefold(): value for value in values}
        if given.casefold() in by_case:
            matched[question.name] = by_case[given.casefold()]
            continue
        close = difflib.get_close_matches(given.casefold(), list(by_case), n=1, cutoff=0.5)
        hint = f"; did you mean {by_case[close[0]]}?" if close else ""
        raise StarterError(
            f"Invalid choice for '{question.name}': {given!r} (choose from {', '.join(values)}){hint}"
        )
    return matched


def replay_file() -> Path:
    """Where the answers of an unfinished ``new`` are kept for the command that replays them."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "fastapi-starter" / "last-answers.yml"


def save_for_replay(answers: Mapping[str, Any]) -> Path:
    import yaml

    path = replay_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(dict(answers), sort_keys=False), encoding="utf-8")
    return path


def check_names(answers: Mapping[str, Any], questions: list[Question]) -> None:
    """Refuse answers to questions a project is not asked (copier would ignore them silently), and a
    resource's (they would render a resource instead of the project)."""
    of_resource = {question.name for question in questions if question.tier == "resource"}
    known = {question.name for question in asked(questions) if not question.computed}
    unknown = sorted(set(answers) - known)
    if resource_answers := [name for name in unknown if name in of_resource]:
        them = "it" if len(resource_answers) == 1 else "them"
        raise StarterError(
            f"Not a question of the project: {', '.join(resource_answers)} "
            f"(`fastapi-starter add resource` asks {them})"
        )
    if unknown:
        raise StarterError(
            f"Unknown question{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
