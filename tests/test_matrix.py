"""The combinations CI proves are computed from copier.yml and agree with Copier's own validation."""

import json
import math
import subprocess
from pathlib import Path

import pytest
from combinations import ALL_QUESTIONS, QUESTIONS, REPO
from copier import run_copy
from typer.testing import CliRunner

from fastapi_starter import cli, matrix, questions
from fastapi_starter.errors import StarterError

CHOICE_QUESTIONS = [question for question in QUESTIONS if question.enumerable]


@pytest.mark.parametrize("question", QUESTIONS, ids=lambda question: question.name)
def test_every_question_declares_its_tier(question: questions.Question) -> None:
    assert question.tier in questions.TIERS


def test_all_tier_is_every_combination() -> None:
    valid, refused = matrix.split(ALL_QUESTIONS, tier="all")
    expected = math.prod(len(question.values) for question in CHOICE_QUESTIONS)
    assert len(valid) + len(refused) == expected
    assert len(set(valid)) == len(valid)


def test_render_tier_has_every_code_combination_and_covers_every_triple() -> None:
    rendered, _ = matrix.split(ALL_QUESTIONS, tier="render")
    every, _ = matrix.split(ALL_QUESTIONS, tier="all")
    render_only = {question.name for question in CHOICE_QUESTIONS if question.tier == "render"}

    def code(combination: matrix.Combination) -> dict[str, str]:
        return {k: v for k, v in combination.data.items() if k not in render_only}

    code_product = math.prod(
        len(question.values) for question in CHOICE_QUESTIONS if question.name not in render_only
    )
    assert len({tuple(code(c).items()) for c in rendered}) == code_product
    assert len(set(rendered)) == len(rendered) < len(every)
    covered = set().union(*(matrix.covered_triples(c, render_only) for c in rendered))
    wanted = set().union(*(matrix.covered_triples(c, render_only) for c in every))
    assert covered == wanted
    # One render-only answer with two others, e.g. ci=gitlab with database=mysql and orm=sqlmodel.
    assert (("ci", "gitlab"), ("database", "mysql"), ("orm", "sqlmodel")) in covered


def test_test_tier_multiplies_test_questions_and_tries_each_other_value_once() -> None:
    valid, refused = matrix.split(ALL_QUESTIONS, tier="test")
    tested = [combination.data for combination in valid + [r.combination for r in refused]]
    multiplied = [question for question in CHOICE_QUESTIONS if question.tier == "test"]
    each = [question for question in CHOICE_QUESTIONS if question.tier == "test-each"]
    at_default = [question for question in CHOICE_QUESTIONS if question.tier == "render"]
    extra = sum(len(question.values) - 1 for question in each)
    assert len(tested) == math.prod(len(question.values) for question in multiplied) + extra
    for question in at_default:
        assert {answers[question.name] for answers in tested} == {question.default_value}
    for question in each:
        for value in question.values:
            if value != question.default_value:
                assert sum(answers[question.name] == value for answers in tested) == 1


def test_filters_keep_one_choice() -> None:
    auth = next(question for question in CHOICE_QUESTIONS if question.name == "auth")
    for value in auth.values:
        valid, _ = matrix.split(ALL_QUESTIONS, tier="render", fixed={"auth": value})
        assert valid
        assert {combination.data["auth"] for combination in valid} == {value}


@pytest.mark.parametrize(
    ("fixed", "message"),
    [
        ({"auth": "basic"}, "not a choice of auth"),
        ({"project_name": "x"}, "Can only filter on choice"),
    ],
)
def test_bad_filters_are_refused(fixed: dict[str, str], message: str) -> None:
    with pytest.raises(StarterError, match=message):
        matrix.split(ALL_QUESTIONS, fixed=fixed)


def test_every_refused_combination_is_refused_by_copier(tmp_path: Path) -> None:
    _, refused = matrix.split(ALL_QUESTIONS, tier="all")
    for refusal in refused:
        with pytest.raises(ValueError) as error:
            run_copy(
                str(REPO), tmp_path / "out", data=refusal.combination.data, defaults=True,
                pretend=True, quiet=True, unsafe=True, vcs_ref="HEAD",
            )  # fmt: skip
        assert str(error.value) == refusal.reason


