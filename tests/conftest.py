import os
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from combinations import REPO, Combination
from pytest_copie.plugin import Copie


def run(command: Sequence[str], cwd: Path, timeout: float = 600) -> str:
    """Run a command in a generated project; fail the test with its output if it fails."""
    env = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    env["UV_NO_PROGRESS"] = "1"
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(command)} failed in {cwd}:\n{output}"
    return output


@pytest.fixture(scope="session")
def render(copie_session: Copie) -> Callable[[Combination], Path]:
    """Render each combination once per session and share it between the checks."""
    rendered: dict[Combination, Path] = {}

    def _render(combination: Combination) -> Path:
        if combination not in rendered:
            result = copie_session.copy(extra_answers=combination.data)
            assert result.exit_code == 0, result.exception
            assert result.project_dir is not None
            rendered[combination] = result.project_dir
        return rendered[combination]

    return _render


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_make_parametrize_id(config: Any, val: object, argname: str) -> str | None:
    return val.id if isinstance(val, Combination) else None
