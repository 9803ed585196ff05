"""The deployment files: the compose file validates, and both files keep their operational promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"


CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def _schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    """Validate a compose file against the compose specification (check-jsonschema's bundled copy: offline)."""
    return subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.compose-spec", str(path)],
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_compose_file_validates_against_the_compose_spec() -> None:
    done = _schema_check(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr


def test_schema_check_refuses_a_broken_compose_file(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text(encoding="utf-8").replace("restart: unless-stopped", "restartt: always", 1),
                      encoding="utf-8")  # fmt: skip
    done = _schema_check(broken)
    assert done.returncode != 0 and "restartt" in done.stdout


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
        'command: ["worker"',  # scale-out workers: docker compose up --scale worker=3
        '"--queue"',  # the serve service queues tasks for them
    ],
)
def test_compose_file_declares(needle: str) -> None:
    assert needle in COMPOSE.read_text(encoding="utf-8")


def test_dockerfile_is_slim_non_root_and_installs_the_wheel() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert text.count("FROM python:3.11-slim") == 2  # build stage and runtime stage
    assert "pip wheel --no-deps" in text
    assert "pip install /tmp/dist/mediamon-*.whl" in text
    assert "pip install -e" not in text and "[embedded" not in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    copied = [name for line in text.splitlines() if line.startswith("COPY ") and "--from" not in line
              for name in line.split()[1:-1]]  # fmt: skip
    for needed in ("setup.py", "crawler", "sql"):
        assert needed in copied and (ROOT / needed).exists()
    runtime = text.split("\nFROM ")[-1]  # the image that ships: only the wheel is copied into it
    assert [line for line in runtime.splitlines() if line.startswith("COPY ")] == ["COPY --from=build /dist /tmp/dist"]


def test_dockerfile_mentions_no_missing_files() -> None:
    for name in re.findall(r"\b[\w/.-]+\.md\b", DOCKERFILE.read_text(encoding="utf-8")):
        assert (ROOT / name).exists(), name
