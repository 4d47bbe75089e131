"""Answers given on the command line (``-d KEY=VALUE``, ``--data-file``, ``--auth ...``), checked by name."""

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from fastapi_starter.errors import StarterError
from fastapi_starter.questions import Question


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
    return {str(key): value for key, value in content.items()}


def check_names(answers: Mapping[str, Any], questions: list[Question]) -> None:
    """Refuse answers to questions the template does not ask (copier would ignore them silently)."""
    known = {question.name for question in questions if not question.computed}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise StarterError(
            f"Unknown question{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(known))})"
        )
