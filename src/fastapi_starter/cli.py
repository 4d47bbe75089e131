"""The command line: Typer app and option parsing only; the work is done in the core modules."""

import inspect
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Annotated, Any

import typer

from fastapi_starter import answers, output, questions, template_source
from fastapi_starter.errors import StarterError, os_error_message


def _say_error(message: str) -> None:
    """``Error: message``: one line, wrapped between words at a terminal (not mid-word by it)."""
    typer.echo(output.fit(f"Error: {message}", err=True), err=True)


def _error_boundary(command: Callable[..., None]) -> Callable[..., None]:
    """The one place where errors become a one-line message and a non-zero exit code."""

    @wraps(command)
    def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except StarterError as error:
            _say_error(str(error))
            raise typer.Exit(1) from None
        except BrokenPipeError:  # the reader went away (`| head`): nothing more to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the exit's flush
            raise typer.Exit(141) from None  # 128 + SIGPIPE, as a shell reports it
        except OSError as error:  # one line for every OS failure (disk full, permissions, ...)
            _say_error(os_error_message(error))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            typer.echo("\nAborted.", err=True)
            raise typer.Exit(130) from None

    return guarded


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"fastapi-starter {_version()}")
        raise typer.Exit()


def _version() -> str:
    """The one version string: the template version ``new`` renders (``template_source``)."""
    return template_source.format_version(template_source.locate().version())


def _root(
    _version: Annotated[
        bool | None,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the version and exit.",
        ),
    ] = None,
) -> None:
    """Render an async, production-ready FastAPI project."""


def _describe_default(question: questions.Question) -> str:
    if isinstance(question.default, str) and "{{" in question.default:
        return "derived from the answers before it"
    return question.default_value


def _questions_epilog(asked: list[questions.Question]) -> str:
    lines = ["Questions (answer with -d NAME=VALUE, or with the option of the same name):"]
    for question in asked:
        choices = f" Choices: {', '.join(question.values)}." if question.enumerable else ""
        lines.append(
            f"  {question.name}: {question.help}.{choices} Default: {_describe_default(question)}."
        )
    # Click rewraps epilog paragraphs; \b keeps this one as written.
    return "\b\n" + "\n".join(lines)


