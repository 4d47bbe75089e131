"""How Copier's questions look and behave on a terminal: the one seam into Copier's prompting.

Copier builds every prompt from copier.yml (type, help, default, choices, validator) and asks it
through questionary, one question at a time. ``asking`` wraps that call without restating any
question:

- a text default is shown as a dimmed placeholder that typing replaces (questionary pre-fills it as
  editable text, so typing ``Orders`` gave ``My APIOrders``); Enter on an empty line takes it;
- the question's help and any validation message are wrapped to the terminal's width (questionary's
  one-line toolbar cut them off at 80 columns), and a refused answer is asked again;
- every answer is recorded as soon as it is given, so that an interrupted run can be replayed;
- ``extra_checks`` adds a check to one question (the destination, as soon as the slug names it).

Copier still parses, casts and validates every answer: the wrapped prompt calls Copier's own
``validate`` and ``filter``.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from fastapi_starter import output
from fastapi_starter.errors import without_question_name

Check = Callable[[Any], str | None]
"""A check of an answer: None when it is fine, else the message to show."""


def _placeholder(default: str) -> Any:
    from prompt_toolkit.formatted_text import FormattedText

    return FormattedText([("italic fg:ansibrightblack", default)])


def _columns() -> int:
    """The width of the terminal the prompts are drawn on."""
    from prompt_toolkit.application import get_app_session

    try:
        return get_app_session().output.get_size().columns
    except Exception:  # no size known: a common terminal's
        return 80


def _message(help_text: str) -> str:
    # questionary puts "? " before the message and the answer after it.
    return (
        output.wrap(help_text.strip(), first_indent="? ", indent="  ", columns=_columns())[2:] + " "
    )


def _error(message: str) -> None:
    from prompt_toolkit import print_formatted_text
    from prompt_toolkit.formatted_text import FormattedText

    message = without_question_name(message)  # the prompt above says what is asked
    text = output.wrap(f">> {message}", first_indent="", indent="   ", columns=_columns())
    print_formatted_text(FormattedText([("fg:ansired", text)]))


class _Asker:
    def __init__(self, prompt: Callable[..., Any], extra_checks: Mapping[str, Check]) -> None:
        self.prompt = prompt
        self.extra_checks = extra_checks
        self.recorded: dict[str, Any] = {}

    def __call__(self, questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, Any]:
        (question,) = questions
        name = question["name"]
        when = question.get("when")
        if callable(when) and not when(answers):
            skipped: dict[str, Any] = self.prompt(questions, answers=answers)
            return skipped  # not asked: Copier derives the value
        question = {**question, "qmark": "?", "message": _message(str(question["message"]))}
        validate = question.pop("validate", None)
        cast = question.pop("filter", None)
        default = question.get("default")
        text_default = question["type"] == "input" and isinstance(default, str) and default
        if text_default:
            question.pop("default")
            question["placeholder"] = _placeholder(str(default))
        while True:
            raw = self.prompt([question], answers={name: default} if not text_default else {})[name]
            if text_default and raw == "":
                raw = default
            problem = validate(raw) if validate else True
            if problem is True:
                value = cast(raw) if cast else raw
                problem = self.extra_checks[name](value) if name in self.extra_checks else None
                if problem is None:
                    self.recorded[name] = value
                    return {name: value}
            _error(str(problem))


@contextmanager
def asking(extra_checks: Mapping[str, Check] | None = None) -> Iterator[dict[str, Any]]:
    """Within the block Copier asks through ``_Asker``; yields the answers as they are given."""
    import copier._main  # the private module that calls questionary: the only place we reach in

    module: Any = copier._main
    asker = _Asker(module.unsafe_prompt, extra_checks or {})
    module.unsafe_prompt = asker
    try:
        yield asker.recorded
    finally:
        module.unsafe_prompt = asker.prompt
