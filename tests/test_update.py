"""Updates that lose nothing: `copier update` and `fastapi-starter update` against released versions.

A scratch git repository of the template is built from this working tree with three PEP 440 tags:
- v1.0.0: the current template, plus CONTRIBUTING.md and CODE_OF_CONDUCT.md (files v2 renames and changes);
- v2.0.0: README.md changed (a section appended), CONTRIBUTING.md moved to docs/ and changed (a
  `_migrations` entry runs copier_tasks/move_files.py, which merges the user's edits in),
  docs/deploy.md added, a dependency bound changed, CODE_OF_CONDUCT.md changed, the resource
  template's exceptions.py changed (RESOURCE_V2);
- v3.0.0: docs/deploy.md changed (so that `--to v2.0.0` differs from the latest).
"""

import contextlib
import io
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import copier
import pexpect
import pytest
import yaml
from combinations import ALL_QUESTIONS, QUESTIONS, REPO
from conftest import run
from typer.testing import CliRunner, Result

from fastapi_starter import cli, matrix
from fastapi_starter.matrix import Combination
from fastapi_starter.update import update_project

V1, V2, V3 = "v1.0.0", "v2.0.0", "v3.0.0"
RESOURCE_EXCEPTIONS = (
    REPO / "resource" / "src" / "{{ package_name }}" / "{{ resource }}" / "exceptions.py.jinja"
)
STARTER = str(Path(sys.executable).parent / "fastapi-starter")
ANSWERS = ".copier-answers.yml"
CONTRIBUTING = "Contributing to {{ project_name }}\n\n" + "".join(
    f"{n}. Rule number {n} of {{{{ project_name }}}}.\n" for n in range(1, 11)
)
MIGRATION = """_migrations:
  - version: v2.0.0
    when: "{{ _stage == 'after' }}"
    command: ["{{ _copier_python }}", "{{ _copier_conf.src_path }}/copier_tasks/move_files.py",
              CONTRIBUTING.md, docs/CONTRIBUTING.md]
"""
RESOURCE_V2 = "\n\n# Raised by dependencies.py: a changed resource template (v2).\n"
CONTRIBUTING_V2 = "\nRead docs/deploy.md before a release.\n"
README_V2 = "\n## Updating\n\nRun `copier update --trust --defaults` in a clean git tree.\n"
USER_README = "\n## Deploying\n\nOur own deployment notes.\n"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


def commit_all(cwd: Path, message: str, tag: str | None = None) -> None:
    git(cwd, "add", "--all")
    git(cwd, "commit", "--quiet", "--no-verify", "-m", message)
    if tag:
        git(cwd, "tag", tag)


def make_v1(repo: Path) -> None:
    """The current working tree of the template (and package), plus two files later versions change."""
    repo.mkdir()
    make_v1_files(repo)
    (repo / "template" / "CONTRIBUTING.md.jinja").write_text(CONTRIBUTING)
    (repo / "template" / "CODE_OF_CONDUCT.md").write_text("Be kind.\n")
    git(repo, "init", "--quiet", "--initial-branch=main")
    commit_all(repo, "Release 1", tag=V1)


def make_v2(repo: Path) -> None:
    template = repo / "template"
    with (template / "README.md.jinja").open("a") as readme:
        readme.write(README_V2)
    (template / "docs").mkdir(exist_ok=True)
    git(repo, "mv", "template/CONTRIBUTING.md.jinja", "template/docs/CONTRIBUTING.md.jinja")
    with (template / "docs" / "CONTRIBUTING.md.jinja").open("a") as contributing:
        contributing.write(CONTRIBUTING_V2)
    config, added = re.subn(r"(?m)^_migrations:\n", MIGRATION, (repo / "copier.yml").read_text())
    assert added == 1, "copier.yml lists its migrations"
    (repo / "copier.yml").write_text(config)
    (template / "docs" / "deploy.md.jinja").write_text("# Deploying {{ project_name }}\n")
    pyproject = template / "pyproject.toml.jinja"
    # The line in the dev group, which every auth choice renders (oidc also depends on httpx).
    text, changed = re.subn(
        r'(?m)^(    "httpx>=[0-9.]+)",\n(?=    "mypy)', r'\1,<1",\n', pyproject.read_text()
    )
    assert changed == 1, "the dev dependency on httpx is the one v2 changes"
    pyproject.write_text(text)
    (template / "CODE_OF_CONDUCT.md").write_text("Be kind.\nBe patient.\n")
    with (repo / RESOURCE_EXCEPTIONS.relative_to(REPO)).open("a") as exceptions:
        exceptions.write(RESOURCE_V2)
    commit_all(repo, "Release 2", tag=V2)


def make_v1_files(repo: Path) -> None:
    """The template and package files of this working tree, copied into ``repo``."""
    for name in ("copier.yml", ".gitignore", "pyproject.toml", "README.md", "hatch_build.py"):
        shutil.copy2(REPO / name, repo / name)
    for name in ("template", "resource", "domain", "copier_tasks", "src"):
        shutil.copytree(REPO / name, repo / name, ignore=shutil.ignore_patterns("__pycache__"))


def make_v3(repo: Path) -> None:
    with (repo / "template" / "docs" / "deploy.md.jinja").open("a") as deploy:
        deploy.write("\nBuild the image, then run it.\n")
    commit_all(repo, "Release 3", tag=V3)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A throw-away HOME (the bundle is installed under it), keeping uv's cache and Pythons."""
    home = Path.home()
    monkeypatch.setenv("UV_CACHE_DIR", os.environ.get("UV_CACHE_DIR", str(home / ".cache" / "uv")))
    monkeypatch.setenv("PYENV_ROOT", os.environ.get("PYENV_ROOT", str(home / ".pyenv")))
    monkeypatch.setenv(
        "UV_PYTHON_INSTALL_DIR",
        os.environ.get("UV_PYTHON_INSTALL_DIR", str(home / ".local" / "share" / "uv" / "python")),
    )
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def template_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("template") / "repo"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in GIT_ENV.items():
            patch.setenv(name, value)
        make_v1(repo)
        make_v2(repo)
        make_v3(repo)
    return repo


