"""Update a project to a newer template version: one typed function around ``copier.run_update``.

Copier merges well but says little: it exits 0 with conflicts, deletes or replaces files the user edited when
an answer changes, drops template changes to files the user deleted or moved, and writes into the project
file by file, so an interruption leaves it half updated. So the whole update runs in a scratch clone of the
project and is compared with pristine renders of the old and the new version (same answers): that tells
which files the user edited, which of them the update would delete or replace (those need a confirmation),
which template changes cannot land, which new files fall into folders the user removed, and which
migrations it rewrites. Only then is the result applied to the project, as one git tree, with SIGINT,
SIGTERM and SIGHUP held, and rolled back if anything fails: the project is either as it was or updated.
"""

import contextlib
import difflib
import io
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from types import FrameType
from typing import Any

import yaml

from fastapi_starter import template_source
from fastapi_starter.errors import StarterError, copier_message, copier_tasks_quiet

ANSWERS_FILE = ".copier-answers.yml"
# A resource's answers (`fastapi-starter add resource NAME`): .copier-answers.NAME.yml
RESOURCE_ANSWERS = r"\.copier-answers\.[a-z][a-z0-9_]*\.yml"
DIFFS_DIR = ".copier-update"
"""Where the template's changes to files the user deleted or moved are kept (git-ignored by itself)."""
RECOVERY = "to get back: git reset --hard && git clean -fd"
WATCHED_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)
_NO_TAGS = "No git tags found in template; using HEAD as ref"
_RESULT_REF = "refs/fastapi-starter/update"
_IDENTITY = ("-c", "user.name=fastapi-starter", "-c", "user.email=fastapi-starter@localhost")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")

Files = dict[str, bytes]
Progress = Callable[[str], None]


def display_version(commit: str) -> str:
    """How a template version (a project's ``_commit``) is shown: one place, so every command agrees."""
    return commit


@dataclass(frozen=True)
class Dropped:
    """A template change that could not be applied: the user deleted or moved the file."""

    path: str
    moved_to: str | None
    """The user's file that looks like it, if any (a rename)."""
    diff: str
    """The file, relative to the project, that holds the template's change as a unified diff."""


@dataclass(frozen=True)
class Orphan:
    """A new template file in a folder the user removed or renamed."""

    path: str
    folder: str
    moved_to: str | None
    """Where the folder's files seem to have gone, if anywhere."""


@dataclass(frozen=True)
class Risks:
    """What an update would do that needs the user's confirmation (or ``--yes``)."""

    lost: list[str] = field(default_factory=list)
    """Files the user edited (or added) that the update deletes or replaces by the template's version."""
    orphans: list[Orphan] = field(default_factory=list)
    migrations: list[str] = field(default_factory=list)
    """Migrations the project had that the update rewrites or deletes."""
    new_revision: str = ""
    """The command that makes a new migration instead."""

    def __bool__(self) -> bool:
        return bool(self.lost or self.orphans or self.migrations)

    def describe(self) -> str:
        """One sentence, for the error that refuses the update without a confirmation."""
        parts = []
        if self.lost:
            parts.append(f"delete or replace files you edited: {', '.join(self.lost)}")
        if self.orphans:
            parts.append(
                "add files to folders you removed or renamed: "
                + ", ".join(orphan.path for orphan in self.orphans)
            )
        if self.migrations:
            parts.append(
                "rewrite migrations a database may already have applied: "
                f"{', '.join(self.migrations)} ({self.migration_advice()})"
            )
        return "The update would " + "; ".join(parts)

    def migration_advice(self) -> str:
        return (
            "a database that ran them will not run them again: keep them "
            "(git checkout HEAD -- <file> after the update) and add a new revision "
            f"({self.new_revision})"
        )


