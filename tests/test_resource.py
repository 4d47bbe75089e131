"""`fastapi-starter add resource`: what it writes, what it refuses, and the render tier's checks on it.

The test tier (test_generated_project.py) runs each ORM x auth pairing's own tests, lint, types and
migration check with two added resources; test_update.py updates a project with a resource.
"""

import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from combinations import ALL_QUESTIONS, REPO
from resources import ORDERS, add_two_resources, commit, gets_resources
from test_render import (
    check_files_read_as_hand_written,
    check_no_jinja_residue,
    check_python_compiles,
    check_ruff_lint_and_format,
    with_longest_names,
)
from typer.testing import CliRunner, Result

from fastapi_starter import cli, resource
from fastapi_starter.errors import StarterError
from fastapi_starter.matrix import Combination, refusal, split

Render = Callable[[Combination], Path]
PAIRINGS = [c for c in split(ALL_QUESTIONS, tier="test")[0] if gets_resources(c)]
DEFAULT = split(ALL_QUESTIONS, tier="test", fixed={"database": "sqlite"})[0][0]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli.build_app(), list(args))


def status(project: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def project(render: Render, tmp_path: Path) -> Path:
    """A committed default project, with `add resource` rendering from the working tree's template."""
    project = Path(shutil.copytree(render(DEFAULT), tmp_path / "project"))
    commit(project, "New project")
    return project


@pytest.fixture
def add(template_snapshot: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """`add resource --path PROJECT ...`, rendering from the working tree's template."""
    monkeypatch.setattr(resource, "render_source", lambda _project: (str(template_snapshot), None))

    def adding(project: Path, *args: str) -> Result:
        return invoke("add", "resource", "--path", str(project), *args)

    return adding


# ---------------------------------------------------------------- the render tier, on resources


@pytest.mark.parametrize("combination", PAIRINGS, ids=lambda c: c.id)
def test_added_resources_pass_the_render_checks(
    combination: Combination, render: Render, template_snapshot: Path, tmp_path: Path
) -> None:
    """No residue, hand-written layout, formatted and lint-free, no word of another choice; with
    the longest package name allowed."""
    from other_choices import words_of_other_choices

    project = Path(shutil.copytree(render(with_longest_names(combination)), tmp_path / "p"))
    files = add_two_resources(project, template_snapshot)
    assert len(files) >= 2 * 12
    failures = {}
    for check in (
        check_no_jinja_residue,
        check_files_read_as_hand_written,
        check_ruff_lint_and_format,
        check_python_compiles,
    ):
        try:
            check(project, combination, tmp_path)
        except AssertionError as error:
            failures[check.__name__] = str(error)
    words = words_of_other_choices(project, combination.data)
    assert failures == {}
    assert [word for word in words if "copier-answers" not in word] == []


def test_items_render_from_the_resource_templates(
    render: Render, template_snapshot: Path, tmp_path: Path
) -> None:
    """A resource with the example's fields is the example, modulo its names: one template for both."""
    for combination in PAIRINGS:
        project = Path(shutil.copytree(render(combination), tmp_path / combination.id))
        commit(project, "New project")
        fields = ["title:str:200", "description:str:2000:optional"]
        resource.add_resource(
            project,
            "things",
            [resource.parse_field(f) for f in fields],
            template=str(template_snapshot),
        )
        package = next(p for p in (project / "src").iterdir() if p.is_dir())
        for name in ("models", "schemas", "service", "router", "dependencies", "exceptions"):
            items = (package / "items" / f"{name}.py").read_text().replace(".items()", ".ITEMS()")
            for old, new in (("items", "things"), ("Item", "Thing"), ("item", "thing")):
                items = items.replace(old, new)
            assert (
                items.replace(".ITEMS()", ".items()")
                == (package / "things" / f"{name}.py").read_text()
            )


# ---------------------------------------------------------------- the command


def test_add_writes_the_domain_and_registers_it_in_two_lines_each(
    project: Path, add: Callable[..., Result]
) -> None:
    result = add(project, "orders", *[f"--field={f}" for f in ORDERS[1:]])
    assert result.exit_code == 0, result.output
    package = "src/my_api"
    written = set(status(project).split("\n"))
    for name in ("models", "schemas", "service", "router", "dependencies", "exceptions"):
        assert (project / package / "orders" / f"{name}.py").is_file(), name
    assert (project / "migrations" / "versions" / "0002_orders.py").is_file()
    assert (project / "tests" / "orders" / "test_orders.py").is_file()
    assert (project / ".copier-answers.orders.yml").is_file()
    assert f" M {package}/main.py" in written and f" M {package}/models.py" in written
    diff = subprocess.run(
        ["git", "diff", "-U0", "--", package],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    changed = [line for line in diff.splitlines() if re.match(r"[-+][^-+]", line)]
    assert changed == [
        "+from my_api.orders.router import router as orders_router",
        "+    app.include_router(orders_router)",
        "+from my_api.orders.models import Order",
        '-__all__ = ["Base", "Item", "RefreshToken", "User"]',
        '+__all__ = ["Base", "Item", "Order", "RefreshToken", "User"]',
    ]
    assert "Wrote" in result.output and "Registered it in" in result.output
    migrate = "tortoise migrate" if DEFAULT.data["orm"] == "tortoise" else "alembic upgrade head"
    assert result.output.endswith(
        f"Next steps:\n    cd {project}\n    git add -A && git diff --staged\n"
        f'    uv run {migrate}\n    uv run pytest\n    git commit -am "Add orders"\n'
    )


def test_pretend_writes_nothing(project: Path, add: Callable[..., Result]) -> None:
    result = add(project, "orders", "--pretend", "-f", "title:str:80")
    assert result.exit_code == 0, result.output
    assert "Would write" in result.output and "orders/models.py" in result.output
    assert status(project) == ""


def test_plain_copier_copy_prints_the_lines_that_register_it(
    project: Path, template_snapshot: Path
) -> None:
    """Copier alone does not register a resource: its message gives the lines, which work."""
    copied = subprocess.run(
        [
            str(Path(sys.executable).parent / "copier"), "copy", "--trust", "--defaults",
            "--data-file", ".copier-answers.yml", "--answers-file", ".copier-answers.orders.yml",
            "--data", "resource=orders", "--data", "resource_fields=[{name: code, type: int}]",
            str(template_snapshot), ".",
        ],
        cwd=project, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    message = copied.stderr[copied.stderr.index("Wrote the resource orders.") :]
    assert "\n\n\n" not in message.strip()
    assert max(len(line) for line in message.splitlines()) <= 80
    lines = [line.strip() for line in message.strip().splitlines()]
    package = project / "src" / "my_api"
    registered = resource.registrations(resource.read_project(project), "orders", "order")

    def added(path: Path) -> set[str]:
        before = {line.strip() for line in path.read_text().splitlines()}
        return {line.strip() for line in registered[path].splitlines()} - before

    in_main = lines[lines.index("in src/my_api/main.py") + 1 :][:2]
    assert set(in_main) == added(package / "main.py")
    in_models = lines[lines.index("in src/my_api/models.py, and in its __all__") + 1]
    assert in_models in added(package / "models.py")
    assert lines[-2:] == ["uv run ruff check --fix", "uv run alembic upgrade head"]


def test_help_lists_copier_ymls_field_types(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI keeps no list of its own: a type added to copier.yml shows in `--help`."""
    from fastapi_starter import template_source

    config = (template_source.locate().copier_yml).read_text()
    changed = config.replace("default: [str, text, int,", "default: [str, text, json, int,")
    assert changed != config
    (tmp_path / "copier.yml").write_text(changed)
    monkeypatch.setattr(
        template_source, "locate", lambda: template_source.TemplateSource(tmp_path, None)
    )
    result = invoke("add", "resource", "--help")
    assert result.exit_code == 0, result.output
    assert "Field types: str (ARG: length, default 255), text, json, int," in " ".join(
        result.output.split()
    )


def test_a_singular_can_be_given(project: Path, add: Callable[..., Result]) -> None:
    result = add(project, "equipment", "--singular", "device", "-f", "title:str:80")
    assert result.exit_code == 0, result.output
    models = (project / "src" / "my_api" / "equipment" / "models.py").read_text()
    assert "class Device(" in models and '"equipment"' in models


@pytest.mark.parametrize(
    ("orm", "name"),
    [
        ("tortoise", "save"),
        ("tortoise", "pk"),
        ("sqlmodel", "sqlmodel_update"),
        ("sqlalchemy", "registry"),
    ],
)
def test_a_field_cannot_shadow_an_attribute_of_its_orms_model(orm: str, name: str) -> None:
    """Each ORM's own: the model would not be defined (Tortoise), or would warn (SQLAlchemy)."""

    def problem(orm: str) -> str | None:
        field = {"name": name, "type": "int", "required": True}
        return refusal(
            ALL_QUESTIONS, {"orm": orm, "resource": "orders", "resource_fields": [field]}
        )

    assert problem(orm) == (
        f"Validation error for question 'resource_fields': Field '{name}' is a reserved name: "
        "the model has an attribute of that name"
    )
    assert problem("tortoise" if orm != "tortoise" else "sqlalchemy") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["class", "-f", "a:int"], "'class' is a Python keyword"),
        (["items", "-f", "a:int"], "'items' is taken by the project"),
        (["users", "-f", "a:int"], "'users' is taken by the project"),  # a table and a route
        (["health", "-f", "a:int"], "'health' is taken by the project"),  # a route
        (["config", "-f", "a:int"], "'config' is taken by the project"),  # a module
        (["Orders-2", "-f", "a:int"], "'Orders-2' is not a name"),
        (["", "-f", "a:int"], "A resource needs a name: plural, lowercase"),
        (["orders"], "No terminal to ask the fields on"),
        (["orders", "-f", "title"], "write name:type"),
        (["orders", "-f", "title:strr"], "unknown type 'strr'"),
        (["orders", "-f", "status:enum"], "an enum needs its values"),
        (["orders", "-f", "n:int:required"], "an int takes no argument ('required'); its options"),
        (["orders", "-f", "customer:ref:customers"], "the project has no resource 'customers'"),
        (["orders", "-f", "id:int"], "Field 'id' is a reserved name"),
        (["orders", "-f", "note:text:unique"], "a text cannot be unique"),
        (["orders", "-f", "url:str:2048:unique"], "a unique str holds at most 255 characters"),
        (["orders", "-f", "a:int", "-f", "a:str"], "Field 'a' is given twice"),
        (["orders", "-f", "s:enum:a,b=c"], "the default is not one of the values"),
        (["orders", "-f", "n:int=abc"], "an int's default is a whole number from"),
        (["orders", "-f", "n:int:optional=2147483648"], "an int's default is a whole number"),
        (["orders", "-f", "paid:bool=maybe"], "a bool's default is true or false"),
        (["orders", "-f", "total:decimal=1.234"], "at most 10 digits before the point and 2"),
        (["orders", "-f", "total:decimal=abc"], "a decimal's default is a number with at most"),
        (["orders", "-f", "code:str:3=abcd"], "the default is longer than the field (3"),
        (["orders", "-f", 'code:str=a"b'], "a default without double quotes, backslashes"),
        (["orders", "-f", "note:text=a\\b"], "a default without double quotes, backslashes"),
        (["orders", "-f", "n:int:optional=5"], "a field with a default is never null; drop"),
        (["orders", "-f", "Title:str"], "Field 'Title': use lowercase"),
        (["orders", "-f", "json:str"], "Field 'json' is a reserved name: the model's schemas have"),
        (["orders", "-f", "metadata:str"], "Field 'metadata' is a reserved name: the model has"),
        (["equipment", "-f", "a:int"], "'equipment' is its own singular: give one, e.g."),
        (["orders", "--singular", "x" * 21, "-f", "a:int"], "at most 20 characters"),
    ],
)
def test_bad_input_is_one_line_and_touches_nothing(
    project: Path, add: Callable[..., Result], args: list[str], message: str
) -> None:
    result = add(project, *args)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message in lines[0] and "question" not in lines[0]  # named as the command names it
    assert status(project) == ""


def test_an_existing_resource_is_refused(project: Path, add: Callable[..., Result]) -> None:
    assert add(project, "orders", "-f", "a:int").exit_code == 0
    commit(project, "orders")
    again = add(project, "orders", "-f", "a:int")
    assert again.exit_code == 1
    assert "'orders' is taken by the project" in again.output
    assert status(project) == ""


def test_a_dirty_tree_is_refused(project: Path, add: Callable[..., Result]) -> None:
    (project / "notes.md").write_text("wip\n")
    result = add(project, "orders", "-f", "a:int")
    assert result.exit_code == 1
    assert "uncommitted changes (notes.md)" in result.output
    assert "so that the new resource can be reviewed and undone" in result.output
    assert status(project) == "?? notes.md\n"


def test_a_missing_project_folder_is_named(tmp_path: Path) -> None:
    result = invoke("add", "resource", "orders", "--path", str(tmp_path / "nowhere"), "-f", "a:int")
    assert result.exit_code == 1
    assert result.output == f"Error: No such directory: {tmp_path / 'nowhere'}\n"


def test_a_template_version_that_is_gone_is_one_line(project: Path) -> None:
    """The answers record a commit that the template does not have (made from uncommitted
    template changes): the message says so, and nothing is written."""
    answers = project / ".copier-answers.yml"
    recorded = {**yaml.safe_load(answers.read_text()), "_commit": "deadbee", "_src_path": str(REPO)}
    answers.write_text(yaml.safe_dump(recorded))
    commit(project, "Recorded version")
    result = invoke("add", "resource", "orders", "--path", str(project), "-f", "a:int")
    assert result.exit_code == 1
    assert result.output == (
        "Error: The template has no version deadbee, which the project's answers record: the "
        "project was made from uncommitted template changes, or that commit is gone\n"
    )
    assert status(project) == ""


def test_help_names_the_field_syntax() -> None:
    result = invoke("add", "resource", "--help")
    assert result.exit_code == 0
    for word in ("--field", "--pretend", "NAME:TYPE[:ARG][:unique][:optional][=DEFAULT]"):
        assert word in result.output


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ("customer:str:120", {"name": "customer", "type": "str", "length": 120}),
        ("note:str", {"name": "note", "type": "str", "length": 255}),
        ("paid:bool=false", {"name": "paid", "type": "bool", "default": "false"}),
        ("s:enum:a,b:unique", {"name": "s", "type": "enum", "values": ["a", "b"], "unique": True}),
        (
            "c:ref:customers:optional",
            {"name": "c", "type": "ref", "ref": "customers", "required": False},
        ),
    ],
)
def test_field_specs(spec: str, field: dict[str, Any]) -> None:
    parsed = resource.parse_field(spec)
    assert {key: parsed[key] for key in field} == field


