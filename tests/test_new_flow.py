"""`new` as people meet it: OS failures, plain output for pipes, answers files, choices, git, install.

The end-to-end runs (`new` with its install, then the printed next steps, then the app) are marked
`slow`; the rest runs in the render tier's time.
"""

import contextlib
import errno
import itertools
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pexpect
import pytest
import yaml
from combinations import QUESTIONS, REPO
from conftest import SERVERS, free_port, server_database

STARTER = str(Path(sys.executable).parent / "fastapi-starter")
UV_BIN = str(Path(sys.executable).parent)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def starter(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed command, in a subprocess: output goes to pipes, as in a script or CI."""
    environment = {
        **os.environ,
        # the generator's own uv first, as `uv run` would give it
        "PATH": UV_BIN + os.pathsep + os.environ["PATH"],
        **(env or {}),
    }
    environment.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [STARTER, *args], capture_output=True, text=True, env=environment, check=False, timeout=600
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Error: "), result.stderr
    assert expected in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        # root may write anywhere, so the kernel refuses it later (No such file or directory)
        (
            "/proc/x",
            "such file or directory: /proc/x" if os.geteuid() == 0 else "/proc is not writable",
        ),
        ("missing/parent/x", "missing/parent is not an existing directory"),
        ("n" * 300, "a name in it is longer than 255 bytes"),
    ],
    ids=["proc", "missing-parent", "name-too-long"],
)
def test_an_os_failure_is_one_line_and_leaves_nothing(destination: str, message: str) -> None:
    result = starter("new", destination, "--defaults")
    assert_one_line_error(result, message)
    assert list(Path.cwd().iterdir()) == []


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory nobody may write to: a read-only mount for root (who ignores modes), else 0o555."""
    directory = tmp_path / "read-only"
    directory.mkdir()
    if os.geteuid() == 0:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", directory], check=True
        )
        try:
            yield directory
        finally:
            subprocess.run(["umount", directory], check=True)
    else:
        directory.chmod(0o555)
        yield directory
        directory.chmod(0o755)


def test_a_read_only_parent_is_one_line(read_only_dir: Path) -> None:
    result = starter("new", str(read_only_dir / "x"), "--defaults")
    assert_one_line_error(result, "is not writable")
    assert list(read_only_dir.iterdir()) == []


# Copier leaves its directory scan's iterator open when a write fails half way.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_full_disk_is_one_line_and_leaves_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from fastapi_starter import cli

    written = []
    real_write = pathlib.Path.write_bytes

    def write_until_full(self: Path, data: bytes) -> int:
        if len(written) == 20:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        written.append(self)
        return real_write(self, data)

    monkeypatch.setattr(pathlib.Path, "write_bytes", write_until_full)
    result = CliRunner().invoke(cli.build_app(), ["new", "full", "--defaults", "--no-install"])
    assert result.exit_code == 1, result.output
    assert re.fullmatch(
        r"Error: No space left on device \(the disk is full\): \S+\n", result.stderr
    )
    assert list(Path.cwd().iterdir()) == []


# Loaded by every Python process on PYTHONPATH: in Copier's task that writes .env, the disk is full.
FULL_DISK_FOR_THE_ENV_TASK = """
import sys

if sys.argv and sys.argv[0].endswith("write_env.py"):
    import errno
    import secrets

    def token_urlsafe(nbytes=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    secrets.token_urlsafe = token_urlsafe
"""


def test_a_failing_task_is_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK_FOR_THE_ENV_TASK)
    result = starter(
        "new", "proj", "--defaults", "--no-install", "--no-git", env={"PYTHONPATH": str(hook)}
    )
    assert_one_line_error(result, "write_env.py failed: OSError: [Errno 28] No space left")
    assert "Traceback" not in result.stdout + result.stderr
    assert list(Path.cwd().iterdir()) == []


