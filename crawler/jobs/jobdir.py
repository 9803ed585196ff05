"""The jobs directory of `mediamon serve`: scan it, load it strictly at start, plan a reload, snapshot a job.

No scheduler, no database: only the job files and the service's snapshot directory.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

from crawler.errors import JobError
from crawler.jobs import jobs

log = logging.getLogger(__name__)


def scan(directory: Path) -> dict[Path, jobs.Job | JobError]:
    """Every *.toml in the directory, loaded; a broken file maps to its error."""
    found: dict[Path, jobs.Job | JobError] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            found[path] = jobs.load_job(path)
        except JobError as exc:
            found[path] = exc
    return found


def load_strict(directory: Path) -> list[jobs.Job]:
    """The jobs to schedule at start; any bad file, duplicate name or an empty directory is a JobError."""
    if not directory.is_dir():
        raise JobError(str(directory), None, None, "jobs directory not found")
    loaded = jobs.load_jobs(directory)
    if not loaded:
        raise JobError(str(directory), None, None, "no job files (*.toml) in this directory")
    scheduled = [job for job in loaded if job.schedule is not None]
    for job in loaded:
        if job.schedule is None:
            log.warning("job has no [schedule]: not scheduled", extra={"job": job.name, "file": str(job.path)})
    if not scheduled:
        raise JobError(str(directory), None, None, "no job file has a [schedule] section: nothing to serve")
    return scheduled


@dataclass(frozen=True)
class Reload:
    """The outcome of re-reading the jobs directory."""

    jobs: dict[Path, jobs.Job]
    errors: tuple[JobError, ...]


def plan_reload(old: dict[Path, jobs.Job], found: dict[Path, jobs.Job | JobError]) -> Reload:
    """New jobs by file: a broken file keeps its old version; a removed file drops its job;
    a name already taken by another file is an error (the file that had it keeps it)."""
    errors: list[JobError] = []
    chosen: dict[Path, jobs.Job] = {}
    for path, item in found.items():
        if isinstance(item, JobError):
            errors.append(item)
            if path in old:
                chosen[path] = old[path]
        elif item.schedule is not None:
            chosen[path] = item
    owners: dict[str, Path] = {}
    # files that already owned a name claim it first, then the rest in file order
    for path in sorted(chosen, key=lambda p: (not (p in old and old[p].name == chosen[p].name), p)):
        name = chosen[path].name
        if name in owners:
            errors.append(JobError(str(path), None, "name", f"job name {name!r} is already used by {owners[name]}"))
            del chosen[path]
            if path in old and old[path].name != name:
                chosen[path] = old[path]  # keep this file's previous job rather than dropping it
        else:
            owners[name] = path
    return Reload(dict(sorted(chosen.items())), tuple(errors))


def mtimes(directory: Path) -> dict[Path, float]:
    """Modification time of every *.toml in the directory (a file removed meanwhile is left out)."""
    out = {}
    for path in directory.glob("*.toml"):
        try:
            out[path] = path.stat().st_mtime
        except FileNotFoundError:
            continue
    return out


def snapshot(job: jobs.Job, directory: Path) -> None:
    """Keep the validated text as `directory`/<job name>.toml: the run reads this copy, so a later
    broken edit cannot reach it. A JobError when the file changed since it was validated."""
    assert job.path is not None
    target = directory / f"{job.name}.toml"
    staged = target.with_suffix(".new")
    text = job.path.read_text(encoding="utf-8")
    if "name" not in tomllib.loads(text):
        text = f"name = {job.name!r}\n" + text  # the name came from the file name
    staged.write_text(text, encoding="utf-8")
    if jobs.load_job(staged).model_copy(update={"path": job.path}) != job:
        # the file changed again between validation and this copy: the next poll picks it up
        raise JobError(str(job.path), None, None, "changed while being read; will retry")
    staged.rename(target)
