"""copier.yml itself: every question is documented and its validators refuse bad answers."""

import itertools
import keyword
import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from combinations import QUESTIONS, REPO
from copier import run_copy
from jinja2 import Environment, StrictUndefined

CONFIG = yaml.safe_load((REPO / "copier.yml").read_text())


def test_settings_the_template_relies_on() -> None:
    # A project renders template/; a resource (the `resource` answer given) renders resource/.
    assert CONFIG["_subdirectory"] == "{{ 'resource' if resource else 'template' }}"
    assert CONFIG["_templates_suffix"] == ".jinja"
    assert CONFIG["_envops"] == {
        "keep_trailing_newline": True,
        "undefined": "jinja2.StrictUndefined",
    }
    assert "_min_copier_version" in CONFIG
    assert "_exclude" not in CONFIG, "_exclude replaces Copier's default excludes"
    assert (REPO / "template" / "{{ _copier_conf.answers_file }}.jinja").is_file()


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.name)
def test_every_question_has_type_help_and_default(question) -> None:
    assert question.help
    assert question.type in {"str", "bool", "int", "float", "yaml", "json"}
    assert question.default is not None
    if question.enumerable:
        assert question.default_value in question.values


def test_python_keywords_list_is_complete() -> None:
    assert sorted(CONFIG["python_keywords"]["default"]) == sorted(
        word for word in keyword.kwlist if word.islower()
    )


def test_stdlib_modules_list_covers_this_python() -> None:
    ours = set(CONFIG["stdlib_modules"]["default"])
    names = {
        name for name in sys.stdlib_module_names if not name.startswith("_") and name.islower()
    }
    assert names <= ours, sorted(names - ours)


# Distributions whose import names differ from their normalised names (PyPI metadata).
IMPORT_NAMES = {
    "pyjwt": {"jwt"},
    "python-multipart": {"python_multipart", "multipart"},
    "tortoise-orm": {"tortoise"},
}


def import_names(requirement: str) -> set[str]:
    distribution = re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower()
    return IMPORT_NAMES.get(distribution, {distribution.replace("-", "_")})


def rendered_pyprojects() -> list[dict[str, object]]:
    template = Environment(undefined=StrictUndefined, keep_trailing_newline=True).from_string(
        (REPO / "template" / "pyproject.toml.jinja").read_text()
    )
    choices = [question for question in QUESTIONS if question.enumerable]
    text = {question.name: "x" for question in QUESTIONS if not question.enumerable}
    return [
        tomllib.loads(
            template.render(
                **text,
                **{question.name: value for question, value in zip(choices, values, strict=True)},
            )
        )
        for values in itertools.product(*(question.values for question in choices))
    ]


def template_imports() -> set[str]:
    """Top-level modules imported by the template's Python files, but the project's own."""
    names = set()
    for path in (REPO / "template").rglob("*"):
        if path.is_file() and path.name.removesuffix(".jinja").endswith(".py"):
            text = path.read_text()
            names |= set(re.findall(r"^\s*(?:from|import) ([a-z_][a-z0-9_]*)", text, re.M))
    return names - set(sys.stdlib_module_names) - {"tests"}


def test_dependency_modules_list_is_true() -> None:
    """The package names that would shadow one of the project's dependencies: the import names of
    every combination's dependencies, and of what the generated code imports through them."""
    ours = set(CONFIG["dependency_modules"]["default"])
    declared = set()
    for pyproject in rendered_pyprojects():
        project = pyproject["project"]
        assert isinstance(project, dict)
        groups = pyproject["dependency-groups"]
        assert isinstance(groups, dict)
        for requirement in [*project["dependencies"], *itertools.chain(*groups.values())]:
            declared |= import_names(requirement)
    imported = template_imports()
    assert declared <= ours, sorted(declared - ours)
    assert imported <= ours, sorted(imported - ours)
    assert ours <= declared | imported, sorted(ours - declared - imported)


def _refusal(tmp_path: Path, **answers: str) -> str:
    with pytest.raises(ValueError) as refused:
        run_copy(
            str(REPO),
            tmp_path / "out",
            data=answers,
            defaults=True,
            pretend=True,
            quiet=True,
            vcs_ref="HEAD",
            unsafe=True,
        )
    return str(refused.value)


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"project_slug": "My_API"}, "lowercase letters, digits and single hyphens"),
        ({"project_slug": "1api"}, "starting with a letter"),
        ({"project_slug": "api--x"}, "single hyphens"),
        ({"package_name": "my-api"}, "lowercase letters, digits and underscores"),
        ({"package_name": "class"}, "is a Python keyword"),
        ({"package_name": "json"}, "would shadow the standard-library module"),
        ({"package_name": "email"}, "would shadow the standard-library module"),
        ({"package_name": "jwt"}, "would shadow the project's dependency"),
        ({"package_name": "fastapi"}, "would shadow the project's dependency"),
        ({"package_name": "sqlalchemy"}, "would shadow the project's dependency"),
        ({"package_name": "pydantic"}, "would shadow the project's dependency"),
        ({"package_name": "typer"}, "would shadow the project's dependency"),
        ({"author_email": "not-an-email"}, "is not an e-mail address"),
        ({"project_name": "  "}, "must not be empty"),
        ({"project_name": 'My "API"'}, "Quotes"),
        ({"description": "back\\slash"}, "backslashes are not allowed"),
        ({"author_name": 'Ada "The Countess"'}, "Quotes"),
        ({"auth": "basic"}, "Invalid choice for 'auth'"),
        ({"python_version": "3.10"}, "Invalid choice for 'python_version'"),
    ],
)
def test_validators_refuse_bad_answers(
    tmp_path: Path, answers: dict[str, str], message: str
) -> None:
    assert message in _refusal(tmp_path, **answers)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("name", "slug", "package"),
    [
        ("My API", "my-api", "my_api"),
        ("Shop 2 Go!", "shop-2-go", "shop_2_go"),
        ("billing", "billing", "billing"),
    ],
)
def test_slug_and_package_are_derived_from_the_name(
    tmp_path: Path, name: str, slug: str, package: str
) -> None:
    worker = run_copy(
        str(REPO),
        tmp_path / "out",
        data={"project_name": name},
        defaults=True,
        pretend=True,
        quiet=True,
        vcs_ref="HEAD",
        unsafe=True,
    )
    assert worker.answers.combined["project_slug"] == slug
    assert worker.answers.combined["package_name"] == package
