"""Checks on a rendered project's files, shared by the render tests."""

import json
import re
from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
from ruamel.yaml import YAML

TEXT_SUFFIXES = {
    ".py",
    ".toml",
    ".md",
    ".yml",
    ".yaml",
    ".ini",
    ".cfg",
    ".txt",
    ".mako",
    ".example",
    "",
}
JINJA_RESIDUE = re.compile(r"(?<!\$)\{\{|\{%|%\}|\{#|#\}")


def text_files(project: Path) -> Iterator[Path]:
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts and path.suffix in TEXT_SUFFIXES:
            yield path


def jinja_residue(project: Path) -> list[str]:
    return [
        f"{path.relative_to(project)}:{number}: {line.strip()}"
        for path in text_files(project)
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if JINJA_RESIDUE.search(line)
    ]


def layout_problems(path: Path) -> list[str]:
    """Blank-line hygiene of a hand-written file: no blank start, one final newline, no blank runs;
    in Markdown, no line written twice in a row (two branches of a template that both render).

    Python files may keep the two blank lines that PEP 8 puts between top-level definitions.
    """
    text = path.read_text()
    problems = []
    if not text:
        return problems
    if text.startswith("\n"):
        problems.append("starts with a blank line")
    if not text.endswith("\n") or text.endswith("\n\n"):
        problems.append("does not end with exactly one newline")
    allowed_blank_run = 2 if path.suffix == ".py" else 1
    if "\n" * (allowed_blank_run + 2) in text:
        problems.append(f"has more than {allowed_blank_run} blank line(s) in a row")
    lines = text.splitlines()
    if any(line != line.rstrip() for line in lines):
        problems.append("has trailing whitespace")
    if path.suffix == ".md":
        problems += [
            f"repeats line {number}: {line.strip()}"
            for number, (previous, line) in enumerate(pairwise(lines), 2)
            if line == previous and re.search(r"\w", line)
        ]
    return problems


# Which of check-jsonschema's vendored schemas each generated YAML file must match.
YAML_SCHEMAS = {
    "compose.yaml": "compose-spec",
    ".github/workflows/*.yml": "github-workflows",
    ".github/dependabot.yml": "dependabot",
    ".gitlab-ci.yml": "gitlab-ci",
}


@cache
def _validator(schema_name: str) -> Any:
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads((vendor / f"{schema_name}.json").read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def schema_problems(project: Path) -> list[str]:
    """Every known YAML file of the project, validated in-process against its schema."""
    problems = []
    for pattern, schema_name in YAML_SCHEMAS.items():
        for path in sorted(project.glob(pattern)):
            # YAML 1.2, as GitHub and check-jsonschema read it (`on:` is a key, not True).
            document = YAML(typ="safe", pure=True).load(path.read_text())
            problems += [
                f"{path.relative_to(project)} ({schema_name}): {error.message}"
                for error in _validator(schema_name).iter_errors(document)
            ]
    return problems


def layout_listing(readme: str) -> set[str]:
    """The paths that the README's Layout block lists, from its indentation (four spaces a level)."""
    block = readme.partition("### Layout")[2].partition("```text\n")[2].partition("```")[0]
    listed: set[str] = set()
    parents: list[str] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 4
        name = line.split()[0]
        parents = [*parents[:depth], name]
        listed.add("".join(parents).rstrip("/"))
    return listed


# Top-level entries that a Layout need not list: the README itself, the local settings, and what
# git and the tools make.
UNLISTED = {"README.md", "src", ".env", ".git", ".venv"}


def unlisted_files(project: Path, package: str) -> list[str]:
    """Files of the package, top-level entries (dotfiles too) and the tests' helper modules that
    the README's Layout does not list, and listed paths that do not exist."""
    listed = layout_listing((project / "README.md").read_text())
    source = project / "src" / package
    present = {
        f"src/{package}/{path.relative_to(source).as_posix()}"
        for path in source.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    present |= {
        path.name
        for path in project.iterdir()
        if path.name not in UNLISTED and not path.name.endswith("_cache")
    }
    present |= {
        f"tests/{path.name}"
        for path in (project / "tests").glob("*.py")
        if path.name != "__init__.py" and not path.name.startswith("test_")
    }
    missing = sorted(present - listed)
    stale = sorted(path for path in listed - present if not (project / path).exists())
    return [f"not listed: {path}" for path in missing] + [
        f"listed, absent: {path}" for path in stale
    ]
