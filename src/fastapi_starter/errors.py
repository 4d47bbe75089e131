"""The one error type the CLI turns into a one-line message."""

import errno
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_QUESTION_NAMED = re.compile(r"^Validation error for question '[^']*':\s*")
_UNKNOWN_REVISION = re.compile(r"^Unknown revision: '([^']*)'$")


class StarterError(Exception):
    """A failure the user can act on; its message is shown as it is, without a traceback."""


def os_error_message(error: OSError) -> str:
    """One line for an OS failure: what failed, on which path."""
    reason = os.strerror(error.errno) if error.errno else str(error)
    if error.errno == errno.ENOSPC:
        reason = "No space left on device (the disk is full)"
    where = f": {error.filename}" if error.filename else ""
    return f"{reason}{where}"


def question_named(message: str) -> str | None:
    """The question a Copier validation message is about, if it is one."""
    found = _QUESTION_NAMED.match(message.strip())
    return found[0].split("'")[1] if found else None


def without_question_name(message: str) -> str:
    """Copier's validation message without its "Validation error for question 'x': ", where the
    prompt or the command already says what is asked."""
    return _QUESTION_NAMED.sub("", message.strip())


def copier_message(message: str) -> str:
    """Copier's one-line message, said so that the user knows what it is about."""
    if found := _UNKNOWN_REVISION.match(message):
        return (
            f"The template has no version {found[1]}, which the project's answers record: the "
            "project was made from uncommitted template changes, or that commit is gone"
        )
    return message


@contextmanager
def copier_tasks_quiet() -> Iterator[None]:
    """What Copier's tasks write goes to a file, not the terminal (they inherit this process's
    stdout and stderr); a task that fails is a ``StarterError`` naming it, with its last line."""
    from copier.errors import TaskError

    with tempfile.TemporaryFile() as output:
        try:
            with _subprocess_output_to(output):
                yield
        except TaskError as error:
            raise StarterError(_task_failure(error, output)) from error


@contextmanager
def _subprocess_output_to(sink: BinaryIO) -> Iterator[None]:
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        yield
    finally:
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


def _task_failure(error: subprocess.CalledProcessError, output: BinaryIO) -> str:
    """The task by its script's name, and the last line it wrote (its error)."""
    command = [str(word) for word in error.cmd] if isinstance(error.cmd, list) else [str(error.cmd)]
    scripts = [word for word in command[1:] if not word.startswith("-")]
    name = Path(scripts[0] if scripts else command[0]).name
    output.seek(0)
    said = [line.strip() for line in output.read().decode(errors="replace").splitlines()]
    said = [line for line in said if line]
    return f"{name} failed: {said[-1] if said else f'exit code {error.returncode}'}"
