"""Job files: valid ones load into typed models; broken ones name file, line and field."""

from __future__ import annotations

import pickle
import shutil
from datetime import timedelta
from pathlib import Path

import pydantic
import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from crawler.errors import JobError
from crawler.jobs import jobs, tomlmap
from crawler.match import topics

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "jobs"
BROKEN = FIXTURES / "broken"


def test_example_job_loads_every_documented_field() -> None:
    job = jobs.load_job(ROOT / "docs" / "example-job.toml")
    assert job.name == "example"
    assert job.schedule is not None and job.schedule.cron == "15 */2 * * *"
    assert job.schedule.timezone == "America/Havana"
    assert job.schedule.jitter_seconds == 60
    assert job.limits.max_page_bytes == 5_000_000
    assert [t.name for t in job.topics] == ["cuba", "venezuela-oil"]
    assert job.topics[0].terms["es"] == ("La Habana", "cubano*", "cubana*")
    assert [s.kind for s in job.sources] == ["feed", "sitemap", "listing"]
    assert job.sources[1].max_age_days == 2
    assert job.monitor.adaptive and job.monitor.revisit_offsets == (
        timedelta(hours=1),
        timedelta(hours=6),
        timedelta(hours=24),
    )
    assert job.path == ROOT / "docs" / "example-job.toml"


def test_cuba_venezuela_job_loads_with_all_source_kinds() -> None:
    job = jobs.load_job(ROOT / "jobs" / "cuba-venezuela.toml")
    assert {t.name for t in job.topics} == {"cuba", "venezuela", "venezuela-oil"}
    assert {s.kind for s in job.sources} == {"feed", "sitemap", "listing"}
    assert {s.language for s in job.sources} == {"en", "es"}
    assert all(s.article_patterns for s in job.sources if s.kind == "listing")
    assert "www.bbc.com" in job.hosts and "feeds.bbci.co.uk" in job.hosts


def test_cuba_venezuela_topics_compile_and_match_spanish_article() -> None:
    job = jobs.load_job(ROOT / "jobs" / "cuba-venezuela.toml")
    matcher = topics.compile_topics(job.topics)
    found = topics.match(
        matcher,
        title="Díaz Canel recibe a Delcy Rodríguez en La Habana",
        text="El gobernante cubano conversó con la vicepresidenta venezolana sobre el suministro de petróleo.",
        language="es",
    )
    assert {m.topic for m in found} == {"cuba", "venezuela"}


def test_minimal_job_gets_defaults_and_name_from_file_stem() -> None:
    job = jobs.load_job(FIXTURES / "minimal.toml")
    assert job.name == "minimal"
    assert job.schedule is None
    assert job.limits == jobs.Limits()
    assert job.limits.max_articles_per_run == 500 and job.limits.min_text_chars == 200
    assert job.sources[0].allowed_domains == ("news.example.org",)
    assert job.hosts == frozenset({"news.example.org"})


def test_job_is_frozen_and_picklable() -> None:
    job = jobs.load_job(FIXTURES / "minimal.toml")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        job.name = "other"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(job)) == job


def test_hosts_keep_explicit_ports_for_loopback_sites(tmp_path: Path) -> None:
    path = tmp_path / "loop.toml"
    path.write_text(
        '[[topics]]\nname = "t"\nquery = "x"\n'
        '[[sources]]\nname = "a"\nkind = "feed"\nurl = "http://127.0.0.1:8001/rss.xml"\n'
        '[[sources]]\nname = "b"\nkind = "listing"\nurl = "http://127.0.0.1:8002/news/"\n'
        'allowed_domains = ["127.0.0.1:8002", "cdn.example.org"]\narticle_patterns = [\'/news/\\d+\']\n',
        encoding="utf-8",
    )
    assert jobs.load_job(path).hosts == frozenset({"127.0.0.1:8001", "127.0.0.1:8002", "cdn.example.org"})


@pytest.mark.parametrize(
    ("schedule", "interval", "jitter"),
    [
        ('interval = "30m"', 1800, 0),
        ('interval = "1h30m"\njitter = "45s"', 5400, 45),
        ('interval = "2d"', 172800, 0),
        ("interval = 600", 600, 0),
    ],
)
def test_interval_schedules_become_seconds(tmp_path: Path, schedule: str, interval: int, jitter: int) -> None:
    path = tmp_path / "every.toml"
    path.write_text(
        f'[schedule]\n{schedule}\n[[topics]]\nname = "t"\nquery = "x"\n'
        '[[sources]]\nname = "s"\nkind = "feed"\nurl = "https://e.org/rss"\n',
        encoding="utf-8",
    )
    schedule_ = jobs.load_job(path).schedule
    assert schedule_ is not None
    assert schedule_.interval_seconds == interval and schedule_.jitter_seconds == jitter
    assert isinstance(schedule_.trigger(), IntervalTrigger)


