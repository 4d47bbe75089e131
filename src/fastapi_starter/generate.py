"""Render a new project: one typed function around ``copier.run_copy``."""

import shutil
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi_starter import questions, template_source
from fastapi_starter.errors import StarterError

NO_TERMINAL = "No terminal to ask the questions on: pass --defaults and/or --data KEY=VALUE"


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


def _check_destination(destination: Path, *, overwrite: bool) -> None:
    if destination.exists() and not destination.is_dir():
        raise StarterError(f"{destination} exists and is not a directory")
    if destination.exists() and not _is_empty_dir(destination) and not overwrite:
        raise StarterError(
            f"{destination} is not empty; choose a new directory or pass --overwrite"
        )


def _remove_what_was_written(destination: Path, *, existed: bool) -> None:
    """Undo a failed render: only ever called on a directory that was missing or empty before."""
    if not existed:
        shutil.rmtree(destination, ignore_errors=True)
        return
    for child in destination.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _run_copy(destination: Path, **kwargs: Any) -> Any:
    """Call copier, turning its user-facing failures into ``StarterError``."""
    from copier import run_copy
    from copier.errors import CopierError, DirtyLocalWarning, InteractiveSessionError

    try:
        with warnings.catch_warnings():
            # Rendering a checkout at HEAD with uncommitted edits is what a template developer wants.
            warnings.simplefilter("ignore", DirtyLocalWarning)
            return run_copy(dst_path=destination, unsafe=True, **kwargs)
    except KeyboardInterrupt:
        raise  # Copier's CopierAnswersInterrupt is a CopierError too: let it reach the CLI as Ctrl-C.
    except InteractiveSessionError as error:
        raise StarterError(NO_TERMINAL) from error
    except (CopierError, ValueError) as error:
        raise StarterError(str(error).strip().splitlines()[-1]) from error


def _ask_all(
    *, answers: Mapping[str, Any], use_defaults: bool, vcs_ref: str | None
) -> dict[str, Any]:
    """Ask every question without writing anything, to learn where the project goes."""
    source = template_source.locate()
    names = [question.name for question in questions.asked(questions.load(source.copier_yml))]
    worker = _run_copy(
        Path.cwd() / ".fastapi-starter-pretend",
        src_path=source.prepare(),
        data=dict(answers),
        defaults=use_defaults,
        pretend=True,
        quiet=True,
        vcs_ref=source.ref(vcs_ref),
    )
    return {name: worker.answers.combined[name] for name in names}


def create_project(
    destination: Path | None,
    *,
    answers: Mapping[str, Any],
    use_defaults: bool,
    pretend: bool = False,
    overwrite: bool = False,
    vcs_ref: str | None = None,
    interactive: bool = True,
) -> Path:
    """Render the template into ``destination`` (default: ``./<project_slug>``) and return it.

    A directory this call creates is removed again if rendering fails or is interrupted.
    Without ``interactive`` (no terminal), questions are never asked.
    """
    source = template_source.locate()
    ref = source.ref(vcs_ref)
    if not interactive and not use_defaults:
        _check_answerable(source, answers)
        use_defaults = True
    user_defaults: dict[str, Any] = {}
    if destination is None:
        asked = _ask_all(answers=answers, use_defaults=use_defaults, vcs_ref=vcs_ref)
        destination = Path(str(asked["project_slug"]))
        answers = {**asked, **answers}
        use_defaults = True
    else:
        user_defaults["project_name"] = destination.resolve().name
    _check_destination(destination, overwrite=overwrite)

    existed = destination.exists()
    was_empty = _is_empty_dir(destination)
    try:
        _run_copy(
            destination,
            src_path=source.prepare(),
            data=dict(answers),
            user_defaults=user_defaults,
            defaults=use_defaults,
            overwrite=overwrite,
            pretend=pretend,
            vcs_ref=ref,
        )
    except BaseException:
        if not pretend and (not existed or was_empty):
            _remove_what_was_written(destination, existed=existed)
        raise
    return destination
