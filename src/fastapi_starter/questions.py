"""The questions of copier.yml, read as data so that the CLI never restates them."""

import contextlib
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi_starter.errors import StarterError

TIERS = ("render", "test", "test-each")
"""How the generator's own CI varies a question (``tier:`` in copier.yml, see docs/architecture.md)."""


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
    tier: str | None = None
    validator: str = ""
    choice_validators: Mapping[str, str] = field(default_factory=dict)
    """Value -> Jinja that renders non-empty when that choice is refused for the earlier answers."""

    @property
    def option_name(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def is_bool(self) -> bool:
        return self.type == "bool"

    @property
    def values(self) -> list[str]:
        """The answers CI enumerates: each choice, or both values of a yes/no question."""
        if self.is_bool:
            return ["true", "false"]
        return [str(value) for value in self.choices.values()]

    @property
    def default_value(self) -> str:
        """The default as the CLI and CI spell it (``true``/``false`` for yes/no questions)."""
        if self.is_bool:
            return str(bool(self.default)).lower()
        return str(self.default)

    @property
    def enumerable(self) -> bool:
        return bool(self.choices) or self.is_bool


def _choices(raw: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """Copier's choice forms: a list of values, or labels mapped to a value or ``{value, validator}``."""
    if raw is None:
        return {}, {}
    pairs = raw.items() if isinstance(raw, Mapping) else ((str(value), value) for value in raw)
    choices, validators = {}, {}
    for label, entry in pairs:
        if isinstance(entry, Mapping):
            choices[str(label)] = entry["value"]
            if entry.get("validator"):
                validators[str(entry["value"])] = str(entry["validator"])
        else:
            choices[str(label)] = entry
    return choices, validators


def load(copier_yml: Path) -> list[Question]:
    """The questions in the order copier asks them (settings, the ``_`` keys, left out)."""
    try:
        config = _parse(copier_yml.read_bytes())
    except (OSError, ValueError) as error:
        raise StarterError(
            f"Cannot read the template's questions in {copier_yml}: {error}"
        ) from error
    questions = []
    for name, spec in config.items():
        if name.startswith("_"):
            continue
        spec = spec if isinstance(spec, Mapping) else {"default": spec}
        choices, choice_validators = _choices(spec.get("choices"))
        questions.append(
            Question(
                name=name,
                help=str(spec.get("help", "")),
                type=str(spec.get("type", "str")),
                default=spec.get("default"),
                choices=choices,
                computed=spec.get("when") is False,
                tier=spec.get("tier"),
                validator=str(spec.get("validator", "")),
                choice_validators=choice_validators,
            )
        )
    return questions


def _parse(content: bytes) -> dict[str, Any]:
    """copier.yml parsed, through a JSON cache keyed by its content: importing a YAML parser
    costs more than the rest of `fastapi-starter --help` (bench/cli.py)."""
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cached = cache_home / "fastapi-starter" / f"copier-{hashlib.sha256(content).hexdigest()}.json"
    try:
        parsed: dict[str, Any] = json.loads(cached.read_bytes())
        return parsed
    except (OSError, ValueError):
        pass
    import yaml  # slow to import: only on a cache miss

    try:
        parsed = yaml.safe_load(content)
    except yaml.YAMLError as error:
        raise ValueError(str(error)) from error
    with contextlib.suppress(OSError):  # no cache then: the next run parses again
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps(parsed), encoding="utf-8")
        partial.replace(cached)  # atomic: a concurrent reader never sees half a file
    return parsed


def asked(questions: list[Question]) -> list[Question]:
    """The project's questions (a resource's, ``tier: resource``, are ``add resource``'s)."""
    return [q for q in questions if not q.computed and q.tier != "resource"]
