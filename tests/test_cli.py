"""The fastapi-starter command line: every flag, every refusal, and the interactive flow."""

import io
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from combinations import QUESTIONS, REPO
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput
from typer.testing import CliRunner, Result

from fastapi_starter import cli, output, questions, template_source

DOWN, ENTER, CLEAR_LINE, CTRL_C = "\x1b[B", "\r", "\x15", "\x03"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty working directory, and a cache (where answers are saved) beside it."""
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def invoke(*args: str) -> Result:
    """The CLI in process; ``new`` without its install step (tests/test_new_flow.py runs it)."""
    extra = ["--no-install"] if args[:1] == ("new",) and "--install" not in args else []
    return CliRunner().invoke(cli.build_app(), [*args, *extra])


def answers_of(project: Path) -> dict[str, object]:
    return yaml.safe_load((project / ".copier-answers.yml").read_text())


def assert_one_line_error(result: Result, expected: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: "), result.output
    assert expected in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.output


def test_help_lists_every_question_and_choice() -> None:
    result = invoke("new", "--help")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for question in QUESTIONS:
        assert f"{question.name}:" in text
        for value in question.values:
            assert value in text
    assert "--auth" in text
    assert "--python-version" in text


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["new", "-h"]])
def test_help_everywhere(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_version_is_the_version_new_renders() -> None:
    result = invoke("--version")
    assert result.exit_code == 0, result.output
    described = subprocess.run(
        ["git", "describe", "--tags", "--always", "HEAD"], cwd=REPO, capture_output=True,
        text=True, check=True,
    ).stdout.strip()  # fmt: skip
    assert result.output == f"fastapi-starter {template_source.format_version(described)}\n"


@pytest.mark.parametrize(
    ("commit", "shown"),
    [("v1.2.0", "1.2.0"), ("v1.2.0-3-gabc1234", "1.2.0-3-gabc1234"), ("105d7fb", "105d7fb")],
)
def test_one_format_for_template_versions(commit: str, shown: str) -> None:
    assert template_source.format_version(commit) == shown


def test_help_imports_neither_copier_nor_rich() -> None:
    # Both cost hundreds of milliseconds at startup (bench/cli.py measures --help).
    code = (
        "import sys\n"
        "from fastapi_starter.cli import main\n"
        "sys.argv = ['fastapi-starter', '--help']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'copier', 'rich'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


def test_new_with_defaults_and_a_choice_option() -> None:
    result = invoke("new", "my-api", "--defaults", "--auth", "none")
    assert result.exit_code == 0, result.output
    answers = answers_of(Path("my-api"))
    assert answers["auth"] == "none"
    assert (answers["project_name"], answers["project_slug"], answers["package_name"]) == (
        "my-api",
        "my-api",
        "my_api",
    )
    assert result.output.rstrip().endswith(
        "    cd my-api\n    uv sync\n    uv run alembic upgrade head\n    uv run fastapi dev"
    )


def test_data_file_then_data_then_options_take_precedence(tmp_path: Path) -> None:
    data_file = tmp_path / "answers.yml"
    data_file.write_text("author_name: From File\ndescription: From File\nauth: jwt\n")
    result = invoke(
        "new", "proj", "--defaults", "--data-file", str(data_file),
        "-d", "description=From Flag", "--data", "project_name=Shop", "--auth", "none",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answers = answers_of(Path("proj"))
    assert answers["author_name"] == "From File"
    assert answers["description"] == "From Flag"
    assert answers["project_name"] == "Shop"
    assert answers["auth"] == "none"


def test_pretend_writes_nothing_and_says_so() -> None:
    result = invoke("new", "ghost", "--defaults", "--pretend")
    assert result.exit_code == 0, result.output
    assert "nothing written (--pretend)" in result.output
    assert "ready" not in result.output
    assert "  create " not in result.output, "the file list is for --verbose"
    assert result.output.startswith("Would create ghost in ghost")
    assert not Path("ghost").exists()


def test_verbose_lists_the_files_sorted_without_internal_paths() -> None:
    result = invoke("new", "shown", "--defaults", "--verbose")
    assert result.exit_code == 0, result.output
    listed = [line.split()[-1] for line in result.output.splitlines() if "  create " in line]
    assert "pyproject.toml" in listed
    assert listed == sorted(listed)
    assert "write_env.py" not in result.output
    assert f"Wrote {len(listed)} files." in result.output


def test_destination_defaults_to_the_slug() -> None:
    result = invoke("new", "--defaults", "-d", "project_name=Cool Thing")
    assert result.exit_code == 0, result.output
    assert answers_of(Path("cool-thing"))["project_name"] == "Cool Thing"
    assert [p.name for p in Path.cwd().iterdir()] == ["cool-thing"]


def test_non_empty_destination_is_refused_and_untouched() -> None:
    mine = Path("taken") / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("mine")
    result = invoke("new", "taken", "--defaults")
    assert_one_line_error(result, "taken is not empty")
    assert [p.name for p in mine.parent.iterdir()] == ["notes.txt"]
    assert mine.read_text() == "mine"


def test_overwrite_renders_into_a_non_empty_destination_and_keeps_other_files() -> None:
    mine = Path("taken") / "notes.txt"
    mine.parent.mkdir()
    mine.write_text("mine")
    result = invoke("new", "taken", "--defaults", "--overwrite")
    assert result.exit_code == 0, result.output
    assert mine.read_text() == "mine"
    assert (mine.parent / ".copier-answers.yml").is_file()


def test_an_empty_destination_is_fine() -> None:
    Path("empty").mkdir()
    result = invoke("new", "empty", "--defaults")
    assert result.exit_code == 0, result.output
    assert answers_of(Path("empty"))["project_slug"] == "empty"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "project_slug=Not_A_Slug"], "Validation error for question 'project_slug'"),
        (["-d", "author_email=nobody"], "'nobody' is not an e-mail address"),
        (["-d", "package_name=json"], "would shadow the standard-library module"),
        (["--auth", "basic"], "Invalid choice for 'auth': 'basic'"),
        (["-d", "auth=basic"], "Invalid choice for 'auth': 'basic'"),
        (["-d", "colour=blue"], "Unknown question: colour (known: auth, author_email, author_name"),
        (["-d", "resource=orders"], "Not a question of the project: resource (`fastapi-starter"),
        (["-d", "no-equals-sign"], "Expected KEY=VALUE"),
    ],
)
def test_bad_input_is_one_line_and_leaves_nothing(args: list[str], message: str) -> None:
    result = invoke("new", "bad", "--defaults", *args)
    assert_one_line_error(result, message)
    assert list(Path.cwd().iterdir()) == []


def test_a_resources_answers_are_not_a_new_projects() -> None:
    """They would render a resource where the project should be; the questions listed for an
    unknown answer are the project's."""
    unknown = invoke("new", "bad", "--defaults", "-d", "colour=blue")
    assert_one_line_error(unknown, "(known: auth, author_email")
    assert "resource" not in unknown.stderr
    Path("orders.yml").write_text(
        "_commit: v1\nresource: orders\nresource_fields: []\norm: tortoise\n"
    )
    result = invoke("new", "bad", "--defaults", "--data-file", "orders.yml")
    assert_one_line_error(
        result,
        "Not a question of the project: resource, resource_fields "
        "(`fastapi-starter add resource` asks them)",
    )
    assert sorted(path.name for path in Path.cwd().iterdir()) == ["orders.yml"]


