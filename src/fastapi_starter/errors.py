"""The one error type the CLI turns into a one-line message."""

import errno
import os
import re

_QUESTION_NAMED = re.compile(r"^Validation error for question '[^']*':\s*")


class StarterError(Exception):
    """A failure the user can act on; its message is shown as it is, without a traceback."""


def os_error_message(error: OSError) -> str:
    """One line for an OS failure: what failed, on which path."""
    reason = os.strerror(error.errno) if error.errno else str(error)
    if error.errno == errno.ENOSPC:
        reason = "No space left on device (the disk is full)"
    where = f": {error.filename}" if error.filename else ""
    return f"{reason}{where}"


def without_question_name(message: str) -> str:
    """Copier's validation message without its "Validation error for question 'x': ", where the
    prompt or the command already says what is asked."""
    return _QUESTION_NAMED.sub("", message.strip())
