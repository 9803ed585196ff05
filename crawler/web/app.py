"""The Starlette application: routes for pages, their /api twins and the Atom feeds, over a reader pool."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import psycopg
from psycopg_pool import ConnectionPool
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from crawler.analyst import scope
from crawler.analyst import search as search_mod
from crawler.errors import MediamonError
from crawler.store import sqlfiles
from crawler.web import auth as auth_mod
from crawler.web import data, render

log = logging.getLogger(__name__)

READER_ROLE = "mediamon_reader"
PAGE_SIZE = 20
# A word in a quarter of all articles must not make one page rank them all: the newest this many
# matches are ranked (the CLI ranks every match): a week or two of a busy topic, and ranking costs
# ~40 µs a match (de-TOASTing its vector), so 1,000 keeps a page near 100 ms on a common word.
SEARCH_CANDIDATES = 1000
STATIC = render.TEMPLATES.parent / "static"


class WebError(MediamonError):
    """The web view cannot start as asked (database role, bind address)."""


class BadRequest(MediamonError):
    """A page parameter that cannot be used: shown as a message with status 400."""


def configure_reader(conn: psycopg.Connection) -> None:
    """Every pooled session reads as mediamon_reader, read-only, with a statement time limit."""
    conn.execute(sqlfiles.load_queries("web")["reader_session"])  # no parameters: one simple-protocol call


def check_reader(url: str) -> None:
    """Fail early, with one clear line, when the database or the reader role cannot be used."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            configure_reader(conn)
    except psycopg.errors.InvalidParameterValue as exc:
        raise WebError(
            f"cannot SET ROLE {READER_ROLE} ({str(exc).strip()}): run `mediamon migrate`, and grant the role to "
            f"the login of MEDIAMON_WEB_DATABASE_URL (GRANT {READER_ROLE} TO <login>)"
        ) from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise WebError(
            f"this login may not act as {READER_ROLE}: GRANT {READER_ROLE} TO <login> ({str(exc).strip()})"
        ) from exc
    except psycopg.OperationalError as exc:
        raise WebError(f"cannot connect to PostgreSQL: {str(exc).strip()}") from exc