@dataclass(frozen=True)
class Report:
    from_version: str
    to_version: str
    added: list[str] = field(default_factory=list)
    """New in the new version, and not in the project before."""
    updated: list[str] = field(default_factory=list)
    """Changed, and now identical to a fresh render of the new version."""
    merged: list[str] = field(default_factory=list)
    """Changed, and still carrying the user's edits."""
    conflicted: list[str] = field(default_factory=list)
    """Holding ``<<<<<<<`` conflict markers (or a ``.rej`` file): the user must resolve them."""
    removed: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    """Files the user edited that the update deleted or replaced (only ever after a confirmation)."""
    dropped: list[Dropped] = field(default_factory=list)
    orphans: list[Orphan] = field(default_factory=list)
    """Written only after a confirmation."""
    migrations: list[str] = field(default_factory=list)
    """Rewritten or deleted only after a confirmation."""
    migration_advice: str = ""
    pretend: bool = False
    up_to_date: bool = False


class Interrupted(StarterError):
    """SIGINT, SIGTERM or SIGHUP arrived; ``report`` is set when the update had been applied by then."""

    def __init__(self, message: str, signum: int, report: Report | None) -> None:
        super().__init__(message)
        self.exit_code = 128 + signum
        self.report = report


@dataclass
class _State:
    step: str = "starting"
    applied: bool = False
    """The project's work tree holds the update."""


class _Signals:
    """Turns the first SIGINT, SIGTERM or SIGHUP into ``KeyboardInterrupt`` (once), remembering which."""

    def __init__(self, state: _State) -> None:
        self.state = state
        self.received: int | None = None
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> "_Signals":
        if threading.current_thread() is threading.main_thread():
            for signum in WATCHED_SIGNALS:
                if signal.getsignal(signum) is not signal.SIG_IGN:
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *_: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.received is None:
            self.received = signum
            if not self.state.applied:  # once applied, the update finishes and says so
                raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT, SIGTERM and SIGHUP, for this process and the git commands it starts, until the end."""
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, WATCHED_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class _Once:
    """Progress messages, each said once."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.said: set[str] = set()

    def __call__(self, message: str) -> None:
        if self.progress is not None and message not in self.said:
            self.said.add(message)
            self.progress(message)


def _git(*args: str, cwd: Path, input: str | None = None, shielded: bool = False) -> str:
    """Run git; ``shielded``: in a process group of its own, which a Ctrl-C at the terminal misses."""
    try:
        completed = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            input=input,
            process_group=0 if shielded and hasattr(os, "setpgid") else None,
        )
    except FileNotFoundError as error:
        if shutil.which("git") is None:
            raise StarterError(
                "git is needed to update a project, and it is not installed"
            ) from error
        raise StarterError(f"{cwd} does not exist") from error
    except subprocess.CalledProcessError as error:
        reason = error.stderr.strip().splitlines()[-1] if error.stderr.strip() else error
        raise StarterError(f"git {args[0]} failed in {cwd}: {reason}") from error
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


def _repository_of(project: Path, what: str = "the update") -> Path:
    """The top level of the project's git repository: the project's own, or one that tracks it.
    `what` the project is checked for, as the errors name it."""
    if shutil.which("git") is None:
        raise StarterError(f"git is needed for {what}, and it is not installed")
    own_repository = (
        f"make it a repository of its own first (cd {project} && git init && git add -A && "
        f"git commit -m 'New project'), so that {what} can be reviewed and undone"
    )
    try:
        top = Path(_git("rev-parse", "--show-toplevel", cwd=project).strip()).resolve()
    except StarterError:
        raise StarterError(f"{project} is not a git repository: {own_repository}") from None
    if top != project and not _git("ls-files", "--", ANSWERS_FILE, cwd=project).strip():
        ignored = subprocess.run(
            ["git", "check-ignore", "--quiet", ANSWERS_FILE], cwd=project, check=False
        )
        why = "ignores it" if ignored.returncode == 0 else "does not track it"
        raise StarterError(
            f"{project} is inside the git repository {top}, which {why}: {own_repository}"
        )
    return top


def _check_clean(top: Path, what: str = "the update") -> str:
    """The commit checked out in ``top``; refuses uncommitted or untracked files."""
    status = _git("status", "--porcelain", "--untracked-files=all", cwd=top).splitlines()
    if status:
        listed = ", ".join(line[3:] for line in status[:5]) + (", ..." if len(status) > 5 else "")
        raise StarterError(
            f"{top} has uncommitted changes ({listed}): commit or stash them first, "
            f"so that {what} can be reviewed and undone"
        )
    try:
        return _git("rev-parse", "--verify", "HEAD", cwd=top).strip()
    except StarterError:
        raise StarterError(f"{top} has no commit yet: commit the project first") from None


