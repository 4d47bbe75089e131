"""A generated project rendered, migrated and served the way its Dockerfile serves it.

Shared by the benchmarks: PostgreSQL on loopback (user postgres, trust auth), one database per
project, the migrations run by the compose file's `migrate` command, the server started by the
Dockerfile's CMD with one worker.
"""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import yaml

from fastapi_starter import questions

REPO = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).parent / "copier")
POSTGRES = os.environ.get("BENCH_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432")


@dataclass(frozen=True)
class Project:
    path: Path
    orm: str
    auth: str
    database_url: str

    @property
    def name(self) -> str:
        return f"{self.orm}/{self.auth}"

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    @property
    def package(self) -> str:
        (package,) = (self.path / "src").iterdir()
        return package.name


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {cwd}:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def psql(sql: str, database: str = "postgres") -> str:
    return run(["psql", f"{POSTGRES}/{database}", "-qAtc", sql], cwd=REPO)


def render(workdir: Path, *, orm: str, auth: str, ref: str | None = None) -> Project:
    """Render on PostgreSQL (the working tree, or the template at the git ref `ref`), install with
    uv, and migrate a fresh database of its own."""
    name = f"bench_{orm}_{auth}" + (f"_{ref}" if ref else "")
    path = workdir / name
    answers = ["-d", "database=postgresql", "-d", f"orm={orm}", "-d", f"auth={auth}"]
    answers += ["-d", "docker=true", "-d", f"project_name={name}"]
    answers += ["--vcs-ref", ref] if ref else []
    run([COPIER, "copy", "--quiet", "--trust", "--defaults", *answers, str(REPO), str(path)], REPO)
    run(["uv", "sync", "--quiet"], cwd=path)
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")
    project = Project(path=path, orm=orm, auth=auth, database_url=f"{POSTGRES}/{name}")
    compose = yaml.safe_load((path / "compose.yaml").read_text())
    run(compose["services"]["migrate"]["command"], cwd=path, env=environment(project))
    return project


def environment(project: Project, **extra: str) -> dict[str, str]:
    venv = project.path / ".venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    return {
        **env,
        "PATH": f"{venv}{os.pathsep}{env['PATH']}",
        "ENVIRONMENT": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "DATABASE_URL": project.database_url,
        "WEB_CONCURRENCY": "1",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def production_command(project: Project, port: int) -> list[str]:
    """The Dockerfile's CMD, on loopback and the given port."""
    (cmd,) = (
        line.removeprefix("CMD ")
        for line in (project.path / "Dockerfile").read_text().splitlines()
        if line.startswith("CMD ")
    )
    return [{"0.0.0.0": "127.0.0.1", "8000": str(port)}.get(word, word) for word in json.loads(cmd)]


@contextmanager
def serving(
    command: list[str], cwd: Path, env: dict[str, str], port: int, probe: str = "/health/live"
) -> Iterator[subprocess.Popen[str]]:
    """Start a server and wait until it answers; stop it (SIGTERM) afterwards."""
    server = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until_up(server, port, probe)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()


def wait_until_up(server: subprocess.Popen[str], port: int, path: str = "/health/live") -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}").status_code == 200:
                return
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            sys.exit(f"the server exited:\n{server.communicate()[1]}")
        if time.monotonic() > deadline:
            sys.exit("the server did not answer within 60 s")
        time.sleep(0.2)


@contextmanager
def serve(project: Project, **extra_env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """The project served by its production command; yields (process, base URL)."""
    port = free_port()
    env = environment(project, **extra_env)
    with serving(production_command(project, port), project.path, env, port) as server:
        yield server, f"http://127.0.0.1:{port}"


def auth_headers(project: Project, base_url: str) -> dict[str, str]:
    """Headers of an authenticated principal (a new user for jwt), empty without auth."""
    if project.auth == "none":
        return {}
    email, password = f"{secrets.token_hex(6)}@example.com", secrets.token_urlsafe(16)
    with httpx.Client(base_url=base_url) as client:
        client.post("/users", json={"email": email, "password": password}).raise_for_status()
        token = client.post("/auth/token", data={"username": email, "password": password})
        token.raise_for_status()
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def seed_items(base_url: str, headers: dict[str, str], count: int) -> list[int]:
    with httpx.Client(base_url=base_url, headers=headers) as client:
        ids = []
        for number in range(count):
            response = client.post("/items", json={"title": f"Item {number}", "description": "x"})
            response.raise_for_status()
            ids.append(response.json()["id"])
    return ids


def resident_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def orm_choices() -> list[str]:
    (orm,) = (q for q in questions.load(REPO / "copier.yml") if q.name == "orm")
    return list(orm.values)