class AuthMiddleware:
    """Every request must carry the configured credentials (basic or bearer token); else 401."""

    def __init__(self, app: ASGIApp, auth: auth_mod.Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            value = headers.get(b"authorization", b"").decode("latin-1") or None
            if not self.auth.allows(value):
                response = Response(
                    "authentication required\n", status_code=401, media_type="text/plain",
                    headers={"WWW-Authenticate": self.auth.challenge()},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _int_param(value: str, name: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"{name} {value!r}: not a number") from None
    if number < 1 or number > 2**62:
        raise BadRequest(f"{name} {value!r}: out of range")
    return number


def _day_param(value: str, name: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadRequest(f"{name} {value!r}: not a date, use YYYY-MM-DD") from None


def search_request(params: dict[str, str]) -> tuple[search_mod.SearchRequest, int]:
    """Query parameters (q, topic, lang, outlet, from, to, one, page) -> a search request and the page."""
    page = _int_param(params.get("page") or "1", "page")
    if page > 500:
        raise BadRequest(f"page {page}: at most 500 pages; narrow the search with filters")
    start, end = _day_param(params.get("from", ""), "from"), _day_param(params.get("to", ""), "to")
    if start and end and end < start:
        raise BadRequest(f"to {end} is before from {start}")
    language = (params.get("lang") or "").strip() or None
    if language is not None:
        language = search_mod.language_code(language)
    request = search_mod.SearchRequest(
        query=params.get("q", ""),
        topic=(params.get("topic") or "").strip() or None,
        language=language,
        host=(params.get("outlet") or "").strip() or None,
        since=datetime(start.year, start.month, start.day, tzinfo=UTC) if start else None,
        until=datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1) if end else None,
        one_per_story=params.get("one") in ("1", "on", "true"),
        limit=PAGE_SIZE + 1,  # one more than shown: tells whether there is a next page
        offset=(page - 1) * PAGE_SIZE,
        candidates=SEARCH_CANDIDATES,
    )
    return request, page


def _page_url(params: dict[str, str], page: int) -> str:
    """The search URL of another result page: same parameters, page replaced."""
    kept = [(k, v) for k, v in params.items() if k != "page" and v]
    return "/search?" + urlencode([*kept, ("page", str(page))])


def create_app(
    db_url: str,
    *,
    auth: auth_mod.Auth | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    pool_size: int = 4,
) -> Starlette:
    """The web application reading `db_url` as mediamon_reader (checked before the pool opens)."""
    env = render.make_env()
    pool = ConnectionPool(
        db_url, min_size=1, max_size=pool_size, open=False, configure=configure_reader,
        kwargs={"autocommit": True, "application_name": "mediamon-web"},
    )
    choices_cache: dict[str, tuple[datetime, dict[str, list[Any]]]] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        check_reader(db_url)
        pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            pool.close()

    def today_start() -> datetime:
        now = clock()
        return datetime(now.year, now.month, now.day, tzinfo=UTC)

    def respond(request: Request, template: str, payload: dict[str, Any], status: int = 200) -> Response:
        last_modified = payload.get("last_modified")
        if request.url.path.startswith("/api/"):
            return render.conditional(request, render.to_json(payload), "application/json", last_modified, status)
        body = env.get_template(template).render(request=request, page=payload, path=request.url.path,
                                                 query=request.url.query).encode("utf-8")
        return render.conditional(request, body, "text/html; charset=utf-8", last_modified, status)

    def error(request: Request, status: int, message: str) -> Response:
        return respond(request, "error.html", {"error": message, "status": status}, status)

    def page(template: str, load: Callable[[Request, psycopg.Connection], dict[str, Any]]) -> Callable[..., Response]:
        def endpoint(request: Request) -> Response:
            try:
                with pool.connection() as conn:
                    payload = load(request, conn)
            except data.NotFound as exc:
                return error(request, 404, str(exc))
            except BadRequest as exc:
                return error(request, 400, str(exc))
            return respond(request, template, payload)

        return endpoint

    def load_overview(request: Request, conn: psycopg.Connection) -> dict[str, Any]:
        payload = data.overview(conn, clock())
        payload["last_modified"] = max(filter(None, [payload["last_modified"], today_start()]))
        return payload

    def load_topic(request: Request, conn: psycopg.Connection) -> dict[str, Any]:
        payload = data.topic(conn, request.path_params["name"], clock())
        payload["last_modified"] = max(payload["last_modified"], today_start())  # the 30-day window moves daily
        return payload

    def load_story(request: Request, conn: psycopg.Connection) -> dict[str, Any]:
        return data.story(conn, _int_param(request.path_params["story_id"], "story"))

    def load_article(request: Request, conn: psycopg.Connection) -> dict[str, Any]:
        return data.article(conn, _int_param(request.path_params["article_id"], "article"))

    def filter_choices(conn: psycopg.Connection) -> dict[str, list[Any]]:
        cached = choices_cache.get("choices")
        if cached is None or clock() - cached[0] > timedelta(seconds=60):  # filter lists may lag a minute
            cached = (clock(), data.filter_choices(conn))
            choices_cache["choices"] = cached
        return cached[1]

    def search_endpoint(request: Request) -> Response:
        params = dict(request.query_params)
        payload: dict[str, Any] = {"params": params, "hits": [], "page": 1, "has_next": False, "error": None,
                                   "page_size": PAGE_SIZE, "candidates": SEARCH_CANDIDATES, "prev_url": None,
                                   "next_url": None, "last_modified": None}
        status = 200
        with pool.connection() as conn:
            payload["choices"] = filter_choices(conn)
            if params.get("q", "").strip():
                try:
                    request_, payload["page"] = search_request(params)
                    hits = data.search(conn, request_)
                except (BadRequest, search_mod.SearchError, scope.ScopeError) as exc:
                    payload["error"], status = str(exc), 400
                else:
                    payload["hits"], payload["has_next"] = hits[:PAGE_SIZE], len(hits) > PAGE_SIZE
                    payload["prev_url"] = _page_url(params, payload["page"] - 1) if payload["page"] > 1 else None
                    payload["next_url"] = _page_url(params, payload["page"] + 1) if payload["has_next"] else None
        return respond(request, "search.html", payload, status)

    def feed_endpoint(request: Request) -> Response:
        try:
            with pool.connection() as conn:
                payload = data.feed(conn, request.path_params["name"])
        except data.NotFound as exc:
            return error(request, 404, str(exc))
        base = str(request.base_url).rstrip("/")
        body = env.get_template("feed.atom").render(page=payload, base=base).encode("utf-8")
        return render.conditional(request, body, "application/atom+xml; charset=utf-8", payload["updated"])

    def health(request: Request) -> Response:
        """200 with the role the pooled sessions read as (mediamon_reader)."""
        with pool.connection() as conn:
            row = conn.execute(sqlfiles.load_queries("web")["session_role"]).fetchone()
        return Response(f"ok as {row[0] if row else '?'}\n", media_type="text/plain")

    def not_found(request: Request, exc: Exception) -> Response:
        return error(request, 404, f"no page at {request.url.path}")

    pages = [
        ("/", "home.html", load_overview),
        ("/topics/{name}", "topic.html", load_topic),
        ("/stories/{story_id}", "story.html", load_story),
        ("/articles/{article_id}", "article.html", load_article),
        ("/runs", "runs.html", lambda r, c: data.runs(c)),
        ("/sources", "sources.html", lambda r, c: data.sources(c)),
    ]
    routes: list[Route | Mount] = [
        Route("/topics/{name}.atom", feed_endpoint),
        Route("/search", search_endpoint),
        Route("/api/search", search_endpoint),
        Route("/healthz", health),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    for path, template, load in pages:
        endpoint = page(template, load)
        routes.append(Route(path, endpoint))
        routes.append(Route("/api" + ("/home" if path == "/" else path), endpoint))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found})
    if auth is not None:
        app.add_middleware(AuthMiddleware, auth=auth)
    return app
