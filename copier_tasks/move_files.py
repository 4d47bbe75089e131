"""Copier migration, run after an update: carry the project's edits of files the template moved.

Usage: move_files.py OLD NEW [OLD NEW ...], paths relative to the project. By then the update has
written the template's new version at NEW. The project's own version of OLD (at HEAD, from before
the update) is merged into it three ways, with the old template's OLD as the base, as Copier merges
any other file: edits are kept, the template's changes arrive, and overlapping changes leave
conflict markers. A file the project had deleted stays deleted.
"""

import signal

# Ctrl-C reaches the whole foreground job: end at once and quietly (the update rolls back), from
# the first line on, not only once the imports below are done.
signal.signal(signal.SIGINT, signal.SIG_DFL)

import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import copier  # noqa: E402
import yaml  # noqa: E402

LABELS = ["-L", "before updating", "-L", "last update", "-L", "after updating"]


def at_head(path: str) -> bytes | None:
    shown = subprocess.run(["git", "show", f"HEAD:./{path}"], capture_output=True, check=False)
    return shown.stdout if shown.returncode == 0 else None


def render_old_template(into: Path) -> None:
    """The files the project's previous template version rendered, from its recorded answers."""
    answers = yaml.safe_load(at_head(".copier-answers.yml") or b"{}")
    copier.run_copy(
        answers["_src_path"],
        into,
        data={key: value for key, value in answers.items() if not key.startswith("_")},
        vcs_ref=answers["_commit"],
        defaults=True,
        unsafe=True,
        skip_tasks=True,
        quiet=True,
    )


def main(pairs: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        old_render = Path(scratch) / "old"
        render_old_template(old_render)
        for old, new in pairs:
            if not (old_render / old).exists():
                continue  # not one of this project's files (another choice's)
            ours = at_head(old)
            if ours is not None and Path(new).exists():
                theirs = Path(scratch) / "theirs"
                theirs.write_bytes(Path(new).read_bytes())
                Path(new).write_bytes(ours)
                merge = ["git", "merge-file", *LABELS, new, str(old_render / old), str(theirs)]
                subprocess.run(merge, check=False)
            elif ours is None:  # the project had deleted it
                Path(new).unlink(missing_ok=True)
            Path(old).unlink(missing_ok=True)
            for leftover in (Path(f"{old}.rej"), Path(f"{new}.rej")):
                leftover.unlink(missing_ok=True)


if __name__ == "__main__":
    arguments = sys.argv[1:]
    main(list(zip(arguments[::2], arguments[1::2], strict=True)))