# ---------------------------------------------------------------- is there anything to do?


@dataclass(frozen=True)
class _Target:
    ref: str | None
    """What Copier is asked to render (None: Copier picks the latest tag)."""
    current: bool
    """The project is already at this commit."""
    tagless: bool = False
    shown: str | None = None
    """How the version is named to the user: the ref, or HEAD's commit."""


def _local_source(src_path: str) -> Path | None:
    """The local git repository or bundle ``_src_path`` names; None for a URL (Copier resolves those)."""
    if "://" in src_path or src_path.startswith(("gh:", "gl:", "git@", "git+")):
        return None
    path = Path(src_path).expanduser()
    return path.resolve() if path.exists() else None


def _refs(source: Path) -> dict[str, str]:
    """Ref name to commit, tags peeled."""
    refs = {}
    for line in _git("ls-remote", "--", str(source), cwd=Path.cwd()).splitlines():
        sha, _, name = line.partition("\t")
        refs[name.removesuffix("^{}")] = sha
    return refs


def _releases(tags: list[str]) -> list[str]:
    """The PEP 440 release tags, lowest first: the versions Copier picks from."""
    from packaging.version import InvalidVersion, Version

    versions = []
    for tag in tags:
        try:
            version = Version(tag)
        except InvalidVersion:
            continue
        if not version.is_prerelease:
            versions.append((version, tag))
    return [tag for _, tag in sorted(versions)]


def _latest_tag(tags: list[str]) -> str | None:
    """The highest PEP 440 release tag, as Copier picks it."""
    releases = _releases(tags)
    return releases[-1] if releases else None


def _has_version(source: Path, refs: Mapping[str, str], version: str) -> bool:
    """Whether ``version`` names a tag, a branch or a commit of the template at ``source``."""
    if version == "HEAD" or f"refs/tags/{version}" in refs or f"refs/heads/{version}" in refs:
        return True
    if source.is_dir():
        try:
            _git("rev-parse", "--verify", "--quiet", f"{version}^{{commit}}", cwd=source)
        except StarterError:
            return False
        return True
    return bool(re.fullmatch(r"[0-9a-f]{7,40}", version))  # a bundle's commits: Copier checks


def _target(answers: Mapping[str, Any], to: str | None) -> _Target:
    """Which version to update to, and whether the project is already there (cheap: no clone)."""
    source = _local_source(str(answers["_src_path"]))
    refs: dict[str, str] = {}
    if source is not None:
        with contextlib.suppress(StarterError):  # else Copier says what is wrong with the source
            refs = _refs(source)
    tags = {
        name[len("refs/tags/") :]: sha
        for name, sha in refs.items()
        if name.startswith("refs/tags/")
    }
    releases = _releases(list(tags))
    if to is not None and not to.strip():
        known = f" (the template's versions: {', '.join(releases)})" if releases else ""
        raise StarterError(f"--to needs a version: a tag, a branch or a commit{known}")
    if source is None or not refs:
        return _Target(to, current=False)
    if to is not None and not _has_version(source, refs, to):
        known = f"; its versions: {', '.join(releases)}" if releases else ""
        raise StarterError(f"The template has no version {to}{known}")
    ref = to or _latest_tag(list(tags)) or "HEAD"
    sha = (
        tags.get(ref)
        or refs.get(f"refs/heads/{ref}")
        or (refs.get("HEAD") if ref == "HEAD" else None)
    )
    commit = str(answers["_commit"])
    described = re.fullmatch(r"(?:.*-g)?([0-9a-f]{7,40})", commit)
    at = tags.get(commit) or (described.group(1) if described else None)
    current = bool(sha and at and sha.startswith(at))
    if current and ref == "HEAD" and (source / ".git").exists():
        # Copier renders a local HEAD with its uncommitted edits: not the recorded commit.
        current = not _git("status", "--porcelain", cwd=source).strip()
    shown = sha[:7] if ref == "HEAD" and sha else ref
    return _Target(ref, current=current, tagless=to is None and ref == "HEAD", shown=shown)


