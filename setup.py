"""Packaging that pyproject.toml cannot say: the top-level sql/ directory is installed as crawler/sql.

sql/ stays the one source of truth for migrations, named queries and examples (it is where
people look for SQL); the wheel carries it as package data of ``crawler.sql``, read through
importlib.resources (crawler/store/sqlfiles.py), so a non-editable install has its SQL too.
"""

from pathlib import Path

from setuptools import find_packages, setup

SQL_PACKAGES = ["crawler.sql", *(f"crawler.sql.{d.name}" for d in sorted(Path("sql").iterdir()) if d.is_dir())]

setup(
    packages=[*find_packages(include=["crawler", "crawler.*"]), *SQL_PACKAGES],
    package_dir={"crawler.sql": "sql"},
    package_data={"crawler": ["fixturesite/**/*", "web/templates/*", "web/static/*"],
                  **{name: ["*.sql"] for name in SQL_PACKAGES}},
)
