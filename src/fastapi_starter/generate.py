"""Render a new project: typed functions around ``copier.run_copy``.

``ask`` collects every answer (Copier asks, writing nothing), ``render`` writes the project from them;
``ask_and_render`` does both in one pass of Copier where no question is asked on the terminal.
"""

import contextlib
import io
import os
import re
import shutil
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_starter import questions, template_source
from fastapi_starter.errors import (
    StarterError,
    copier_message,
    copier_tasks_quiet,
    os_error_message,
    question_named,
)

NO_TERMINAL = "No terminal to ask the questions on: pass --defaults and/or --data KEY=VALUE"


@dataclass(frozen=True)
class Answers:
    asked: dict[str, Any]
    """Every question of copier.yml that is asked, with its answer (what the answers file keeps)."""
    computed: dict[str, Any]
    """The values copier.yml derives from them (``when: false``), e.g. ``migrate_command``."""
    version: str
    """The template version they were given against (Copier's ``_commit``), for display."""

    def __getitem__(self, name: str) -> Any:
        return self.asked[name] if name in self.asked else self.computed[name]


@dataclass(frozen=True)
class Rendered:
    destination: Path
    files: list[str]
    """The paths Copier created (or would create, with ``pretend``), sorted."""


def _check_answerable(source: template_source.TemplateSource, answers: Mapping[str, Any]) -> None:
    """Without a terminal every question must be answered up front: say which are not."""
    names = [question.name for question in questions.asked(questions.load(source.copier_yml))]
    missing = [name for name in names if name not in answers]
    if missing:
        raise StarterError(
            f"No terminal to ask {', '.join(missing)}: pass --defaults, "
            "or answer them with --data KEY=VALUE"
        )


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and next(path.iterdir(), None) is None


def destination_problem(destination: Path, *, overwrite: bool) -> str | None:
    """Why a project cannot be written to ``destination``, or None; checked before any question."""
    try:
        return _destination_problem(destination, overwrite=overwrite)
    except OSError as error:
        return f"Cannot create {destination}: {os_error_message(error)}"


def _destination_problem(destination: Path, *, overwrite: bool) -> str | None:
    target = Path.cwd() / destination
    parent = target.parent
    name_max = _name_max(parent if parent.is_dir() else Path.cwd())
    if any(len(part.encode()) > name_max for part in target.parts):
        return f"Cannot create {destination}: a name in it is longer than {name_max} bytes"
    if destination.exists() and not destination.is_dir():
        return f"{destination} exists and is not a directory"
    if destination.is_dir():
        if not overwrite and not _is_empty_dir(destination):
            return f"{destination} is not empty; choose a new directory or pass --overwrite"
        if not os.access(destination, os.W_OK | os.X_OK):
            return f"Cannot write to {destination}: permission denied"
        return None
    if not parent.is_dir():
        return f"Cannot create {destination}: {parent} is not an existing directory"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"Cannot create {destination}: {parent} is not writable"
    return None


def _name_max(directory: Path) -> int:
    try:
        return os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def check_destination(destination: Path, *, overwrite: bool) -> None:
    problem = destination_problem(destination, overwrite=overwrite)
    if problem:
        raise StarterError(problem)


def _remove_what_was_written(destination: Path, *, existed: bool) -> None:
    """Undo a failed render: only ever called on a directory that was missing or empty before."""
    if not existed:
        shutil.rmtree(destination, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        for child in destination.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)


def _run_copy(destination: Path, *, asks: bool, **kwargs: Any) -> Any:
    """Call copier, turning its user-facing failures into ``StarterError``. Unless it ``asks`` on the
    terminal, its tasks' output is kept off the terminal (see ``copier_tasks_quiet``)."""
    from copier import run_copy
    from copier.errors import CopierError, DirtyLocalWarning, InteractiveSessionError

    try:
        with (
            warnings.catch_warnings(),
            contextlib.nullcontext() if asks else copier_tasks_quiet(),
        ):
            # Rendering a checkout at HEAD with uncommitted edits is what a template developer wants.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            return run_copy(dst_path=destination, unsafe=True, **kwargs)
    except KeyboardInterrupt:
        raise  # Copier's CopierAnswersInterrupt is a CopierError too: let it reach the CLI as Ctrl-C.
    except InteractiveSessionError as error:
        raise StarterError(NO_TERMINAL) from error
    except OSError as error:
        raise StarterError(os_error_message(error)) from error
    except (CopierError, ValueError) as error:
        raise StarterError(copier_message(str(error).strip().splitlines()[-1])) from error