def test_a_directory_name_that_makes_no_name_says_where_the_default_came_from() -> None:
    result = invoke("new", "2024", "--defaults")
    assert_one_line_error(
        result,
        "starting with a letter (e.g. my-api); the default came from the directory name '2024': "
        "pass -d project_slug=...",
    )
    assert list(Path.cwd().iterdir()) == []
    shadowing = invoke("new", "json", "--defaults")
    assert_one_line_error(
        shadowing,
        "module of that name; the default came from the directory name 'json': pass -d "
        "package_name=...",
    )
    named = invoke("new", "2024", "--defaults", "-d", "project_name=Reports")
    assert named.exit_code == 0, named.output
    assert answers_of(Path("2024"))["project_slug"] == "reports"


def test_bad_input_leaves_an_empty_destination_empty() -> None:
    Path("empty").mkdir()
    result = invoke("new", "empty", "--defaults", "-d", "author_email=nobody")
    assert_one_line_error(result, "is not an e-mail address")
    assert list(Path("empty").iterdir()) == []


def test_without_a_terminal_missing_answers_are_named() -> None:
    result = invoke("new", "proj", "-d", "project_name=X")
    assert_one_line_error(result, "No terminal to ask project_slug, package_name")
    assert "--defaults" in result.stderr
    assert not Path("proj").exists()