def one_per_choice() -> list[Combination]:
    """At least one combination per value of the auth, database and ORM questions (from copier.yml)."""
    picked: dict[str, Combination] = {}
    for name in ("database", "auth", "orm"):
        [question] = [q for q in QUESTIONS if q.name == name]
        for value in question.values:
            valid, _ = matrix.split(ALL_QUESTIONS, tier="test", fixed={name: value})
            picked.setdefault(valid[0].id, valid[0])
    return list(picked.values())


def render(repo: Path, dest: Path, ref: str, data: dict[str, Any], **options: Any) -> Path:
    copier.run_copy(
        str(repo), dest, data=data, vcs_ref=ref, defaults=True, unsafe=True, quiet=True, **options
    )
    return dest


def new_project(repo: Path, dest: Path, data: dict[str, Any], ref: str = V1) -> Path:
    render(repo, dest, ref, data)
    git(dest, "init", "--quiet")
    commit_all(dest, "New project")
    return dest


def update(project: Path, **options: Any) -> None:
    copier.run_update(
        project,
        defaults=True,
        overwrite=True,
        unsafe=True,
        quiet=True,
        conflict="inline",
        **options,
    )


def files(root: Path) -> dict[str, str]:
    """Every file but git's own and the git-ignored secret, by path."""
    return {
        path.relative_to(root).as_posix(): path.read_text()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts and path.name != ".env"
    }


def answers_of(project: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((project / ANSWERS).read_text()))


def package_dir(project: Path) -> Path:
    return project / "src" / str(answers_of(project)["package_name"])


def has_markers(text: str) -> bool:
    return "<<<<<<< before updating" in text and ">>>>>>> after updating" in text


def edit(project: Path) -> None:
    """One user edit of each kind, committed."""
    with (package_dir(project) / "main.py").open("a") as main:
        main.write("# user: our own middleware goes here\n")  # a file no version changes
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write('\n[tool.user]\nowner = "platform team"\n')  # away from v2's change
    with (project / "README.md").open("a") as readme:
        readme.write(USER_README)  # where v2 appends too: overlaps
    contributing = project / "CONTRIBUTING.md"
    contributing.write_text(contributing.read_text().replace("Rule number 5", "Our rule number 5"))
    (project / "CODE_OF_CONDUCT.md").unlink()  # a template file v2 changes
    (project / "notes").mkdir()
    (project / "notes" / "todo.md").write_text("- ship it\n")
    (package_dir(project) / "extra.py").write_text('"""Ours."""\n')
    commit_all(project, "Our edits")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.build_app(), list(args))


# ---------------------------------------------------------------- guarantees, per combination


COMBINATIONS = one_per_choice()
STARTS = [(c, V1) for c in COMBINATIONS] + [(COMBINATIONS[0], V2)]


@pytest.mark.parametrize(
    ("combination", "start"), STARTS, ids=[f"from-{s}-{c.id}" for c, s in STARTS]
)
def test_untouched_project_updates_to_a_fresh_render(
    template_repo: Path, tmp_path: Path, combination: Combination, start: str
) -> None:
    project = new_project(template_repo, tmp_path / "project", combination.data, ref=start)
    secret = (project / ".env").read_text()
    update(project)
    fresh = render(template_repo, tmp_path / "fresh", V3, combination.data)
    assert answers_of(project)["_commit"] == V3
    assert files(project) == files(fresh)
    assert not any(has_markers(text) for text in files(project).values())
    assert (project / ".env").read_text() == secret, "the git-ignored secret is never touched"


@pytest.mark.parametrize("combination", COMBINATIONS, ids=lambda c: c.id)
def test_user_edits_survive_an_update(
    template_repo: Path, tmp_path: Path, combination: Combination
) -> None:
    project = new_project(template_repo, tmp_path / "project", combination.data)
    edit(project)
    kept = {name: text for name, text in files(project).items() if name != ANSWERS}
    update(project, vcs_ref=V2)
    after = files(project)

    # Files the template did not change: untouched.
    assert (
        after[f"src/{answers_of(project)['package_name']}/main.py"]
        == kept[f"src/{answers_of(project)['package_name']}/main.py"]
    )
    # Non-overlapping edits: merged, no markers.
    pyproject = after["pyproject.toml"]
    assert '[tool.user]\nowner = "platform team"' in pyproject
    assert re.search(r'"httpx>=[0-9.]+,<1"', pyproject)
    assert not has_markers(pyproject)
    # Overlapping edits: inline conflict markers holding both sides, never a silent template win.
    readme = after["README.md"]
    assert has_markers(readme)
    assert "Our own deployment notes." in readme
    assert "copier update --trust --defaults" in readme
    # A renamed file: the migration moved it, with the user's edit.
    assert "CONTRIBUTING.md" not in after
    assert "Our rule number 5" in after["docs/CONTRIBUTING.md"]
    assert after["docs/CONTRIBUTING.md"].endswith(CONTRIBUTING_V2), (
        "and the template's change arrived"
    )
    assert not has_markers(after["docs/CONTRIBUTING.md"])
    # Added files are kept; deleted template files stay deleted; new template files arrive.
    assert after["notes/todo.md"] == "- ship it\n"
    assert f"src/{answers_of(project)['package_name']}/extra.py" in after
    assert "CODE_OF_CONDUCT.md" not in after
    assert after["docs/deploy.md"].startswith("# Deploying ")
    # Every other file the user had is still there.
    assert set(kept) - set(after) == {"CONTRIBUTING.md"}


