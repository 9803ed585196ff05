"""`[[alerts]]` in a job file -> typed, frozen subscriptions (crawler.jobs.jobs embeds them in Job).

Secrets never appear in a job file: a channel URL names environment variables as ``${NAME}`` and a
webhook names its signing key's variable in ``secret_env``. Validation checks that every named
variable is set and that the URL, with the values filled in, is one apprise understands, so a bad
channel fails at ``mediamon validate`` rather than at the first send.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler.alerts import windows

_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class SecretMissing(ValueError):
    """A channel names an environment variable that is not set."""


def env_refs(template: str) -> list[str]:
    """Names of the ${NAME} references in a channel URL, in order."""
    return _ENV_REF.findall(template)


def fill(template: str, environ: Mapping[str, str] | None = None) -> str:
    """The template with each ${NAME} replaced by the variable's value (SecretMissing when unset).

    Secrets are the one setting read from the environment outside crawler.config, at the moment of use,
    so that they are held only as long as a send takes.
    """
    env = os.environ if environ is None else environ

    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in env or env[name] == "":
            raise SecretMissing(f"environment variable {name} is not set")
        return env[name]

    return _ENV_REF.sub(value, template)


def _check_env(name: str, environ: Mapping[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    if not env.get(name):
        raise SecretMissing(f"environment variable {name} is not set")


def channel_id(template: str) -> str:
    """A stable id for a channel: its template (no secret values in it) hashed."""
    return hashlib.sha256(template.encode()).hexdigest()[:12]


def _apprise_url(template: str) -> str:
    """Check an apprise URL at validation time: variables set, and apprise accepts the filled-in URL."""
    try:
        url = fill(template)
    except SecretMissing as e:
        raise ValueError(str(e)) from None
    import apprise  # heavy import: only job files with alerts pay for it

    quiet = logging.getLogger("apprise")
    level, quiet.level = quiet.level, logging.CRITICAL  # its "Unparseable URL" line would repeat our error
    try:
        accepted = apprise.Apprise().add(url)
    finally:
        quiet.setLevel(level)
    if not accepted:
        scheme = urlsplit(template).scheme or template.split(":", 1)[0]
        raise ValueError(f"not a valid apprise URL (scheme {scheme!r}); see https://github.com/caronc/apprise/wiki")
    return template


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(f"{value!r}: use lower-case letters, digits, '-' and '_' (starting with a letter or digit)")
    return value


AppriseUrl = Annotated[str, pydantic.AfterValidator(_apprise_url)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


class Webhook(_Model):
    """A plain JSON POST signed with HMAC-SHA256 over the body (header X-Mediamon-Signature)."""

    url: str
    secret_env: str

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {value!r}")
        if env_refs(value):
            raise ValueError("put the webhook's key in secret_env, not in its URL")
        return value

    @field_validator("secret_env")
    @classmethod
    def _secret(cls, value: str) -> str:
        if not _ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        try:
            _check_env(value)
        except SecretMissing as e:
            raise ValueError(str(e)) from None
        return value


class Spike(_Model):
    """At least `stories` new stories in `hours`, and `factor` times the usual rate of the days before."""

    stories: int = Field(ge=1, le=10_000)
    hours: int = Field(default=6, ge=1, le=168)
    factor: float = Field(default=3.0, ge=1.0, le=100.0, strict=False)
    baseline_days: int = Field(default=14, ge=1, le=365)


class Alert(_Model):
    """One subscription: which stories (topics, languages), how (mode) and where (channels)."""

    name: Annotated[str, pydantic.AfterValidator(_slug)]
    topics: Annotated[tuple[str, ...], pydantic.Strict(False)] = ()
    query: str | None = None  # the topic query language (crawler.match.query), matched on the article
    mode: Literal["immediate", "digest", "spike"] = "immediate"
    languages: Annotated[tuple[str, ...], pydantic.Strict(False)] = ()
    timezone: str = "UTC"
    digest: str | None = None
    quiet_hours: str | None = None
    spike: Spike | None = None
    max_attempts: int = Field(default=10, ge=1, le=100)
    grew_to: int | None = Field(default=None, ge=2, le=1000)  # immediate: one update when a story reaches N outlets
    channels: Annotated[tuple[AppriseUrl, ...], pydantic.Strict(False)] = ()
    webhooks: Annotated[tuple[Webhook, ...], pydantic.Strict(False)] = ()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use an IANA name such as \"America/Havana\")") from None
        return value

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None) -> str | None:
        from crawler.match import query

        return query.check_query(value)

    @field_validator("digest")
    @classmethod
    def _digest(cls, value: str | None) -> str | None:
        if value is not None:
            windows.parse_digest(value)
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str | None) -> str | None:
        if value is not None:
            windows.parse_quiet(value)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Alert:
        if not self.topics and self.query is None:
            raise ValueError("an alert needs topics = [...] (topics of this job), a query, or both")
        if self.grew_to is not None and self.mode != "immediate":
            raise ValueError("grew_to is an update to an immediate alert: set mode = \"immediate\"")
        if self.mode == "spike" and not self.topics:
            raise ValueError("a spike alert counts stories per topic: set topics = [...]")
        if self.mode == "digest" and self.digest is None:
            raise ValueError("a digest needs digest = \"hourly\", \"daily 08:00\" or \"weekly mon 08:00\"")
        if self.mode != "digest" and self.digest is not None:
            raise ValueError(f"digest is set but mode is {self.mode!r} (set mode = \"digest\")")
        if self.mode == "spike" and self.spike is None:
            raise ValueError("a spike alert needs spike = { stories = N, hours = M }")
        if self.mode != "spike" and self.spike is not None:
            raise ValueError(f"spike is set but mode is {self.mode!r} (set mode = \"spike\")")
        if not self.channels and not self.webhooks:
            raise ValueError("an alert needs at least one channel (channels = [apprise URL]) or [[alerts.webhooks]]")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_schedule(self) -> windows.DigestSchedule | None:
        return windows.parse_digest(self.digest) if self.digest else None

    @property
    def quiet(self) -> windows.QuietHours | None:
        return windows.parse_quiet(self.quiet_hours) if self.quiet_hours else None

    def channel_specs(self) -> list[dict[str, Any]]:
        """Every channel as stored in alert_subscriptions.spec: templates and variable names only."""
        out: list[dict[str, Any]] = []
        for url in self.channels:
            kind = urlsplit(url).scheme or url.split(":", 1)[0]
            out.append({"id": channel_id(url), "kind": kind, "url": url})
        for hook in self.webhooks:
            out.append({"id": channel_id(f"webhook {hook.url} {hook.secret_env}"), "kind": "webhook",
                        "url": hook.url, "secret_env": hook.secret_env})
        return out

    def spec(self) -> dict[str, Any]:
        """The subscription as JSON for alert_subscriptions.spec."""
        return {
            "mode": self.mode,
            "query": self.query,
            "timezone": self.timezone,
            "digest": self.digest,
            "quiet_hours": self.quiet_hours,
            "spike": self.spike.model_dump() if self.spike else None,
            "max_attempts": self.max_attempts,
            "grew_to": self.grew_to,
            "channels": self.channel_specs(),
        }