def test_without_a_terminal_all_answers_given_is_enough() -> None:
    args = [f"{q.name}={q.values[0] if q.enumerable else 'x'}" for q in QUESTIONS]
    args = [a.replace("author_email=x", "author_email=a@b.io") for a in args]
    result = invoke("new", "proj", *[part for arg in args for part in ("-d", arg)])
    assert result.exit_code == 0, result.output
    assert answers_of(Path("proj"))["author_email"] == "a@b.io"


class WideScreen(PlainTextOutput):
    """Plain text, wide enough that no prompt is wrapped."""

    def get_size(self) -> Size:
        return Size(rows=50, columns=500)


class Terminal:
    """Copier's questionary prompts, typed into through a pipe, their screen kept as text."""

    def __init__(self, pipe: object, screen: io.StringIO) -> None:
        self.pipe = pipe
        self.screen = screen

    def type(self, keys: str) -> None:
        self.pipe.send_text(keys)  # type: ignore[attr-defined]


@pytest.fixture
def keyboard(monkeypatch: pytest.MonkeyPatch) -> Iterator[Terminal]:
    monkeypatch.setattr(cli, "_stdin_is_terminal", lambda: True)
    screen = io.StringIO()
    with (
        create_pipe_input() as pipe,
        create_app_session(input=pipe, output=WideScreen(screen)),
    ):
        yield Terminal(pipe, screen)


def test_interactive_flow_asks_every_question_in_order(keyboard: Terminal) -> None:
    keyboard.type(
        keys_for(
            description=CLEAR_LINE + "Sells things" + ENTER,
            author_name=CLEAR_LINE + "Ada" + ENTER,
            author_email=CLEAR_LINE + "ada@example.org" + ENTER,
            python_version=DOWN + ENTER,  # the choice after the default
            auth=DOWN + ENTER,
            docker="n",  # a yes/no prompt takes one key
        )
    )
    result = invoke("new", "shop")
    assert result.exit_code == 0, result.output
    answers = answers_of(Path("shop"))
    expected = {question.name: question for question in QUESTIONS}
    assert answers["project_name"] == "shop"
    assert answers["description"] == "Sells things"
    assert answers["author_name"] == "Ada"
    assert answers["author_email"] == "ada@example.org"
    assert answers["python_version"] == after_default(expected["python_version"])
    assert answers["auth"] == after_default(expected["auth"])
    assert answers["docker"] is False
    shown = [keyboard.screen.getvalue().find(question.help) for question in QUESTIONS]
    assert -1 not in shown, "every prompt shows its question's help"
    assert shown == sorted(shown), "questions are asked in copier.yml's order"


def keys_for(**typed: str) -> str:
    """The keys for a whole session: ENTER (the default) at every prompt but those named, then
    ENTER at the confirmation."""
    return "".join(typed.get(question.name, ENTER) for question in QUESTIONS) + ENTER


def after_default(question: questions.Question) -> str:
    index = question.values.index(question.default_value)
    return question.values[(index + 1) % len(question.values)]


def test_interactive_without_destination_goes_to_the_slug(keyboard: Terminal) -> None:
    keyboard.type(keys_for(project_name=CLEAR_LINE + "Pipe Dream" + ENTER))
    result = invoke("new")
    assert result.exit_code == 0, result.output
    assert answers_of(Path("pipe-dream"))["package_name"] == "pipe_dream"


