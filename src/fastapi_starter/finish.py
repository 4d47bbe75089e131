"""After the render: install, migrate, commit; and the next steps that fit what was done.

Each step runs a tool the user has (uv, git) in the new project and returns a ``Step``: done, or the
one-line reason it was not, so that ``new`` keeps the rendered project and says how to finish by hand.
"""

import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Step:
    command: str
    """The command, as the user would type it in the project."""
    problem: str | None = None
    """Why it did not succeed; None when it did."""

    @property
    def done(self) -> bool:
        return self.problem is None


def _environment() -> dict[str, str]:
    """The user's environment, without what would point uv or git somewhere else than the project."""
    leaking = {"VIRTUAL_ENV", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "UV_PROJECT"}
    if "PYENV_DIR" in os.environ:
        # Started through a pyenv shim, which pins PYENV_VERSION to its own Python: let the
        # project's .python-version choose instead.
        leaking.add("PYENV_VERSION")
    return {key: value for key, value in os.environ.items() if key not in leaking}


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _run(project: Path, command: Sequence[str], shown: str) -> Step:
    executable = shutil.which(command[0])
    if executable is None:
        return Step(shown, f"{command[0]} is not installed")
    try:
        result = subprocess.run(
            [executable, *command[1:]],
            cwd=project,
            env=_environment(),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        return Step(shown, f"{command[0]} could not run: {error.strerror}")
    if result.returncode != 0:
        return Step(shown, _last_line(result.stderr or result.stdout))
    return Step(shown)


def install(project: Path) -> Step:
    """``uv sync``: the environment, and ``uv.lock``, which the Dockerfile needs."""
    return _run(project, ["uv", "sync"], "uv sync")


def migrate(project: Path, migrate_command: str) -> Step:
    """The ORM's own migration command (copier.yml's ``migrate_command``), in the project's env."""
    args = shlex.split(migrate_command)
    return _run(project, ["uv", "run", "--no-sync", *args], f"uv run {migrate_command}")


def _git_identity(project: Path, answers: Mapping[str, Any]) -> list[str]:
    """The author of copier.yml's answers, for a first commit where git knows no one."""
    configured = subprocess.run(
        ["git", "config", "user.email"], cwd=project, env=_environment(), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    if configured.stdout.strip():
        return []
    return [
        "-c",
        f"user.name={answers['author_name']}",
        "-c",
        f"user.email={answers['author_email']}",
    ]


def commit(project: Path, *, message: str, answers: Mapping[str, Any]) -> Step:
    """``git init`` and a first commit of everything but what .gitignore names.

    The project is its own repository even inside another one's work tree.
    """
    shown = "git init && git add -A && git commit"
    if shutil.which("git") is None:
        return Step(shown, "git is not installed")
    if (project / ".git").exists():
        return Step(shown, f"{project} already is a git repository; nothing committed")
    steps = [
        ["git", "init", "--quiet"],
        ["git", "add", "--all"],
        [
            "git",
            *_git_identity(project, answers),
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            message,
        ],
    ]
    for command in steps:
        step = _run(project, command, shown)
        if not step.done:
            return step
    return Step(shown)


def display_path(path: Path) -> str:
    """``path`` as the user would type it: relative to here when inside, shell-quoted."""
    absolute = path.resolve()
    try:
        shown = str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = str(absolute)
    return shlex.quote(shown)


class _Answers(Protocol):
    def __getitem__(self, name: str) -> Any: ...


def next_steps(
    project: Path,
    answers: _Answers,
    *,
    installed: bool,
    migrated: bool,
) -> list[str]:
    """The commands that take the new project from here to a running service, pasteable as printed."""
    steps = []
    if project.resolve() != Path.cwd().resolve():
        steps.append(f"cd {display_path(project)}")
    if not installed:
        steps.append("uv sync")
    if answers["database"] != "sqlite":
        if answers["docker"]:
            steps.append("docker compose up -d --wait db")
        else:
            steps.append(f"# start your {answers['database']} server; DATABASE_URL is in .env")
    if not migrated:
        steps.append(f"uv run {answers['migrate_command']}")
    if answers["first_key_command"]:
        steps.append(f"uv run {answers['first_key_command']}")
    steps.append("uv run fastapi dev")
    return steps
