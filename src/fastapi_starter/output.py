"""What the command line prints: plain text, colour and spinners only on a terminal.

Colour and progress go to a terminal only, and never when ``NO_COLOR`` is set (https://no-color.org);
pipes and files get plain lines.
"""

import io
import itertools
import os
import shlex
import shutil
import sys
import textwrap
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

WIDTH_LIMIT = 100
"""Text is wrapped to the terminal, but never wider than this, for legibility."""


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def use_colour(stream: TextIO) -> bool:
    return is_terminal(stream) and not os.environ.get("NO_COLOR")


def width() -> int:
    return min(shutil.get_terminal_size((80, 24)).columns, WIDTH_LIMIT)


def wrap(
    text: str, *, indent: str = "", first_indent: str | None = None, columns: int | None = None
) -> str:
    """``text`` wrapped to ``columns`` (default: the terminal's width), each line on its own."""
    first = indent if first_indent is None else first_indent
    columns = min(columns, WIDTH_LIMIT) if columns else width()
    return "\n".join(
        textwrap.fill(
            line,
            width=max(columns - 1, 20),
            initial_indent=first if number == 0 else indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
            break_long_words=False,
        )
        for number, line in enumerate(text.splitlines() or [""])
    )


def fit(text: str, *, err: bool = False) -> str:
    """``text`` wrapped between words at a terminal (which would cut it anywhere); elsewhere, as it
    is, one line for one line, for scripts and logs."""
    return wrap(text) if is_terminal(sys.stderr if err else sys.stdout) else text


def commands(lines: list[str], *, err: bool = False, indent: str = "    ") -> str:
    """Shell commands to paste, one per line. At a terminal, a command too long for it goes on
    over the next lines (``\\``), broken between words: the terminal would break it anywhere."""
    stream = sys.stderr if err else sys.stdout
    columns = width() - 1 if is_terminal(stream) else None
    return "\n".join(_command(line, indent, columns) for line in lines)


def _command(command: str, indent: str, columns: int | None) -> str:
    if columns is None or len(indent) + len(command) <= columns:
        return indent + command
    words = _words(command)
    if not words:  # not a command shlex can read: as it is
        return indent + command
    lines = [indent + words[0]]
    for word in words[1:]:
        if len(lines[-1]) + len(word) + 3 <= columns:  # " word \"
            lines[-1] += " " + word
        else:
            lines[-1] += " \\"
            lines.append(f"{indent}    {word}")
    return "\n".join(lines)


def _words(command: str) -> list[str]:
    """The shell words of ``command`` as written (quotes kept), by where shlex ends each one."""
    source = io.StringIO(command)
    lexer = shlex.shlex(source, posix=True, punctuation_chars=False)
    lexer.whitespace_split, lexer.commenters = True, ""
    words, start = [], 0
    try:
        while lexer.get_token() is not None:
            words.append(command[start : source.tell()].strip())
            start = source.tell()
    except ValueError:  # an unclosed quote
        return []
    return words


def say(text: str = "", *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    print(text, file=stream, flush=True)


_FRAMES = "|/-\\"


@contextmanager
def progress(message: str, *, stream: TextIO | None = None) -> Iterator[None]:
    """A spinner after ``message`` on a terminal while the block runs; nothing elsewhere."""
    out = stream or sys.stderr
    if not is_terminal(out):
        yield
        return
    with _own_copy(out) as own:
        yield from _spinning(message, own)


@contextmanager
def _own_copy(stream: TextIO) -> Iterator[TextIO]:
    """The stream on a descriptor of its own: the block may point stderr elsewhere meanwhile
    (Copier's tasks' output, see errors.copier_tasks_quiet), not the spinner with it."""
    try:
        copy = os.dup(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        yield stream
        return
    with os.fdopen(copy, "w") as own:
        yield own


def _spinning(message: str, out: TextIO) -> Iterator[None]:
    stop = threading.Event()

    def spin() -> None:
        for frame in itertools.cycle(_FRAMES):
            out.write(f"\r{message} {frame}")
            out.flush()
            if stop.wait(0.1):
                break
        out.write("\r\x1b[2K")  # clear the line: the caller reports the outcome
        out.flush()

    spinner = threading.Thread(target=spin, daemon=True)
    spinner.start()
    try:
        yield
    finally:
        stop.set()
        spinner.join()
