"""The fields of ``add resource``, asked one by one with questionary (as Copier asks ``new``'s)."""

from pathlib import Path
from typing import Any

from fastapi_starter.errors import StarterError
from fastapi_starter.prompts import _error, _placeholder
from fastapi_starter.resource import DEFAULT_STR_LENGTH, Project, field_types, fields_problem


def _answer(question: Any) -> Any:
    answer = question.unsafe_ask()  # Ctrl-C raises KeyboardInterrupt: the CLI says "Aborted."
    return answer


def ask_fields(project: Project, resource: str, copier_yml: Path) -> list[dict[str, Any]]:
    """Fields until an empty name, each checked by copier.yml's validation as it is given (a
    refused one is asked again); a resource name that copier.yml refuses stops before the first."""
    import questionary

    # The name first: with no field yet, the only problem can be the missing field.
    fields_problem(project, resource, [], copier_yml)
    fields: list[dict[str, Any]] = []
    while True:
        name = _answer(questionary.text("Field name (empty to finish):")).strip()
        if not name:
            if fields:
                break
            _error("A resource needs at least one field")
            continue
        field = _ask_field(project, name)
        if problem := fields_problem(project, resource, [*fields, field], copier_yml):
            _error(problem)
            continue
        fields.append(field)
    return fields


def _ask_field(project: Project, name: str) -> dict[str, Any]:
    import questionary

    kind = _answer(questionary.select(f"Type of {name}:", choices=field_types()))
    field: dict[str, Any] = {"name": name, "type": kind}
    if kind == "str":
        # The default as a placeholder that typing replaces (a pre-filled "255" became "25580").
        length = _answer(
            questionary.text(
                "Maximum length:",
                placeholder=_placeholder(str(DEFAULT_STR_LENGTH)),
                validate=lambda text: not text.strip() or text.strip().isdigit() or "A number",
            )
        ).strip()
        field["length"] = int(length or DEFAULT_STR_LENGTH)
    elif kind == "enum":
        values = _answer(questionary.text("Values (comma-separated):"))
        field["values"] = [value.strip() for value in values.split(",") if value.strip()]
    elif kind == "ref":
        if not project.resources:
            raise StarterError("The project has no resource to reference yet")
        field["ref"] = _answer(
            questionary.select("Resource it references:", choices=sorted(project.resources))
        )
    if kind not in {"text", "bool"}:
        field["unique"] = _answer(questionary.confirm("Unique?", default=False))
    default = ""
    if kind not in {"ref", "uuid", "date", "datetime"}:
        default = _answer(questionary.text("Default (empty for none):")).strip()
    if default:  # a field with a default is never null: whether it is required does not arise
        field.update(default=default, required=True)
    else:
        field["required"] = _answer(questionary.confirm("Required?", default=True))
    return field