def test_interactive_checks_the_destination_as_soon_as_the_slug_names_it(
    keyboard: Terminal,
) -> None:
    Path("taken").mkdir()
    Path("taken", "notes.txt").write_text("mine")
    keyboard.type(keys_for(project_name="Taken" + ENTER, project_slug=ENTER + "fresh" + ENTER))
    result = invoke("new")
    assert result.exit_code == 0, result.output
    assert "taken is not empty" in keyboard.screen.getvalue()
    assert answers_of(Path("fresh"))["project_name"] == "Taken"
    assert [p.name for p in Path("taken").iterdir()] == ["notes.txt"]


def test_interactive_rejects_a_bad_answer_and_asks_again(keyboard: Terminal) -> None:
    keyboard.type(
        keys_for(project_slug=CLEAR_LINE + "Bad Slug" + ENTER + CLEAR_LINE + "good-slug" + ENTER)
    )
    result = invoke("new", "proj")
    assert result.exit_code == 0, result.output
    assert answers_of(Path("proj"))["project_slug"] == "good-slug"


def test_ctrl_c_at_a_prompt_aborts_cleanly(keyboard: Terminal) -> None:
    keyboard.type(ENTER + ENTER + CTRL_C)
    result = invoke("new", "proj")
    assert result.exit_code == 130, result.output
    assert "Aborted." in result.stderr
    assert "Traceback" not in result.output
    assert list(Path.cwd().iterdir()) == []


def test_same_files_as_plain_copier_copy(tmp_path: Path) -> None:
    data = ["-d", "project_name=Same", "-d", "auth=none"]
    via_cli = invoke("new", "cli-out", "--defaults", "--no-git", *data)
    assert via_cli.exit_code == 0, via_cli.output
    subprocess.run(
        [sys.executable, "-m", "copier", "copy", "--trust", "--vcs-ref", "HEAD", "--defaults", *data,
         str(REPO), "copier-out"],
        check=True, capture_output=True,
    )  # fmt: skip
    assert tree(Path("cli-out")) == tree(Path("copier-out"))


def tree(root: Path) -> dict[str, str]:
    """Every rendered file but the secret-holding .env, which differs by design.

    `_commit` is left out: rendering a dirty checkout at HEAD makes a new temporary commit each time.
    """
    return {
        str(path.relative_to(root)): "".join(
            line
            for line in path.read_text().splitlines(keepends=True)
            if not line.startswith("_commit:")
        )
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != ".env"
    }


def test_ctrl_c_while_rendering_removes_the_half_written_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copier

    real_copy = copier.run_copy

    def interrupted_copy(*, dst_path: Path, pretend: bool = False, **kwargs: object) -> object:
        if pretend:  # the questions
            return real_copy(dst_path=dst_path, pretend=pretend, **kwargs)
        Path(dst_path, "src").mkdir(parents=True)
        Path(dst_path, "src", "half.py").write_text("x = ")
        raise KeyboardInterrupt

    monkeypatch.setattr(copier, "run_copy", interrupted_copy)
    result = invoke("new", "proj", "--defaults")
    assert result.exit_code == 130, result.output
    assert list(Path.cwd().iterdir()) == []


def test_a_reader_that_goes_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """As with `fastapi-starter ... | head`: exit 141 (128 + SIGPIPE), no error line."""
    starter = Path(sys.executable).parent / "fastapi-starter"
    command = [str(starter), "new", "shop", "--defaults", "--no-install", "--no-git"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    process.stdout.close()  # before the command has written anything
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 141, stderr
    assert stderr == ""


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        ("uv run python -m shop create-api-key dev --name local", ["uv run python -m shop", "create-api-key dev", "--name local"]),
        ('git commit -am "Add the customers"', ["git commit -am", '"Add the customers"']),
        ("new --data-file ~/'my answers/a.yml' -y", ["new --data-file", "~/'my answers/a.yml'", "-y"]),
        ('echo "unclosed quote and more', ['echo "unclosed quote and more']),
    ],
)  # fmt: skip
def test_a_command_too_long_for_the_terminal_breaks_between_shell_words(
    command: str, shown: list[str]
) -> None:
    lines = output._command(command, "  ", columns=30).splitlines()
    assert [line.removesuffix(" \\").strip() for line in lines] == shown
    assert all(line.endswith(" \\") for line in lines[:-1])
