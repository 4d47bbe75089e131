"""copier.yml itself: every question is documented and its validators refuse bad answers."""

import keyword
import sys
from pathlib import Path

import pytest
import yaml
from combinations import QUESTIONS, REPO
from copier import run_copy

CONFIG = yaml.safe_load((REPO / "copier.yml").read_text())


def test_settings_the_template_relies_on() -> None:
    assert CONFIG["_subdirectory"] == "template"
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
