"""The wheel, installed without the source tree, runs `migrate`, `demo` and `search` (issue: sql/ was not shipped).

Slow (~40 s: a wheel build, a fresh virtual environment, a demo crawl), but this is the only test
that sees mediamon the way `pip install mediamon` does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

ROOT = Path(__file__).resolve().parent.parent
#: what the build reads: everything else in the clone (tests, jobs, .git) must not be needed
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "crawler", "sql")


def _run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv with only the wheel of mediamon installed (dependencies come from this venv)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in BUILD_INPUTS:  # a copy: building in the clone would leave build/ and *.egg-info behind
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp / "dist"), str(src)])
    (wheel,) = (tmp / "dist").glob("mediamon-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)])
    # Dependencies: this venv's site-packages on the new one's path, added after the install so pip never
    # sees the editable mediamon there. Lines of a .pth only extend sys.path: the editable install's own
    # .pth (its import finder) in that directory is not run, so `crawler` can only come from the wheel.
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "zz_mediamon_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return venv / "bin"


@pytest.fixture(scope="module")
def empty_db(pg_server_url: str) -> Iterator[str]:
    name = f"mediamon_wheel_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_conninfo(pg_server_url, dbname=name)
    with psycopg.connect(pg_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _mediamon(bin_dir: Path, db_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(DATABASE_URL=db_url, MEDIAMON_HOME=str(cwd / "home"))
    return _run([str(bin_dir / "mediamon"), *args], env=env, cwd=cwd)


def test_the_wheel_carries_code_and_sql(installed: Path, tmp_path: Path) -> None:
    where = _run([str(installed / "python"), "-c", "import crawler.sql, crawler; print(crawler.__file__)"],
                 cwd=tmp_path)  # fmt: skip
    assert where.stdout.strip().startswith(str(installed.parent)), "crawler was not imported from the wheel"
    done = _run([str(installed / "mediamon"), "--version"], cwd=tmp_path)
    assert done.stdout.strip() == "mediamon 0.1.0"


def test_wheel_migrates_runs_the_demo_and_searches(installed: Path, empty_db: str, tmp_path: Path) -> None:
    migrated = _mediamon(installed, empty_db, tmp_path, "migrate")
    assert "0001" in migrated.stdout and "none (up to date)" not in migrated.stdout
    _mediamon(installed, empty_db, tmp_path, "demo")
    found = _mediamon(installed, empty_db, tmp_path, "search", "(maduro OR díaz-canel) -béisbol", "--limit", "3")
    assert found.stdout.startswith("1. [") and "no matching articles" not in found.stdout
