# mediamon service image: `docker compose up` (see docker-compose.yml and docs/operations.md).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid so files in mounted volumes have a predictable owner.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mediamon

WORKDIR /app
# Same install as the README: pip install of the project. Editable, because the SQL files in
# sql/ are read from the source tree next to the crawler package.
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY sql ./sql
COPY jobs ./jobs
RUN python -m pip install -e .

USER mediamon
# The embedded PostgreSQL is not used here: DATABASE_URL comes from the compose file.
ENV MEDIAMON_HOME=/home/mediamon/var \
    MEDIAMON_METRICS_HOST=0.0.0.0 \
    MEDIAMON_METRICS_PORT=9464
EXPOSE 9464
# `serve` stops gracefully on SIGTERM (running crawls are interrupted cleanly, then it exits).
STOPSIGNAL SIGTERM
ENTRYPOINT ["mediamon"]
CMD ["serve", "/jobs"]