def test_answers_file_is_the_only_state(template_repo: Path, tmp_path: Path) -> None:
    data = {"project_name": "Answer Round Trip", "author_name": "Ada Lovelace"}
    project = new_project(template_repo, tmp_path / "project", data)
    answers = answers_of(project)
    assert {name for name in answers if not name.startswith("_")} == {q.name for q in QUESTIONS}
    assert answers["_commit"] == V1
    assert answers["_src_path"] == str(template_repo)
    secrets = [
        value
        for line in (project / ".env").read_text().splitlines()
        if len(value := line.partition("=")[2]) >= 32
    ]
    assert secrets, "the copy wrote the project's secret into .env"
    assert not any(secret in (project / ANSWERS).read_text() for secret in secrets)
    # Replaying the answers renders the same files, twice over: no time, network or machine in them.
    again = [
        render(
            template_repo,
            tmp_path / f"again{n}",
            V1,
            {k: v for k, v in answers.items() if k[0] != "_"},
        )
        for n in (1, 2)
    ]
    assert files(again[0]) == files(again[1]) == files(project)
    # The answers survive an update unchanged, apart from the version.
    update(project)
    assert answers_of(project) == {**answers, "_commit": V3}


def test_plain_copier_update_needs_no_other_flag(template_repo: Path, tmp_path: Path) -> None:
    project = tmp_path / "plain"
    copy = [sys.executable, "-m", "copier", "copy", "--trust", "--defaults", "--vcs-ref", V1]
    run([*copy, str(template_repo), str(project)], cwd=tmp_path)
    git(project, "init", "--quiet")
    commit_all(project, "New project")
    run([sys.executable, "-m", "copier", "update", "--trust", "--defaults"], cwd=project)
    fresh = render(template_repo, tmp_path / "fresh", V3, {})
    assert answers_of(project)["_commit"] == V3
    assert files(project) == files(fresh)


def test_changelog_says_which_releases_need_manual_steps() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text()
    releases = re.split(r"(?m)^## ", changelog)[1:]
    assert releases and releases[0].startswith("[Unreleased]")
    for release in releases:
        assert "### Manual steps" in release, release.splitlines()[0]
    assert re.search(r"(?m)^_migrations:", (REPO / "copier.yml").read_text())


# ---------------------------------------------------------------- fastapi-starter update


@pytest.fixture
def edited(template_repo: Path, tmp_path: Path) -> Path:
    project = new_project(template_repo, tmp_path / "edited", {})
    edit(project)
    return project


def test_cli_refuses_a_dirty_tree(edited: Path) -> None:
    (edited / "README.md").write_text("uncommitted\n")
    result = invoke("update", str(edited))
    assert result.exit_code == 1, result.output
    assert "uncommitted changes (README.md)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (edited / "README.md").read_text() == "uncommitted\n"


def test_cli_pretend_writes_nothing(edited: Path) -> None:
    head = git(edited, "rev-parse", "HEAD")
    before = files(edited)
    result = invoke("update", str(edited), "--pretend")
    assert result.exit_code == 0, result.output
    assert f"Would update from {V1} to {V3} (nothing written)" in result.stdout
    assert "conflicted  README.md" in result.stdout
    assert "merged      pyproject.toml" in result.stdout
    assert "Not applied, as you deleted or moved these files (the diffs would be kept):" in (
        result.stdout
    )
    assert f"  CODE_OF_CONDUCT.md\n    -> .copier-update/{V1}-to-{V3}/CODE_OF_CONDUCT.md.diff" in (
        result.stdout
    )
    assert files(edited) == before
    assert not (edited / ".copier-update").exists()
    assert git(edited, "status", "--porcelain") == ""
    assert git(edited, "rev-parse", "HEAD") == head


def test_cli_summary_and_exit_code_with_conflicts(edited: Path) -> None:
    result = invoke("update", str(edited), "--to", V2)
    assert result.exit_code == 1, result.stdout + result.stderr
    assert f"Updated from {V1} to {V2}: " in result.stdout, result.stderr
    assert "merged      pyproject.toml" in result.stdout
    assert "conflicted  README.md" in result.stdout
    assert "removed     CONTRIBUTING.md" in result.stdout
    assert "added       docs/deploy.md" in result.stdout
    assert "updated     .copier-answers.yml" in result.stdout  # every file the update changed
    assert "conflicts remain in README.md" in result.stderr
    assert "git reset --hard && git clean -fd" in result.stderr
    assert answers_of(edited)["_commit"] == V2, "--to picks the version"
    assert has_markers((edited / "README.md").read_text())
    # As an in-place `copier update` leaves it: the conflict recorded in the index, the rest unstaged.
    assert "UU README.md" in git(edited, "status", "--porcelain").splitlines()
    assert git(edited, "diff", "--cached", "--name-only") == "README.md\n"


def test_template_changes_to_a_deleted_file_are_kept_as_a_diff(edited: Path) -> None:
    result = invoke("update", str(edited), "--to", V2)
    assert result.exit_code == 1, result.stdout + result.stderr
    diff_name = f".copier-update/{V1}-to-{V2}/CODE_OF_CONDUCT.md.diff"
    assert "Not applied, as you deleted or moved these files" in result.stdout
    assert f"  CODE_OF_CONDUCT.md\n    -> {diff_name}\n" in result.stdout
    diff = (edited / diff_name).read_text()
    assert "you deleted it" in diff
    assert "--- a/CODE_OF_CONDUCT.md\n+++ b/CODE_OF_CONDUCT.md\n" in diff
    assert "\n+Be patient.\n" in diff
    assert not (edited / "CODE_OF_CONDUCT.md").exists(), "the user's deletion stands"
    status = git(edited, "status", "--porcelain", "--untracked-files=all")
    assert ".copier-update" not in status, (
        "the diffs are git-ignored: the next update is not refused"
    )