def _option_for(question: questions.Question) -> inspect.Parameter:
    """``--name VALUE`` for a choice question, ``--name/--no-name`` for a yes/no question."""
    if question.is_bool:
        flag = f"{question.option_name}/--no-{question.option_name[2:]}"
        option = typer.Option(
            flag,
            help=f"{question.help}. Default: {question.default_value}.",
            rich_help_panel="Template questions",
            show_default=False,
        )
        annotation: Any = Annotated[bool | None, option]
    else:
        # A plain string: copier validates it, so its message is the one users see.
        labels = ", ".join(f"{value}: {label}" for label, value in question.choices.items())
        option = typer.Option(
            question.option_name,
            metavar="|".join(question.values),
            help=f"{question.help} ({labels}). Default: {question.default}.",
            rich_help_panel="Template questions",
        )
        annotation = Annotated[str | None, option]
    return inspect.Parameter(
        question.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def _with_choice_options(
    command: Callable[..., None], asked: list[questions.Question]
) -> Callable[..., None]:
    """Add one option per choice or yes/no question of copier.yml to ``command``."""
    enumerable = [question for question in asked if question.enumerable]
    names = {question.name for question in enumerable}

    @wraps(command)
    def with_choices(**kwargs: Any) -> None:
        chosen = {name: kwargs.pop(name) for name in names}
        command(**kwargs, choice_answers={k: v for k, v in chosen.items() if v is not None})

    parameters = [
        p for p in inspect.signature(command).parameters.values() if p.name != "choice_answers"
    ]
    parameters += [_option_for(question) for question in enumerable]
    with_choices.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    del with_choices.__wrapped__  # Typer must read the new signature, not the wrapped one.
    with_choices.__annotations__ = {}
    return with_choices


def _confirm(summary: list[str]) -> bool:
    import questionary

    typer.echo("\n".join(summary))
    answer: bool = questionary.confirm("Create the project?", default=True, qmark="?").unsafe_ask()
    return answer


def new(
    dest: Annotated[
        Path | None,
        typer.Argument(
            help="Directory to create. Default: ./<project_slug>, asked first.",
            show_default=False,
        ),
    ] = None,
    defaults: Annotated[
        bool,
        typer.Option(
            "--defaults", "-y", "--yes", help="Take the default of every question not answered."
        ),
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option("-d", "--data", metavar="KEY=VALUE", help="Answer a question (repeatable)."),
    ] = None,
    data_file: Annotated[
        Path | None,
        typer.Option(
            "--data-file",
            exists=True,
            dir_okay=False,
            help="YAML file of answers (a project's .copier-answers.yml too); -d and the options "
            "below take precedence.",
        ),
    ] = None,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would be written; write nothing.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Render into a non-empty directory.")
    ] = False,
    git: Annotated[
        bool, typer.Option("--git/--no-git", help="Make a git repository with a first commit.")
    ] = True,
    install: Annotated[
        bool,
        typer.Option(
            "--install/--no-install",
            help="Run uv sync (and, for SQLite, apply the migrations).",
        ),
    ] = True,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every file written.")
    ] = False,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Git ref of the template to render (git templates only)."),
    ] = None,
    *,
    choice_answers: dict[str, Any],
) -> None:
    """Create a new project. Asks each question of the template unless answered or --defaults.

    Then installs it (uv sync), applies its migrations (SQLite), commits it to a new git
    repository and prints the next steps.
    """
    from fastapi_starter import new as creating

    interactive = _stdin_is_terminal()
    options = creating.Options(
        destination=dest,
        given=creating.given_answers(data_file, data or [], choice_answers),
        use_defaults=defaults,
        pretend=pretend,
        overwrite=overwrite,
        vcs_ref=vcs_ref,
        interactive=interactive,
        git=git,
        install=install,
        verbose=verbose,
    )
    creating.run(options, confirm=_confirm if interactive else None)


def matrix(
    tier: Annotated[
        str, typer.Option("--tier", metavar="render|test|all", help="Which tier's combinations.")
    ] = "render",
    data: Annotated[
        list[str] | None,
        typer.Option(
            "-d", "--data", metavar="KEY=VALUE", help="Keep only this choice (repeatable)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list, for CI matrices.")
    ] = False,
    invalid: Annotated[
        bool,
        typer.Option(
            "--invalid", help="Print the combinations copier.yml refuses, with the reason."
        ),
    ] = False,
) -> None:
    """Print the combinations of the template's choices that CI renders (render) or installs (test)."""
    import json

    from fastapi_starter import matrix as combinations

    all_questions = questions.load(template_source.locate().copier_yml)
    fixed = answers.parse_pairs(data or [])
    valid, refused = combinations.split(all_questions, tier=tier, fixed=fixed)
    if invalid:
        rows = [
            {**refused_.combination.as_row(), "reason": refused_.reason} for refused_ in refused
        ]
        lines = [f"{refused_.combination}  # {refused_.reason}" for refused_ in refused]
    else:
        rows = [combination.as_row() for combination in valid]
        lines = [str(combination) for combination in valid]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    elif lines:
        typer.echo("\n".join(lines))


def _echo_wrapped(text: str, indent: str = "") -> None:
    typer.echo(output.wrap(text, indent=indent))


def _confirm_loss(risks: Any) -> bool:
    """Show what ``fastapi_starter.update.Risks`` the update takes, and ask to go on."""
    if risks.lost:
        typer.echo("The update would delete or replace these files, which you edited:")
        for name in risks.lost:
            typer.echo(f"  {name}")
    if risks.orphans:
        typer.echo("The update would add files to folders you removed or renamed:")
        for orphan in risks.orphans:
            typer.echo(f"  {orphan.path}")
            _echo_wrapped(_gone(orphan), indent="    ")
    if risks.migrations:
        typer.echo("The update would rewrite these migrations:")
        for name in risks.migrations:
            typer.echo(f"  {name}")
        _echo_wrapped(_sentence(risks.migration_advice()), indent="  ")
    try:
        return typer.confirm("Go on (git keeps your version in the last commit)?", default=False)
    except typer.Abort:  # Ctrl-C or end of input at the prompt
        raise KeyboardInterrupt from None