def _changes_answers(data: Mapping[str, Any], answers: Mapping[str, Any]) -> bool:
    def same(given: Any, recorded: Any) -> bool:
        if isinstance(given, str) and not isinstance(recorded, str):
            with contextlib.suppress(yaml.YAMLError):
                return bool(yaml.safe_load(given) == recorded)
        return bool(given == recorded)

    return any(
        name not in answers or not same(value, answers[name]) for name, value in data.items()
    )


# ---------------------------------------------------------------- what the update does


def _files(root: Path) -> Files:
    """The contents of the git-visible files (tracked, or untracked and not ignored) under ``root``."""
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=root).split(
        "\0"
    )
    paths = [root / name for name in dict.fromkeys(listed) if name]
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in paths
        if path.is_file() and not path.is_symlink()
    }


def _rendered(root: Path) -> Files:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if ".git" not in path.relative_to(root).parts and path.is_file() and not path.is_symlink()
    }


def _has_markers(content: bytes) -> bool:
    lines = content.splitlines()
    return any(line.startswith(b"<<<<<<< ") for line in lines) and any(
        line.startswith(b">>>>>>> ") for line in lines
    )


def _classify(before: Files, after: Files, fresh: Files, report: Report) -> Report:
    changes: dict[str, list[str]] = {
        "added": [], "updated": [], "merged": [], "conflicted": [], "removed": []
    }  # fmt: skip
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) == after.get(name):
            continue
        if name not in after:
            changes["removed"].append(name)
        elif name.endswith(".rej") or _has_markers(after[name]) or f"{name}.rej" in after:
            changes["conflicted"].append(name)
        elif name not in before:
            changes["added"].append(name)
        elif after[name] == fresh.get(name):
            changes["updated"].append(name)
        else:
            changes["merged"].append(name)
    return replace(
        report,
        added=changes["added"],
        updated=changes["updated"],
        merged=changes["merged"],
        conflicted=changes["conflicted"],
        removed=changes["removed"],
    )


def _lost_edits(before: Files, after: Files, old: Files, new: Files) -> list[str]:
    """Files the user edited (or added) that the update deletes, or replaces by the template's version."""
    lost = []
    created = [content for name, content in after.items() if name not in before]
    for name, content in sorted(before.items()):
        if name == ANSWERS_FILE or content == old.get(name):
            continue  # untouched since the template rendered it
        deleted = name not in after and not _carried(content, old.get(name, b""), created)
        replaced = name in after and after[name] == new.get(name) != content
        if deleted or replaced:
            lost.append(name)
    return lost


def _carried(content: bytes, rendered: bytes, created: list[bytes]) -> bool:
    """Whether a migration carried the user's edits of a file into a new one: a new file holds every
    line the user added to the rendered version, and none of the lines the user removed."""
    ours, base = set(content.splitlines()), set(rendered.splitlines())
    added, removed = ours - base, base - ours
    return any(added <= (lines := set(new.splitlines())) and not removed & lines for new in created)


def _moved_to(name: str, content: bytes, candidates: Files) -> str | None:
    """The file among ``candidates`` (the user's own) most like ``content``, of the same name."""
    lines = content.splitlines()
    best, best_ratio = None, 0.6
    for other, other_content in sorted(candidates.items()):
        if PurePosixPath(other).name != PurePosixPath(name).name:
            continue
        ratio = difflib.SequenceMatcher(None, lines, other_content.splitlines()).ratio()
        if ratio > best_ratio:
            best, best_ratio = other, ratio
    return best


def _folders(names: Iterable[str]) -> set[str]:
    return {parent.as_posix() for name in names for parent in PurePosixPath(name).parents} - {"."}


def _is_migration(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        path.suffix == ".py"
        and "migrations" in path.parts[:-1]
        and path.name
        not in {
            "__init__.py",
            "env.py",
        }
    )


def _template_diff(name: str, old: bytes, new: bytes, moved_to: str | None) -> str:
    def lines(content: bytes) -> list[str]:
        return content.decode("utf-8", errors="replace").splitlines(keepends=True)

    where = (
        f"you moved it (to {moved_to}?): patch {moved_to} < this file"
        if moved_to
        else "you deleted it"
    )
    header = f"# The template's change to {name}, not applied because {where}\n"
    body = "".join(difflib.unified_diff(lines(old), lines(new), f"a/{name}", f"b/{name}"))
    return header + body + ("" if body.endswith("\n") else "\n\\ No newline at end of file\n")