def test_output_to_a_pipe_is_plain_and_quiet() -> None:
    result = starter("new", "plain", "--defaults", "--no-install", env={"NO_COLOR": ""})
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout + result.stderr
    assert "create " not in result.stdout, "the file list is for --verbose"
    assert "write_env" not in result.stdout + result.stderr, "no internal task command"
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Creating plain in plain (fastapi-starter ")
    assert "database sqlite" in lines[1]
    assert re.fullmatch(r"Wrote \d+ files\.", lines[-8]) or any(
        re.fullmatch(r"Wrote \d+ files\.", line) for line in lines
    )


def test_the_choices_wrap_between_choices() -> None:
    choices = ("--auth", "oidc", "--database", "postgresql", "--orm", "sqlmodel")
    result = starter("new", "inventory", "--defaults", "--no-install", "--no-git", *choices)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()[1:3]
    assert all(len(line) <= 80 for line in lines), lines
    pairs = [pair.strip() for line in lines for pair in line.strip(", ").split(",")]
    assert pairs == [
        "python-version 3.12", "database postgresql", "orm sqlmodel", "auth oidc", "docker yes",
        "ci github", "pre-commit yes",
    ]  # fmt: skip


def test_no_color_is_honoured_on_a_terminal_too() -> None:
    child = pexpect.spawn(
        STARTER, ["new", "colourless", "--defaults", "--no-install", "--no-git"],
        env={**os.environ, "NO_COLOR": "1"}, dimensions=(24, 80), encoding="utf-8", timeout=120,
    )  # fmt: skip
    text = child.read()
    child.wait()
    assert "Your project" in text or "finish by hand" in text, text
    assert "\x1b[" not in text.replace("\x1b[2K", ""), text  # only the spinner's line clearing


SPIN_WHILE_TASKS_ARE_QUIET = """
import time
import copier.errors  # imported before the spinner starts: its frames then all fall in the block
from fastapi_starter import errors, output

with output.progress("Working"), errors.copier_tasks_quiet():
    time.sleep(1)
"""


def test_the_spinner_turns_while_copiers_tasks_write_to_a_file() -> None:
    """While Copier renders, stderr points at a file (its tasks' output): not the spinner's frames."""
    child = pexpect.spawn(
        sys.executable, ["-c", SPIN_WHILE_TASKS_ARE_QUIET],
        dimensions=(24, 80), encoding="utf-8", timeout=60,
    )  # fmt: skip
    text = child.read()
    child.wait()
    assert len(re.findall(r"\rWorking [|/\\-]", text)) >= 5, repr(text)  # one each 0.1 s
    assert text.endswith("\r\x1b[2K"), repr(text)  # the line cleared once done


def test_a_project_answers_file_is_accepted_as_data_file(tmp_path: Path) -> None:
    first = starter("new", "first", "--defaults", "--no-install", "--no-git", "--auth", "none")
    assert first.returncode == 0, first.stderr
    again = starter(
        "new", "second", "--data-file", "first/.copier-answers.yml", "--no-install", "--no-git",
        "-d", "project_name=second", "-d", "project_slug=second", "-d", "package_name=second",
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    answers = yaml.safe_load(Path("second/.copier-answers.yml").read_text())
    assert answers["auth"] == "none"


@pytest.mark.parametrize(
    ("given", "outcome"),
    [("PostgreSQL", None), ("postgres", "did you mean postgresql?"), ("oracle", "choose from")],
)
def test_choices_ignore_case_and_a_typo_gets_the_closest(given: str, outcome: str | None) -> None:
    result = starter("new", "chosen", "--defaults", "--no-install", "--no-git", "--database", given)
    if outcome is None:
        assert result.returncode == 0, result.stderr
        answers = yaml.safe_load(Path("chosen/.copier-answers.yml").read_text())
        assert answers["database"] == "postgresql"
    else:
        assert_one_line_error(result, "Invalid choice for 'database'")
        assert outcome in result.stderr
        assert not Path("chosen").exists()


def test_yes_is_short_for_defaults_and_accents_fold_in_the_slug() -> None:
    result = starter("new", "-y", "-d", "project_name=Café API", "--no-install", "--no-git")
    assert result.returncode == 0, result.stderr
    assert Path("cafe-api/.copier-answers.yml").is_file()


def test_next_steps_quote_the_path_and_skip_cd_dot() -> None:
    result = starter("new", "My Café", "--defaults", "--no-install", "--no-git")
    assert result.returncode == 0, result.stderr
    assert "    cd 'My Café'\n" in result.stdout
    Path("here").mkdir()
    result = subprocess.run(
        [STARTER, "new", ".", "--defaults", "--no-install", "--no-git"],
        cwd="here", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "cd " not in result.stdout


def test_a_project_inside_another_repository_is_its_own_repository() -> None:
    subprocess.run(["git", "init", "-q", "outer"], check=True)
    result = starter("new", "outer/inner", "--defaults", "--no-install")
    assert result.returncode == 0, result.stderr
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd="outer/inner", capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    assert Path(top) == Path("outer/inner").resolve()
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd="outer/inner", capture_output=True, text=True,
        check=True,
    ).stdout  # fmt: skip
    assert status == "", "everything is in the first commit"


def test_without_uv_the_project_is_kept_and_the_steps_say_how_to_finish() -> None:
    folders = os.environ["PATH"].split(os.pathsep)
    without_uv = os.pathsep.join(folder for folder in folders if not Path(folder, "uv").exists())
    assert shutil.which("uv", path=without_uv) is None
    result = starter("new", "no-uv", "--defaults", env={"PATH": without_uv})
    assert result.returncode == 0, result.stderr
    assert "Warning: uv sync failed: uv is not installed" in result.stderr
    assert "    uv sync\n    uv run alembic upgrade head\n    uv run fastapi dev" in result.stdout
    assert Path("no-uv/pyproject.toml").is_file()


# ---------------------------------------------------------------- end to end


def printed_steps(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.endswith("Next steps:")) + 1
    return [line.strip() for line in lines[start:] if line.startswith("    ")]


def run_git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd="my-api", capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("database", "orm", "auth"),
    [("sqlite", "sqlalchemy", "jwt"), ("postgresql", "sqlalchemy", "jwt"),
     ("mysql", "sqlmodel", "jwt"), ("sqlite", "tortoise", "api_key")],
    ids=["sqlite", "postgresql", "mysql", "tortoise-sqlite-api_key"],
)  # fmt: skip
def test_new_then_the_printed_steps_give_a_working_service(
    database: str, orm: str, auth: str
) -> None:
    env = {"UV_NO_PROGRESS": "1"}
    with contextlib.ExitStack() as cleanup:
        if database != "sqlite":
            env["DATABASE_URL"] = cleanup.enter_context(server_database(database))
        result = starter(
            "new", "my-api", "--defaults", "--database", database, "--orm", orm, "--auth", auth,
            env=env,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stderr == "", result.stderr
        steps = printed_steps(result.stdout)
        assert steps[0] == "cd my-api" and steps[-1] == "uv run fastapi dev", steps
        shell_env = {**os.environ, **env, "PATH": UV_BIN + os.pathsep + os.environ["PATH"]}
        shell_env.pop("VIRTUAL_ENV", None)
        # Every printed step but the last (which serves forever) runs as printed, in one shell.
        # `docker compose up -d --wait db` cannot run here (no Docker engine): DATABASE_URL
        # points at the test server instead, so that line alone is left out.
        script = " && ".join(step for step in steps[:-1] if not step.startswith("docker compose"))
        printed = subprocess.run(
            ["bash", "-c", script or "true"], env=shell_env, check=True, timeout=300,
            capture_output=True, text=True,
        )  # fmt: skip
        # An api_key project's steps end by making a key (printed on stdout), the others' not.
        keys = re.findall(r"^ak_\S+$", printed.stdout, flags=re.MULTILINE)
        assert len(keys) == (auth == "api_key"), printed.stdout
        # Then a domain, and its printed steps as printed: review, migrate, test, commit.
        added = starter("add", "resource", "customers", "--path", "my-api", "-f", "name:str:80")
        assert added.returncode == 0, added.stdout + added.stderr
        steps = printed_steps(added.stdout)
        assert steps[0] == "cd my-api" and steps[-1] == 'git commit -am "Add customers"', steps
        if database != "sqlite":  # the tests' server, as README says: not compose's default
            shell_env["TEST_DATABASE_URL"] = SERVERS[database].format(name="test")
        subprocess.run(["bash", "-c", " && ".join(steps)], env=shell_env, check=True, timeout=600)
        assert run_git("status", "--porcelain") == ""
        assert run_git("log", "-1", "--format=%s") == "Add customers"
        port = free_port()
        server = subprocess.Popen(
            ["bash", "-c", f"cd my-api && uv run fastapi dev --port {port} --host 127.0.0.1"],
            env=shell_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            exercise(f"http://127.0.0.1:{port}", key=keys[0] if keys else None)
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


@pytest.mark.slow
def test_plain_copier_copy_then_its_printed_steps_leave_everything_committed() -> None:
    """What Copier alone prints, followed as printed: the project is installed, migrated and
    committed, `uv.lock` included."""
    copied = subprocess.run(
        [str(Path(sys.executable).parent / "copier"), "copy", "--trust", "--defaults",
         "--vcs-ref", "HEAD", str(REPO), "my-api"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    steps = printed_steps(copied.stderr)
    assert steps[0] == 'cd "my-api"' and steps[-1] == "uv run fastapi dev", steps
    shell_env = {**os.environ, "PATH": UV_BIN + os.pathsep + os.environ["PATH"]}
    shell_env.pop("VIRTUAL_ENV", None)
    subprocess.run(["bash", "-c", " && ".join(steps[:-1])], env=shell_env, check=True, timeout=300)
    assert run_git("status", "--porcelain") == ""
    assert "uv.lock" in run_git("ls-files")


def exercise(base: str, key: str | None = None) -> None:
    """With the key, or else registered and logged in: create an item and a customer, every
    answer 2xx."""
    with httpx.Client(base_url=base, timeout=10) as client:
        deadline = time.monotonic() + 60
        while True:
            try:
                if client.get("/health/live").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.2)
        if key is None:
            credentials = {"email": "ada@example.com", "password": "correct horse battery"}
            registered = client.post("/users", json=credentials)
            assert registered.is_success, registered.text
            login = client.post(
                "/auth/token",
                data={"username": credentials["email"], "password": credentials["password"]},
            )
            assert login.is_success, login.text
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        else:
            headers = {"X-API-Key": key}
            managed = client.get("/api-keys", headers=headers)  # it may manage keys
            assert managed.is_success, managed.text
        item = client.post("/items", json={"title": "first"}, headers=headers)
        assert item.is_success, item.text
        customer = client.post("/customers", json={"name": "Ada"}, headers=headers)
        assert customer.is_success, customer.text
        ready = client.get("/health/ready")
        assert ready.is_success, ready.text


@pytest.mark.parametrize("auth", ["api_key", "jwt"])
def test_an_api_key_projects_steps_make_its_first_key(auth: str) -> None:
    """Before `fastapi dev`, in `new`'s steps and in plain Copier's alike; only with api_key."""
    make_key = "uv run python -m my_api create-api-key dev --name local --can-manage-keys"
    made = starter("new", "my-api", "--defaults", "--auth", auth, "--no-install", "--no-git")
    assert made.returncode == 0, made.stderr
    copied = subprocess.run(
        [str(Path(sys.executable).parent / "copier"), "copy", "--trust", "--defaults",
         "--skip-tasks", "--vcs-ref", "HEAD", "-d", f"auth={auth}", str(REPO), "copied"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    for steps in (printed_steps(made.stdout), printed_steps(copied.stderr)):
        assert steps[-1] == "uv run fastapi dev", steps
        assert (make_key in steps) == (auth == "api_key"), steps
        assert auth != "api_key" or steps[-2] == make_key, steps


def test_printed_steps_are_shell_words() -> None:
    result = starter("new", "a b", "--defaults", "--no-install", "--no-git")
    assert result.returncode == 0, result.stderr
    for step in printed_steps(result.stdout):
        assert shlex.split(step, comments=True) or step.startswith("#")
    assert REPO.is_dir()


# ---------------------------------------------------------------- a real terminal, 80 columns


def terminal_environment() -> dict[str, str]:
    return {**os.environ, "PATH": UV_BIN + os.pathsep + os.environ["PATH"]}


def terminal(*args: str) -> pexpect.spawn:
    return pexpect.spawn(
        STARTER, ["new", *args], env=terminal_environment(), dimensions=(40, 80),
        encoding="utf-8", timeout=60,
    )  # fmt: skip


def answer_the_rest(child: pexpect.spawn, after: str) -> str:
    """ENTER at every question after the one named ``after``, then the summary; returns it."""
    names = [question.name for question in QUESTIONS]
    for question in QUESTIONS[names.index(after) + 1 :]:
        child.expect_exact(question.help.split(" (")[0][:30])
        child.send("\r")
    child.expect_exact("Create the project?")
    return str(child.before)


def test_interactive_flow_at_80_columns() -> None:
    child = terminal("--no-install", "--no-git")
    child.expect_exact("Human-readable name of the project")
    child.send("Orders\r")  # typing replaces the default ("My API")
    child.expect_exact("Distribution name")
    child.send("Bad Slug\r")
    child.expect_exact(">> Use lowercase letters, digits and single hyphens,")
    child.expect_exact("Distribution name")
    child.send("\r")  # the default, derived from "Orders"
    summary = answer_the_rest(child, "project_slug")
    assert "project_slug    orders" in summary, summary
    summary = summary[summary.index("Project in") :]
    assert all(len(line.rstrip()) <= 80 for line in summary.splitlines()[:-1]), summary
    child.send("\r")
    child.expect_exact("Your project Orders is ready")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 0
    answers = yaml.safe_load(Path("orders/.copier-answers.yml").read_text())
    assert (answers["project_name"], answers["project_slug"]) == ("Orders", "orders")


def test_an_error_at_80_columns_breaks_between_words() -> None:
    """The terminal would cut the one line mid-word; piped, it stays one line."""
    child = terminal("2024", "--defaults", "--no-install", "--no-git")
    text = child.read().replace("\r\n", "\n")
    child.close()
    assert child.exitstatus == 1
    lines = text[text.index("Error: ") :].strip().splitlines()  # after the spinner's line
    assert len(lines) > 1 and all(len(line) < 80 for line in lines), text
    words = " ".join(lines).split()
    assert words[:2] == ["Error:", "Validation"] and "'2024':" in words and "letters," in words
    piped = starter("new", "2024", "--defaults", "--no-install", "--no-git")
    assert piped.stderr.startswith("Error: ") and piped.stderr.count("\n") == 1, piped.stderr


def test_a_step_too_long_for_80_columns_goes_on_over_lines() -> None:
    """Broken between words with `\\` (the terminal would break it mid-word); piped, one line.
    Every other line fits as well."""
    name = "zoo-keeper-inventory-and-feeding-service"
    choices = ("--defaults", "--auth", "api_key", "--no-git")
    piped = starter("new", name, *choices, "--no-install")
    assert piped.returncode == 0, piped.stderr
    steps = printed_steps(piped.stdout)
    assert max(len(step) for step in steps) > 80 - len("    "), steps
    shutil.rmtree(name)
    child = terminal(name, *choices, "--no-install")
    text = child.read().replace("\r\n", "\n")
    child.close()
    assert child.exitstatus == 0, text
    screen = [line.rsplit("\r", 1)[-1].replace("\x1b[2K", "") for line in text.splitlines()]
    assert all(len(line) < 80 for line in screen), screen
    shown = text.split("Next steps:\n", 1)[1].splitlines()
    assert "\n".join(shown).replace(" \\\n        ", " ").split("\n") == [
        f"    {step}" for step in steps
    ]


def pexpect_eof() -> object:
    return pexpect.EOF


def test_the_answers_are_settled_without_rendering_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """An interactive `new` asks, shows the summary, then renders once: asking renders nothing."""
    from copier._main import Worker

    from fastapi_starter import generate

    rendered: list[object] = []
    render_file = Worker._render_file
    monkeypatch.setattr(
        Worker,
        "_render_file",
        lambda self, *args, **kw: rendered.append(args) or render_file(self, *args, **kw),
    )
    answers = generate.ask(
        Path("asked"), given={"auth": "jwt"}, use_defaults=True, interactive=False
    )
    assert (answers["project_slug"], answers["auth"]) == ("asked", "jwt")
    assert rendered == []
    assert not Path("asked").exists()
    generate.render(Path("asked"), answers)
    assert rendered, "render renders the files (the spy sees them)"


def test_ctrl_c_at_a_prompt_keeps_the_answers_for_one_command_that_replays_them() -> None:
    child = terminal("--no-install", "--no-git")
    child.expect_exact("Human-readable name of the project")
    child.send("Kept\r")
    child.expect_exact("Distribution name")
    child.send("\x03")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 130
    assert list(Path.cwd().iterdir()) == []
    printed = str(child.before).replace("\r\n", "\n")
    assert "Aborted." in printed
    # The command as printed (over several lines if the terminal is too narrow), run by a shell.
    after = printed.split("to use them again:\n", 1)[1].splitlines()
    command = "\n".join(itertools.takewhile(lambda line: line.startswith("    "), after))
    assert command.split()[:2] == ["fastapi-starter", "new"], printed
    replay = pexpect.spawn(
        "bash", ["-c", f"{command} --no-install --no-git"], env=terminal_environment(),
        dimensions=(40, 80), encoding="utf-8", timeout=60,
    )  # fmt: skip
    replay.expect_exact("Distribution name")  # the name is not asked again
    replay.send("\r")
    answer_the_rest(replay, "project_slug")
    replay.send("\r")
    replay.expect(pexpect_eof())
    replay.close()
    assert replay.exitstatus == 0
    assert yaml.safe_load(Path("kept/.copier-answers.yml").read_text())["project_name"] == "Kept"


def test_ctrl_c_while_the_project_is_made_leaves_nothing() -> None:
    child = terminal("--defaults", "rushed")
    child.expect_exact("Creating rushed")
    time.sleep(0.3)
    child.send("\x03")
    child.expect(pexpect_eof())
    child.close()
    assert child.exitstatus == 130, child.before
    assert list(Path.cwd().iterdir()) == []
