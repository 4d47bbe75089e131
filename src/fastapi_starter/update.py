"""Update a project to a newer template version: one typed function around ``copier.run_update``.

Copier merges well but says little: it exits 0 with conflicts, and deletes or replaces files the user edited
when an answer changes. So the update first runs in a scratch clone of the project and is compared with
pristine renders of the old and the new version (same answers): that tells which files the user edited,
which of them the update would delete or replace wholesale (those need a confirmation), and how each changed
file ended (updated, merged, conflicted, removed). Only then is the project itself updated.
"""

import subprocess
import tempfile
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fastapi_starter import template_source
from fastapi_starter.errors import StarterError

ANSWERS_FILE = ".copier-answers.yml"
RECOVERY = "to get back: git reset --hard && git clean -fd"

Files = dict[str, bytes]
ConfirmLoss = Callable[[list[str]], bool]
"""Asked with the edited files an update would delete or replace; True to go on."""


@dataclass(frozen=True)
class Report:
    from_version: str
    to_version: str
    updated: list[str] = field(default_factory=list)
    """Changed, and now identical to a fresh render of the new version."""
    merged: list[str] = field(default_factory=list)
    """Changed, and still carrying the user's edits."""
    conflicted: list[str] = field(default_factory=list)
    """Holding ``<<<<<<<`` conflict markers (or a ``.rej`` file): the user must resolve them."""
    removed: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    """Files the user edited that the update deleted or replaced (only ever after a confirmation)."""
    pretend: bool = False


def _git(*args: str, cwd: Path) -> str:
    try:
        completed = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
        )
    except FileNotFoundError as error:
        raise StarterError("git is needed to update a project, and it is not installed") from error
    except subprocess.CalledProcessError as error:
        raise StarterError(
            f"git {' '.join(args)} failed in {cwd}: {error.stderr.strip()}"
        ) from error
    return completed.stdout


def _read_answers(project: Path) -> dict[str, Any]:
    path = project / ANSWERS_FILE
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise StarterError(
            f"{project} has no {ANSWERS_FILE}: it was not made from a template"
        ) from error
    except (OSError, yaml.YAMLError) as error:
        raise StarterError(f"Cannot read {path}: {error}") from error
    if not isinstance(content, dict):
        raise StarterError(f"{path} does not hold a mapping of answers")
    template_source.check_updatable(content, path)
    return content


def _check_clean(project: Path) -> Path:
    """The project's git top level; refuses uncommitted or untracked files."""
    if not (project / ".git").exists() and not _inside_git(project):
        raise StarterError(f"{project} is not a git repository: commit the project first")
    status = _git("status", "--porcelain", "--untracked-files=all", cwd=project).splitlines()
    if status:
        listed = ", ".join(line[3:] for line in status[:5]) + (", ..." if len(status) > 5 else "")
        raise StarterError(
            f"{project} has uncommitted changes ({listed}): commit or stash them first, "
            "so that the update can be reviewed and undone"
        )
    return Path(_git("rev-parse", "--show-toplevel", cwd=project).strip())


def _inside_git(path: Path) -> bool:
    try:
        _git("rev-parse", "--show-toplevel", cwd=path)
    except StarterError:
        return False
    return True


def _files(root: Path, *, tracked: bool) -> Files:
    """File contents under ``root``: the git-visible ones (tracked or not ignored), or every file."""
    if tracked:
        listed = _git(
            "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=root
        ).split("\0")
        paths = [root / name for name in dict.fromkeys(listed) if name]
    else:
        paths = [path for path in root.rglob("*") if ".git" not in path.relative_to(root).parts]
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in paths
        if path.is_file() and not path.is_symlink()
    }


def _has_markers(content: bytes) -> bool:
    lines = content.splitlines()
    return any(line.startswith(b"<<<<<<< ") for line in lines) and any(
        line.startswith(b">>>>>>> ") for line in lines
    )


def _classify(
    before: Files, after: Files, fresh: Files, *, versions: tuple[str, str], lost: list[str]
) -> Report:
    report = Report(*versions, lost=lost)
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) == after.get(name) or name == ANSWERS_FILE:
            continue
        if name not in after:
            report.removed.append(name)
        elif name.endswith(".rej") or _has_markers(after[name]) or f"{name}.rej" in after:
            report.conflicted.append(name)
        elif after[name] == fresh.get(name):
            report.updated.append(name)
        else:
            report.merged.append(name)
    return report