@dataclass(frozen=True)
class _Analysis:
    risks: Risks
    dropped: list[Dropped]
    diffs: dict[str, str]
    """Diff file (relative to the project) to its text."""


def _analyse(
    before: Files, after: Files, old: Files, new: Files, *, diffs_folder: str
) -> _Analysis:
    """What the update cannot apply, and what it does that needs a confirmation."""
    candidates = {name: content for name, content in before.items() if name not in old}
    moves = {
        name: _moved_to(name, content, candidates)
        for name, content in old.items()
        if name not in before and name != ANSWERS_FILE
    }
    dropped, diffs = [], {}
    for name, moved_to in sorted(moves.items()):
        if name in new and new[name] != old[name]:
            diff = f"{diffs_folder}/{name}.diff"
            dropped.append(Dropped(name, moved_to, diff))
            diffs[diff] = _template_diff(name, old[name], new[name], moved_to)
    template_folders, kept_folders = _folders(old.keys()), _folders(before.keys())
    orphans = []
    for name in sorted(set(new) - set(old)):
        if name not in after:
            continue
        folder = next(
            (p.as_posix() for p in PurePosixPath(name).parents if p.as_posix() in template_folders),
            None,
        )
        if folder is not None and folder not in kept_folders:
            guesses = [
                PurePosixPath(moved).parent.as_posix()
                for old_name, moved in moves.items()
                if moved and PurePosixPath(old_name).parent.as_posix() == folder
            ]
            moved_folder = max(set(guesses), key=guesses.count) if guesses else None
            orphans.append(Orphan(name, folder, moved_folder))
    migrations = [
        name for name in sorted(before) if _is_migration(name) and after.get(name) != before[name]
    ]
    alembic = any("versions" in PurePosixPath(name).parts for name in migrations)
    risks = Risks(
        lost=_lost_edits(before, after, old, new),
        orphans=orphans,
        migrations=migrations,
        new_revision='uv run alembic revision --autogenerate -m "..."'
        if alembic
        else "uv run tortoise makemigrations --name ...",
    )
    return _Analysis(risks, dropped, diffs)


# ---------------------------------------------------------------- Copier


def _copier_error(error: BaseException) -> str:
    argv, stderr = getattr(error, "argv", None), getattr(error, "stderr", None)
    if isinstance(argv, list) and isinstance(stderr, str):  # a command Copier ran (plumbum)
        words = [str(word) for word in argv[1:] if not str(word).startswith("-")]
        command = " ".join([Path(str(argv[0])).name, *words[:1]])
        reason = (
            stderr.strip().splitlines()[-1]
            if stderr.strip()
            else f"exit code {getattr(error, 'retcode', '?')}"
        )
        return f"{command} failed: {reason}"
    lines = str(error).strip().splitlines()
    return copier_message(lines[-1]) if lines else type(error).__name__


def _copier(operation: str, say: _Once, **kwargs: Any) -> None:
    """Call copier quietly, turning its failures into ``StarterError``; its messages are said once,
    and its tasks' output only when one fails (its last line)."""
    import copier
    from copier.errors import CopierError, DirtyLocalWarning

    printed = io.StringIO()
    try:
        with (
            warnings.catch_warnings(),
            contextlib.redirect_stderr(printed),
            copier_tasks_quiet(),
        ):
            warnings.simplefilter("ignore", DirtyLocalWarning)
            getattr(copier, operation)(unsafe=True, quiet=True, **kwargs)
    except (KeyboardInterrupt, StarterError):
        raise
    except (CopierError, ValueError, subprocess.CalledProcessError) as error:
        raise StarterError(_copier_error(error)) from error
    except Exception as error:  # a failing git command inside copier (plumbum)
        raise StarterError(_copier_error(error)) from error
    finally:
        for line in _ANSI.sub("", printed.getvalue()).splitlines():
            if line.strip() and line.strip() != _NO_TAGS:
                say(line.strip())