def ask(
    destination: Path | None,
    *,
    given: Mapping[str, Any],
    use_defaults: bool,
    interactive: bool,
    overwrite: bool = False,
    vcs_ref: str | None = None,
    recorded: dict[str, Any] | None = None,
) -> Answers:
    """Every answer: those ``given``, the defaults (``use_defaults``), the rest asked on the terminal.

    Nothing is written. Without ``destination`` the project goes to ``./<project_slug>``, checked as
    soon as the slug is answered. ``recorded`` receives each typed answer as it is given.
    """
    from fastapi_starter import prompts

    source = template_source.locate()
    names = [question.name for question in questions.asked(questions.load(source.copier_yml))]
    if not interactive and not use_defaults:
        _check_answerable(source, given)
        use_defaults = True
    user_defaults = {} if destination is None else {"project_name": destination.resolve().name}

    def slug_is_free(slug: Any) -> str | None:
        return destination_problem(Path(str(slug)), overwrite=overwrite)

    checks = {"project_slug": slug_is_free} if destination is None else {}
    with prompts.asking(checks) as typed:
        try:
            worker = _run_copy(
                destination or Path.cwd(),
                asks=True,
                src_path=source.prepare(),
                data=dict(given),
                user_defaults=user_defaults,
                defaults=use_defaults,
                pretend=True,
                exclude=["*"],  # only the answers: the files are rendered once, by ``render``
                quiet=True,
                vcs_ref=source.ref(vcs_ref),
            )
        finally:
            if recorded is not None:
                recorded.update(typed)
    return _answers(worker, names)


def _answers(worker: Any, names: list[str]) -> Answers:
    """The answers Copier's worker ended with: those asked (``names``), and those derived."""
    combined = dict(worker.answers.combined)
    return Answers(
        asked={name: combined[name] for name in names if name in combined},
        computed={k: v for k, v in combined.items() if k not in names and not k.startswith("_")},
        version=str(worker.template.commit or ""),
    )


_ACTION = re.compile(r"^\s*(create|overwrite|identical|conflict|skip)\s+(\S.*)$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _created_files(copier_output: str) -> list[str]:
    """The paths of Copier's ``create``/``overwrite`` lines, without colour, sorted."""
    files = []
    for line in _ANSI.sub("", copier_output).splitlines():
        match = _ACTION.match(line)
        if match and match[1] in {"create", "overwrite"} and not match[2].endswith("/"):
            files.append(match[2].strip())
    return sorted(files)


@contextlib.contextmanager
def _captured() -> Iterator[io.StringIO]:
    """Copier's own output (its file list, a task's command line), kept from the terminal."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
        yield buffer


def render(
    destination: Path,
    answers: Answers,
    *,
    overwrite: bool = False,
    pretend: bool = False,
    vcs_ref: str | None = None,
) -> Rendered:
    """Write the project into ``destination`` (checked first); nothing is left if this fails.

    A directory this call creates is removed again if rendering fails or is interrupted; one that
    was empty is emptied again.
    """
    _, rendered = _render(
        destination,
        data=dict(answers.asked),
        overwrite=overwrite,
        pretend=pretend,
        vcs_ref=vcs_ref,
    )
    return rendered


def ask_and_render(
    destination: Path,
    *,
    given: Mapping[str, Any],
    use_defaults: bool,
    overwrite: bool = False,
    pretend: bool = False,
    vcs_ref: str | None = None,
) -> tuple[Answers, Rendered]:
    """``ask`` and ``render`` in one pass of Copier, for a run that asks nothing on the terminal:
    every answer is ``given`` or (``use_defaults``) a default. Copier validates them before it
    writes anything; nothing is left if this fails."""
    source = template_source.locate()
    if not use_defaults:
        _check_answerable(source, given)
    try:
        return _render(
            destination,
            data=dict(given),
            user_defaults={"project_name": destination.resolve().name},
            overwrite=overwrite,
            pretend=pretend,
            vcs_ref=vcs_ref,
        )
    except StarterError as error:
        # The project's name defaults to the directory's, and other names' defaults follow from it.
        question = question_named(str(error))
        named_after_it = {"project_name"}
        for q in questions.load(source.copier_yml):  # in order: a default follows earlier answers
            if any(name in str(q.default) for name in named_after_it - set(given)):
                named_after_it.add(q.name)
        if question in named_after_it - set(given):
            raise StarterError(
                f"{error}; the default came from the directory name '{destination.resolve().name}'"
                f": pass -d {question}=..."
            ) from error
        raise


def _render(
    destination: Path,
    *,
    overwrite: bool,
    pretend: bool,
    vcs_ref: str | None,
    **copy_options: Any,
) -> tuple[Answers, Rendered]:
    check_destination(destination, overwrite=overwrite)
    source = template_source.locate()
    names = [question.name for question in questions.asked(questions.load(source.copier_yml))]
    existed = destination.exists()
    was_empty = _is_empty_dir(destination)
    try:
        with _captured() as copier_output:
            worker = _run_copy(
                destination,
                asks=False,
                src_path=source.prepare(),
                defaults=True,
                overwrite=overwrite,
                pretend=pretend,
                quiet=False,
                vcs_ref=source.ref(vcs_ref),
                **copy_options,
            )
    except BaseException:
        if not pretend and (not existed or was_empty):
            _remove_what_was_written(destination, existed=existed)
        raise
    files = _created_files(copier_output.getvalue())
    if not pretend:  # Copier lists the folders it makes too
        files = [name for name in files if not (destination / name).is_dir()]
    return _answers(worker, names), Rendered(destination, files)


def remove(destination: Path, *, existed: bool) -> None:
    """Remove a project this run created (``existed``: the directory was there, empty, before)."""
    _remove_what_was_written(destination, existed=existed)
