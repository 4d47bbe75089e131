"""Option combinations, read from copier.yml through the CLI's own reader (never a hand-kept list)."""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fastapi_starter import questions

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = questions.asked(questions.load(REPO / "copier.yml"))
CHOICE_QUESTIONS = [question for question in QUESTIONS if question.choices]


@dataclass(frozen=True)
class Combination:
    answers: tuple[tuple[str, str], ...]

    @property
    def data(self) -> dict[str, str]:
        return dict(self.answers)

    @property
    def id(self) -> str:
        return ",".join(f"{name}-{value}" for name, value in self.answers)

    def __getitem__(self, name: str) -> str:
        return self.data[name]


def every_combination() -> Iterator[Combination]:
    names = [question.name for question in CHOICE_QUESTIONS]
    for values in itertools.product(*(question.values for question in CHOICE_QUESTIONS)):
        yield Combination(tuple(zip(names, values, strict=True)))


def defaults() -> dict[str, str]:
    return {question.name: str(question.default) for question in CHOICE_QUESTIONS}


def with_defaults(**answers: str) -> Combination:
    return Combination(tuple({**defaults(), **answers}.items()))