def test_a_str_length_is_a_number() -> None:
    with pytest.raises(StarterError, match="a str's length is a number"):
        resource.parse_field("a:str:long")


# ---------------------------------------------------------------- a real terminal, 80 columns


def test_fields_are_asked_at_a_terminal_of_80_columns(tmp_path: Path) -> None:
    import os
    import sys

    import pexpect

    starter = str(Path(sys.executable).parent / "fastapi-starter")
    env = {**os.environ, "NO_COLOR": "1", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    made = subprocess.run(
        [starter, "new", "shop", "--defaults", "--no-install"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    project = tmp_path / "shop"

    def refused(name: str) -> str:
        """What `add resource NAME` printed before it stopped, asking nothing (exit code 1)."""
        child = pexpect.spawn(
            starter, ["add", "resource", name, "--path", "shop"], cwd=tmp_path, env=env,
            dimensions=(40, 80), encoding="utf-8", timeout=60,
        )  # fmt: skip
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 1, child.before
        return str(child.before).strip()

    # A name that copier.yml refuses stops before the first field is asked.
    assert refused("items") == (
        "Error: 'items' is taken by the project (a module, route or table of that name)"
    )
    # So does a dirty tree: before the first field is asked, not after the last.
    (project / "notes.md").write_text("wip\n")
    assert "uncommitted changes (notes.md)" in refused("orders")
    (project / "notes.md").unlink()
    child = pexpect.spawn(
        starter,
        ["add", "resource", "orders", "--path", "shop", "--vcs-ref", "HEAD"],
        cwd=tmp_path,
        env=env,
        dimensions=(40, 80),
        encoding="utf-8",
        timeout=120,
    )
    child.expect_exact("Field name (empty to finish):")
    child.send("\r")  # none yet: asked again
    child.expect_exact("A resource needs at least one field")
    child.expect_exact("Field name (empty to finish):")
    child.send("id\r")  # refused as soon as it is given
    child.expect_exact("Field 'id' is a reserved name")
    child.expect_exact("Field name (empty to finish):")
    child.send("count\r")
    child.expect_exact("Type of count:")
    child.send("\x1b[B" * 2 + "\r")  # down to int
    child.expect_exact("Unique?")
    child.send("\r")
    child.expect_exact("Default (empty for none):")
    child.send("many\r")  # refused as it is given; only the default is asked again
    child.expect_exact("Field 'count': an int's default is a whole number")
    child.expect_exact("Default (empty for none):")
    child.send("7\r")
    child.expect_exact("Field name (empty to finish):")
    child.send("state\r")
    child.expect_exact("Type of state:")
    child.send("\x1b[B" * 8 + "\r")  # down to enum
    child.expect_exact("Values (comma-separated):")
    child.send("New,done\r")
    child.expect_exact("Unique?")
    child.send("n")  # refused: the field is asked again from its name
    child.expect_exact("Field 'state': an enum needs values (lowercase words)")
    child.expect_exact("Field name (empty to finish):")
    child.send("title\r")
    child.expect_exact("Type of title:")
    child.send("\r")  # the first type: str
    child.expect_exact("Maximum length:")
    child.send("120\r")  # typing replaces the default (255)
    for question in ("Unique?", "Default (empty for none):", "Required?"):
        child.expect_exact(question)
        child.send("\r")
    child.expect_exact("Field name (empty to finish):")
    child.send("code\r")
    child.expect_exact("Type of code:")
    child.send("\r")
    child.expect_exact("Maximum length:")
    child.send("\r")  # the default
    for question in ("Unique?", "Default (empty for none):"):
        child.expect_exact(question)
        child.send("\r")
    child.expect_exact("Required?")  # without a default: may it be left out?
    child.send("n")
    child.expect_exact("Field name (empty to finish):")
    child.send("status\r")
    child.expect_exact("Type of status:")
    child.send("\x1b[B" * 8 + "\r")  # down to enum
    child.expect_exact("Values (comma-separated):")
    child.send("new,done\r")
    child.expect_exact("Unique?")
    child.send("n")
    child.expect_exact("Default (empty for none):")
    child.send("new\r")  # a default: never null, so "Required?" is not asked
    child.expect_exact("Field name (empty to finish):")
    child.send("\r")
    child.expect_exact("Registered it in")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = yaml.safe_load((project / ".copier-answers.orders.yml").read_text())
    assert answers["resource_fields"] == [
        {"name": "count", "type": "int", "required": True, "unique": False, "default": "7"},
        {"name": "title", "type": "str", "length": 120, "required": True, "unique": False},
        {"name": "code", "type": "str", "length": 255, "required": False, "unique": False},
        {
            "name": "status",
            "type": "enum",
            "values": ["new", "done"],
            "required": True,
            "unique": False,
            "default": "new",
        },
    ]
    printed = str(child.before)
    assert all(len(line) <= 80 for line in printed.splitlines()), printed
    assert "    cd shop\r\n    git add -A && git diff --staged\r\n" in printed, printed