def test_cli_update_without_conflicts_exits_0(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    with (package_dir(project) / "main.py").open("a") as main:
        main.write("# ours\n")
    commit_all(project, "Our edit")
    result = invoke("update", str(project))
    assert result.exit_code == 0, result.output
    assert f"Updated from {V1} to {V3}: " in result.stdout
    assert "0 conflicted" in result.stdout
    assert (package_dir(project) / "main.py").read_text().endswith("# ours\n")


def test_cli_asks_before_deleting_edited_files(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {"auth": "jwt"})
    users = package_dir(project) / "users"
    [edited_file, *_] = sorted(path for path in users.glob("*.py") if path.name != "__init__.py")
    with edited_file.open("a") as handle:
        handle.write("# ours\n")
    (users / "ours.py").write_text("# added by us\n")
    commit_all(project, "Our edits")
    head = git(project, "rev-parse", "HEAD")

    refused = invoke("update", str(project), "-d", "auth=none")
    assert refused.exit_code == 1, refused.output
    name = edited_file.relative_to(project).as_posix()
    assert name in refused.stderr
    assert "pass --yes" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert git(project, "status", "--porcelain") == ""
    assert git(project, "rev-parse", "HEAD") == head
    assert answers_of(project)["auth"] == "jwt"

    accepted = invoke("update", str(project), "-d", "auth=none", "--yes")
    assert accepted.exit_code == 0, accepted.output
    assert f"removed     {name}" in accepted.stdout
    assert "Rewritten migrations:\n  migrations/versions/0001_initial.py\n" in accepted.stdout
    assert answers_of(project)["auth"] == "none"
    assert not edited_file.exists()
    assert (users / "ours.py").read_text() == "# added by us\n", "files the user added stay"


def test_cli_asks_at_a_terminal_before_deleting_edited_files(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project(template_repo, tmp_path / "project", {"auth": "jwt"})
    users = package_dir(project) / "users"
    [edited_file, *_] = sorted(path for path in users.glob("*.py") if path.name != "__init__.py")
    with edited_file.open("a") as handle:
        handle.write("# ours\n")
    commit_all(project, "Our edits")
    name = edited_file.relative_to(project).as_posix()
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)

    declined = CliRunner().invoke(
        cli.build_app(), ["update", str(project), "-d", "auth=none"], input="n\n"
    )
    assert declined.exit_code != 0, declined.output
    assert name in declined.stdout, "the user is told which edited files are at stake"
    assert git(project, "status", "--porcelain") == ""
    assert answers_of(project)["auth"] == "jwt"
    assert edited_file.read_text().endswith("# ours\n")

    accepted = CliRunner().invoke(
        cli.build_app(), ["update", str(project), "-d", "auth=none"], input="y\n"
    )
    assert accepted.exit_code == 0, accepted.output
    assert answers_of(project)["auth"] == "none"
    assert not edited_file.exists()


def test_the_summary_at_80_columns_breaks_between_words(edited: Path) -> None:
    """The terminal would cut the summary mid-word; piped, it stays one line."""
    piped = invoke("update", str(edited), "--to", V2, "--pretend").stdout.splitlines()[0]
    assert len(piped) > 80, piped
    child = pexpect.spawn(
        STARTER, ["update", str(edited), "--to", V2, "--pretend"], dimensions=(40, 80),
        encoding="utf-8", timeout=120,
    )  # fmt: skip
    shown = child.read().replace("\r\n", "\n").splitlines()
    child.close()
    after_progress = shown[[line.startswith("Would update") for line in shown].index(True) :]
    summary = list(itertools.takewhile(lambda line: not line.startswith("  "), after_progress))
    assert len(summary) > 1 and all(len(line) < 80 for line in summary), shown
    assert " ".join(summary) == piped


def test_cli_refuses_unknown_answers(edited: Path) -> None:
    result = invoke("update", str(edited), "-d", "colour=blue")
    assert result.exit_code == 1, result.output
    assert "Unknown question: colour" in result.stderr
    assert "resource" not in result.stderr  # the questions listed are the project's
    resource = invoke("update", str(edited), "-d", "resource=orders")
    assert resource.exit_code == 1, resource.output
    assert (
        "Not a question of the project: resource (`fastapi-starter add resource`" in resource.stderr
    )


def test_cli_matches_choices_as_new_does(edited: Path) -> None:
    result = invoke("update", str(edited), "-d", "auth=JWTT")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        "Error: Invalid choice for 'auth': 'JWTT' (choose from jwt, api_key, oidc, none); "
        "did you mean jwt?\n"
    )


def test_cli_names_the_versions_when_the_one_asked_for_is_not_there(edited: Path) -> None:
    head = git(edited, "rev-parse", "HEAD")
    result = invoke("update", str(edited), "--to", "v9.9.9")
    assert result.exit_code == 1, result.output
    assert result.stderr == (
        f"Error: The template has no version v9.9.9; its versions: {V1}, {V2}, {V3}\n"
    )
    assert git(edited, "rev-parse", "HEAD") == head
    assert git(edited, "status", "--porcelain") == ""
    empty = invoke("update", str(edited), "--to", "")
    assert empty.exit_code == 1, empty.output
    assert empty.stderr == (
        f"Error: --to needs a version: a tag, a branch or a commit (the template's versions: "
        f"{V1}, {V2}, {V3})\n"
    )


