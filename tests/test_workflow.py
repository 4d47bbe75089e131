"""The GitHub workflow that shards the test tier is valid and selects exactly one combination per job."""

import shlex
import subprocess
import sys

import yaml
from combinations import ALL_QUESTIONS, REPO

from fastapi_starter import matrix
from fastapi_starter.answers import parse_pairs

WORKFLOW = REPO / ".github" / "workflows" / "template-ci.yml"


def answers_in(pytest_args: str) -> dict[str, str]:
    words = shlex.split(pytest_args)
    return parse_pairs(
        value for flag, value in zip(words[::2], words[1::2], strict=True) if flag == "--answer"
    )


def test_workflow_is_schema_valid() -> None:
    subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        check=True, capture_output=True,
    )  # fmt: skip


def test_workflow_plans_from_the_matrix_command_and_passes_each_row_to_pytest() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    plan = " ".join(step.get("run", "") for step in jobs["plan"]["steps"])
    assert "fastapi-starter matrix --tier test --json" in plan
    test_steps = " ".join(step.get("run", "") for step in jobs["test"]["steps"])
    assert "tests/test_generated_project.py ${{ matrix.pytest_args }}" in test_steps


def test_each_row_selects_exactly_its_own_combination() -> None:
    valid, _ = matrix.split(ALL_QUESTIONS, tier="test")
    for combination in valid:
        args = combination.as_row()["pytest_args"]
        selected, _ = matrix.split(ALL_QUESTIONS, tier="test", fixed=answers_in(args))
        assert selected == [combination]


def test_pytest_collects_one_test_for_a_row() -> None:
    valid, _ = matrix.split(ALL_QUESTIONS, tier="test")
    row = valid[-1].as_row()
    collected = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:cacheprovider",
         "-m", "slow", "tests/test_generated_project.py", *shlex.split(row["pytest_args"])],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tests = [line for line in collected.splitlines() if "::" in line]
    assert tests == [
        f"tests/test_generated_project.py::test_generated_project_passes_its_own_checks[{row['id']}]"
    ]