def _print_report(report: Any) -> None:
    """The summary of ``fastapi_starter.update.Report``; lists what remains to resolve."""
    if report.up_to_date:
        typer.echo(f"Already up to date ({report.to_version})")
        return
    verb = "Would update" if report.pretend else "Updated"
    rows = [
        ("added", report.added),
        ("updated", report.updated),
        ("merged", report.merged),
        ("conflicted", report.conflicted),
        ("removed", report.removed),
    ]
    counts = ", ".join(f"{len(names)} {label}" for label, names in rows)
    nothing = " (nothing written)" if report.pretend else ""
    typer.echo(
        output.fit(f"{verb} from {report.from_version} to {report.to_version}{nothing}: {counts}")
    )
    for label, names in rows:
        for name in names:
            typer.echo(f"  {label:<11} {name}")
    if report.lost:
        typer.echo(output.fit(f"Edited files deleted or replaced: {', '.join(report.lost)}"))
    if report.dropped:
        kept = "would be kept" if report.pretend else "are kept"
        typer.echo(f"Not applied, as you deleted or moved these files (the diffs {kept}):")
        for dropped in report.dropped:
            typer.echo(f"  {dropped.path}")
            if dropped.moved_to:
                typer.echo(f"    moved to {dropped.moved_to}?")
            typer.echo(f"    -> {dropped.diff}")
    if report.orphans:
        verb = "Would add" if report.pretend else "Added"
        typer.echo(f"{verb} to folders you removed or renamed:")
        for orphan in report.orphans:
            typer.echo(f"  {orphan.path}")
            _echo_wrapped(_gone(orphan), indent="    ")
    if report.migrations:
        typer.echo(f"{'Would rewrite' if report.pretend else 'Rewritten'} migrations:")
        for name in report.migrations:
            typer.echo(f"  {name}")
        _echo_wrapped(_sentence(report.migration_advice), indent="  ")


def _gone(orphan: Any) -> str:
    moved = f"; now {orphan.moved_to}/?" if orphan.moved_to else ""
    return f"({orphan.folder}/ is gone{moved})"


def _sentence(text: str) -> str:
    return f"{text[0].upper()}{text[1:]}."


def _say_progress(message: str) -> None:
    typer.echo(f"{message}...", err=True)


def update(
    path: Annotated[
        Path, typer.Argument(help="The project to update (a clean git checkout).")
    ] = Path(),
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="VERSION", help="Template version (git tag). Default: the latest."
        ),
    ] = None,
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would change; write nothing.")
    ] = False,
    data: Annotated[
        list[str] | None,
        typer.Option("-d", "--data", metavar="KEY=VALUE", help="Change an answer (repeatable)."),
    ] = None,
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Go on without asking when the update deletes or replaces files you edited, "
            "adds files to folders you removed, or rewrites migrations.",
        ),
    ] = False,
) -> None:
    """Update a project to a newer template version, keeping your edits.

    The project changes in one step, or not at all (also on Ctrl-C). Exits 1 when conflicts remain
    (their files hold <<<<<<< markers).
    """
    from fastapi_starter.update import RECOVERY, Interrupted, update_project

    template = questions.load(template_source.locate().copier_yml)
    given = answers.parse_pairs(data or [])
    answers.check_names(given, template)
    given = answers.match_choices(given, template)
    confirm = (lambda _risks: True) if yes else (_confirm_loss if _stdin_is_terminal() else None)
    progress = _say_progress if sys.stderr.isatty() else None
    try:
        report = update_project(
            path, to=to, data=given, pretend=pretend, confirm=confirm, progress=progress
        )
    except Interrupted as interrupted:
        if interrupted.report is not None:
            _print_report(interrupted.report)
        typer.echo("\n" + output.fit(str(interrupted), err=True), err=True)
        raise typer.Exit(interrupted.exit_code) from None
    _print_report(report)
    if report.conflicted and not report.pretend:
        _say_error(
            f"conflicts remain in {', '.join(report.conflicted)}: resolve the <<<<<<< markers "
            f"and commit ({RECOVERY})"
        )
        raise typer.Exit(1)


