"""A bundled fixture news site on loopback: used by the end-to-end tests, `mediamon demo` and the benchmark."""

from __future__ import annotations

from crawler.fixturesite.jobfile import bench_job_toml, job_toml
from crawler.fixturesite.manifest import ArticleSpec, Manifest, TrapSpec
from crawler.fixturesite.server import Sites, start_sites

__all__ = ["ArticleSpec", "Manifest", "Sites", "TrapSpec", "bench_job_toml", "job_toml", "start_sites"]
