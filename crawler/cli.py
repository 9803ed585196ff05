"""`mediamon` sub-commands: parse arguments, make one call into a stage, return an exit code."""

from __future__ import annotations

import argparse
import importlib.metadata
import logging
import os
import sys
from pathlib import Path

from crawler import config, errors, logs
from crawler.alerts import cli as alerts_cli
from crawler.analyst import cli as analyst_cli
from crawler.extract import cli as extract_cli
from crawler.service import cli as service_cli

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def version() -> str:
    """The installed distribution's version ("unknown" when run from a tree that was never installed)."""
    try:
        return importlib.metadata.version("mediamon")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _env_help() -> str:
    lines = ["environment:"]
    for name, (_field, text) in config.ENVIRONMENT.items():
        lines.append(f"  {name:<24} {text}")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mediamon",
        description="Scheduled media-monitoring crawler: job files -> crawl -> deduplicated PostgreSQL.",
        epilog=_env_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"mediamon {version()}")
    parser.add_argument("--log-level", help="DEBUG, INFO, WARNING, ERROR (env MEDIAMON_LOG_LEVEL)")
    parser.add_argument("--log-format", choices=["human", "json"], help="log line format (env MEDIAMON_LOG_FORMAT)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check job files; errors name file, line and field")
    p.add_argument("files", nargs="+", type=Path, metavar="JOB_FILE")

    p = sub.add_parser("migrate", help="apply pending database migrations (DATABASE_URL or embedded)")

    p = sub.add_parser("crawl", help="run one job once (the cron entry point) and print a summary")
    p.add_argument("job", type=Path, metavar="JOB_FILE")
    p.add_argument("--no-progress", action="store_true", help="plain log lines instead of the live display")

    p = sub.add_parser("demo", help="offline demo: serve the bundled fixture news site on 127.0.0.1 and crawl it")
    p.add_argument("--keep-serving", action="store_true", help="keep the fixture site up after the crawl")

    service_cli.register(sub)  # serve, status, runs
    analyst_cli.register(sub)  # search, export, retag
    alerts_cli.register(sub)  # alerts list|preview|test|deliver
    extract_cli.register(sub)  # extract
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = config.from_env()
    except config.ConfigError as exc:
        print(f"mediamon: {exc}", file=sys.stderr)
        return EXIT_USAGE
    level = args.log_level.upper() if args.log_level else settings.log_level
    if level not in LOG_LEVELS:
        print(f"mediamon: --log-level {args.log_level!r}: use {', '.join(LOG_LEVELS[:-1])} or {LOG_LEVELS[-1]}",
              file=sys.stderr)  # fmt: skip
        return EXIT_USAGE
    logs.setup(level, args.log_format or settings.log_format)
    handler = COMMANDS.get(args.command) or getattr(args, "handler", None)
    if handler is None:
        parser.error(f"unknown command {args.command}")
    try:
        return int(handler(args, settings))
    except errors.MediamonError as exc:
        from crawler.store import db  # already imported by any command that reached a database

        print(f"mediamon: {exc}", file=sys.stderr)
        # an unreachable database is a failed run (retry later), not a mistake in how it was called
        return EXIT_FAILED if isinstance(exc, db.DatabaseUnavailable) else EXIT_USAGE
    except KeyboardInterrupt:
        print("mediamon: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`mediamon export | head -2`): stop quietly, as Unix tools do. Point
        # stdout at /dev/null so the interpreter's final flush does not raise again at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    # anything else is a bug: its traceback is printed


def cmd_validate(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.jobs import jobs

    failed = 0
    for path in args.files:
        try:
            job = jobs.load_job(path)
        except errors.JobError as exc:
            print(f"error: {exc}", file=sys.stderr)
            failed += 1
            continue
        alerts = f", {len(job.alerts)} alerts" if job.alerts else ""
        print(f"ok: {path}: job {job.name!r}, {len(job.topics)} topics, {len(job.sources)} sources{alerts}")
    return EXIT_USAGE if failed else EXIT_OK


def cmd_migrate(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.store import db, migrate

    url = db.resolve_url(settings)
    with db.connect(url, attempts=3) as conn:
        applied = migrate.migrate(conn)
    print(f"migrations applied: {', '.join(f'{v:04d}' for v in applied) or 'none (up to date)'}")
    return EXIT_OK


def cmd_crawl(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.run import report

    return report.crawl_and_report(args.job, settings, progress=not args.no_progress)


def cmd_demo(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.run import demo

    return demo.run(settings, keep_serving=args.keep_serving)


COMMANDS = {"validate": cmd_validate, "migrate": cmd_migrate, "crawl": cmd_crawl, "demo": cmd_demo}


if __name__ == "__main__":
    sys.exit(main())
