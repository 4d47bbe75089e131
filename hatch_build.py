"""Wheel build hook: ship the template's git history as ``fastapi_starter/_template.bundle``.

Copier updates replay a project's old template version, so an installed CLI needs every released tag.
When the source tree is a git checkout, a bundle of its tags and of the tree being built is added to the
wheel (see src/fastapi_starter/template_source.py). The checkout is never modified: uncommitted and
untracked (not ignored) files are committed in a throw-away clone so that the bundle's HEAD is exactly the
tree that ``_template/`` is copied from. Without git, the wheel only has the plain ``_template/`` directory.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

BUNDLE_IN_WHEEL = "fastapi_starter/_template.bundle"
TEMPLATE_IN_WHEEL = "fastapi_starter/_template"
TEMPLATE_PARTS = ("copier.yml", "template", "resource", "domain", "copier_tasks")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=fastapi-starter", "-c", "user.email=build@localhost", *args],
        cwd=cwd, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip


class TemplateBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return  # a source checkout renders from itself (template_source.py)
        root = Path(self.root)
        for part in TEMPLATE_PARTS:
            build_data["force_include"][str(root / part)] = f"{TEMPLATE_IN_WHEEL}/{part}"
        if not (root / ".git").exists() or shutil.which("git") is None:
            self.app.display_warning("No git checkout: the wheel's projects cannot be updated")
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="fastapi-starter-bundle-"))
        clone = self._scratch / "clone"
        _git("clone", "--quiet", "--no-checkout", str(root), str(clone), cwd=self._scratch)
        tree = ["--git-dir", str(clone / ".git"), "--work-tree", str(root)]
        _git(*tree, "add", "--all", cwd=root)
        if _git(*tree, "status", "--porcelain", cwd=root).strip():
            _git(*tree, "commit", "--quiet", "--no-verify", "-m", "Build snapshot", cwd=root)
        bundle = self._scratch / "template.bundle"
        _git("bundle", "create", str(bundle), "--tags", "HEAD", cwd=clone)
        build_data["force_include"][str(bundle)] = BUNDLE_IN_WHEEL

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
