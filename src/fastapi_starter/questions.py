"""The questions of copier.yml, read as data so that the CLI never restates them."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fastapi_starter.errors import StarterError


@dataclass(frozen=True)
class Question:
    name: str
    help: str
    type: str
    default: Any
    choices: Mapping[str, Any]
    """Label shown to the user -> value stored in the answers."""
    computed: bool
    """A value derived by the template (``when: false``): never asked, never stored."""

    @property
    def option_name(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def values(self) -> list[str]:
        return [str(value) for value in self.choices.values()]


def _choices(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(label): value for label, value in raw.items()}
    return {str(value): value for value in raw}


def load(copier_yml: Path) -> list[Question]:
    """The questions in the order copier asks them (settings, the ``_`` keys, left out)."""
    try:
        config = yaml.safe_load(copier_yml.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise StarterError(
            f"Cannot read the template's questions in {copier_yml}: {error}"
        ) from error
    questions = []
    for name, spec in config.items():
        if name.startswith("_"):
            continue
        spec = spec if isinstance(spec, Mapping) else {"default": spec}
        questions.append(
            Question(
                name=name,
                help=str(spec.get("help", "")),
                type=str(spec.get("type", "str")),
                default=spec.get("default"),
                choices=_choices(spec.get("choices")),
                computed=spec.get("when") is False,
            )
        )
    return questions


def asked(questions: list[Question]) -> list[Question]:
    return [question for question in questions if not question.computed]
