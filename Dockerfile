# mediamon service image: `docker compose up` (see docker-compose.yml and README "Running it").
# Stage 1 builds the wheel (code plus sql/ as package data); stage 2 installs only that wheel,
# without the `embedded` extra: the compose file gives a PostgreSQL server through DATABASE_URL.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY crawler ./crawler
COPY sql ./sql
RUN python -m pip wheel --no-deps --wheel-dir /dist .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# A fixed uid so files in mounted volumes have a predictable owner.
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin mediamon

# The wheel, not an editable tree: no source, no build tools, no embedded PostgreSQL in the image.
COPY --from=build /dist /tmp/dist
RUN python -m pip install /tmp/dist/mediamon-*.whl && rm -rf /tmp/dist

USER mediamon
WORKDIR /home/mediamon
ENV MEDIAMON_HOME=/home/mediamon/var \
    MEDIAMON_METRICS_HOST=0.0.0.0 \
    MEDIAMON_METRICS_PORT=9464
EXPOSE 9464
# `serve` stops gracefully on SIGTERM (running crawls are interrupted cleanly, then it exits).
STOPSIGNAL SIGTERM
ENTRYPOINT ["mediamon"]
CMD ["serve", "/jobs"]