def test_cli_says_what_a_recorded_version_that_is_gone_means(edited: Path) -> None:
    answers = edited / ".copier-answers.yml"
    answers.write_text(answers.read_text().replace(f"_commit: {V1}", "_commit: deadbee"))
    commit_all(edited, "A version the template does not have")
    before = files(edited)
    result = invoke("update", str(edited))
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() == (
        "Error: The template has no version deadbee, which the project's answers record: the "
        "project was made from uncommitted template changes, or that commit is gone; nothing "
        "was changed"
    )
    assert files(edited) == before


# ---------------------------------------------------------------- the whole truth, fast no-ops


def test_no_op_update_is_fast_and_touches_nothing(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = new_project(template_repo, tmp_path / "project", {"auth": "jwt"}, ref=V3)

    def mtimes() -> dict[Path, int]:
        return {
            path: path.stat().st_mtime_ns
            for path in project.rglob("*")
            if ".git" not in path.relative_to(project).parts
        }

    before = mtimes()
    start = time.perf_counter()
    real = subprocess.run(
        [STARTER, "update", str(project)], capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    assert real.returncode == 0, real.stderr
    assert real.stdout == f"Already up to date ({V3})\n"
    assert elapsed < 3, f"a no-op update took {elapsed:.1f} s (target: under 3 s)"

    def no_copier_run(**_: Any) -> None:
        raise AssertionError("a no-op update needs no scratch clone or render")

    monkeypatch.setattr(copier, "run_update", no_copier_run)
    monkeypatch.setattr(copier, "run_copy", no_copier_run)
    for options in ([], ["-d", "auth=jwt"], ["--to", V3]):  # the same answer; the same version
        result = invoke("update", str(project), *options)
        assert result.exit_code == 0, result.output
        assert result.stdout == f"Already up to date ({V3})\n"
    assert mtimes() == before
    assert git(project, "status", "--porcelain") == ""


def test_update_from_a_template_without_tags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    make_v1(repo)
    git(repo, "tag", "-d", V1)
    project = new_project(repo, tmp_path / "project", {}, ref="HEAD")
    commit = answers_of(project)["_commit"]
    assert git(repo, "rev-parse", "HEAD").startswith(commit)
    assert invoke("update", str(project)).stdout == f"Already up to date ({commit})\n"

    (repo / "template" / "CODE_OF_CONDUCT.md").write_text("Be kind.\nBe brief.\n")
    commit_all(repo, "A change")
    messages: list[str] = []
    report = update_project(project, progress=messages.append)
    assert report.updated == [".copier-answers.yml", "CODE_OF_CONDUCT.md"]
    assert git(repo, "rev-parse", "HEAD").startswith(report.to_version)
    assert messages.count("The template has no version tags: updating to its latest commit") == 1
    assert len(messages) == len(set(messages)), messages
    # HEAD is named by its commit, as in the summary.
    assert f"Updating a scratch copy of the project from {commit} to {report.to_version}" in (
        messages
    )
    assert "No git tags found" not in capsys.readouterr().err


BEFORE_CORE = "9202f80"  # this repository's last commit before the runtime modules moved into core/


@pytest.fixture(scope="session")
def core_move_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v0.0.1: the template of BEFORE_CORE, from this repository's history; v0.1.0: this working tree."""
    repo = tmp_path_factory.mktemp("core") / "repo"
    repo.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", BEFORE_CORE],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(repo, filter="data")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in GIT_ENV.items():
            patch.setenv(name, value)
        git(repo, "init", "--quiet", "--initial-branch=main")
        commit_all(repo, "Before core/", tag="v0.0.1")
        for name in ("template", "copier_tasks", "src"):
            shutil.rmtree(repo / name)
        make_v1_files(repo)
        commit_all(repo, "core/", tag="v0.1.0")
    return repo


def test_runtime_modules_move_into_core_with_the_projects_edits(
    core_move_repo: Path, tmp_path: Path
) -> None:
    project = new_project(core_move_repo, tmp_path / "project", {}, ref="v0.0.1")
    package = package_dir(project)
    with (package / "admission.py").open("a") as admission:
        admission.write("\nOUR_OWN_LIMIT = 3\n")
    commit_all(project, "Our own limit")

    result = invoke("update", str(project), "--to", "v0.1.0")

    assert result.exit_code == 0, result.stdout + result.stderr
    fresh = render(core_move_repo, tmp_path / "fresh", "v0.1.0", {})
    fresh_package = package_dir(fresh)
    # The edited module moved with the edit, and with the template's changes to it (its imports).
    assert not (package / "admission.py").exists()
    moved = (package / "core" / "admission.py").read_text()
    assert moved == (fresh_package / "core" / "admission.py").read_text() + "\nOUR_OWN_LIMIT = 3\n"
    # Untouched modules and their tests are exactly the new template's, at their new places.
    name = package.relative_to(project)
    for old, new in [
        (name / "bounds.py", name / "core" / "bounds.py"),
        ("tests/test_limits.py", "tests/core/test_limits.py"),
    ]:
        assert not (project / old).exists()
        assert (project / new).read_text() == (fresh / new).read_text()
    assert (
        git(project, "status", "--porcelain", "--", "tests/test_limits.py")
        == " D tests/test_limits.py\n"
    )


@pytest.fixture(scope="session")
def domain_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1.0.0, then v1.1.0: a change to the items domain's service and a new items/pagination.py."""
    repo = tmp_path_factory.mktemp("domain") / "repo"
    with pytest.MonkeyPatch.context() as patch:
        for name, value in GIT_ENV.items():
            patch.setenv(name, value)
        make_v1(repo)
        items = repo / "template" / "src" / "{{ package_name }}" / "items"
        for service in items.glob("*service.py*"):
            with service.open("a") as handle:
                handle.write(PAGES_COMMENT)
        (items / "pagination.py").write_text(PAGINATION)
        commit_all(repo, "Release 1.1", tag="v1.1.0")
    return repo


PAGES_COMMENT = "\n\n# Pages of items: see pagination.py.\n"
PAGINATION = '"""Pages of items."""\n\nfrom .models import Item\n\n__all__ = ["Item"]\n'


def test_renamed_domain_template_changes_and_new_files(domain_repo: Path, tmp_path: Path) -> None:
    project = new_project(domain_repo, tmp_path / "project", {})
    package = package_dir(project)
    pkg = f"src/{package.name}"
    git(project, "mv", f"{pkg}/items", f"{pkg}/products")
    for path in project.rglob("*.py"):
        text = path.read_text()
        path.write_text(text.replace(f"{package.name}.items", f"{package.name}.products"))
    commit_all(project, "items is called products here")
    head = git(project, "rev-parse", "HEAD")

    refused = invoke("update", str(project))
    assert refused.exit_code == 1, refused.output
    assert (
        f"add files to folders you removed or renamed: {pkg}/items/pagination.py" in refused.stderr
    )
    assert "nothing was changed (pass --yes" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""
    assert git(project, "rev-parse", "HEAD") == head

    accepted = invoke("update", str(project), "--yes")
    assert accepted.exit_code == 0, accepted.output
    diff_name = f".copier-update/{V1}-to-v1.1.0/{pkg}/items/service.py.diff"
    assert (
        f"  {pkg}/items/service.py\n    moved to {pkg}/products/service.py?\n    -> {diff_name}\n"
        in accepted.stdout
    )
    diff = (project / diff_name).read_text()
    assert f"patch {pkg}/products/service.py < this file" in diff
    assert "\n+# Pages of items: see pagination.py.\n" in diff
    assert (
        f"Added to folders you removed or renamed:\n  {pkg}/items/pagination.py\n"
        f"    ({pkg}/items/ is gone; now {pkg}/products/?)\n" in accepted.stdout
    )
    assert (package / "items" / "pagination.py").read_text() == PAGINATION, "written, as confirmed"
    assert "Pages of items" not in (package / "products" / "service.py").read_text()


@pytest.mark.parametrize(
    ("orm", "migration", "command"),
    [
        ("sqlalchemy", "migrations/versions/0001_initial.py", "uv run alembic revision"),
        ("tortoise", "src/my_api/migrations/0001_initial.py", "uv run tortoise makemigrations"),
    ],
)
def test_answer_change_that_rewrites_a_migration_is_named_first(
    template_repo: Path, tmp_path: Path, orm: str, migration: str, command: str
) -> None:
    project = new_project(template_repo, tmp_path / "project", {"auth": "jwt", "orm": orm}, ref=V3)
    original = (project / migration).read_text()

    looked = invoke("update", str(project), "-d", "auth=none", "--pretend")
    assert looked.exit_code == 0, looked.output
    assert f"Would rewrite migrations:\n  {migration}\n  A database that ran them" in looked.stdout

    refused = invoke("update", str(project), "-d", "auth=none")
    assert refused.exit_code == 1, refused.output
    assert f"rewrite migrations a database may already have applied: {migration}" in refused.stderr
    assert "add a new revision" in refused.stderr
    assert command in refused.stderr
    assert "pass --yes" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert (project / migration).read_text() == original
    assert git(project, "status", "--porcelain", "--untracked-files=all") == ""


def test_project_inside_another_repository(template_repo: Path, tmp_path: Path) -> None:
    parent = tmp_path / "parent"
    parent.mkdir()
    git(parent, "init", "--quiet")
    (parent / ".gitignore").write_text("/ignored/\n")
    commit_all(parent, "A repository around the projects")

    ignored = render(template_repo, parent / "ignored", V1, {})
    refused = invoke("update", str(ignored))
    assert refused.exit_code == 1, refused.output
    assert f"inside the git repository {parent.resolve()}, which ignores it" in refused.stderr
    assert "git init" in refused.stderr
    assert "not installed" not in refused.stderr

    tracked = render(template_repo, parent / "tracked", V1, {})
    commit_all(parent, "A project tracked by the outer repository")
    result = invoke("update", str(tracked))
    assert result.exit_code == 0, result.output
    assert f"Updated from {V1} to {V3}" in result.stdout
    assert files(tracked) == files(render(template_repo, tmp_path / "fresh", V3, {}))
    changed = git(parent, "status", "--porcelain", "--untracked-files=all").splitlines()
    assert changed and all(line[3:].startswith("tracked/") for line in changed), changed


# ---------------------------------------------------------------- atomic: interruptions and failures


FAKE_GIT = """#!/bin/sh
# git, except that the Nth git command with the argument $FAKE_GIT_ON does $FAKE_GIT_DO first.
case " $* " in
  *" $FAKE_GIT_ON "*)
    echo >> "$FAKE_GIT_COUNT"
    if [ "$(wc -l < "$FAKE_GIT_COUNT")" -eq "$FAKE_GIT_NTH" ]; then
      group=$(ps -o pgid= -p "$PPID" | tr -d " ")  # fastapi-starter's: the terminal's foreground job
      case "$FAKE_GIT_DO" in
        interrupt) kill -INT "-$group" ;;  # Ctrl-C
        interrupt-soon) (sleep 0.5; kill -INT "-$group") & ;;
        terminate) kill -TERM "-$group" ;;
        fail-after) "{git}" "$@"; echo "fatal: disk full" >&2; exit 128 ;;
      esac
    fi ;;
esac
exec "{git}" "$@"
"""


def fake_git(tmp_path: Path, on: str, do: str, nth: int = 1) -> dict[str, str]:
    """The environment that puts FAKE_GIT first on PATH."""
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    script = folder / "git"
    script.write_text(FAKE_GIT.replace("{git}", str(shutil.which("git"))))
    script.chmod(0o755)
    return {
        "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}",
        "FAKE_GIT_ON": on,
        "FAKE_GIT_DO": do,
        "FAKE_GIT_NTH": str(nth),
        "FAKE_GIT_COUNT": str(tmp_path / "fake-git-count"),
    }


def start_update(project: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`fastapi-starter update` in its own process group, as a terminal runs a foreground job."""
    return subprocess.Popen(
        [STARTER, "update", str(project)],
        cwd=project,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def snapshot(project: Path) -> tuple[dict[str, str], str, str, str]:
    """The work tree's files (git-ignored diffs included), the status, the index and HEAD."""
    return (
        files(project),
        git(project, "status", "--porcelain", "--untracked-files=all"),
        git(project, "ls-files", "--stage"),
        git(project, "rev-parse", "HEAD"),
    )


@dataclass(frozen=True)
class Outcomes:
    project: Path
    """An edited project at v1.0.0, never updated: copied by each test."""
    old: tuple[dict[str, str], str, str, str]
    new: tuple[dict[str, str], str, str, str]
    """After a complete `update` (to v3.0.0, with a conflict, a removal and a diff kept)."""
    seconds: float


@pytest.fixture(scope="module")
def outcomes(template_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Outcomes:
    root = tmp_path_factory.mktemp("outcomes")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {**GIT_ENV, "HOME": str(root / "home")}.items():
            patch.setenv(name, value)
        project = new_project(template_repo, root / "project", {})
        edit(project)
        reference = root / "reference"
        shutil.copytree(project, reference, symlinks=True)
        start = time.perf_counter()
        completed = start_update(reference)
        stdout, stderr = completed.communicate(timeout=300)
        seconds = time.perf_counter() - start
    assert completed.returncode == 1, stdout + stderr  # the README conflict
    new = snapshot(reference)
    assert "UU README.md" in new[1].splitlines()
    assert f".copier-update/{V1}-to-{V3}/CODE_OF_CONDUCT.md.diff" in new[0]
    return Outcomes(project, snapshot(project), new, seconds)


def copy_of(outcomes: Outcomes, tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(outcomes.project, project, symlinks=True)
    return project


STEPS = [
    # (git command, which one, what happens to it, exit code, the project after)
    ("clone", 1, "interrupt", 130, "old"),  # the scratch clone is being made
    ("apply", 1, "interrupt", 130, "old"),  # inside Copier's merge, in the scratch clone
    ("apply", 1, "terminate", 143, "old"),
    # A migration (move_files.py) renders the old template in Python: Ctrl-C half a second later.
    ("HEAD:./.copier-answers.yml", 1, "interrupt-soon", 130, "old"),
    # It fails (its git fails, it raises): one line, by the task's name, not its traceback.
    ("HEAD:./.copier-answers.yml", 1, "fail-after", 1, "task failed"),
    ("--index-info", 1, "fail-after", 1, "failed in scratch"),  # Copier's conflict stages
    ("--no-write-fetch-head", 1, "interrupt", 130, "old"),  # the result is being fetched
    ("read-tree", 1, "interrupt", 130, "new"),  # the work tree is moving: held until it is done
    ("read-tree", 1, "fail-after", 1, "failed"),  # the move fails once done: rolled back
    ("--index-info", 2, "fail-after", 1, "failed"),  # the last step fails: rolled back
]


@pytest.mark.parametrize(
    ("on", "nth", "do", "exit_code", "outcome"),
    STEPS,
    ids=[f"{on.lstrip('-').split(':')[0]}-{nth}-{do}" for on, nth, do, *_ in STEPS],
)
def test_interruption_or_failure_at_each_step_leaves_old_or_new(
    outcomes: Outcomes, tmp_path: Path, on: str, nth: int, do: str, exit_code: int, outcome: str
) -> None:
    project = copy_of(outcomes, tmp_path)
    running = start_update(project, fake_git(tmp_path, on, do, nth))
    stdout, stderr = running.communicate(timeout=300)
    count = tmp_path / "fake-git-count"
    assert count.is_file() and len(count.read_text()) >= nth, f"git {on} never ran"
    assert running.returncode == exit_code, stdout + stderr
    assert "Traceback" not in stderr
    if outcome == "new":
        assert snapshot(project) == outcomes.new
        assert "Interrupted (SIGINT), but the update was completed" in stderr
        assert f"Updated from {V1} to {V3}" in stdout
    else:
        assert snapshot(project) == outcomes.old
        assert stderr.strip().count("\n") == 0, stderr
        if outcome == "failed":
            assert "The update could not be applied (git " in stderr
            assert "fatal: disk full); nothing was changed" in stderr
        elif outcome == "task failed":
            assert re.search(r"move_files\.py failed: \w*Error: .+; nothing was changed", stderr)
        elif outcome == "failed in scratch":
            assert "git update-index failed: fatal: disk full; nothing was changed" in stderr
        else:
            signal_name = "SIGINT" if exit_code == 130 else "SIGTERM"
            assert re.search(
                rf"Interrupted \({signal_name}\) while [a-z ]+: nothing was changed", stderr
            )


@pytest.mark.parametrize("fraction", [0.3, 0.7, 0.9, 0.97])
def test_ctrl_c_at_any_moment_leaves_old_or_new(
    outcomes: Outcomes, tmp_path: Path, fraction: float
) -> None:
    project = copy_of(outcomes, tmp_path)
    running = start_update(project)
    time.sleep(outcomes.seconds * fraction)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(running.pid, signal.SIGINT)
    stdout, stderr = running.communicate(timeout=300)
    assert "Traceback" not in stderr
    if "nothing was changed" in stderr:
        assert running.returncode == 130, stdout + stderr
        assert snapshot(project) == outcomes.old
    else:  # completed, before or after the signal
        # -SIGINT: the signal came as the process was exiting, after its report (a shell says 130).
        assert running.returncode in (1, 130, -signal.SIGINT), stdout + stderr
        if running.returncode == 130:
            assert "the update was completed" in stderr
        else:
            assert f"Updated from {V1} to {V3}" in stdout
        assert snapshot(project) == outcomes.new


# ---------------------------------------------------------------- slow: packages and project tests


@pytest.mark.slow
def test_project_from_installed_package_updates_offline(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_v1(repo)
    venv = tmp_path / "venv"
    run(["uv", "venv", "--quiet", "--python", sys.executable, str(venv)], cwd=tmp_path)

    def install(version: str) -> None:
        dist = tmp_path / f"dist-{version}"
        run(["uv", "build", "--wheel", "--quiet", "--out-dir", str(dist), str(repo)], cwd=tmp_path)
        [wheel] = dist.glob("*.whl")
        run(["uv", "pip", "install", "--quiet", "--reinstall", "--python", str(venv), str(wheel)],
            cwd=tmp_path)  # fmt: skip

    def starter(*args: str, offline: bool = False) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
        if offline:  # git may only read local files; any HTTP goes to a closed port
            env |= {"GIT_ALLOW_PROTOCOL": "file", "http_proxy": "http://127.0.0.1:9",
                    "https_proxy": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9"}  # fmt: skip
        return subprocess.run([str(venv / "bin" / "fastapi-starter"), *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)  # fmt: skip

    install(V1)
    created = starter("new", "project", "--defaults", "--no-git", "--no-install")
    assert created.returncode == 0, created.stderr
    project = tmp_path / "project"
    answers = answers_of(project)
    assert answers["_src_path"] == "~/.local/share/fastapi-starter/template.bundle"
    assert answers["_commit"] == V1
    git(project, "init", "--quiet")
    commit_all(project, "New project")

    make_v2(repo)
    install(V2)
    shutil.rmtree(repo)  # the update may only use what the installed package carries
    updated = starter("update", "project", offline=True)
    assert updated.returncode == 0, updated.stdout + updated.stderr
    assert f"Updated from {V1} to {V2}" in updated.stdout
    assert answers_of(project)["_commit"] == V2
    assert (project / "docs" / "CONTRIBUTING.md").is_file()


@pytest.mark.slow
def test_updated_project_passes_its_own_tests(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    with (package_dir(project) / "main.py").open("a") as main:
        main.write("# ours\n")
    commit_all(project, "Our edit")
    update(project)
    assert answers_of(project)["_commit"] == V3
    run(["uv", "sync", "--quiet"], cwd=project)
    run(["uv", "run", "--no-sync", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project)


# ---------------------------------------------------------------- resources (`add resource`)


def add_orders(project: Path) -> Path:
    """`add resource orders` (at the project's version), committed, then one user edit, committed."""
    added = invoke(
        "add",
        "resource",
        "orders",
        "--path",
        str(project),
        "-f",
        "title:str:200",
        "-f",
        "status:enum:new,done=new",
    )
    assert added.exit_code == 0, added.output
    commit_all(project, "Add orders")
    orders = package_dir(project) / "orders"
    with (orders / "router.py").open("a") as router:
        router.write("# user: our own route goes here\n")
    commit_all(project, "Our edit")
    return orders


def test_update_brings_template_changes_into_resources(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    orders = add_orders(project)
    assert RESOURCE_V2 not in (orders / "exceptions.py").read_text()
    result = invoke("update", str(project), "--to", V2)
    assert result.exit_code == 0, result.output
    assert "updated     .copier-answers.orders.yml" in result.output
    assert (orders / "router.py").read_text().endswith("# user: our own route goes here\n")
    assert (orders / "exceptions.py").read_text().endswith(RESOURCE_V2), "the change arrived"
    assert yaml.safe_load((project / ".copier-answers.orders.yml").read_text())["_commit"] == V2
    assert answers_of(project)["_commit"] == V2
    assert "orders_router" in (package_dir(project) / "main.py").read_text(), "registration kept"
    status = git(project, "status", "--porcelain")
    assert "UU" not in status, status


def test_resource_conflicts_are_listed_with_exit_1(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    orders = add_orders(project)
    with (orders / "exceptions.py").open("a") as exceptions:
        exceptions.write("\n\n# user: where v2 writes too\n")
    commit_all(project, "An edit where the template changes")
    result = invoke("update", str(project), "--to", V2)
    assert result.exit_code == 1, result.output
    assert "exceptions.py" in result.output
    assert has_markers((orders / "exceptions.py").read_text())
    name = (orders / "exceptions.py").relative_to(project).as_posix()
    assert f"UU {name}" in git(project, "status", "--porcelain")


def test_plain_copier_updates_a_resource(template_repo: Path, tmp_path: Path) -> None:
    project = new_project(template_repo, tmp_path / "project", {})
    orders = add_orders(project)
    update(project, answers_file=".copier-answers.orders.yml", vcs_ref=V2)
    assert (orders / "router.py").read_text().endswith("# user: our own route goes here\n")
    assert (orders / "exceptions.py").read_text().endswith(RESOURCE_V2)
