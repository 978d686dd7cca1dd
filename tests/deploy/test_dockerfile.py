"""The Dockerfile's structure, read without a container engine: stages, user, install step,
health check, entry point; and its HEALTHCHECK command run against a real server."""

import fnmatch
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from eval.standin import StandIn
from service.app import create_app
from tests.service.conftest import Served, settings_for

ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = "scripts/install.sh"


@dataclass
class Stage:
    """One `FROM` of the Dockerfile and its instructions, as (INSTRUCTION, arguments)."""

    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for name, args in self.instructions if name == instruction]


def parse(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults and the stages, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip().removesuffix("\\") + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            logical.append(" ".join(pending.split()))
            pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        instruction, _, rest = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = rest.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif not stages and instruction == "ARG":
            key, _, value = rest.partition("=")
            args[key] = value
        else:
            stages[-1].instructions.append((instruction, rest))
    return args, stages


GLOBAL_ARGS, STAGES = parse(ROOT / "Dockerfile")
FINAL = STAGES[-1]


def _exec_form(args: str) -> list[str]:
    value = json.loads(args.split(" ", 4)[-1] if args.startswith("--") else args)
    assert isinstance(value, list)
    return value


def test_it_has_a_named_build_stage_and_a_slim_python_3_11_runtime() -> None:
    assert len(STAGES) >= 2 and all(stage.name for stage in STAGES)
    assert {stage.base for stage in STAGES} == {"${PYTHON_IMAGE}"}
    assert GLOBAL_ARGS["PYTHON_IMAGE"].startswith("python:3.11-slim")


def test_the_runtime_stage_copies_only_the_built_environment() -> None:
    copies = FINAL.all("COPY")
    assert copies == [f"--from={STAGES[0].name} /opt/adaptmt /opt/adaptmt"]
    assert not FINAL.all("ADD")


def test_the_runtime_runs_as_an_unprivileged_user() -> None:
    user = FINAL.all("USER")[-1]
    uid = user.split(":")[0].replace("${UID}", FINAL.all("ARG")[0].split("=")[1])
    assert uid not in ("root", "0") and int(uid) >= 1000


def test_the_install_step_is_the_script_the_readme_and_ci_use() -> None:
    runs = [run for stage in STAGES for run in stage.all("RUN") if INSTALL_SCRIPT in run]
    assert runs == [f"EDITABLE=0 EXTRAS= VENV=/opt/adaptmt {INSTALL_SCRIPT}"]
    assert INSTALL_SCRIPT in (ROOT / "Makefile").read_text()
    assert "make install" in (ROOT / ".ci" / "run").read_text()
    assert "make install" in (ROOT / "README.md").read_text()


def test_every_package_the_project_installs_is_copied_and_not_ignored() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    }
    build = STAGES[0]
    sources = {part for copy in build.all("COPY") for part in copy.split()[:-1]}

    assert packages <= sources
    assert {"pyproject.toml", "README.md", INSTALL_SCRIPT} <= sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert not _ignored(source), source


def _ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (last matching rule wins)."""
    ignored = False
    for rule in (ROOT / ".dockerignore").read_text().splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negated = rule.startswith("!")
        pattern = rule.removeprefix("!").rstrip("/")
        if fnmatch.fnmatch(path, pattern) or path.startswith(pattern + "/"):
            ignored = not negated
    return ignored


@pytest.mark.parametrize(
    ("path", "ignored"),
    [("tests/conftest.py", True), (".venv/bin/python", True), ("service/app.py", False)],
)
def test_the_build_context_leaves_out_what_the_image_does_not_need(
    path: str, ignored: bool
) -> None:
    assert _ignored(path) is ignored


def test_the_entry_point_is_adaptmt_serve_configured_by_the_environment() -> None:
    assert _exec_form(FINAL.all("ENTRYPOINT")[-1]) == ["adaptmt"]
    assert _exec_form(FINAL.all("CMD")[-1]) == ["serve"]
    env = " ".join(FINAL.all("ENV"))
    for setting in ("ADAPTMT_HOST=0.0.0.0", "ADAPTMT_PORT=8080", "ADAPTMT_LOG_FORMAT=json"):
        assert setting in env
    assert FINAL.all("EXPOSE") == ["8080"]


def _healthcheck_command() -> list[str]:
    (check,) = FINAL.all("HEALTHCHECK")
    options, _, command = check.partition(" CMD ")
    assert "--interval" in options and "--timeout" in options
    return _exec_form(command)


def test_the_healthcheck_asks_healthz_with_python_alone() -> None:
    command = _healthcheck_command()
    assert command[:2] == ["python", "-c"]
    assert "/healthz" in command[2] and "curl" not in command[2]


@pytest.fixture
def service(server: StandIn, tmp_path: Path) -> Iterator[Served]:
    served = Served(create_app(settings_for(tmp_path, server.base_url)))
    yield served
    served.stop()


def test_the_healthcheck_command_passes_on_a_live_server_and_fails_without_one(
    service: Served,
) -> None:
    code = _healthcheck_command()[2]
    port = service.url.rsplit(":", 1)[1]

    def check(port: str) -> int:
        env = os.environ | {"ADAPTMT_PORT": port}
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True).returncode

    assert check(port) == 0
    assert check("1") != 0  # nothing listens there


def test_the_install_script_parses() -> None:
    assert subprocess.run(["bash", "-n", str(ROOT / INSTALL_SCRIPT)]).returncode == 0
