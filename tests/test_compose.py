"""The deployment files: the compose file validates, and both files keep their operational promises."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


def _compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def test_compose_file_validates() -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor `docker compose` is installed")
    done = subprocess.run([*command, "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "needle",
    [
        "image: postgres:16",
        "pg_isready",  # postgres healthcheck
        "pgdata:/var/lib/postgresql/data",  # a named volume keeps the data
        "condition: service_healthy",
        "DATABASE_URL:",
        "./jobs:/jobs:ro",
        "restart: unless-stopped",
        ":9464",
    ],
)
def test_compose_file_declares(needle: str) -> None:
    assert needle in COMPOSE.read_text(encoding="utf-8")


def test_dockerfile_is_slim_non_root_and_installs_the_project() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert text.count("FROM python:3.11-slim") == 1
    assert "pip install -e ." in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    copied = [line.split()[1] for line in text.splitlines() if line.startswith("COPY ")]
    for needed in ("crawler", "sql"):
        assert needed in copied and (ROOT / needed).is_dir()