SYNTHETIC = """\
_subdirectory: template
database:
  type: str
  help: Database
  tier: test
  choices:
    SQLite: sqlite
    PostgreSQL: postgresql
  default: sqlite
orm:
  type: str
  help: ORM
  tier: test
  choices:
    SQLAlchemy: sqlalchemy
    Tortoise:
      value: tortoise
      validator: "{% if database == 'sqlite' %}Tortoise needs a server here{% endif %}"
  default: sqlalchemy
{extra}"""
COLOUR = """\
colour:
  type: str
  help: Colour
  tier: render
  choices: [red, blue]
  default: red
"""


def synthetic_template(root: Path, extra: str = "") -> list[questions.Question]:
    (root / "template").mkdir(parents=True)
    (root / "template" / "db.txt.jinja").write_text("{{ database }} {{ orm }}\n")
    (root / "copier.yml").write_text(SYNTHETIC.replace("{extra}", extra))
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "t"],
        cwd=root,
        check=True,
    )
    return questions.load(root / "copier.yml")


def test_per_choice_validators_agree_with_copier(tmp_path: Path) -> None:
    template = tmp_path / "tpl"
    synthetic = synthetic_template(template)
    valid, refused = matrix.split(synthetic, tier="render")
    assert [r.combination.data for r in refused] == [{"database": "sqlite", "orm": "tortoise"}]
    assert refused[0].reason == "Invalid choice for 'orm': Tortoise needs a server here"
    for index, combination in enumerate(valid):
        run_copy(
            str(template), tmp_path / f"ok{index}", data=combination.data, defaults=True, quiet=True
        )
        assert (tmp_path / f"ok{index}" / "db.txt").read_text().split() == list(
            combination.data.values()
        )
    with pytest.raises(ValueError) as error:
        run_copy(
            str(template),
            tmp_path / "no",
            data=refused[0].combination.data,
            defaults=True,
            quiet=True,
        )
    assert str(error.value) == refused[0].reason


def test_a_new_question_enters_the_matrix_with_no_other_change(tmp_path: Path) -> None:
    before, _ = matrix.split(synthetic_template(tmp_path / "a"), tier="all")
    after, _ = matrix.split(synthetic_template(tmp_path / "b", COLOUR), tier="all")
    assert len(after) == 2 * len(before)
    rendered, _ = matrix.split(synthetic_template(tmp_path / "d", COLOUR), tier="render")
    assert {combination.data["colour"] for combination in rendered} == {"red", "blue"}
    tested, _ = matrix.split(synthetic_template(tmp_path / "c", COLOUR), tier="test")
    assert {combination.data["colour"] for combination in tested} == {"red"}, (
        "render-only: at its default"
    )


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli.build_app(), ["matrix", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("tier", matrix.TIERS)
def test_matrix_command_prints_each_tier(tier: str) -> None:
    valid, _ = matrix.split(ALL_QUESTIONS, tier=tier)
    lines = invoke("--tier", tier).splitlines()
    assert lines == [str(combination) for combination in valid]
    assert all(f"{q.name}=" in line for line in lines for q in CHOICE_QUESTIONS)
    rows = json.loads(invoke("--tier", tier, "--json"))
    assert [row["answers"] for row in rows] == [combination.data for combination in valid]
    assert all(row["pytest_args"].startswith("--answer ") for row in rows)


def test_matrix_command_filters_and_lists_invalid() -> None:
    lines = invoke("-d", "auth=none").splitlines()
    assert lines and all("auth=none" in line for line in lines)
    _, refused = matrix.split(ALL_QUESTIONS)
    assert len(json.loads(invoke("--invalid", "--json"))) == len(refused)


def test_matrix_command_refuses_a_bad_tier() -> None:
    result = CliRunner().invoke(cli.build_app(), ["matrix", "--tier", "nightly"])
    assert result.exit_code == 1
    assert result.stderr == "Error: Unknown tier 'nightly': use render, test, all\n"
