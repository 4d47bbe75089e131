"""The installed wheel carries the template: the CLI renders from it, away from this checkout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from combinations import REPO
from conftest import run

pytestmark = pytest.mark.slow


def rendered_files(root: Path) -> dict[str, str]:
    """File contents, without the answers' record of where the template came from."""
    return {
        str(path.relative_to(root)): "".join(
            line
            for line in path.read_text().splitlines(keepends=True)
            if not line.startswith(("_commit:", "_src_path:"))
        )
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".env"
    }


def test_installed_wheel_renders_the_same_project(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run(["uv", "build", "--wheel", "--quiet", "--out-dir", str(dist), str(REPO)], cwd=tmp_path)
    [wheel] = dist.glob("*.whl")
    venv = tmp_path / "venv"
    run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp_path)
    run(["uv", "pip", "install", "--quiet", "--python", str(venv), str(wheel)], cwd=tmp_path)

    away = tmp_path / "elsewhere"
    away.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["HOME"] = str(tmp_path / "home")  # the wheel installs its template bundle under HOME
    subprocess.run(
        [str(venv / "bin" / "fastapi-starter"), "new", "from-wheel", "--defaults",
         "--no-install", "--no-git"],
        cwd=away, env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    answers = (away / "from-wheel" / ".copier-answers.yml").read_text()
    bundle = tmp_path / "home" / ".local" / "share" / "fastapi-starter" / "template.bundle"
    assert "_src_path: ~/.local/share/fastapi-starter/template.bundle" in answers
    assert bundle.is_file(), "rendered from the template bundle inside the wheel"

    subprocess.run(
        [sys.executable, "-m", "fastapi_starter", "new", "from-checkout", "--defaults",
         "--no-install", "--no-git", "-d", "project_name=from-wheel"],
        cwd=away, check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert rendered_files(away / "from-wheel") == rendered_files(away / "from-checkout")
