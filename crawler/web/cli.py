"""`mediamon web`: check the bind address and credentials, then serve the app with uvicorn."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from crawler import config

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    """Add `web` to mediamon's argument parser."""
    p = sub.add_parser(
        "web",
        help="read-only web view: topics, stories, search, articles, runs, sources, Atom feeds",
        description="Serves the web view as the read-only role mediamon_reader (MEDIAMON_WEB_DATABASE_URL, else "
        "DATABASE_URL, else the embedded PostgreSQL). Off loopback it needs MEDIAMON_WEB_AUTH.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    p.set_defaults(handler=cmd_web)


def cmd_web(args: argparse.Namespace, settings: config.Settings) -> int:
    from crawler.web import auth

    credentials = auth.parse(settings.web_auth)
    auth.check_bind(args.host, credentials)  # before touching the database: refusing must be cheap and certain

    from crawler.store import db
    from crawler.web import app, server

    url = settings.web_database_url or db.resolve_url(settings)
    app.check_reader(url)
    print(f"mediamon web: http://{args.host}:{args.port}/ (read-only, as {app.READER_ROLE}"
          f"{', login required' if credentials else ''})", flush=True)
    server.serve(app.create_app(url, auth=credentials), args.host, args.port)
    return 0
