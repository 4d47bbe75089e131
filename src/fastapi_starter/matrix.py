"""Every combination of copier.yml's choices, split by the validators into valid and refused ones.

Tiers (each question's ``tier:`` in copier.yml says how it is varied):
- all: every choice question varies (the full product).
- render: the questions that change Python code (``tier: test`` and ``test-each``) vary together; each of
  those combinations gets one setting of the render-only questions, chosen so that every value of a
  render-only question meets every pair of values of two other questions at least once. The full product
  grows with every new question; this stays the size of the code product.
- test: ``tier: test`` questions vary together; each other value of a ``tier: test-each`` question is added
  once, everything else at its default. Those combinations are installed and run by the test tier.
"""

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from fastapi_starter.errors import StarterError
from fastapi_starter.questions import Question, asked

TIERS = ("render", "test", "all")


@dataclass(frozen=True)
class Combination:
    answers: tuple[tuple[str, str], ...]

    @property
    def data(self) -> dict[str, str]:
        return dict(self.answers)

    @property
    def id(self) -> str:
        """Readable and unique, e.g. ``database-sqlite,orm-sqlalchemy,auth-jwt``."""
        return ",".join(f"{name}-{value}" for name, value in self.answers)

    @property
    def pytest_args(self) -> list[str]:
        """Selects this combination in the generator's tests (see tests/conftest.py)."""
        return [arg for name, value in self.answers for arg in ("--answer", f"{name}={value}")]

    def as_row(self) -> dict[str, Any]:
        return {"id": self.id, "answers": self.data, "pytest_args": " ".join(self.pytest_args)}

    def __str__(self) -> str:
        return " ".join(f"{name}={value}" for name, value in self.answers)


@dataclass(frozen=True)
class Refused:
    combination: Combination
    reason: str


@cache
def _environment() -> Any:
    """A Jinja environment like Copier's own for validators: strict, with the Ansible filters."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _compiled(template: str) -> Any:
    return _environment().from_string(template)


def _render(template: str, context: Mapping[str, Any]) -> str:
    try:
        return str(_compiled(template).render(context)).strip()
    except Exception as error:  # as Copier does: a validator that fails to render refuses
        return str(error)


def refusal(questions: list[Question], answers: Mapping[str, str]) -> str | None:
    """Why Copier would refuse these answers (the others at their defaults), or None."""
    context: dict[str, Any] = {}
    for question in questions:
        if question.name in answers and question.is_bool:
            context[question.name] = str(answers[question.name]).lower() == "true"
        elif question.name in answers:
            context[question.name] = answers[question.name]
        elif isinstance(question.default, str) and "{" in question.default:
            context[question.name] = _render(question.default, context)
        else:
            context[question.name] = question.default
        if question.computed:
            continue
        value = str(answers.get(question.name, context[question.name]))
        if question.validator and (message := _render(question.validator, context)):
            return f"Validation error for question '{question.name}': {message}"
        choice_validator = question.choice_validators.get(value)
        if choice_validator and (message := _render(choice_validator, context)):
            return f"Invalid choice for '{question.name}': {message}"
    return None


def _check_filters(choice_questions: list[Question], fixed: Mapping[str, str]) -> None:
    by_name = {question.name: question for question in choice_questions}
    for name, value in fixed.items():
        if name not in by_name:
            raise StarterError(
                f"Can only filter on choice questions ({', '.join(by_name)}), not {name!r}"
            )
        if value not in by_name[name].values:
            raise StarterError(
                f"{value!r} is not a choice of {name} ({', '.join(by_name[name].values)})"
            )


def _candidates(
    choice_questions: list[Question], tier: str, fixed: Mapping[str, str]
) -> Iterator[Combination]:
    def values(question: Question, varied: bool) -> list[str]:
        if question.name in fixed:
            return [fixed[question.name]]
        return question.values if varied else [question.default_value]

    def product(varies: Mapping[str, bool]) -> Iterator[Combination]:
        names = [question.name for question in choice_questions]
        pools = [values(question, varies[question.name]) for question in choice_questions]
        for chosen in itertools.product(*pools):
            yield Combination(tuple(zip(names, chosen, strict=True)))

    if tier == "all":
        yield from product({question.name: True for question in choice_questions})
        return
    if tier == "render":
        code = {question.name: question.tier != "render" for question in choice_questions}
        render_only = {
            question.name: not varies
            for question, varies in zip(choice_questions, code.values(), strict=True)
        }
        yield from _covering(list(product(code)), list(product(render_only)), render_only)
        return
    yield from product({question.name: question.tier == "test" for question in choice_questions})
    for each in choice_questions:
        if each.tier == "test-each" and each.name not in fixed:
            yield from product({question.name: question is each for question in choice_questions})


Triple = tuple[tuple[str, str], tuple[str, str], tuple[str, str]]


def covered_triples(combination: Combination, render_only: Iterable[str]) -> set[Triple]:
    """Each render-only answer of ``combination`` with each pair of its other answers."""
    answers = combination.answers
    return {
        (answer, *pair)
        for answer in answers
        if answer[0] in render_only
        for pair in itertools.combinations([other for other in answers if other != answer], 2)
    }


def _covering(
    code_rows: list[Combination], settings: list[Combination], render_only: Mapping[str, bool]
) -> Iterator[Combination]:
    """Each code row once, with the render-only setting that covers the most triples not yet covered;
    then, while some triple of the full product is still missing, the row that covers most of them."""
    names = {name for name, varies in render_only.items() if varies}

    def merged(code: Combination, setting: Combination) -> Combination:
        chosen = {name: value for name, value in setting.answers if name in names}
        return Combination(tuple((name, chosen.get(name, value)) for name, value in code.answers))

    covered: set[Triple] = set()
    for code in code_rows:
        best = max(
            (merged(code, setting) for setting in settings),
            key=lambda row: len(covered_triples(row, names) - covered),
        )
        covered |= covered_triples(best, names)
        yield best
    every_row = [merged(code, setting) for code in code_rows for setting in settings]
    missing = set().union(*(covered_triples(row, names) for row in every_row)) - covered
    while missing:
        best = max(every_row, key=lambda row: len(covered_triples(row, names) & missing))
        missing -= covered_triples(best, names)
        yield best


def split(
    questions: list[Question], *, tier: str = "render", fixed: Mapping[str, str] | None = None
) -> tuple[list[Combination], list[Refused]]:
    """The valid combinations of ``tier`` and those Copier refuses, with its reason."""
    if tier not in TIERS:
        raise StarterError(f"Unknown tier {tier!r}: use {', '.join(TIERS)}")
    fixed = dict(fixed or {})
    choice_questions = [question for question in asked(questions) if question.enumerable]
    _check_filters(choice_questions, fixed)
    valid: list[Combination] = []
    refused: list[Refused] = []
    for combination in dict.fromkeys(_candidates(choice_questions, tier, fixed)):
        reason = refusal(questions, combination.data)
        if reason is None:
            valid.append(combination)
        else:
            refused.append(Refused(combination, reason))
    return valid, refused
