"""The fields of ``add resource``, asked one by one with questionary (as Copier asks ``new``'s)."""

from pathlib import Path
from typing import Any

from fastapi_starter.prompts import _error, _placeholder
from fastapi_starter.resource import DEFAULT_STR_LENGTH, Project, field_types, fields_problem


def _answer(question: Any) -> Any:
    answer = question.unsafe_ask()  # Ctrl-C raises KeyboardInterrupt: the CLI says "Aborted."
    return answer


def ask_fields(project: Project, resource: str, copier_yml: Path) -> list[dict[str, Any]]:
    """Fields until an empty name, checked by copier.yml's validation as they are given: a refused
    name, type or option is asked again from the name, a refused default alone. A resource name
    that copier.yml refuses stops before the first field."""
    import questionary

    # The name first: with no field yet, the only problem can be the missing field.
    fields_problem(project, resource, [], copier_yml)
    fields: list[dict[str, Any]] = []

    def refused(field: dict[str, Any]) -> bool:
        problem = fields_problem(project, resource, [*fields, field], copier_yml)
        if problem:
            _error(problem)
        return bool(problem)

    while True:
        name = _answer(questionary.text("Field name (empty to finish):")).strip()
        if not name:
            if fields:
                break
            _error("A resource needs at least one field")
            continue
        # A text field with nothing more is refused for its name only.
        if refused({"name": name, "type": "text"}):
            continue
        field = _ask_kind(project, name)
        if refused(field):  # asked again from its name: the type may not suit the name
            continue
        takes_default = field["type"] not in field_types(listed="resource_types_without_default")
        default = _ask_default() if takes_default else ""
        while default and refused({**field, "default": default}):
            default = _ask_default()
        if default:  # never null: whether it is required does not arise
            field.update(default=default, required=True)
        else:
            field["required"] = _answer(questionary.confirm("Required?", default=True))
        fields.append(field)
    return fields


def _ask_default() -> str:
    import questionary

    return str(_answer(questionary.text("Default (empty for none):"))).strip()


def _ask_kind(project: Project, name: str) -> dict[str, Any]:
    """The type, its argument and whether it is unique."""
    import questionary

    # A reference needs a resource to point to.
    kinds = [kind for kind in field_types() if kind != "ref" or project.resources]
    kind = _answer(questionary.select(f"Type of {name}:", choices=kinds))
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
        field["ref"] = _answer(
            questionary.select("Resource it references:", choices=sorted(project.resources))
        )
    if kind not in field_types(listed="resource_types_not_unique"):
        field["unique"] = _answer(questionary.confirm("Unique?", default=False))
    return field