def add_resource(
    name: Annotated[
        str, typer.Argument(help="The resource's name: plural, lowercase (e.g. orders).")
    ],
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            metavar="NAME:TYPE[:ARG][:unique][:optional][=DEFAULT]",
            help="A field (repeatable); without any, they are asked. TYPE: see below.",
        ),
    ] = None,
    singular: Annotated[
        str | None,
        typer.Option(
            "--singular",
            metavar="NAME",
            help="One of them, for class and variable names. Default: from the name (orders: "
            "order).",
        ),
    ] = None,
    path: Annotated[
        Path, typer.Option("--path", help="The project (a clean git checkout).")
    ] = Path(),
    pretend: Annotated[
        bool, typer.Option("--pretend", help="Show what would be written; write nothing.")
    ] = False,
    vcs_ref: Annotated[
        str | None,
        typer.Option("--vcs-ref", help="Template version to render. Default: the project's."),
    ] = None,
) -> None:
    """Add a resource: models, schemas, service, router, dependencies, exceptions, a migration and
    tests, in the shape of the example items, registered in main.py and models.py.

    Its answers go to .copier-answers.NAME.yml, so that `fastapi-starter update` updates it too.
    """
    from fastapi_starter import resource

    if field:
        fields = [resource.parse_field(spec) for spec in field]
    elif _stdin_is_terminal():
        from fastapi_starter.resource_prompts import ask_fields

        copier_yml = template_source.locate().copier_yml
        fields = ask_fields(resource.open_project(path.resolve()), name, copier_yml)
    else:
        raise StarterError("No terminal to ask the fields on: pass them with --field")
    added = resource.add_resource(
        path, name, fields, pretend=pretend, vcs_ref=vcs_ref, item=singular
    )
    verb = "Would write" if pretend else "Wrote"
    typer.echo(f"{verb} {len(added.files)} files for {name}:")
    for file in added.files:
        typer.echo(f"  {file}")
    registered = (
        f"{'Would register' if pretend else 'Registered'} it in {', '.join(added.registered)}"
    )
    typer.echo(output.fit(registered))
    if not pretend:
        typer.echo("Next steps:")
        typer.echo(output.commands(added.next_steps(path)))


def build_app() -> typer.Typer:
    """The Typer app, with the options of ``new`` read from the template's copier.yml."""
    template = questions.load(template_source.locate().copier_yml)
    asked = questions.asked(template)
    app = typer.Typer(
        no_args_is_help=True,
        add_completion=True,
        # Plain Click help: rendering it with rich costs ~0.3 s of imports on every --help.
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    command = _error_boundary(_with_choice_options(new, asked))
    app.command("new", epilog=_questions_epilog(asked))(command)
    app.command("update")(_error_boundary(update))
    add = typer.Typer(
        no_args_is_help=True, rich_markup_mode=None, help="Add to a project: a resource."
    )
    from fastapi_starter.resource import field_types_help

    types = field_types_help(template)
    add.command("resource", epilog=f"Field types: {types}.")(_error_boundary(add_resource))
    app.add_typer(add, name="add")
    # Template CI tooling, not for users: out of --help (the generator's tests and CI call it).
    app.command("matrix", hidden=True)(_error_boundary(matrix))
    return app


def main() -> None:
    try:
        app = build_app()
    except StarterError as error:
        _say_error(str(error))
        raise SystemExit(1) from None
    app()
