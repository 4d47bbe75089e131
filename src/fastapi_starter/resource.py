"""Add a resource (a domain like the example ``items``) to a project: ``fastapi-starter add resource``.

Copier renders it from the project's own template version (``resource/`` of the template, chosen by
the ``resource`` answer) with the project's answers and its own, recorded in
``.copier-answers.<resource>.yml`` so that ``update`` brings template changes into it. Questions and
validation are copier.yml's; this module finds what the project already has (its migration head,
its resources, its modules), parses ``--field`` specs, and registers the resource: one import and
one line in ``main.py`` (the router), one import and one name in ``models.py`` (the model).
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi_starter import questions, template_source
from fastapi_starter.errors import StarterError, without_question_name
from fastapi_starter.finish import display_path

DEFAULT_STR_LENGTH = 255
ANSWERS_GLOB = ".copier-answers.*.yml"
LINE_LENGTH = 100  # the generated projects' (ruff's line-length)


# What ARG is for the types that take one (see parse_field).
ARGUMENTS = {"str": f"length, default {DEFAULT_STR_LENGTH}", "enum": "a,b,c", "ref": "a resource"}


def field_types(
    template: list[questions.Question] | None = None, listed: str = "resource_field_types"
) -> list[str]:
    """The field types, as copier.yml lists them (`resource_field_types`, or another such list:
    `resource_types_not_unique`, `resource_types_without_default`)."""
    if template is None:
        template = questions.load(template_source.locate().copier_yml)
    return [str(kind) for kind in next(q for q in template if q.name == listed).default]


def field_types_help(template: list[questions.Question]) -> str:
    """``str (ARG: length, default 255), text, ...``: the types, with what ARG is."""
    return ", ".join(
        f"{kind} (ARG: {ARGUMENTS[kind]})" if kind in ARGUMENTS else kind
        for kind in field_types(template)
    )


def answers_file(name: str) -> str:
    return f".copier-answers.{name}.yml"


def parse_field(spec: str) -> dict[str, Any]:
    """``name:type[:arg][:unique][:optional][=default]`` as copier.yml's field mapping.

    ``arg`` is a str's length, an enum's values (``a,b,c``) or a ref's resource.
    """
    head, has_default, default = spec.partition("=")
    name, _, rest = head.partition(":")
    parts = rest.split(":") if rest else []
    if not name or not parts:
        raise StarterError(f"Field '{spec}': write name:type[:arg][:unique][:optional][=default]")
    kind, *options = parts
    field: dict[str, Any] = {"name": name.strip(), "type": kind.strip()}
    if field["type"] not in (types := field_types()):
        raise StarterError(f"Field '{spec}': unknown type '{kind}' ({', '.join(types)})")
    flags = {option for option in options if option in {"unique", "optional"}}
    args = [option for option in options if option not in flags]
    if len(args) > 1:
        raise StarterError(f"Field '{spec}': one argument at most after the type")
    arg = args[0] if args else None
    if field["type"] == "str":
        if arg is not None and not arg.isdigit():
            raise StarterError(f"Field '{spec}': a str's length is a number")
        field["length"] = int(arg) if arg else DEFAULT_STR_LENGTH
    elif field["type"] == "enum":
        if not arg:
            raise StarterError(
                f"Field '{spec}': an enum needs its values, e.g. status:enum:new,paid"
            )
        field["values"] = [value.strip() for value in arg.split(",")]
    elif field["type"] == "ref":
        if not arg:
            raise StarterError(
                f"Field '{spec}': a reference names a resource, e.g. customer:ref:customers"
            )
        field["ref"] = arg
    elif arg is not None:
        article = "an" if field["type"][0] in "aeio" else "a"  # an int, a uuid
        raise StarterError(
            f"Field '{spec}': {article} {field['type']} takes no argument ('{arg}'); its options "
            "are unique and optional"
        )
    field["required"] = "optional" not in flags
    field["unique"] = "unique" in flags
    if has_default:
        field["default"] = default
    return field


@dataclass(frozen=True)
class Project:
    root: Path
    answers: dict[str, Any]
    resources: dict[str, dict[str, Any]]
    """Each resource's recorded answers, by its name."""

    @property
    def package(self) -> Path:
        return self.root / "src" / str(self.answers["package_name"])

    @property
    def tortoise(self) -> bool:
        return self.answers.get("orm") == "tortoise"


def _load(path: Path) -> dict[str, Any]:
    import yaml  # slow to import: not on --help (build_app imports this module)

    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise StarterError(f"Cannot read {path}: {error}") from error
    if not isinstance(content, dict):
        raise StarterError(f"{path} does not hold a mapping of answers")
    return content


