"""Job file (TOML) -> typed, frozen Job; every error names the file, the line and the field.

The schema is documented field by field in docs/example-job.toml.
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from crawler.alerts import subscriptions
from crawler.errors import JobError, QueryError
from crawler.jobs import tomlmap
from crawler.match import query, topics

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ISO_639_1 = frozenset(
    [
        "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bi", "bm", "bn",
        "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da", "de", "dv", "dz", "ee", "el",
        "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv",
        "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it",
        "iu", "ja", "jv", "ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky",
        "la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mr", "ms", "mt",
        "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om", "or", "os", "pa",
        "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl",
        "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn",
        "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo",
        "za", "zh", "zu",
    ]
)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# a lower-case host name or IPv4 address, optionally with ":port" (loopback test sites use ports)
_HOSTNAME = re.compile(
    r"^(?=[^:]{1,253}(:|$))[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$"
)


def parse_duration(value: object) -> timedelta:
    """ "30m", "1h30m", "90s", "2d" or a number of seconds -> timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("expected a duration such as \"30m\", \"2h\", \"90s\" or \"1d\"")
    text = value.strip().lower().replace(" ", "")
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"{value!r} is not a duration: use a number with s/m/h/d, e.g. \"30m\" or \"1h30m\"")
    return timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r}: use lower-case letters, digits, '-' and '_' (starting with a letter or digit)")
    return value


def _language_code(code: str) -> str:
    if code not in ISO_639_1:
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (e.g. \"en\", \"es\")")
    return code


def _terms_key(code: str) -> str:
    return code if code == topics.ANY_LANGUAGE else _language_code(code)


def _term(term: str) -> str:
    try:
        query.make_term(term)
    except QueryError as e:
        raise ValueError(f"{term!r}: {e.message}") from None
    return term