def test_cron_schedule_builds_a_cron_trigger_in_its_timezone() -> None:
    schedule = jobs.load_job(ROOT / "docs" / "example-job.toml").schedule
    assert schedule is not None and schedule.interval_seconds is None
    trigger = schedule.trigger()
    assert isinstance(trigger, CronTrigger)
    assert str(trigger.timezone) == "America/Havana"
    assert trigger.jitter == 60


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("1h30m", timedelta(minutes=90)),
        ("1.5h", timedelta(minutes=90)),
        (5, timedelta(seconds=5)),
    ],
)
def test_parse_duration(text: str | int, expected: timedelta) -> None:
    assert jobs.parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "30", "m30", "30 minutes", "1h 30x", True])
def test_parse_duration_rejects_garbage(text: object) -> None:
    with pytest.raises(ValueError):
        jobs.parse_duration(text)


# (fixture file, line, field, part of the message)
BROKEN_JOBS = [
    ("syntax.toml", 5, None, "TOML syntax error"),
    ("missing_field.toml", 7, "sources[0].url", "required key is missing"),
    ("wrong_type.toml", 5, "limits.max_articles_per_run", "valid integer"),
    ("bad_cron.toml", 5, "schedule.cron", "higher than the maximum value (23)"),
    ("cron_weekday_number.toml", 4, "schedule.cron", "day names"),
    ("cron_and_interval.toml", 3, "schedule", "exactly one of cron or interval"),
    ("bad_interval.toml", 4, "schedule.interval", "not a duration"),
    ("bad_timezone.toml", 5, "schedule.timezone", "unknown time zone 'Mars/Olympus_Mons'"),
    ("bad_url.toml", 15, "sources[1].url", "not an http(s) URL"),
    ("bad_regex.toml", 13, "sources[0].article_patterns[1]", "bad regular expression"),
    ("unknown_kind.toml", 9, "sources[0].kind", "'feed', 'sitemap', 'news_sitemap', 'listing' or 'site'"),
    ("unknown_key.toml", 4, "limits.max_artcles_per_run", "unknown key"),
    ("unknown_top_key.toml", 2, "descripton", "unknown key"),
    ("path_key.toml", 2, "path", "unknown key"),
    ("bad_query.toml", 5, "topics[0].query", "column 11: missing ')'"),
    ("bad_language.toml", 12, "topics[1].terms.sp", "not an ISO 639-1 language code"),
    ("listing_without_patterns.toml", 7, "sources[0]", "needs article_patterns"),
    ("topic_without_terms.toml", 3, "topics[0]", "needs a query or at least one term"),
    ("duplicate_source.toml", 13, "sources[1].name", "'s' is already used"),
    ("out_of_bounds.toml", 4, "limits.concurrency_per_host", "less than or equal to 16"),
    ("no_sources.toml", None, "sources", "required key is missing"),
    ("bad_name.toml", 1, "name", "lower-case letters"),
]


@pytest.mark.parametrize(("name", "line", "field", "message"), BROKEN_JOBS, ids=[b[0] for b in BROKEN_JOBS])
def test_broken_job_error_names_file_line_and_field(
    name: str, line: int | None, field: str | None, message: str
) -> None:
    path = BROKEN / name
    with pytest.raises(JobError) as caught:
        jobs.load_job(path)
    error = caught.value
    assert (error.file, error.line, error.field) == (str(path), line, field)
    assert message in error.message
    assert len(error.all) == 1, str(error)  # one mistake, one message (no knock-on errors)
    prefix = f"{path}:{line}: " if line else f"{path}: "
    assert str(error).startswith(prefix + (f"{field}: " if field else ""))


def test_every_broken_fixture_is_in_the_table() -> None:
    assert {p.name for p in BROKEN.glob("*.toml")} == {b[0] for b in BROKEN_JOBS}


def test_several_mistakes_are_all_reported_in_line_order(tmp_path: Path) -> None:
    path = tmp_path / "many.toml"
    path.write_text(
        '[[topics]]\nname = "t"\nquery = "x"\n\n'
        '[[sources]]\nname = "s"\nkind = "rss"\nurl = "gopher://x"\n'
        "\n[limits]\ntimeout_seconds = 0\n",
        encoding="utf-8",
    )
    with pytest.raises(JobError) as caught:
        jobs.load_job(path)
    assert [(e.line, e.field) for e in caught.value.all] == [
        (7, "sources[0].kind"),
        (8, "sources[0].url"),
        (11, "limits.timeout_seconds"),
    ]
    assert len(str(caught.value).splitlines()) == 3