def read_project(root: Path) -> Project:
    path = root / ".copier-answers.yml"
    if not root.is_dir():
        raise StarterError(f"No such directory: {root}")
    if not path.is_file():
        raise StarterError(f"{root} has no .copier-answers.yml: it was not made from this template")
    resources = {}
    for file in sorted(root.glob(ANSWERS_GLOB)):
        recorded = _load(file)
        if recorded.get("resource"):
            resources[str(recorded["resource"])] = recorded
    return Project(root, _load(path), resources)


def open_project(root: Path) -> Project:
    """The project at ``root``, checked before a resource is asked or added: made from this
    template, in a clean git tree (what is added can then be reviewed and undone)."""
    from fastapi_starter.update import _check_clean, _repository_of

    project = read_project(root)
    what = "the new resource"
    _check_clean(_repository_of(root, what), what)
    return project


def _revisions(project: Project) -> list[tuple[str, str | None]]:
    """Each migration's (id, the id it follows): Alembic's revision ids, or Tortoise's names."""
    if project.tortoise:
        folder = project.package / "migrations"
        found = []
        for file in sorted(folder.glob("[0-9]*.py")):
            text = file.read_text(encoding="utf-8")
            after = re.search(r"dependencies\s*=\s*\[\s*\(\s*\"models\",\s*\"([^\"]+)\"", text)
            found.append((file.stem, after[1] if after else None))
        return found
    found = []
    for file in sorted((project.root / "migrations" / "versions").glob("*.py")):
        text = file.read_text(encoding="utf-8")
        revision = re.search(r"^revision[^=]*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        after = re.search(r"^down_revision[^=]*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        if revision:
            found.append((revision[1], after[1] if after else None))
    return found


def migration_head(project: Project) -> tuple[str, str]:
    """The project's one migration head, and the number the next migration takes."""
    revisions = _revisions(project)
    followed = {after for _, after in revisions if after}
    heads = [revision for revision, _ in revisions if revision not in followed]
    if len(heads) != 1:
        raise StarterError(
            f"The project's migrations have {len(heads)} heads ({', '.join(heads) or 'none'}): "
            "merge them into one first"
        )
    numbers = [int(m[1]) for revision, _ in revisions if (m := re.match(r"(\d+)", revision))]
    return heads[0], f"{max(numbers, default=0) + 1:04d}"


def taken_names(project: Project, copier_yml: Path) -> list[str]:
    """copier.yml's list, with the project's own modules and folders (its domains too)."""
    default = next(q.default for q in questions.load(copier_yml) if q.name == "taken_names")
    own = {path.stem for path in project.package.iterdir() if not path.name.startswith((".", "_"))}
    return sorted(set(default) | own)


def resource_data(
    project: Project, name: str, fields: list[dict[str, Any]], copier_yml: Path
) -> dict[str, Any]:
    """Copier's data for the resource: the project's answers, the resource's, what validation needs."""
    if not name:  # copier.yml takes an empty name for "not a resource": the project itself
        raise StarterError("A resource needs a name: plural, lowercase (e.g. orders)")
    fields = [dict(field) for field in fields]
    for field in fields:
        if field.get("type") == "ref" and field.get("ref") in project.resources:
            field.setdefault("ref_item", project.resources[field["ref"]]["resource_item"])
        elif field.get("type") == "ref":
            raise StarterError(
                f"Field '{field.get('name')}': the project has no resource '{field.get('ref')}' "
                f"(it has: {', '.join(project.resources) or 'none'})"
            )
    after, revision = migration_head(project)
    data = {k: v for k, v in project.answers.items() if not k.startswith("_")}
    data.update(
        resource=name,
        resource_fields=fields,
        resource_revision=revision,
        resource_after=after,
        taken_names=taken_names(project, copier_yml),
        project_resources=sorted(project.resources),
    )
    return data


def fields_problem(
    project: Project, name: str, fields: list[dict[str, Any]], copier_yml: Path
) -> str | None:
    """What copier.yml's validation says of these fields, before Copier runs (None: nothing), for
    the prompts to ask a field again. A problem with anything else (the name) is a StarterError."""
    from fastapi_starter.matrix import refusal

    problem = refusal(questions.load(copier_yml), resource_data(project, name, fields, copier_yml))
    if problem is None:
        return None
    if problem.startswith("Validation error for question 'resource_fields'"):
        return without_question_name(problem)
    raise StarterError(without_question_name(problem))


# ---------------------------------------------------------------- registration


def _insert_import(text: str, line: str, package: str) -> str:
    """``line`` among the file's ``from <package>.`` imports, where ruff's isort puts it (and
    wrapped as it wraps one past 100 characters)."""
    lines = text.split("\n")
    module = line.split()[1]
    if len(line) > LINE_LENGTH:
        head, names = line.split(" import ")
        line = f"{head} import (\n    {names},\n)"
    starts = [i for i, existing in enumerate(lines) if existing.startswith(f"from {package}.")]
    if not starts:
        raise StarterError(f"No 'from {package}.' import to add '{line}' next to")
    for i in starts:
        if lines[i].split()[1] > module:
            lines.insert(i, line)
            return "\n".join(lines)
    end = starts[-1]
    if lines[end].rstrip().endswith("("):
        while lines[end].strip() != ")":
            end += 1
    lines.insert(end + 1, line)
    return "\n".join(lines)


def _register_router(text: str, package: str, name: str) -> str:
    text = _insert_import(
        text, f"from {package}.{name}.router import router as {name}_router", package
    )
    includes = list(re.finditer(r"^( +)app\.include_router\(\w+\)\n", text, re.M))
    if not includes:
        raise StarterError("main.py has no app.include_router(...) line to add the router after")
    last = includes[-1]
    return f"{text[: last.end()]}{last[1]}app.include_router({name}_router)\n{text[last.end() :]}"


def _register_model(text: str, package: str, name: str, model: str) -> str:
    text = _insert_import(text, f"from {package}.{name}.models import {model}", package)
    found = re.search(r"^__all__ = \[(.*?)\]\n", text, re.M | re.S)
    if not found:
        raise StarterError("models.py has no __all__ list to add the model to")
    names = sorted({*re.findall(r"\"(\w+)\"", found[1]), model})
    one = f"__all__ = [{', '.join(f'{n!r}'.replace(chr(39), chr(34)) for n in names)}]\n"
    if len(one) > LINE_LENGTH + 1:  # with its newline
        one = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n"
    return f"{text[: found.start()]}{one}{text[found.end() :]}"


def registrations(project: Project, name: str, item: str) -> dict[Path, str]:
    """The new text of each shared file that registers the resource."""
    package = str(project.answers["package_name"])
    model = "".join(part.capitalize() for part in item.split("_"))
    main, models = project.package / "main.py", project.package / "models.py"
    for path in (main, models):
        if not path.is_file():
            raise StarterError(f"{path} is missing: it is where a resource is registered")
    return {
        main: _register_router(main.read_text(encoding="utf-8"), package, name),
        models: _register_model(models.read_text(encoding="utf-8"), package, name, model),
    }


def render_source(project: Project) -> tuple[str, str | None]:
    """The template and version to render from: the project's own (its ``_src_path`` at its
    ``_commit``), so that the resource is at the project's version; else this CLI's template."""
    src, commit = project.answers.get("_src_path"), project.answers.get("_commit")
    if src and commit:
        return str(src), str(commit)
    source = template_source.locate()
    return source.prepare(), source.ref(None)


# ---------------------------------------------------------------- adding one


@dataclass(frozen=True)
class Added:
    name: str
    files: list[str]
    """What Copier writes (or would write), relative to the project, sorted."""
    registered: list[str]
    """The shared files that gain the resource's lines."""
    migrate_command: str
    """The project's migration command (copier.yml's ``migrate_command``), for the next steps."""

    def next_steps(self, root: Path) -> list[str]:
        """Review, migrate, test, commit: pasteable as printed."""
        steps = [] if root.resolve() == Path.cwd().resolve() else [f"cd {display_path(root)}"]
        return [
            *steps,
            "git add -A && git diff --staged",
            f"uv run {self.migrate_command}",
            "uv run pytest",
            f'git commit -am "Add {self.name}"',
        ]


def add_resource(
    root: Path,
    name: str,
    fields: list[dict[str, Any]],
    *,
    pretend: bool = False,
    vcs_ref: str | None = None,
    item: str | None = None,
    template: str | None = None,
) -> Added:
    """Render resource ``name`` into the project at ``root`` and register it; see the module.

    ``template`` (a path) renders from another template than the project's (the generator's tests).
    """
    from fastapi_starter import generate

    root = root.resolve()
    project = open_project(root)
    source = template_source.locate()
    data = resource_data(project, name, fields, source.copier_yml)
    if item:
        data["resource_item"] = item
    src_path, ref = (template, None) if template else render_source(project)

    def run(*, pretend: bool) -> tuple[Any, list[str]]:
        with generate._captured() as output:
            worker = generate._run_copy(
                root,
                asks=False,
                src_path=src_path,
                data=data,
                answers_file=answers_file(name),
                vcs_ref=vcs_ref or ref,
                defaults=True,
                pretend=pretend,
                quiet=False,
                skip_tasks=True,
            )
        return worker, generate._created_files(output.getvalue())

    # Copier validates every answer before it writes anything: a bad name or field touches nothing.
    try:
        worker, files = run(pretend=True)
    except StarterError as error:  # the message names the value; the question's name is internal
        raise StarterError(without_question_name(str(error))) from error
    changes = registrations(project, name, str(worker.answers.combined["resource_item"]))
    if not pretend:
        run(pretend=False)
        for path, text in changes.items():
            path.write_text(text, encoding="utf-8")
    files = [f for f in files if not f.endswith("/") and not (root / f).is_dir()]
    return Added(
        name,
        files,
        sorted(str(path.relative_to(root)) for path in changes),
        str(worker.answers.combined["migrate_command"]),
    )
