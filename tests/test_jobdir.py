"""The jobs directory of `mediamon serve` (crawler.jobs.jobdir): strict load at start, scan, reload plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from jobfiles import write_job

from crawler.errors import JobError
from crawler.jobs import jobdir


def test_plan_reload_keeps_old_version_of_broken_file_and_drops_removed(tmp_path: Path) -> None:
    a, b = write_job(tmp_path, "a"), write_job(tmp_path, "b")
    old = {job.path: job for job in jobdir.load_strict(tmp_path)}
    a.write_text("name = [broken", encoding="utf-8")
    b.unlink()
    write_job(tmp_path, "c")
    result = jobdir.plan_reload(old, jobdir.scan(tmp_path))
    assert {j.name for j in result.jobs.values()} == {"a", "c"}
    assert result.jobs[a] is old[a]
    assert [e.file for e in result.errors] == [str(a)]


def test_plan_reload_rejects_a_second_file_taking_a_name(tmp_path: Path) -> None:
    first = write_job(tmp_path, "first", name="news")
    old = {job.path: job for job in jobdir.load_strict(tmp_path)}
    write_job(tmp_path, "second", name="news")
    result = jobdir.plan_reload(old, jobdir.scan(tmp_path))
    assert list(result.jobs) == [first]
    assert "already used" in str(result.errors[0]) and result.errors[0].file.endswith("second.toml")


def test_scan_maps_a_broken_file_to_its_error(tmp_path: Path) -> None:
    good = write_job(tmp_path, "good")
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [broken", encoding="utf-8")
    found = jobdir.scan(tmp_path)
    assert list(found) == [bad, good]
    assert isinstance(found[bad], JobError) and found[bad].file == str(bad)
    assert not isinstance(found[good], JobError) and found[good].name == "good"


def test_load_strict_names_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(JobError, match="not found"):
        jobdir.load_strict(tmp_path / "nope")


def test_load_strict_skips_unscheduled_jobs(tmp_path: Path) -> None:
    write_job(tmp_path, "scheduled")
    write_job(tmp_path, "manual", schedule=None)
    assert [job.name for job in jobdir.load_strict(tmp_path)] == ["scheduled"]


def test_load_strict_refuses_a_directory_with_nothing_scheduled(tmp_path: Path) -> None:
    write_job(tmp_path, "manual", schedule=None)
    with pytest.raises(JobError, match="nothing to serve"):
        jobdir.load_strict(tmp_path)


def test_mtimes_cover_only_job_files(tmp_path: Path) -> None:
    job = write_job(tmp_path, "news")
    (tmp_path / "notes.txt").write_text("not a job", encoding="utf-8")
    assert list(jobdir.mtimes(tmp_path)) == [job]


def test_snapshot_copies_the_validated_file_with_its_name(tmp_path: Path) -> None:
    source, into = tmp_path / "jobs", tmp_path / "snapshots"
    source.mkdir()
    into.mkdir()
    path = write_job(source, "news")
    path.write_text(path.read_text(encoding="utf-8").replace('name = "news"\n', ""), encoding="utf-8")
    (job,) = jobdir.load_strict(source)  # the name comes from the file name
    jobdir.snapshot(job, into)
    copy = into / "news.toml"
    assert copy.read_text(encoding="utf-8").startswith("name = 'news'\n")
    assert list(into.iterdir()) == [copy]


def test_snapshot_refuses_a_file_changed_since_validation(tmp_path: Path) -> None:
    source, into = tmp_path / "jobs", tmp_path / "snapshots"
    source.mkdir()
    into.mkdir()
    path = write_job(source, "news")
    (job,) = jobdir.load_strict(source)
    write_job(source, "news", schedule='interval = "2h"')
    with pytest.raises(JobError, match="changed while being read"):
        jobdir.snapshot(job, into)
    assert not (into / "news.toml").exists()
    assert path.exists()
