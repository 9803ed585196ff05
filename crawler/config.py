"""The only reader of the environment: a frozen Settings object built once per process."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from crawler.errors import MediamonError

#: environment variable -> (Settings field, help text); `mediamon --help` prints this table.
ENVIRONMENT = {
    "DATABASE_URL": ("database_url", "PostgreSQL URL; unset = embedded PostgreSQL under MEDIAMON_HOME/pgdata"),
    "MEDIAMON_HOME": ("home", "data directory for the embedded PostgreSQL and run files (default ./var)"),
    "MEDIAMON_WORKERS": ("workers", "extraction processes (default: number of cores)"),
    "MEDIAMON_LOG_LEVEL": ("log_level", "DEBUG, INFO (default), WARNING, ERROR"),
    "MEDIAMON_LOG_FORMAT": ("log_format", "human (default) or json"),
    "MEDIAMON_USER_AGENT": ("user_agent", "User-Agent sent with every request"),
    "MEDIAMON_METRICS_PORT": ("metrics_port", "port of /metrics and /healthz for `serve` (default 9464; 0 = off)"),
    "MEDIAMON_METRICS_HOST": ("metrics_host", "address /metrics binds to (default 127.0.0.1)"),
    "MEDIAMON_DB_CONNECT_TIMEOUT": ("db_connect_timeout", "seconds to wait for a database connection (default 10)"),
    "MEDIAMON_DB_STATEMENT_TIMEOUT": ("db_statement_timeout", "seconds one SQL statement may run (default 60)"),
    "MEDIAMON_DB_OUTAGE_SECONDS": ("db_outage_seconds", "a crawl waits this long for a lost database (default 30)"),
    "MEDIAMON_LEASE_SECONDS": ("lease_seconds", "job lease length; renewed every third of it (default 60)"),
}

DEFAULT_USER_AGENT = "mediamon/0.1 (+https://github.com/mediamon/mediamon; media-monitoring crawler)"


class ConfigError(MediamonError, ValueError):
    """An environment variable has an unusable value."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    home: Path = Path("var")
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    log_level: str = "INFO"
    log_format: str = "human"
    user_agent: str = DEFAULT_USER_AGENT
    metrics_port: int = 9464
    metrics_host: str = "127.0.0.1"
    db_connect_timeout: float = 10.0
    db_statement_timeout: float = 60.0
    db_outage_seconds: float = 30.0
    lease_seconds: float = 60.0

    @property
    def pgdata(self) -> Path:
        return self.home / "pgdata"


def _int(name: str, value: str, minimum: int) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}={value!r}: must be >= {minimum}")
    return number


def _seconds(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: not a number of seconds") from None
    if not number > 0:
        raise ConfigError(f"{name}={value!r}: must be > 0")
    return number


def from_env(environ: dict[str, str] | None = None) -> Settings:
    """Build Settings from the environment (or a given mapping), validating every value."""
    env = os.environ if environ is None else environ
    kwargs: dict[str, object] = {}
    if env.get("DATABASE_URL"):
        kwargs["database_url"] = env["DATABASE_URL"]
    if env.get("MEDIAMON_HOME"):
        kwargs["home"] = Path(env["MEDIAMON_HOME"])
    if env.get("MEDIAMON_WORKERS"):
        kwargs["workers"] = _int("MEDIAMON_WORKERS", env["MEDIAMON_WORKERS"], 1)
    if env.get("MEDIAMON_LOG_LEVEL"):
        level = env["MEDIAMON_LOG_LEVEL"].upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ConfigError(f"MEDIAMON_LOG_LEVEL={level!r}: use DEBUG, INFO, WARNING or ERROR")
        kwargs["log_level"] = level
    if env.get("MEDIAMON_LOG_FORMAT"):
        fmt = env["MEDIAMON_LOG_FORMAT"].lower()
        if fmt not in {"human", "json"}:
            raise ConfigError(f"MEDIAMON_LOG_FORMAT={fmt!r}: use human or json")
        kwargs["log_format"] = fmt
    if env.get("MEDIAMON_USER_AGENT"):
        kwargs["user_agent"] = env["MEDIAMON_USER_AGENT"]
    if env.get("MEDIAMON_METRICS_PORT"):
        kwargs["metrics_port"] = _int("MEDIAMON_METRICS_PORT", env["MEDIAMON_METRICS_PORT"], 0)
    if env.get("MEDIAMON_METRICS_HOST"):
        kwargs["metrics_host"] = env["MEDIAMON_METRICS_HOST"]
    for name, (field_name, _help) in ENVIRONMENT.items():
        if name.startswith(("MEDIAMON_DB_", "MEDIAMON_LEASE_")) and env.get(name):
            kwargs[field_name] = _seconds(name, env[name])
    return Settings(**kwargs)  # type: ignore[arg-type]