def _copier_update(
    trial: Path, ref: str | None, data: Mapping[str, Any], say: _Once, **options: Any
) -> None:
    """``copier update`` of the scratch clone, as every update here runs it: the recorded answers
    and ``data``, conflicts left inline."""
    _copier(
        "run_update",
        say,
        dst_path=trial,
        vcs_ref=ref,
        data=dict(data),
        defaults=True,
        overwrite=True,
        conflict="inline",
        **options,
    )


def _render(
    src_path: str,
    ref: str,
    answers: Mapping[str, Any],
    into: Path,
    say: _Once,
    answers_file: str = ANSWERS_FILE,
) -> Files:
    """A pristine render of ``ref`` with these answers, as a fresh ``copier copy`` would write it."""
    data = {key: value for key, value in answers.items() if not key.startswith("_")}
    _copier(
        "run_copy",
        say,
        src_path=src_path,
        dst_path=into,
        data=data,
        vcs_ref=ref,
        defaults=True,
        skip_tasks=True,
        answers_file=answers_file,
    )
    return _rendered(into)


def _resource_answers(files: Files) -> dict[str, dict[str, Any]]:
    """Each resource's answers file (``add resource``), by its name in the project, with its answers."""
    found = {}
    for name, content in files.items():
        if re.fullmatch(RESOURCE_ANSWERS, name):
            answers = yaml.safe_load(content)
            if isinstance(answers, dict) and answers.get("resource"):
                found[name] = answers
    return dict(sorted(found.items()))


def _render_all(
    answers: Mapping[str, Any], resources: Mapping[str, Mapping[str, Any]], into: Path, say: _Once
) -> Files:
    """The pristine project and its resources, each at its recorded version."""
    _render(str(answers["_src_path"]), str(answers["_commit"]), answers, into, say)
    for name, recorded in resources.items():
        _render(str(recorded["_src_path"]), str(recorded["_commit"]), recorded, into, say, name)
    return _rendered(into)


def _update_resources(
    clone: Path,
    trial: Path,
    target: "_Target",
    data: Mapping[str, Any],
    say: _Once,
) -> None:
    """Update each resource in the trial, as the project was: Copier needs a clean tree for each,
    so every step is committed in the scratch clone, then the index is set back to the project's
    HEAD with every step's conflict stages, as if one update had made them all."""
    names = list(_resource_answers(_files(trial)))
    if not names:
        return
    head = _git("rev-parse", "HEAD", cwd=clone).strip()
    stages: dict[str, list[str]] = {}

    def commit_step(message: str) -> None:
        for entry in _git("ls-files", "-u", "-z", cwd=clone).split("\0"):
            if entry:
                stages.setdefault(entry.split("\t", 1)[1], []).append(entry)
        _git("add", "--all", cwd=clone)
        _git(
            *_IDENTITY,
            "commit",
            "--quiet",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
            cwd=clone,
        )

    commit_step("project")
    for name in names:
        recorded = yaml.safe_load((trial / name).read_text(encoding="utf-8"))
        say(f"Updating the resource {recorded['resource']}")
        given = {key: value for key, value in data.items() if key in recorded}
        _copier_update(trial, target.ref, given, say, answers_file=name)
        commit_step(name)
    _git("reset", "--quiet", head, cwd=clone)
    if stages:
        info = "".join(f"0 {'0' * 40}\t{path}\n" for path in stages)
        info += "".join(f"{entry}\n" for entries in stages.values() for entry in entries)
        _git("update-index", "--index-info", cwd=clone, input=info)


# ---------------------------------------------------------------- applying it in one step


def _copy_blob(sha: str, source: Path, top: Path) -> None:
    """Copy one object (a conflict stage's content) from ``source``'s repository into ``top``'s."""
    try:
        content = subprocess.run(
            ["git", "cat-file", "blob", sha], cwd=source, capture_output=True, check=True
        ).stdout
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=top,
            input=content,
            capture_output=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError) as error:
        raise StarterError(f"Cannot copy a conflict's versions into {top}: {error}") from error