def _regex(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError(f"bad regular expression {pattern!r}: {e}") from None
    return pattern


def _hostname(domain: str) -> str:
    if not _HOSTNAME.match(domain):
        raise ValueError(f"{domain!r} is not a lower-case host name (no scheme or path; \"host:port\" is allowed)")
    return domain


Duration = Annotated[timedelta, pydantic.BeforeValidator(parse_duration)]
Slug = Annotated[str, pydantic.AfterValidator(_slug)]
LanguageCode = Annotated[str, pydantic.AfterValidator(_language_code)]
TermText = Annotated[str, pydantic.AfterValidator(_term)]
Regex = Annotated[str, pydantic.AfterValidator(_regex)]
Hostname = Annotated[str, pydantic.AfterValidator(_hostname)]
# TOML arrays arrive as lists; a frozen model keeps them as tuples (items stay strictly typed).
# Items are validated one by one so an error names the element: sources[0].article_patterns[1].
Terms = Annotated[tuple[TermText, ...], pydantic.Strict(False)]
TermsByLanguage = dict[Annotated[str, pydantic.AfterValidator(_terms_key)], Terms]


def _unique_names(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """Reject a repeated name, pointing at the repeat (its index goes to the error's ctx)."""
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.name in first:
            raise PydanticCustomError(
                "duplicate_name",
                "name '{name}' is already used by entry {first} of this list",
                {"name": item.name, "first": first[item.name], "index": index},
            )
        first[item.name] = index
    return items


class _Model(BaseModel):
    # strict: TOML has real types, so "500" for a number is a mistake, not something to coerce;
    # extra="forbid": a misspelt key is an error, not a silently ignored setting.
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Schedule(_Model):
    """When the service runs the job: exactly one of cron / interval."""

    cron: str | None = None
    interval: Duration | None = Field(default=None, strict=False)
    timezone: str = "UTC"
    jitter: Duration = Field(default=timedelta(0), strict=False)

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if value is not None:
            fields = value.split()
            if len(fields) != 5:
                raise ValueError("cron needs 5 fields: minute hour day-of-month month day-of-week")
            if re.search(r"(^|[^/\d])\d", fields[4]):
                # APScheduler 3.x reads weekday 0 as Monday, crontab as Sunday (apscheduler#286)
                raise ValueError("use day names (mon-fri, sun...) in the day-of-week field, not numbers")
            try:
                CronTrigger.from_crontab(value)
            except ValueError as e:
                raise ValueError(f"bad cron expression {value!r}: {e}") from None
        return value

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError("interval must be at least 1 minute")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as \"America/Havana\")") from None
        return value

    @field_validator("jitter")
    @classmethod
    def _jitter(cls, value: timedelta) -> timedelta:
        if value < timedelta(0) or value > timedelta(hours=1):
            raise ValueError("jitter must be between 0s and 1h")
        return value

    @model_validator(mode="after")
    def _one_of(self) -> Schedule:
        if (self.cron is None) == (self.interval is None):
            raise ValueError("set exactly one of cron or interval")
        return self

    @property
    def interval_seconds(self) -> float | None:
        """The interval in seconds, None for a cron schedule."""
        return None if self.interval is None else self.interval.total_seconds()

    @property
    def jitter_seconds(self) -> float:
        return self.jitter.total_seconds()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def trigger(self) -> BaseTrigger:
        """The APScheduler 3.x trigger for this schedule."""
        jitter = int(self.jitter_seconds) or None
        if self.cron is not None:
            minute, hour, day, month, day_of_week = self.cron.split()
            return CronTrigger(
                minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=self.tz, jitter=jitter
            )
        return IntervalTrigger(seconds=self.interval_seconds or 0, timezone=self.tz, jitter=jitter)


class Limits(_Model):
    """Per-run budgets and politeness; the bounds catch typos such as an extra zero or two."""

    max_articles_per_run: int = Field(default=500, ge=1, le=100_000)
    max_age_days: float = Field(default=7, gt=0, le=3650)
    concurrency_per_host: int = Field(default=2, ge=1, le=16)
    delay_seconds: float = Field(default=1.0, ge=0, le=120)
    max_page_bytes: int = Field(default=5_000_000, ge=10_000, le=100_000_000)
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    store_off_topic: bool = False
    min_text_chars: int = Field(default=200, ge=0, le=100_000)


class Monitor(_Model):
    """Between runs: conditional polls, change capture of known articles, adaptive polling per source."""

    conditional: bool = True  # If-None-Match / If-Modified-Since and body hashes for feeds, sitemaps, listings
    validator_audit_every: int = Field(default=8, ge=0, le=1000)  # every Nth poll unconditional; 0 = never
    # refetch a young article this long after first sight ([] = off); a newer feed/sitemap date always does
    revisit: Annotated[tuple[Duration, ...], pydantic.Strict(False)] | Literal["off"] = (
        timedelta(hours=1), timedelta(hours=6), timedelta(hours=24)
    )
    adaptive: bool = False  # poll each source when its own next poll time has come (else: every run polls all)
    min_interval: Duration = Field(default=timedelta(minutes=10), strict=False)
    max_interval: Duration = Field(default=timedelta(hours=24), strict=False)
    rediscover: Duration = Field(default=timedelta(days=7), strict=False)  # `site` sources: find feeds again

    @model_validator(mode="after")
    def _bounds(self) -> Monitor:
        if self.min_interval < timedelta(minutes=1):
            raise ValueError("min_interval must be at least 1 minute")
        if self.max_interval < self.min_interval:
            raise ValueError("max_interval must not be shorter than min_interval")
        return self

    @property
    def revisit_offsets(self) -> tuple[timedelta, ...]:
        """Revisit times after first sight, sorted; () when off."""
        return () if self.revisit == "off" else tuple(sorted(self.revisit))


class Topic(_Model):
    """A topic: a query, per-language term lists, or both; exclusions veto it."""

    name: Slug
    query: str | None = None
    terms: TermsByLanguage = Field(default_factory=dict)
    exclude: Terms = ()

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        return query.check_query(value)

    @model_validator(mode="after")
    def _something(self) -> Topic:
        if self.query is None and not any(self.terms.values()):
            raise ValueError("a topic needs a query or at least one term in [topics.terms]")
        return self


def _host(url: str) -> str:
    """Host of url, with ":port" only when the URL names a port ("127.0.0.1:8001")."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = (parts.hostname or "").lower()
    return f"{host}:{port}" if host and port is not None else host


class Source(_Model):
    """Where to discover articles: a feed, a sitemap (index / news sitemap) or a listing page."""

    name: str = Field(min_length=1)
    kind: Literal["feed", "sitemap", "news_sitemap", "listing", "site"]  # crawler.fetch.sources.KINDS
    url: str
    language: LanguageCode | None = None
    allowed_domains: Annotated[tuple[Hostname, ...], pydantic.Strict(False)] = ()
    article_patterns: Annotated[tuple[Regex, ...], pydantic.Strict(False)] = ()
    max_age_days: float | None = Field(default=None, gt=0, le=3650)

    @model_validator(mode="before")
    @classmethod
    def _default_domains(cls, data: Any) -> Any:
        # allowed_domains defaults to the host of url (resolved here so the model stays frozen)
        if isinstance(data, dict) and "allowed_domains" not in data and isinstance(data.get("url"), str):
            return {**data, "allowed_domains": [_host(data["url"])] if _host(data["url"]) else []}
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ValueError(f"bad port in URL: {value!r}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        return value

    @model_validator(mode="after")
    def _listing_patterns(self) -> Source:
        if self.kind == "listing" and not self.article_patterns:
            raise ValueError("a listing source needs article_patterns (regexes that article URLs match)")
        return self

    @property
    def host(self) -> str:
        return _host(self.url)


class Job(_Model):
    """A validated job file."""

    name: Slug
    description: str = ""
    schedule: Schedule | None = None
    limits: Limits = Limits()
    monitor: Monitor = Monitor()
    topics: Annotated[tuple[Topic, ...], pydantic.AfterValidator(_unique_names)] = Field(min_length=1, strict=False)
    sources: Annotated[tuple[Source, ...], pydantic.AfterValidator(_unique_names)] = Field(min_length=1, strict=False)
    alerts: Annotated[tuple[subscriptions.Alert, ...], pydantic.AfterValidator(_unique_names)] = Field(
        default=(), strict=False
    )
    path: Path | None = Field(default=None, strict=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _from_file(cls, data: Any, info: ValidationInfo) -> Any:
        # path and the default name come from the file, never from its content
        context = info.context or {}
        if isinstance(data, dict) and "path" in context:
            # a "path" key in the file itself is left in place for _no_path to reject
            data = {"name": Path(context["path"]).stem, "path": context["path"], **data}
        return data

    @field_validator("path", mode="before")
    @classmethod
    def _no_path(cls, value: Any, info: ValidationInfo) -> Any:
        context = info.context or {}
        if "path" in context and value is not context["path"]:
            raise ValueError("unknown key: the path is the file's own location")
        return value

    @field_validator("alerts")
    @classmethod
    def _alert_topics(
        cls, value: tuple[subscriptions.Alert, ...], info: ValidationInfo
    ) -> tuple[subscriptions.Alert, ...]:
        """An alert names topics of this job and ISO 639-1 languages (the error points at the entry)."""
        known = [t.name for t in info.data.get("topics", ())]
        for i, alert in enumerate(value):
            for j, name in enumerate(alert.topics):
                if name not in known:
                    raise PydanticCustomError(
                        "unknown_topic", "unknown topic '{topic}' (this job's topics: {known})",
                        {"topic": name, "known": ", ".join(known) or "none", "at": (i, "topics", j)},
                    )
            for j, code in enumerate(alert.languages):
                if code not in ISO_639_1:
                    raise PydanticCustomError(
                        "bad_language", "'{code}' is not an ISO 639-1 language code (e.g. \"en\", \"es\")",
                        {"code": code, "at": (i, "languages", j)},
                    )
        return value

    @property
    def hosts(self) -> frozenset[str]:
        """Every host name the job may request: source URL hosts plus allowed_domains."""
        return frozenset(h for s in self.sources for h in (s.host, *s.allowed_domains))

    def source_max_age_days(self, source: Source) -> float:
        """The source's own max_age_days, else the job's limit."""
        return source.max_age_days if source.max_age_days is not None else self.limits.max_age_days


# --------------------------------------------------------------------------- loading


def load_job(path: str | Path) -> Job:
    """Read and validate one job file; raises JobError naming file, line and field."""
    path = Path(path)
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise JobError(name, None, None, f"cannot read job file: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line, message = tomlmap.syntax_error_line(str(e))
        raise JobError(name, line, None, f"TOML syntax error: {message}") from None
    try:
        return Job.model_validate(data, context={"path": path})
    except pydantic.ValidationError as e:
        raise tomlmap.job_error(name, text, e) from None


def load_jobs(directory: str | Path) -> list[Job]:
    """Load every *.toml job in a directory, sorted by file name; job names must be unique."""
    jobs: list[Job] = []
    seen: dict[str, Job] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        job = load_job(path)
        if job.name in seen:
            text = path.read_text(encoding="utf-8")
            line = tomlmap.LineMap(text).line(("name",))
            raise JobError(str(path), line, "name", f"job name {job.name!r} is already used by {seen[job.name].path}")
        seen[job.name] = job
        jobs.append(job)
    return jobs
