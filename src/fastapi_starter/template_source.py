"""Where the template comes from: the one place that decides it.

- In a source checkout (the package lives in ``<repo>/src/fastapi_starter``) the checkout itself is the
  template, rendered at ``HEAD`` when it is a git repository so that uncommitted edits are included.
- In an installed wheel, ``copier.yml`` and ``template/`` are shipped inside the package as
  ``fastapi_starter/_template`` and rendered from there, offline.
"""

from dataclasses import dataclass
from pathlib import Path

from fastapi_starter.errors import StarterError

_PACKAGE_DIR = Path(__file__).resolve().parent
_PACKAGED_TEMPLATE = _PACKAGE_DIR / "_template"
_CHECKOUT = _PACKAGE_DIR.parent.parent


@dataclass(frozen=True)
class TemplateSource:
    path: Path
    default_ref: str | None

    @property
    def copier_yml(self) -> Path:
        return self.path / "copier.yml"

    def ref(self, requested: str | None) -> str | None:
        """The git ref to render: the one asked for, else this source's default."""
        if requested is not None and self.default_ref is None:
            raise StarterError(
                f"--vcs-ref needs a git template; {self.path} is not a git repository"
            )
        return requested if requested is not None else self.default_ref


def _is_template(path: Path) -> bool:
    return (path / "copier.yml").is_file() and (path / "template").is_dir()


def locate() -> TemplateSource:
    if _is_template(_PACKAGED_TEMPLATE):
        return TemplateSource(_PACKAGED_TEMPLATE, default_ref=None)
    if _is_template(_CHECKOUT):
        is_git = (_CHECKOUT / ".git").exists()
        return TemplateSource(_CHECKOUT, default_ref="HEAD" if is_git else None)
    raise StarterError("The template is missing from this installation of fastapi-starter")