def _remove_added(top: Path, added: list[str]) -> None:
    for name in added:
        path = top / name
        if path.is_file() or path.is_symlink():
            path.unlink()
        for parent in path.parents:
            if parent == top or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def _apply(
    clone: Path, top: Path, project: Path, head: str, diffs: dict[str, str], state: _State
) -> None:
    """Move the project's work tree to the clone's result in one step, or leave it as it was.

    The result becomes a commit in the clone, fetched into the project's repository (objects only), then
    ``git read-tree -u -m`` moves the work tree (touching only the files that change) with the signals held;
    the index is set back to HEAD with Copier's conflict stages, as an in-place ``copier update`` leaves it.
    """
    scope = project.relative_to(top).as_posix()
    unmerged = [
        entry for entry in _git("ls-files", "-u", "-z", "--", scope, cwd=clone).split("\0") if entry
    ]
    _git("add", "--all", "--", scope, cwd=clone)
    tree = _git("write-tree", cwd=clone).strip()
    result = _git(
        *_IDENTITY, "commit-tree", tree, "-p", head, "-m", "fastapi-starter update", cwd=clone
    )
    _git("update-ref", _RESULT_REF, result.strip(), cwd=clone)
    fetch = ("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", str(clone), _RESULT_REF)
    _git("-c", "gc.auto=0", *fetch, cwd=top)
    result = result.strip()
    stages = []
    for entry in unmerged:
        meta, path = entry.split("\t", 1)
        _copy_blob(meta.split()[1], clone, top)
        stages.append(f"{meta}\t{path}")
    conflicted = dict.fromkeys(entry.split("\t", 1)[1] for entry in unmerged)
    index_info = "".join(f"0 {'0' * 40}\t{path}\n" for path in conflicted) + "".join(
        f"{line}\n" for line in stages
    )
    added = [
        name
        for name in _git(
            "diff", "--name-only", "--no-renames", "--diff-filter=A", "-z", head, result, cwd=top
        ).split("\0")
        if name and not (top / name).exists() and not (top / name).is_symlink()
    ]
    written = [
        name
        for name in [*diffs, f"{DIFFS_DIR}/.gitignore"]
        if diffs and not (project / name).exists()
    ]
    with contextlib.suppress(StarterError):  # stale stat data would stop read-tree -m
        _git("update-index", "-q", "--refresh", cwd=top)
    with _signals_held():
        state.step = "applying the update"
        try:
            _git("read-tree", "-u", "-m", head, result, cwd=top, shielded=True)
            # The index back at HEAD: the changes left unstaged, the conflicts recorded.
            _git("reset", "--quiet", cwd=top, shielded=True)
            if index_info:
                _git("update-index", "--index-info", cwd=top, input=index_info, shielded=True)
            _write_diffs(project, diffs)
            state.applied = True  # before the signals held are delivered
        except BaseException as error:
            try:
                _git("reset", "--hard", "--quiet", head, cwd=top, shielded=True)
                _remove_added(top, added)
                _remove_added(project, written)
            except (StarterError, OSError) as rollback_error:
                raise StarterError(
                    f"The update failed ({_copier_error(error)}) and could not be undone "
                    f"({rollback_error}); {RECOVERY}"
                ) from error
            raise StarterError(
                f"The update could not be applied ({_copier_error(error)}); nothing was changed"
            ) from error


def _write_diffs(project: Path, diffs: dict[str, str]) -> None:
    if not diffs:
        return
    root = project / DIFFS_DIR
    root.mkdir(exist_ok=True)
    (root / ".gitignore").write_text("# Written by fastapi-starter update; never committed.\n*\n")
    for name, text in diffs.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


# ---------------------------------------------------------------- the update


