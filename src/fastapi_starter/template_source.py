"""Where the template comes from: the one place that decides it.

- In a source checkout (the package lives in ``<repo>/src/fastapi_starter``) the checkout itself is the
  template, rendered at ``HEAD`` when it is a git repository so that uncommitted edits are included.
- In an installed wheel built from a git checkout, the package ships ``_template.bundle``: a git bundle of
  the template's released tags (and the commit it was built from). Before each ``new`` and ``update`` it is
  copied to ``~/.local/share/fastapi-starter/template.bundle`` and Copier renders from that path, written
  with ``~`` (Copier records it unexpanded, so answers files stay valid on every teammate's machine). Copier
  picks the latest tag, and ``copier update`` later finds every older tag it needs to replay, offline.
- An installed wheel built without git (e.g. from an sdist) only has the plain ``_template`` directory: it
  renders offline, but records no version, so its projects cannot be updated.

``copier.yml`` is always read from a plain directory (``_template`` or the checkout) for the questions.
"""

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from fastapi_starter.errors import StarterError

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED_TEMPLATE = _PACKAGE_DIR / "_template"
_PACKAGED_BUNDLE = _PACKAGE_DIR / "_template.bundle"
_CHECKOUT = _PACKAGE_DIR.parent.parent

BUNDLE_HOME = "~/.local/share/fastapi-starter/template.bundle"
"""Where an installed package's bundle is rendered from, as recorded in every project's answers."""


@dataclass(frozen=True)
class TemplateSource:
    path: Path
    """A directory holding ``copier.yml`` (the questions)."""
    default_ref: str | None
    bundle: Path | None = None
    """The git bundle shipped in the package, rendered from ``BUNDLE_HOME``."""

    @property
    def copier_yml(self) -> Path:
        return self.path / "copier.yml"

    @property
    def is_git(self) -> bool:
        return self.bundle is not None or self.default_ref is not None

    def ref(self, requested: str | None) -> str | None:
        """The git ref to render: the one asked for, else this source's default."""
        if requested is not None and not self.is_git:
            raise StarterError(
                f"--vcs-ref needs a git template; {self.path} is not a git repository"
            )
        return requested if requested is not None else self.default_ref

    def prepare(self) -> str:
        """What Copier renders from; refreshes ``BUNDLE_HOME`` from the installed package first."""
        if self.bundle is None:
            return str(self.path)
        installed = Path(BUNDLE_HOME).expanduser()
        if not installed.is_file() or installed.read_bytes() != self.bundle.read_bytes():
            try:
                installed.parent.mkdir(parents=True, exist_ok=True)
                partial = installed.with_suffix(".partial")
                shutil.copyfile(self.bundle, partial)
                partial.replace(installed)
            except OSError as error:
                raise StarterError(
                    f"Cannot install the template into {installed}: {error}"
                ) from error
        return BUNDLE_HOME

    def version(self) -> str:
        """The template version a new project records (Copier's ``_commit``), for display.

        A checkout: ``git describe --tags --always`` of HEAD, as Copier computes it. A bundle: its
        highest tag, which Copier renders by default. Without git: the package's version.
        """
        if self.bundle is not None:
            tags = _git("ls-remote", "--tags", "--refs", str(self.bundle), cwd=self.path)
            names = [line.rpartition("refs/tags/")[2] for line in tags.splitlines()]
            return max(names, key=_version_key) if names else ""
        if self.default_ref is not None:
            return _git("describe", "--tags", "--always", self.default_ref, cwd=self.path).strip()
        from importlib.metadata import version

        return version("fastapi-starter")


def _git(*args: str, cwd: Path) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def _version_key(tag: str) -> tuple[int, object]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(tag))
    except InvalidVersion:
        return (0, tag)


def format_version(commit: str | None) -> str:
    """The one way a template version is shown (``--version``, ``new``, ``update``).

    ``commit`` is what Copier records as ``_commit``: a tag (``v1.2.0``), a tag and what follows it
    (``v1.2.0-3-gabc1234``) or, without tags, a commit (``105d7fb``). Shown without the tag's ``v``.
    """
    if not commit:
        return "unknown version"
    return commit[1:] if commit[:1] == "v" and commit[1:2].isdigit() else commit


def _is_template(path: Path) -> bool:
    return (path / "copier.yml").is_file() and (path / "template").is_dir()


def locate() -> TemplateSource:
    """The template of this installation (no side effect: see ``TemplateSource.prepare``)."""
    if _is_template(_PACKAGED_TEMPLATE):
        bundle = _PACKAGED_BUNDLE if _PACKAGED_BUNDLE.is_file() else None
        return TemplateSource(_PACKAGED_TEMPLATE, default_ref=None, bundle=bundle)
    if _is_template(_CHECKOUT):
        is_git = (_CHECKOUT / ".git").exists()
        return TemplateSource(_CHECKOUT, default_ref="HEAD" if is_git else None)
    raise StarterError("The template is missing from this installation of fastapi-starter")


def check_updatable(answers: dict[str, object], answers_file: Path) -> None:
    """Refuse, with the reason, a project whose answers record no template version."""
    if not answers.get("_src_path") or not answers.get("_commit"):
        raise StarterError(
            f"{answers_file} records no template version (_src_path and _commit): the project was "
            "rendered from a template without git history (e.g. fastapi-starter installed without its "
            "template bundle), so it cannot be updated"
        )
