"""The ``new`` command as the user meets it: ask, confirm, render, install, migrate, commit, report.

Quiet by default (the choices, the number of files, the next steps); Copier's file list with
``verbose``. The answers of a run that fails or is interrupted are saved, and the command that
replays them is printed.
"""

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_starter import answers as answer_files
from fastapi_starter import finish, generate, output, questions, template_source
from fastapi_starter.errors import StarterError


@dataclass(frozen=True)
class Options:
    destination: Path | None
    given: dict[str, Any]
    use_defaults: bool = False
    pretend: bool = False
    overwrite: bool = False
    vcs_ref: str | None = None
    interactive: bool = False
    git: bool = True
    install: bool = True
    verbose: bool = False


def format_answer(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def summary(answers: generate.Answers, destination: Path) -> list[str]:
    """The answers, one per line, under the place the project goes."""
    asked = questions.asked(questions.load(template_source.locate().copier_yml))
    width = max(len(question.name) for question in asked)
    lines = [f"Project in {finish.display_path(destination)}:"]
    for question in asked:
        if question.name in answers.asked:
            value = format_answer(answers.asked[question.name])
            lines.append(f"  {question.name:<{width}}  {value}")
    return lines


def _choices_line(answers: generate.Answers) -> str:
    """The choices that shape the code, in one line (the quiet report)."""
    asked = questions.asked(questions.load(template_source.locate().copier_yml))
    parts = [
        f"{question.name.replace('_', '-')} {format_answer(answers.asked[question.name])}"
        for question in asked
        if question.enumerable and question.name in answers.asked
    ]
    # Wrapped between choices only: a no-break space holds each name to its value.
    held = ", ".join(part.replace(" ", "\xa0") for part in parts)
    return output.wrap(held, indent="  ").replace("\xa0", " ")


def _replay_command(options: Options, saved: Path) -> str:
    home = Path.home()
    try:
        shown = "~/" + shlex.quote(str(saved.relative_to(home)))
    except ValueError:
        shown = shlex.quote(str(saved))
    destination = f" {finish.display_path(options.destination)}" if options.destination else ""
    return f"fastapi-starter new{destination} --data-file {shown}"


class Run:
    """One ``new``: holds what was typed, so that a failure can save it."""

    def __init__(self, options: Options, confirm: Callable[[list[str]], bool] | None) -> None:
        self.options = options
        self.confirm = confirm
        self.typed: dict[str, Any] = {}
        self.answers: generate.Answers | None = None

    def saved_answers_hint(self) -> str | None:
        """Save what was answered so far; the one command that replays it, or None."""
        if not self.options.interactive:
            return None
        known = dict(self.answers.asked) if self.answers else {**self.options.given, **self.typed}
        if not known:
            return None
        try:
            saved = answer_files.save_for_replay(known)
        except OSError:
            return None
        replay = output.commands([_replay_command(self.options, saved)], err=True)
        return f"Your answers are saved; to use them again:\n{replay}"

    def __call__(self) -> None:
        options = self.options
        if options.destination is not None:
            generate.check_destination(options.destination, overwrite=options.overwrite)
        if options.destination is not None and (options.use_defaults or not options.interactive):
            # Nothing to ask or confirm: Copier takes the answers and renders in one pass.
            existed = options.destination.exists()
            with output.progress("Rendering the template"):
                self.answers, rendered = generate.ask_and_render(
                    options.destination,
                    given=options.given,
                    use_defaults=options.use_defaults,
                    overwrite=options.overwrite,
                    pretend=options.pretend,
                    vcs_ref=options.vcs_ref,
                )
            self._announce(self.answers, options.destination, show_choices=True)
            self._rendered(options.destination, self.answers, rendered, existed=existed)
            return
        self.answers = generate.ask(
            options.destination,
            given=options.given,
            use_defaults=options.use_defaults,
            interactive=options.interactive,
            overwrite=options.overwrite,
            vcs_ref=options.vcs_ref,
            recorded=self.typed,
        )
        answers = self.answers
        destination = options.destination or Path(str(answers["project_slug"]))
        asks = options.interactive and not options.use_defaults and self.confirm is not None
        if asks and not self.confirm(summary(answers, destination)):  # type: ignore[misc]
            raise StarterError("Nothing written")
        self._announce(answers, destination, show_choices=not asks)  # else the summary showed them
        existed = destination.exists()
        with output.progress("Rendering the template"):
            rendered = generate.render(
                destination,
                answers,
                overwrite=options.overwrite,
                pretend=options.pretend,
                vcs_ref=options.vcs_ref,
            )
        self._rendered(destination, answers, rendered, existed=existed)

    def _announce(
        self, answers: generate.Answers, destination: Path, *, show_choices: bool
    ) -> None:
        version = template_source.format_version(answers.version)
        verb = "Would create" if self.options.pretend else "Creating"
        where = finish.display_path(destination)
        name = answers["project_name"]
        output.say(output.fit(f"{verb} {name} in {where} (fastapi-starter {version})"))
        if show_choices:
            output.say(_choices_line(answers))

    def _rendered(
        self, destination: Path, answers: generate.Answers, rendered: generate.Rendered,
        *, existed: bool,
    ) -> None:  # fmt: skip
        options = self.options
        if options.verbose:
            for path in rendered.files:
                output.say(f"  create {path}")
        if options.pretend:
            output.say(f"Would write {len(rendered.files)} files; nothing written (--pretend).")
            return
        output.say(f"Wrote {len(rendered.files)} files.")
        version = template_source.format_version(answers.version)
        try:
            self._finish(destination, answers, rendered, version)
        except KeyboardInterrupt:
            if not options.overwrite:
                generate.remove(destination, existed=existed)
            raise

    def _finish(
        self, destination: Path, answers: generate.Answers, rendered: generate.Rendered,
        version: str,
    ) -> None:  # fmt: skip
        options = self.options
        problems: list[str] = []
        installed = migrated = False
        if options.install:
            with output.progress("Installing the dependencies (uv sync)"):
                step = finish.install(destination)
            installed = _report(
                step, "Installed the dependencies (uv sync; uv.lock written).", problems
            )
        if installed and answers["database"] == "sqlite":
            with output.progress("Applying the migrations"):
                step = finish.migrate(destination, str(answers["migrate_command"]))
            migrated = _report(step, f"Applied the migrations ({step.command}).", problems)
        if options.git:
            with output.progress("Making the first git commit"):
                step = finish.commit(
                    destination, message=f"New project from fastapi-starter {version}",
                    answers=answers.asked,
                )  # fmt: skip
            _report(step, "Made a git repository with a first commit.", problems)
        steps = finish.next_steps(destination, answers, installed=installed, migrated=migrated)
        if problems:
            where = finish.display_path(destination)
            output.say(output.fit(f"The project is in {where}; finish by hand:"))
        else:
            output.say(output.fit(f"Your project {answers['project_name']} is ready. Next steps:"))
        output.say(output.commands(steps))


def _report(step: finish.Step, done: str, problems: list[str]) -> bool:
    if step.done:
        output.say(done)
    else:
        problems.append(step.command)
        output.say(
            output.fit(f"Warning: {step.command} failed: {step.problem}", err=True), err=True
        )
    return step.done


def run(options: Options, confirm: Callable[[list[str]], bool] | None = None) -> None:
    """Create a project; on any failure or Ctrl-C, save the answers and say how to replay them."""
    this_run = Run(options, confirm)
    try:
        this_run()
    except (StarterError, KeyboardInterrupt) as problem:
        hint = this_run.saved_answers_hint()
        if hint:
            output.say(hint, err=True)
        if isinstance(problem, StarterError) and str(problem) == "Nothing written":
            raise StarterError("Nothing written: not confirmed") from None
        raise


def given_answers(
    data_file: Path | None, pairs: list[str], options: Mapping[str, Any]
) -> dict[str, Any]:
    """The answers of ``--data-file``, ``-d`` and the choice options, in rising precedence."""
    all_questions = questions.load(template_source.locate().copier_yml)
    given = {
        **(answer_files.read_file(data_file) if data_file else {}),
        **answer_files.parse_pairs(pairs),
        **options,
    }
    answer_files.check_names(given, all_questions)
    return answer_files.match_choices(given, all_questions)
