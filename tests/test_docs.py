"""Docs are checked: every sub-command has help and is in the README."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from crawler import cli, config

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def _subparsers() -> argparse._SubParsersAction[argparse.ArgumentParser]:
    parser = cli.build_parser()
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _commands() -> dict[str, argparse.ArgumentParser]:
    return dict(_subparsers().choices)


def _help_lines() -> dict[str, str]:
    """Each command's one-line help as `mediamon --help` lists it ('' when it was registered without one)."""
    return {action.dest: action.help or "" for action in _subparsers()._choices_actions}


def test_every_command_is_registered() -> None:
    assert set(_commands()) >= {"validate", "migrate", "crawl", "demo", "serve", "status", "runs", "search",
                                "export", "retag"}


@pytest.mark.parametrize("name", sorted(_commands()))
def test_command_has_help_and_is_in_readme(name: str) -> None:
    assert len(_help_lines().get(name, "").split()) >= 3, f"`mediamon {name}` has no help line"
    assert f"mediamon {name}" in README


@pytest.mark.parametrize("variable", sorted(config.ENVIRONMENT))
def test_environment_variable_is_documented(variable: str) -> None:
    assert f"`{variable}`" in README


def test_readme_opens_with_the_two_commands() -> None:
    head = README.split("## What a run does")[0]
    assert "make run" in head and "make test" in head