def test_error_lines_follow_array_tables_and_subtables(tmp_path: Path) -> None:
    path = tmp_path / "nested.toml"
    path.write_text(
        '[[topics]]\nname = "a"\n[topics.terms]\nen = ["ok"]\n\n'
        '[[topics]]\nname = "b"\n[topics.terms]\nes = [\n  "bien",\n  "mal*x",\n]\n\n'
        '[[sources]]\nname = "s"\nkind = "feed"\nurl = "https://e.org/rss"  # "quoted [brackets]"\n',
        encoding="utf-8",
    )
    with pytest.raises(JobError) as caught:
        jobs.load_job(path)
    assert (caught.value.line, caught.value.field) == (11, "topics[1].terms.es[1]")
    assert "'*' is only allowed at the end" in caught.value.message


def test_missing_file_is_a_job_error(tmp_path: Path) -> None:
    with pytest.raises(JobError, match="cannot read job file"):
        jobs.load_job(tmp_path / "nope.toml")


def test_load_jobs_reads_a_directory_sorted(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "minimal.toml", tmp_path / "b.toml")
    shutil.copy(FIXTURES / "minimal.toml", tmp_path / "a.toml")
    assert [j.name for j in jobs.load_jobs(tmp_path)] == ["a", "b"]


def test_load_jobs_rejects_duplicate_job_names_naming_both_files() -> None:
    with pytest.raises(JobError) as caught:
        jobs.load_jobs(FIXTURES / "dupes")
    error = caught.value
    assert (error.file, error.line, error.field) == (str(FIXTURES / "dupes" / "b.toml"), 2, "name")
    assert str(FIXTURES / "dupes" / "a.toml") in error.message


def test_shipped_jobs_load_with_unique_names() -> None:
    # load_jobs refuses duplicate names; the reference example lives in docs/, outside the scanned folder
    assert [job.name for job in jobs.load_jobs(ROOT / "jobs")] == ["cuba-venezuela"]


_MAP_TOML = (
    'name = "x"\n'  # 1
    "[schedule]\n"  # 2
    'cron = "0 * * * *"\n'  # 3
    "[[sources]]\n"  # 4
    'url = "https://e.org/"\n'  # 5
    "article_patterns = [\n"  # 6
    '  "/a/[0-9]+",\n'  # 7
    '  "/b/",\n'  # 8
    "]\n"  # 9
    "[[sources]]\n"  # 10
    'description = """\n'  # 11
    "url = not a key\n"  # 12
    '"""\n'  # 13
)


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("name",), 1),
        (("schedule", "cron"), 3),
        (("schedule", "timezone"), 2),  # not in the file: its table's line
        (("sources", 0, "url"), 5),
        (("sources", 0, "article_patterns", 1), 8),
        (("sources", 1), 10),
        (("sources", 1, "url"), 10),  # inside a multi-line string, not a key
        (("limits",), None),
    ],
)
def test_line_map_places_error_locations(loc: tuple[int | str, ...], line: int | None) -> None:
    assert tomlmap.LineMap(_MAP_TOML).line(loc) == line


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Invalid value (at line 3, column 7)", (3, "Invalid value (column 7)")),
        ("Invalid statement", (None, "Invalid statement")),
    ],
)
def test_syntax_error_line_splits_tomllib_messages(message: str, expected: tuple[int | None, str]) -> None:
    assert tomlmap.syntax_error_line(message) == expected


@pytest.mark.parametrize(
    ("monitor", "message"),
    [
        ({"min_interval": "2h", "max_interval": "1h"}, "max_interval must not be shorter than min_interval"),
        ({"min_interval": "30s"}, "min_interval must be at least 1 minute"),
        ({"revisit": ["1h", "soon"]}, "is not a duration"),
        ({"validator_audit_every": -1}, "greater than or equal to 0"),
    ],
)
def test_monitor_settings_are_validated(monitor: dict[str, object], message: str) -> None:
    data = {
        "name": "j",
        "monitor": monitor,
        "topics": [{"name": "t", "terms": {"any": ["x"]}}],
        "sources": [{"name": "s", "kind": "feed", "url": "https://e.com/f"}],
    }
    with pytest.raises(pydantic.ValidationError, match=message):
        jobs.Job.model_validate(data)