def _lost_edits(before: Files, after: Files, old: Files, new: Files) -> list[str]:
    """Files the user edited (or added) that the update deletes, or replaces by the template's version."""
    lost = []
    created = {content for name, content in after.items() if name not in before}
    for name, content in sorted(before.items()):
        if name == ANSWERS_FILE or content == old.get(name):
            continue  # untouched since the template rendered it
        deleted = name not in after and content not in created  # not moved by a migration
        replaced = name in after and after[name] == new.get(name) != content
        if deleted or replaced:
            lost.append(name)
    return lost


def _copier_error(error: BaseException) -> str:
    return str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__


def _copier(operation: str, **kwargs: Any) -> None:
    """Call copier quietly, turning its failures into ``StarterError``."""
    import copier
    from copier.errors import CopierError, DirtyLocalWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DirtyLocalWarning)
            getattr(copier, operation)(unsafe=True, quiet=True, **kwargs)
    except KeyboardInterrupt:
        raise
    except (CopierError, ValueError, subprocess.CalledProcessError) as error:
        raise StarterError(_copier_error(error)) from error
    except Exception as error:  # a failing git command inside copier (plumbum)
        raise StarterError(_copier_error(error)) from error


def _render(src_path: str, ref: str, answers: Mapping[str, Any], into: Path) -> Files:
    """A pristine render of ``ref`` with these answers, as a fresh ``copier copy`` would write it."""
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    _copier(
        "run_copy",
        src_path=src_path,
        dst_path=into,
        data=data,
        vcs_ref=ref,
        defaults=True,
        skip_tasks=True,
    )
    return _files(into, tracked=False)


def update_project(
    project: Path,
    *,
    to: str | None = None,
    data: Mapping[str, Any] | None = None,
    pretend: bool = False,
    confirm_loss: ConfirmLoss | None = None,
) -> Report:
    """Update ``project`` to template version ``to`` (default: the latest), with changed answers ``data``.

    Edited files the update would delete or replace are passed to ``confirm_loss``; without it, or when it
    returns False, nothing is written and ``StarterError`` names them. With ``pretend``, nothing is written.
    """
    project = project.resolve()
    if not project.is_dir():
        raise StarterError(f"{project} is not a directory")
    old_answers = _read_answers(project)
    top = _check_clean(project)
    template_source.locate().prepare()  # refresh the installed bundle, if that is the project's source
    data = dict(data or {})
    options: dict[str, Any] = {
        "data": data,
        "defaults": True,
        "overwrite": True,
        "conflict": "inline",
    }
    with tempfile.TemporaryDirectory(prefix="fastapi-starter-update-") as scratch_dir:
        scratch = Path(scratch_dir)
        _git("clone", "--quiet", "--no-hardlinks", str(top), str(scratch / "clone"), cwd=scratch)
        trial = scratch / "clone" / project.relative_to(top)
        before = _files(trial, tracked=True)
        _copier("run_update", dst_path=trial, vcs_ref=to, **options)
        after = _files(trial, tracked=True)
        new_answers = yaml.safe_load(after[ANSWERS_FILE])
        old_render = _render(
            str(old_answers["_src_path"]), str(old_answers["_commit"]), old_answers, scratch / "old"
        )
        new_render = _render(
            str(new_answers["_src_path"]), str(new_answers["_commit"]), new_answers, scratch / "new"
        )
    versions = (str(old_answers["_commit"]), str(new_answers["_commit"]))
    lost = _lost_edits(before, after, old_render, new_render)
    if lost and not pretend and (confirm_loss is None or not confirm_loss(lost)):
        raise StarterError(
            f"The update would delete or replace files you edited: {', '.join(lost)}; "
            "nothing was changed (pass --yes to accept)"
        )
    if pretend:
        report = _classify(before, after, new_render, versions=versions, lost=lost)
        return Report(**{**report.__dict__, "pretend": True})
    try:
        _copier("run_update", dst_path=project, vcs_ref=versions[1], **options)
    except (StarterError, KeyboardInterrupt) as error:
        raise StarterError(f"The update failed ({error}); {RECOVERY}") from error
    return _classify(
        before, _files(project, tracked=True), new_render, versions=versions, lost=lost
    )
