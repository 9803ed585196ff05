"""Shared helpers for the extraction and date benchmarks: corpus location, scorer import, timing."""

from __future__ import annotations

import argparse
import hashlib
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: the shared evaluation corpus: $MEDIAMON_CORPUS, else ../shared/corpus beside the checkout
DEFAULT_CORPUS = Path(os.environ.get("MEDIAMON_CORPUS") or REPO.parent / "shared" / "corpus")

sys.path.insert(0, str(REPO))  # run as `python bench/x.py` from a fresh clone without installing


def arg_parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the common --corpus option."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--corpus",
        type=corpus_dir,
        default=str(DEFAULT_CORPUS),
        help=f"shared evaluation corpus (default: $MEDIAMON_CORPUS or {DEFAULT_CORPUS})",
    )
    return parser


def corpus_dir(value: str) -> Path:
    """--corpus: a folder holding the corpus's score/ (a clear error instead of a traceback mid-run)."""
    path = Path(value)
    if not (path / "score").is_dir():
        raise argparse.ArgumentTypeError(
            f"{path} is not the shared evaluation corpus (no score/ folder in it): "
            "pass --corpus DIR or set MEDIAMON_CORPUS"
        )
    return path


def scorer(corpus: Path, name: str) -> ModuleType:
    """Import one of the corpus's stdlib-only scorers (score/<name>.py)."""
    score_dir = str(corpus / "score")
    if score_dir not in sys.path:
        sys.path.insert(0, score_dir)
    return importlib.import_module(name)


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, wall ms, CPU ms); exceptions become a None result, as the baselines do.

    CPU time is the one-core cost and stays meaningful when other processes load the machine.
    """
    start, cpu_start = time.perf_counter(), time.process_time()
    try:
        result = fn()
    except Exception as exc:  # noqa: BLE001 - a baseline crashing on one page must not end the run
        print(f"error: {exc!r}", file=sys.stderr)
        result = None
    return result, (time.perf_counter() - start) * 1000, (time.process_time() - cpu_start) * 1000


def half(key: str) -> str:
    """The fixed dev split every benchmark reports (A: even first byte of the key's SHA-1): a rule written
    while looking at one half is kept only if it holds on the other."""
    return "A" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "B"