def update_project(
    project: Path,
    *,
    to: str | None = None,
    data: Mapping[str, Any] | None = None,
    pretend: bool = False,
    confirm: Callable[[Risks], bool] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Update ``project`` to template version ``to`` (default: the latest), with changed answers ``data``.

    What needs a confirmation (edited files deleted or replaced, new files in folders the user removed,
    migrations rewritten) is passed to ``confirm``; without it, or when it returns False, nothing is written
    and ``StarterError`` names it. With ``pretend``, nothing is written. ``progress`` is told of slow steps.
    An interruption raises ``Interrupted``: the project is then either untouched or completely updated.
    """
    project = project.resolve()
    if not project.is_dir():
        raise StarterError(f"{project} is not a directory")
    old_answers = _read_answers(project)
    top = _repository_of(project)
    head = _check_clean(top)
    template_source.locate().prepare()  # refresh the installed bundle, if that is the project's source
    data = dict(data or {})
    say = _Once(progress)
    from_version = display_version(str(old_answers["_commit"]))
    target = _target(old_answers, to)
    if target.current and not _changes_answers(data, old_answers):
        return Report(from_version, from_version, pretend=pretend, up_to_date=True)
    if target.tagless:
        say("The template has no version tags: updating to its latest commit")
    state = _State()
    with _Signals(state) as signals:
        try:
            try:
                report = _update(
                    project, top, head, old_answers, target, data, pretend, confirm, say, state
                )
            except StarterError:
                if signals.received is None:
                    raise
                raise KeyboardInterrupt from None
        except KeyboardInterrupt:
            signum = signals.received or signal.SIGINT
            name = signal.Signals(signum).name
            raise Interrupted(
                f"Interrupted ({name}) while {state.step}: nothing was changed", signum, None
            ) from None
        if signals.received is not None:
            name = signal.Signals(signals.received).name
            raise Interrupted(
                f"Interrupted ({name}), but the update was completed: {project} is at "
                f"{report.to_version} (review it with git status; {RECOVERY})",
                signals.received,
                report,
            )
    return report


def _update(
    project: Path,
    top: Path,
    head: str,
    old_answers: Mapping[str, Any],
    target: _Target,
    data: dict[str, Any],
    pretend: bool,
    confirm: Callable[[Risks], bool] | None,
    say: _Once,
    state: _State,
) -> Report:
    from_version = display_version(str(old_answers["_commit"]))
    with tempfile.TemporaryDirectory(prefix="fastapi-starter-update-") as scratch_dir:
        scratch = Path(scratch_dir)
        clone = scratch / "clone"
        state.step = "copying the project into a scratch clone"
        _git("clone", "--quiet", "--shared", "--no-checkout", str(top), str(clone), cwd=scratch)
        _git("checkout", "--quiet", "--detach", head, cwd=clone)
        trial = clone / project.relative_to(top)
        before = _files(trial)
        state.step = "updating the scratch clone"
        to_label = f" to {display_version(target.shown or target.ref)}" if target.ref else ""
        say(f"Updating a scratch copy of the project from {from_version}{to_label}")
        try:
            _copier_update(trial, target.ref, data, say)
            _update_resources(clone, trial, target, data, say)
        except StarterError as error:
            raise StarterError(f"{str(error).rstrip('.')}; nothing was changed") from error
        after = _files(trial)
        new_answers = yaml.safe_load(after[ANSWERS_FILE])
        to_version = display_version(str(new_answers["_commit"]))
        if after == before:
            return Report(from_version, to_version, pretend=pretend, up_to_date=True)
        state.step = "rendering the old and new versions to compare"
        say(f"Comparing with fresh renders of {from_version} and {to_version}")
        old_render = _render_all(old_answers, _resource_answers(before), scratch / "old", say)
        new_render = _render_all(new_answers, _resource_answers(after), scratch / "new", say)
        folder = re.sub(r"[^\w.+-]", "_", f"{from_version}-to-{to_version}")
        analysis = _analyse(
            before, after, old_render, new_render, diffs_folder=f"{DIFFS_DIR}/{folder}"
        )
        risks = analysis.risks
        report = _classify(
            before,
            after,
            new_render,
            Report(
                from_version,
                to_version,
                lost=risks.lost,
                dropped=analysis.dropped,
                orphans=risks.orphans,
                migrations=risks.migrations,
                migration_advice=risks.migration_advice(),
                pretend=pretend,
            ),
        )
        if pretend:
            return report
        state.step = "waiting for a confirmation"
        if risks and (confirm is None or not confirm(risks)):
            raise StarterError(f"{risks.describe()}; nothing was changed (pass --yes to accept)")
        state.step = "applying the update"
        say("Applying the update")
        _apply(clone, top, project, head, analysis.diffs, state)
        return report
