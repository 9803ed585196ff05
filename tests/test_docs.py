"""Docs are checked: every sub-command has help and is in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from crawler import cli, config

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def test_every_command_is_registered() -> None:
    assert set(_commands()) >= {"validate", "migrate", "crawl", "demo", "serve", "status", "runs", "search",
                                "export", "retag"}


@pytest.mark.parametrize("name", sorted(_commands()))
def test_command_has_help_and_is_in_readme(name: str) -> None:
    assert _commands()[name].format_help().strip()
    assert f"mediamon {name}" in README


@pytest.mark.parametrize("variable", sorted(config.ENVIRONMENT))
def test_environment_variable_is_documented(variable: str) -> None:
    assert f"`{variable}`" in README


def test_readme_opens_with_the_two_commands() -> None:
    head = README.split("## What a run does")[0]
    assert "make run" in head and "make test" in head
