import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from uuid import uuid4

import pytest
from combinations import ALL_QUESTIONS, REPO
from pytest_copie.plugin import Copie

from fastapi_starter import matrix
from fastapi_starter.answers import parse_pairs
from fastapi_starter.matrix import Combination

TIER_FIXTURES = {"render_combination": "render", "test_combination": "test"}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--answer",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="Only the combinations with this choice (repeatable); see `fastapi-starter matrix`.",
    )


@cache
def tier_combinations(tier: str, answers: tuple[str, ...]) -> list[Combination]:
    combinations, _ = matrix.split(ALL_QUESTIONS, tier=tier, fixed=parse_pairs(answers))
    return combinations


def pytest_configure(config: pytest.Config) -> None:
    # Every command the tests start writes bytecode, whatever the caller's PYTHONDONTWRITEBYTECODE:
    # a generated project's commands import the same modules run after run, and compiling them
    # from source each time is most of a short run (4 s against 12 s for one test module).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize each tier's tests with that tier's combinations, computed from copier.yml."""
    for fixture, tier in TIER_FIXTURES.items():
        if fixture in metafunc.fixturenames:
            combinations = tier_combinations(tier, tuple(metafunc.config.getoption("answer")))
            metafunc.parametrize(fixture, combinations, ids=[c.id for c in combinations])


# uv is a dev dependency: the generator's tests use that one, whatever else is on PATH.
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or "uv"


def run(
    command: Sequence[str], cwd: Path, timeout: float = 600, env: dict[str, str] | None = None
) -> str:
    """Run a command in a generated project; fail the test with its output if it fails.

    ``uv`` as the first word means the uv installed with the generator's dev dependencies.
    """
    command = [UV, *command[1:]] if command[0] == "uv" else list(command)
    hidden = {"VIRTUAL_ENV", "PYTHONPATH"}
    env = {
        **{k: v for k, v in os.environ.items() if k not in hidden},
        "UV_NO_PROGRESS": "1",
        **(env or {}),
    }
    completed = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, f"{' '.join(command)} failed in {cwd}:\n{output}"
    return output


# The test servers (see .ci/services), with a database name to fill in.
SERVERS = {
    "postgresql": "postgresql://postgres@127.0.0.1:5432/{name}",
    "mysql": "mysql://root@127.0.0.1:3306/{name}",
}


@contextmanager
def server_database(database: str) -> Iterator[str]:
    """A new, empty database on the test server of `database`, dropped afterwards; its URL."""
    name = f"scratch_{uuid4().hex[:12]}"
    if database == "postgresql":
        client = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c"]
        create, drop = f"CREATE DATABASE {name}", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    else:
        client = ["mysql", "-h", "127.0.0.1", "-u", "root", "-e"]
        create, drop = f"CREATE DATABASE {name}", f"DROP DATABASE IF EXISTS {name}"
    subprocess.run([*client, create], check=True, capture_output=True)
    try:
        yield SERVERS[database].format(name=name)
    finally:
        subprocess.run([*client, drop], check=False, capture_output=True)


def free_port() -> int:
    """A port on loopback that nothing listens on now: for a server that a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def template_snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The working tree's template, copied once: rendering a plain directory skips Copier's git clone."""
    snapshot = tmp_path_factory.mktemp("template")
    shutil.copy2(REPO / "copier.yml", snapshot)
    for folder in ("template", "resource", "domain", "copier_tasks"):
        shutil.copytree(REPO / folder, snapshot / folder)
    return snapshot


@pytest.fixture(scope="session")
def render(copie_session: Copie, template_snapshot: Path) -> Callable[[Combination], Path]:
    """Render each combination once per session and share it between the checks."""
    rendered: dict[Combination, Path] = {}

    def _render(combination: Combination) -> Path:
        if combination not in rendered:
            result = copie_session.copy(
                extra_answers=combination.data, template_dir=template_snapshot
            )
            assert result.exit_code == 0, result.exception
            assert result.project_dir is not None
            rendered[combination] = result.project_dir
        return rendered[combination]

    return _render


@pytest.fixture(scope="session")
def worker_caches(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This worker's environments and mypy cache, shared by the projects it installs (each worker
    has its own base temp)."""
    return tmp_path_factory.mktemp("worker-caches")


@pytest.fixture
def repo() -> Path:
    return REPO


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures tests record (``record_property("... figures", ...)``), e.g. image sizes."""
    figures = [
        str(value)
        for report in terminalreporter.stats.get("passed", [])
        for name, value in report.user_properties
        if name.endswith("figures")
    ]
    if figures:
        terminalreporter.write_sep("-", "figures")
        for line in figures:
            terminalreporter.write_line(line)
