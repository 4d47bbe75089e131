"""Two resources, one referencing the other, as the tests add them to generated projects."""

import subprocess
from pathlib import Path

from fastapi_starter import resource
from fastapi_starter.matrix import Combination

CUSTOMERS = ["name:str:120:unique", "email:str:254:optional", "tier:enum:basic,gold=basic"]
# Every other field type, a reference among them, and no string or enum field: a resource without
# length constants renders differently (it once left three blank lines after its imports).
ORDERS = [
    "customer:ref:customers",
    "note:text:optional",
    "quantity:int=1",
    "total:decimal",
    "paid:bool=false",
    "due:date:optional",
    "shipped_at:datetime:optional",
    "tracking:uuid:optional:unique",
]
ORMS = ("sqlalchemy", "sqlmodel", "tortoise")
AUTHS = ("jwt", "api_key", "oidc", "none")
DATABASES = ("sqlite", "postgresql", "mysql")


def gets_resources(combination: Combination) -> bool:
    """One project per ORM x auth pairing, the databases spread so that each ORM and each auth
    scheme meets every database (Python at its default)."""
    data = combination.data
    orm, auth = ORMS.index(data["orm"]), AUTHS.index(data["auth"])
    return data["python_version"] == "3.12" and data["database"] == DATABASES[(orm + auth) % 3]


def commit(project: Path, message: str) -> None:
    for command in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(command, cwd=project, check=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message],
        cwd=project,
        check=True,
    )


# Resource and field names at their longest allowed (20 characters), so that the checks see the
# longest lines that generated code can have.
LONGEST = {"customers": "customer_memberships", "orders": "shipment_allocations"}


def longest(spec: str) -> str:
    name, rest = spec.split(":", 1)
    for short, long in LONGEST.items():
        rest = rest.replace(f"ref:{short}", f"ref:{long}")
    return f"{name}_{'x' * (19 - len(name))}:{rest}"


def add_two_resources(project: Path, template: Path) -> list[str]:
    """customers, then orders referencing them (every name at its longest); each committed. The
    files written."""
    commit(project, "New project")
    files = []
    for name, specs in (("customers", CUSTOMERS), ("orders", ORDERS)):
        fields = [resource.parse_field(longest(spec)) for spec in specs]
        added = resource.add_resource(project, LONGEST[name], fields, template=str(template))
        files += added.files
        commit(project, f"Add {name}")
    return files
