"""The embedded PostgreSQL as a user meets it: no platformdirs warning, a notice for root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from crawler.store import db


def test_embedded_command_prints_no_runtime_dir_warning(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")}
    env["MEDIAMON_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "crawler.cli", "migrate"], env=env, capture_output=True, text=True,
                          timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "XDG_RUNTIME_DIR" not in done.stderr
    assert (tmp_path / "run").is_dir()  # the runtime directory lives under MEDIAMON_HOME, not /tmp/runtime-<uid>
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o700


def test_root_is_told_about_the_system_user_once() -> None:
    notice = db.root_notice(0, user_exists=False)
    assert notice is not None and "useradd" in notice and db.EMBEDDED_SYSTEM_USER in notice
    assert db.root_notice(0, user_exists=True) is None  # later runs: the user is there, nothing to say
    assert db.root_notice(1000, user_exists=False) is None  # not root: the server runs as this user
